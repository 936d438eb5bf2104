"""The hardware layer: gpiozero devices only, built from the config.

Every device takes the injected ``pin_factory``: the real one on a Pi (lgpio
on a Pi 5, lgpio or RPi.GPIO elsewhere, chosen by gpiozero or
``GPIOZERO_PIN_FACTORY``), ``MockFactory`` in the simulation and the tests.
Nothing here decides anything about reps; it shows the engine's events and
turns the sensor into timestamped samples.
"""

from __future__ import annotations

import logging
import threading
import time
import warnings
from collections import deque
from typing import Callable, Iterator, Optional, Sequence

from gpiozero import LED, RGBLED, Button, Buzzer, DigitalInputDevice, DistanceSensor, LEDBarGraph
from gpiozero.exc import DistanceSensorNoEcho

from ..config import Config, SensorConfig
from ..core.types import (
    ContactMade,
    Event,
    ProximitySample,
    RepFinished,
    SetEnded,
    SetStarted,
    TargetReached,
    Verdict,
)

log = logging.getLogger(__name__)

# Buzzer patterns as (on_s, off_s) pairs: distinct for each verdict so a
# person can tell them apart without looking. An active buzzer has one pitch,
# so rhythm carries the meaning.
BEEPS: dict[str, tuple[tuple[float, float], ...]] = {
    Verdict.GOOD.value: ((0.08, 0.0),),
    Verdict.ROUNDED.value: ((0.25, 0.12), (0.25, 0.0)),
    Verdict.SHALLOW.value: ((0.6, 0.0),),
    Verdict.SQUAT.value: ((0.4, 0.1), (0.08, 0.0)),  # long, short: "hips back, not down"
    Verdict.KNEE_LOCK.value: ((0.08, 0.08),) * 3,
    Verdict.HEEL_LIFT.value: ((0.08, 0.08), (0.08, 0.08), (0.4, 0.0)),
    Verdict.TOO_FAST.value: ((0.05, 0.05),) * 5,
    Verdict.UNCHECKED.value: (),
    "target": ((0.1, 0.1), (0.2, 0.1), (0.4, 0.0)),
    "fault": ((1.0, 0.0),),
}
AMBER = (1, 1, 0)
COLOURS = {
    Verdict.GOOD: (0, 1, 0),
    Verdict.ROUNDED: (1, 0, 0),
    Verdict.UNCHECKED: (0, 0, 1),  # rgb mode: blue = the camera could not see
}


def pattern_values(pattern: Sequence[tuple[float, float]], step: float) -> Iterator[bool]:
    """A beep pattern as a stream of on/off values, one per ``step`` seconds."""
    for on_s, off_s in pattern:
        yield from [True] * max(1, round(on_s / step))
        yield from [False] * round(off_s / step)
    yield False


class Feedback:
    """Verdict LEDs (three LEDs or one RGB LED), progress bar graph and buzzer.

    ``handle(event)`` is all the station calls: contact shows the verdict so
    far at once, a finished rep shows its final verdict if that differs (or if
    there was no contact), the bar graph follows the count, the target and
    device faults get their own patterns.
    """

    STEP_S = 0.01

    def __init__(self, config: Config, pin_factory=None) -> None:
        lc = config.leds
        self.show_s = lc.show_s
        # Set before any device is opened: close() after a failed start needs them.
        self._lock = threading.Lock()
        self._generation = 0
        self.muted = False  # the buzzer stays silent (StationControl.mute); the LEDs still show
        self.rgb: Optional[RGBLED] = None
        self.leds: dict[str, LED] = {}
        self._devices: list = []
        try:
            if lc.mode == "rgb":
                self.rgb = RGBLED(
                    lc.rounded_pin, lc.good_pin, lc.fault_pin,
                    active_high=lc.rgb_active_high, pwm=False, pin_factory=pin_factory,
                )
                self._devices.append(self.rgb)
            else:
                for name, pin in (("good", lc.good_pin), ("rounded", lc.rounded_pin), ("fault", lc.fault_pin)):
                    self.leds[name] = LED(pin, pin_factory=pin_factory)
                    self._devices.append(self.leds[name])
            # No bar graph pins (bargraph_pins = []): a station without a bar graph.
            self.bar = LEDBarGraph(*lc.bargraph_pins, pwm=False, pin_factory=pin_factory) if lc.bargraph_pins else None
            if self.bar is not None:
                self._devices.append(self.bar)
            self.buzzer: Optional[Buzzer] = None
            if config.buzzer.enabled:
                self.buzzer = Buzzer(config.buzzer.pin, pin_factory=pin_factory)
                self.buzzer.source_delay = self.STEP_S
                self._devices.append(self.buzzer)
        except Exception:
            self.close()
            raise
        self._shown: Optional[Verdict] = None
        self.faulted = False
        # (monotonic time, what was shown), for benchmarks; bounded: the service runs for months
        self.log: deque[tuple[float, str]] = deque(maxlen=1000)

    # -- events

    def handle(self, event: Event) -> None:
        if show_verdict(self, event):
            if isinstance(event, RepFinished):
                self.progress(event.counted_total, event.target_reps)
        elif isinstance(event, TargetReached):
            self._beep("target")
            if self.bar is None:
                return
            # a short chase up the bar, ending full
            n = len(self.bar)
            self.bar.source_delay = 0.05
            self.bar.source = [i / n for _ in range(2) for i in range(n + 1)] + [1.0]
        elif isinstance(event, (SetStarted, SetEnded)) and self.bar is not None:
            self.bar.source = None
            self.bar.off()

    # -- outputs

    def show(self, verdict: Verdict) -> None:
        """Light the verdict for ``show_s`` and play its beep pattern, without blocking.

        The LED is switched on here, on the caller's thread (the proximity
        poller's at hip contact), not by a helper thread that would first have
        to be scheduled: that is what keeps contact-to-light under 50 ms on a
        busy Pi. A timer switches it off again unless a newer verdict took over.
        """
        with self._lock:
            self._all_off()
            self._generation += 1
            if self.rgb is not None:
                colour = COLOURS.get(verdict, AMBER)
                self.rgb.color = colour
                if verdict is Verdict.UNCHECKED:
                    self.rgb.blink(0.15, 0.15, on_color=colour, n=max(1, round(self.show_s / 0.3)))
            else:
                name = {"good": "good", "rounded": "rounded"}.get(verdict.value, "fault")
                led = self.leds[name]
                led.on()
                if verdict is Verdict.UNCHECKED:
                    led.blink(0.15, 0.15, n=max(1, round(self.show_s / 0.3)))
            self.log.append((time.monotonic(), verdict.value))
            if verdict is not Verdict.UNCHECKED:
                timer = threading.Timer(self.show_s, self._expire, args=(self._generation,))
                timer.daemon = True
                timer.start()
        self._beep(verdict.value)

    def _expire(self, generation: int) -> None:
        with self._lock:
            if generation == self._generation and not self.faulted and self._devices:
                self._all_off()

    def progress(self, counted: int, target: int) -> None:
        if self.bar is None:
            return
        self.bar.source = None
        self.bar.value = min(1.0, counted / target) if target else 0.0

    def set_fault(self, on: bool) -> None:
        """Device fault: slow amber blink until cleared, one long beep at onset."""
        if on == self.faulted:
            return
        self.faulted = on
        with self._lock:
            self._generation += 1
            if on:
                self._all_off()
                if self.rgb is not None:
                    self.rgb.blink(1.0, 1.0, on_color=AMBER)
                else:
                    self.leds["fault"].blink(1.0, 1.0)
            else:
                self._all_off()
        if on:
            self._beep("fault")

    def _all_off(self) -> None:
        if self.rgb is not None:
            self.rgb.off()
        for led in self.leds.values():
            led.off()

    def _beep(self, name: str) -> None:
        if self.buzzer is None or self.muted:
            return
        pattern = BEEPS.get(name, ())
        if pattern:
            self.buzzer.source = pattern_values(pattern, self.STEP_S)

    def close(self) -> None:
        with self._lock:
            self._generation += 1  # pending switch-offs now do nothing
        for d in reversed(self._devices):
            try:
                d.close()
            except Exception:  # closing must never mask the error that got us here
                log.debug("closing %r failed", d, exc_info=True)
        self._devices.clear()


class StartButton:
    """The start/reset button on the wall unit, behind the person.

    Held for ``button.hold_s`` it ends the current set (the next contact starts one);
    a brief bump of a hip or an elbow does nothing. With ``on_hold`` (mute/unmute
    the spoken cues), holding on to twice ``hold_s`` calls that too, so one button
    does both and neither fires by accident.
    """

    def __init__(self, config: Config, on_press: Callable[[], None], pin_factory=None,
                 on_hold: Optional[Callable[[], None]] = None) -> None:
        self.button = Button(config.button.pin, pull_up=True, bounce_time=0.05, hold_time=config.button.hold_s,
                             hold_repeat=on_hold is not None, pin_factory=pin_factory)
        holds = {"n": 0}

        def held() -> None:
            holds["n"] += 1
            if holds["n"] == 1:
                on_press()
            elif holds["n"] == 2 and on_hold is not None:
                on_hold()

        def released() -> None:
            holds["n"] = 0

        self.button.when_held = held
        self.button.when_released = released

    def close(self) -> None:
        self.button.close()


def show_verdict(light, event: Event) -> bool:
    """The rule every verdict light follows: the verdict so far at hip contact, and at the rep's
    end the final verdict only if it differs (or the rep never touched the wall). ``light`` has
    ``show(verdict)`` and a ``_shown`` slot. True if the event was a contact or a finished rep."""
    if isinstance(event, ContactMade):
        light._shown = event.verdict
        light.show(event.verdict)
        return True
    if isinstance(event, RepFinished):
        if event.rep.verdict is not light._shown:
            light.show(event.rep.verdict)
        light._shown = None
        return True
    return False


class ViewLight:
    """The optional verdict light at the camera stand, in the athlete's view: one RGB LED.

    Shows what the wall LEDs show (the wall unit is behind the athlete):
    green good, red rounded, amber other faults, blinking blue unchecked, for
    ``leds.show_s``; a slow amber blink during a device fault.
    """

    def __init__(self, config: Config, pin_factory=None) -> None:
        vc = config.view_light
        self.show_s = config.leds.show_s
        self.led = RGBLED(vc.red_pin, vc.green_pin, vc.blue_pin, active_high=vc.active_high, pwm=False,
                          pin_factory=pin_factory)
        self._shown: Optional[Verdict] = None
        self._generation = 0
        self.faulted = False
        self._lock = threading.Lock()

    def handle(self, event: Event) -> None:
        show_verdict(self, event)

    def show(self, verdict: Verdict) -> None:
        with self._lock:
            if self.faulted:
                return
            self._generation += 1
            colour = COLOURS.get(verdict, AMBER)
            if verdict is Verdict.UNCHECKED:
                self.led.blink(0.15, 0.15, on_color=colour, n=max(1, round(self.show_s / 0.3)))
                return
            self.led.color = colour
            timer = threading.Timer(self.show_s, self._expire, args=(self._generation,))
            timer.daemon = True
            timer.start()

    def _expire(self, generation: int) -> None:
        with self._lock:
            if generation == self._generation and not self.faulted and not self.led.closed:
                self.led.off()

    def set_fault(self, on: bool) -> None:
        with self._lock:
            if on == self.faulted:
                return
            self.faulted = on
            self._generation += 1
            self.led.off()
            if on:
                self.led.blink(1.0, 1.0, on_color=AMBER)

    def close(self) -> None:
        with self._lock:
            self._generation += 1
        self.led.close()


class ProximityReader:
    """Base for sensors that yield :class:`ProximitySample` when polled."""

    has_distance = True

    def read(self, t: float) -> ProximitySample:
        raise NotImplementedError

    def close(self) -> None:
        pass


class UltrasonicReader(ProximityReader):
    """HC-SR04 through gpiozero's DistanceSensor.

    gpiozero pings in its own thread and keeps a median over ``queue_len``
    readings; a short queue keeps the lag low (our contact detector does the
    debouncing). A reading at the maximum distance means no echo in range and
    is reported as no reading.
    """

    def __init__(self, sensor: SensorConfig, pin_factory=None, queue_len: int = 3) -> None:
        # gpiozero warns on every missed echo from its own thread; a missed echo
        # is a reading of None here, and the health monitor reports a silent
        # sensor once, by name, instead of a warning per ping.
        warnings.filterwarnings("ignore", category=DistanceSensorNoEcho)
        with warnings.catch_warnings():
            # gpiozero suggests pigpio for accuracy; pigpio does not run on a Pi 5
            # and a centimetre of jitter is well inside our hysteresis.
            warnings.simplefilter("ignore")
            self.dev = DistanceSensor(
                echo=sensor.echo_pin, trigger=sensor.trigger_pin, queue_len=queue_len,
                max_distance=sensor.max_distance_m, partial=True, pin_factory=pin_factory,
            )
        self.max_distance = sensor.max_distance_m
        # gpiozero reads 0.0 m until the first echo is in its queue: that is
        # no reading, not a hip at the wall (it would be a contact at start-up).
        self._warmed_up = False

    def read(self, t: float) -> ProximitySample:
        try:
            d = self.dev.distance
        except Exception:  # an empty queue right after start
            return ProximitySample(t, None)
        if not self._warmed_up:
            if d is None or d <= 0.0:
                return ProximitySample(t, None)
            self._warmed_up = True
        if d is None or d >= self.max_distance * 0.995:
            return ProximitySample(t, None)
        return ProximitySample(t, round(float(d), 4))

    def close(self) -> None:
        # gpiozero's DistanceSensor.close() drops its trigger pin before it stops the thread that pings
        # through it, and a ping starting in between raises AttributeError in that thread (a traceback
        # at a station's stop). So that thread is stopped first: it ends its ping and then its loop.
        queue = getattr(self.dev, "_queue", None)
        if queue is not None:
            try:
                queue.stop()
            except RuntimeError:  # not started yet: nothing to stop
                pass
        self.dev.close()


class DigitalReader(ProximityReader):
    """A digital proximity sensor or a contact switch/pad: contact only, no distance."""

    has_distance = False

    def __init__(self, sensor: SensorConfig, pin_factory=None) -> None:
        self.dev = DigitalInputDevice(sensor.input_pin, pull_up=sensor.input_pull_up, pin_factory=pin_factory)

    def read(self, t: float) -> ProximitySample:
        return ProximitySample(t, None, contact=bool(self.dev.is_active))

    def close(self) -> None:
        self.dev.close()


def make_proximity_reader(config: Config, pin_factory=None) -> ProximityReader:
    """The configured sensor; the time-of-flight driver is imported only when chosen."""
    kind = config.sensor.kind
    if kind == "hcsr04":
        return UltrasonicReader(config.sensor, pin_factory=pin_factory)
    if kind == "digital":
        return DigitalReader(config.sensor, pin_factory=pin_factory)
    from .tof import make_tof_reader  # noqa: PLC0415 - needs an I2C library only a Pi has

    return make_tof_reader(config.sensor)


class SensorPoller:
    """Polls a reader at ``sample_hz`` in a thread and hands each sample on at once.

    Contact must reach the LEDs within 50 ms, so samples do not wait for the
    camera loop: the callback runs on this thread (the station serialises it
    with a lock).
    """

    def __init__(
        self,
        reader: ProximityReader,
        sample_hz: float,
        callback: Callable[[ProximitySample], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.reader = reader
        self.period = 1.0 / sample_hz
        self.callback = callback
        self.clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="proximity", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        next_t = self.clock()
        while not self._stop.is_set():
            try:
                self.callback(self.reader.read(self.clock()))
            except Exception:
                log.exception("proximity sample failed")
            next_t += self.period
            self._stop.wait(max(0.0, next_t - self.clock()))

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=1.0)
