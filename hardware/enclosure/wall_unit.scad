// WallHinge wall unit: the hip target. Holds the Raspberry Pi, the hip sensor
// behind its window, the verdict LEDs, the 8-segment progress bar graph, the
// set button, the buzzer, and hangs on two keyholes.
//
// Two printed parts: the body (front face + walls, printed face down) and the
// wall plate (the lid: keyholes, Pi standoffs, screw tabs, printed flat).
// Mount the plate on the wall, fit the Pi, wire, then slide the body over and
// fix it with four M3 x 8 self-tapping screws through the side walls.
//
// Render one variant:
//   openscad -o wall_unit.stl -D 'sensor="vl53l1x"' -D 'board="pi4"' wall_unit.scad
// Units: millimetres. Coordinates as mounted: X right, Y up, Z out of the wall.
//
// Extra STLs that scripts/render_enclosure.sh makes (name, then -D assignments):
// @variant vl53l1x sensor="vl53l1x"
// @variant switch sensor="switch"
// @variant zero2w board="zero2w"

/* [Build] */
// Hip sensor behind the front window
sensor = "hcsr04"; // [hcsr04, vl53l1x, switch]
// Board on the standoffs (Pi 5, Pi 4 and Pi 3 share the 85 x 56 mm footprint)
board = "pi5"; // [pi5, pi4, zero2w]
// What to output: both parts laid out for printing, or one of them
part = "both"; // [both, body, plate, assembled]

/* [Box] */
inner_w = 124;   // inside width (X)
inner_h = 150;   // inside height (Y)
inner_d = 44;    // inside depth (Z): Pi + HAT stack (about 30 mm) + LED bodies
wall = 2.4;      // walls: 6 perimeters of a 0.4 mm nozzle
plate_t = 3;     // wall plate thickness
corner_r = 5;    // outside corner radius
fit = 0.3;       // clearance between body and plate

/* [Front panel] */
led_d = 5.2;         // 5 mm LEDs press-fit; use 8.0 for chrome 5 mm bezels
led_pitch = 18;
button_d = 12.2;     // 12 mm panel-mount momentary push button
bar_slot = [10.6, 25.6]; // 10-segment DIP bar graph (8 segments used)
hcsr04_hole = 16.6;  // transducer cans are 16 mm
hcsr04_pitch = 26;   // transducer centre spacing (measure yours: 25.4-26.5)
vl53_window = [9, 6];      // aperture over the VL53L1X emitter/receiver
vl53_board = [13.5, 18.5]; // Pololu #3415 board; pocket behind the window
sensor_y = 24;       // sensor centre above the inside bottom

$fn = 40;

W = inner_w + 2 * wall;
H = inner_h + 2 * wall;

module rounded_box(w, h, d, r) {
    // Rounded in plan only: cheap hull of four cylinders.
    hull() for (x = [r, w - r], y = [r, h - r]) translate([x, y, 0]) cylinder(r = r, h = d);
}

// Pi mounting holes relative to the board's corner, and the board size.
function pi_holes() = board == "zero2w"
    ? [[3.5, 3.5], [61.5, 3.5], [3.5, 26.5], [61.5, 26.5]]
    : [[3.5, 3.5], [61.5, 3.5], [3.5, 52.5], [61.5, 52.5]];
function pi_size() = board == "zero2w" ? [65, 30] : [85, 56];
// Board corner inside the box: left side, above the sensor bay.
pi_origin = [wall + 8, wall + 52];

module keyhole() {
    // Head hole below, slot above: hang on the screw head, slide down.
    // 9.5 mm head hole and 4.6 mm slot: M4 / #8 pan-head screws, or M4 T-nuts on a 2020 rail.
    translate([0, 0, -1]) cylinder(d = 9.5, h = plate_t + 2);
    translate([-2.3, 0, -1]) cube([4.6, 12, plate_t + 2]);
    // Recess so the screw head sits behind the plate's surface.
    translate([0, 0, 1.2]) hull() {
        cylinder(d = 9.5, h = plate_t);
        translate([0, 12, 0]) cylinder(d = 9.5, h = plate_t);
    }
}

tab = [8, 12, 9];   // screw tabs standing up from the plate, inside the body walls
tab_ys = [30, H - 30];
screw_z = plate_t + 5; // tab screw height above the wall

module plate() {
    difference() {
        union() {
            rounded_box(W, H, plate_t, corner_r);
            // Pi standoffs: M2.5 self-tapping into 2.2 mm holes, 6 mm tall.
            for (h = pi_holes()) translate([pi_origin[0] + h[0], pi_origin[1] + h[1], 0])
                cylinder(d = 6, h = plate_t + 6);
            // Screw tabs just inside the body's side walls.
            for (x = [wall + fit, W - wall - fit - tab[0]], y = tab_ys)
                translate([x, y - tab[1] / 2, 0]) cube([tab[0], tab[1], plate_t + tab[2]]);
            // Locating lip: the body's walls slide over it.
            difference() {
                translate([wall + fit, wall + fit, 0]) cube([inner_w - 2 * fit, inner_h - 2 * fit, plate_t + 2]);
                translate([wall + fit + 1.6, wall + fit + 1.6, 0]) cube([inner_w - 2 * fit - 3.2, inner_h - 2 * fit - 3.2, plate_t + 3]);
            }
        }
        for (h = pi_holes()) translate([pi_origin[0] + h[0], pi_origin[1] + h[1], 1])
            cylinder(d = 2.2, h = plate_t + 7);
        // Tab holes: 2.5 mm pilot for M3 self-tapping screws.
        for (x = [0, W - tab[0]], y = tab_ys)
            translate([x - 1, y, screw_z]) rotate([0, 90, 0]) cylinder(d = 2.5, h = tab[0] + wall + 4);
        // Keyholes on the vertical centre line: two screws on one stud line or one rail.
        for (y = [14, H - 30]) translate([W / 2, y, 0]) keyhole();
        // Cable slots through the lip at the bottom, matching the body's notches.
        for (n = cable_notches()) translate([n[0] - n[1] / 2, 0, plate_t]) cube([n[1], wall + 4, 10]);
    }
}

// Cable exits in the bottom wall at the wall side: [centre x, width].
// Power (USB-C plug body passes), camera cable (CSI extender HDMI or USB), pad cable.
function cable_notches() = sensor == "switch"
    ? [[W * 0.25, 14], [W * 0.55, 22], [W * 0.82, 8]]
    : [[W * 0.25, 14], [W * 0.55, 22]];

module front_panel_holes() {
    top = wall + inner_h - 14;
    // Verdict LEDs, left to right: green (good), red (rounded), amber (fault).
    for (i = [0 : 2]) translate([wall + 24 + i * led_pitch, top, -1]) cylinder(d = led_d, h = wall + 2);
    // Set button, top right.
    translate([W - wall - 22, top, -1]) cylinder(d = button_d, h = wall + 2);
    // Bar graph, vertical, segment 1 at the bottom; right of the Pi.
    translate([W - wall - 22 - bar_slot[0] / 2, wall + 62, -1]) cube([bar_slot[0], bar_slot[1], wall + 2]);
    // Buzzer sound holes: a grid over the buzzer's spot next to the bar graph.
    for (dx = [-4, 0, 4], dy = [-4, 0, 4]) translate([W - wall - 22 + dx, wall + 108 + dy, -1]) cylinder(d = 2.2, h = wall + 2, $fn = 12);
    // Sensor window, centred low: the hips reach it at contact.
    if (sensor == "hcsr04")
        for (s = [-1, 1]) translate([W / 2 + s * hcsr04_pitch / 2, wall + sensor_y, -1]) cylinder(d = hcsr04_hole, h = wall + 2);
    if (sensor == "vl53l1x") {
        translate([W / 2 - vl53_window[0] / 2, wall + sensor_y - vl53_window[1] / 2, -1]) cube([vl53_window[0], vl53_window[1], wall + 2]);
    }
}

module body() {
    // Built face-down: Z = 0 is the front face (the surface the hips touch).
    D = inner_d + wall;
    difference() {
        rounded_box(W, H, D, corner_r);
        translate([wall, wall, wall]) cube([inner_w, inner_h, inner_d + 1]);
        front_panel_holes();
        // Tab screw clearance holes through the side walls, countersunk outside.
        for (y = tab_ys) {
            for (x = [-1, W - wall - 1]) translate([x, y, D - screw_z + plate_t]) rotate([0, 90, 0]) cylinder(d = 3.3, h = wall + 2);
        }
        // Cable notches in the bottom wall at the open (wall) edge.
        for (n = cable_notches()) translate([n[0] - n[1] / 2, -1, D - 10]) cube([n[1], wall + 2, 11]);
        // Ventilation slots high on both sides: the Pi 5 runs warm in a closed box.
        for (x = [-1, W - wall - 1], i = [0 : 5]) translate([x, wall + 70 + i * 9, wall + 10]) cube([wall + 2, 3, inner_d - 22]);
        // Label recess on the front, below the LEDs.
        translate([wall + 14, wall + inner_h - 34, -0.01]) cube([62, 10, 0.6]);
    }
    // Sensor mounts on the inside of the front face.
    if (sensor == "hcsr04") {
        // Guides either side of the 45 x 20 mm module keep the cans centred in
        // the holes; the board sits 9-10 mm behind the face, fixed with hot glue.
        for (s = [-1, 1]) translate([W / 2 + s * 24.8 - 2, wall + sensor_y - 10, wall]) cube([4, 20, 10]);
    }
    if (sensor == "vl53l1x") {
        // Pocket walls: the breakout sits in it, sensor to the window, held by a drop of hot glue.
        translate([W / 2, wall + sensor_y, wall]) difference() {
            translate([-vl53_board[0] / 2 - 1.6, -vl53_board[1] / 2 - 1.6, 0]) cube([vl53_board[0] + 3.2, vl53_board[1] + 3.2, 4]);
            translate([-vl53_board[0] / 2, -vl53_board[1] / 2, -1]) cube([vl53_board[0], vl53_board[1], 6]);
        }
    }
    // LED and button sleeves stiffen the thin face around the holes.
    for (i = [0 : 2]) translate([wall + 24 + i * led_pitch, wall + inner_h - 14, wall]) difference() {
        cylinder(d = led_d + 3.2, h = 3);
        translate([0, 0, -1]) cylinder(d = led_d, h = 5);
    }
}

module assembled() {
    color("white") plate();
    color("steelblue", 0.5) translate([0, 0, plate_t + inner_d + wall]) mirror([0, 0, 1]) body();
}

if (part == "plate") plate();
else if (part == "body") body();
else if (part == "assembled") assembled();
else {
    body();
    translate([W + 10, 0, 0]) plate();
}
