"""Config: documented defaults, and every mistake named with exit status 2."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from device.config import Config, ConfigError, load_config, parse_config

ROOT = Path(__file__).resolve().parent.parent


def test_example_file_documents_exactly_the_defaults():
    data = tomllib.loads((ROOT / "wallhinge.example.toml").read_text())
    assert parse_config(data) == Config()
    # and every key of the schema is in the example
    for section, model in Config.model_fields.items():
        assert set(data[section]) == set(model.annotation.model_fields), section


@pytest.mark.parametrize(
    "text, needles",
    [
        ('[sensor]\ncontact_treshold_m = 0.05\n', ["sensor.contact_treshold_m", "unknown key", "contact_threshold_m"]),
        ('[sensor]\nkind = "sonar"\n', ["sensor.kind", "hcsr04", "sonar"]),
        ('[station]\ntarget_reps = 0\n', ["station.target_reps", "greater than or equal to 1"]),
        ('[leds]\ngood_pin = 40\n', ["leds.good_pin", "less than or equal to 27"]),
        ('[buzzer]\npin = 17\n', ["GPIO17 is used twice", "leds.good_pin", "buzzer.pin"]),
        ('[thresholds]\nstanding_deg = 30\nleave_deg = 20\n', ["leave_deg must be greater than standing_deg"]),
        ('[typo]\nx = 1\n', ["typo", "unknown key"]),
        ('[sensor\nkind = 1', ["not valid TOML"]),
    ],
)
def test_bad_config_names_the_key_and_file(tmp_path, text, needles):
    p = tmp_path / "wallhinge.toml"
    p.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(p)
    msg = str(err.value)
    assert str(p) in msg
    for n in needles:
        assert n in msg


def test_missing_file_and_env_variable(tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")
    p = tmp_path / "c.toml"
    p.write_text("[station]\ntarget_reps = 25\n")
    monkeypatch.setenv("WALLHINGE_CONFIG", str(p))
    assert load_config().station.target_reps == 25


def test_cli_exits_2_with_a_message_not_a_traceback(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text("[sensor]\nkind = 'sonar'\n")
    r = subprocess.run([sys.executable, "-m", "device", "--config", str(p), "config"],
                       capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 2
    assert "sensor.kind" in r.stderr and "Traceback" not in r.stderr


def test_cli_config_round_trips_through_toml(tmp_path):
    r = subprocess.run([sys.executable, "-m", "device", "config", "--defaults"],
                       capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 0
    assert parse_config(tomllib.loads(r.stdout)) == Config()
