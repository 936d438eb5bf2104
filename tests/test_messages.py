"""A rep's cue (device/messages.py): one decision, following the station's own thresholds.

The back-unseen hint replaces "step into view" on a rep the camera saw hinge, or saw standing at the
wall on most of its frames, but whose back it could not measure. Whether a rep is that kind depends on
``[thresholds] hinge_min_deg`` and ``min_seen_fraction``; a clinician who changes them moves the hint. The channels (dashboard bus, MQTT,
speech) are tested in their own files with :func:`feed_rep` from here.
"""

from __future__ import annotations

from device.app import StationApp
from device.config import Config
from device.core.types import PostureSample, ProximitySample, Rep, RepFinished, Verdict
from device.messages import BACK_UNSEEN_HINT, CUES, FRAMING_HINT, back_unseen, framing_cut, rep_cue, rep_message
from device.station import Station

STEP_INTO_VIEW = CUES["unchecked"]


def feed_rep(station, *, back_seen: float, peak_deg: float = 50.0, t0: float = 0.0, cut: bool = False,
             unmeasured: bool = False, gone: bool = False) -> float:
    """One rep with hip contact through the real engine (``station``: a Station or a StationApp): the
    back is seen throughout standing and on about ``back_seen`` of the rep's frames; the trunk is
    seen on all of them, hinging to ``peak_deg``. ``cut``: during the rep the person is in view but
    cut off by the picture's edge, and nothing of them is measured (as the estimator reports feet
    below the picture's bottom edge). ``unmeasured``: during the rep the person stands in view where
    they should, but nothing of them is measured (a mask that lost their outline). ``gone``: during the
    rep the camera sees no one. Returns the time after the rep."""
    t, n = t0, 0

    def feed(incl: float, dist: float, in_rep: bool) -> None:
        nonlocal t, n
        n += 1
        back = not in_rep or (n % 10) < round(back_seen * 10)
        station.on_proximity(ProximitySample(t, distance_m=dist))
        if cut and in_rep:
            station.on_posture(PostureSample(t, person=True, cut_by_frame=True))
        elif unmeasured and in_rep:
            station.on_posture(PostureSample(t, person=True, in_position=True))
        elif gone and in_rep:
            station.on_posture(PostureSample(t, person=False))
        else:
            station.on_posture(PostureSample(t, person=True, in_position=True, trunk_inclination_deg=incl,
                                             trunk_conf=1, back_bend_deg=5 if back else None,
                                             back_conf=1 if back else 0, knee_angle_deg=160, knee_conf=1,
                                             heel_lift=0, heel_conf=1))
        t += 1 / 30

    for _ in range(30):
        feed(3, 0.3, False)
    for i in range(30):
        feed(3 + (peak_deg - 3) * i / 30, 0.3 - 0.28 * i / 30, True)
    for _ in range(10):
        feed(peak_deg, 0.02, True)
    for i in range(30):
        feed(peak_deg - (peak_deg - 3) * i / 30, 0.02 + 0.28 * i / 30, True)
    for _ in range(30):
        feed(3, 0.3, False)
    return t


def engine_reps(cfg: Config, **kw) -> list[Rep]:
    got: list = []

    class Keep:
        def handle(self, e):
            got.append(e)

    feed_rep(Station(cfg, None, sinks=[Keep()]), **kw)
    return [e.rep for e in got if isinstance(e, RepFinished)]


def _unchecked(trunk, seen) -> Rep:
    return Rep(index=1, start_s=0, bottom_s=1, end_s=2, contact=True, verdict=Verdict.UNCHECKED,
               trunk_inclination_deg=trunk, seen_fraction=seen)


def test_the_hint_follows_the_configured_thresholds_and_keeps_its_defaults_without_a_config():
    cfg = Config()
    th = cfg.thresholds
    # the defaults are the config's defaults: a caller without a config decides as a default station
    assert (th.hinge_min_deg, th.min_seen_fraction) == (30.0, 0.5)
    assert rep_cue(_unchecked(40, 0.6)) == STEP_INTO_VIEW == rep_cue(_unchecked(40, 0.6), th)
    assert rep_cue(_unchecked(40, 0.2)) == BACK_UNSEEN_HINT == rep_cue(_unchecked(40, 0.2), th)
    assert rep_cue(_unchecked(None, 0.0), th) == STEP_INTO_VIEW  # not seen at all
    # a clinician asks for more of the back seen: a rep seen 60 % is now unchecked for its back
    th.min_seen_fraction = 0.7
    assert rep_cue(_unchecked(40, 0.6), th) == BACK_UNSEEN_HINT
    # ... and calls a hinge only from 45 deg: a 40 deg bend is not "the camera saw you hinge"
    th.hinge_min_deg = 45.0
    assert not back_unseen(_unchecked(40, 0.2), th) and back_unseen(_unchecked(45, 0.2), th)
    assert rep_message(_unchecked(40, 0.2), station_id="s", set_id="1", thresholds=th)["cue"] == STEP_INTO_VIEW
    assert rep_message(_unchecked(45, 0.2), station_id="s", set_id="1", thresholds=th)["cue"] == BACK_UNSEEN_HINT
    # the hint is for `unchecked` reps only
    good = Rep(index=1, start_s=0, bottom_s=1, end_s=2, contact=True, verdict=Verdict.GOOD,
               trunk_inclination_deg=40, seen_fraction=0.2)
    assert rep_cue(good, th) == CUES["good"]


def test_raising_min_seen_fraction_moves_the_hint_for_a_rep_from_the_engine():
    # The same rep, back seen on ~60 % of it: a default station judges it; a station set to want 70 %
    # cannot, and says why (the hint), not "step into view" as a fixed 50 % limit would.
    default = engine_reps(Config(), back_seen=0.6)
    assert [r.verdict for r in default] == [Verdict.GOOD]
    cfg = Config()
    cfg.thresholds.min_seen_fraction = 0.7
    (rep,) = engine_reps(cfg, back_seen=0.6)
    assert rep.verdict is Verdict.UNCHECKED and 0.5 < rep.seen_fraction < 0.7
    assert rep_cue(rep, cfg.thresholds) == BACK_UNSEEN_HINT
    # Raising hinge_min_deg over the rep's peak does not take the hint away from this rep: the person stood
    # in view where they should on all of its frames (Rep.unseen_in_view), so the camera saw them and not
    # their back. A rep without that (hand-built, as a video's) follows hinge_min_deg: the test above.
    cfg.thresholds.hinge_min_deg = 55.0
    (rep,) = engine_reps(cfg, back_seen=0.2)
    assert rep.verdict is Verdict.UNCHECKED and rep.trunk_inclination_deg < 55 and rep.unseen_in_view
    assert rep_cue(rep, cfg.thresholds) == BACK_UNSEEN_HINT


def test_the_station_apps_state_shows_the_reps_own_cue():
    # device/app.py keeps the StationState the station app publishes (MQTT follows it for the rest)
    cfg = Config()
    cfg.thresholds.min_seen_fraction = 0.7
    app = StationApp(cfg, None)
    app.ready()
    try:
        feed_rep(app, back_seen=0.6)
    finally:
        app.close()
    st = app.station_state
    assert st.last_verdict == "unchecked" and st.last_cue == BACK_UNSEEN_HINT


def test_a_rep_the_picture_cut_off_asks_to_aim_the_camera_not_to_step_into_view():
    # The person in view but cut by the picture's edge through the rep (the estimator's cut_by_frame):
    # nothing measured, so `unchecked`; the cue (rep message, dashboard, MQTT, speech) is to aim the camera.
    rep, = engine_reps(Config(), back_seen=1.0, cut=True)
    assert rep.verdict is Verdict.UNCHECKED and rep.cut_by_frame and framing_cut(rep)
    assert rep_cue(rep) == FRAMING_HINT
    assert rep_message(rep, station_id="s", set_id="1")["cue"] == FRAMING_HINT
    # An `unchecked` rep whose person was not cut off (the camera did not see it): still "step into view".
    seen, = engine_reps(Config(), back_seen=1.0)
    gone = Rep(**{**seen.__dict__, "verdict": Verdict.UNCHECKED, "faults": [Verdict.UNCHECKED], "trunk_inclination_deg": None})
    assert not framing_cut(gone) and rep_cue(gone) == STEP_INTO_VIEW
    # A cut rep is not the back-unseen kind, and a judged rep keeps its own cue.
    assert not back_unseen(rep) and not framing_cut(seen) and rep_cue(seen) == CUES["good"]


def test_a_person_in_view_whom_the_camera_cannot_measure_hears_the_back_hint_not_step_into_view():
    # At the wall, in view where they should be, but nothing of them measured through the rep (the
    # person's mask parted at the waist, random 507 shaded before round 60): `unchecked`, and they were in
    # view, so the cue is the back-unseen hint, not "step into view" (it had no trunk, so it was).
    rep, = engine_reps(Config(), back_seen=1.0, unmeasured=True)
    assert rep.verdict is Verdict.UNCHECKED and rep.trunk_inclination_deg is None and rep.unseen_in_view
    assert rep_cue(rep) == BACK_UNSEEN_HINT
    assert rep_message(rep, station_id="s", set_id="1")["cue"] == BACK_UNSEEN_HINT
    # No one in the picture through the rep (the sensor felt the hips): still "step into view".
    rep, = engine_reps(Config(), back_seen=1.0, gone=True)
    assert rep.verdict is Verdict.UNCHECKED and not rep.unseen_in_view
    assert rep_cue(rep) == STEP_INTO_VIEW
