#!/usr/bin/env python3
"""Benchmark the whole station core: throughput on one core and contact-to-LED latency.

    .venv/bin/python scripts/bench_station.py [--runs 5] [--size 640x480] [--reps 6]

1. Throughput: a simulated set is rendered once (rendering is not timed),
   then replayed through the station (vision + rep engine) with OpenCV and
   the learned model limited to one thread. Median ms per frame over runs.
2. Latency: the live arrangement in real time: the camera loop runs vision
   on the main thread at the scenario's frame rate while a second thread
   feeds proximity samples at their own times, as the sensor poller does.
   For every hip contact: time from handing the confirming sample to the
   station until the verdict LED's (mock) pin is high. Median and max.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "TFLITE_NUM_THREADS"):
    os.environ.setdefault(var, "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2  # noqa: E402
from gpiozero.pins.mock import MockFactory  # noqa: E402

from device.config import Config  # noqa: E402
from device.core.types import ContactMade  # noqa: E402
from device.io.gpio import Feedback  # noqa: E402
from device.sim.scenarios import SyntheticFrameSource, get_scenario  # noqa: E402
from device.station import Station, replay  # noqa: E402
from device.vision.estimator import PostureEstimator  # noqa: E402


def throughput(scenario, frames, runs: int) -> tuple[list[float], int]:
    cfg = Config()
    per_frame = []
    counted = 0
    for _ in range(runs):
        st = Station(cfg, PostureEstimator.from_config(cfg.camera, cfg.thresholds))
        t0 = time.perf_counter()
        replay(st, frames, list(scenario.proximity))
        per_frame.append((time.perf_counter() - t0) * 1000 / len(frames))
        counted = sum(r.counted for r in st.reps)
    return per_frame, counted


def latency(scenario, frames) -> list[float]:
    cfg = Config()
    factory = MockFactory()
    fb = Feedback(cfg, pin_factory=factory)
    pins = {v: factory.pin(p) for v, p in (("good", cfg.leds.good_pin), ("rounded", cfg.leds.rounded_pin))}
    amber = factory.pin(cfg.leds.fault_pin)
    st = Station(cfg, PostureEstimator.from_config(cfg.camera, cfg.thresholds), sinks=[fb])
    lat: list[float] = []
    t0 = time.monotonic()

    def sensor() -> None:
        for s in scenario.proximity:
            delay = t0 + s.t - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            fed = time.monotonic()
            events = st.on_proximity(s)
            for e in events:
                if isinstance(e, ContactMade):
                    pin = pins.get(e.verdict.value, amber)
                    while not pin.state and time.monotonic() - fed < 1.0:
                        pass  # spin: sleeping would add the scheduler's granularity
                    lat.append((time.monotonic() - fed) * 1000)

    th = threading.Thread(target=sensor)
    th.start()
    for f in frames:
        delay = t0 + f.t - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        st.on_frame(f)
    th.join()
    fb.close()
    return lat


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default="clean")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--size", default="640x480")
    ap.add_argument("--reps", type=int, default=6)
    ap.add_argument("--skip-latency", action="store_true")
    a = ap.parse_args()
    w, h = (int(x) for x in a.size.split("x"))
    cv2.setNumThreads(1)
    sc = get_scenario(a.scenario, 0, width=w, height=h, fps=30.0, n_reps=a.reps)
    frames = list(SyntheticFrameSource(sc).frames())
    print(f"scenario {a.scenario}: {len(frames)} frames {w}x{h}, {len(sc.proximity)} proximity samples, "
          f"{sc.expected_counted} good reps in the ground truth")
    ms, counted = throughput(sc, frames, a.runs)
    med = statistics.median(ms)
    print(f"throughput (vision + engine, one thread): median {med:.2f} ms/frame = {1000 / med:.0f} fps "
          f"over {a.runs} runs (min {min(ms):.2f}, max {max(ms):.2f}); counted {counted}")
    if not a.skip_latency:
        lat = latency(sc, frames)
        if lat:
            print(f"contact-to-LED latency, live threads in real time: median {statistics.median(lat):.2f} ms, "
                  f"max {max(lat):.2f} ms over {len(lat)} contacts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
