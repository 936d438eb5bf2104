"""Round 7 of ``analyze``'s speed (README, "Memory and speed of the vision"): the config's sections
build their pydantic validators on first validation instead of at import, and ``load_config`` without
a file makes the defaults without building any. That changes when work is done, never what is
validated: these tests hold it to that."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from device import config as config_module
from device.config import Config, ConfigError, defaults, load_config

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_are_config_with_no_arguments():
    made, validated = defaults(), Config()
    assert made == validated
    assert made.model_dump() == validated.model_dump()
    assert made.model_fields_set == validated.model_fields_set == set()
    for name in Config.model_fields:
        section = getattr(made, name)
        assert type(section) is type(getattr(validated, name))
        assert section.model_fields_set == set()
    # Not shared between two configs: a change to one leaves the next defaults alone.
    made.leds.bargraph_pins.append(21)
    assert defaults().leds.bargraph_pins == Config().leds.bargraph_pins


def test_a_change_to_the_defaults_is_still_validated():
    cfg = defaults()
    cfg.sensor.contact_threshold_m = 0.08  # a good value is taken
    assert cfg.sensor.contact_threshold_m == 0.08
    with pytest.raises(ValidationError, match="contact_threshold_m"):
        cfg.sensor.contact_threshold_m = 0.9  # beyond its bound (0.5)
    with pytest.raises(ValidationError, match="approach_m must be greater"):
        cfg.sensor.approach_m = 0.05  # the section's own rule
    with pytest.raises(ValidationError, match="wall_side"):
        cfg.camera.wall_side = "up"
    copy = cfg.model_copy(deep=True)  # as analyze copies it
    with pytest.raises(ValidationError):
        copy.station.target_reps = 0


def test_load_config_without_a_file_gives_the_defaults(monkeypatch, tmp_path):
    monkeypatch.delenv("WALLHINGE_CONFIG", raising=False)
    monkeypatch.setattr(config_module, "DEFAULT_CONFIG_PATHS", (tmp_path / "absent.toml",))
    assert load_config() == Config()
    # A file is still parsed and validated whole (its sections build their validators then).
    bad = tmp_path / "bad.toml"
    bad.write_text("[sensor]\ncontact_threshold_m = 0.9\n[leds]\ngood_pin = 40\n")
    with pytest.raises(ConfigError) as err:
        load_config(bad)
    assert "sensor.contact_threshold_m" in str(err.value) and "leds.good_pin" in str(err.value)
    good = tmp_path / "good.toml"
    good.write_text('[camera]\nwall_side = "left"\n')
    assert load_config(good).camera.wall_side == "left"


def test_no_validator_is_built_until_one_is_needed():
    """In a fresh interpreter: importing the config and making the defaults builds no validator and
    does not load the TOML parser; the first assignment builds its own section's only."""
    code = r"""
import json, sys
from device.config import Config, SensorConfig, CameraConfig, load_config
cfg = load_config(None)
before = {"config": Config.__pydantic_complete__, "sensor": SensorConfig.__pydantic_complete__,
          "tomllib": "tomllib" in sys.modules}
cfg.sensor.approach_m = 0.2
after = {"sensor": SensorConfig.__pydantic_complete__, "camera": CameraConfig.__pydantic_complete__}
print(json.dumps([before, after]))
"""
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "WALLHINGE_CONFIG": ""}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=60, check=True).stdout
    before, after = json.loads(out)
    if Path("/etc/wallhinge/wallhinge.toml").exists():  # pragma: no cover - a machine with a real config
        pytest.skip("/etc/wallhinge/wallhinge.toml exists here: load_config(None) reads it")
    assert before == {"config": False, "sensor": False, "tomllib": False}
    assert after == {"sensor": True, "camera": False}
