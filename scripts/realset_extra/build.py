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
# added 2026-12-01 (rounded backs): clips the dev set does not use from two repositories it already uses
BICH = ("BichraiX/AI-Deadlift-Analysis", "dac7bda980f84e73a7243a021d07404eca9c5b6d")
BICH_TOP = ("BichraiX/AI-Deadlift-Analysis", "be4377a145257f5752b236f5e5c5c66987d70b11")
RFN = ("RFN-Dev-Git/AI-GYM", "9af551f5aaa2f568ebfba87fe46b9a5a1a3f18ce")

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
    # added 2026-12-01: barbell deadlifts with rounded backs and the same lifters' neutral pulls
    # (BichraiX's dataset/Adam/bad and good folders; the dev set uses other files of that repository)
    "bichx_bad009.mp4": (*BICH, "dataset/Adam/bad/bad009.mp4", "9f12fb05a4de3da4d81fd07716a9fb6954220b46"),
    "bichx_good015.mp4": (*BICH, "dataset/Adam/good/good015.mp4", "c2c758be6e8730de929a3027e4dd92f71cf016d1"),
    "bichx_bad005.mp4": (*BICH, "dataset/Adam/bad/bad005.mp4", "405bf41a08026c0aa266c767fa215c4f5bf20260"),
    "bichx_bad006.mp4": (*BICH, "dataset/Adam/bad/bad006.mp4", "078b40873afb0135a9b055e4fa37237ed63a4005"),
    "bichx_good004.mp4": (*BICH, "dataset/Adam/good/good004.mp4", "c95eab3df6e07e836bb12aa7ed24f9384949f8e0"),
    "bichx_bad010.mp4": (*BICH, "dataset/Adam/bad/bad010.mp4", "228757c363b58d57d67df46d5a85651cb3b98d2a"),
    "bichx_bad011.mp4": (*BICH, "dataset/Adam/bad/bad011.mp4", "6c1e01eff786dba729cfdd7a7da425eff11babd2"),
    "bichx_bad012.mp4": (*BICH, "dataset/Adam/bad/bad012.mp4", "b21374b423893398323bfa1575fe007ef5b24c34"),
    "bichx_bad013.mp4": (*BICH, "dataset/Adam/bad/bad013.mp4", "a92f4004c1bc08b3ca181dab0e7bc93c76e9760a"),
    "bichx_good018.mp4": (*BICH, "dataset/Adam/good/good018.mp4", "292656d1e808371309340eadb63cbe07f2d2ce14"),
    "bichx_bad014.mp4": (*BICH, "dataset/Adam/bad/bad014.mp4", "4496609d9f3036271ad7747356aae09b78795eae"),
    "bichx_example6.mp4": (*BICH_TOP, "dataset/example_6_good.mp4", "220e997cd780ec45af911e8040493530718eb412"),
    "rfn_deadlift_wrong_right.mp4": (*RFN, "Deadlift.mp4", "4994d330cbe4a1fb22392727fa92a9742b164c0d"),
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
