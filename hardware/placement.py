"""Camera and sensor placement arithmetic for the WallHinge station.

Run it to print the placement tables that hardware/MOUNTING.md quotes::

    python hardware/placement.py            # Markdown tables
    python hardware/placement.py --stature 1.80 --yaw 20

The model is a plain pinhole camera (no lens distortion), held level (no
tilt), its optical axis aimed at the middle of the working zone. The working
zone is a box around the athlete in the room's coordinates:

* X: metres out from the target wall (the wall is the plane X = 0). The
  zone runs from a little behind the wall line (so the wall edge is in the
  picture with margin) to the furthest the head and medicine ball reach at
  a deep hinge (about half the stature in front of the wall).
* Y: across the body, towards the camera. The near shoulder sits about a
  quarter metre nearer to the lens than the body's mid-plane.
* Z: height above the floor, from just below the feet (heel lift is judged
  at the floor line) to just above the head of a tall-standing athlete.

A placement fits when every corner of that box projects inside the frame.
The closest fitting distance comes from bisection, so yaw, lens height and
aspect ratio are handled by the same arithmetic instead of special cases.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass

#: Hip (greater trochanter) height as a fraction of stature; anthropometric mean.
HIP_FRACTION = 0.53


@dataclass(frozen=True)
class Lens:
    """A camera's field of view on its full sensor, in degrees.

    ``hfov_deg``/``vfov_deg`` are for the sensor's native aspect ratio
    ``native_aspect`` (width / height).
    """

    name: str
    hfov_deg: float
    vfov_deg: float
    native_aspect: float

    @classmethod
    def from_diagonal(cls, name: str, dfov_deg: float, native_aspect: float) -> "Lens":
        """A lens known only by its diagonal field of view (how webcams are sold)."""
        t = math.tan(math.radians(dfov_deg) / 2)
        diag = math.hypot(native_aspect, 1.0)
        h = 2 * math.degrees(math.atan(t * native_aspect / diag))
        v = 2 * math.degrees(math.atan(t * 1.0 / diag))
        return cls(name, h, v, native_aspect)

    def fov_for(self, aspect: float) -> tuple[float, float]:
        """Horizontal and vertical FOV (deg) of an output with this width/height ratio.

        An output narrower than the sensor (4:3 from a 16:9 sensor) is a
        centre crop that keeps the full height, as libcamera and most UVC
        webcams do; a wider output keeps the full width.
        """
        th = math.tan(math.radians(self.hfov_deg) / 2)
        tv = math.tan(math.radians(self.vfov_deg) / 2)
        if aspect < self.native_aspect:
            th = tv * aspect * self._pixel_ratio()
        else:
            tv = th / (aspect * self._pixel_ratio())
        return 2 * math.degrees(math.atan(th)), 2 * math.degrees(math.atan(tv))

    def _pixel_ratio(self) -> float:
        # tan(h/2) / tan(v/2) equals the aspect for square pixels; dividing keeps
        # the arithmetic right if a datasheet's FOV pair is slightly inconsistent.
        th = math.tan(math.radians(self.hfov_deg) / 2)
        tv = math.tan(math.radians(self.vfov_deg) / 2)
        return (th / tv) / self.native_aspect


#: Lenses named in hardware/BOM.md. Camera Module 3 figures are Raspberry Pi's
#: datasheet values for the full 16:9 IMX708 sensor.
CAMERA_MODULE_3 = Lens("Camera Module 3 (standard)", 66.0, 41.0, 16 / 9)
CAMERA_MODULE_3_WIDE = Lens("Camera Module 3 Wide", 102.0, 67.0, 16 / 9)
USB_WEBCAM_70 = Lens.from_diagonal("USB webcam, 70 deg diagonal, 16:9 sensor", 70.0, 16 / 9)
USB_WEBCAM_90 = Lens.from_diagonal("USB webcam, 90 deg diagonal, 16:9 sensor", 90.0, 16 / 9)
LENSES = (CAMERA_MODULE_3, CAMERA_MODULE_3_WIDE, USB_WEBCAM_70, USB_WEBCAM_90)


@dataclass(frozen=True)
class Zone:
    """The box the athlete moves in, for one stature (metres; see module doc)."""

    stature_m: float = 1.95
    behind_wall_m: float = 0.10
    front_reach_fraction: float = 0.50
    front_margin_m: float = 0.10
    near_side_m: float = 0.25
    far_side_m: float = 0.25
    floor_margin_m: float = 0.10
    head_margin_m: float = 0.10

    def corners(self) -> list[tuple[float, float, float]]:
        """The eight corners of the zone as (X, Y, Z) room coordinates."""
        xs = (-self.behind_wall_m, self.stature_m * self.front_reach_fraction + self.front_margin_m)
        ys = (-self.near_side_m, self.far_side_m)
        zs = (-self.floor_margin_m, self.stature_m + self.head_margin_m)
        return [(x, y, z) for x in xs for y in ys for z in zs]

    @property
    def x_centre(self) -> float:
        """Where along X the optical axis aims: the middle of the zone."""
        return (-self.behind_wall_m + self.stature_m * self.front_reach_fraction + self.front_margin_m) / 2


@dataclass(frozen=True)
class Placement:
    """Where the camera stands: ``distance_m`` from the lens to the athlete's
    mid-plane along the optical axis, lens height, yaw off perpendicular."""

    distance_m: float
    lens_height_m: float
    yaw_deg: float = 0.0


def _project(point: tuple[float, float, float], zone: Zone, placement: Placement) -> tuple[float, float]:
    """Normalised image coordinates (tan of the angle off axis) of a room point."""
    yaw = math.radians(placement.yaw_deg)
    fwd = (math.sin(yaw), math.cos(yaw))
    right = (math.cos(yaw), -math.sin(yaw))
    # The lens sits distance_m back from the aim point along the optical axis;
    # Y grows away from the camera, so "back" is -fwd.
    cx = zone.x_centre - placement.distance_m * fwd[0]
    cy = 0.0 - placement.distance_m * fwd[1]
    vx, vy, vz = point[0] - cx, point[1] - cy, point[2] - placement.lens_height_m
    depth = vx * fwd[0] + vy * fwd[1]
    if depth <= 0:
        return math.inf, math.inf
    return (vx * right[0] + vy * right[1]) / depth, vz / depth


def fits(lens: Lens, aspect: float, zone: Zone, placement: Placement) -> bool:
    """True when the whole zone is inside the frame of ``lens`` at ``aspect``."""
    hfov, vfov = lens.fov_for(aspect)
    th, tv = math.tan(math.radians(hfov) / 2), math.tan(math.radians(vfov) / 2)
    for p in zone.corners():
        u, v = _project(p, zone, placement)
        if abs(u) > th or abs(v) > tv:
            return False
    return True


def min_distance(lens: Lens, aspect: float, zone: Zone, lens_height_m: float, yaw_deg: float = 0.0) -> float:
    """Smallest lens-to-athlete distance (m, to 1 mm) at which the zone fits.

    Raises ValueError if nothing up to 20 m fits (a lens height outside the
    zone's span cannot be rescued by distance with a level camera).
    """
    lo, hi = 0.05, 20.0
    if not fits(lens, aspect, zone, Placement(hi, lens_height_m, yaw_deg)):
        raise ValueError(f"{lens.name}: zone does not fit even at {hi} m; check lens height {lens_height_m} m")
    while hi - lo > 0.001:
        mid = (lo + hi) / 2
        if fits(lens, aspect, zone, Placement(mid, lens_height_m, yaw_deg)):
            hi = mid
        else:
            lo = mid
    return hi


def person_height_px(lens: Lens, aspect: float, rows: int, stature_m: float, placement: Placement, zone: Zone) -> float:
    """How many image rows a tall-standing athlete of ``stature_m`` spans (mid-plane, at the wall)."""
    _, vfov = lens.fov_for(aspect)
    tv = math.tan(math.radians(vfov) / 2)
    x = 0.15  # a standing athlete's mid-plane is just in front of the wall
    _, top = _project((x, 0.0, stature_m), zone, placement)
    _, bottom = _project((x, 0.0, 0.0), zone, placement)
    return (top - bottom) / (2 * tv) * rows


def best_lens_height(stature_m: float, zone: Zone | None = None) -> float:
    """Lens height that needs the least distance with a level camera: the
    middle of the zone's height span, which is about hip height (docs/DOMAIN.md)."""
    z = zone or Zone(stature_m=stature_m)
    return (-z.floor_margin_m + stature_m + z.head_margin_m) / 2


def sensor_height(stature_m: float) -> float:
    """Hip-contact sensor (or pad centre) height above the floor for one athlete, m."""
    if not 1.0 <= stature_m <= 2.3:
        raise ValueError(f"stature {stature_m} m is outside 1.0-2.3 m; give it in metres, e.g. 1.75")
    return HIP_FRACTION * stature_m


def max_stature(lens: Lens, aspect: float, distance_m: float, yaw_deg: float = 20.0) -> float:
    """Tallest athlete (m, to 1 cm) who fits at ``distance_m`` with the lens at that
    athlete's best height, square-on and at ``yaw_deg``. 0.0 if nobody from 1.0 m fits."""

    def ok(stature: float) -> bool:
        z = Zone(stature_m=stature)
        lh = best_lens_height(stature, z)
        return all(fits(lens, aspect, z, Placement(distance_m, lh, y)) for y in (0.0, yaw_deg))

    lo, hi = 1.0, 2.3
    if not ok(lo):
        return 0.0
    if ok(hi):
        return hi
    while hi - lo > 0.005:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if ok(mid) else (lo, mid)
    return math.floor(lo * 100) / 100


def placement_table(stature_m: float = 1.95, lens_height_m: float | None = None, yaw_deg: float = 20.0) -> list[dict]:
    """One row per lens and aspect: minimum distance square-on and at ``yaw_deg``,
    and how tall the athlete appears at the recommended distance."""
    zone = Zone(stature_m=stature_m)
    lh = best_lens_height(stature_m, zone) if lens_height_m is None else lens_height_m
    rows = []
    for lens in LENSES:
        for label, aspect, px_rows in (("4:3 (640x480)", 4 / 3, 480), ("16:9 (1280x720)", 16 / 9, 720)):
            d0 = min_distance(lens, aspect, zone, lh, 0.0)
            dy = min_distance(lens, aspect, zone, lh, yaw_deg)
            rec = math.ceil(max(d0, dy) * 10) / 10  # recommended: fits square-on and yawed
            hfov, vfov = lens.fov_for(aspect)
            rows.append(
                {
                    "lens": lens.name,
                    "output": label,
                    "hfov_deg": hfov,
                    "vfov_deg": vfov,
                    "min_m": d0,
                    "min_yaw_m": dy,
                    "recommended_m": rec,
                    "person_px": person_height_px(lens, aspect, px_rows, stature_m, Placement(rec, lh, 0.0), zone),
                    "rows": px_rows,
                    "in_range": rec <= 3.0,
                }
            )
    return rows


def _stature_cell(s: float) -> str:
    if s <= 0:
        return "under 1.00 m"
    return f"{s:.2f} m or more" if s >= 2.3 else f"{s:.2f} m"


def _markdown(stature_m: float, yaw_deg: float, lens_height_m: float | None) -> str:
    zone = Zone(stature_m=stature_m)
    lh = best_lens_height(stature_m, zone) if lens_height_m is None else lens_height_m
    out = [
        f"Athlete stature {stature_m:.2f} m, level lens at {lh:.2f} m, margins {zone.floor_margin_m:.2f} m "
        f"below the feet and above the head, zone {-zone.behind_wall_m:.2f} to "
        f"{stature_m * zone.front_reach_fraction + zone.front_margin_m:.2f} m out from the wall.",
        "",
        f"| Camera | Output | H x V FOV (deg) | Min distance square-on (m) | Min distance at {yaw_deg:.0f} deg yaw (m) "
        "| Recommended (m) | Athlete height in picture | Within 1.5-3 m? |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in placement_table(stature_m, lens_height_m, yaw_deg):
        out.append(
            f"| {r['lens']} | {r['output']} | {r['hfov_deg']:.0f} x {r['vfov_deg']:.0f} | {r['min_m']:.2f} "
            f"| {r['min_yaw_m']:.2f} | {r['recommended_m']:.1f} | {r['person_px']:.0f} of {r['rows']} px "
            f"| {'yes' if r['in_range'] else 'NO: too far'} |"
        )
    out += ["", f"Tallest athlete who fits (head to feet, with margins, square-on and at {yaw_deg:.0f} deg yaw), 4:3 picture:",
            "", "| Camera | at 2.0 m | at 2.5 m | at 3.0 m |", "|---|---|---|---|"]
    for lens in LENSES:
        cells = " | ".join(_stature_cell(max_stature(lens, 4 / 3, d, yaw_deg)) for d in (2.0, 2.5, 3.0))
        out.append(f"| {lens.name} | {cells} |")
    out += ["", "| Stature (m) | Hip-contact sensor / pad centre height (m) |", "|---|---|"]
    for s in (1.50, 1.60, 1.70, 1.80, 1.90, 1.95):
        out.append(f"| {s:.2f} | {sensor_height(s):.2f} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Print the placement tables as Markdown."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stature", type=float, default=1.95, help="tallest athlete in metres (default 1.95)")
    ap.add_argument("--yaw", type=float, default=20.0, help="yaw off perpendicular to allow for, degrees (default 20)")
    ap.add_argument("--lens-height", type=float, default=None, help="lens height in metres (default: best for the stature)")
    args = ap.parse_args(argv)
    if not 1.0 <= args.stature <= 2.3:
        ap.error(f"--stature {args.stature} is outside 1.0-2.3; give metres, e.g. 1.80")
    if not 0.0 <= args.yaw <= 45.0:
        ap.error(f"--yaw {args.yaw} is outside 0-45 degrees")
    try:
        print(_markdown(args.stature, args.yaw, args.lens_height))
    except ValueError as e:
        ap.error(str(e))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
