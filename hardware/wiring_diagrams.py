"""Draw hardware/wiring-*.svg from hardware/pins.csv, so the diagrams and the
pin table cannot disagree.

    python hardware/wiring_diagrams.py      # rewrites the three SVGs

The diagrams use net labels (a flag naming "GPIO17 pin 11" at a component
terminal connects to the header pin with the same name) instead of routed
wires: with 16 signals a routed drawing is a tangle, a net-label schematic
reads one circuit at a time.
"""

from __future__ import annotations

import csv
from pathlib import Path
from xml.sax.saxutils import escape

HW = Path(__file__).resolve().parent
FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
W, H = 1120, 1130

OPTION_TITLES = {
    "hcsr04": ("wiring-hcsr04.svg", "HC-SR04 ultrasonic sensor (sensor.kind = \"hcsr04\")"),
    "vl53l1x": ("wiring-vl53l1x.svg", "VL53L1X time-of-flight sensor (sensor.kind = \"vl53l1x\")"),
    "digital": ("wiring-switch.svg", "Contact switch / pressure mat (sensor.kind = \"digital\")"),
}
LED_COLOURS = {"leds.good_pin": "#2e9e3e", "leds.rounded_pin": "#d2322d", "leds.fault_pin": "#f0a020"}


class Svg:
    """A minimal SVG writer: enough primitives for a schematic."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def add(self, s: str) -> None:
        self.parts.append(s)

    def text(self, x: float, y: float, s: str, size: float = 12, anchor: str = "start", weight: str = "normal",
             fill: str = "#111") -> None:
        self.add(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
                 f'font-weight="{weight}" fill="{fill}">{escape(s)}</text>')

    def line(self, x1: float, y1: float, x2: float, y2: float, stroke: str = "#222", width: float = 1.6) -> None:
        self.add(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}" stroke-width="{width}"/>')

    def rect(self, x: float, y: float, w: float, h: float, fill: str = "none", stroke: str = "#222", rx: float = 0,
             width: float = 1.6) -> None:
        self.add(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="{rx}" fill="{fill}" '
                 f'stroke="{stroke}" stroke-width="{width}"/>')

    def circle(self, x: float, y: float, r: float, fill: str = "none", stroke: str = "#222") -> None:
        self.add(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{fill}" stroke="{stroke}" stroke-width="1.4"/>')

    def path(self, d: str, fill: str = "none", stroke: str = "#222", width: float = 1.6) -> None:
        self.add(f'<path d="{d}" fill="{fill}" stroke="{stroke}" stroke-width="{width}"/>')

    # -- schematic symbols; each takes the left terminal (x, y) of a horizontal part

    def resistor(self, x: float, y: float, label: str) -> float:
        """Horizontal resistor from x to x+60; returns the right terminal x."""
        self.line(x, y, x + 12, y)
        self.rect(x + 12, y - 6, 36, 12, fill="#fff")
        self.line(x + 48, y, x + 60, y)
        self.text(x + 30, y - 10, label, 10, "middle")
        return x + 60

    def led(self, x: float, y: float, colour: str) -> float:
        """LED, anode on the left; returns the cathode x."""
        self.line(x, y, x + 10, y)
        self.path(f"M{x + 10},{y - 8} L{x + 26},{y} L{x + 10},{y + 8} Z", fill=colour)
        self.line(x + 26, y - 8, x + 26, y + 8, width=2)
        self.path(f"M{x + 18},{y - 10} l6,-8 M{x + 23},{y - 10} l6,-8", width=1)
        self.line(x + 26, y, x + 36, y)
        return x + 36

    def ground(self, x: float, y: float) -> None:
        """Ground symbol hanging below (x, y)."""
        self.line(x, y, x, y + 8)
        for i, half in enumerate((9, 6, 3)):
            self.line(x - half, y + 8 + 3 * i, x + half, y + 8 + 3 * i, width=1.4)

    def flag(self, x: float, y: float, label: str, colour: str = "#1f4e9a", right: bool = False) -> float:
        """Net label; its point touches (x, y). Returns the other end's x."""
        w = 7.0 * len(label) + 14
        if right:  # flag to the right of the terminal
            self.path(f"M{x},{y} l8,-9 h{w},0 v18 h-{w} Z", fill="#eef3fb", stroke=colour, width=1.2)
            self.text(x + 12, y + 4, label, 11, fill=colour, weight="bold")
            return x + w + 8
        self.path(f"M{x},{y} l-8,-9 h-{w} v18 h{w} Z", fill="#eef3fb", stroke=colour, width=1.2)
        self.text(x - 12, y + 4, label, 11, "end", fill=colour, weight="bold")
        return x - w - 8

    def render(self, title: str) -> str:
        body = "\n  ".join(self.parts)
        return (
            f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
            f'font-family="{FONT}">\n  <title>{escape(title)}</title>\n'
            f'  <rect x="0" y="0" width="{W}" height="{H}" fill="#ffffff"/>\n  {body}\n</svg>\n'
        )


def _rows() -> list[dict[str, str]]:
    with open(HW / "pins.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def net(row: dict[str, str]) -> str:
    """The net label text for a pin-table row."""
    if row["bcm_gpio"]:
        return f"GPIO{row['bcm_gpio']} pin {row['header_pin']}"
    kind = {"power 5V": "5V", "power 3V3": "3V3", "ground": "GND"}[row["direction"]]
    return f"{kind} pin {row['header_pin']}"


def _header(svg: Svg, rows: list[dict[str, str]], x0: float, y0: float) -> None:
    """The 40-pin header, pin 1 top left, used pins labelled outward."""
    by_pin = {int(r["header_pin"]): r for r in rows}
    svg.rect(x0, y0, 64, 20 * 24 + 12, fill="#2b2b2b", rx=4)
    svg.text(x0 + 32, y0 - 26, "Raspberry Pi", 13, "middle", "bold")
    svg.text(x0 + 32, y0 - 10, "40-pin header", 11, "middle")
    svg.text(x0 + 32, y0 + 20 * 24 + 30, "(board edge side)", 10, "middle", fill="#666")
    for i in range(20):
        y = y0 + 18 + i * 24
        for col, pin in ((0, 2 * i + 1), (1, 2 * i + 2)):
            x = x0 + 20 + col * 24
            r = by_pin.get(pin)
            fill = "#f0c040" if r else "#888"
            if r and not r["bcm_gpio"]:
                fill = {"power 5V": "#e03030", "power 3V3": "#f08030", "ground": "#111"}[r["direction"]]
            svg.add(f'<rect x="{x - 6:.1f}" y="{y - 6:.1f}" width="12" height="12" fill="{fill}" stroke="#ddd" stroke-width="1"/>')
            if r:
                if col == 0:
                    svg.line(x - 6, y, x0 - 14, y, stroke="#1f4e9a", width=1.2)
                    svg.flag(x0 - 14, y, net(r))
                else:
                    svg.line(x + 6, y, x0 + 78, y, stroke="#1f4e9a", width=1.2)
                    svg.flag(x0 + 78, y, net(r), right=True)


def _block_title(svg: Svg, x: float, y: float, s: str) -> None:
    svg.text(x, y, s, 13, weight="bold")


def _leds(svg: Svg, rows: dict[str, dict[str, str]], x: float, y: float) -> None:
    _block_title(svg, x, y, "Verdict LEDs (leds.mode = \"separate\")")
    names = {"leds.good_pin": "green: good rep", "leds.rounded_pin": "red: back rounded", "leds.fault_pin": "amber: other fault / device fault"}
    for i, key in enumerate(("leds.good_pin", "leds.rounded_pin", "leds.fault_pin")):
        yy = y + 30 + i * 36
        fx = x + 150
        svg.flag(fx, yy, net(rows[key]))
        rx = svg.resistor(fx, yy, "330 Ω")
        cx = svg.led(rx, yy, LED_COLOURS[key])
        svg.line(cx, yy, cx + 10, yy)
        svg.ground(cx + 10, yy)
        svg.text(cx + 26, yy + 4, names[key], 11)
    svg.text(x, y + 136, "RGB mode: one common-cathode RGB LED, red leg on GPIO27 (330 Ω), green leg on GPIO17 (100 Ω),", 10, fill="#444")
    svg.text(x, y + 150, "blue leg on GPIO22 (100 Ω), cathode to GND. Common anode: anode to 3V3, leds.rgb_active_high = false.", 10, fill="#444")


def _view_light(svg: Svg, rows: dict[str, dict[str, str]], x: float, y: float) -> None:
    _block_title(svg, x, y, "View light at the camera stand (optional: view_light.enabled = true)")
    legs = (("view_light.red_pin", "330 Ω", "#d2322d", "red leg"), ("view_light.green_pin", "100 Ω", "#2e9e3e", "green leg"),
            ("view_light.blue_pin", "100 Ω", "#2a6fb0", "blue leg"))
    cx = x
    for i, (key, ohms, colour, what) in enumerate(legs):
        yy = y + 30 + i * 36
        fx = x + 150
        svg.flag(fx, yy, net(rows[key]))
        rx = svg.resistor(fx, yy, ohms)
        cx = svg.led(rx, yy, colour)
        svg.line(cx, yy, cx + 10, yy)
        svg.text(cx + 26, yy + 4, what, 11)
    # The common cathode, down the cable's fourth core to a GND pin.
    svg.line(cx + 10, y + 30, cx + 10, y + 130, width=1.2)
    gnd = next(r for r in _rows() if r["direction"] == "ground" and "view light" in r["function"])
    svg.flag(cx + 10, y + 130, net(gnd), right=True)
    svg.text(x, y + 160, "One common-cathode RGB LED in the athlete's view, on a 4-core cable (resistors at the Pi end).", 10, fill="#444")


def _bargraph(svg: Svg, rows: dict[str, dict[str, str]], x: float, y: float) -> None:
    _block_title(svg, x, y, "Progress bar graph (8 segments, bottom = 1)")
    for i in range(8):
        yy = y + 30 + i * 30
        fx = x + 150
        svg.flag(fx, yy, net(rows[f"leds.bargraph_pins[{i}]"]))
        rx = svg.resistor(fx, yy, "330 Ω")
        cx = svg.led(rx, yy, "#40c060")
        svg.line(cx, yy, cx + 12, yy)
        svg.text(cx + 18, yy + 4, f"segment {i + 1}", 11)
    # One shared cathode return for the whole bar
    svg.line(x + 258, y + 30, x + 258, y + 30 + 7 * 30, width=1.2)
    svg.ground(x + 258, y + 30 + 7 * 30)


def _buzzer(svg: Svg, rows: dict[str, dict[str, str]], x: float, y: float) -> None:
    _block_title(svg, x, y, "Buzzer through an NPN transistor")
    by = y + 110
    fx = x + 150
    svg.flag(fx, by, net(rows["buzzer.pin"]))
    rx = svg.resistor(fx, by, "1 kΩ")
    # NPN: base bar at bx, collector up, emitter down
    bx = rx + 14
    svg.line(rx, by, bx, by)
    svg.circle(bx + 14, by, 20)
    svg.line(bx, by - 12, bx, by + 12, width=2.4)
    svg.line(bx, by - 5, bx + 20, by - 18)
    svg.line(bx, by + 5, bx + 20, by + 18)
    svg.path(f"M{bx + 20},{by + 18} l-9,-2 l5,-6 Z", fill="#222")
    svg.text(bx + 40, by + 4, "2N2222 / BC337", 10)
    cx = bx + 20
    svg.line(cx, by - 18, cx, by - 40)
    svg.line(cx, by + 18, cx, by + 36)
    svg.ground(cx, by + 36)
    svg.text(cx + 16, by + 40, "emitter to GND", 10, fill="#444")
    # Buzzer between 5 V and the collector, flyback diode across it
    svg.circle(cx, by - 56, 14, fill="#fafafa")
    svg.text(cx, by - 52, "BZ", 10, "middle", "bold")
    svg.line(cx, by - 70, cx, by - 84)
    svg.flag(cx, by - 84, net(rows["5V"]), right=True)
    svg.line(cx, by - 76, cx + 34, by - 76, width=1.2)
    svg.line(cx, by - 36, cx + 34, by - 36, width=1.2)
    svg.line(cx + 34, by - 76, cx + 34, by - 36, width=1.2)
    svg.path(f"M{cx + 27},{by - 48} L{cx + 41},{by - 48} L{cx + 34},{by - 62} Z", fill="#fff", width=1.2)
    svg.line(cx + 27, by - 62, cx + 41, by - 62, width=1.6)
    svg.text(cx + 46, by - 52, "1N4148 (flyback)", 10)
    svg.text(x, by + 70, "Buzzer: 5 V type, + to 5V. Drawing < 15 mA at 3.3 V? It may go straight on GPIO18 to GND.", 10, fill="#444")


def _button(svg: Svg, rows: dict[str, dict[str, str]], x: float, y: float) -> None:
    _block_title(svg, x, y, "Set button (internal pull-up)")
    yy = y + 30
    fx = x + 150
    svg.flag(fx, yy, net(rows["button.pin"]))
    svg.line(fx, yy, fx + 20, yy)
    svg.circle(fx + 22, yy, 2.5, fill="#222")
    svg.line(fx + 22, yy, fx + 50, yy - 12)
    svg.circle(fx + 52, yy, 2.5, fill="#222")
    svg.line(fx + 52, yy, fx + 70, yy)
    svg.ground(fx + 70, yy)
    svg.text(fx + 84, yy + 4, "momentary, normally open", 11)


def _sensor(svg: Svg, option: str, rows: dict[str, dict[str, str]], x: float, y: float) -> None:
    if option == "hcsr04":
        _block_title(svg, x, y, "HC-SR04 (5 V) at hip height, facing out of the wall")
        bx, by = x + 300, y + 20
        svg.rect(bx, by, 170, 130, fill="#2a6fb0", rx=4)
        svg.circle(bx + 80, by + 45, 24, fill="#cfd8dc")
        svg.circle(bx + 136, by + 45, 24, fill="#cfd8dc")
        svg.text(bx + 108, by + 105, "HC-SR04", 12, "middle", "bold", fill="#fff")
        pins = ["VCC", "Trig", "Echo", "GND"]
        # terminals on the left edge
        ty = {p: by + 30 + i * 26 for i, p in enumerate(pins)}
        for p, yy in ty.items():
            svg.line(bx - 30, yy, bx, yy)
            svg.text(bx + 4, yy + 4, p, 10, fill="#fff")
        svg.flag(bx - 30, ty["VCC"], net(rows["5V"]))
        svg.flag(bx - 30, ty["Trig"], net(rows["sensor.trigger_pin"]))
        svg.line(bx - 30, ty["GND"], bx - 40, ty["GND"])
        svg.ground(bx - 40, ty["GND"])
        # Echo divider: Echo - 1k - node - 2k - GND; node to GPIO24
        ey = ty["Echo"]
        svg.line(bx - 30, ey, bx - 50, ey)
        svg.line(bx - 50, ey, bx - 50, y + 190)
        svg.add(f'<g transform="rotate(90 {bx - 50} {y + 190})">')
        svg.resistor(bx - 50, y + 190, "")
        svg.add("</g>")
        node = y + 250
        svg.circle(bx - 50, node, 3, fill="#222")
        svg.add(f'<g transform="rotate(90 {bx - 50} {node})">')
        svg.resistor(bx - 50, node, "")
        svg.add("</g>")
        svg.ground(bx - 50, node + 60)
        svg.line(bx - 50, node, bx - 90, node)
        svg.flag(bx - 90, node, net(rows["sensor.echo_pin"]))
        svg.text(bx - 40, y + 226, "1 kΩ", 10)
        svg.text(bx - 40, node + 34, "2 kΩ", 10)
        svg.text(x, node + 84, "Echo 5 V × 2k/(1k+2k) = 3.33 V at GPIO24: safe for the 3.3 V input, still a clean logic high.", 10, fill="#444")
        svg.text(x, node + 98, "Trig needs no level shifting: the HC-SR04 reads 3.3 V as high.", 10, fill="#444")
    elif option == "vl53l1x":
        _block_title(svg, x, y, "VL53L1X breakout (3.3 V, I2C bus 1, address 0x29) at hip height")
        bx, by = x + 300, y + 20
        svg.rect(bx, by, 150, 150, fill="#7a3fa0", rx=4)
        svg.rect(bx + 80, by + 60, 30, 22, fill="#222")
        svg.text(bx + 95, by + 130, "VL53L1X", 12, "middle", "bold", fill="#fff")
        pins = ["VIN", "GND", "SDA", "SCL", "XSHUT", "GPIO1"]
        ty = {p: by + 18 + i * 20 for i, p in enumerate(pins)}
        for p, yy in ty.items():
            svg.line(bx - 30, yy, bx, yy)
            svg.text(bx + 4, yy + 4, p, 10, fill="#fff")
        svg.flag(bx - 30, ty["VIN"], net(rows["3V3"]))
        svg.line(bx - 30, ty["GND"], bx - 44, ty["GND"])
        svg.ground(bx - 44, ty["GND"])
        sda = next(r for r in rows.values() if r["config_key"] == "sensor.i2c_bus" and "SDA" in r["function"])
        scl = next(r for r in rows.values() if r["config_key"] == "sensor.i2c_bus" and "SCL" in r["function"])
        svg.flag(bx - 30, ty["SDA"], net(sda))
        svg.flag(bx - 30, ty["SCL"], net(scl))
        svg.text(bx - 34, ty["XSHUT"] + 4, "not connected", 10, "end", fill="#666")
        svg.text(bx - 34, ty["GPIO1"] + 4, "not connected", 10, "end", fill="#666")
        svg.text(x, y + 200, "Enable I2C: sudo raspi-config nonint do_i2c 0. Check: i2cdetect -y 1 shows 29.", 10, fill="#444")
        svg.text(x, y + 214, "The Pi already has 1.8 kΩ pull-ups on SDA/SCL; breakout pull-ups to 3.3 V are fine.", 10, fill="#444")
        svg.text(x, y + 228, "Keep the I2C cable under ~50 cm; for longer runs use a twisted pair or a Qwiic/STEMMA QT cable.", 10, fill="#444")
    else:
        _block_title(svg, x, y, "Contact switch, tape switch or pressure mat behind the target pad")
        fx = x + 200
        yy = y + 50
        svg.flag(fx, yy, net(rows["sensor.input_pin"]))
        svg.line(fx, yy, fx + 20, yy)
        svg.circle(fx + 22, yy, 2.5, fill="#222")
        svg.line(fx + 22, yy, fx + 54, yy - 14)
        svg.circle(fx + 56, yy, 2.5, fill="#222")
        svg.line(fx + 56, yy, fx + 80, yy)
        svg.ground(fx + 80, yy)
        svg.text(fx + 96, yy + 4, "closed = hip contact", 11)
        svg.rect(x + 20, y + 90, 400, 70, fill="#f4f4f4", stroke="#888", rx=6)
        svg.text(x + 30, y + 112, "Normally-open switch between GPIO4 and GND; the internal pull-up", 10)
        svg.text(x + 30, y + 126, "(sensor.input_pull_up = true) reads high until the hips press the pad.", 10)
        svg.text(x + 30, y + 140, "A digital IR/inductive sensor with an open-collector output wires the same,", 10)
        svg.text(x + 30, y + 154, "with its VCC on 3V3 (or 5V if its output is open-collector) and GND.", 10)
        svg.text(x, y + 186, "No threshold to set: a closed switch is hip contact (debounced by sensor.confirm_samples and release_s).", 10, fill="#444")


def draw(option: str) -> str:
    """The full wiring diagram for one sensor option, as SVG text."""
    rows_list = _rows()
    used = [r for r in rows_list if r["sensor_option"] in ("all", option)]
    rows: dict[str, dict[str, str]] = {}
    for r in used:
        if r["config_key"]:
            rows.setdefault(r["config_key"], r)
            rows[r["function"]] = r
    rows["5V"] = next(r for r in used if r["direction"] == "power 5V")
    three = [r for r in used if r["direction"] == "power 3V3"]
    if three:
        rows["3V3"] = three[0]
    svg = Svg()
    title = OPTION_TITLES[option][1]
    svg.text(24, 34, f"WallHinge wiring: {title}", 18, weight="bold")
    svg.text(24, 54, "Pins are the defaults of device/config.py (BCM numbering; 'pin N' = physical header pin). "
             "Flags with the same name are connected.", 11, fill="#444")
    _header(svg, used, 200, 110)
    _sensor(svg, option, rows, 470, 90)
    _leds(svg, rows, 470, 470)
    _button(svg, rows, 470, 650)
    _buzzer(svg, rows, 470, 720)
    _bargraph(svg, rows, 30, 640)
    _view_light(svg, rows, 470, 930)
    # Grounds go to any GND pin; the header flags show which ones the build uses.
    svg.text(24, H - 14, "All ground symbols connect to the GND pins flagged on the header. Resistors 1/4 W, 5 %. "
             "See WIRING.md for the values' arithmetic.", 10, fill="#444")
    return svg.render(f"WallHinge wiring: {title}")


def main() -> int:
    """Rewrite the three wiring SVGs from pins.csv."""
    for option, (name, _) in OPTION_TITLES.items():
        (HW / name).write_text(draw(option), encoding="utf-8")
        print(f"wrote hardware/{name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
