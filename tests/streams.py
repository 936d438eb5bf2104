"""Timestamped sample streams for engine tests, built from a rep plan.

This is a kinematic stand-in, not the renderer: it produces the posture and
proximity samples directly so the engine's edge cases can be tested quickly
and exactly. End-to-end tests use the synthetic athlete's real frames.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Optional

from device.core.types import PostureSample, ProximitySample

STAND_DIST = 0.22  # hips from the wall standing tall, metres
HANDS_STANDING = 0.75  # ball held at the chest


@dataclass
class PlanRep:
    down_s: float = 2.0
    up_s: float = 1.5
    pause_s: float = 1.0  # standing after the rep
    peak_incl: float = 45.0
    rounding: float = 0.0
    contact: bool = True
    knee_at_bottom: float = 160.0
    heel_lift: float = 0.0
    hold_s: float = 0.2  # at the bottom
    hands_bottom: float = 0.75  # hands' height at the bottom (fraction of stature): ball at the chest


@dataclass
class Streams:
    posture: list[PostureSample] = field(default_factory=list)
    proximity: list[ProximitySample] = field(default_factory=list)


def build(
    reps: list[PlanRep],
    *,
    lead_in_s: float = 2.0,
    baseline_bend: float = 8.0,
    fps: float = 30.0,
    sensor_hz: float = 30.0,
    blind: Optional[tuple[float, float]] = None,
    seed: int = 0,
    incl_noise: float = 0.0,
    hands_known: bool = False,
) -> Streams:
    """Standing lead-in, then the planned reps; returns both streams."""
    # piecewise profile: list of (t0, t1, rep or None, phase)
    segs = []
    t = lead_in_s
    segs.append((0.0, t, None, "stand"))
    for r in reps:
        segs.append((t, t + r.down_s, r, "down"))
        t += r.down_s
        segs.append((t, t + r.hold_s, r, "hold"))
        t += r.hold_s
        segs.append((t, t + r.up_s, r, "up"))
        t += r.up_s
        segs.append((t, t + r.pause_s, None, "stand"))
        t += r.pause_s
    end = t
    rng = random.Random(seed)

    def state(tt: float):
        for t0, t1, r, ph in segs:
            if t0 <= tt < t1 or (tt >= end and t1 == end):
                if r is None:
                    return 0.0, 0.0, 175.0, 0.0, STAND_DIST, HANDS_STANDING
                if ph == "down":
                    f = (tt - t0) / (t1 - t0)
                elif ph == "hold":
                    f = 1.0
                else:
                    f = 1.0 - (tt - t0) / (t1 - t0)
                f = 0.5 - 0.5 * math.cos(math.pi * f)
                incl = f * r.peak_incl
                rnd = f * r.rounding
                knee = 175.0 + f * (r.knee_at_bottom - 175.0)
                heel = f * r.heel_lift
                bottom_dist = 0.0 if r.contact else 0.09
                dist = STAND_DIST + f * (bottom_dist - STAND_DIST)
                hands = HANDS_STANDING + f * (r.hands_bottom - HANDS_STANDING)
                return incl, rnd, knee, heel, dist, hands
        return 0.0, 0.0, 175.0, 0.0, STAND_DIST, HANDS_STANDING

    out = Streams()
    n = int(end * fps)
    for i in range(n + 1):
        tt = i / fps
        incl, rnd, knee, heel, _, hands = state(tt)
        if blind and blind[0] <= tt < blind[1]:
            out.posture.append(PostureSample(t=tt, person=False, in_position=False))
            continue
        out.posture.append(
            PostureSample(
                t=tt, person=True, in_position=True,
                trunk_inclination_deg=incl + rng.gauss(0, incl_noise), trunk_conf=0.9,
                back_bend_deg=baseline_bend + rnd, back_conf=0.9,
                knee_angle_deg=knee, knee_conf=0.9,
                heel_lift=heel, heel_conf=0.9,
                hands_height=hands if hands_known else None,
            )
        )
    m = int(end * sensor_hz)
    for i in range(m + 1):
        tt = i / sensor_hz + 0.5 / sensor_hz  # the sensor is not frame-locked
        *_, dist, _ = state(tt)
        out.proximity.append(ProximitySample(t=tt, distance_m=round(dist, 4)))
    return out
