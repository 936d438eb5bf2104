"""Spoken cues (issue 13): real espeak-ng renders, real aplay on ALSA's null device,
the faded-feedback policy as a table, the button's long press, the view light.

espeak-ng, aplay and sox come from apt (`.ci/run` installs them); without them
locally the tests that need them skip and say which package is missing.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import subprocess
import sys
import threading
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from device.config import AudioConfig, Config, ConfigError, parse_config
from device.core.types import ContactMade, Rep, RepFinished, SetStarted, TargetReached, Verdict
from device.cues import CuePolicy, CueSink, check_speaker, cues_main, make_cue_sink
from device.cues.phrases import HINT_BACK_UNSEEN, HINT_FRAMING
from device.cues.phrases import (
    MAX_COUNT, MUTED, SET_START, TARGET, UNMUTED, count_key, cue_key, fault_key, number_words, phrase_table,
)
from device.cues.player import Player, PlayerUnavailable
from device.cues.render import (
    INDEX_NAME, PhraseCache, RenderError, analyse, choose_engine, write_wav,
)
from device.cues.sink import Voice
from device.messages import CUES

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="espeak-ng not installed (apt-get install espeak-ng; CI installs it)")
needs_aplay = pytest.mark.skipif(shutil.which("aplay") is None,
                                 reason="aplay not installed (apt-get install alsa-utils; CI installs it)")
needs_sox = pytest.mark.skipif(shutil.which("sox") is None, reason="sox not installed (apt-get install sox; CI installs it)")

# What a first set needs; rendered once for the whole module (about 50 ms a phrase).
FEW = [cue_key(v) for v in ("rounded", "squat", "shallow", "knee_lock", "heel_lift", "too_fast", "unchecked")] + [
    SET_START, TARGET, MUTED, UNMUTED, fault_key("camera"), fault_key("proximity sensor"),
    count_key(1), count_key(2), count_key(3), count_key(123), HINT_BACK_UNSEEN, HINT_FRAMING]


def wait_for(cond, timeout=2.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.005)
    return cond()


@pytest.fixture(scope="module")
def audio_cfg(cue_cache_dir) -> AudioConfig:
    return AudioConfig(cache_dir=cue_cache_dir, device="null", faults_every=1)


@pytest.fixture(scope="module")
def cache(audio_cfg) -> PhraseCache:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng not installed (apt-get install espeak-ng; CI installs it)")
    c = PhraseCache(audio_cfg, audio_cfg.cache_dir)
    c.render_all(FEW)
    return c


@pytest.fixture
def player():
    if shutil.which("aplay") is None:
        pytest.skip("aplay not installed (apt-get install alsa-utils; CI installs it)")
    p = Player("null")
    yield p
    p.close()


# ---------------------------------------------------------------- phrases


@pytest.mark.parametrize("n, words", [
    (1, "one"), (7, "seven"), (13, "thirteen"), (20, "twenty"), (21, "twenty one"), (99, "ninety nine"),
    (100, "one hundred"), (101, "one hundred and one"), (120, "one hundred and twenty"),
    (199, "one hundred and ninety nine"), (200, "two hundred"),
])
def test_counts_are_composed_in_words(n, words):
    assert number_words(n) == words


def test_phrase_table_has_every_count_cue_and_fault():
    t = phrase_table("en")
    assert [t[count_key(n)] for n in (1, 2, 200)] == ["one", "two", "two hundred"]
    assert len({t[count_key(n)] for n in range(1, MAX_COUNT + 1)}) == MAX_COUNT  # no two counts sound alike
    for verdict, words in CUES.items():  # the speaker says what the dashboard shows
        if verdict != "good":
            assert t[cue_key(verdict)] == words
    assert t[cue_key("squat")] == "hips back, not down"
    assert t[cue_key("rounded")] == "chest tall"
    assert t[fault_key("camera")] == "camera lost" and t[fault_key("proximity sensor")] == "sensor lost"
    assert cue_key("good") not in t  # a good rep is answered by its count
    with pytest.raises(ValueError, match="available: en"):
        phrase_table("de")


# ---------------------------------------------------------------- rendering


def _sox_stat(path: Path) -> dict[str, float]:
    r = subprocess.run(["sox", str(path), "-n", "stat"], capture_output=True, text=True, check=True)
    out = {}
    for line in r.stderr.splitlines():
        k, _, v = line.partition(":")
        try:
            out[k.strip()] = float(v)
        except ValueError:
            pass
    return out


@needs_espeak
@pytest.mark.parametrize("name", FEW)
def test_rendered_phrases_are_speech(cache, audio_cfg, name):
    path = cache.path(name)
    text = cache.table[name]
    check = analyse(path)
    assert check.problems(text, audio_cfg.speed) == [], f"{name} ({text!r}): {check}"
    assert check.lead_silence_s <= 0.010, "leading silence is latency: it must be trimmed"
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)


@needs_espeak
@needs_sox
def test_sox_agrees_the_phrases_are_loud_and_as_long_as_their_words(cache):
    # sox measures independently of our own analysis code.
    stats = {n: _sox_stat(cache.path(n)) for n in (count_key(1), count_key(123), cue_key("rounded"), cue_key("squat"))}
    for n, s in stats.items():
        assert s["RMS     amplitude"] > 0.03, f"{n} is near silence: {s}"
        assert s["Maximum amplitude"] == pytest.approx(0.89 * 0.80, abs=0.01), "peak is set by [audio] volume = 80"
    one, long = stats[count_key(1)]["Length (seconds)"], stats[count_key(123)]["Length (seconds)"]
    assert 0.2 < one < 0.9 and long > 2.5 * one, "one word vs 'one hundred and twenty three'"
    assert stats[cue_key("squat")]["Length (seconds)"] > stats[cue_key("rounded")]["Length (seconds)"]


def test_the_speech_check_rejects_silence_a_tone_and_noise(tmp_path):
    rate = 22050
    t = np.arange(rate) / rate
    rng = np.random.default_rng(0)
    for name, x in (("silence", np.zeros(rate)), ("tone", 0.5 * np.sin(2 * math.pi * 440 * t)),
                    ("noise", rng.normal(0, 0.2, rate)), ("click", np.r_[np.ones(50) * 0.9, np.zeros(rate)])):
        p = tmp_path / f"{name}.wav"
        write_wav(p, x, rate)
        assert analyse(p).problems("chest tall", 150), f"{name} passed as speech"


@needs_espeak
def test_cache_is_keyed_by_text_and_settings(cache, audio_cfg, tmp_path):
    name = count_key(2)
    path = cache.path(name)
    mtime = path.stat().st_mtime_ns
    again = PhraseCache(audio_cfg, audio_cfg.cache_dir)
    assert again.path(name) == path and path.stat().st_mtime_ns == mtime, "a cached phrase is never re-rendered"
    assert again.render_all([name, count_key(1)]) == 0
    quiet = PhraseCache(audio_cfg.model_copy(update={"volume": 40}), audio_cfg.cache_dir)
    assert quiet.file_for("two") != path
    peak_quiet = np.abs(np.frombuffer(wave.open(str(quiet.path(name))).readframes(10**6), "<i2")).max()
    peak_loud = np.abs(np.frombuffer(wave.open(str(path)).readframes(10**6), "<i2")).max()
    assert peak_quiet / peak_loud == pytest.approx(0.5, abs=0.02)
    assert PhraseCache(audio_cfg.model_copy(update={"speed": 200}), audio_cfg.cache_dir).file_for("two") != path
    assert PhraseCache(audio_cfg.model_copy(update={"voice": "en-us"}), audio_cfg.cache_dir).file_for("two") != path
    assert not list(Path(audio_cfg.cache_dir).glob(".render-*")), "no temporary files left behind"


@needs_espeak
def test_a_bad_voice_is_a_clear_error(audio_cfg, tmp_path):
    c = PhraseCache(audio_cfg.model_copy(update={"voice": "xx-nonexistent"}), tmp_path)
    with pytest.raises(RenderError, match="xx-nonexistent.*espeak-ng --voices"):
        c.path(count_key(1))
    assert not list(tmp_path.iterdir()), "a failed render leaves nothing in the cache"


def test_piper_without_binary_or_model_falls_back_to_espeak(monkeypatch, caplog, tmp_path):
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng not installed")
    if shutil.which("piper") is None:
        with caplog.at_level(logging.WARNING):
            e = choose_engine(AudioConfig(engine="piper", voice=str(tmp_path / "en_GB-alan.onnx")))
        assert e.name == "espeak-ng" and "no `piper` program" in caplog.text


def test_missing_programs_leave_the_station_silent_with_one_warning(monkeypatch, caplog, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # neither espeak-ng nor aplay on it
    with caplog.at_level(logging.WARNING):
        assert make_cue_sink(AudioConfig(cache_dir=tmp_path / "c")) is None
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "espeak-ng is not installed" in warnings[0] and "apt-get install" in warnings[0]
    with pytest.raises(PlayerUnavailable, match="alsa-utils"):
        Player("null")
    assert make_cue_sink(AudioConfig(enabled=False)) is None
    outcome, detail = check_speaker(Config(), play=False)  # selftest --mock on a machine without espeak-ng
    assert outcome == "SKIP" and "espeak-ng is not installed" in detail


def test_render_command_writes_every_phrase_and_never_overwrites_other_files(tmp_path, monkeypatch, capsys):
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng not installed")
    import device.cues.render as render

    small = {k: v for k, v in phrase_table().items() if k in (count_key(1), cue_key("squat"), SET_START)}
    monkeypatch.setattr(render, "phrase_table", lambda language="en": small)  # the full table takes ~10 s
    cfg = Config()
    out = tmp_path / "voice"
    assert cues_main(cfg, out) == 0
    assert sorted(p.name for p in out.glob("*.wav")) == sorted(f"{k}.wav" for k in small)
    index = (out / INDEX_NAME).read_text().splitlines()
    assert index[0].startswith("name,text,engine") and any("hips back, not down" in line for line in index)
    assert cues_main(cfg, out) == 0, "re-rendering its own folder is fine"
    mine = tmp_path / "my-recordings"
    mine.mkdir()
    (mine / "count-001.wav").write_bytes(b"my own voice")
    assert cues_main(cfg, mine) == 1
    assert "not empty" in capsys.readouterr().err
    assert (mine / "count-001.wav").read_bytes() == b"my own voice"
    r = subprocess.run([sys.executable, "-m", "device", "cues", "--render", str(mine)], capture_output=True, text=True)
    assert r.returncode == 1 and "not empty" in r.stderr and "Traceback" not in r.stderr


# ---------------------------------------------------------------- policy (pure)

R, S, K, T = "rounded", "squat", "knee_lock", "too_fast"


@pytest.mark.parametrize("every, faults, spoken", [
    (1, [R, R, R], [1, 1, 1]),
    (3, [R] * 7, [1, 0, 0, 1, 0, 0, 1]),
    (2, [R, S, R, S, R], [1, 1, 0, 0, 1]),  # each kind faded on its own
    (3, [R, K, R, R, K, R], [1, 1, 0, 0, 0, 1]),
    (100, [T] * 4, [1, 0, 0, 0]),
])
def test_faults_are_spoken_first_then_every_nth(every, faults, spoken):
    p = CuePolicy(faults_every=every)
    p.set_started()
    assert [int(p.fault(f) is not None) for f in faults] == spoken


def test_counts_set_start_and_target_are_always_spoken_and_fading_restarts_per_set():
    p = CuePolicy(faults_every=5)
    assert p.set_started() == SET_START
    assert [p.fault(R), p.fault(R)] == [cue_key(R), None]
    assert [p.counted(n) for n in (1, 2, 3)] == [count_key(1), count_key(2), count_key(3)]
    assert p.target_reached() == TARGET
    assert p.set_started() == SET_START
    assert p.fault(R) == cue_key(R), "the first fault of a kind in a new set is spoken"
    assert p.fault("good") is None and p.counted(0) is None and p.counted(MAX_COUNT + 1) is None
    assert p.device_fault("proximity sensor") == "fault-sensor"


def test_mute_silences_everything_but_keeps_fading_state():
    p = CuePolicy(faults_every=2)
    p.set_started()
    assert p.fault(R) == cue_key(R)
    assert p.set_muted(True) is None
    assert [p.fault(R), p.counted(1), p.target_reached(), p.device_fault("camera"), p.set_started()] == [None] * 5
    p.fault(R)  # 2nd of the new set while muted: counted, not spoken
    assert p.set_muted(False) == UNMUTED
    assert p.set_muted(False) is None
    assert p.fault(R) is None and p.fault(R) == cue_key(R), "unmuted mid-set carries on the fading"
    with pytest.raises(ValueError):
        CuePolicy(faults_every=0)


# ---------------------------------------------------------------- the sink with a real player


def _rep(i, verdict, contact=True):
    return Rep(index=i, start_s=0, bottom_s=1, end_s=2, contact=contact, verdict=verdict)


def _played_names(player):
    return [(r.name, r.outcome) for r in player.history]


@needs_aplay
def test_sink_speaks_fault_at_contact_count_at_standing_and_target_after_the_count(cache, player):
    sink = CueSink(Voice(cache, player), CuePolicy(faults_every=1))
    steps = [
        (SetStarted(0.0, 1), [SET_START]),
        (ContactMade(1.0, Verdict.ROUNDED), [cue_key(R)]),  # at contact: the moment that matters
        (RepFinished(2.0, _rep(1, Verdict.ROUNDED), 0, 2), []),  # already said
        (ContactMade(3.0, Verdict.GOOD), []),
        (RepFinished(4.0, _rep(2, Verdict.GOOD), 1, 2), [count_key(1)]),
        (RepFinished(5.0, _rep(3, Verdict.SHALLOW, contact=False), 1, 2), [cue_key("shallow")]),
        (ContactMade(6.0, Verdict.GOOD), []),
        (RepFinished(7.0, _rep(4, Verdict.TOO_FAST), 1, 2), [cue_key(T)]),  # known only at standing
    ]
    for event, expected in steps:
        before = len(player.history)
        sink.handle(event)
        assert player.idle(5.0)
        assert _played_names(player)[before:] == [(n, "played") for n in expected], event
    before = len(player.history)
    sink.handle(RepFinished(8.0, _rep(5, Verdict.GOOD), 2, 2))
    sink.handle(TargetReached(8.0, 2))
    assert player.idle(5.0)
    assert _played_names(player)[before:] == [(count_key(2), "played"), (TARGET, "played")]
    assert all(r.started is not None and r.started >= r.requested for r in player.history)


@needs_aplay
def test_mute_stops_speech_and_says_so(cache, player):
    sink = CueSink(Voice(cache, player), CuePolicy())
    sink.toggle_mute()
    assert sink.muted
    sink.handle(RepFinished(1.0, _rep(1, Verdict.GOOD), 1, 20))
    sink.device_fault("camera")
    sink.toggle_mute()
    assert player.idle(5.0)
    assert [n for n, _ in _played_names(player)] == [MUTED, UNMUTED]


@needs_aplay
def test_a_newer_cue_pre_empts_the_one_playing(cache, tmp_path):
    # ALSA's file plugin on a FIFO: aplay blocks (as on a slow device) until someone reads it.
    fifo = tmp_path / "pcm.fifo"
    os.mkfifo(fifo)
    player = Player(f"file:'{fifo}',raw")
    try:
        first = player.play("first", cache.path(count_key(1)))
        assert wait_for(lambda: first.path is not None)
        queued = player.play("queued", cache.path(count_key(2)), interrupt=False)
        newer = player.play("newer", cache.path(cue_key(R)))
        assert wait_for(lambda: first.ended is not None), "the first aplay is killed"
        drained = []
        reader = threading.Thread(target=lambda: drained.append(fifo.read_bytes()), daemon=True)
        reader.start()
        assert player.idle(5.0), (first, queued, newer)
        reader.join(2.0)
        assert (first.outcome, queued.outcome, newer.outcome) == ("pre-empted", "dropped", "played")
        # aplay pads the last period with silence, so at least the whole WAV's data reached the device.
        assert len(drained[0]) >= cache.path(cue_key(R)).stat().st_size - 44, "the newer cue played whole"
    finally:
        player.close()


@needs_aplay
def test_a_bad_device_fails_with_a_message_and_the_player_goes_on(cache, caplog):
    p = Player("no_such_device")
    try:
        with caplog.at_level(logging.WARNING):
            a = p.play("a", cache.path(count_key(1)))
            assert p.idle(5.0)
            b = p.play("b", cache.path(count_key(2)))
            assert p.idle(5.0)
        assert a.outcome == b.outcome == "failed"
        assert sum("no_such_device" in r.getMessage() and "aplay -L" in r.getMessage() for r in caplog.records) == 1
    finally:
        p.close()


@needs_aplay
def test_the_station_speaks_what_the_engine_decides(cache, player):
    # The whole station on the synthetic athlete's ground truth: every rep gets its count or its cue.
    from device.config import Config
    from device.io.frames import Frame
    from device.sim.scenarios import get_scenario
    from device.simulate import TruthPosture
    from device.station import Station, replay

    scenario = get_scenario("mixed", 0, width=320, height=240, fps=15)
    sink = CueSink(Voice(cache, player), CuePolicy(faults_every=1))
    station = Station(Config(), TruthPosture(scenario), sinks=[sink])
    frames = (Frame(i, t, None) for i, t in enumerate(scenario.frame_times()))
    replay(station, frames, list(scenario.proximity))
    assert [r.verdict.value for r in station.reps] == [r.verdict for r in scenario.reps]
    expected, counted = [SET_START], 0
    for r in station.reps:
        counted += r.counted
        expected.append(count_key(counted) if r.counted else cue_key(r.verdict.value))
    assert [p.name for p in player.history] == expected


# ---------------------------------------------------------------- button, view light, config, selftest


def test_hold_ends_the_set_holding_on_mutes_and_a_bump_does_nothing(factory):
    from device.io.gpio import StartButton

    cfg = Config()
    cfg.button.hold_s = 0.15
    pressed, held = [], []
    btn = StartButton(cfg, lambda: pressed.append(1), pin_factory=factory, on_hold=lambda: held.append(1))
    pin = factory.pin(cfg.button.pin)
    try:
        pin.drive_low()  # a bump: shorter than hold_s
        time.sleep(0.05)
        pin.drive_high()
        time.sleep(0.25)
        assert pressed == [] and held == [], "a bump of a hip must do nothing"
        pin.drive_low()  # held past hold_s: the set ends, and nothing is muted yet
        assert wait_for(lambda: pressed == [1])
        assert held == []
        assert wait_for(lambda: held == [1]), "holding on to twice hold_s mutes"
        pin.drive_high()
        time.sleep(0.4)
        assert pressed == [1] and held == [1], "one long press: one set end, one mute"
    finally:
        btn.close()


def test_view_light_shows_the_verdict_in_the_athletes_view(factory):
    from device.io.gpio import ViewLight

    cfg = parse_config({"view_light": {"enabled": True}, "leds": {"show_s": 0.2}})
    vl = ViewLight(cfg, pin_factory=factory)
    rgb = lambda: tuple(int(factory.pin(p).state) for p in (10, 9, 11))  # noqa: E731
    try:
        vl.handle(ContactMade(1.0, Verdict.ROUNDED))
        assert rgb() == (1, 0, 0)
        vl.handle(RepFinished(2.0, _rep(1, Verdict.GOOD), 1, 20))  # final verdict differs: shown
        assert rgb() == (0, 1, 0)
        assert wait_for(lambda: rgb() == (0, 0, 0), 1.0), "the light goes out after leds.show_s"
        vl.handle(ContactMade(3.0, Verdict.KNEE_LOCK))
        assert rgb() == (1, 1, 0)  # amber
        vl.set_fault(True)
        vl.handle(ContactMade(4.0, Verdict.GOOD))
        assert wait_for(lambda: rgb() == (0, 0, 0)) and wait_for(lambda: rgb() == (1, 1, 0), 1.5), "slow amber blink"
    finally:
        vl.close()


def test_audio_and_view_light_config_is_validated():
    cfg = Config()
    assert (cfg.audio.enabled, cfg.audio.device, cfg.audio.engine, cfg.view_light.enabled) == (True, "default", "espeak-ng", False)
    with pytest.raises(ConfigError, match="GPIO17 is used twice"):
        parse_config({"view_light": {"enabled": True, "red_pin": 17}})
    parse_config({"view_light": {"enabled": False, "red_pin": 17}})  # off: its pins are free
    for bad, needle in (({"engine": "festival"}, "audio.engine"), ({"volume": 150}, "audio.volume"),
                        ({"faults_every": 0}, "audio.faults_every"), ({"language": "xx"}, "audio.language")):
        with pytest.raises(ConfigError, match=needle):
            parse_config({"audio": bad})


@needs_espeak
@needs_aplay
def test_selftest_speaker_step(audio_cfg, cache):
    cfg = Config(audio=audio_cfg)
    outcome, detail = check_speaker(cfg, play=False)
    assert outcome == "PASS" and "not played" in detail
    asked = []
    assert check_speaker(cfg, play=True, ask=lambda q: asked.append(q) or "y")[0] == "PASS"
    assert "wall hinge sound check" in asked[0]
    outcome, detail = check_speaker(cfg, play=True, ask=lambda q: "n")
    assert outcome == "FAIL" and "aplay -L" in detail
    bad = Config(audio=audio_cfg.model_copy(update={"device": "no_such_device"}))
    outcome, detail = check_speaker(bad, play=True, ask=lambda q: "y")
    assert outcome == "FAIL" and "no_such_device" in detail
    assert check_speaker(Config(audio=AudioConfig(enabled=False)), play=True)[0] == "SKIP"


@needs_espeak
@needs_aplay
def test_the_background_render_stops_when_the_station_closes(audio_cfg, tmp_path):
    cache = PhraseCache(audio_cfg, tmp_path)
    voice = Voice(cache, Player("null"))
    voice.prerender((count_key(1),))
    assert wait_for(lambda: any(tmp_path.glob("one-*.wav")))
    voice.close()
    n = len(list(tmp_path.glob("*.wav")))
    time.sleep(0.3)
    assert len(list(tmp_path.glob("*.wav"))) == n < len(cache.table), "rendering went on after close"
    assert not list(tmp_path.glob(".render-*")), "no half-written phrase left behind"


@needs_espeak
def test_a_folder_of_own_recordings_is_the_voice_and_espeak_says_the_rest(audio_cfg, cache, tmp_path):
    # The "recording" of count 1 is a longer phrase, so which file is played is plain from its length.
    mine = tmp_path / "recordings"
    mine.mkdir()
    (mine / "count-001.wav").write_bytes(cache.path(cue_key("squat")).read_bytes())
    original = (mine / "count-001.wav").read_bytes()
    cfg = audio_cfg.model_copy(update={"engine": "recorded", "voice": str(mine), "volume": 50})
    c = PhraseCache(cfg, tmp_path / "cache")
    own, spoken = analyse(c.path(count_key(1))), analyse(cache.path(count_key(1)))
    assert own.duration_s > 2 * spoken.duration_s, "count 1 is the recording"
    assert own.problems("hips back, not down", cfg.speed) == []
    x = np.frombuffer(wave.open(str(c.path(count_key(1)))).readframes(10**6), "<i2")
    assert np.abs(x).max() / 32767 == pytest.approx(0.89 * 0.50, abs=0.01), "played at [audio] volume"
    assert (mine / "count-001.wav").read_bytes() == original, "the recording itself is never changed"
    assert analyse(c.path(count_key(2))).duration_s < own.duration_s, "count 2 is not recorded: espeak-ng says it"
    (mine / "count-003.wav").write_bytes(b"not a wav")
    with pytest.raises(RenderError, match="count-003.wav.*sox"):
        c.path(count_key(3))


@needs_aplay
def test_a_back_the_camera_cannot_see_gets_a_hint_once_a_set_not_step_into_view(cache, player):
    # An unchecked rep the camera saw hinge (trunk 48 deg) but whose back it measured on 5 % of the rep
    # (a top the colour of the wall): "step into view" would be wrong; the hint is said once a set.
    # An unchecked rep the camera did not see at all (no trunk) is still "step into view".
    def unseen_back(i):
        return Rep(index=i, start_s=0, bottom_s=1, end_s=2, contact=True, verdict=Verdict.UNCHECKED,
                   trunk_inclination_deg=48.0, seen_fraction=0.05)

    sink = CueSink(Voice(cache, player), CuePolicy(faults_every=1))
    steps = [
        (SetStarted(0.0, 1), [SET_START]),
        (ContactMade(1.0, Verdict.UNCHECKED), []),  # waits for the rep's end: which kind is not known yet
        (RepFinished(2.0, unseen_back(1), 0, 20), [HINT_BACK_UNSEEN]),
        (ContactMade(3.0, Verdict.UNCHECKED), []),
        (RepFinished(4.0, unseen_back(2), 0, 20), []),  # once a set
        (RepFinished(5.0, _rep(3, Verdict.UNCHECKED), 0, 20), [cue_key("unchecked")]),  # not seen at all
        (SetStarted(6.0, 2), [SET_START]),
        (RepFinished(7.0, unseen_back(1), 0, 20), [HINT_BACK_UNSEEN]),  # a new set: said again
    ]
    for event, expected in steps:
        before = len(player.history)
        sink.handle(event)
        assert player.idle(5.0)
        assert _played_names(player)[before:] == [(n, "played") for n in expected], event


@needs_aplay
def test_a_person_the_picture_cuts_off_hears_to_aim_the_camera_once_a_set_not_step_into_view(cache, player):
    # An unchecked rep of a person standing where they should while the picture cuts them off (feet below
    # its bottom edge: Rep.cut_by_frame, from the engine) is no reason to "step into view": the hint to aim
    # the camera, once a set. A rep the camera did not see at all is still "step into view".
    def cut(i):
        return Rep(index=i, start_s=0, bottom_s=1, end_s=2, contact=True, verdict=Verdict.UNCHECKED,
                   cut_by_frame=True)

    sink = CueSink(Voice(cache, player), CuePolicy(faults_every=1))
    steps = [
        (SetStarted(0.0, 1), [SET_START]),
        (ContactMade(1.0, Verdict.UNCHECKED), []),
        (RepFinished(2.0, cut(1), 0, 20), [HINT_FRAMING]),
        (RepFinished(4.0, cut(2), 0, 20), []),  # once a set
        (RepFinished(5.0, _rep(3, Verdict.UNCHECKED), 0, 20), [cue_key("unchecked")]),
        (SetStarted(6.0, 2), [SET_START]),
        (RepFinished(7.0, cut(1), 0, 20), [HINT_FRAMING]),
    ]
    for event, expected in steps:
        before = len(player.history)
        sink.handle(event)
        assert player.idle(5.0)
        assert _played_names(player)[before:] == [(n, "played") for n in expected], event


@needs_aplay
def test_the_spoken_hint_follows_the_stations_thresholds(cache, audio_cfg):
    # The live station's speaking sink (make_cue_sink, as device/live.py builds it) at a station set to
    # want the back seen on 70 % of a rep: a rep from the engine, seen hinging with the back on ~60 %, gets
    # the hint, as its rep message and the dashboard state do (tests/test_bus.py, tests/test_mqtt.py).
    from device.station import Station
    from tests.test_messages import feed_rep

    cfg = Config()
    cfg.thresholds.min_seen_fraction = 0.7
    sink = make_cue_sink(audio_cfg, 1, thresholds=cfg.thresholds)
    assert sink is not None
    try:
        feed_rep(Station(cfg, None, sinks=[sink]), back_seen=0.6)
        player = sink.speaker.player
        assert player.idle(5.0)
        said = [n for n, _ in _played_names(player)]
        assert said == [SET_START, HINT_BACK_UNSEEN], said
    finally:
        sink.close()
