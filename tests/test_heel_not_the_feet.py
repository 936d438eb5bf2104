"""Heel lift is read off the feet, never off trouser hems over shoes the mask lost
(device/vision/estimator.py: PostureEstimator._heel_belief).

The heel's rise is the foot outline's heel end above its toe end, against the person's standing reference.
Where the background model loses dark shoes on a dark floor (they read as the person's own floor shadow),
the outline at the floor is the trouser hems, and hems rise and fall as the knees bend: random scene 2823
read four good reps `heel_lift` at 0.018 of the height. There the heel is only a hint (its confidence under
the rep engine's ``min_conf``): an unseen heel fails no rep. Frames are the synthetic athlete's through the
real background model.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache

import numpy as np

from device.config import Config
from device.io.frames import Frame
from device.sim.scenarios import SyntheticFrameSource, get_scenario, random_scenario
from device.station import make_estimator
from tests.test_feet_lost import PLANTED, _shoes

MIN_CONF = Config().thresholds.min_conf
LIFT = Config().thresholds.heel_lift


@lru_cache(maxsize=4)
def _heel_samples(kind: str, erase: bool) -> tuple[list[tuple[float, float]], int]:
    """(heel lift, confidence) of every planted frame with a heel sample, and the number of frames whose shoes were
    painted out, for two reps of ``kind``; with ``erase`` the shoes are painted over with the empty scene
    while the feet are planted (as the background model loses them once they stand still)."""
    body = dataclasses.replace(get_scenario("clean", 1).body, shoes=(255, 0, 255))
    sc = get_scenario("clean", 1, width=640, height=480, fps=10, kinds=[kind, kind], camera_noise=False, body=body)
    bg = sc.render_background()
    est = make_estimator(Config())
    heels, erased = [], 0
    for i, t in enumerate(sc.frame_times()):
        img, truth = sc.render(t), sc.truth_at(t)
        person = sc.render_mask(t) > 0
        if erase and truth.phase in PLANTED and person.any():
            shoes = _shoes(img, person)
            img[shoes] = bg[shoes]
            erased += int(shoes.any())
        s = est.process(Frame(index=i, t=t, image=img))
        if s.heel_lift is not None and truth.phase in PLANTED:
            heels.append((s.heel_lift, s.heel_conf))
    return heels, erased


def test_good_reps_over_lost_shoes_read_no_believed_heel_lift():
    """With the shoes gone while planted, the hems read lifts of 0.014-0.016 H on good reps (over the 0.012
    line, believed before this rule). No heel lift there is believed."""
    heels, erased = _heel_samples("good", erase=True)
    assert erased > 100
    assert not [h for h, c in heels if c >= MIN_CONF and h > LIFT]


def test_feet_in_the_mask_still_judge_the_heel():
    """The same scene with its shoes in the mask: the heel is believed on every frame it is read, good
    reps stay under the line, and a lifted heel reads over it."""
    good, _ = _heel_samples("good", erase=False)
    lifted, _ = _heel_samples("heel_lift", erase=False)
    assert len(good) > 100 and all(c >= MIN_CONF for _, c in good)
    assert max(h for h, _ in good) < LIFT
    assert max(h for h, c in lifted if c >= MIN_CONF) > 1.5 * LIFT


def test_a_standing_foot_whose_toe_end_is_higher_is_not_a_foot():
    """Random scene 2823 (800x600, black shoes on a dark gym floor): the mask ends at the hems, the far
    one 5 px above the near one at the toe end while standing, so the standing reference has the toe end
    above the heel end (no planted foot reads so). The second good rep's hinge levels the hems: a lift of
    0.018 H that is not believed."""
    sc = random_scenario(2823, n_reps=8, fps=15)
    est = make_estimator(Config())
    rep = sc.reps[1]
    assert rep.kind == "good"
    lifts, refs, gaps = [], [], []
    for frame in SyntheticFrameSource(sc).frames():
        if frame.t > rep.end_s:
            break
        s = est.process(frame)
        m = est.last_debug.measures
        if m is None:
            continue
        if est.track.heel.value is not None:
            refs.append(est.track.heel.value * m.height_px)
        if sc.truth_at(frame.t).phase == "standing":
            drawn = np.flatnonzero((sc.render_mask(frame.t) > 0).any(axis=1))[-1]
            gaps.append(drawn - m.floor_y)
        if s.heel_lift is not None and frame.t >= rep.start_s:
            lifts.append((s.heel_lift, s.heel_conf))
    # The premise: the shoes are lost (the drawn soles lie below the mask) and the hems' standing
    # reference has its toe end 5 px up; the rep's hems read a lift over the line.
    assert np.median(gaps) >= 5
    assert np.median(refs) <= -4
    assert max(h for h, _ in lifts) > LIFT
    assert not [h for h, c in lifts if c >= MIN_CONF and h > LIFT]
