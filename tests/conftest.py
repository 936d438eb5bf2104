"""Shared fixtures."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory

if os.environ.get("PYTEST_XDIST_WORKER"):
    # scripts/test runs one worker per core: each worker's OpenCV on one thread, as its OpenMP and OpenBLAS
    # (scripts/test sets those). Left at OpenCV's default (a thread per core), the two workers' calls each
    # split over both cores and wait on each other: three of the vision files took 11 % more CPU and 10 %
    # more time that way (2026-12-07, 2 cores, two runs each way: 178 and 184 s of CPU against 164 and 162).
    import cv2

    cv2.setNumThreads(1)


@pytest.fixture
def factory():
    """A fresh gpiozero MockFactory per test, reset afterwards (as gpiozero's own tests do)."""
    f = MockFactory()
    yield f
    f.reset()
    Device.pin_factory = None


@pytest.fixture(scope="session")
def cue_cache_dir(tmp_path_factory):
    """One folder of rendered spoken phrases (device/cues) for the whole run: rendering them all takes ~12 s."""
    return tmp_path_factory.mktemp("cue-cache")


@pytest.fixture(autouse=True)
def _prompt_threads_against_the_wall_clock(request):
    """For the `realtime` tests: Python threads hand the GIL over every 0.2 ms instead of 5 ms.

    A mock HC-SR04 (gpiozero's MockTriggerPin) times its echo with a Python thread that sleeps the echo
    time and then drives the pin low; while another thread of the process runs Python code (rendering a
    frame), it waits for the GIL up to the switch interval: 5 ms is 0.86 m of distance, 0.2 ms is 3 cm.
    The health monitor calls more than 6 jumps over 0.25 m in 3 s a jittery sensor. A real sensor's
    edges are timed by lgpio, not by a Python thread."""
    if request.node.get_closest_marker("realtime") is None:
        yield
        return
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.0002)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


@pytest.fixture(scope="session")
def warm_cue_cache_dir(cue_cache_dir):
    """``cue_cache_dir`` with every phrase already rendered, for the tests against the wall clock.

    A station started on an empty cache renders its 216 phrases in the background (an espeak-ng process
    each) while it counts. Two runs of test_live.py that failed on 2026-12-07 had that render in their log
    beside "proximity sensor jittery: 7 jumps over 0.25 m" and the first rep `unchecked`: a mock HC-SR04's
    echo is timed by Python threads, which a burst of processes delays. Rendered here, before the station
    starts (1.5-2.7 s, two at a time), the station has nothing to render."""
    from concurrent.futures import ThreadPoolExecutor

    from device.config import AudioConfig
    from device.cues.render import PhraseCache, RenderError

    try:
        cache = PhraseCache(AudioConfig(cache_dir=cue_cache_dir, device="null"), cue_cache_dir)
    except RenderError:  # no espeak-ng here: the station runs silent, and so do these tests
        return cue_cache_dir
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(cache.path, list(cache.table)))
    return cue_cache_dir


@pytest.fixture(scope="session")
def simulation(tmp_path_factory):
    """``simulation(name, posture=..., fps=..., n_reps=..., record=False)``: one run of a scenario
    through the whole station, shared by every test that asks for the same run (the rendered-frame
    runs are the suite's most expensive steps). ``record=True`` also keeps its recording, whose
    folder is ``result.recording``. Tests must not modify a shared result or its recording."""
    from device.sim.scenarios import get_scenario
    from device.simulate import run_simulation

    cache: dict = {}
    scenarios: dict = {}  # built once (truth, proximity trace) for the truth and the camera runs

    def run(name: str, *, posture: str = "camera", fps: float = 15, n_reps=None, record: bool = False):
        key = (name, posture, fps, n_reps)
        if key not in cache or (record and cache[key].recording is None):
            folder = tmp_path_factory.mktemp(f"rec-{name}-{posture}") / "rec" if record else None
            skey = (name, fps, n_reps)
            if skey not in scenarios:
                scenarios[skey] = get_scenario(name, 0, fps=fps, **({} if n_reps is None else {"n_reps": n_reps}))
            res = run_simulation(name, posture=posture, fps=fps, n_reps=n_reps, scenario=scenarios[skey],
                                 record_dir=str(folder) if folder else None)
            res.recording = folder
            cache[key] = res
        return cache[key]

    return run


@pytest.fixture
def small_fs(tmp_path: Path):
    """A 256 KiB tmpfs: a real ENOSPC, not a simulated one. Needs root and mount."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k,mode=0755", "tmpfs", str(mnt)],
                         capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {res.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)
