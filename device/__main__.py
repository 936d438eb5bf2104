"""Command line: ``python -m device`` / ``wallhinge``.

    run        the station (on a Raspberry Pi: real pins and camera; elsewhere:
               the station in simulation with a synthetic athlete and mock pins)
    simulate   one synthetic scenario through the whole station
    analyze    replay a recording or a bare side-view video; per-rep report
    selftest   walk through LEDs, buzzer, button, sensor and camera
    export     the session log as CSV or JSON
    config     check a config file (config FILE), or print the defaults
    soak       the station in simulation for hours of simulated time: memory, threads, files
    cues       render every spoken phrase to a folder (cues --render DIR)
    fleet      every station on an MQTT broker, live, in the terminal
    dashboard  the clinician's web dashboard and the athlete screen
    user       dashboard accounts (user add NAME)

Exit status: 0 ok, 1 a runtime failure (named), 2 a bad config or usage.
Expected failures print one clear message, never a traceback; --verbose
shows the developer's details.

Adding a subcommand: a parser in build_parser() (``sub.add_parser``) and a
handler ``_cmd_NAME(args, cfg) -> int`` in HANDLERS; the body belongs in the
feature's own module.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
import time
from pathlib import Path
from typing import Optional, Sequence

from . import __version__, command
from .config import Config, ConfigError, load_config
from .core.exercises import NAMES as EXERCISE_NAMES

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
        w_, h_ = int(w), int(h)
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 640x480, not {text!r}") from None
    if not (160 <= w_ <= 1920 and 120 <= h_ <= 1080):
        raise argparse.ArgumentTypeError(f"size must be from 160x120 to 1920x1080, not {text!r}")
    return w_, h_


def _number(name: str, low: float, high: float, low_open: bool = False):
    """An argparse type: a finite number in [low, high] (or (low, high]), named in the message."""

    def parse(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a number, not {text!r}") from None
        bad = not math.isfinite(v) or v > high or (v <= low if low_open else v < low)
        if bad:
            above = f"above {low:g}" if low_open else f"from {low:g}"
            raise argparse.ArgumentTypeError(f"{name} must be {above} to {high:g}, not {text}")
        return v

    return parse


def _count(name: str, low: int, high: int):
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number, not {text!r}") from None
        if not low <= v <= high:
            raise argparse.ArgumentTypeError(f"{name} must be from {low} to {high}, not {v}")
        return v

    return parse


LOG_LEVELS = ("debug", "info", "warning", "error")


def _mqtt_url(text: str) -> str:
    from .net.url import parse_url

    try:
        parse_url(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return text


def build_parser() -> argparse.ArgumentParser:
    # --config and --verbose are accepted before or after the command (`--config X export`
    # and `export --config X` mean the same); SUPPRESS keeps a later default from erasing one.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", type=Path, default=argparse.SUPPRESS,
                        help="TOML config (default: $WALLHINGE_CONFIG or /etc/wallhinge/wallhinge.toml)")
    common.add_argument("--verbose", "-v", action="store_true", default=argparse.SUPPRESS,
                        help="developer details: timings, raw measures, debug log")
    p = argparse.ArgumentParser(prog="wallhinge", parents=[common],
                                description="WallHinge: a smart wall target for hip-hinge training")
    p.add_argument("--version", action="version", version=f"wallhinge {__version__}")
    p.add_argument("--log-level", choices=LOG_LEVELS, default=None,
                   help="log detail (default: $WALLHINGE_LOG_LEVEL or info)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    r = sub.add_parser("run", parents=[common], help="run the station (simulation when not on a Raspberry Pi)")
    r.add_argument("--simulate", action="store_true", help="force simulation even on a Pi")
    r.add_argument("--label", help="patient or user label stored with the sets (clinic)")
    r.add_argument("--mqtt", metavar="URL", type=_mqtt_url,
                   help="publish to this MQTT broker (mqtt://host:1883, mqtts://...); overrides [mqtt] url")

    s = sub.add_parser("simulate", parents=[common], help="run a synthetic scenario through the whole station")
    s.add_argument("--scenario", default="clean", help=f"scenario name ({SCENARIO_HELP})")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--speed", type=_number("--speed", 0, 1000), default=0.0,
                   help="1 = real time; 0 (default) = as fast as possible")
    s.add_argument("--reps", type=_count("--reps", 1, 200), help="override the scenario's number of reps")
    s.add_argument("--size", type=_size, default=(640, 480), help="frame size, e.g. 640x480")
    s.add_argument("--fps", type=_number("--fps", 5, 120), default=30.0, help="camera frames per second (5-120)")
    s.add_argument("--shading", type=_number("--shading", 0, 0.8), default=0.0,
                   help="draw the people as lit, rounded surfaces: an edge turned from the light up to this "
                        "much darker (0-0.8; default 0: flat colours, as every figure in the README was measured)")
    s.add_argument("--posture", choices=["camera", "truth"], default="camera",
                   help="camera: real vision on rendered frames (default); truth: ground-truth posture")
    s.add_argument("--record", type=Path, help="also save the session as a recording in this new folder")
    s.add_argument("--json", action="store_true", help="machine-readable output")
    s.add_argument("--mqtt", metavar="URL", type=_mqtt_url,
                   help="publish to this MQTT broker (mqtt://host:1883, mqtts://...)")
    s.add_argument("--speak", action="store_true", help="speak counts and cues on [audio] device (use with --speed 1)")

    a = sub.add_parser("analyze", parents=[common], help="per-rep report of a recording folder or a side-view video")
    a.add_argument("path", type=Path,
                   help="a station recording (its folder) or a side-view video file (a phone's mp4 or mov)")
    a.add_argument("--json", action="store_true")
    a.add_argument("--annotate", type=Path, metavar="OUT.mp4",
                   help="write the video with the measures drawn on it to this new file")
    a.add_argument("--wall-side", choices=["left", "right"], help="which side of the picture the wall is on")
    a.add_argument("--segmenter", choices=["auto", "background", "selfie"], help="person mask for the silhouette estimator")
    a.add_argument("--estimator", choices=["silhouette", "pose"],
                   help="silhouette: the station's; pose: landmark-guided (mediapipe), for real phone footage "
                        "(default: silhouette for recordings, the README's choice for bare videos)")
    a.add_argument("--exercise", choices=list(EXERCISE_NAMES),
                   help="which rules judge the reps (default: wall-drill for a station recording; for a bare "
                        "video the rules all hinges share, named in the report from where the hands went)")

    t = sub.add_parser("selftest", parents=[common], help="check LEDs, buzzer, button, sensor and camera; save an aiming snapshot")
    t.add_argument("--out", type=Path, default=None,
                   help="folder for the aiming snapshot (default: the current folder; with --mock: none kept)")
    t.add_argument("--mock", action="store_true", help="use mock pins and a synthetic camera (no hardware)")

    from .storage import add_export_arguments

    e = sub.add_parser("export", parents=[common], help="export the session log as CSV or JSON",
                       description="Export the WallHinge session log (sessions, reps, device faults) as CSV or JSON.")
    add_export_arguments(e)

    c = sub.add_parser("config", parents=[common], help="check a config file (config FILE), or print the defaults")
    c.add_argument("file", nargs="?", type=Path, help="the config file to check (same as --config FILE)")
    c.add_argument("--defaults", action="store_true", help="print the default config as TOML")

    k = sub.add_parser("soak", parents=[common],
                       help="run the station in simulation for hours of simulated time; report memory, threads, files")
    k.add_argument("--hours", type=_number("--hours", 0, 100, low_open=True), default=8.0,
                   help="simulated hours (default 8)")
    k.add_argument("--fps", type=_number("--fps", 5, 60), default=10.0, help="simulated camera rate (default 10)")
    k.add_argument("--json", action="store_true")

    q = sub.add_parser("cues", parents=[common],
                       help="spoken phrases: render every one to a folder to check or re-record them")
    q.add_argument("--render", type=Path, required=True, metavar="DIR", help="new or empty folder for the WAV files")

    f = sub.add_parser("fleet", parents=[common], help="every station on an MQTT broker, live, in the terminal")
    f.add_argument("--mqtt", metavar="URL", type=_mqtt_url, help="the broker (default: [mqtt] url of the config)")
    f.add_argument("--for", dest="duration", type=_number("--for", 0, 10**7, low_open=True), metavar="SECONDS",
                   help="stop after this long (default: until Ctrl-C)")

    from .dashboard.cli import add_arguments as dashboard_arguments  # dashboard, user (issue 12)

    dashboard_arguments(sub)
    return p


# What a verdict means, in the words a gym owner or a physio uses (docs/DOMAIN.md).
VERDICT_WORDS = {
    "good": "good", "rounded": "back rounded", "shallow": "hips did not reach the wall",
    "knee_lock": "knees locked", "heel_lift": "heels lifted", "too_fast": "too fast",
    "unchecked": "not seen by the camera", "squat": "squatted instead of hinging",
}


def _words(verdict: str) -> str:
    return VERDICT_WORDS.get(verdict, verdict.replace("_", " "))


def truth_line(c) -> str:
    """The simulation's last word: did the station judge the reps as the synthetic athlete did them?"""
    if c.exact:
        return "The station judged every rep as the synthetic athlete really did it."
    if c.wrong and not c.missed and not c.extra and all(got == "unchecked" for _, _, got in c.wrong):
        # No wrong verdict: the station said it could not see the back, and its cue says why.
        rest = ("every other rep was judged as the synthetic athlete did it" if len(c.wrong) < c.matched
                else "so no rep of this set could be judged")
        return (f"The camera could not see the back well enough on {len(c.wrong)} rep(s): they are unchecked and "
                f"not counted (the station never guesses a verdict); {rest}. The cue above says what would "
                f"help; another --seed draws another body, room and light.")
    return (f"The station disagreed with the synthetic athlete on {len(c.wrong) + len(c.missed) + len(c.extra)} "
            f"rep(s): this is a bug; please report it with this command line.")


def _summary(reps, target: Optional[int], unseen: Optional[str] = None, thresholds=None) -> list[str]:
    """A short plain-language summary of a set of reps (``target`` None: no set target applies;
    ``unseen``: why the camera could not judge the unchecked reps, said instead of the station's cue;
    ``thresholds``: the station's, so each rep's cue is the one it spoke, :func:`device.messages.rep_cue`)."""
    from .messages import rep_cue

    counted = sum(1 for r in reps if r.counted)
    of_target = f" (target {target})" if target is not None else ""
    out = [f"{counted} good rep{'s' * (counted != 1)} counted out of {len(reps)}{of_target}."]
    missed: dict[tuple[str, str], int] = {}
    for r in reps:
        if not r.counted:
            key = (r.verdict.value, rep_cue(r, thresholds) or "")
            missed[key] = missed.get(key, 0) + 1
    if missed:
        out.append("Not counted: " + "; ".join(
            f"{n} not judged, back not seen: {unseen}" if v == "unchecked" and unseen else
            f"{n} {_words(v)} (cue: \"{cue}\")" for (v, cue), n in missed.items()) + ".")
    return out


def _near_limit_line(reps: list[int], limit: float, margin: float, annotated: bool) -> str:
    """The words for reps whose back rounding read close to the limit: their verdict rests on a few degrees."""
    which = (f"Rep {reps[0]}'s" if len(reps) == 1 else
             "Reps " + ", ".join(str(i) for i in reps[:-1]) + f" and {reps[-1]}'s")
    them = "it" if len(reps) == 1 else "them"
    look = f"look at {them} in the annotated video" if annotated else \
        f"look at {them} on the video (--annotate OUT.mp4 draws the back the camera measured)"
    return (f"{which} back rounding read within {margin:g} deg of the {limit:g}-deg limit, where the camera's "
            f"reading can be a few degrees off either way: {look}.")


def _rep_measures(d: dict) -> str:
    """What was measured in a rep, as a physio reads it: ``; trunk 74 deg, back rounding 2 deg, knees 106 deg``."""
    parts = []
    if d.get("trunk_inclination_deg") is not None:
        parts.append(f"trunk {d['trunk_inclination_deg']:.0f} deg")
    # An unchecked rep's back was not seen well enough to judge: whatever rounding was read is left out.
    if d.get("verdict") != "unchecked":
        # Below the person's reference reads negative in the report; a physio reads it as none.
        parts.append("back not measured" if d.get("rounding_deg") is None
                     else f"back rounding {max(0.0, d['rounding_deg']):.0f} deg"
                     + (" (near the limit)" if "rounding" in (d.get("near_limit") or []) else ""))
    if d.get("knee_angle_deg") is not None:
        parts.append(f"knees {d['knee_angle_deg']:.0f} deg")
    return "; " + ", ".join(parts) if parts else ""


def _cmd_simulate(args, cfg: Config) -> int:
    from .core.types import RepFinished, SetEnded, SetStarted, TargetReached
    from .messages import rep_cue
    from .simulate import run_simulation

    verbose = getattr(args, "verbose", False)

    def echo(e, watcher) -> None:
        if args.json:
            return
        if verbose:
            _echo_verbose(e, watcher)
        elif isinstance(e, RepFinished):
            r = e.rep
            how = f"counted ({e.counted_total} of {e.target_reps})" if r.counted else \
                f"not counted: {_words(r.verdict.value)} (cue: \"{rep_cue(r, cfg.thresholds)}\")"
            print(f"{e.t:6.1f} s  rep {r.index}: {how}")
        elif isinstance(e, TargetReached):
            print(f"{e.t:6.1f} s  target reached: {e.counted_total} good reps")
        elif isinstance(e, SetStarted):
            print(f"{e.t:6.1f} s  set {e.set_index} started (first hip contact)")
        elif isinstance(e, SetEnded):
            print(f"{e.t:6.1f} s  set {e.set_index} ended: {e.counted_total} counted")

    from .sim.scenarios import SCENARIO_NAMES

    if args.scenario not in SCENARIO_NAMES:
        from .sim.scenarios import SCENARIO_DESCRIPTIONS

        print(f"unknown scenario {args.scenario!r}; choose one of:", file=sys.stderr)
        for name, what in SCENARIO_DESCRIPTIONS.items():
            print(f"  {name:13s} {what}", file=sys.stderr)
        return 2
    if args.record is not None and args.record.exists() and (not args.record.is_dir() or any(args.record.iterdir())):
        print(f"error: {args.record} already exists and is not empty; a recording is never written over "
              f"another: choose a new folder for --record (nothing was changed)", file=sys.stderr)
        return 2
    w, h = args.size
    if not args.json:
        print(f"Simulating '{args.scenario}': a synthetic athlete at the wall, the real station software, "
              f"LEDs on mock pins.")
        if verbose:
            print(f"(seed {args.seed}, {w}x{h} @ {args.fps:g} fps, posture from "
                  f"{'the camera' if args.posture == 'camera' else 'ground truth'})")
    res = run_simulation(args.scenario, cfg, seed=args.seed, speed=args.speed, posture=args.posture,
                         width=w, height=h, fps=args.fps, n_reps=args.reps, shading=args.shading,
                         record_dir=str(args.record) if args.record else None, on_event=echo,
                         mqtt_url=getattr(args, "mqtt", None), speak=getattr(args, "speak", False))
    c = res.comparison
    if args.json:
        print(json.dumps(res.to_dict(), indent=2))
        return 0 if c.exact else 1
    print()
    for line in _summary(res.reps, cfg.station.target_reps, thresholds=cfg.thresholds):
        print(line)
    print(truth_line(c))
    if verbose:
        print(f"\n{res.frames} frames in {res.wall_s:.1f} s ({res.frames / max(res.wall_s, 1e-9):.0f} fps)")
        print(f"counted {c.counted} (ground truth {c.expected_counted}); verdicts right {c.verdicts_right}/"
              f"{c.matched} matched of {c.matched + len(c.missed)} truth reps; missed {c.missed or 'none'}, "
              f"extra {c.extra or 'none'}")
        for i, exp, got in c.wrong:
            print(f"  truth rep {i}: expected {exp}, station said {got}")
    if args.record and res.recording_stopped:
        print(f"The recording stopped part-way (see the error above); what was written before is in "
              f"{args.record}; replay it with: {command()} analyze {args.record}")
    elif args.record:
        print(f"Recording saved in {args.record}; replay it with: {command()} analyze {args.record}")
    return 0 if c.exact else 1


def _echo_verbose(e, watcher) -> None:
    from .core.types import ContactMade, RepFinished, SetEnded, SetStarted, TargetReached
    from .report import ADVICE

    if isinstance(e, ContactMade):
        print(f"{e.t:7.2f}s  hip contact -> LED {'+'.join(watcher.lit()) or 'off'}: {e.verdict.value}")
    elif isinstance(e, RepFinished):
        r = e.rep
        from .report import _f

        rnd, incl = _f(r.rounding_deg, "°"), _f(r.trunk_inclination_deg, "°")
        print(f"{e.t:7.2f}s  rep {r.index}: {r.verdict.value:9s} {'COUNTED' if r.counted else 'not counted':11s}"
              f" trunk {incl} rounding {rnd}  [{e.counted_total}/{e.target_reps}, bar {watcher.bar_count()}/"
              f"{len(watcher.bar)}]  {ADVICE[r.verdict]}")
    elif isinstance(e, TargetReached):
        print(f"{e.t:7.2f}s  target reached: {e.counted_total} good reps (rising beeps, bar chase)")
    elif isinstance(e, SetStarted):
        print(f"{e.t:7.2f}s  set {e.set_index} started")
    elif isinstance(e, SetEnded):
        print(f"{e.t:7.2f}s  set {e.set_index} ended ({e.reason}): {e.counted_total} counted")


def _cmd_analyze(args, cfg: Config) -> int:
    from .analyze import analyze
    from .core.types import Rep, Verdict
    from .report import report_text

    verbose = getattr(args, "verbose", False)
    shown = {"at": time.monotonic(), "pct": -1}

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        pct = int(100 * done / total) if total else -1
        if now - shown["at"] >= 5.0 or (done == total and shown["pct"] >= 0):
            shown["at"], shown["pct"] = now, pct
            of = f"{pct}% ({done} of {total} frames)" if total else f"{done} frames"
            print(f"analysing {args.path.name}: {of}", file=sys.stderr, flush=True)

    if not args.json:
        print(f"Analysing {args.path} ...", file=sys.stderr, flush=True)
    from .analyze import OutputOverInput, cut_short_message, gaps_message

    try:
        rep = analyze(args.path, cfg, annotate=args.annotate, wall_side=args.wall_side, segmenter=args.segmenter,
                      estimator=args.estimator, exercise=args.exercise, progress=progress)
    except OutputOverInput as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    cut = "\n".join(m for m in (gaps_message(args.path, rep), cut_short_message(args.path, rep)) if m) or None
    if args.json:
        print(json.dumps(rep, indent=2))
        if cut:
            print(cut, file=sys.stderr)
        return 0
    reps = [Rep(index=d["index"], start_s=d["start_s"], bottom_s=d["bottom_s"], end_s=d["end_s"],
                contact=d["contact"], verdict=Verdict(d["verdict"]),
                trunk_inclination_deg=d["trunk_inclination_deg"], rounding_deg=d["rounding_deg"],
                seen_fraction=d.get("seen_fraction", 1.0))
            for d in rep["reps"]]
    contact = ("hip contact from the station's sensor" if rep["contact_known"]
               else "from the video alone: the hip sensor recorded no reading; 'hips did not reach the wall' is "
                    "never judged" if rep.get("sensor_silent")
               else "video only: hip contact unknown, so 'hips did not reach the wall' is never judged")
    if rep.get("estimator") == "pose":  # its heel is a hint only (PoseModelParams.heel_conf_landmarks)
        contact += "; nor is a heel lift: a video's foot landmarks move as much on good reps"
    print(f"{args.path}: {len(reps)} rep{'s' * (len(reps) != 1)} found ({contact}).")
    if rep.get("no_rep_reason"):
        print(f"Why no rep: {rep['no_rep_reason']}.")
    print(f"Judged as: {rep['exercise']} ({rep['exercise_chosen']}).")
    if verbose:
        print(f"({rep['frames']} frames at {rep['fps']:g} fps, estimator {rep.get('estimator')})")
        print(report_text(reps))
    else:
        from .messages import rep_cue

        for r, d in zip(reps, rep["reps"]):
            how = "counted" if r.counted else \
                f"not counted: {_words(r.verdict.value)} (cue: \"{rep_cue(r, cfg.thresholds)}\")"
            if d.get("unseen_reason"):  # a video: why the camera could not judge it says more than a cue
                how = f"not judged: back not seen: {d['unseen_reason']}"
            print(f"  rep {r.index} at {r.start_s:.1f} s: {how}{_rep_measures(d)}")
        # A station recording was a set with the station's target; a bare video has none.
        reasons = {d["unseen_reason"] for d in rep["reps"] if d.get("unseen_reason")}
        for line in _summary(reps, cfg.station.target_reps if rep["contact_known"] else None,
                             unseen=reasons.pop() if len(reasons) == 1 else None):
            print(line)
    near = [d["index"] for d in rep["reps"] if "rounding" in (d.get("near_limit") or [])]
    if near:
        print(_near_limit_line(near, cfg.thresholds.rounding_deg, rep["near_limit_deg"], bool(args.annotate)))
    if args.annotate:
        print(f"Annotated video: {args.annotate}")
    if cut:
        print(cut, file=sys.stderr)
    return 0


def _cmd_run(args, cfg: Config) -> int:
    if getattr(args, "simulate", False) or not on_raspberry_pi():
        print("No Raspberry Pi here, so the station runs in simulation.")
        # The simulate command's own defaults, from its parser: an option added to `simulate` later is here too
        # (a hand-built list once missed --shading, and a bare `python -m device` failed on a laptop).
        ns = build_parser().parse_args(["simulate", "--scenario", "clean"])
        ns.verbose = getattr(args, "verbose", False)
        ns.mqtt = getattr(args, "mqtt", None)
        status = _cmd_simulate(ns, cfg)
        print("Next: `scripts/run simulate --scenario mixed` shows every kind of fault; on a Raspberry Pi "
              "`scripts/install.sh` installs the real station.")
        return status
    from .selftest import SERVICE, running_station

    running = running_station(cfg, ask_systemd=False)
    if running is not None:
        print(f"The station is already running on this Pi ({running}); one at a time holds the pins and the "
              f"camera.\nTo run it by hand: `sudo systemctl stop {SERVICE}`, then `{command()} run` again.",
              file=sys.stderr)
        return 2
    from .live import run_station

    return run_station(cfg, label=getattr(args, "label", None), mqtt_url=getattr(args, "mqtt", None))


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
        if args.out is not None:
            return run_selftest(cfg, pin_factory=factory, frame_source=make_frame_source(cfg), out_dir=args.out,
                                mock=True, show_s=0.05, play_audio=False)
        import tempfile

        with tempfile.TemporaryDirectory(prefix="wallhinge-selftest-") as tmp:  # nothing left behind
            return run_selftest(cfg, pin_factory=factory, frame_source=make_frame_source(cfg), out_dir=tmp,
                                mock=True, keep_snapshot=False, show_s=0.05, play_audio=False)
    if not on_raspberry_pi():
        print("selftest: this is not a Raspberry Pi, so there are no LEDs, buzzer, button or sensor to check.\n"
              f"Run it on the station's Pi, or `{command()} selftest --mock` to try it on mock hardware.",
              file=sys.stderr)
        return 2
    return run_selftest(cfg, out_dir=args.out or Path("."))


def _cmd_export(args, cfg: Config) -> int:
    from .storage import run_export

    return run_export(args, cfg)


def _cmd_soak(args, cfg: Config) -> int:
    from .soak import run_soak

    return run_soak(args, cfg)


def _cmd_config(args, cfg: Config) -> int:
    if args.defaults:
        print(to_toml(Config().model_dump(mode="json")))
    else:
        shown = cfg.model_dump(mode="json")
        if shown["mqtt"]["password"]:  # a secret is not for the screen or the journal
            shown["mqtt"]["password"] = "(set, not shown)"
        print(to_toml(shown))
        print("# config OK", file=sys.stderr)
    return 0


def _cmd_dashboard(args, cfg: Config) -> int:
    from .dashboard.cli import main_hook

    return main_hook(args.command, args, cfg)


def _cmd_cues(args, cfg: Config) -> int:
    from .cues import cues_main

    return cues_main(cfg, args.render)


def _cmd_fleet(args, cfg: Config) -> int:
    from .fleet import run_fleet

    return run_fleet(cfg, url=args.mqtt, duration=args.duration)


HANDLERS = {"run": _cmd_run, "simulate": _cmd_simulate, "analyze": _cmd_analyze, "selftest": _cmd_selftest,
            "export": _cmd_export, "config": _cmd_config, "soak": _cmd_soak, "cues": _cmd_cues,
            "fleet": _cmd_fleet, "dashboard": _cmd_dashboard, "user": _cmd_dashboard}


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
    parser = build_parser()
    args = parser.parse_args(argv)  # bad usage: argparse names it and exits 2
    verbose = getattr(args, "verbose", False)
    if verbose:
        os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "16")  # FFmpeg's own errors too (device/recording.py)
    level = args.log_level or os.environ.get("WALLHINGE_LOG_LEVEL", "info").strip().lower()
    if verbose and args.log_level is None:
        level = "debug"
    if level not in LOG_LEVELS:
        print(f"error: WALLHINGE_LOG_LEVEL={os.environ.get('WALLHINGE_LOG_LEVEL')!r} is not a log level; "
              f"use one of {', '.join(LOG_LEVELS)} (or unset it; --verbose shows everything)", file=sys.stderr)
        return 2
    logging.basicConfig(level=getattr(logging, level.upper()), format="%(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    command = args.command or "run"
    config_path = getattr(args, "config", None)
    if command == "config" and args.file is not None:
        if config_path is not None and config_path != args.file:
            print(f"error: two config files given ({config_path} and {args.file}); give one", file=sys.stderr)
            return 2
        config_path = args.file
    try:
        cfg = load_config(config_path)
    except ConfigError as e:
        print(e, file=sys.stderr)
        return 2
    try:
        return HANDLERS[command](args, cfg)
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and closed early
        sys.stdout = open(os.devnull, "w")
        return 0
    except Exception as e:  # the last line of defence: a clear message, the details with --verbose
        known = _known_error(e)
        if known:
            print(known, file=sys.stderr)
            return 1
        log.debug("unexpected error", exc_info=True)
        print(f"error: {type(e).__name__}: {e}\n(run with --verbose for the details)", file=sys.stderr)
        return 1


def _known_error(e: Exception) -> Optional[str]:
    from .io.frames import CameraError
    from .recording import RecordingError

    if isinstance(e, (RecordingError, CameraError)):
        return f"error: {e}"
    if type(e).__name__ == "NetError":  # device/net: a broker that cannot be used as configured
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
