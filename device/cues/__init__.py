"""Feedback the athlete can perceive: spoken counts and technique cues.

The athlete stands with their back to the wall unit, so what they perceive
mid-rep is sound (and the optional view light at the camera stand). This
package speaks:

- :mod:`.phrases`: what is said (counts, one cue per verdict, set start,
  target, installer faults);
- :mod:`.render`: phrases rendered to WAV once (espeak-ng, or a local Piper
  voice) and cached;
- :mod:`.player`: playback with ALSA's ``aplay`` on its own thread, a newer
  cue pre-empting an older one;
- :mod:`.policy`: faded feedback (counts always, faults the first time and
  then every Nth, mute), pure;
- :mod:`.sink`: the event sink the station adds, and :func:`make_cue_sink`.

``python -m device cues --render DIR`` writes every phrase to DIR.
"""

from __future__ import annotations

from pathlib import Path

from .policy import CuePolicy
from .sink import CueSink, make_cue_sink

__all__ = ["CuePolicy", "CueSink", "make_cue_sink", "cues_main", "check_speaker"]


def cues_main(cfg, render_dir) -> int:
    """``python -m device cues --render DIR``: every phrase as DIR/<name>.wav, with an index."""
    import sys

    from .render import INDEX_NAME, RenderError, analyse, render_folder

    try:
        rows = render_folder(cfg.audio, render_dir)
    except RenderError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except OSError as e:  # a read-only or full disk: say which folder
        print(f"error: cannot write the phrases to {render_dir}: {e.strerror}", file=sys.stderr)
        return 1
    bad = [(name, text, problems) for name, text, p in rows
           if (problems := analyse(p).problems(text, cfg.audio.speed))]
    print(f"wrote {len(rows)} phrases to {render_dir} (index: {render_dir}/{INDEX_NAME})")
    for name, text, problems in bad:
        print(f"  check {name} ({text!r}): {'; '.join(problems)}", file=sys.stderr)
    return 1 if bad else 0


def check_speaker(cfg, *, play: bool, ask=None) -> tuple[str, str]:
    """The self-test's speaker step: (outcome, detail).

    Renders the sound-check phrase and checks it is speech. With ``play``,
    plays it on ``audio.device`` and, if ``ask`` is given, asks the installer
    whether they heard it.
    """
    import tempfile

    from .phrases import SOUND_CHECK
    from .render import PhraseCache, RenderError, usable_cache_dir

    a = cfg.audio
    if not a.enabled:
        return "SKIP", "disabled in the config ([audio] enabled = false)"
    if not play:
        # --mock: no hardware, so nothing of the station's is touched; render into a folder of our own.
        with tempfile.TemporaryDirectory() as tmp:
            try:
                cache = PhraseCache(a, Path(tmp))
            except RenderError as e:
                return "SKIP", f"{e}; the station would run silent"
            return _check_rendered(cache, cache.path(SOUND_CHECK), a, play, ask)
    cache = PhraseCache(a, usable_cache_dir(a.cache_dir))
    return _check_rendered(cache, cache.path(SOUND_CHECK), a, play, ask)


def _check_rendered(cache, path, a, play: bool, ask) -> tuple[str, str]:
    from .phrases import SOUND_CHECK
    from .player import Player
    from .render import analyse

    text = cache.table[SOUND_CHECK]
    problems = analyse(path).problems(text, a.speed)
    if problems:
        return "FAIL", f"the rendered phrase is not speech ({'; '.join(problems)}): check [audio] voice and volume"
    check = analyse(path)
    what = f"rendered {text!r} with {cache.engine.name} ({check.duration_s:.1f} s, {check.rms_dbfs:.0f} dBFS RMS)"
    if not play:
        return "PASS", what + "; not played (--mock)"
    player = Player(a.device)
    try:
        rec = player.play(SOUND_CHECK, path)
        player.idle(timeout=10.0)
    finally:
        player.close()
    if rec.outcome != "played":
        return "FAIL", f"aplay -D {a.device} failed: {rec.error}; list devices with `aplay -L` and set [audio] device"
    if ask is None:
        return "PASS", what + f"; played on {a.device!r}: you should have heard it"
    heard = ask(f"      did you hear \"{text}\"? [y/n] ").strip().lower().startswith("y")
    if heard:
        return "PASS", what + f"; heard on {a.device!r}"
    return "FAIL", (f"played on {a.device!r} but not heard: check the speaker is on and plugged in, its volume "
                    "(alsamixer), and [audio] device (aplay -L lists them)")
