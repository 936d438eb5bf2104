"""Spoken-cue latency: from the hip-contact sample to the start of the sound (target <= 150 ms).

The whole station path runs as live: the proximity sample enters ``Station.on_proximity``,
the engine emits ``ContactMade``, the cue sink picks the phrase, the player thread spawns
the real ``aplay`` on ALSA's ``null`` device. The sound starts when aplay reports
"Playing WAVE" (device opened, about to write the first period) plus the rendered file's
own leading silence. The synthetic athlete's ``mixed`` scenario with ground-truth posture
supplies the samples (rounded, knee lock and heel lift reps are cued at contact); after
each cue the replay waits for the player to be idle, so every cue is measured alone.
The count of a good rep is measured the same way, from the frame that ends the rep.

    nice python scripts/bench_cue_latency.py --runs 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from device.config import AudioConfig, Config  # noqa: E402
from device.core.types import ContactMade, RepFinished  # noqa: E402
from device.cues import CuePolicy, CueSink  # noqa: E402
from device.cues.player import Player  # noqa: E402
from device.cues.render import PhraseCache, analyse  # noqa: E402
from device.cues.sink import Voice  # noqa: E402
from device.io.frames import Frame  # noqa: E402
from device.sim.scenarios import get_scenario  # noqa: E402
from device.simulate import TruthPosture  # noqa: E402
from device.station import Station  # noqa: E402


def one_run(cfg: Config, cache: PhraseCache, seed: int) -> tuple[list[float], list[float]]:
    """Latencies in ms: (contact -> cue, rep end -> count) for one replay of the scenario."""
    scenario = get_scenario("mixed", seed, width=320, height=240, fps=30)
    player = Player(cfg.audio.device)
    lead = {}
    sink = CueSink(Voice(cache, player), CuePolicy(faults_every=1))
    station = Station(cfg, TruthPosture(scenario), sinks=[sink])
    contact_ms: list[float] = []
    count_ms: list[float] = []

    def measure(t0: float, out: list[float]) -> None:
        rec = player.history[-1]
        player.idle(5.0)
        if rec.outcome != "played" or rec.started is None:
            raise SystemExit(f"cue {rec.name} was not played ({rec.outcome}: {rec.error})")
        if rec.path not in lead:
            lead[rec.path] = analyse(rec.path).lead_silence_s
        out.append((rec.started - t0 + lead[rec.path]) * 1000.0)

    prox = list(scenario.proximity)
    i = 0
    try:
        for n, t in enumerate(scenario.frame_times()):
            while i < len(prox) and prox[i].t <= t:
                before = len(player.history)
                t0 = time.monotonic()
                events = station.on_proximity(prox[i])
                i += 1
                if any(isinstance(e, ContactMade) for e in events) and len(player.history) > before:
                    measure(t0, contact_ms)
            before = len(player.history)
            t0 = time.monotonic()
            events = station.on_frame(Frame(n, t, None))
            if any(isinstance(e, RepFinished) and e.rep.counted for e in events) and len(player.history) > before:
                measure(t0, count_ms)
            player.idle(5.0)
    finally:
        player.close()
    return contact_ms, count_ms


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--device", default="null", help="ALSA device (default null: no sound card needed)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Config(audio=AudioConfig(device=args.device, cache_dir=Path(tmp), faults_every=1))
        cache = PhraseCache(cfg.audio, Path(tmp))
        t = time.monotonic()
        n = cache.render_all()
        print(f"rendered {n} phrases with {cache.engine.name} in {time.monotonic() - t:.1f} s (once; then cached)")
        medians_c, medians_n, all_c, all_n = [], [], [], []
        for run in range(args.runs):
            c, k = one_run(cfg, cache, seed=0)  # the same reps each run: this measures timing, not vision
            medians_c.append(statistics.median(c))
            medians_n.append(statistics.median(k))
            all_c += c
            all_n += k
            print(f"run {run + 1}: contact -> cue median {medians_c[-1]:.1f} ms (max {max(c):.1f}, {len(c)} cues); "
                  f"rep end -> count median {medians_n[-1]:.1f} ms (max {max(k):.1f}, {len(k)} counts)")
    print(f"contact -> start of cue: median of run medians {statistics.median(medians_c):.1f} ms, "
          f"max {max(all_c):.1f} ms over {len(all_c)} cues (target 150 ms)")
    print(f"rep end -> start of count: median of run medians {statistics.median(medians_n):.1f} ms, "
          f"max {max(all_n):.1f} ms over {len(all_n)} counts")
    return 0 if max(all_c) <= 150.0 else 1


if __name__ == "__main__":
    sys.exit(main())
