"""Render phrases to WAV once, ahead of time, and keep them in a cache folder.

Speech is never synthesised in the rep loop: every phrase is rendered to a
WAV file when the station starts (or on first use, on the player's thread)
and cached under a name keyed by its text, engine, voice, language, speed
and volume, so changing any of them renders afresh and nothing stale is
played. Engines are command-line programs:

- ``espeak-ng`` (Debian/Raspberry Pi OS package ``espeak-ng``): small, fast,
  robotic but clear; the default.
- ``piper`` when a ``piper`` binary and the configured ``.onnx`` voice exist
  locally (a natural voice; nothing is downloaded). Otherwise espeak-ng, with
  a warning.

Each rendered file is trimmed of leading silence (it would add to the cue's
latency) and normalised so every phrase, from either engine, plays at the
configured volume.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
import threading
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

import numpy as np

from ..config import AudioConfig
from .phrases import phrase_table

log = logging.getLogger(__name__)

RENDER_VERSION = 1  # bump when the post-processing changes, so caches re-render
INDEX_NAME = "wallhinge-phrases.csv"  # marks a folder written by `cues --render`


class RenderError(Exception):
    """A phrase could not be rendered; the message says why and how to fix it."""


@dataclass(frozen=True)
class Engine:
    """The synthesiser actually used (after any fallback) and its settings."""

    name: str  # "espeak-ng" | "piper"
    voice: str  # espeak-ng voice name, or the piper model path
    speed: int
    volume: int

    def key(self, text: str) -> str:
        blob = json.dumps({"v": RENDER_VERSION, "engine": self.name, "voice": self.voice, "speed": self.speed,
                           "volume": self.volume, "text": text}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def choose_engine(cfg: AudioConfig) -> Engine:
    """The configured engine if it can run here, else espeak-ng; raises RenderError if none can.

    ``recorded`` speaks the person's own recordings where they exist and espeak-ng
    for any phrase not recorded, so this returns espeak-ng for it.
    """
    if cfg.engine == "recorded":
        return _espeak(cfg, voice="")
    if cfg.engine == "piper":
        model = Path(cfg.voice) if cfg.voice else None
        if shutil.which("piper") and model is not None and model.is_file():
            return Engine("piper", str(model), cfg.speed, cfg.volume)
        why = ("no `piper` program on PATH" if not shutil.which("piper")
               else "audio.voice must be the path of a local .onnx Piper voice" if model is None
               else f"the Piper voice {model} does not exist")
        log.warning("audio: %s; speaking with espeak-ng instead", why)
        return _espeak(cfg, voice="")
    return _espeak(cfg, voice=cfg.voice)


def _espeak(cfg: AudioConfig, voice: str) -> Engine:
    if not shutil.which("espeak-ng"):
        raise RenderError("espeak-ng is not installed, so the station cannot speak: "
                          "sudo apt-get install espeak-ng (or set [audio] enabled = false)")
    return Engine("espeak-ng", voice or cfg.language, cfg.speed, cfg.volume)


def synthesise(engine: Engine, text: str, out: Path, gentle: bool = False) -> None:
    """Run the engine once: ``text`` -> WAV at ``out`` (raw, before trimming).

    ``gentle``: at the lowest CPU priority (the background render at start must
    not slow the vision loop or the proximity poller).
    """
    if engine.name == "piper":
        # Text on stdin, -m/-f: the options both the C++ piper and the Python piper1 accept.
        # Piper speaks at its voice's own pace (audio.speed applies to espeak-ng).
        cmd = ["piper", "-m", engine.voice, "-f", str(out)]
        stdin = text
    else:
        cmd = ["espeak-ng", "-w", str(out), "-v", engine.voice, "-s", str(engine.speed), "-a", "100", text]
        stdin = None
    if gentle and shutil.which("nice"):
        cmd = ["nice", "-n", "19", *cmd]
    try:
        r = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise RenderError(f"{cmd[0]} is not installed: sudo apt-get install {cmd[0]}") from None
    except subprocess.TimeoutExpired:
        raise RenderError(f"{cmd[0]} took over 60 s to say {text!r}") from None
    if r.returncode != 0 or not out.exists() or out.stat().st_size <= 44:
        err = (r.stderr or r.stdout or "").strip().splitlines()
        raise RenderError(f"{cmd[0]} could not say {text!r} with voice {engine.voice!r}: "
                          f"{err[-1] if err else f'exit status {r.returncode}'}"
                          + ("; list voices with: espeak-ng --voices" if engine.name == "espeak-ng" else ""))


# ---- WAV post-processing and checks (pure numpy on 16-bit PCM)


def read_wav(path: Path | str) -> tuple[np.ndarray, int]:
    """Samples as float in [-1, 1] (mono) and the sample rate."""
    with wave.open(str(path), "rb") as w:
        if w.getsampwidth() != 2:
            raise RenderError(f"{path}: only 16-bit PCM WAV is supported, not {8 * w.getsampwidth()}-bit")
        rate, ch = w.getframerate(), w.getnchannels()
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
    if ch > 1:
        data = data.reshape(-1, ch).mean(axis=1)
    return data, rate


def write_wav(path: Path, samples: np.ndarray, rate: int) -> None:
    pcm = np.clip(np.round(samples * 32767.0), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


def finish(samples: np.ndarray, rate: int, volume: int) -> np.ndarray:
    """Trim silence (5 ms kept before the first sound, 30 ms after the last) and set the peak to ``volume``%."""
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    if peak <= 0.0:
        return samples[:0]
    loud = np.flatnonzero(np.abs(samples) >= 0.02 * peak)
    a = max(0, int(loud[0]) - int(0.005 * rate))
    b = min(samples.size, int(loud[-1]) + int(0.030 * rate))
    # -1 dBFS at full volume: headroom for the DAC and the resampling in ALSA's plug layer.
    return samples[a:b] * (0.89 * volume / 100.0 / peak)


@dataclass(frozen=True)
class SpeechCheck:
    """What a rendered phrase sounds like in numbers."""

    duration_s: float
    rms_dbfs: float  # over the whole file
    voiced_fraction: float  # 20 ms frames louder than -40 dBFS
    lead_silence_s: float  # from the start of the file to the first sample above -40 dBFS
    # Spread (90th - 10th percentile) of the 20 ms frame levels, floored at -60 dBFS:
    # syllables make speech rise and fall; a tone, hum or noise stays level.
    envelope_range_db: float = 0.0

    def problems(self, text: str, wpm: int) -> list[str]:
        """Why this is not the speech of ``text`` at ``wpm`` words per minute (empty: it is)."""
        out = []
        words = len(text.replace(",", " ").split())
        expected = words * 60.0 / wpm
        if not 0.35 * expected <= self.duration_s <= 3.0 * expected + 0.5:
            out.append(f"{self.duration_s:.2f} s long, expected about {expected:.2f} s for {words} word(s)")
        if self.rms_dbfs < -35.0:
            out.append(f"too quiet ({self.rms_dbfs:.0f} dBFS RMS)")
        if self.voiced_fraction < 0.4:
            out.append(f"mostly silence (sound in {self.voiced_fraction:.0%} of the frames)")
        if self.envelope_range_db < 6.0:
            out.append(f"a steady sound, not speech (level varies by {self.envelope_range_db:.1f} dB)")
        return out


def analyse(path: Path | str) -> SpeechCheck:
    x, rate = read_wav(path)
    if x.size == 0:
        return SpeechCheck(0.0, -120.0, 0.0, 0.0, 0.0)
    n = max(1, int(0.020 * rate))
    frames = x[: x.size // n * n].reshape(-1, n) if x.size >= n else x.reshape(1, -1)
    frame_db = 20 * np.log10(np.sqrt(np.mean(frames**2, axis=1)) + 1e-9)
    above = np.flatnonzero(np.abs(x) >= 0.01)
    return SpeechCheck(
        duration_s=x.size / rate,
        rms_dbfs=float(20 * np.log10(np.sqrt(np.mean(x**2)) + 1e-9)),
        voiced_fraction=float(np.mean(frame_db > -40.0)),
        lead_silence_s=float(above[0] / rate) if above.size else x.size / rate,
        envelope_range_db=float(np.subtract(*np.percentile(np.maximum(frame_db, -60.0), [90, 10]))),
    )


# ---- the cache


class PhraseCache:
    """Rendered phrases in ``folder``: ``path(name)`` renders on first use, then reuses the file.

    Safe to call from several threads: each render writes a temporary file and
    renames it into place, so a reader never sees half a WAV.
    """

    def __init__(self, cfg: AudioConfig, folder: Path, engine: Optional[Engine] = None) -> None:
        self.cfg = cfg
        self.folder = Path(folder)
        self.engine = engine or choose_engine(cfg)
        self.table = phrase_table(cfg.language)
        self._lock = threading.Lock()
        self._paths: dict[str, Path] = {}
        self.recordings: Optional[Path] = None
        if cfg.engine == "recorded":
            if cfg.voice and Path(cfg.voice).is_dir():
                self.recordings = Path(cfg.voice)
            else:
                log.warning("audio: engine \"recorded\" needs audio.voice to be the folder of your recordings "
                            "(%s is not a folder); speaking with espeak-ng", cfg.voice or "empty")

    def recording(self, name: str) -> Optional[Path]:
        """The person's own recording of phrase ``name`` (``<name>.wav``), if there is one."""
        if self.recordings is None:
            return None
        p = self.recordings / f"{name}.wav"
        return p if p.is_file() else None

    def target(self, name: str) -> Path:
        """Where phrase ``name`` is (or will be) in the cache."""
        rec = self.recording(name)
        if rec is None:
            return self.file_for(self.table[name])
        digest = hashlib.sha256(rec.read_bytes() + f"|{self.cfg.volume}|{RENDER_VERSION}".encode()).hexdigest()[:16]
        return self.folder / f"recorded-{name}-{digest}.wav"

    def file_for(self, text: str) -> Path:
        slug = "".join(c if c.isalnum() else "-" for c in text.lower())[:32].strip("-")
        return self.folder / f"{slug}-{self.engine.key(text)}.wav"

    def path(self, name: str, gentle: bool = False) -> Path:
        """The WAV of phrase ``name`` (a key of the phrase table), rendering it if needed."""
        with self._lock:
            p = self._paths.get(name)
        if p is not None:
            return p
        p = self.target(name)
        if not p.exists():
            rec = self.recording(name)
            if rec is not None:
                prepare_recording(rec, p, self.cfg.volume)
            else:
                render_to(self.engine, self.table[name], p, gentle=gentle)
        with self._lock:
            self._paths[name] = p
        return p

    def ready(self, name: str) -> Optional[Path]:
        """The WAV if already rendered (never renders: safe on the rep loop's thread)."""
        with self._lock:
            return self._paths.get(name)

    def render_all(self, names: Optional[Iterable[str]] = None, gentle: bool = False,
                   stop: Optional[threading.Event] = None) -> int:
        """Render every phrase (or ``names``) not yet cached, until ``stop`` is set; returns how many were rendered."""
        n = 0
        for name in names or list(self.table):
            if stop is not None and stop.is_set():
                break
            fresh = not self.target(name).exists()
            self.path(name, gentle=gentle)
            n += fresh
        return n


def prepare_recording(src: Path, out: Path, volume: int) -> None:
    """A person's recording into the cache: trimmed and at ``volume`` like a rendered phrase (never changes ``src``)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        x, rate = read_wav(src)
    except (wave.Error, EOFError) as e:
        raise RenderError(f"{src} is not a WAV file ({e}); record 16-bit PCM WAV, "
                          f"or convert it: sox IN -b 16 -c 1 {src.name}") from None
    except RenderError as e:
        raise RenderError(f"{e}; convert it: sox IN -b 16 -c 1 {src.name}") from None
    fd, tmp = tempfile.mkstemp(prefix=".render-", suffix=".wav", dir=out.parent)
    os.close(fd)
    tmp_p = Path(tmp)
    try:
        write_wav(tmp_p, finish(x, rate, volume), rate)
        os.replace(tmp_p, out)
    finally:
        tmp_p.unlink(missing_ok=True)


def render_to(engine: Engine, text: str, out: Path, gentle: bool = False) -> None:
    """Render ``text`` to ``out`` (trimmed, at the engine's volume), atomically."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".render-", suffix=".wav", dir=out.parent)
    os.close(fd)
    tmp_p = Path(tmp)
    try:
        synthesise(engine, text, tmp_p, gentle=gentle)
        x, rate = read_wav(tmp_p)
        write_wav(tmp_p, finish(x, rate, engine.volume), rate)
        os.replace(tmp_p, out)
    finally:
        tmp_p.unlink(missing_ok=True)


def usable_cache_dir(configured: Path) -> Path:
    """``configured`` if it can be written, else the user's cache (a laptop demo), else a temp folder."""
    candidates = [Path(configured),
                  Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "wallhinge" / "cues",
                  Path(tempfile.gettempdir()) / f"wallhinge-cues-{os.getuid()}"]
    for c in candidates:
        try:
            c.mkdir(parents=True, exist_ok=True)
            probe = c / ".probe"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError:
            continue
        if c != Path(configured):
            log.info("audio: %s is not writable; caching spoken phrases in %s", configured, c)
        return c
    raise RenderError(f"no writable folder for the spoken phrases: set [audio] cache_dir (tried {configured})")


def render_folder(cfg: AudioConfig, folder: Path) -> list[tuple[str, str, Path]]:
    """Write every phrase as ``<name>.wav`` in ``folder`` plus an index (name, text, file).

    Refuses a folder that holds anything but an earlier render (never writes
    over someone's files, such as their own recordings).
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise RenderError(f"{folder} is a file; give a folder for the phrases")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / INDEX_NAME).exists():
        raise RenderError(f"{folder} is not empty and was not written by `cues --render`; "
                          "give a new or empty folder (nothing in it is overwritten)")
    engine = choose_engine(cfg)
    table = phrase_table(cfg.language)
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, text in table.items():
        p = folder / f"{name}.wav"
        render_to(engine, text, p)
        rows.append((name, text, p))
    with open(folder / INDEX_NAME, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["name", "text", "engine", "voice", "speed", "volume"])
        for name, text, _ in rows:
            w.writerow([name, text, engine.name, engine.voice, engine.speed, engine.volume])
    return rows
