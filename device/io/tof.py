"""Hip proximity from a VL53L1X / VL53L0X time-of-flight sensor on I2C.

Driver choice: Adafruit's CircuitPython drivers (``adafruit-circuitpython-vl53l1x``
and ``adafruit-circuitpython-vl53l0x``) on Blinka, with
``adafruit-extended-bus`` to pick the Linux I2C bus by number. They are pure
Python (nothing to compile on a Zero 2 W), kept up to date by Adafruit, one
API family covers both sensor generations, and the VL53L1X driver checks the
sensor's range status and returns None for an invalid measurement instead of
a number that looks real. (Pimoroni's ``vl53l1x`` wraps ST's C API, has to be
compiled, covers only the L1X and hands back a raw number without a status.)

Everything here imports those libraries lazily, so the module loads on any
machine. :class:`TofReader` takes a *driver factory* so it can throw a wedged
sensor away and build a fresh one; tests pass a scripted factory.
"""

from __future__ import annotations

import logging
import time
from typing import Callable, Literal, Optional, Protocol

from device.core.types import ProximitySample

log = logging.getLogger(__name__)

TofModel = Literal["vl53l1x", "vl53l0x"]

INSTALL_HINT = (
    "pip install adafruit-blinka adafruit-extended-bus adafruit-circuitpython-vl53l1x "
    "adafruit-circuitpython-vl53l0x, and enable I2C with 'sudo raspi-config nonint do_i2c 0'"
)


class TofDriver(Protocol):
    """The little a reader needs from a time-of-flight driver.

    ``read_distance_m`` returns metres, or None when the sensor measured but
    found no valid target; it raises (OSError, RuntimeError, ...) when the
    I2C transfer itself fails.
    """

    def read_distance_m(self) -> Optional[float]: ...

    def close(self) -> None: ...


class TofUnavailable(RuntimeError):
    """The driver libraries are missing; the message says how to install them."""


def _open_i2c(bus: int):  # pragma: no cover - needs a Pi
    try:
        from adafruit_extended_bus import ExtendedI2C  # type: ignore[import-not-found]
    except ImportError:
        raise TofUnavailable(f"time-of-flight sensor support not installed: {INSTALL_HINT}") from None
    return ExtendedI2C(bus)


class _AdafruitVL53L1X:  # pragma: no cover - needs the sensor
    """VL53L1X in short-distance mode (to 1.3 m, best in ambient light) at ~30 Hz."""

    def __init__(self, bus: int, address: int, timing_budget_ms: int = 33) -> None:
        try:
            import adafruit_vl53l1x  # type: ignore[import-not-found]
        except ImportError:
            raise TofUnavailable(f"VL53L1X driver not installed: {INSTALL_HINT}") from None
        self._dev = adafruit_vl53l1x.VL53L1X(_open_i2c(bus), address=address)
        self._dev.distance_mode = 1
        self._dev.timing_budget = timing_budget_ms
        self._budget_s = timing_budget_ms / 1000.0
        self._dev.start_ranging()

    def read_distance_m(self) -> Optional[float]:
        deadline = time.monotonic() + 2 * self._budget_s
        while not self._dev.data_ready:
            if time.monotonic() > deadline:
                raise TimeoutError("VL53L1X gave no measurement within two timing budgets")
            time.sleep(0.002)
        cm = self._dev.distance  # None when the range status is not valid
        self._dev.clear_interrupt()
        return None if cm is None else cm / 100.0

    def close(self) -> None:
        try:
            self._dev.stop_ranging()
        except Exception:
            pass


class _AdafruitVL53L0X:  # pragma: no cover - needs the sensor
    """VL53L0X in continuous mode; its 'nothing there' is a reading of ~8190 mm."""

    def __init__(self, bus: int, address: int, timing_budget_us: int = 33000) -> None:
        try:
            import adafruit_vl53l0x  # type: ignore[import-not-found]
        except ImportError:
            raise TofUnavailable(f"VL53L0X driver not installed: {INSTALL_HINT}") from None
        self._dev = adafruit_vl53l0x.VL53L0X(_open_i2c(bus), address=address)
        self._dev.measurement_timing_budget = timing_budget_us
        self._dev.start_continuous()

    def read_distance_m(self) -> Optional[float]:
        mm = self._dev.range
        if mm is None or mm >= 8000:
            return None
        return mm / 1000.0

    def close(self) -> None:
        try:
            self._dev.stop_continuous()
        except Exception:
            pass


def adafruit_driver_factory(model: TofModel, bus: int = 1, address: int = 0x29) -> Callable[[], TofDriver]:
    """A factory that opens the real sensor through Adafruit's driver (on a Pi)."""
    if model == "vl53l1x":
        return lambda: _AdafruitVL53L1X(bus, address)
    if model == "vl53l0x":
        return lambda: _AdafruitVL53L0X(bus, address)
    raise ValueError(f"unknown time-of-flight model {model!r}: use 'vl53l1x' or 'vl53l0x'")


class TofReader:
    """Turns a time-of-flight driver into :class:`ProximitySample` readings.

    Call :meth:`read` with the time of the reading (the caller's clock).
    A reading beyond ``max_distance_m`` or with no valid target gives
    ``distance_m=None``; so does an I2C failure, which also counts towards
    ``consecutive_errors``. After ``reinit_after`` consecutive failures the
    driver is closed and a fresh one opened (re-running the sensor's init
    sequence, which is what un-wedges a VL53 after a brown-out or a bus
    glitch), at most once every ``reinit_interval_s`` so a missing sensor
    does not flood the bus.
    """

    has_distance = True

    def __init__(
        self,
        open_driver: Callable[[], TofDriver],
        max_distance_m: float = 1.0,
        *,
        reinit_after: int = 3,
        reinit_interval_s: float = 2.0,
    ) -> None:
        if reinit_after < 1:
            raise ValueError("reinit_after must be at least 1")
        self._open_driver = open_driver
        self.max_distance_m = max_distance_m
        self.reinit_after = reinit_after
        self.reinit_interval_s = reinit_interval_s
        self._driver: Optional[TofDriver] = None
        self._last_open_t: Optional[float] = None
        self.consecutive_errors = 0
        self.total_errors = 0
        self.reinits = 0
        self.last_error: Optional[str] = None

    @classmethod
    def from_config(cls, cfg, model: TofModel = "vl53l1x") -> "TofReader":
        """Build a reader for the real sensor from the ``[sensor]`` config section."""
        return cls(adafruit_driver_factory(model, cfg.i2c_bus, cfg.i2c_address), cfg.max_distance_m)

    @property
    def i2c_error(self) -> bool:
        """True when the most recent reading failed on the bus (for :class:`~device.health.SensorHealth`)."""
        return self.consecutive_errors > 0

    def read(self, t: float) -> ProximitySample:
        """Take one reading, stamped ``t``."""
        try:
            if self._driver is None:
                if (self._last_open_t is not None and self.consecutive_errors > 0
                        and t - self._last_open_t < self.reinit_interval_s):
                    raise _Waiting()
                self._last_open_t = t
                self._driver = self._open_driver()
                if self.total_errors:
                    self.reinits += 1
            d = self._driver.read_distance_m()
        except _Waiting:
            return ProximitySample(t=t, distance_m=None)
        except Exception as e:  # any bus or driver failure is an I2C error to us
            self._fail(e)
            return ProximitySample(t=t, distance_m=None)
        self.consecutive_errors = 0
        if d is None or not (d == d) or d > self.max_distance_m:  # also rejects NaN
            return ProximitySample(t=t, distance_m=None)
        return ProximitySample(t=t, distance_m=max(0.0, float(d)))

    def _fail(self, e: Exception) -> None:
        self.consecutive_errors += 1
        self.total_errors += 1
        self.last_error = f"{type(e).__name__}: {e}"
        if self.consecutive_errors == 1:
            log.warning("time-of-flight sensor I2C error: %s", self.last_error)
        if self.consecutive_errors >= self.reinit_after and self._driver is not None:
            log.warning("time-of-flight sensor: %d errors in a row, re-initialising", self.consecutive_errors)
            self._close_driver()

    def _close_driver(self) -> None:
        drv, self._driver = self._driver, None
        if drv is not None:
            try:
                drv.close()
            except Exception:
                pass

    def close(self) -> None:
        """Stop ranging and release the sensor."""
        self._close_driver()


class _Waiting(Exception):
    """Internal: the sensor is down and the next re-init is not due yet."""


def make_tof_reader(cfg, model: TofModel = "vl53l1x") -> TofReader:
    """The station's time-of-flight reader for the ``[sensor]`` config section.

    Opening is deferred to the first :meth:`TofReader.read`, so a sensor that
    is missing at boot shows up as I2C errors (and recovers when plugged in)
    instead of stopping the station.
    """
    return TofReader.from_config(cfg, model=model)
