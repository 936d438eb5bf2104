"""The station as one app: visible states, the controls, events in engine order, faults as samples."""

from __future__ import annotations

import threading
import time

from device.app import AppState, StationApp
from device.config import Config
from device.control import apply_command, parse_command
from device.core.types import FaultSample, RepFinished
from device.io.gpio import Feedback
from device.sim.scenarios import get_scenario
from device.simulate import TruthPosture
from device.station import replay


class Record:
    def __init__(self):
        self.events = []

    def handle(self, e):
        self.events.append(e)


def run_scenario(app, sc, faults=()):
    posture = TruthPosture(sc)

    class Frames:
        def __iter__(self):
            for i, t in enumerate(sc.frame_times()):
                yield posture.process(type("F", (), {"t": t})())

    for p in Frames():
        for s in [s for s in sc.proximity if getattr(run_scenario, "_last", -1) < s.t <= p.t]:
            app.on_proximity(s)
        run_scenario._last = p.t
        app.on_posture(p)


def test_states_follow_the_set_and_faults_and_stopping():
    sc = get_scenario("clean", 0, fps=15, n_reps=2)
    app = StationApp(Config(), TruthPosture(sc))
    seen, present = [], []
    app.add_state_listener(lambda st: seen.append(st.app_state) if not seen or seen[-1] != st.app_state else None)
    app.add_state_listener(lambda st: present.append(st.person_present))
    assert app.state is AppState.STARTING
    app.ready()
    assert app.state is AppState.READY
    frames = [type("F", (), {"t": t, "image": None, "index": i})() for i, t in enumerate(sc.frame_times())]
    replay(app, frames, list(sc.proximity), faults=[FaultSample(1.0, "camera", "lost"), FaultSample(2.0, "camera", None)])
    app.close()
    assert seen[:2] == ["ready", "faulted"]  # the camera fault at 1 s, before anyone touched the wall
    assert "running" in seen and seen[-2:] == ["ready", "stopping"]
    assert True in present and present[-1] is False  # seen arriving, and leaving at the end
    n = len(present)
    app.set_storage_fault(None)  # what the health check does twice a second: nothing new, no call
    assert len(present) == n
    st = app.station_state
    assert st.count == 2 and st.last_verdict == "good" and st.last_cue == "good rep" and not st.set_active


def test_controls_from_a_command_channel_change_the_station(factory):
    cfg = Config()
    app = StationApp(cfg, None, feedback=Feedback(cfg, pin_factory=factory))
    apply_command(app, parse_command("target", "12"))
    apply_command(app, parse_command("mute", "on"))
    apply_command(app, parse_command("patient", "7"))
    assert cfg.station.target_reps == 12 and app.station_state.target == 12
    assert app.feedback.muted and app.station_state.muted
    assert app.station_state.patient == "patient 7"
    # muted: a rep's verdict lights the LED but the buzzer stays silent
    from device.core.types import Verdict

    app.feedback.show(Verdict.ROUNDED)
    assert factory.pin(cfg.leds.rounded_pin).state
    assert not any(s.state for s in factory.pin(cfg.buzzer.pin).states[1:])
    app.close()


def test_a_button_press_during_a_rep_never_overtakes_it_on_the_way_to_the_session_log(tmp_path):
    """The button thread ends the set while the camera thread is still handing the rep it just
    finished to the sinks. Every sink must see RepFinished before SetEnded (engine order), or the
    session log drops the rep (it ignores reps after its set ended)."""
    from device.live import SessionLogSink
    from device.storage import SessionLog, read_log

    sc = get_scenario("clean", 0, fps=15, n_reps=2)
    first, last = Record(), Record()
    app_box = {}

    class PressesTheButton:
        """Between the first sink and the session log, the button is pressed and given 0.2 s."""

        def handle(self, e):
            if isinstance(e, RepFinished) and e.rep.index == 1:
                th = threading.Thread(target=lambda: app_box["app"].reset_set())
                th.start()
                th.join(0.2)

    db = SessionLog(tmp_path / "sessions.db")
    app = StationApp(Config(), TruthPosture(sc), sinks=[first, PressesTheButton(), SessionLogSink(db, Config()), last])
    app_box["app"] = app
    frames = [type("F", (), {"t": t, "image": None, "index": i})() for i, t in enumerate(sc.frame_times())]
    replay(app, frames, list(sc.proximity))
    app.close()
    db.close()
    assert first.events == last.events
    kinds = [type(e).__name__ for e in first.events]
    assert kinds.index("RepFinished") < kinds.index("SetEnded")
    logged = [r["index"] for s in read_log(tmp_path / "sessions.db")["sessions"] for r in s["reps"]]
    assert 1 in logged, logged


def test_the_button_ends_the_set_only_when_held_for_hold_s(factory):
    from device.io.gpio import StartButton

    cfg = Config()
    cfg.button.hold_s = 0.2
    pressed = []
    button = StartButton(cfg, lambda: pressed.append(time.monotonic()), pin_factory=factory)
    pin = factory.pin(cfg.button.pin)
    pin.drive_low()  # a bump
    time.sleep(0.08)
    pin.drive_high()
    time.sleep(0.3)
    assert pressed == []
    pin.drive_low()  # held
    time.sleep(0.4)
    pin.drive_high()
    assert len(pressed) == 1
    button.close()
