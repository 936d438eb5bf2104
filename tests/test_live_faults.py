"""Faults in the live station: shown on the LEDs, logged, recovered from, never counted.

Real time on mock pins, like test_live.py: the camera goes silent for a while,
or the ultrasonic echo sticks while the person hinges.
"""

from __future__ import annotations

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


class GappyFrames:
    """The scenario's frames in real time, with the camera silent during ``gap``."""

    def __init__(self, scenario, clock, gap=(None, None), until=None):
        self.sc, self.clock, self.gap, self.until = scenario, clock, gap, until

    def frames(self):
        for i, t in enumerate(self.sc.frame_times()):
            if self.until is not None and t > self.until:
                return
            while self.clock() < t:
                time.sleep(0.002)
            if self.gap[0] is not None and self.gap[0] <= t < self.gap[1]:
                continue
            yield Frame(i, t, self.sc.render(t))

    def close(self):
        pass


def start_echo(trig, sc, clock, done, stuck_from=None, stuck_at=0.2):
    def drive():
        for s in sc.proximity:
            while clock() < s.t:
                if done.is_set():
                    return
                time.sleep(0.002)
            d = stuck_at if stuck_from is not None and s.t >= stuck_from else s.distance_m
            trig.echo_time = (d if d is not None else 2.0) * 2 / 343.26

    th = threading.Thread(target=drive, daemon=True)
    th.start()
    return th


def setup(tmp_path, factory, warm_cue_cache_dir):
    cfg = Config()
    cfg.audio.device, cfg.audio.cache_dir = "null", warm_cue_cache_dir  # speech to ALSA's null device, not a speaker
    cfg.storage.database = tmp_path / "sessions.db"
    echo = factory.pin(cfg.sensor.echo_pin)
    trig = factory.pin(cfg.sensor.trigger_pin, pin_class=MockTriggerPin, echo_pin=echo, echo_time=0.01)
    t0 = time.monotonic() + 0.3
    return cfg, trig, (lambda: time.monotonic() - t0)


def test_camera_lost_shows_a_fault_logs_it_and_recovers(tmp_path, factory, warm_cue_cache_dir):
    sc = get_scenario("clean", 0, fps=15, n_reps=2)
    cfg, trig, clock = setup(tmp_path, factory, warm_cue_cache_dir)
    done = threading.Event()
    start_echo(trig, sc, clock, done)
    amber = factory.pin(cfg.leds.fault_pin)
    status = run_station(cfg, pin_factory=factory, frame_source=GappyFrames(sc, clock, gap=(1.0, 4.5), until=6.5),
                         posture=TruthPosture(sc), clock=clock)
    done.set()
    assert status == 1
    # the fault LED blinked while the camera was gone
    assert any(st.state for st in amber.states[1:]), "the fault LED never lit"
    faults = read_log(cfg.storage.database)["device_faults"]
    assert any("camera" in f["kind"] and "lost" in f["kind"] for f in faults), faults
    assert any("camera" in f["message"] for f in faults)


def test_stuck_sensor_during_reps_is_a_fault_and_a_replay_of_the_recording_judges_the_same(tmp_path, factory, warm_cue_cache_dir):
    """Live: after a good first rep the echo sticks at 0.20 m while the person hinges on for two
    more; the health monitor calls the sensor stuck (fault LED, fault log) and the last rep is not
    counted. The recording keeps the fault track, so its replay judges every rep exactly as live
    did; without the fault track it would not.

    Two stuck reps and ``stuck_s`` 2 s: on a loaded 2-core machine the mock echo is timed late in
    runs (0.22-0.7 m for a stuck 0.20 m), and a 1 s limit with one stuck rep failed in CI."""
    from device.app import StationApp
    from device.recording import open_recording
    from device.station import replay

    sc = get_scenario("clean", 0, fps=15, n_reps=3)
    cfg, trig, clock = setup(tmp_path, factory, warm_cue_cache_dir)
    cfg.storage.record_video = True
    cfg.storage.recordings_dir = tmp_path / "recordings"
    cfg.camera.width, cfg.camera.height, cfg.camera.fps = sc.width, sc.height, 15
    cfg.sensor.stuck_s = 2.0
    # The same load times every mock echo a few centimetres late, the hips at the wall included
    # (for hips at 0.00-0.01 m the nearest readings were 0.03-0.04 m with two busy loops on the
    # two cores, 0.07 m with three, and then no contact was made): a wider band keeps the contact.
    cfg.sensor.approach_m, cfg.sensor.contact_threshold_m = 0.16, 0.10
    done = threading.Event()
    start_echo(trig, sc, clock, done, stuck_from=sc.reps[1].start_s - 0.5)
    states = []
    # 2.5 s after the last rep: the twice-a-second health check has time to see the stuck echo
    # even on a loaded machine (CI runs two test workers on two cores).
    status = run_station(cfg, pin_factory=factory, frame_source=GappyFrames(sc, clock, until=sc.reps[-1].end_s + 2.5),
                         posture=TruthPosture(sc), clock=clock,
                         state_listeners=[lambda st: states.append(st.app_state)])
    done.set()
    assert status == 1
    assert "faulted" in states and states[-1] == "stopping"
    log = read_log(cfg.storage.database)
    live = [r for s in log["sessions"] for r in s["reps"]]
    # The first rep, before the echo stuck, is counted; the last, with the echo stuck for two reps,
    # is not. The first stuck rep is there only if the monitor called the sensor stuck before it
    # ended: with the fault on, the rep is kept as unchecked; before it, the stuck echo read as hips
    # that never left where they stood, and the camera's hinge alone is no rep. On a loaded 2-core
    # machine the mock echo's late timing scatters the readings, and a CI run called the fault only
    # after that rep (2 reps logged). Either way the replay must agree, which is what matters.
    assert len(live) in (2, 3), live
    assert live[0]["counted"] and live[0]["verdict"] == "good", live
    assert not live[-1]["counted"] and live[-1]["verdict"] == "unchecked", live
    assert any("stuck" in f["kind"] for f in log["device_faults"]), log["device_faults"]
    assert any(st.state for st in factory.pin(cfg.leds.fault_pin).states[1:]), "the fault LED never lit"

    (folder,) = list((tmp_path / "recordings").iterdir())
    rec = open_recording(folder)
    assert any(f.part == "sensor" and f.fault == "stuck" for f in rec.faults), rec.faults

    def judge(faults):
        same = Config()
        same.sensor = cfg.sensor.model_copy()  # the live station's contact band
        app = StationApp(same, TruthPosture(sc), has_distance=rec.has_distance)
        replay(app, rec.frames(), rec.proximity, faults=faults, proximity_after=rec.proximity_after,
               faults_after=rec.faults_after if faults else None)
        return [r.to_dict() for r in app.reps]

    def brief(reps):
        return [(r["index"], r["verdict"], bool(r["counted"])) for r in reps]

    replayed = judge(rec.faults)
    assert brief(replayed) == brief(live)
    # Every time and measure of every rep too: the replay takes readings and frames in the order the station
    # did. To one step of the session log's rounding (times to the millisecond, angles to 0.1 deg): the
    # recording keeps times to 0.1 ms, so a replayed frame is looked at up to 0.05 ms from the live one's time.
    step = {"start_s": 0.001, "bottom_s": 0.001, "end_s": 0.001, "heel_lift": 0.0001, "seen_fraction": 0.01}
    for was, again in zip(live, replayed):
        for k, v in again.items():
            if isinstance(v, float):
                assert was[k] == pytest.approx(v, abs=1.5 * step.get(k, 0.1)), (k, was, again)
            else:
                assert was[k] == v, (k, was, again)
    assert brief(judge([])) != brief(replayed)  # the fault track is what makes the replay agree
