#!/usr/bin/env python3
"""Extract the extra real hip-hinge clips (kettlebell, multi-rep, RDL, good morning, squat) from fetched mirrors.

usage: python build.py MIRROR_DIR OUT_DIR

Each clip is read with
    git --git-dir MIRROR_DIR/OWNER+NAME/repo show COMMIT:PATH
after checking that COMMIT:PATH is the expected blob, and written unchanged to OUT_DIR/LOCAL_NAME.
Labels are in labels.json next to this script; its frame numbers refer to the files written here
(0-based, counted as cv2.VideoCapture.read() returns them). Same pattern as ../../shared/realset/build.py.
"""
import os, subprocess, sys

TBY = ("TBY66/Intelligent-Deadlift-Diagnosis-System", "1b57f9e69359cb970c95e59fd55fe2741ae5bf54")
GD = ("Goondoc08/to-be-frank", "86e21daae633e9bc75a5084f0b2bc951b5b9ade1")
ULI = ("Ulisses-coach/kbtrainer", "ac48a5607f5c46deac2ab5e209073a37bdb20bb4")
RNHRN = ("rnhrn/exercises", "0f72d2491f9c9617b7640fdf4fe59fe6eb88c15c")
JRP = ("jrplatin/FormFit", "5deb48aff5d759dc09e326c6cc1ce3ef04fb5afe")
JURIS = ("Jurisimo00/gym_tracker", "a8c5c426c434f1f079b5f70fb478379dda3c498a")

# local name: (repo, commit, path, blob sha)
CLIPS = {
    # one lifter, kettlebell deadlift sets, filmed side (_1) and front-oblique (_2) at once
    "tby_kb_a_side.mp4": (*TBY, "sample/0016a_1.mp4", "55abb00044c50bbad2e402c53ac2dd7074d8b172"),
    "tby_kb_c_side.mp4": (*TBY, "sample/0016c_1.mp4", "c81f3d1284053dc17364faeb13488606c8078a1b"),
    "tby_kb_h_side.mp4": (*TBY, "sample/0016h_1.mp4", "ab6f1ef00ef673753b95ca9175fe7b2e1d0a430c"),
    "tby_kb_k_side.mp4": (*TBY, "sample/0016k_1.mp4", "169a3cca60dc7421c70397fa2f92b90e275ea85f"),
    "tby_kb_r_side.mp4": (*TBY, "sample/0016r_1.mp4", "84b29feb6ecd2f32a691cdb1a538ab64132a9068"),
    "tby_kb_k_front.mp4": (*TBY, "sample/0016k_2.mp4", "c68a164705041b98914c3da7aab20423a1700272"),
    "tby_kb_r_front.mp4": (*TBY, "sample/0016r_2.mp4", "3c285d6582dc06f8d51329623d9b949f917097da"),
    # exercise-library loops, one person per clip
    "gd_kb_deadlift.mp4": (*GD, "videos/kb-deadlift.mp4", "85e2864be4cf6af9196879dbbcff840c7fcc19d8"),
    "gd_good_morning.mp4": (*GD, "videos/good-morning.mp4", "8c96dc26dfa7deffdffd0570e40ccf1c7a700290"),
    "gd_db_rdl.mp4": (*GD, "videos/rdl-variant.mp4", "67b87551ef74c1135464ff8b2bd8bf98cc2dd628"),
    "gd_goblet_squat.mp4": (*GD, "videos/goblet-squat.mp4", "e4cbd736d3c85fc63789c771e3c5c3f193b21be8"),
    "gd_box_squat.mp4": (*GD, "videos/box-squat.mp4", "1544727c21bca5a492d5fd8fdea4351918b3a1a2"),
    "rnhrn_band_deadlift.mp4": (*RNHRN, "videos/deadlift.mp4", "9d32d042a39a5aa06522dd26cadb3ad924647ccd"),
    "uli_kb_deadlift.mp4": (*ULI, "kbDeadlift.mp4", "3638bab6d9d1e8f8acbae4e90178b1a423c44a04"),
    "uli_goblet_squats.mp4": (*ULI, "gobletSquats.mp4", "8cfec83b1da39efa9adb6ad1771dd76e8cd88de3"),
    # side-view squats from two repositories the dev set also uses (their deadlift clips)
    "jrp_back_squat.mp4": (*JRP, "squat.mp4", "3bfe674a096d6c9cf593da6ea6fc1b196f70aeb6"),
    "juris_bodyweight_squat.mp4": (*JURIS, "squat.mp4", "5666bddde8b3bb7fb0d6573b9cd04ca010a95a29"),
}


def git_dir(mirror, repo):
    d = os.path.join(mirror, repo.replace("/", "+"), "repo")
    return os.path.join(d, ".git") if os.path.isdir(os.path.join(d, ".git")) else d


def git(gd, *args):
    return subprocess.run(["git", "--git-dir", gd, *args], capture_output=True)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    mirror, out = sys.argv[1], sys.argv[2]
    need = sorted({r for r, *_ in CLIPS.values() if not os.path.isdir(git_dir(mirror, r))})
    if need:
        print("Fetch these repositories first (mirror folders missing):")
        for r in need:
            print("  github:" + r)
        sys.exit(2)
    os.makedirs(out, exist_ok=True)
    failed = []
    for name, (repo, commit, path, sha) in CLIPS.items():
        gd = git_dir(mirror, repo)
        r = git(gd, "rev-parse", f"{commit}:{path}")
        if r.returncode != 0 or r.stdout.decode().strip() != sha:
            failed.append((name, repo, "commit/path not found or blob differs"))
            continue
        data = git(gd, "show", f"{commit}:{path}")
        if data.returncode != 0 or not data.stdout:
            failed.append((name, repo, "blob not present in this snapshot"))
            continue
        dst = os.path.join(out, name)
        with open(dst, "wb") as f:
            f.write(data.stdout)
        print(f"{name}  <- {repo}:{path}")
    if failed:
        print("\nNot extracted:")
        for name, repo, why in failed:
            print(f"  {name} ({repo}): {why}")
        print("Re-fetch these repositories: " + ", ".join(sorted({"github:" + r for _, r, _ in failed})))
        sys.exit(1)
    print(f"\n{len(CLIPS)} clips written to {out}")


if __name__ == "__main__":
    main()
