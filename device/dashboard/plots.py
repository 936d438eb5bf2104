"""Small charts drawn twice from one description: as inline SVG for the pages, as vectors in the PDF.

No plotting library in the dashboard process: matplotlib alone would add
tens of MB of resident memory and seconds of import on a Pi, for a few bar and
line charts. A :class:`Chart` is data; :func:`to_svg` and :func:`draw_pdf`
render the same geometry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape
from typing import Optional

COLOURS = {"good": "#2e9e44", "rounded": "#d93025", "other": "#f0a000", "line": "#1f5fa8", "grid": "#d7dde3",
           "text": "#333333", "threshold": "#7a7a7a"}


@dataclass
class Chart:
    title: str
    unit: str
    # bars: (label, value or None, colour key); points: (label, value or None) joined by a line
    bars: list[tuple[str, Optional[float], str]] = field(default_factory=list)
    points: list[tuple[str, Optional[float]]] = field(default_factory=list)
    threshold: Optional[float] = None
    threshold_label: str = ""
    y_min: Optional[float] = None
    y_max: Optional[float] = None

    def y_range(self) -> tuple[float, float]:
        vals = [v for _, v, _ in self.bars if v is not None] + [v for _, v in self.points if v is not None]
        if self.threshold is not None:
            vals.append(self.threshold)
        lo = self.y_min if self.y_min is not None else min([0.0, *vals])
        hi = self.y_max if self.y_max is not None else max([1.0, *vals])
        if hi <= lo:
            hi = lo + 1
        if self.y_max is None:
            hi = _nice(hi)
        return lo, hi

    @property
    def n(self) -> int:
        return max(len(self.bars), len(self.points))

    def labels(self) -> list[str]:
        return [b[0] for b in self.bars] if self.bars else [p[0] for p in self.points]


def _nice(v: float) -> float:
    if v <= 0:
        return 1.0
    e = 10 ** math.floor(math.log10(v))
    for m in (1, 2, 2.5, 5, 10):
        if v <= m * e:
            return m * e
    return 10 * e


def _ticks(lo: float, hi: float) -> list[float]:
    step = _nice((hi - lo) / 4)
    t = math.ceil(lo / step) * step
    out = []
    while t <= hi + 1e-9:
        out.append(round(t, 6))
        t += step
    return out


def _fmt(v: float) -> str:
    return f"{v:.0f}" if abs(v) >= 10 or v == int(v) else f"{v:.1f}"


# Layout in the chart's own units (the SVG viewBox; the PDF scales it to mm).
W, H = 600.0, 220.0
LEFT, RIGHT, TOP, BOTTOM = 44.0, 10.0, 26.0, 34.0


def _geometry(c: Chart):
    lo, hi = c.y_range()
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM
    n = max(1, c.n)
    slot = pw / n

    def y(v: float) -> float:
        return TOP + ph * (1 - (min(max(v, lo), hi) - lo) / (hi - lo))

    return lo, hi, pw, ph, slot, y


def to_svg(c: Chart) -> str:
    """An inline, responsive SVG (no script, no external resources)."""
    lo, hi, pw, ph, slot, y = _geometry(c)
    out = [f'<svg class="chart" viewBox="0 0 {W:.0f} {H:.0f}" role="img" aria-label="{escape(c.title)}" '
           f'xmlns="http://www.w3.org/2000/svg">',
           f'<text x="{LEFT}" y="16" class="chart-title">{escape(c.title)}'
           f'{f" ({escape(c.unit)})" if c.unit else ""}</text>']
    for t in _ticks(lo, hi):
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y(t):.1f}" y2="{y(t):.1f}" stroke="{COLOURS["grid"]}"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y(t) + 4:.1f}" text-anchor="end" class="tick">{_fmt(t)}</text>')
    for i, (label, v, colour) in enumerate(c.bars):
        bw = min(slot * 0.7, 48.0)
        x = LEFT + i * slot + (slot - bw) / 2
        if v is None:
            out.append(f'<text x="{x + bw / 2:.1f}" y="{y(lo) - 4:.1f}" text-anchor="middle" class="tick">–</text>')
            continue
        y0, y1 = y(max(lo, 0.0) if lo < 0 <= hi else lo), y(v)
        top, height = min(y0, y1), abs(y1 - y0)
        out.append(f'<rect x="{x:.1f}" y="{top:.1f}" width="{bw:.1f}" height="{max(height, 1):.1f}" '
                   f'fill="{COLOURS.get(colour, colour)}"><title>{escape(label)}: {v:.1f}{escape(c.unit)}</title></rect>')
    if c.points:
        pts = [(LEFT + i * slot + slot / 2, y(v)) for i, (_, v) in enumerate(c.points) if v is not None]
        if len(pts) > 1:
            out.append('<polyline fill="none" stroke="{}" stroke-width="2.5" points="{}"/>'.format(
                COLOURS["line"], " ".join(f"{a:.1f},{b:.1f}" for a, b in pts)))
        for a, b in pts:
            out.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3.5" fill="{COLOURS["line"]}"/>')
    if c.threshold is not None:
        ty = y(c.threshold)
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="{COLOURS["threshold"]}" '
                   'stroke-dasharray="6 4" stroke-width="1.5"/>')
        if c.threshold_label:
            out.append(f'<text x="{W - RIGHT}" y="{ty - 4:.1f}" text-anchor="end" class="tick">'
                       f'{escape(c.threshold_label)}</text>')
    labels = c.labels()
    every = max(1, math.ceil(len(labels) / 14))
    for i, label in enumerate(labels):
        if i % every == 0:
            out.append(f'<text x="{LEFT + i * slot + slot / 2:.1f}" y="{H - BOTTOM + 16:.1f}" text-anchor="middle" '
                       f'class="tick">{escape(label)}</text>')
    out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{TOP + ph:.1f}" y2="{TOP + ph:.1f}" stroke="#888"/>')
    out.append("</svg>")
    return "".join(out)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def draw_pdf(pdf, c: Chart, x: float, y0: float, w: float, h: float) -> None:
    """Draw ``c`` into an fpdf2 document at (x, y0) mm, w x h mm, with the same geometry as the SVG."""
    lo, hi, pw, ph, slot, y = _geometry(c)
    sx, sy = w / W, h / H
    X = lambda v: x + v * sx  # noqa: E731
    Y = lambda v: y0 + v * sy  # noqa: E731
    pdf.set_text_color(*_rgb(COLOURS["text"]))
    pdf.set_font("Helvetica", "B", 9)
    pdf.text(X(LEFT), Y(16), c.title + (f" ({c.unit})" if c.unit else ""))
    pdf.set_font("Helvetica", "", 7)
    pdf.set_line_width(0.2)
    for t in _ticks(lo, hi):
        pdf.set_draw_color(*_rgb(COLOURS["grid"]))
        pdf.line(X(LEFT), Y(y(t)), X(W - RIGHT), Y(y(t)))
        label = _fmt(t)
        pdf.text(X(LEFT - 6) - pdf.get_string_width(label), Y(y(t) + 3), label)
    for i, (_, v, colour) in enumerate(c.bars):
        if v is None:
            continue
        bw = min(slot * 0.7, 48.0)
        bx = LEFT + i * slot + (slot - bw) / 2
        y_a, y_b = y(max(lo, 0.0) if lo < 0 <= hi else lo), y(v)
        pdf.set_fill_color(*_rgb(COLOURS.get(colour, COLOURS["other"])))
        pdf.rect(X(bx), Y(min(y_a, y_b)), bw * sx, max(abs(y_b - y_a), 1) * sy, style="F")
    if c.points:
        pts = [(X(LEFT + i * slot + slot / 2), Y(y(v))) for i, (_, v) in enumerate(c.points) if v is not None]
        pdf.set_draw_color(*_rgb(COLOURS["line"]))
        pdf.set_fill_color(*_rgb(COLOURS["line"]))
        pdf.set_line_width(0.6)
        for (a, b), (cc, d) in zip(pts, pts[1:]):
            pdf.line(a, b, cc, d)
        for a, b in pts:
            pdf.circle(x=a, y=b, radius=0.8, style="F")
    if c.threshold is not None:
        pdf.set_draw_color(*_rgb(COLOURS["threshold"]))
        pdf.set_line_width(0.3)
        pdf.set_dash_pattern(dash=1.5, gap=1)
        pdf.line(X(LEFT), Y(y(c.threshold)), X(W - RIGHT), Y(y(c.threshold)))
        pdf.set_dash_pattern()
        if c.threshold_label:
            pdf.text(X(W - RIGHT) - pdf.get_string_width(c.threshold_label), Y(y(c.threshold) - 3), c.threshold_label)
    labels = c.labels()
    every = max(1, math.ceil(len(labels) / 14))
    for i, label in enumerate(labels):
        if i % every == 0:
            cx = X(LEFT + i * slot + slot / 2)
            pdf.text(cx - pdf.get_string_width(label) / 2, Y(H - BOTTOM + 14), label)
    pdf.set_draw_color(136, 136, 136)
    pdf.set_line_width(0.2)
    pdf.line(X(LEFT), Y(TOP + ph), X(W - RIGHT), Y(TOP + ph))


# ---- the charts the pages and the report show


def rep_rounding_chart(reps: list[dict], threshold: Optional[float]) -> Chart:
    from .history import verdict_colour

    return Chart("Rounding per rep", "deg",
                 bars=[(str(i + 1), r["rounding_deg"], verdict_colour(r["verdict"])) for i, r in enumerate(reps)],
                 threshold=threshold, threshold_label=f"limit {threshold:g} deg" if threshold else "")


def rep_inclination_chart(reps: list[dict]) -> Chart:
    from .history import verdict_colour

    return Chart("Trunk inclination at the bottom per rep", "deg",
                 bars=[(str(i + 1), r["trunk_inclination_deg"], verdict_colour(r["verdict"]))
                       for i, r in enumerate(reps)], y_min=0)


def trend_good_chart(days: list[str], shares: list[Optional[float]]) -> Chart:
    return Chart("Share of good reps per session", "%",
                 points=[(d[5:], None if s is None else 100 * s) for d, s in zip(days, shares)], y_min=0, y_max=100)


def trend_rounding_chart(days: list[str], rounding: list[Optional[float]], threshold: Optional[float]) -> Chart:
    return Chart("Median rounding per session", "deg", points=[(d[5:], v) for d, v in zip(days, rounding)],
                 threshold=threshold, threshold_label=f"limit {threshold:g} deg" if threshold else "")
