"""Time-of-flight reader: readings, out of range, I2C errors and re-initialisation.

The Adafruit drivers ship no test double, so a scripted stand-in of the
*driver* (not of I2C or of any library) plays back what a sensor would say.
"""

from __future__ import annotations

from typing import Optional, Union

import pytest

from device.config import SensorConfig
from device.core.types import ProximitySample
from device.health import SensorHealth
from device.io.tof import TofReader, adafruit_driver_factory

Step = Union[float, None, Exception]


class ScriptedDriver:
    """Plays back one script step per read: metres, None (no target) or an exception to raise."""

    def __init__(self, script: list[Step]) -> None:
        self.script = script
        self.closed = False

    def read_distance_m(self) -> Optional[float]:
        step = self.script.pop(0) if self.script else None
        if isinstance(step, Exception):
            raise step
        return step

    def close(self) -> None:
        self.closed = True


class Factory:
    """Opens one scripted driver per call; an Exception entry makes that open fail."""

    def __init__(self, *scripts: Union[list[Step], Exception]) -> None:
        self.scripts = list(scripts)
        self.opened: list[ScriptedDriver] = []

    def __call__(self) -> ScriptedDriver:
        s = self.scripts.pop(0)
        if isinstance(s, Exception):
            raise s
        d = ScriptedDriver(s)
        self.opened.append(d)
        return d


def bus_error() -> OSError:
    return OSError(121, "Remote I/O error")


def test_readings_become_proximity_samples():
    r = TofReader(Factory([0.32, 0.031, 0.0]), max_distance_m=1.0)
    assert r.read(1.0) == ProximitySample(t=1.0, distance_m=0.32)
    assert r.read(1.1).distance_m == pytest.approx(0.031)
    assert r.read(1.2).distance_m == 0.0
    assert not r.i2c_error


def test_out_of_range_and_no_target_are_none_but_not_errors():
    r = TofReader(Factory([1.2, None, float("nan"), 0.5]), max_distance_m=1.0)
    assert [r.read(t).distance_m for t in (0.0, 0.1, 0.2, 0.3)] == [None, None, None, 0.5]
    assert r.consecutive_errors == 0 and r.total_errors == 0


def test_i2c_errors_count_and_then_the_sensor_is_reinitialised():
    f = Factory([0.4, bus_error(), bus_error(), bus_error()], [0.41, 0.42])
    r = TofReader(f, max_distance_m=1.0, reinit_after=3, reinit_interval_s=0.0)
    assert r.read(0.0).distance_m == 0.4
    for i in range(1, 4):
        s = r.read(i * 0.1)
        assert s.distance_m is None and r.consecutive_errors == i and r.i2c_error
    assert f.opened[0].closed, "a wedged driver must be closed before a new one is opened"
    assert "Remote I/O error" in (r.last_error or "")
    s = r.read(0.5)
    assert s.distance_m == 0.41 and len(f.opened) == 2 and r.reinits == 1
    assert r.consecutive_errors == 0 and not r.i2c_error


def test_a_missing_sensor_is_retried_at_most_every_interval():
    f = Factory(bus_error(), bus_error(), [0.25])
    r = TofReader(f, max_distance_m=1.0, reinit_after=1, reinit_interval_s=2.0)
    t = 0.0
    results = []
    while t < 5.0:
        results.append((t, r.read(t).distance_m))
        t = round(t + 0.1, 1)
    # Opens at 0.0 (fails), 2.0 (fails), 4.0 (works): no hammering of the bus in between.
    assert f.scripts == []
    first_ok = next(tt for tt, d in results if d is not None)
    assert first_ok == pytest.approx(4.0)
    assert all(d is None for tt, d in results if tt < 4.0)
    assert r.reinits == 1


def test_reader_and_health_together_report_i2c_error_and_recover():
    # The sensor answers for 1 s, then stops answering and cannot be re-opened
    # for about 6 s (unplugged), then comes back.
    f = Factory([0.3] * 30 + [bus_error()] * 3, *([bus_error()] * 6), [0.3] * 1000)
    r = TofReader(f, max_distance_m=1.0, reinit_after=3, reinit_interval_s=1.0)
    h = SensorHealth.from_config(SensorConfig(kind="vl53l1x"))
    statuses = {}
    for i in range(30 * 9):
        t = i / 30
        h.sample(r.read(t), i2c_error=r.i2c_error)
        statuses[round(t, 2)] = h.status(t)
    assert statuses[0.5].ok and statuses[5.5].ok  # errors since t=1.0: not yet 5 s
    bad = statuses[6.5]
    assert bad.status == "i2c_error" and "0x29" in bad.message and "i2cdetect" in bad.message
    assert statuses[8.5].ok, "a sensor that answers again must clear the fault"
    assert r.reinits == 1


def test_unknown_model_is_rejected_with_the_choices():
    with pytest.raises(ValueError, match="vl53l1x.*vl53l0x"):
        adafruit_driver_factory("vl6180x")  # type: ignore[arg-type]


def test_real_driver_factory_without_the_library_says_how_to_install():
    r = TofReader(adafruit_driver_factory("vl53l1x"), max_distance_m=1.0)
    s = r.read(0.0)
    assert s.distance_m is None and r.i2c_error
    assert "pip install" in (r.last_error or "") and "adafruit-circuitpython-vl53l1x" in (r.last_error or "")


def test_station_builds_the_tof_reader_through_the_gpio_layer_and_survives_a_missing_sensor():
    from device.config import parse_config
    from device.io.gpio import make_proximity_reader

    cfg = parse_config({"sensor": {"kind": "vl53l1x", "i2c_bus": 3, "i2c_address": 0x30}})
    reader = make_proximity_reader(cfg)
    assert isinstance(reader, TofReader) and reader.has_distance
    assert reader.read(0.0).distance_m is None and reader.i2c_error
    reader.close()
