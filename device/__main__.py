"""Command line: ``python -m device`` / ``wallhinge``.

    run        the station (on a Raspberry Pi: real pins and camera; elsewhere:
               the station in simulation with a synthetic athlete and mock pins)
    simulate   one synthetic scenario through the whole station
    analyze    replay a recording or a bare side-view video; per-rep report
    selftest   walk through LEDs, buzzer, button, sensor and camera
    export     the session log as CSV or JSON
    config     check a config file, or print the defaults

Exit status: 0 ok, 1 a runtime failure (named), 2 a bad config or usage.
Expected failures print one clear message, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Optional, Sequence

from . import __version__
from .config import Config, ConfigError, load_config

log = logging.getLogger("wallhinge")

SCENARIO_HELP = "clean, mixed, noisy_sensor, passerby, walk_in_out, blind, standing_start, dim, lowres, yaw, hoodie, camouflage"


def on_raspberry_pi() -> bool:
    try:
        return "Raspberry Pi" in Path("/proc/device-tree/model").read_text(errors="ignore")
    except OSError:
        return False


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = text.lower().split("x")
        return int(w), int(h)
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 640x480, not {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="wallhinge", description="WallHinge: a smart wall target for hip-hinge training")
    p.add_argument("--version", action="version", version=f"wallhinge {__version__}")
    p.add_argument("--config", type=Path, help="TOML config (default: $WALLHINGE_CONFIG or /etc/wallhinge/wallhinge.toml)")
    p.add_argument("--log-level", default=os.environ.get("WALLHINGE_LOG_LEVEL", "info"),
                   choices=["debug", "info", "warning", "error"])
    sub = p.add_subparsers(dest="command")

    r = sub.add_parser("run", help="run the station (simulation when not on a Raspberry Pi)")
    r.add_argument("--simulate", action="store_true", help="force simulation even on a Pi")
    r.add_argument("--label", help="patient or user label stored with the sets (clinic)")

    s = sub.add_parser("simulate", help="run a synthetic scenario through the whole station")
    s.add_argument("--scenario", default="clean", help=f"scenario name ({SCENARIO_HELP})")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--speed", type=float, default=0.0, help="1 = real time; 0 (default) = as fast as possible")
    s.add_argument("--reps", type=int, help="override the scenario's number of reps")
    s.add_argument("--size", type=_size, default=(640, 480), help="frame size, e.g. 640x480")
    s.add_argument("--fps", type=float, default=30.0)
    s.add_argument("--posture", choices=["camera", "truth"], default="camera",
                   help="camera: real vision on rendered frames (default); truth: ground-truth posture")
    s.add_argument("--record", type=Path, help="also save the session as a recording (format v1) in this folder")
    s.add_argument("--json", action="store_true", help="machine-readable output")

    a = sub.add_parser("analyze", help="per-rep report of a recording folder or a side-view video")
    a.add_argument("path", type=Path)
    a.add_argument("--json", action="store_true")
    a.add_argument("--annotate", type=Path, metavar="OUT.mp4", help="write the video with the measures drawn on it")
    a.add_argument("--wall-side", choices=["left", "right"], help="which side of the picture the wall is on")
    a.add_argument("--segmenter", choices=["auto", "background", "selfie"], help="person mask for the silhouette estimator")
    a.add_argument("--estimator", choices=["silhouette", "pose"],
                   help="silhouette: the station's; pose: landmark-guided (mediapipe), for real phone footage "
                        "(default: silhouette for recordings, the README's choice for bare videos)")

    t = sub.add_parser("selftest", help="check LEDs, buzzer, button, sensor and camera; save an aiming snapshot")
    t.add_argument("--out", type=Path, default=Path("."), help="folder for the snapshot")
    t.add_argument("--mock", action="store_true", help="use mock pins and a synthetic camera (no hardware)")

    sub.add_parser("export", help="export the session log as CSV or JSON (see: export --help)", add_help=False)

    c = sub.add_parser("config", help="check a config file, or print the defaults")
    c.add_argument("--defaults", action="store_true", help="print the default config as TOML")
    return p


def _cmd_simulate(args, cfg: Config) -> int:
    from .core.types import ContactMade, RepFinished, SetEnded, SetStarted, TargetReached
    from .report import ADVICE
    from .simulate import run_simulation

    def echo(e, watcher) -> None:
        if args.json:
            return
        if isinstance(e, ContactMade):
            print(f"{e.t:7.2f}s  hip contact -> LED {'+'.join(watcher.lit()) or 'off'}: {e.verdict.value}")
        elif isinstance(e, RepFinished):
            r = e.rep
            rnd = "-" if r.rounding_deg is None else f"{r.rounding_deg:.0f}°"
            incl = "-" if r.trunk_inclination_deg is None else f"{r.trunk_inclination_deg:.0f}°"
            print(f"{e.t:7.2f}s  rep {r.index}: {r.verdict.value:9s} {'COUNTED' if r.counted else 'not counted':11s}"
                  f" trunk {incl} rounding {rnd}  [{e.counted_total}/{e.target_reps}, bar {watcher.bar_count()}/"
                  f"{len(watcher.bar)}]  {ADVICE[r.verdict]}")
        elif isinstance(e, TargetReached):
            print(f"{e.t:7.2f}s  target reached: {e.counted_total} good reps (rising beeps, bar chase)")
        elif isinstance(e, SetStarted):
            print(f"{e.t:7.2f}s  set {e.set_index} started")
        elif isinstance(e, SetEnded):
            print(f"{e.t:7.2f}s  set {e.set_index} ended ({e.reason}): {e.counted_total} counted")

    from .sim.scenarios import SCENARIO_NAMES

    if args.scenario not in SCENARIO_NAMES:
        from .sim.scenarios import SCENARIO_DESCRIPTIONS

        print(f"unknown scenario {args.scenario!r}; choose one of:", file=sys.stderr)
        for name, what in SCENARIO_DESCRIPTIONS.items():
            print(f"  {name:13s} {what}", file=sys.stderr)
        return 2
    w, h = args.size
    if not args.json:
        print(f"simulating '{args.scenario}' (seed {args.seed}, {w}x{h} @ {args.fps:g} fps, posture from "
              f"{'the camera' if args.posture == 'camera' else 'ground truth'}; mock pins)")
    res = run_simulation(args.scenario, cfg, seed=args.seed, speed=args.speed, posture=args.posture,
                         width=w, height=h, fps=args.fps, n_reps=args.reps,
                         record_dir=str(args.record) if args.record else None, on_event=echo)
    c = res.comparison
    if args.json:
        print(json.dumps(res.to_dict(), indent=2))
    else:
        print(f"\n{res.frames} frames in {res.wall_s:.1f} s ({res.frames / max(res.wall_s, 1e-9):.0f} fps)")
        print(f"counted {c.counted} (ground truth {c.expected_counted}); verdicts right {c.verdicts_right}/"
              f"{c.matched} matched of {c.matched + len(c.missed)} truth reps; missed {c.missed or 'none'}, "
              f"extra {c.extra or 'none'}")
        for i, exp, got in c.wrong:
            print(f"  truth rep {i}: expected {exp}, station said {got}")
        print("MATCHES GROUND TRUTH" if c.exact else "DIFFERS FROM GROUND TRUTH")
        if args.record:
            print(f"recording saved in {args.record} (replay: python -m device analyze {args.record})")
    return 0 if c.exact else 1


def _cmd_analyze(args, cfg: Config) -> int:
    from .analyze import analyze
    from .core.types import Rep, Verdict
    from .report import report_text

    rep = analyze(args.path, cfg, annotate=args.annotate, wall_side=args.wall_side, segmenter=args.segmenter,
                  estimator=args.estimator)
    if args.json:
        print(json.dumps(rep, indent=2))
    else:
        reps = [Rep(index=d["index"], start_s=d["start_s"], bottom_s=d["bottom_s"], end_s=d["end_s"],
                    contact=d["contact"], verdict=Verdict(d["verdict"]),
                    trunk_inclination_deg=d["trunk_inclination_deg"], rounding_deg=d["rounding_deg"])
                for d in rep["reps"]]
        print(f"{args.path}: {rep['frames']} frames at {rep['fps']:g} fps, "
              f"contact {'from the proximity trace' if rep['contact_known'] else 'unknown (video only)'}")
        print(report_text(reps))
        if args.annotate:
            print(f"annotated video: {args.annotate}")
    return 0


def _cmd_run(args, cfg: Config) -> int:
    if args.simulate or not on_raspberry_pi():
        print("No Raspberry Pi here: running the station in simulation (synthetic athlete, mock pins).")
        print("On a Pi this command runs the real station; `python -m device simulate --help` for options.\n")
        ns = argparse.Namespace(scenario="clean", seed=0, speed=0.0, posture="camera", size=(640, 480), fps=30.0,
                                reps=None, record=None, json=False)
        return _cmd_simulate(ns, cfg)
    from .live import run_station

    return run_station(cfg, label=args.label)


def _cmd_selftest(args, cfg: Config) -> int:
    from .selftest import run_selftest

    if args.mock:
        from gpiozero.pins.mock import MockFactory, MockTriggerPin

        from .live import make_frame_source

        cfg.camera.source = "synthetic"
        factory = MockFactory()
        if cfg.sensor.kind == "hcsr04":  # an echo as if a hand were 25 cm in front of the sensor
            echo = factory.pin(cfg.sensor.echo_pin)
            factory.pin(cfg.sensor.trigger_pin, pin_class=MockTriggerPin, echo_pin=echo, echo_time=0.25 * 2 / 343.26)
        return run_selftest(cfg, pin_factory=factory, frame_source=make_frame_source(cfg), out_dir=args.out)
    return run_selftest(cfg, out_dir=args.out)


def _cmd_config(args, cfg: Config) -> int:
    if args.defaults:
        print(to_toml(Config().model_dump(mode="json")))
    else:
        print(to_toml(cfg.model_dump(mode="json")))
        print("# config OK", file=sys.stderr)
    return 0


def to_toml(d: dict) -> str:
    """A flat two-level TOML writer for the config (sections of scalars and lists)."""

    def val(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, list):
            return "[" + ", ".join(val(x) for x in v) + "]"
        return json.dumps(str(v))

    out = []
    for section, body in d.items():
        out.append(f"[{section}]")
        out += [f"{k} = {val(v)}" for k, v in body.items()]
        out.append("")
    return "\n".join(out)


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "export" in argv:
        # export has its own options (--db, --out, ...): hand them over untouched,
        # with the global --config when one was given before the command.
        i = argv.index("export")
        head, rest = argv[:i], argv[i + 1 :]
        if "--config" in head and "--config" not in rest and "--db" not in rest:
            j = head.index("--config")
            if j + 1 < len(head):
                rest = ["--config", head[j + 1], *rest]
        from .storage import export_main

        return export_main(rest)
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, args.log_level.upper()),
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        cfg = load_config(args.config)
    except ConfigError as e:
        print(e, file=sys.stderr)
        return 2
    command = args.command or "run"
    handlers = {"run": _cmd_run, "simulate": _cmd_simulate, "analyze": _cmd_analyze,
                "selftest": _cmd_selftest, "config": _cmd_config}
    if args.command is None:  # bare `python -m device` runs the station
        args.simulate, args.label = False, None
    try:
        return handlers[command](args, cfg)
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and closed early
        sys.stdout = open(os.devnull, "w")
        return 0
    except Exception as e:  # the last line of defence: a clear message, the details in the debug log
        known = _known_error(e)
        if known:
            print(known, file=sys.stderr)
            return 1
        log.debug("unexpected error", exc_info=True)
        print(f"error: {type(e).__name__}: {e}\n(run with --log-level debug for the details)", file=sys.stderr)
        return 1


def _known_error(e: Exception) -> Optional[str]:
    from .io.frames import CameraError
    from .recording import RecordingError

    if isinstance(e, (RecordingError, CameraError)):
        return f"error: {e}"
    try:
        from .storage import StorageError

        if isinstance(e, StorageError):
            return f"error: {e}"
    except ImportError:
        pass
    try:
        from .vision.segmentation import SegmentationError

        if isinstance(e, SegmentationError):
            return f"error: {e}"
        from .vision.pose import PoseModelError

        if isinstance(e, PoseModelError):
            return f"error: {e}"
    except ImportError:
        pass
    return None


if __name__ == "__main__":
    sys.exit(main())
