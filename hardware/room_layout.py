"""Draw hardware/room-layout.svg: where the wall unit, the athlete and the
camera go, to scale, with the distances from placement.py.

    python hardware/room_layout.py [--lens wide|standard|webcam90]

Three panels: a corner install (camera on the adjacent wall) and a floor
stand, both seen from above, and a side elevation showing the lens height and
the vertical field of view from floor to above the head.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from xml.sax.saxutils import escape

HW = Path(__file__).resolve().parent
sys.path.insert(0, str(HW))

import placement  # noqa: E402

FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
PX = 100.0  # pixels per metre
W, H = 1160, 450
LENS_CHOICES = {
    "wide": placement.CAMERA_MODULE_3_WIDE,
    "standard": placement.CAMERA_MODULE_3,
    "webcam90": placement.USB_WEBCAM_90,
}


def _t(x: float, y: float, s: str, size: float = 12, anchor: str = "start", weight: str = "normal",
       fill: str = "#111") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" font-weight="{weight}" '
            f'fill="{fill}">{escape(s)}</text>')


def _line(x1, y1, x2, y2, stroke="#222", w=1.5, dash: str | None = None) -> str:
    d = f' stroke-dasharray="{dash}"' if dash else ""
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}" stroke-width="{w}"{d}/>'


def _dim(x1, y1, x2, y2, label: str, offset: float = 0) -> list[str]:
    """A dimension line with arrows and a label at its middle."""
    out = [_line(x1, y1, x2, y2, "#1f4e9a", 1.2)]
    ang = math.atan2(y2 - y1, x2 - x1)
    for (x, y, a) in ((x1, y1, ang), (x2, y2, ang + math.pi)):
        p1 = (x + 8 * math.cos(a + 0.35), y + 8 * math.sin(a + 0.35))
        p2 = (x + 8 * math.cos(a - 0.35), y + 8 * math.sin(a - 0.35))
        out.append(f'<path d="M{x:.1f},{y:.1f} L{p1[0]:.1f},{p1[1]:.1f} L{p2[0]:.1f},{p2[1]:.1f} Z" fill="#1f4e9a"/>')
    out.append(_t((x1 + x2) / 2 + offset, (y1 + y2) / 2 - 5, label, 11, "middle", "bold", "#1f4e9a"))
    return out


def _wedge(cx, cy, axis_deg, half_deg, depth, fill="#f0a020", clip: str | None = None) -> str:
    """A field-of-view wedge from (cx, cy) reaching ``depth`` along its axis;
    axis angle in SVG degrees (0 = +x, 90 = down)."""
    length = depth / math.cos(math.radians(half_deg))
    a1, a2 = math.radians(axis_deg - half_deg), math.radians(axis_deg + half_deg)
    p1 = (cx + length * math.cos(a1), cy + length * math.sin(a1))
    p2 = (cx + length * math.cos(a2), cy + length * math.sin(a2))
    c = f' clip-path="url(#{clip})"' if clip else ""
    return (f'<path d="M{cx:.1f},{cy:.1f} L{p1[0]:.1f},{p1[1]:.1f} L{p2[0]:.1f},{p2[1]:.1f} Z" '
            f'fill="{fill}" fill-opacity="0.18" stroke="{fill}" stroke-width="1"{c}/>')


def _athlete_top(x_wall: float, y: float) -> list[str]:
    """Athlete from above: feet 0.3 m from the wall, hips at the wall at contact."""
    out = []
    # Feet
    for dy in (-0.1, 0.1):
        out.append(f'<ellipse cx="{x_wall + 0.42 * PX:.1f}" cy="{y + dy * PX:.1f}" rx="{0.13 * PX:.1f}" ry="{0.045 * PX:.1f}" '
                   f'fill="#bbb" stroke="#555"/>')
    # Body at hip contact: hips touching the wall, shoulders forward over the feet.
    out.append(f'<ellipse cx="{x_wall + 0.14 * PX:.1f}" cy="{y:.1f}" rx="{0.13 * PX:.1f}" ry="{0.19 * PX:.1f}" fill="#6c8ebf" '
               f'fill-opacity="0.8" stroke="#2b4c7e"/>')
    out.append(f'<ellipse cx="{x_wall + 0.55 * PX:.1f}" cy="{y:.1f}" rx="{0.12 * PX:.1f}" ry="{0.23 * PX:.1f}" fill="#6c8ebf" '
               f'fill-opacity="0.5" stroke="#2b4c7e"/>')
    out.append(f'<circle cx="{x_wall + 0.80 * PX:.1f}" cy="{y:.1f}" r="{0.1 * PX:.1f}" fill="#6c8ebf" fill-opacity="0.5" stroke="#2b4c7e"/>')
    out.append(_t(x_wall + 0.95 * PX, y + 4, "athlete, hips at the wall", 10, fill="#2b4c7e"))
    return out


def athlete_y_of(y0: float) -> float:
    """Where the athlete stands in a top-view panel whose title is at ``y0``."""
    return y0 + 90


def _top_panel(x0: float, y0: float, title: str, d: float, hfov: float, zone: placement.Zone, stand: bool) -> list[str]:
    out = [_t(x0, y0, title, 14, weight="bold")]
    wall_x = x0 + 30
    clip = f"room{int(x0)}"
    bottom = athlete_y_of(y0) + d * PX + (30 if stand else 0)
    out.append(f'<clipPath id="{clip}"><rect x="{wall_x:.1f}" y="{y0 + 20:.1f}" width="{3.2 * PX:.1f}" '
               f'height="{bottom - y0 - 20:.1f}"/></clipPath>')
    athlete_y = athlete_y_of(y0)
    cam_y = athlete_y + d * PX
    cam_x = wall_x + zone.x_centre * PX
    # Target wall (hatched side is the wall)
    out.append(f'<rect x="{wall_x - 12:.1f}" y="{y0 + 20:.1f}" width="12" height="{cam_y - y0 + 10:.1f}" fill="#ddd" stroke="#888"/>')
    out.append(_t(wall_x - 14, y0 + 16, "target wall", 11))
    if not stand:
        out.append(f'<rect x="{wall_x - 12:.1f}" y="{cam_y:.1f}" width="{2.0 * PX:.1f}" height="12" fill="#ddd" stroke="#888"/>')
        out.append(_t(wall_x + 1.9 * PX, cam_y + 28, "adjacent wall", 11, "end"))
    # Field of view, pointing at the athlete (up the page)
    out.append(_wedge(cam_x, cam_y, -90, hfov / 2, (d + 0.3) * PX, clip=clip))
    # The same camera turned 20 degrees towards the wall, moved so it still aims at the athlete.
    yaw = math.radians(20)
    yx, yy = cam_x + d * PX * math.sin(yaw), athlete_y + d * PX * math.cos(yaw)
    out.append(_wedge(yx, yy, -90 - 20, hfov / 2, (d + 0.3) * PX, fill="#888888", clip=clip))
    out.append(f'<rect x="{yx - 6:.1f}" y="{yy - 6:.1f}" width="12" height="9" fill="#888" transform="rotate(-20 {yx:.1f} {yy:.1f})"/>')
    out.append(_t(yx + 10, yy - 6, "turned 20°", 10, fill="#555"))
    # Wall unit at hip height on the target wall
    out.append(f'<rect x="{wall_x:.1f}" y="{athlete_y - 0.07 * PX:.1f}" width="{0.047 * PX:.1f}" height="{0.14 * PX:.1f}" fill="#2a6fb0"/>')
    out.append(_t(wall_x - 14, athlete_y - 0.3 * PX, "wall unit", 10, fill="#2a6fb0"))
    out += _athlete_top(wall_x, athlete_y)
    # Camera
    if stand:
        for a in (90, 210, 330):
            out.append(_line(cam_x, cam_y, cam_x + 14 * math.cos(math.radians(a)), cam_y + 14 * math.sin(math.radians(a)), "#444", 2))
    out.append(f'<rect x="{cam_x - 7:.1f}" y="{cam_y - 7:.1f}" width="14" height="10" fill="#222"/>')
    out.append(_t(cam_x + 12, cam_y + (30 if stand else -8), "camera on a floor stand" if stand else "camera", 11, weight="bold"))
    # Dimensions
    out += _dim(cam_x + 1.45 * PX, cam_y, cam_x + 1.45 * PX, athlete_y, f"{d:.1f} m", offset=-24)
    out.append(_line(wall_x + 1.0 * PX, athlete_y, cam_x + 1.5 * PX, athlete_y, "#1f4e9a", 0.8, "3 3"))
    out += _dim(wall_x, athlete_y + 0.45 * PX, wall_x + zone.x_centre * PX, athlete_y + 0.45 * PX, f"{zone.x_centre:.2f} m")
    out.append(_line(cam_x, athlete_y + 0.4 * PX, cam_x, cam_y - 0.1 * PX, "#1f4e9a", 0.8, "3 3"))
    return out


def _side_panel(x0: float, y0: float, d: float, vfov: float, lens_h: float, zone: placement.Zone) -> list[str]:
    out = [_t(x0, y0, "Side elevation: lens height and vertical view", 14, weight="bold")]
    s = 0.75 * PX  # this panel is drawn smaller
    floor_y = y0 + 40 + 2.3 * s
    cam_x = x0 + 30
    ath_x = cam_x + d * s
    out.append(_line(x0, floor_y, x0 + (d + 0.9) * s + 30, floor_y, "#888", 2))
    out.append(_t(x0 + (d + 0.9) * s + 28, floor_y + 16, "floor", 10, "end", fill="#888"))
    cam_y = floor_y - lens_h * s
    out.append(f'<clipPath id="abovefloor"><rect x="{x0:.1f}" y="{y0 + 10:.1f}" width="{(d + 1) * s + 40:.1f}" '
               f'height="{floor_y - y0 - 10:.1f}"/></clipPath>')
    out.append(_wedge(cam_x, cam_y, 0, vfov / 2, (d + 0.4) * s, clip="abovefloor"))
    out.append(_line(cam_x, floor_y, cam_x, cam_y, "#444", 2))
    out.append(f'<rect x="{cam_x - 7:.1f}" y="{cam_y - 6:.1f}" width="14" height="12" fill="#222"/>')
    out += _dim(cam_x - 18, floor_y, cam_x - 18, cam_y, f"{lens_h:.2f} m", offset=-24)
    # Athlete, standing, side view, to scale
    st = zone.stature_m
    head_r = 0.11 * st * s
    out.append(f'<circle cx="{ath_x:.1f}" cy="{floor_y - (st - 0.11 * st) * s:.1f}" r="{head_r:.1f}" fill="#6c8ebf" stroke="#2b4c7e"/>')
    out.append(f'<rect x="{ath_x - 0.08 * s:.1f}" y="{floor_y - 0.82 * st * s:.1f}" width="{0.16 * s:.1f}" '
               f'height="{(0.82 - 0.47) * st * s:.1f}" rx="4" fill="#6c8ebf" stroke="#2b4c7e"/>')
    out.append(_line(ath_x, floor_y - 0.5 * st * s, ath_x, floor_y, "#2b4c7e", 6))
    out.append(_t(ath_x + 22, floor_y - 0.7 * st * s, f"athlete {st:.2f} m", 10, fill="#2b4c7e"))
    # Sensor height mark
    hip = placement.sensor_height(st)
    out.append(_line(ath_x - 20, floor_y - hip * s, ath_x + 40, floor_y - hip * s, "#2a6fb0", 1.2, "4 3"))
    out.append(_t(ath_x + 44, floor_y - hip * s + 4, f"sensor {hip:.2f} m (0.53 × stature)", 10, fill="#2a6fb0"))
    # Margins
    top = floor_y - (st + zone.head_margin_m) * s
    out.append(_line(ath_x - 30, top, ath_x + 30, top, "#f0a020", 1, "2 2"))
    out.append(_t(ath_x + 34, top + 4, f"+{zone.head_margin_m * 100:.0f} cm", 10, fill="#b07010"))
    out += _dim(cam_x, floor_y + 22, ath_x, floor_y + 22, f"{d:.1f} m")
    out.append(_t(x0, floor_y + 52, "Keep the camera level: a tilted camera leans every vertical line", 10, fill="#444"))
    out.append(_t(x0, floor_y + 66, "and biases trunk inclination. Raise or lower it instead.", 10, fill="#444"))
    return out


def draw(lens: placement.Lens, aspect: float = 4 / 3, stature_m: float = 1.95) -> str:
    """The room layout figure as SVG text, to scale, for one lens."""
    zone = placement.Zone(stature_m=stature_m)
    lens_h = placement.best_lens_height(stature_m, zone)
    d = math.ceil(max(placement.min_distance(lens, aspect, zone, lens_h, 0.0),
                      placement.min_distance(lens, aspect, zone, lens_h, 20.0)) * 10) / 10
    hfov, vfov = lens.fov_for(aspect)
    parts = [_t(24, 32, f"WallHinge room layout: {lens.name}, {aspect * 3:.0f}:3 picture, athlete up to "
                        f"{stature_m:.2f} m (to scale, 1 m = 100 px in the top views)", 16, weight="bold")]
    parts += _top_panel(24, 70, "A. Corner install (top view)", d, hfov, zone, stand=False)
    parts += _top_panel(400, 70, "B. Floor stand (top view)", d, hfov, zone, stand=True)
    parts += _side_panel(770, 70, d, vfov, lens_h, zone)
    parts.append(_t(24, H - 14, "Orange: the camera's view square-on; grey: the same camera turned 20° still covers "
                                "the athlete. Distances from hardware/placement.py.", 11, fill="#444"))
    body = "\n  ".join(parts)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="{FONT}">\n'
        f'  <title>WallHinge room layout ({escape(lens.name)})</title>\n'
        f'  <rect x="0" y="0" width="{W}" height="{H}" fill="#ffffff"/>\n  {body}\n</svg>\n'
    )


def main(argv: list[str] | None = None) -> int:
    """Rewrite hardware/room-layout.svg."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lens", choices=sorted(LENS_CHOICES), default="wide")
    args = ap.parse_args(argv)
    (HW / "room-layout.svg").write_text(draw(LENS_CHOICES[args.lens]), encoding="utf-8")
    print("wrote hardware/room-layout.svg")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
