"""The event sink that speaks: engine events in, phrases to the player out.

Called on the engine's threads (the proximity poller at hip contact, the
camera loop at the end of a rep), so :meth:`CueSink.handle` does only a
policy decision and a queue put; rendering and playing happen on the
player's thread.

When each thing is said:

- hip contact with a fault already seen (``rounded``, ``squat``,
  ``knee_lock``, ``heel_lift``): its cue, at once: the moment that matters;
- the rep is counted (back at standing): the count, "one", "two", ...;
- a rep whose final verdict is a fault not cued at contact (``shallow``,
  ``too_fast``, ``unchecked``, or a fault that appeared after contact): its cue; an
  ``unchecked`` rep the camera saw hinge, or saw standing at the wall, but whose back it could not
  measure gets, once a set, the hint that a top contrasting with the wall helps (:func:`device.messages.back_unseen`, with
  the station's thresholds); one whose person the picture cut off (feet or shoulders past its edge)
  gets, once a set, the hint to aim the camera (:func:`device.messages.framing_cut`) instead of
  "step into view";
- set start, target reached (queued after the count), and an installer fault
  (:meth:`device_fault`) when the health monitor first reports it.

Each phrase pre-empts the one playing, except the target, which waits for the count.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, Optional, Protocol

from ..config import AudioConfig
from ..core.types import ContactMade, Event, RepFinished, SetStarted, TargetReached
from ..messages import back_unseen, framing_cut
from .phrases import HINT_BACK_UNSEEN, HINT_FRAMING, MUTED
from .policy import CuePolicy

log = logging.getLogger(__name__)


class Speaker(Protocol):
    def say(self, name: str, interrupt: bool = True) -> None: ...

    def silence(self) -> None: ...

    def close(self) -> None: ...


class CueSink:
    """Speaks counts and cues for the engine's events, faded by :class:`CuePolicy`."""

    def __init__(self, speaker: Speaker, policy: Optional[CuePolicy] = None, thresholds: Any = None) -> None:
        self.speaker = speaker
        self.policy = policy or CuePolicy()
        self.thresholds = thresholds  # the station's config.thresholds: when the back-unseen hint applies
        self._cued_at_contact: Optional[str] = None
        self._lock = threading.Lock()  # the poller and the camera loop both call in

    @property
    def muted(self) -> bool:
        return self.policy.muted

    def handle(self, event: Event) -> None:
        with self._lock:
            said = self._decide(event)
        if said is not None:
            name, interrupt = said
            self.speaker.say(name, interrupt=interrupt)

    def _decide(self, e: Event) -> Optional[tuple[str, bool]]:
        p = self.policy
        if isinstance(e, SetStarted):
            self._cued_at_contact = None
            name = p.set_started()
        elif isinstance(e, ContactMade):
            v = e.verdict.value
            if v in ("good", "unchecked"):
                # `unchecked` waits for the rep's end: only then is it known whether the person was out
                # of view ("step into view") or in view with a back the camera cannot see (the hint).
                return None
            self._cued_at_contact = v
            name = p.fault(v)
        elif isinstance(e, RepFinished):
            v = e.rep.verdict.value
            at_contact, self._cued_at_contact = self._cued_at_contact, None
            if e.rep.counted:
                name = p.counted(e.counted_total)
            elif v == at_contact:
                return None  # decided at contact (spoken, or faded out)
            elif framing_cut(e.rep):
                name = p.hint(HINT_FRAMING)
            elif back_unseen(e.rep, self.thresholds):
                name = p.hint(HINT_BACK_UNSEEN)
            else:
                name = p.fault(v)
        elif isinstance(e, TargetReached):
            name = p.target_reached()
            return (name, False) if name else None
        else:
            return None
        return (name, True) if name else None

    def device_fault(self, part: str) -> None:
        """The health monitor reports a new fault (``"camera"``, ``"proximity sensor"``)."""
        with self._lock:
            name = self.policy.device_fault(part)
        if name is not None:
            self.speaker.say(name, interrupt=True)

    def mute(self, muted: bool) -> None:
        """Mute or unmute (the button's long press, the dashboard, MQTT); confirms in words."""
        with self._lock:
            was = self.policy.muted
            confirm = self.policy.set_muted(muted)
        if muted and not was:
            self.speaker.silence()
            self.speaker.say(MUTED, interrupt=True)  # the last thing said, so a person knows why it went quiet
        elif confirm is not None:
            self.speaker.say(confirm, interrupt=True)
        log.info("spoken cues %s", "muted" if muted else "on")

    def toggle_mute(self) -> None:
        self.mute(not self.muted)

    def close(self) -> None:
        self.speaker.close()


class Voice:
    """A :class:`Speaker` from a phrase cache and a player.

    ``say`` hands the player the cached WAV, or, for a phrase not yet
    rendered, a function that renders it on the player's thread.
    """

    def __init__(self, cache, player) -> None:
        self.cache = cache
        self.player = player
        self._render_thread: Optional[threading.Thread] = None
        self._closing = threading.Event()

    def say(self, name: str, interrupt: bool = True) -> None:
        ready: Optional[Path] = self.cache.ready(name)
        self.player.play(name, ready if ready is not None else (lambda: self.cache.path(name)), interrupt=interrupt)

    def silence(self) -> None:
        self.player.stop()

    def prerender(self, first: tuple[str, ...] = ()) -> threading.Thread:
        """Render every phrase in the background (``first`` first); the station does not wait for it."""

        def work() -> None:
            try:
                n = self.cache.render_all([*first, *(k for k in self.cache.table if k not in first)], gentle=True,
                                         stop=self._closing)
                if n:
                    log.info("audio: rendered %d phrases into %s", n, self.cache.folder)
            except Exception as e:  # a render failure leaves the phrases to render on first use
                log.warning("audio: could not render the phrases ahead: %s", e)

        self._render_thread = threading.Thread(target=work, name="cue-render", daemon=True)
        self._render_thread.start()
        return self._render_thread

    def close(self) -> None:
        self._closing.set()
        if self._render_thread is not None:
            self._render_thread.join(timeout=2.0)  # at most the phrase being rendered
        self.player.close()


def make_cue_sink(cfg: AudioConfig, target_reps: int = 20, thresholds: Any = None) -> Optional[CueSink]:
    """The speaking sink for the live station, or ``None`` (one warning, the station runs silent).
    ``thresholds`` is the station's ``config.thresholds`` (the hint follows them)."""
    from .phrases import count_key
    from .player import Player, PlayerUnavailable
    from .render import PhraseCache, RenderError, usable_cache_dir

    if not cfg.enabled:
        return None
    try:
        cache = PhraseCache(cfg, usable_cache_dir(cfg.cache_dir))
        player = Player(cfg.device)
    except (RenderError, PlayerUnavailable) as e:
        log.warning("audio: %s; the station runs without speech", e)
        return None
    voice = Voice(cache, player)
    # The cues and this target's counts first: they are what a first set needs.
    voice.prerender(tuple(k for k in cache.table if k.startswith("cue-"))
                    + tuple(count_key(n) for n in range(1, min(target_reps, 200) + 1)))
    return CueSink(voice, CuePolicy(faults_every=cfg.faults_every), thresholds=thresholds)
