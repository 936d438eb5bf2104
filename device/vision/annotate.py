"""Draw what the camera measured on a frame: outline, virtual dowel, landmarks, numbers, verdict.

Used by ``analyze ... --annotate OUT.mp4`` and the clinician's review. Pure drawing:
it takes the frame, the :class:`PostureSample` and the estimator's
:class:`PostureDebug`, and returns a new image (the input is not modified).
"""

from __future__ import annotations

from typing import Optional

import cv2
import numpy as np

from device.core.types import PostureSample, Verdict
from device.vision.estimator import PostureDebug

_VERDICT_COLOURS = {
    Verdict.GOOD: (60, 200, 60),
    Verdict.ROUNDED: (40, 40, 230),
}
_FAULT_COLOUR = (0, 170, 255)
_OUTLINE = (255, 200, 0)
_BACK = (0, 255, 255)
_CHORD = (255, 0, 255)
_POINT = (255, 255, 255)


def _pt(p) -> tuple[int, int]:
    return int(round(p[0])), int(round(p[1]))


def _text(img: np.ndarray, s: str, org: tuple[int, int], colour, scale: float) -> None:
    # Dark halo so the text reads on any background.
    th = max(1, int(round(2 * scale)))
    cv2.putText(img, s, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), th + 2, cv2.LINE_AA)
    cv2.putText(img, s, org, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, th, cv2.LINE_AA)


def text_scale(h: int, w: int) -> float:
    """Font scale for an overlay on an h x w frame, from its shorter side: the lines fit
    a portrait phone video as well as a landscape camera frame."""
    return max(0.35, min(1.2, min(h, w) / 600))


def _banner_box(text: str, w: int, font_scale: float, thickness: int) -> tuple[int, int, int]:
    """(text x, text height, bottom y) of a banner for ``text`` at the top right of a frame ``w`` wide."""
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, font_scale, thickness)
    return max(8, w - tw - 20), th, 8 + th + 18


def _draw_banner(out: np.ndarray, text: str, colour, font_scale: float, thickness: int) -> None:
    x0, th, bottom = _banner_box(text, out.shape[1], font_scale, thickness)
    cv2.rectangle(out, (x0 - 8, 8), (out.shape[1] - 8, bottom), colour, -1)
    cv2.putText(out, text, (x0, 8 + th + 8), cv2.FONT_HERSHEY_SIMPLEX, font_scale, (255, 255, 255), thickness,
                cv2.LINE_AA)


def annotate(
    image: np.ndarray,
    sample: PostureSample,
    debug: Optional[PostureDebug],
    verdict: Optional[Verdict | str] = None,
    rounding_deg: Optional[float] = None,
    rep_count: Optional[int] = None,
    banner: Optional[tuple[int, int]] = None,
) -> np.ndarray:
    """Return a copy of ``image`` with the measures drawn on it.

    ``rounding_deg``: the engine's rounding (back bend minus the standing
    baseline) if known; otherwise the raw back bend is shown. ``verdict``: the
    last rep's verdict, drawn as a banner. ``rep_count``: counted reps so far.
    ``banner``: (left x, bottom y) of a banner the caller draws at the top right.
    The measures' lines go below a banner they would run into (a portrait phone
    video is too narrow for both side by side).
    """
    out = image.copy()
    h, w = out.shape[:2]
    scale = text_scale(h, w)
    lw = max(1, int(round(h / 320)))
    m = debug.measures if debug is not None else None
    if debug is not None and debug.person is not None:
        cs, _ = cv2.findContours(debug.person.mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(out, cs, -1, _OUTLINE, lw, cv2.LINE_AA)
    if m is not None:
        if len(m.back_segment) >= 2:
            cv2.polylines(out, [np.round(m.back_segment).astype(np.int32)], False, _BACK, lw + 1, cv2.LINE_AA)
        if m.chord is not None:
            cv2.line(out, _pt(m.chord[0]), _pt(m.chord[1]), _CHORD, lw, cv2.LINE_AA)
        if m.hip is not None and m.shoulder is not None:
            cv2.line(out, _pt(m.hip), _pt(m.shoulder), _POINT, lw, cv2.LINE_AA)
        for name in ("hip", "shoulder", "knee", "ankle", "heel", "buttock"):
            p = getattr(m, name)
            if p is not None:
                cv2.circle(out, _pt(p), lw + 3, _POINT if name != "buttock" else _BACK, -1, cv2.LINE_AA)
        if m.hip is not None and m.knee is not None and m.ankle is not None:
            cv2.polylines(out, [np.array([_pt(m.hip), _pt(m.knee), _pt(m.ankle)], np.int32)], False, _POINT, lw)

    def fmt(v: Optional[float], unit: str = " deg") -> str:
        return "--" if v is None else f"{v:.0f}{unit}"

    lines = [f"trunk {fmt(sample.trunk_inclination_deg)}"]
    if rounding_deg is not None:
        lines.append(f"rounding {fmt(rounding_deg)}")
    else:
        lines.append(f"back bend {fmt(sample.back_bend_deg)}")
    lines.append(f"knee {fmt(sample.knee_angle_deg)}")
    if debug is not None:
        state = "in position" if sample.in_position else ("person" if sample.person else "nobody")
        side = f" wall {debug.wall_side}" if debug.wall_side else ""
        lines.append(f"{state}{side} [{debug.backend}]")
    if rep_count is not None:
        lines.append(f"reps {rep_count}")
    def width(line: str, sc: float) -> int:
        return cv2.getTextSize(line, cv2.FONT_HERSHEY_SIMPLEX, sc, max(1, int(round(2 * sc))) + 2)[0][0]

    widest = max(width(line, scale) for line in lines)
    if 8 + widest > w - 4:  # a narrow frame: the lines shrink to fit rather than run off its edge
        scale *= (w - 12) / (8 + widest)
        widest = max(width(line, scale) for line in lines)
    if verdict is not None:
        v = Verdict(verdict)
        label = v.value.replace("_", " ").upper()
        x0, _, bottom = _banner_box(label, w, scale * 1.4, 3)
        banner = (x0 - 8, bottom)
    y = int(28 * scale) + 4
    if banner is not None:
        if 8 + widest + 6 > banner[0]:
            y += banner[1]
    for s in lines:
        _text(out, s, (8, y), (255, 255, 255), scale)
        y += int(30 * scale) + 2
    if verdict is not None:
        _draw_banner(out, label, _VERDICT_COLOURS.get(v, _FAULT_COLOUR), scale * 1.4, 3)
    return out


def draw_annotations(
    image: np.ndarray,
    debug: Optional[PostureDebug],
    sample: Optional[PostureSample],
    label: Optional[str] = None,
    rounding_deg: Optional[float] = None,
) -> np.ndarray:
    """Overlay for ``analyze --annotate``: like :func:`annotate` with a free-text banner.

    ``label`` (for example ``"rep 3: rounded"``) is drawn as the banner, coloured by
    the verdict named at its end. ``sample`` None (no posture yet) draws the outline only.
    """
    s = sample if sample is not None else PostureSample(t=debug.t if debug is not None else 0.0)
    if not label:
        return annotate(image, s, debug, rounding_deg=rounding_deg)
    h, w = image.shape[:2]
    font_scale = text_scale(h, w) * 1.2
    text = label.replace("_", " ")
    x0, _, bottom = _banner_box(text, w, font_scale, 2)
    out = annotate(image, s, debug, rounding_deg=rounding_deg, banner=(x0 - 8, bottom))
    word = label.rsplit(":", 1)[-1].strip().lower()
    try:
        colour = _VERDICT_COLOURS.get(Verdict(word), _FAULT_COLOUR)
    except ValueError:
        colour = (200, 200, 200)
    _draw_banner(out, text, colour, font_scale, 2)
    return out
