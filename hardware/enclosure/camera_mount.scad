// WallHinge camera mount: a base (flat wall, inside corner or tripod), an arm
// that turns on a vertical M4 bolt (yaw) and a camera cradle that turns on a
// horizontal M4 bolt (tilt). Each joint is a knuckle between two ears,
// clamped with an M4 x 25 bolt and a wing nut.
//
// The cradle holds a Raspberry Pi Camera Module 3 (standard or Wide, 25 x 24 mm
// board, M2 holes 21 x 12.5 mm apart) lens through the front plate, ribbon out
// of the open bottom; or, with cradle = "tripod_screw", any webcam that has a
// 1/4"-20 tripod socket, held by a 1/4"-20 x 3/8" screw.
//
// Set the camera level (tilt 0) and aim it square to the athlete's side; the
// yaw ticks on the base are 10 degrees apart (see hardware/MOUNTING.md).
//
//   openscad -o camera_mount.stl -D 'base="corner"' camera_mount.scad
// Units: millimetres. Coordinates as mounted: X along the wall, Y out of the wall, Z up.
//
// Extra STLs that scripts/render_enclosure.sh makes (name, then -D assignments):
// @variant corner base="corner"
// @variant tripod base="tripod" cradle="tripod_screw"

/* [Build] */
base = "wall";        // [wall, corner, tripod]
cradle = "camera3";   // [camera3, tripod_screw]
part = "all";         // [all, base, arm, cradle, assembled]
// Arm length from the yaw axis to the tilt axis; longer clears a corner.
arm_len = 45;
yaw_deg = 0;          // only for part = "assembled"
tilt_deg = 0;         // only for part = "assembled"

/* [Joint] */
bolt_d = 4.4;   // M4 clearance
gap = 10;       // space between ears
knuckle = 9.4;  // knuckle thickness (gap minus 0.6 for a sliding fit)
ear_t = 4.5;
ear_len = 22;
boss_d = 18;

/* [Camera Module 3] */
cam_board = [25, 24];
cam_holes = [[2, 2], [23, 2], [2, 14.5], [23, 14.5]]; // from the board's top-left corner
cam_lens_y = 9.5;    // lens centre below the board's top edge
lens_hole = 15;      // clears the Wide lens barrel
standoff_h = 3;      // keeps the back-side parts off the plate

$fn = 40;

// ---------------------------------------------------------------- parts

// Two horizontal ears with a vertical bolt hole at (0, y_axis), for the yaw joint.
module yaw_ears(y0, y_axis) {
    for (s = [-1, 1]) translate([0, 0, s * (gap / 2 + ear_t / 2)]) difference() {
        hull() {
            translate([-boss_d / 2, y0, -ear_t / 2]) cube([boss_d, 1, ear_t]);
            translate([0, y_axis, -ear_t / 2]) cylinder(d = boss_d, h = ear_t);
        }
        translate([0, y_axis, -ear_t]) cylinder(d = bolt_d, h = 2 * ear_t);
        // Yaw ticks every 10 degrees on the top ear; the long one is square to the wall.
        if (s == 1) for (a = [-40 : 10 : 40]) translate([0, y_axis, ear_t / 2 - 0.6])
            rotate([0, 0, a]) translate([-0.4, boss_d / 2 - (a == 0 ? 5 : 3), 0]) cube([0.8, 6, 1]);
    }
}

module wall_plate(w = 44, h = 64, t = 5) {
    difference() {
        translate([-w / 2, 0, -h / 2]) cube([w, t, h]);
        // Two countersunk screw holes for 4 mm wood screws / M4.
        for (z = [-h / 2 + 9, h / 2 - 9]) translate([0, -0.01, z]) rotate([-90, 0, 0]) {
            cylinder(d = 4.5, h = t + 1);
            cylinder(d1 = 9, d2 = 4.5, h = 2.4);
        }
    }
}

module base_part() {
    if (base == "wall") {
        wall_plate();
        yaw_ears(5, 5 + ear_len - boss_d / 2);
        // Gussets under and over the ears so a knock does not snap them off.
        for (s = [-1, 1]) translate([-2, 5, s * (gap / 2 + ear_t)]) mirror([0, 0, s < 0 ? 1 : 0])
            rotate([90, 0, 90]) linear_extrude(4) polygon([[0, 0], [10, 0], [0, 10]]);
    }
    if (base == "corner") {
        // Two plates at 90 degrees, one on each wall of an inside corner (the
        // corner's vertex at the origin); the ears point out along the bisector.
        for (a = [-45, 45]) rotate([0, 0, a]) translate([sign(a) * 20, 0, 0]) wall_plate(w = 40);
        // Wedge filling the V between the plates: the ears' root.
        translate([0, 0, -(gap / 2 + ear_t)]) linear_extrude(gap + 2 * ear_t)
            polygon([[0, 0], [16, 16], [-16, 16]]);
        yaw_ears(8, 8 + ear_len - boss_d / 2);
    }
    if (base == "tripod") {
        // Foot with a captive 1/4"-20 nut (11.1 mm across flats) for a tripod or light stand.
        difference() {
            translate([-22, 0, -32]) cube([44, 40, 9]);
            translate([0, 20, -33]) cylinder(d = 6.6, h = 12);
            translate([0, 20, -33]) cylinder(d = 11.1 / cos(30) + 0.4, h = 6, $fn = 6);
        }
        wall_plate(h = 64);
        yaw_ears(5, 5 + ear_len - boss_d / 2);
    }
}

// Arm: yaw knuckle at the origin (vertical bolt), tilt ears at arm_len (horizontal bolt).
module arm_part() {
    difference() {
        union() {
            translate([0, 0, -knuckle / 2]) cylinder(d = boss_d, h = knuckle);
            translate([-6, 0, -knuckle / 2]) cube([12, arm_len - boss_d / 2, knuckle]);
            // Tilt ears: vertical plates either side of the cradle's knuckle.
            for (s = [-1, 1]) translate([s * (gap / 2 + ear_t / 2) - ear_t / 2, arm_len - boss_d / 2 - 2, -knuckle / 2])
                hull() {
                    cube([ear_t, 2, knuckle]);
                    translate([0, boss_d / 2 + 2, boss_d / 2]) rotate([0, 90, 0]) cylinder(d = boss_d, h = ear_t);
                }
            // Bridge joining the ears under the cradle knuckle.
            translate([-(gap / 2 + ear_t), arm_len - boss_d / 2 - 2, -knuckle / 2]) cube([gap + 2 * ear_t, 6, knuckle]);
        }
        translate([0, 0, -knuckle]) cylinder(d = bolt_d, h = 2 * knuckle);
        translate([-20, arm_len, boss_d / 2 - knuckle / 2]) rotate([0, 90, 0]) cylinder(d = bolt_d, h = 40);
    }
}

// Cradle: knuckle on top (tilt axis along X at the origin), front plate hanging below it.
module cradle_part() {
    plate_w = 34;
    plate_h = 36;
    plate_t = 3;
    y_front = 12;   // front plate's back face, ahead of the tilt axis
    difference() {
        union() {
            // Knuckle and the bar to the plate.
            rotate([0, 90, 0]) translate([0, 0, -knuckle / 2]) cylinder(d = boss_d, h = knuckle);
            translate([-knuckle / 2, 0, -boss_d / 2]) cube([knuckle, y_front, boss_d]);
            // Front plate in the XZ plane, top edge level with the knuckle's bottom.
            translate([-plate_w / 2, y_front, -boss_d / 2 - plate_h + 8]) cube([plate_w, plate_t, plate_h]);
            if (cradle == "camera3")
                for (h = cam_holes) translate([-cam_board[0] / 2 + h[0], y_front, cam_top_z() - h[1]])
                    rotate([90, 0, 0]) cylinder(d = 4.5, h = standoff_h);
            if (cradle == "tripod_screw")
                // A shelf the webcam sits on, screw up through it into the camera's socket.
                translate([-plate_w / 2, y_front, -boss_d / 2 - plate_h + 8]) cube([plate_w, 30, 5]);
        }
        translate([-20, 0, 0]) rotate([0, 90, 0]) cylinder(d = bolt_d, h = 40);
        if (cradle == "camera3") {
            translate([0, y_front - 1, cam_top_z() - cam_lens_y]) rotate([-90, 0, 0]) cylinder(d = lens_hole, h = plate_t + 2);
            for (h = cam_holes) translate([-cam_board[0] / 2 + h[0], y_front + plate_t + 1, cam_top_z() - h[1]])
                rotate([90, 0, 0]) cylinder(d = 1.8, h = plate_t + standoff_h + 2); // M2 self-tapping
        }
        if (cradle == "tripod_screw") {
            translate([0, y_front + 18, -boss_d / 2 - plate_h]) cylinder(d = 6.8, h = 20);
            // Counterbore so a 3/8" screw reaches the socket through the 5 mm shelf.
            translate([0, y_front + 18, -boss_d / 2 - plate_h + 6]) cylinder(d = 12, h = 2.5);
        }
    }
}
// Height of the camera board's top edge in cradle coordinates.
function cam_top_z() = -boss_d / 2 - 3;

// ---------------------------------------------------------------- layout

module assembled() {
    color("white") base_part();
    y_axis = (base == "corner" ? 8 : 5) + ear_len - boss_d / 2;
    color("orange") translate([0, y_axis, 0]) rotate([0, 0, yaw_deg]) {
        arm_part();
        color("steelblue") translate([0, arm_len, boss_d / 2 - knuckle / 2]) rotate([tilt_deg, 0, 0]) cradle_part();
    }
}

if (part == "base") base_part();
else if (part == "arm") arm_part();
else if (part == "cradle") cradle_part();
else if (part == "assembled") assembled();
else {
    // Print layout: each part on its flattest face, spaced apart on the bed.
    rotate([90, 0, 0]) base_part();              // wall plate down, ears up
    translate([70, -20, knuckle / 2]) arm_part(); // knuckle flat
    translate([120, 0, 15]) rotate([-90, 0, 0]) cradle_part(); // front face down
}
