"""Installer self-test: walk through every part, say PASS/FAIL/SKIP, save a camera snapshot.

Run on the station (``wallhinge selftest``, the installed ``python -m device selftest``) after wiring it up. Each
output is switched on long enough to be seen or heard; each input is read;
one camera frame is saved as a PNG with the detected person and wall side
drawn on it (or, without the vision package, a centre line) so the camera
can be aimed. The exit status is non-zero if any part failed, so an install
script can stop on it.

Every gpiozero device is built with the given ``pin_factory`` (a
``MockFactory`` in tests, the real one on a Pi) and closed again before the
next part, so a failure in one part never blocks testing the others.
"""

from __future__ import annotations

import logging
import stat
import subprocess
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

import cv2
import numpy as np

from device.config import Config
from device.health import sensor_hint
from device.io.frames import CameraError, Frame, FrameSource

log = logging.getLogger(__name__)

SNAPSHOT_NAME = "selftest-snapshot.png"
# The room's verticals converging by more than this from the picture's left edge to its right (degrees)
# name the camera tilted: about 1.3 times the tilt for a Camera Module 3 (66 deg wide), 2.5 times for
# the Wide (102 deg), so 1-2 deg of tilt. Rendered rooms with the camera tilted 0-15 deg down read good
# reps rounded from about 5 deg of tilt on; tilted up they miss rounded reps (docs/station-vision.md, round 33).
TILT_WARN_DEG = 3.0


@dataclass
class PartResult:
    """One part's outcome: ``PASS``, ``FAIL`` or ``SKIP``, with what was seen or what to check."""

    part: str
    outcome: str
    detail: str

    mock: bool = False  # on mock pins: a PASS proves the software and config, not the hardware

    def line(self) -> str:
        shown = "MOCK" if self.mock and self.outcome == "PASS" else self.outcome
        return f"{shown:<4}  {self.part}: {self.detail}"


class SelfTest:
    """The self-test steps; :func:`run_selftest` is the entry point.

    ``show_s`` is how long each output stays on for a person to see it;
    ``button_wait_s``, ``sensor_wait_s`` and ``camera_wait_s`` bound each wait.
    ``pause`` is the sleep used between output steps (tests pass a no-op).
    """

    SENSOR_WARMUP_S = 0.4

    def __init__(
        self,
        config: Config,
        *,
        pin_factory: Any = None,
        frame_source: Optional[FrameSource] = None,
        out_dir: Path | str = ".",
        print_fn: Callable[[str], None] = print,
        show_s: float = 0.7,
        button_wait_s: float = 5.0,
        sensor_wait_s: float = 3.0,
        camera_wait_s: float = 5.0,
        camera_frames: int = 30,
        pause: Callable[[float], None] = time.sleep,
        use_vision: bool = True,
        play_audio: bool = True,
        mock: bool = False,
        keep_snapshot: bool = True,
    ) -> None:
        self.config = config
        self.mock = mock
        self.keep_snapshot = keep_snapshot
        self.pin_factory = pin_factory
        self.frame_source = frame_source
        self.out_dir = Path(out_dir)
        self.print = print_fn
        self.show_s = show_s
        self.button_wait_s = button_wait_s
        self.sensor_wait_s = sensor_wait_s
        self.camera_wait_s = camera_wait_s
        self.camera_frames = camera_frames
        self.pause = pause
        self.use_vision = use_vision
        self.play_audio = play_audio
        self.results: list[PartResult] = []
        self.snapshot_path: Optional[Path] = None

    # -- bookkeeping ----------------------------------------------------------

    def _report(self, part: str, outcome: str, detail: str) -> PartResult:
        r = PartResult(part, outcome, detail, mock=self.mock)
        self.results.append(r)
        self.print(r.line())
        return r

    def _guard(self, part: str, fn: Callable[[], tuple[str, str]], fix: str) -> None:
        """Run one part; any exception is that part's FAIL with the fix, never a traceback."""
        try:
            outcome, detail = fn()
        except Exception as e:  # a hardware error is a finding, not a crash
            log.debug("selftest %s failed", part, exc_info=True)
            outcome, detail = "FAIL", f"{type(e).__name__}: {e}; {fix}"
        self._report(part, outcome, detail)

    def run(self) -> int:
        """Test every part in turn; return 0 if nothing failed, 1 otherwise (2: the station is running)."""
        running = None if self.mock else running_station(self.config)
        if running is not None:
            self.print(f"The station is running on this Pi ({running}): it holds the pins and the camera, so\n"
                       "every part would fail here as busy. Stop it, run the self-test, then start it again:\n"
                       f"  sudo systemctl stop {SERVICE}\n"
                       "  (the self-test command again)\n"
                       f"  sudo systemctl start {SERVICE}")
            return 2
        if self.mock:
            self.print("WallHinge self-test on mock pins and a synthetic camera: this checks the software and the\n"
                       "pin numbers in the config, not real hardware (MOCK = would pass; nothing lights or beeps).")
        else:
            self.print("WallHinge self-test: watch the LEDs and listen for the buzzer.")
        self._test_leds()
        self._test_buzzer()
        self._test_bargraph()
        self._test_button()
        self._test_sensor()
        self._test_camera()
        self._test_person_mask()
        self._test_speaker()
        failed = [r for r in self.results if r.outcome == "FAIL"]
        skipped = [r for r in self.results if r.outcome == "SKIP"]
        summary = f"{len(self.results) - len(failed) - len(skipped)} passed, {len(failed)} failed, {len(skipped)} skipped"
        if self.mock:
            self.print(("SELF-TEST FAILED: " if failed else "Mock self-test OK: ") + summary
                       + ". Run `wallhinge selftest` on the station's Pi (scripts/install.sh installs the command) to check the real parts.")
        else:
            self.print(("SELF-TEST FAILED: " if failed else "SELF-TEST OK: ") + summary)
        return 1 if failed else 0

    # -- outputs --------------------------------------------------------------

    def _test_leds(self) -> None:
        from gpiozero import LED, RGBLED

        lc = self.config.leds
        if lc.mode == "rgb":
            pins = f"GPIO{lc.rounded_pin}/{lc.good_pin}/{lc.fault_pin}"

            def rgb() -> tuple[str, str]:
                led = RGBLED(lc.rounded_pin, lc.good_pin, lc.fault_pin, active_high=lc.rgb_active_high,
                             pwm=False, pin_factory=self.pin_factory)
                try:
                    for name, colour in (("red", (1, 0, 0)), ("green", (0, 1, 0)), ("blue", (0, 0, 1))):
                        led.color = colour
                        if tuple(led.value) != colour:
                            return "FAIL", f"{name} did not switch on (reads {tuple(led.value)})"
                        self.pause(self.show_s)
                    led.off()
                finally:
                    led.close()
                return "PASS", "showed red, green, blue in turn: if a colour was missing, check that leg's wire and resistor"

            self._guard(f"RGB LED ({pins})", rgb,
                        f"check the LED's legs go to {pins} and its common leg to "
                        f"{'GND' if lc.rgb_active_high else '3.3 V'}")
            return
        for name, colour, pin in (("good", "green", lc.good_pin), ("rounded", "red", lc.rounded_pin),
                                  ("fault", "amber", lc.fault_pin)):
            def one(pin: int = pin, colour: str = colour) -> tuple[str, str]:
                led = LED(pin, pin_factory=self.pin_factory)
                try:
                    led.on()
                    if not led.is_lit:
                        return "FAIL", f"GPIO{pin} did not go high: check nothing else uses GPIO{pin}"
                    self.pause(self.show_s)
                    led.off()
                finally:
                    led.close()
                return "PASS", f"lit for {self.show_s:.1f} s: if you saw no {colour} light, check its resistor, polarity and GND"

            self._guard(f"LED {name}/{colour} (GPIO{pin})", one,
                        f"check nothing else uses GPIO{pin} (another program, an overlay in config.txt)")

    def _test_buzzer(self) -> None:
        bc = self.config.buzzer
        if not bc.enabled:
            self._report("buzzer", "SKIP", "disabled in the config ([buzzer] enabled = false)")
            return
        from gpiozero import Buzzer

        def buzz() -> tuple[str, str]:
            bz = Buzzer(bc.pin, pin_factory=self.pin_factory)
            try:
                for _ in range(2):
                    bz.on()
                    if not bz.is_active:
                        return "FAIL", f"GPIO{bc.pin} did not go high"
                    self.pause(0.15)
                    bz.off()
                    self.pause(0.15)
            finally:
                bz.close()
            return "PASS", "beeped twice: if you heard nothing, check it is an *active* buzzer and its + leg is on GPIO" + str(bc.pin)

        self._guard(f"buzzer (GPIO{bc.pin})", buzz, f"check nothing else uses GPIO{bc.pin}")

    def _test_bargraph(self) -> None:
        from gpiozero import LEDBarGraph

        pins = self.config.leds.bargraph_pins
        names = ",".join(str(p) for p in pins)

        def chase() -> tuple[str, str]:
            bar = LEDBarGraph(*pins, pwm=False, pin_factory=self.pin_factory)
            try:
                n = len(bar)
                for i in range(n):
                    bar.value = (i + 1) / n
                    lit = [led.is_lit for led in bar.leds]
                    if lit != [j <= i for j in range(n)]:
                        return "FAIL", f"segment {i + 1} (GPIO{pins[i]}) did not light as expected"
                    self.pause(self.show_s / n)
                bar.off()
            finally:
                bar.close()
            return "PASS", f"filled segment by segment ({n} segments): a gap shows which GPIO to check"

        self._guard(f"bar graph (GPIO{names})", chase, f"check nothing else uses GPIO {names}")

    def _test_speaker(self) -> None:
        """Speech (device/cues): plays a phrase and asks; with --mock only renders and checks it."""
        import sys

        from device.cues import check_speaker

        ask = input if self.play_audio and sys.stdin.isatty() else None
        self._guard(f"speaker ({self.config.audio.device})",
                    lambda: check_speaker(self.config, play=self.play_audio, ask=ask),
                    "sudo apt-get install espeak-ng alsa-utils, or set [audio] enabled = false")

    # -- inputs ---------------------------------------------------------------

    def _test_button(self) -> None:
        bc = self.config.button
        if not bc.enabled:
            self._report("button", "SKIP", "disabled in the config ([button] enabled = false)")
            return
        from gpiozero import Button

        if self.mock:
            self._report(f"button (GPIO{bc.pin})", "SKIP", "mock pins: nobody can press it; on the station, "
                                                         "press it when asked")
            return

        def press() -> tuple[str, str]:
            btn = Button(bc.pin, pull_up=True, bounce_time=0.05, pin_factory=self.pin_factory)
            try:
                # Give a shorted or miswired input a moment to show itself before prompting.
                if btn.wait_for_press(timeout=0.3) and btn.is_pressed:
                    return "FAIL", (f"reads pressed before anyone pressed it: it must be a normally-open button "
                                    f"between GPIO{bc.pin} and GND; check for a short")
                self.print(f"      press the button now (waiting {self.button_wait_s:.0f} s)...")
                if btn.wait_for_press(timeout=self.button_wait_s):
                    return "PASS", "press seen"
                return "SKIP", (f"no press within {self.button_wait_s:.0f} s: if you did press it, check the wires "
                                f"to GPIO{bc.pin} and GND")
            finally:
                btn.close()

        self._guard(f"button (GPIO{bc.pin})", press, f"check nothing else uses GPIO{bc.pin}")

    def _test_sensor(self) -> None:
        from device.io.gpio import make_proximity_reader

        sc = self.config.sensor
        hint = sensor_hint(sc.kind, sc)
        part = {"hcsr04": f"proximity sensor HC-SR04 (trigger GPIO{sc.trigger_pin}, echo GPIO{sc.echo_pin})",
                "digital": f"proximity sensor digital (GPIO{sc.input_pin})",
                "vl53l1x": f"proximity sensor time-of-flight (I2C bus {sc.i2c_bus}, 0x{sc.i2c_address:02x})"}[sc.kind]

        def read() -> tuple[str, str]:
            if sc.kind != "digital":
                self.print(f"      hold a hand about 20 cm in front of the sensor "
                           f"(reading for up to {self.sensor_wait_s:.0f} s)...")
            else:
                self.print(f"      touch the sensor now (waiting {self.sensor_wait_s:.0f} s)...")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # gpiozero's no-echo warnings: we report it ourselves
                reader = make_proximity_reader(self.config, pin_factory=self.pin_factory)
            try:
                period = 1.0 / sc.sample_hz
                start = time.monotonic()
                end = start + self.sensor_wait_s
                distances: list[float] = []
                contacts: list[bool] = []
                while time.monotonic() < end:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        s = reader.read(time.monotonic())
                    if s.contact is not None:
                        contacts.append(s.contact)
                        if s.contact:
                            break
                    # gpiozero's DistanceSensor reads 0.0 until its first echo is in: skip its warm-up.
                    elif s.distance_m is not None and time.monotonic() - start >= self.SENSOR_WARMUP_S:
                        distances.append(s.distance_m)
                        if len(distances) >= 5:
                            break
                    time.sleep(period)
                if sc.kind == "digital":
                    if not contacts:
                        return "FAIL", f"no reading: check {hint}"
                    if any(contacts):
                        return "PASS", "contact seen"
                    return "SKIP", (f"no contact seen in {self.sensor_wait_s:.0f} s: touch it during the test; "
                                    f"if you did, check {hint}")
                err = getattr(reader, "last_error", None)
                if not distances:
                    if getattr(reader, "i2c_error", False):
                        return "FAIL", f"sensor not answering on I2C ({err}): check {hint}"
                    return "FAIL", (f"no distance within {sc.max_distance_m:.2f} m in {self.sensor_wait_s:.0f} s: "
                                    f"hold a hand 20 cm in front of it and run again; if it still fails, check {hint}")
                d = float(np.median(distances))
                return "PASS", (f"reads {d:.2f} m (median of {len(distances)}); hip contact is at or below "
                                f"{sc.contact_threshold_m:.2f} m")
            finally:
                reader.close()

        self._guard(part, read, f"check {hint}")

    # -- camera ---------------------------------------------------------------

    def _open_camera(self) -> FrameSource:
        cc = self.config.camera
        if cc.source == "picamera2":
            from device.io.picamera_source import Picamera2Source

            return Picamera2Source(cc.width, cc.height, cc.fps, give_up_s=self.camera_wait_s)
        if cc.source == "opencv":
            from device.io.opencv_source import OpenCVSource

            return OpenCVSource(cc.device, cc.width, cc.height, cc.fps, give_up_s=self.camera_wait_s)
        raise CameraError(f"unknown camera.source {cc.source!r}")

    def _grab(self, source: FrameSource) -> tuple[list[Frame], Optional[BaseException]]:
        """Collect up to ``camera_frames`` frames within ``camera_wait_s`` (a hung camera cannot block us)."""
        frames: list[Frame] = []
        error: list[BaseException] = []
        done = threading.Event()

        def pull() -> None:
            try:
                for f in source.frames():
                    frames.append(f)
                    if len(frames) >= self.camera_frames or done.is_set():
                        break
            except BaseException as e:  # reported to the installer, not raised on this thread
                error.append(e)
            finally:
                done.set()

        th = threading.Thread(target=pull, name="selftest-camera", daemon=True)
        th.start()
        done.wait(self.camera_wait_s)
        done.set()
        try:
            source.close()
        except Exception:
            pass
        th.join(timeout=2.0)
        return list(frames), (error[0] if error else None)

    def _test_person_mask(self) -> None:
        """The learned person mask's model loads and runs here (a person in view at power-on needs it)."""
        part = "person mask model"
        if self.config.camera.segmenter == "background":
            self._report(part, "SKIP", "camera.segmenter is 'background' in the config: the learned model is not used")
            return

        def run_model() -> tuple[str, str]:
            from device.vision import learned_mask  # noqa: PLC0415

            model = learned_mask.open_model("general", runtime="auto")
            try:
                img = np.zeros((240, 320, 3), np.uint8)
                model(img)  # the first run allocates
                t = time.perf_counter()
                prob = model(img)
                ms = (time.perf_counter() - t) * 1e3
            finally:
                model.close()
            if prob is None or prob.shape != img.shape[:2]:
                return "FAIL", f"the model gave no mask for a {img.shape[1]}x{img.shape[0]} frame"
            where = f"OpenCV {cv2.__version__}" if model.runtime == "opencv" else "mediapipe"
            return "PASS", f"the learned person mask runs in {where}, {ms:.0f} ms a frame"

        self._guard(part, run_model, "restore the model with 'git checkout -- device/vision/models' in the "
                                     "project folder, or set camera.segmenter = \"background\" to run without it")

    def _test_camera(self) -> None:
        cc = self.config.camera
        part = ("camera (Pi camera)" if cc.source == "picamera2" else
                f"camera (OpenCV {cc.device})" if cc.source == "opencv" else "camera")

        if self.frame_source is None and cc.source == "synthetic":
            self._report(part, "SKIP", "camera.source is 'synthetic' in the config: no camera to test")
            return

        def grab() -> tuple[str, str]:
            source = self.frame_source if self.frame_source is not None else self._open_camera()
            frames, err = self._grab(source)
            if not frames:
                why = f"{err}" if err else f"no frame within {self.camera_wait_s:.0f} s"
                return "FAIL", f"{why}: check the camera cable and that no other program uses the camera"
            last = frames[-1]
            img = last.image
            if img is None or img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
                return "FAIL", f"frames are not HxWx3 BGR uint8 (got {getattr(img, 'shape', None)})"
            span = frames[-1].t - frames[0].t
            fps = (len(frames) - 1) / span if len(frames) > 1 and span > 0 else None
            snap, notes = annotate_snapshot(frames, self.config, use_vision=self.use_vision)
            self.out_dir.mkdir(parents=True, exist_ok=True)
            path = self.out_dir / SNAPSHOT_NAME
            if not cv2.imwrite(str(path), snap):
                return "FAIL", f"got frames but could not write {path}: check the folder is writable"
            self.snapshot_path = path
            rate = f" at {fps:.1f} fps" if fps else ""
            where = f"snapshot {path}" if self.keep_snapshot else "snapshot not kept (--out FOLDER keeps it)"
            return "PASS", (f"{len(frames)} frames {img.shape[1]}x{img.shape[0]}{rate}; {where} "
                            f"({'; '.join(notes)})")

        self._guard(part, grab, "check the camera cable and camera settings in the config")


SERVICE = "wallhinge"  # the station's systemd unit (systemd/wallhinge.service)


def running_station(config: Config, ask_systemd: bool = True) -> Optional[str]:
    """What shows that the station runs on this machine, or None.

    A running station holds the GPIO pins and the camera, and a self-test or a second station
    beside it would fail on every part with "busy" errors that do not say why. Its channel
    socket (``[bus] socket``) answers while it runs; without one, systemd is asked, where it
    is the init system (``ask_systemd``; not by the station itself, which systemd starts).
    """
    from device.bus import socket_alive

    p = Path(config.bus.socket)
    try:
        is_socket = config.bus.enabled and stat.S_ISSOCK(p.lstat().st_mode)
    except OSError:
        is_socket = False
    if is_socket and socket_alive(p):
        return f"its channel {p} answers"
    if ask_systemd and Path("/run/systemd/system").is_dir():  # systemd is the init system (sd_booted)
        try:
            res = subprocess.run(["systemctl", "is-active", "--quiet", f"{SERVICE}.service"], timeout=5,
                                 capture_output=True)
        except (OSError, subprocess.SubprocessError):
            return None
        if res.returncode == 0:
            return f"systemctl says {SERVICE}.service is active"
    return None


def annotate_snapshot(frames: list[Frame], config: Config, use_vision: bool = True) -> tuple[np.ndarray, list[str]]:
    """The last frame with what an installer needs to aim the camera drawn on it.

    With :mod:`device.vision` available, the frames are run through the
    posture estimator and the person's outline and box and the wall side are
    drawn. Without it (or if it fails) a centre line and a note are drawn.
    """
    img = frames[-1].image.copy()
    h, w = img.shape[:2]
    notes: list[str] = []
    dbg = None
    if use_vision:
        try:
            from device.station import make_estimator

            est = make_estimator(config)
            for f in frames:
                est.process(f)
            dbg = est.last_debug
        except Exception as e:  # vision is optional here: the snapshot still helps aim
            log.debug("vision failed in selftest", exc_info=True)
            notes.append(f"vision unavailable ({type(e).__name__}), raw frame")
    else:
        notes.append("vision not used, raw frame")

    # A centre line always: the person should stand near it, whole body in view.
    for y in range(0, h, 16):
        cv2.line(img, (w // 2, y), (w // 2, min(h - 1, y + 8)), (255, 255, 255), 1)
    if dbg is not None:
        person = dbg.person
        if person is not None:
            x, y, bw, bh = person.bbox
            cnts, _ = cv2.findContours(person.mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
            if person.mask.shape[:2] == (h, w):
                cv2.drawContours(img, cnts, -1, (0, 255, 0), 2)
            cv2.rectangle(img, (x, y), (x + bw, y + bh), (0, 255, 0), 1)
            notes.append(f"person found, {bh / h:.0%} of frame height")
            if y <= 1 or y + bh >= h - 1:
                notes.append("person touches the frame edge: move the camera back so head and feet show")
        else:
            notes.append("no person found: stand at the wall in profile and run again")
        side = dbg.wall_side
        if side in ("left", "right"):
            x0 = 3 if side == "left" else w - 4
            cv2.line(img, (x0, 0), (x0, h - 1), (0, 165, 255), 6)
            cv2.putText(img, "wall", (10 if side == "left" else w - 60, h - 12),
                        cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 165, 255), 2)
            notes.append(f"wall on the {side}")
        else:
            notes.append("wall side not yet known")
        notes.append(_level_note(frames, None if dbg.person is None else dbg.person.bbox, config.camera.roll_deg))
    y = 20
    for n in notes:
        cv2.putText(img, n, (8, y), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 3)
        cv2.putText(img, n, (8, y), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1)
        y += 18
    return img, notes


def _level_note(frames: list[Frame], person_box, setting) -> str:
    """Whether the camera is level, read from the room's vertical lines over the grabbed frames (the
    person's own outline left out); what the station does about it. A camera tilted up or down (the
    verticals converge) is named first: the station cannot take that off (it sees the top or the
    underside of the body), only mounting the camera level does."""
    from device.vision.level import LevelParams, vertical_lean

    got = [g for f in frames[:: max(1, len(frames) // 5)] if (g := vertical_lean(f.image, person_box)) is not None]
    if not got:
        return "camera level not checked: no door frame, wall corner or other long vertical line in view"
    lean = round(float(np.median([g.deg for g in got])), 1) + 0.0  # (no "-0.0")
    converge = [g.converge_deg for g in got if g.converge_deg is not None]
    tilt = float(np.median(converge)) if converge else 0.0
    if abs(tilt) > TILT_WARN_DEG:
        way, cost = (("down", "it reads good backs as rounded") if tilt > 0 else
                     ("up", "it misses rounded backs"))
        return (f"camera tilted {way}: the room's verticals converge ({abs(tilt):.0f} deg apart across the "
                f"picture); mount it level with the lens near hip height (hardware/MOUNTING.md): tilted {way}, "
                f"{cost}")
    if setting != "auto":
        return (f"the room's verticals lean {lean:+.1f} deg; camera.roll_deg is fixed at {float(setting):+.1f} "
                f"in the config")
    if abs(lean) < LevelParams().dead_zone_deg:
        return f"camera level (the room's verticals lean {lean:+.1f} deg)"
    way = "clockwise" if lean > 0 else "anticlockwise"
    # Lines at one side of the picture only lean the same for a camera turned about its axis as for one
    # tilted up or down (they lean towards the centre when it looks down): say so rather than guess.
    either = ("" if converge else
              " (read from lines at one side of the picture only: a camera tilted up or down looks the same; "
              "check that it is level)")
    if abs(lean) > LevelParams().max_roll_deg:
        return f"picture turned {abs(lean):.1f} deg {way}: too far to correct, level the camera{either}"
    return (f"picture turned {abs(lean):.1f} deg {way}: the station takes it off its angles; level the camera "
            f"if you can{either}")


def run_selftest(
    config: Config,
    *,
    pin_factory: Any = None,
    frame_source: Optional[FrameSource] = None,
    out_dir: Path | str = ".",
    print_fn: Callable[[str], None] = print,
    **options: Any,
) -> int:
    """Test LEDs, buzzer, bar graph, button, proximity sensor and camera; 0 if nothing failed.

    ``options`` are passed to :class:`SelfTest` (``show_s``, ``button_wait_s``,
    ``sensor_wait_s``, ``camera_wait_s``, ``camera_frames``, ``pause``,
    ``use_vision``).
    """
    return SelfTest(config, pin_factory=pin_factory, frame_source=frame_source, out_dir=out_dir,
                    print_fn=print_fn, **options).run()
