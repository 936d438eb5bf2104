"""Shared fixtures."""

from __future__ import annotations

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory


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
