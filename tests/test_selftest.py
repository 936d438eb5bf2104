"""Installer self-test against gpiozero's own mock pins and real synthetic frames."""

from __future__ import annotations

import re
import socket
import threading
from typing import Iterator

import cv2
import numpy as np
import pytest
from gpiozero.pins.mock import MockFactory, MockTriggerPin

from device.config import parse_config
from device.io.frames import CameraError, Frame
from device.selftest import SNAPSHOT_NAME, run_selftest

SPEED_OF_SOUND = 343.26


class SyntheticCamera:
    """A real FrameSource: a grey room, a wall edge, a person-shaped blob standing in profile."""

    def __init__(self, n: int = 12, w: int = 320, h: int = 240, fail: bool = False) -> None:
        self.n, self.w, self.h, self.fail = n, w, h, fail
        self.closed = False

    def frames(self) -> Iterator[Frame]:
        if self.fail:
            raise CameraError("camera 0 cannot be opened: check it is plugged in")
        rng = np.random.default_rng(0)
        for i in range(self.n):
            if self.closed:
                return
            img = np.full((self.h, self.w, 3), 150, np.uint8)
            img[:, :12] = 90  # the wall, edge-on at the left
            cx = self.w // 2
            cv2.ellipse(img, (cx, 50), (12, 15), 0, 0, 360, (60, 50, 40), -1)  # head
            cv2.rectangle(img, (cx - 14, 65), (cx + 14, 140), (60, 50, 40), -1)  # trunk
            cv2.rectangle(img, (cx - 10, 140), (cx + 10, 220), (60, 50, 40), -1)  # legs
            cv2.rectangle(img, (cx, 215), (cx + 25, 222), (60, 50, 40), -1)  # feet point away from the wall
            img = np.clip(img + rng.normal(0, 2, img.shape), 0, 255).astype(np.uint8)
            yield Frame(index=i, t=i / 30.0, image=img)

    def close(self) -> None:
        self.closed = True


def hcsr04_at(factory: MockFactory, distance_m: float, trigger: int = 23, echo: int = 24) -> None:
    echo_pin = factory.pin(echo)
    factory.pin(trigger, pin_class=MockTriggerPin, echo_pin=echo_pin, echo_time=2 * distance_m / SPEED_OF_SOUND)


def run(config, factory, tmp_path, camera=None, **kw):
    lines: list[str] = []
    opts = dict(show_s=0.0, button_wait_s=0.3, sensor_wait_s=2.0, camera_wait_s=3.0, pause=lambda s: None,
                use_vision=False, play_audio=False)  # speech: rendered and checked, never played on this machine
    opts.update(kw)
    rc = run_selftest(config, pin_factory=factory, frame_source=camera if camera is not None else SyntheticCamera(),
                      out_dir=tmp_path, print_fn=lines.append, **opts)
    return rc, lines


def line_for(lines: list[str], part: str) -> str:
    found = [ln for ln in lines if part in ln and ln[:4] in ("PASS", "FAIL", "SKIP")]
    assert found, f"no result line for {part!r} in {lines}"
    return found[0]


def test_everything_wired_passes_and_drives_every_pin(factory, tmp_path):
    cfg = parse_config({})
    hcsr04_at(factory, 0.30)
    seen_high: set[int] = set()
    pins = [17, 27, 22, 18, *cfg.leds.bargraph_pins]
    for p in pins:
        pin = factory.pin(p)
        pin.when_changed = None
    # Press the button while the test waits for it.
    press = threading.Timer(0.6, lambda: factory.pin(25).drive_low())
    press.start()
    rc, lines = run(cfg, factory, tmp_path, button_wait_s=3.0)
    press.join()
    for p in pins:
        states = [s for _, s in factory.pin(p).states]
        if True in states:
            seen_high.add(p)
    assert seen_high == set(pins), f"pins never driven high: {set(pins) - seen_high}"
    assert rc == 0, "\n".join(lines)
    assert line_for(lines, "LED good/green (GPIO17)").startswith("PASS")
    assert line_for(lines, "buzzer (GPIO18)").startswith("PASS")
    assert line_for(lines, "bar graph").startswith("PASS")
    assert line_for(lines, "button (GPIO25)").startswith("PASS")
    sensor = line_for(lines, "HC-SR04")
    assert sensor.startswith("PASS")
    d = float(sensor.split("reads ")[1].split(" m")[0])
    # gpiozero's mock echo is a thread that sleeps for the echo time: on a loaded machine it
    # wakes late, so a reading can only come out long (0.68 m was seen at a load average of 10),
    # never short. The reading must be the sensor's, in metres, under its 1 m range.
    assert 0.24 <= d < 1.0, sensor
    assert lines[-1].startswith("SELF-TEST OK")
    # Every output is left off.
    assert all(factory.pin(p).state in (False, 0) for p in pins)


def test_no_button_press_is_a_skip_not_a_failure(factory, tmp_path):
    hcsr04_at(factory, 0.25)
    rc, lines = run(parse_config({}), factory, tmp_path)
    assert line_for(lines, "button").startswith("SKIP") and "GPIO25" in line_for(lines, "button")
    assert rc == 0


def test_button_stuck_pressed_fails(factory, tmp_path):
    hcsr04_at(factory, 0.25)
    # Shorted to GND: reads pressed as soon as the button exists (a mock pin takes its pull at setup).
    short = threading.Timer(0.05, lambda: factory.pin(25).drive_low())
    short.start()
    rc, lines = run(parse_config({}), factory, tmp_path)
    short.join()
    assert line_for(lines, "button").startswith("FAIL") and "normally-open" in line_for(lines, "button")
    assert rc == 1


def test_sensor_with_nothing_in_range_fails_and_says_what_to_do(factory, tmp_path):
    hcsr04_at(factory, 3.0)  # beyond max_distance_m = 1.0
    rc, lines = run(parse_config({}), factory, tmp_path, sensor_wait_s=0.8)
    ln = line_for(lines, "HC-SR04")
    assert ln.startswith("FAIL") and "hold a hand" in ln and "echo wire (GPIO24)" in ln
    assert rc == 1
    assert lines[-1].startswith("SELF-TEST FAILED")


def test_digital_sensor_passes_when_touched(factory, tmp_path):
    cfg = parse_config({"sensor": {"kind": "digital", "input_pin": 4, "input_pull_up": True}})
    lines: list[str] = []
    timers: list[threading.Timer] = []

    def show(line: str) -> None:
        lines.append(line)
        if "touch the sensor now" in line:  # the installer touches it when asked
            timers.append(threading.Timer(0.2, lambda: factory.pin(4).drive_low()))  # pulled up: low = contact
            timers[-1].start()

    rc = run_selftest(cfg, pin_factory=factory, frame_source=SyntheticCamera(), out_dir=tmp_path, print_fn=show,
                      show_s=0.0, button_wait_s=0.1, sensor_wait_s=2.0, pause=lambda s: None, use_vision=False,
                      play_audio=False)
    for tm in timers:
        tm.join()
    ln = line_for(lines, "digital (GPIO4)")
    assert ln.startswith("PASS") and "contact seen" in ln
    assert rc == 0


def test_digital_sensor_never_touched_is_skipped_with_its_pin(factory, tmp_path):
    cfg = parse_config({"sensor": {"kind": "digital", "input_pin": 4}})
    rc, lines = run(cfg, factory, tmp_path, sensor_wait_s=0.3)
    ln = line_for(lines, "digital (GPIO4)")
    assert ln.startswith("SKIP") and "GPIO4" in ln


def test_missing_tof_sensor_fails_naming_the_bus(factory, tmp_path):
    cfg = parse_config({"sensor": {"kind": "vl53l1x"}})
    rc, lines = run(cfg, factory, tmp_path, sensor_wait_s=0.3)
    ln = line_for(lines, "time-of-flight")
    assert ln.startswith("FAIL") and "i2cdetect -y 1" in ln
    assert rc == 1


def test_rgb_led_mode_cycles_colours(factory, tmp_path):
    hcsr04_at(factory, 0.25)
    cfg = parse_config({"leds": {"mode": "rgb"}})
    rc, lines = run(cfg, factory, tmp_path)
    assert line_for(lines, "RGB LED").startswith("PASS")
    for p in (27, 17, 22):
        assert True in [s for _, s in factory.pin(p).states]
    assert rc == 0


def test_pin_in_use_is_a_fail_for_that_part_only(factory, tmp_path):
    from gpiozero import LED

    hcsr04_at(factory, 0.25)
    squatter = LED(17, pin_factory=factory)  # "another program" holds the green LED's pin
    try:
        rc, lines = run(parse_config({}), factory, tmp_path)
    finally:
        squatter.close()
    ln = line_for(lines, "GPIO17")
    assert ln.startswith("FAIL") and "nothing else uses GPIO17" in ln
    assert line_for(lines, "LED rounded/red (GPIO27)").startswith("PASS")
    assert line_for(lines, "camera").startswith("PASS")
    assert rc == 1


def test_camera_snapshot_is_saved_with_a_centre_line(factory, tmp_path):
    hcsr04_at(factory, 0.25)
    rc, lines = run(parse_config({}), factory, tmp_path)
    ln = line_for(lines, "camera")
    assert ln.startswith("PASS") and "320x240" in ln and "30.0 fps" in ln
    snap = cv2.imread(str(tmp_path / SNAPSHOT_NAME))
    assert snap is not None and snap.shape == (240, 320, 3)
    # The dashed centre line is white on a grey background.
    assert snap[2:6, 160].min() > 240


def test_camera_that_fails_is_reported_not_raised(factory, tmp_path):
    hcsr04_at(factory, 0.25)
    rc, lines = run(parse_config({}), factory, tmp_path, camera=SyntheticCamera(fail=True))
    ln = line_for(lines, "camera")
    assert ln.startswith("FAIL") and "cannot be opened" in ln
    assert not (tmp_path / SNAPSHOT_NAME).exists()
    assert rc == 1


def test_snapshot_with_vision_draws_the_person_or_says_why_not(factory, tmp_path):
    hcsr04_at(factory, 0.25)
    rc, lines = run(parse_config({"camera": {"wall_side": "left"}}), factory, tmp_path, use_vision=True)
    ln = line_for(lines, "camera")
    assert ln.startswith("PASS")
    # Whatever the segmenter makes of a synthetic blob, the note tells the installer what it saw.
    assert ("person found" in ln) or ("no person found" in ln) or ("vision unavailable" in ln)
    if "person found" in ln and "no person" not in ln:
        assert "wall on the left" in ln


def test_synthetic_camera_config_skips_the_camera(factory, tmp_path):
    hcsr04_at(factory, 0.25)
    lines: list[str] = []
    rc = run_selftest(parse_config({"camera": {"source": "synthetic"}}), pin_factory=factory, out_dir=tmp_path,
                      print_fn=lines.append, show_s=0.0, button_wait_s=0.1, pause=lambda s: None, play_audio=False)
    assert line_for(lines, "camera").startswith("SKIP")
    assert rc == 0


def test_picamera2_config_off_a_pi_fails_with_the_install_hint(factory, tmp_path):
    hcsr04_at(factory, 0.25)
    lines: list[str] = []
    rc = run_selftest(parse_config({"camera": {"source": "picamera2"}}), pin_factory=factory, out_dir=tmp_path,
                      print_fn=lines.append, show_s=0.0, button_wait_s=0.1, pause=lambda s: None, play_audio=False)
    ln = line_for(lines, "camera (Pi camera)")
    assert ln.startswith("FAIL") and "sudo apt install python3-picamera2" in ln
    assert rc == 1


def test_the_learned_person_mask_model_is_checked_and_a_missing_one_says_how_to_restore_it(factory, tmp_path, monkeypatch):
    from device.vision import learned_mask

    cfg = parse_config({})
    hcsr04_at(factory, 0.30)
    rc, lines = run(cfg, factory, tmp_path)
    ok = line_for(lines, "person mask model")
    assert ok.startswith("PASS") and "OpenCV" in ok and "ms a frame" in ok, ok

    monkeypatch.setattr(learned_mask, "MODELS_DIR", tmp_path / "nowhere")
    rc, lines = run(cfg, factory, tmp_path)
    bad = line_for(lines, "person mask model")
    assert bad.startswith("FAIL") and "git checkout -- device/vision/models" in bad, bad
    assert rc == 1

    rc, lines = run(parse_config({"camera": {"segmenter": "background"}}), factory, tmp_path)
    assert line_for(lines, "person mask model").startswith("SKIP")


def test_a_running_station_is_named_and_no_part_is_touched(factory, tmp_path):
    """On the station's Pi the service holds the pins and the camera: the self-test says so and stops,
    instead of failing every part as busy; once the station is gone (its socket left behind) it runs."""
    path = tmp_path / "st.sock"
    cfg = parse_config({"bus": {"socket": str(path)}})
    hcsr04_at(factory, 0.30)
    station = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    station.bind(str(path))
    station.listen(1)
    try:
        rc, lines = run(cfg, factory, tmp_path)
    finally:
        station.close()
    text = "\n".join(lines)
    assert rc == 2, text
    assert str(path) in text and "sudo systemctl stop wallhinge" in text and "sudo systemctl start wallhinge" in text
    assert not [ln for ln in lines if ln[:4] in ("PASS", "FAIL", "SKIP")]
    assert True not in [s for _, s in factory.pin(cfg.leds.good_pin).states]  # nothing was lit
    rc, lines = run(cfg, factory, tmp_path, sensor_wait_s=0.5, camera_wait_s=1.0)
    assert rc != 2
    assert line_for(lines, "LED good/green (GPIO17)").startswith("PASS")


def test_the_snapshot_says_whether_the_camera_is_level_from_the_rooms_verticals(factory, tmp_path):
    from device.sim.scenarios import SyntheticFrameSource, get_scenario

    hcsr04_at(factory, 0.25)
    # The drawn room's wall edge is vertical: level.
    rc, lines = run(parse_config({}), factory, tmp_path, use_vision=True)
    assert "camera level (the room's verticals lean +0.0 deg)" in line_for(lines, "camera")
    # A rendered room seen by a camera turned 4 deg (its verticals' tops to the right).
    turned = SyntheticFrameSource(get_scenario("clean", 2, width=320, height=240, n_reps=1, roll_deg=4.0))
    rc, lines = run(parse_config({}), factory, tmp_path, camera=turned, use_vision=True)
    ln = line_for(lines, "camera")
    got = re.search(r"picture turned (\d+\.\d) deg clockwise: the station takes it off its angles", ln)
    assert ln.startswith("PASS") and got is not None, ln
    assert float(got.group(1)) == pytest.approx(4.0, abs=0.5)


def test_the_snapshot_names_a_camera_tilted_down_from_the_rooms_converging_verticals(factory, tmp_path):
    from device.sim.scenarios import SyntheticFrameSource, get_scenario

    hcsr04_at(factory, 0.25)
    # The rendered gym (racks, a mirror, the wall's corner) from a camera mounted high and tilted 8 deg down.
    tilted = SyntheticFrameSource(get_scenario("clean", 2, n_reps=1, pitch_deg=8.0))
    rc, lines = run(parse_config({}), factory, tmp_path, camera=tilted, use_vision=True)
    ln = line_for(lines, "camera")
    assert ln.startswith("PASS") and "camera tilted down: the room's verticals converge" in ln, ln
    assert "mount it level" in ln and "picture turned" not in ln
    # Low and tilted up, the lines meet above the picture: named the other way.
    up = SyntheticFrameSource(get_scenario("clean", 2, n_reps=1, pitch_deg=-10.0))
    rc, lines = run(parse_config({}), factory, tmp_path, camera=up, use_vision=True)
    ln = line_for(lines, "camera")
    assert "camera tilted up" in ln and "it misses rounded backs" in ln, ln
    # At 320x240 only the lines at one side are long enough: their lean is named, with the doubt it leaves.
    small = SyntheticFrameSource(get_scenario("clean", 2, width=320, height=240, n_reps=1, pitch_deg=8.0))
    rc, lines = run(parse_config({}), factory, tmp_path, camera=small, use_vision=True)
    ln = line_for(lines, "camera")
    assert "picture turned" in ln and "a camera tilted up or down looks the same; check that it is level" in ln, ln
    # The same room from the level camera: no tilt named.
    level = SyntheticFrameSource(get_scenario("clean", 2, n_reps=1))
    rc, lines = run(parse_config({}), factory, tmp_path, camera=level, use_vision=True)
    ln = line_for(lines, "camera")
    assert "tilted" not in ln and "camera level" in ln, ln
