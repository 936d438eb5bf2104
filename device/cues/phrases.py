"""What the station says: one table of phrases, keyed by a short stable name.

The names are the WAV file names of ``python -m device cues --render DIR``
(``count-007.wav``, ``cue-rounded.wav``), so a custom recording of a phrase
has an obvious name. Technique cues use the words of :data:`device.messages.CUES`
(the dashboard and MQTT show the same words the speaker says); ``squat``, a
verdict being added alongside this work, has its cue here until it is there.
"""

from __future__ import annotations

from ..messages import BACK_UNSEEN_HINT, CUES, FRAMING_HINT

MAX_COUNT = 200  # the largest target a clinician can set (station.target_reps)

_ONES = ("", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
         "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def number_words(n: int) -> str:
    """``n`` (1-999) in English words, composed: 21 -> "twenty one", 120 -> "one hundred and twenty"."""
    if not 1 <= n <= 999:
        raise ValueError(f"counts are spoken from 1 to 999, not {n}")
    hundreds, rest = divmod(n, 100)
    words = []
    if hundreds:
        words.append(f"{_ONES[hundreds]} hundred")
    if rest:
        if hundreds:
            words.append("and")
        if rest < 20:
            words.append(_ONES[rest])
        else:
            tens, ones = divmod(rest, 10)
            words.append(_TENS[tens] + (f" {_ONES[ones]}" if ones else ""))
    return " ".join(words)


# Technique cues per verdict: what to do, never a danger (DOMAIN.md). `good`
# has none: a good rep is answered by its count.
_CUE_WORDS = {**{k: v for k, v in CUES.items() if k != "good"}, "squat": CUES.get("squat", "hips back, not down")}

# Installer faults, by the health monitor's part name (device/health.py).
FAULT_PARTS = {"camera": "camera lost", "proximity sensor": "sensor lost"}


def count_key(n: int) -> str:
    return f"count-{n:03d}"


def cue_key(verdict: str) -> str:
    return f"cue-{verdict}"


def fault_key(part: str) -> str:
    return "fault-" + ("sensor" if part == "proximity sensor" else part.replace(" ", "_"))


SET_START = "set-start"
TARGET = "target-reached"
MUTED = "sound-off"
UNMUTED = "sound-on"
SOUND_CHECK = "sound-check"
HINT_BACK_UNSEEN = "hint-back-unseen"  # once a set: reps unchecked because the back was not seen
HINT_FRAMING = "hint-framing"  # once a set: reps unchecked because the picture cuts the person off


def phrase_table(language: str = "en") -> dict[str, str]:
    """Every phrase the station can say, name -> text, in the order worth rendering first."""
    if language != "en":
        raise ValueError(f"no phrase table for language {language!r}; available: en")
    table: dict[str, str] = {cue_key(v): text for v, text in _CUE_WORDS.items()}
    table[SET_START] = "set started"
    table[HINT_BACK_UNSEEN] = BACK_UNSEEN_HINT
    table[HINT_FRAMING] = FRAMING_HINT
    table[TARGET] = "target reached, well done"
    for part, text in FAULT_PARTS.items():
        table[fault_key(part)] = text
    table[MUTED] = "sound off"
    table[UNMUTED] = "sound on"
    table[SOUND_CHECK] = "wall hinge sound check"
    for n in range(1, MAX_COUNT + 1):
        table[count_key(n)] = number_words(n)
    return table


def cue_words(verdict: str) -> str | None:
    """The spoken cue for a verdict (``None`` for ``good`` or an unknown verdict)."""
    return _CUE_WORDS.get(verdict)
