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
