"""The live station in real time: threads, mock pins, HC-SR04 echo, session log.

The sensor is gpiozero's DistanceSensor on MockFactory pins whose echo time
follows the synthetic athlete's hip distance, so the proximity path is the
real one (pinging thread, poller, contact detector, LEDs). Posture comes from
the scenario's ground truth here: this test is about the station's plumbing;
vision accuracy is tested on rendered frames elsewhere.
"""

from __future__ import annotations

import shutil
import threading
import time

import pytest
from gpiozero.pins.mock import MockTriggerPin

from device.config import Config
from device.io.frames import Frame
from device.live import run_station
from device.sim.scenarios import get_scenario
from device.simulate import TruthPosture
from device.storage import read_log

pytestmark = pytest.mark.realtime  # scripts/test runs these after the rest (see there)


class PacedFrames:
    """The scenario's frames, released when the station's clock reaches them."""

    def __init__(self, scenario, clock, until=None):
        self.scenario, self.clock, self.until = scenario, clock, until
        self.closed = False

    def frames(self):
        for i, t in enumerate(self.scenario.frame_times()):
            if self.until is not None and t > self.until:
                return  # the person has walked off: no need to wait out the scenario's tail
            while self.clock() < t:
                time.sleep(0.002)
            if self.closed:
                return
            yield Frame(i, t, self.scenario.render(t))

    def close(self):
        self.closed = True


def test_live_station_counts_logs_and_lights(tmp_path, factory, warm_cue_cache_dir, caplog):
    sc = get_scenario("clean", 0, fps=15, n_reps=2)
    cfg = Config()
    cfg.audio.device, cfg.audio.cache_dir = "null", warm_cue_cache_dir  # speech to ALSA's null device, not a speaker
    caplog.set_level("DEBUG", logger="device.cues")
    cfg.storage.database = tmp_path / "sessions.db"
    cfg.camera.source = "synthetic"
    echo = factory.pin(cfg.sensor.echo_pin)
    trig = factory.pin(cfg.sensor.trigger_pin, pin_class=MockTriggerPin, echo_pin=echo, echo_time=0.01)

    t0 = time.monotonic() + 0.3  # the scenario starts once the station is up
    clock = lambda: time.monotonic() - t0  # noqa: E731
    done = threading.Event()

    def drive_echo():
        # hips move; the echo time follows (no reading = beyond the 1 m range)
        i = 0
        prox = sc.proximity
        while not done.is_set() and i < len(prox):
            if clock() >= prox[i].t:
                d = prox[i].distance_m
                trig.echo_time = (d if d is not None else 2.0) * 2 / 343.26
                i += 1
            else:
                time.sleep(0.002)

    driver = threading.Thread(target=drive_echo, daemon=True)
    driver.start()
    status = run_station(cfg, pin_factory=factory, frame_source=PacedFrames(sc, clock, until=sc.reps[1].end_s + 1.0),
                         posture=TruthPosture(sc), clock=clock)
    done.set()
    assert status == 1  # the (finite) camera stream ended: the service would restart it

    log = read_log(cfg.storage.database)
    reps = [r for s in log["sessions"] for r in s["reps"]]
    assert [r["verdict"] for r in reps] == ["good", "good"]
    assert all(r["counted"] for r in reps)
    assert log["sessions"][0]["ended_at"] is not None
    if shutil.which("espeak-ng") and shutil.which("aplay"):  # CI installs both
        spoken = [r.getMessage() for r in caplog.records if r.getMessage().startswith("cue ")]
        assert spoken == ["cue set-start: played", "cue count-001: played", "cue count-002: played"], spoken
    green = factory.pin(cfg.leds.good_pin)
    assert sum(1 for s in green.states if s.state) >= 2  # lit at each contact
