"""Draw hardware/wall-card.svg: the A5 card that hangs beside the station.

    python hardware/wall_card.py        # from the repository root, in the venv
    rsvg-convert -d 150 -p 150 hardware/wall-card.svg -o wall-card.png   # to look at / print

The beep rhythms on the card are drawn from ``device.io.gpio.BEEPS``, the
patterns the buzzer really plays, and tests/test_hardware.py regenerates the
card and compares: change a pattern in the software and the test says the
card is stale, so a person never learns a rhythm the station does not play.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from xml.sax.saxutils import escape

HW = Path(__file__).resolve().parent
sys.path.insert(0, str(HW.parent))

from device.core.types import Verdict  # noqa: E402
from device.io.gpio import BEEPS  # noqa: E402

FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
W_MM, H_MM = 148.0, 210.0
GREEN, RED, AMBER, GREY = "#2e9e3e", "#d2322d", "#f0a020", "#9aa0a6"
INK, SOFT = "#1a1a1a", "#555555"
MEAN_X, CUE_X = 51.0, 100.0  # columns of the lights table, mm

# (light colour, light style, beep pattern key, what it means, what to do)
ROWS: list[tuple[str, str, str, str, str]] = [
    (GREEN, "on", Verdict.GOOD.value, "Good rep: counted", "Keep that hinge."),
    (RED, "on", Verdict.ROUNDED.value, "Back rounded: not counted", "Hips back, chest tall."),
    (AMBER, "on", Verdict.SQUAT.value, "Hips went down, not back", "Hips back, not down."),
    (AMBER, "on", Verdict.SHALLOW.value, "Hips did not touch the wall", "Reach the wall."),
    (AMBER, "on", Verdict.KNEE_LOCK.value, "Knees locked straight", "Soft knees."),
    (AMBER, "on", Verdict.HEEL_LIFT.value, "Heels came up", "Feet flat, toes relaxed."),
    (AMBER, "on", Verdict.TOO_FAST.value, "Too fast", "Slow down: 2-3 s back, 1-2 s up."),
    (AMBER, "fast", Verdict.UNCHECKED.value, "Camera could not see you", "Step into view, side on."),
]

DRILL = [
    "Stand tall, back to the wall, heels about a foot (25-35 cm) from it. Hold the ball close to your chest.",
    "Soften your knees and send your hips back until they touch the wall.",
    "Keep your chest tall: the hips move, the back stays long. Feet flat, toes relaxed.",
    "Drive your hips forward to stand tall again. That is one rep.",
    "Slow and steady: about 2-3 seconds back, 1-2 seconds up. 20-30 reps make a good warm-up.",
]


class Card:
    """SVG in millimetre user units on an A5 page."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def add(self, s: str) -> None:
        self.parts.append(s)

    def text(self, x: float, y: float, s: str, size: float, weight: str = "normal", fill: str = INK,
             anchor: str = "start") -> None:
        self.add(f'<text x="{x:.2f}" y="{y:.2f}" font-size="{size}" font-weight="{weight}" fill="{fill}" '
                 f'text-anchor="{anchor}">{escape(s)}</text>')

    @staticmethod
    def lines(s: str, size: float, width_mm: float, bold: bool = False) -> list[str]:
        """``s`` broken into lines that fit ``width_mm`` at ``size``."""
        # DejaVu Sans (what rsvg and most printers fall back to) averages about
        # 0.5 em per character, bold about 0.56; wrap on a little more than that.
        em = 0.58 if bold else 0.52
        return textwrap.wrap(s, max(10, int(width_mm / (em * size))))

    def wrapped(self, x: float, y: float, s: str, size: float, width_mm: float, leading: float = 1.3,
                centre: bool = False, **kw) -> float:
        """Text wrapped to ``width_mm`` with its first baseline at ``y`` (or the block
        centred on ``y``); returns the y below the last line."""
        lines = self.lines(s, size, width_mm, kw.get("weight") == "bold")
        if centre:
            y -= (len(lines) - 1) * size * leading / 2
        for line in lines:
            self.text(x, y, line, size, **kw)
            y += size * leading
        return y

    def light(self, x: float, y: float, colour: str, style: str) -> None:
        """An LED pictogram; 'fast' and 'slow' draw the blink as a row of dots."""
        if style == "on":
            self.add(f'<circle cx="{x:.2f}" cy="{y:.2f}" r="3" fill="{colour}" stroke="{INK}" stroke-width="0.3"/>')
            self.add(f'<circle cx="{x:.2f}" cy="{y:.2f}" r="4.3" fill="none" stroke="{colour}" stroke-width="0.5" '
                     f'stroke-dasharray="0.8 0.8"/>')
        else:
            n, gap = (4, 3.5) if style == "fast" else (2, 6.0)
            for i in range(n):
                fill = colour if i % 2 == 0 else "#ffffff"
                self.add(f'<circle cx="{x - 5 + i * gap:.2f}" cy="{y:.2f}" r="1.5" fill="{fill}" '
                         f'stroke="{INK}" stroke-width="0.3"/>')

    def rhythm(self, x: float, y: float, pattern, width_mm: float = 26.0) -> None:
        """The beep pattern as bars on a time line: length = how long it sounds."""
        total = sum(on + off for on, off in pattern)
        if not pattern or total <= 0:
            self.text(x, y + 1.2, "no sound", 2.6, fill=SOFT)
            return
        scale = min(width_mm / max(total, 0.9), 40.0)  # mm per second, capped so a short beep stays short
        t = 0.0
        for on, off in pattern:
            self.add(f'<rect x="{x + t * scale:.2f}" y="{y - 1.4:.2f}" width="{max(on * scale, 0.8):.2f}" '
                     f'height="2.8" rx="0.6" fill="{INK}"/>')
            t += on + off

    def render(self) -> str:
        body = "\n  ".join(self.parts)
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{W_MM:g}mm" height="{H_MM:g}mm" '
            f'viewBox="0 0 {W_MM:g} {H_MM:g}" font-family="{FONT}">\n'
            '  <title>WallHinge wall card: what the lights and sounds mean, and how to do the drill</title>\n'
            f'  <rect x="0" y="0" width="{W_MM:g}" height="{H_MM:g}" fill="#ffffff"/>\n  {body}\n</svg>\n'
        )


def draw() -> str:
    """The whole card as SVG text."""
    c = Card()
    m = 9.0  # margin
    c.add(f'<rect x="4" y="4" width="{W_MM - 8:g}" height="{H_MM - 8:g}" rx="4" fill="none" stroke="{GREY}" stroke-width="0.4"/>')
    c.text(m, 17, "WallHinge: the hip hinge wall", 6.6, "bold")
    c.text(m, 23.5, "Hips back to the wall, chest tall. Only good reps count.", 3.4, fill=SOFT)

    # ---- lights and sounds
    y = 33.0
    c.text(m, y, "What the light and the beep tell you", 4.4, "bold")
    y += 4.5
    c.text(m + 2, y, "Light", 2.6, fill=SOFT)
    c.text(m + 14, y, "Beeps (time →)", 2.6, fill=SOFT)
    c.text(MEAN_X, y, "Meaning", 2.6, fill=SOFT)
    c.text(CUE_X, y, "Try this", 2.6, fill=SOFT)
    y += 2.0
    row_h = 8.0
    rows = list(ROWS)
    for i, (colour, style, beep, meaning, cue) in enumerate(rows):
        yy = y + i * row_h + row_h / 2
        if i % 2 == 0:
            c.add(f'<rect x="{m - 2:g}" y="{yy - row_h / 2:.2f}" width="{W_MM - 2 * m + 4:g}" height="{row_h:g}" fill="#f4f6f8"/>')
        c.light(m + 5, yy, colour, style)
        c.rhythm(m + 14, yy, BEEPS[beep])
        c.wrapped(MEAN_X, yy + 1.0, meaning, 3.0, CUE_X - MEAN_X - 2, centre=True, weight="bold")
        c.wrapped(CUE_X, yy + 1.0, cue, 3.0, W_MM - m - CUE_X, centre=True)
    y += len(rows) * row_h + 2

    # ---- progress, target, fault
    y = c.wrapped(m, y + 2, "The bar of lights fills as you count good reps towards your target.", 3.1, W_MM - 2 * m)
    y += 3
    c.rhythm(m + 14, y, BEEPS["target"])
    c.add(f'<rect x="{m + 2:g}" y="{y - 3.5:.2f}" width="3" height="7" rx="0.6" fill="{GREEN}"/>')
    c.add(f'<rect x="{m + 6:g}" y="{y - 3.5:.2f}" width="3" height="7" rx="0.6" fill="{GREEN}" opacity="0.5"/>')
    c.wrapped(MEAN_X, y + 1.0, "Target reached: the set is done. Rest, then go again.", 3.0, W_MM - m - MEAN_X,
              centre=True, weight="bold")
    y += 8
    c.light(m + 5, y, AMBER, "slow")
    c.rhythm(m + 14, y, BEEPS["fault"])
    c.wrapped(MEAN_X, y + 1.0, "Slow amber blink: the station needs attention and is not counting. "
                               "Tell the staff, or see the manual.", 3.0, W_MM - m - MEAN_X, centre=True)
    y += 8
    y = c.wrapped(m, y, "The button: press it to finish your set. Touching the wall starts a new one.", 3.1, W_MM - 2 * m)
    y = c.wrapped(m, y + 0.5, "Single-light stations show amber as yellow, and blink blue when the camera could not "
                              "see you.", 2.7, W_MM - 2 * m, fill=SOFT)
    y += 1

    # ---- the drill
    c.add(f'<line x1="{m:g}" y1="{y:.2f}" x2="{W_MM - m:g}" y2="{y:.2f}" stroke="{GREY}" stroke-width="0.3"/>')
    y += 6.5
    c.text(m, y, "How to do the drill", 4.4, "bold")
    y += 5.5
    for n, step in enumerate(DRILL, start=1):
        c.add(f'<circle cx="{m + 2.6:g}" cy="{y - 1.1:.2f}" r="2.6" fill="{GREEN}"/>')
        c.text(m + 2.6, y, str(n), 2.9, "bold", "#ffffff", "middle")
        y = c.wrapped(m + 8, y, step, 3.2, W_MM - 2 * m - 8) + 1.0
    y += 1.0
    y = c.wrapped(m, y, "The camera works like a dowel along your back: it checks that your back stays long while your "
                    "hips do the work. Go at your own pace; if something does not feel right, ask your physio or coach.", 2.8, W_MM - 2 * m, fill=SOFT)
    last_baseline = y - 2.8 * 1.3
    if last_baseline > H_MM - 8:
        raise ValueError(f"wall card text runs to {last_baseline:.0f} mm, past the A5 frame: shorten the text")
    return c.render()


def main() -> int:
    """Rewrite hardware/wall-card.svg."""
    (HW / "wall-card.svg").write_text(draw(), encoding="utf-8")
    print("wrote hardware/wall-card.svg")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
