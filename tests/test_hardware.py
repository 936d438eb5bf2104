"""hardware/ must agree with the software: pin table vs config defaults,
header map, wiring diagrams, placement arithmetic, printable models.

The standard 40-pin header map below is written out independently of
hardware/pins.csv on purpose: a typo in either shows up as a mismatch.
"""

from __future__ import annotations

import csv
import importlib.util
import math
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from device.config import Config

ROOT = Path(__file__).resolve().parents[1]
HW = ROOT / "hardware"

# Raspberry Pi 40-pin header (all models with 40 pins: Pi 2 B .. Pi 5, Zero 2 W).
BCM_TO_HEADER = {
    2: 3, 3: 5, 4: 7, 17: 11, 27: 13, 22: 15, 10: 19, 9: 21, 11: 23, 0: 27, 5: 29, 6: 31,
    13: 33, 19: 35, 26: 37, 14: 8, 15: 10, 18: 12, 23: 16, 24: 18, 25: 22, 8: 24, 7: 26,
    1: 28, 12: 32, 16: 36, 20: 38, 21: 40,
}
POWER_HEADER = {"power 5V": {2, 4}, "power 3V3": {1, 17}, "ground": {6, 9, 14, 20, 25, 30, 34, 39}}
COLUMNS = ["function", "config_key", "bcm_gpio", "header_pin", "direction", "sensor_option", "notes"]
SENSOR_OPTIONS = {"all", "hcsr04", "vl53l1x", "digital"}
SVG_FOR_OPTION = {"hcsr04": "wiring-hcsr04.svg", "vl53l1x": "wiring-vl53l1x.svg", "digital": "wiring-switch.svg"}


def _rows() -> list[dict[str, str]]:
    with open(HW / "pins.csv", newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        assert header == COLUMNS, f"pins.csv header is {header}, expected {COLUMNS}"
        rows = []
        for n, raw in enumerate(reader, start=2):
            assert len(raw) == len(COLUMNS), f"pins.csv line {n} has {len(raw)} fields (a stray comma in notes?)"
            rows.append(dict(zip(COLUMNS, raw)))
    return rows


def _gpio_rows() -> list[dict[str, str]]:
    return [r for r in _rows() if r["bcm_gpio"]]


def _config_pin(cfg: Config, key: str, function: str) -> int:
    """The BCM pin that config key names in the default config."""
    if key == "sensor.i2c_bus":
        # The I2C pins are fixed by the bus number, not configurable.
        assert cfg.sensor.i2c_bus == 1, "pins.csv documents I2C bus 1 (GPIO2/GPIO3)"
        return 2 if "SDA" in function else 3
    obj: object = cfg
    for part in key.split("."):
        m = re.fullmatch(r"(\w+)\[(\d+)\]", part)
        obj = getattr(obj, m.group(1))[int(m.group(2))] if m else getattr(obj, part)
    assert isinstance(obj, int), f"{key} is not a pin number"
    return obj


def _load_placement():
    spec = importlib.util.spec_from_file_location("wallhinge_placement", HW / "placement.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look the module up by name
    spec.loader.exec_module(mod)
    return mod


placement = _load_placement()


# ---------------------------------------------------------------- pin table


def test_every_gpio_row_matches_the_default_config():
    cfg = Config()
    for r in _gpio_rows():
        assert r["config_key"], f"{r['function']}: GPIO row without a config key"
        assert int(r["bcm_gpio"]) == _config_pin(cfg, r["config_key"], r["function"]), (
            f"{r['function']}: pins.csv says GPIO{r['bcm_gpio']}, config default {r['config_key']} differs"
        )


def test_every_default_config_pin_is_in_the_table():
    cfg = Config()
    keys = {r["config_key"] for r in _gpio_rows()}
    expected = {"leds.good_pin", "leds.rounded_pin", "leds.fault_pin", "buzzer.pin", "button.pin",
                "sensor.trigger_pin", "sensor.echo_pin", "sensor.input_pin", "sensor.i2c_bus",
                "view_light.red_pin", "view_light.green_pin", "view_light.blue_pin"}
    expected |= {f"leds.bargraph_pins[{i}]" for i in range(len(cfg.leds.bargraph_pins))}
    assert expected <= keys, f"missing from pins.csv: {sorted(expected - keys)}"


def test_header_pins_follow_the_40_pin_map():
    for r in _rows():
        hp = int(r["header_pin"])
        if r["bcm_gpio"]:
            bcm = int(r["bcm_gpio"])
            assert BCM_TO_HEADER[bcm] == hp, f"{r['function']}: GPIO{bcm} is header pin {BCM_TO_HEADER[bcm]}, not {hp}"
        else:
            assert r["direction"] in POWER_HEADER, f"{r['function']}: a row without a GPIO must be power or ground"
            assert hp in POWER_HEADER[r["direction"]], f"{r['function']}: header pin {hp} is not {r['direction']}"


def test_no_pin_is_used_twice():
    rows = _rows()
    bcm = [r["bcm_gpio"] for r in rows if r["bcm_gpio"]]
    header = [r["header_pin"] for r in rows]
    assert len(bcm) == len(set(bcm)), f"a GPIO appears twice: {sorted(b for b in bcm if bcm.count(b) > 1)}"
    assert len(header) == len(set(header)), f"a header pin appears twice: {sorted(h for h in header if header.count(h) > 1)}"


def test_wiring_doc_table_agrees_with_pins_csv():
    table = [l for l in (HW / "WIRING.md").read_text(encoding="utf-8").splitlines() if l.startswith("| ")]
    for r in _gpio_rows():
        key = r["config_key"].split("[")[0]
        tag = "SDA" if "SDA" in r["function"] else "SCL" if "SCL" in r["function"] else ""
        lines = [l for l in table if f"`{key}" in l and tag in l]
        assert lines, f"WIRING.md's pin table has no row for {r['config_key']} {tag}"
        cells = [c.strip() for c in lines[0].strip("|").split("|")]
        gpios, headers = re.findall(r"\d+", cells[2]), re.findall(r"\d+", cells[3])
        i = gpios.index(r["bcm_gpio"]) if r["bcm_gpio"] in gpios else None
        assert i is not None, f"WIRING.md: {r['config_key']} should be GPIO{r['bcm_gpio']}"
        assert headers[i] == r["header_pin"], f"WIRING.md: GPIO{r['bcm_gpio']} should be header pin {r['header_pin']}"


def test_options_and_directions_are_known():
    for r in _rows():
        assert r["sensor_option"] in SENSOR_OPTIONS, f"{r['function']}: unknown sensor_option {r['sensor_option']!r}"
        assert r["direction"] in {"output", "input", "input pull-up", "i2c", *POWER_HEADER}, r["function"]


def test_pull_ups_in_the_table_match_the_config():
    cfg = Config()
    by_key = {r["config_key"]: r for r in _gpio_rows()}
    assert (by_key["sensor.input_pin"]["direction"] == "input pull-up") == cfg.sensor.input_pull_up
    assert by_key["button.pin"]["direction"] == "input pull-up"


# ------------------------------------------------------------- wiring SVGs


def _svg_text(name: str) -> str:
    path = HW / name
    root = ET.parse(path).getroot()  # raises on malformed XML
    assert root.tag.endswith("svg"), f"{name}: root element is {root.tag}, not svg"
    return " ".join(t.strip() for t in root.itertext())


@pytest.mark.parametrize("option", sorted(SVG_FOR_OPTION))
def test_wiring_svg_names_every_pin_of_its_build(option):
    text = _svg_text(SVG_FOR_OPTION[option])
    for r in _rows():
        if r["sensor_option"] not in ("all", option) or not r["bcm_gpio"]:
            continue
        assert re.search(rf"\bGPIO{r['bcm_gpio']}\b", text), (
            f"{SVG_FOR_OPTION[option]} does not show GPIO{r['bcm_gpio']} ({r['function']})"
        )
        assert re.search(rf"\bpin {r['header_pin']}\b", text), (
            f"{SVG_FOR_OPTION[option]} does not show header pin {r['header_pin']} for GPIO{r['bcm_gpio']}"
        )
    for r in _rows():
        # Another build's sensor pin on this diagram would send a builder to the wrong pin.
        if r["sensor_option"] not in ("all", option) and r["bcm_gpio"]:
            assert not re.search(rf"\bGPIO{r['bcm_gpio']}\b", text), f"{SVG_FOR_OPTION[option]} shows GPIO{r['bcm_gpio']}"


@pytest.mark.parametrize("name", ["room-layout.svg", "wall-card.svg"])
def test_other_svgs_are_well_formed(name):
    assert _svg_text(name).strip()


def test_wall_card_is_a5_and_explains_every_verdict():
    root = ET.parse(HW / "wall-card.svg").getroot()
    assert root.get("width") == "148mm" and root.get("height") == "210mm", "the wall card must print at A5"
    text = _svg_text("wall-card.svg").lower()
    for words in ("hips back", "chest tall", "reach the wall", "soft knees", "feet flat", "slow down",
                  "step into view", "target"):
        assert words in text, f"wall card does not say {words!r}"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"wallhinge_{name}", HW / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("option", sorted(SVG_FOR_OPTION))
def test_wiring_svgs_are_regenerated_from_the_pin_table(option):
    wiring = _load("wiring_diagrams")
    assert (HW / SVG_FOR_OPTION[option]).read_text(encoding="utf-8") == wiring.draw(option), (
        f"{SVG_FOR_OPTION[option]} is stale: run python hardware/wiring_diagrams.py"
    )


def test_wall_card_shows_the_beeps_the_buzzer_plays():
    # The card draws device.io.gpio.BEEPS; a changed pattern must not leave a stale card on the wall.
    card = _load("wall_card")
    assert (HW / "wall-card.svg").read_text(encoding="utf-8") == card.draw(), (
        "wall-card.svg is stale: run python hardware/wall_card.py"
    )


def test_wall_card_draws_every_verdict_rhythm_differently():
    card = _load("wall_card")
    from device.io.gpio import BEEPS
    shown = [row[2] for row in card.ROWS]
    assert {v.value for v in card.Verdict} <= set(shown), "a verdict is missing from the wall card"
    audible = [BEEPS[k] for k in shown if BEEPS[k]]
    assert len(set(audible)) == len(audible), "two verdicts share a beep rhythm: nobody can tell them apart"


def test_room_layout_is_regenerated_from_placement():
    layout = _load("room_layout")
    assert (HW / "room-layout.svg").read_text(encoding="utf-8") == layout.draw(placement.CAMERA_MODULE_3_WIDE), (
        "room-layout.svg is stale: run python hardware/room_layout.py"
    )


def _bom_builds() -> dict[str, list[list[str]]]:
    """Each '## Build' section's table rows (cells stripped), from BOM.md."""
    builds: dict[str, list[list[str]]] = {}
    current = None
    for line in (HW / "BOM.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            current = line[3:] if line.startswith("## Build") else None
            if current:
                builds[current] = []
        elif current and line.startswith("|") and not line.startswith("|---") and not line.startswith("| Part"):
            builds[current].append([c.strip().strip("*") for c in line.strip().strip("|").split("|")])
    return builds


def test_bom_lines_and_totals_add_up():
    builds = _bom_builds()
    assert len(builds) == 3, f"BOM.md should have three builds, found {list(builds)}"
    for name, rows in builds.items():
        *parts, total = rows
        assert total[0] == "Total", f"{name}: last row must be the total"
        for r in parts:
            qty, unit, line = int(r[2]), float(r[3]), float(r[4])
            assert line == pytest.approx(qty * unit), f"{name}: {r[0]} {r[1]}: {qty} x {unit} != {line}"
        assert float(total[4]) == pytest.approx(sum(float(r[4]) for r in parts)), f"{name}: total does not add up"


def test_bom_resistor_counts_match_the_wiring():
    # One 330 Ohm per separate LED and bar segment: 3 + 8 in the separate-LED builds.
    cfg = Config()
    n_leds = 3 + len(cfg.leds.bargraph_pins)
    for name, rows in _bom_builds().items():
        if "home" in name:
            continue
        r330 = [r for r in rows if r[0] == "Resistors" and "330" in r[1]]
        assert r330 and int(r330[0][2]) == n_leds, f"{name}: needs {n_leds} x 330 Ohm"


# ------------------------------------------------------------ placement


def test_diagonal_fov_splits_by_aspect():
    lens = placement.Lens.from_diagonal("x", 70.0, 16 / 9)
    th, tv = (math.tan(math.radians(a) / 2) for a in (lens.hfov_deg, lens.vfov_deg))
    assert th / tv == pytest.approx(16 / 9)
    assert math.hypot(th, tv) == pytest.approx(math.tan(math.radians(35)))


def test_4_3_output_from_16_9_sensor_keeps_the_height():
    h43, v43 = placement.CAMERA_MODULE_3_WIDE.fov_for(4 / 3)
    h169, v169 = placement.CAMERA_MODULE_3_WIDE.fov_for(16 / 9)
    assert v43 == pytest.approx(67.0, abs=0.01) and v169 == pytest.approx(67.0, abs=0.01)
    assert h169 == pytest.approx(102.0, abs=0.5)
    assert h43 < h169


def test_min_distance_is_the_boundary_of_fitting():
    zone = placement.Zone(stature_m=1.95)
    for lens in placement.LENSES:
        d = placement.min_distance(lens, 4 / 3, zone, 0.975, 20.0)
        assert placement.fits(lens, 4 / 3, zone, placement.Placement(d, 0.975, 20.0))
        assert not placement.fits(lens, 4 / 3, zone, placement.Placement(d - 0.01, 0.975, 20.0))


def test_min_distance_matches_closed_form_for_a_flat_zone():
    # A flat zone square-on, lens at mid-height: the vertical half-span over
    # tan(vfov/2) is the whole answer when the height is what limits.
    zone = placement.Zone(stature_m=1.8, near_side_m=0.0, far_side_m=0.0)
    lh = placement.best_lens_height(1.8, zone)
    half = (1.8 + zone.head_margin_m + zone.floor_margin_m) / 2
    lens = placement.CAMERA_MODULE_3
    expected = half / math.tan(math.radians(41.0) / 2)
    assert placement.min_distance(lens, 16 / 9, zone, lh) == pytest.approx(expected, abs=0.002)


def test_yaw_taller_people_and_narrower_lenses_need_more_room():
    z = placement.Zone(stature_m=1.95)
    wide = placement.min_distance(placement.CAMERA_MODULE_3_WIDE, 4 / 3, z, 0.975)
    std = placement.min_distance(placement.CAMERA_MODULE_3, 4 / 3, z, 0.975)
    assert wide < std
    assert placement.min_distance(placement.CAMERA_MODULE_3, 4 / 3, z, 0.975, 20.0) > std
    short = placement.Zone(stature_m=1.60)
    assert placement.min_distance(placement.CAMERA_MODULE_3, 4 / 3, short, 0.8) < std


def test_wide_camera_fits_a_tall_athlete_within_the_domain_range():
    rows = {(r["lens"], r["output"]): r for r in placement.placement_table(1.95, None, 20.0)}
    wide = rows[("Camera Module 3 Wide", "4:3 (640x480)")]
    assert 1.5 <= wide["recommended_m"] <= 3.0
    assert wide["person_px"] > 0.6 * 480  # big enough for the silhouette measures


def test_sensor_height_and_bad_stature():
    assert placement.sensor_height(1.80) == pytest.approx(0.954)
    with pytest.raises(ValueError, match="metres"):
        placement.sensor_height(180)


def test_mounting_doc_quotes_the_current_table():
    doc = (HW / "MOUNTING.md").read_text(encoding="utf-8")
    table = placement._markdown(1.95, 20.0, None)
    assert table in doc, "MOUNTING.md's placement table is stale: paste `python hardware/placement.py` output"


def test_placement_cli_rejects_centimetres(capsys):
    with pytest.raises(SystemExit) as e:
        placement.main(["--stature", "180"])
    assert e.value.code == 2
    assert "metres" in capsys.readouterr().err


# ------------------------------------------------------------ enclosure

RENDER = ROOT / "scripts" / "render_enclosure.sh"
needs_openscad = pytest.mark.skipif(shutil.which("openscad") is None, reason="openscad not installed (apt-get install openscad)")


@needs_openscad
def test_every_enclosure_model_and_variant_renders_to_a_non_empty_stl(tmp_path):
    # Coarse circles (octagons) keep this to ~18 s (25 s at 16 segments, 2026-12-07); syntax,
    # warnings and empty results fail the same way as at full resolution.
    env = {**os.environ, "RENDER_FN": "8"}
    res = subprocess.run(["bash", str(RENDER), str(tmp_path)], capture_output=True, text=True, timeout=600, env=env)
    assert res.returncode == 0, f"render_enclosure.sh failed:\n{res.stdout}\n{res.stderr}"
    models = sorted((HW / "enclosure").glob("*.scad"))
    assert {m.stem for m in models} >= {"wall_unit", "camera_mount"}
    for m in models:
        variants = re.findall(r"^// @variant (\S+)", m.read_text(), flags=re.M)
        for name in [m.stem] + [f"{m.stem}-{v}" for v in variants]:
            stl = tmp_path / f"{name}.stl"
            assert stl.exists(), f"{stl.name} was not rendered"
            assert stl.read_text(errors="replace").count("facet normal") > 500, f"{stl.name} is nearly empty"
    # Variants must differ from the default: a -D that silently did nothing would not.
    assert (tmp_path / "wall_unit-vl53l1x.stl").read_bytes() != (tmp_path / "wall_unit.stl").read_bytes()


@needs_openscad
def test_a_broken_model_fails_the_render(tmp_path):
    bad = tmp_path / "broken.scad"
    bad.write_text("cube([10, 10, 10]\n")  # unbalanced bracket: a syntax error
    res = subprocess.run(["bash", str(RENDER), str(tmp_path / "out"), str(bad)], capture_output=True, text=True, timeout=120)
    assert res.returncode != 0
    assert "broken.scad" in res.stdout + res.stderr


@needs_openscad
def test_a_model_that_renders_nothing_fails(tmp_path):
    empty = tmp_path / "empty.scad"
    empty.write_text("difference() { cube(5); cube(10, center=true); translate([-1,-1,-1]) cube(20); }\n")
    res = subprocess.run(["bash", str(RENDER), str(tmp_path / "out"), str(empty)], capture_output=True, text=True, timeout=120)
    assert res.returncode != 0
    assert "empty.scad" in res.stdout + res.stderr
