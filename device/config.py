"""Station configuration: one TOML file, validated at start.

Every section is a pydantic model with ``extra="forbid"`` so a typo is an
error that names the key, never a silently ignored setting. Defaults are the
values a gym corner or home unit runs with untouched; ``wallhinge.example.toml``
documents each one.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

BcmPin = Annotated[int, Field(ge=2, le=27, description="BCM GPIO number")]

DEFAULT_CONFIG_PATHS = (Path("/etc/wallhinge/wallhinge.toml"),)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class StationConfig(_Section):
    place: Literal["gym", "clinic", "home"] = "gym"
    target_reps: int = Field(20, ge=1, le=200)
    # A set ends after this long with nobody in position and no contact.
    set_timeout_s: float = Field(20.0, gt=0, le=3600)


class SensorConfig(_Section):
    kind: Literal["hcsr04", "digital", "vl53l1x"] = "hcsr04"
    # HC-SR04: trigger straight from the Pi, echo through a 5 V -> 3.3 V divider.
    trigger_pin: BcmPin = 23
    echo_pin: BcmPin = 24
    # Digital proximity sensor or contact switch.
    input_pin: BcmPin = 4
    input_pull_up: bool = True
    # VL53L0X/VL53L1X time-of-flight on I2C (SDA GPIO2, SCL GPIO3).
    i2c_bus: int = Field(1, ge=0, le=10)
    i2c_address: int = Field(0x29, ge=0x03, le=0x77)
    max_distance_m: float = Field(1.0, gt=0.1, le=4.0)
    sample_hz: float = Field(30.0, ge=5, le=100)
    # Hip contact: on at or below the threshold, off above threshold + hysteresis.
    contact_threshold_m: float = Field(0.05, gt=0, le=0.5)
    hysteresis_m: float = Field(0.03, ge=0, le=0.3)
    # Consecutive readings at/below the threshold before contact is believed
    # (rejects single-sample spikes); readings above release for this long end it.
    confirm_samples: int = Field(2, ge=1, le=10)
    release_s: float = Field(0.15, ge=0, le=2)
    # Hips closer than this (but not in contact) have left tall standing; used
    # when the camera cannot see, so the sensor alone can bound a rep.
    approach_m: float = Field(0.12, gt=0, le=1.0)
    # Sensor health: the same reading for this long while a person moves = stuck.
    stuck_s: float = Field(30.0, gt=0)

    @model_validator(mode="after")
    def _approach_beyond_release(self) -> "SensorConfig":
        if self.approach_m <= self.contact_threshold_m + self.hysteresis_m:
            raise ValueError("approach_m must be greater than contact_threshold_m + hysteresis_m")
        return self


class LedConfig(_Section):
    mode: Literal["separate", "rgb"] = "separate"
    good_pin: BcmPin = 17  # green
    rounded_pin: BcmPin = 27  # red
    fault_pin: BcmPin = 22  # amber (in rgb mode: the blue leg)
    rgb_active_high: bool = True  # False for a common-anode RGB LED
    bargraph_pins: list[BcmPin] = Field(default_factory=lambda: [5, 6, 12, 13, 16, 19, 20, 26])
    show_s: float = Field(1.5, gt=0, le=10, description="how long a verdict stays lit")

    @model_validator(mode="after")
    def _distinct(self) -> "LedConfig":
        pins = [self.good_pin, self.rounded_pin, self.fault_pin, *self.bargraph_pins]
        if len(set(pins)) != len(pins):
            raise ValueError("LED and bar graph pins must all be different")
        return self


class BuzzerConfig(_Section):
    enabled: bool = True
    pin: BcmPin = 18


class ButtonConfig(_Section):
    enabled: bool = True
    pin: BcmPin = 25
    hold_s: float = Field(2.0, gt=0, le=10, description="hold this long to end the set; twice as long to turn the spoken cues off or on")


class CameraConfig(_Section):
    source: Literal["picamera2", "opencv", "synthetic"] = "picamera2"
    device: str = "0"  # OpenCV: camera index or a file/URL
    width: int = Field(640, ge=160, le=1920)
    height: int = Field(480, ge=120, le=1080)
    fps: float = Field(30.0, ge=5, le=60)
    wall_side: Literal["auto", "left", "right"] = "auto"
    # The camera turned about its lens axis (a bracket or stand not quite level), in degrees, > 0 when
    # the room's verticals lean with their tops to the right in the picture. "auto" reads it from the
    # room's vertical lines (door frames, wall corners, racks) and takes it off every measure; a number
    # fixes it (0: the camera is level, nothing is taken off).
    roll_deg: Literal["auto"] | float = "auto"
    # Person mask: background (learns the empty scene; fastest), selfie (the
    # learned model; no empty scene needed), auto (learned until the empty
    # scene is known, then background).
    segmenter: Literal["auto", "background", "selfie"] = "auto"

    @field_validator("roll_deg", mode="before")
    @classmethod
    def _roll(cls, v):
        if v == "auto" or (isinstance(v, (int, float)) and not isinstance(v, bool) and -15 <= v <= 15):
            return v
        raise ValueError('must be "auto" or a number of degrees from -15 to 15 (a camera turned further '
                         "than that needs levelling)")

    # Seconds without a fresh frame before the camera counts as lost.
    stale_s: float = Field(2.0, gt=0, le=60)


class ChecksConfig(_Section):
    """Which faults are judged. A clinician can switch any of them off."""

    rounding: bool = True
    knee_lock: bool = True
    heel_lift: bool = True
    tempo: bool = True
    squat: bool = True  # the squat pattern: hips down instead of back


class ThresholdsConfig(_Section):
    rounding_deg: float = Field(10.0, gt=0, le=60)
    knee_lock_deg: float = Field(175.0, ge=150, le=180)
    heel_lift: float = Field(0.012, gt=0, le=0.2, description="fraction of standing height")
    min_rep_s: float = Field(1.0, ge=0, le=10, description="faster than this is too_fast")
    # Tall standing is at or below standing_deg; a rep starts above leave_deg.
    standing_deg: float = Field(12.0, ge=0, le=45)
    leave_deg: float = Field(18.0, ge=1, le=60)
    # Without a contact sensor (video analysis) a hinge must reach this to be a rep.
    hinge_min_deg: float = Field(30.0, ge=5, le=90)
    # Squat pattern: the trunk stays under squat_trunk_deg for the whole rep while
    # the knees bend to squat_knee_deg or deeper (a hinge reaches 30-60 deg), or it
    # stays under hinge_min_deg while they bend to 100 deg or deeper
    # (device.core.engine.squat_pattern).
    squat_trunk_deg: float = Field(25.0, ge=5, le=45)
    squat_knee_deg: float = Field(135.0, ge=60, le=170)
    # Minimum confidence for a posture measure to count as seen.
    min_conf: float = Field(0.5, ge=0, le=1)
    # Fraction of a rep's frames that must be seen for it to be checked.
    min_seen_fraction: float = Field(0.5, ge=0, le=1)

    @model_validator(mode="after")
    def _order(self) -> "ThresholdsConfig":
        if self.leave_deg <= self.standing_deg:
            raise ValueError("leave_deg must be greater than standing_deg (hysteresis)")
        return self


class StorageConfig(_Section):
    database: Path = Path("/var/lib/wallhinge/sessions.db")
    # Camera images of people are stored only when asked for.
    record_video: bool = False
    recordings_dir: Path = Path("/var/lib/wallhinge/recordings")


# ---- [mqtt]: stations on the network (device/net); off while url is empty.
_MQTT_ID = r"^[A-Za-z0-9_-]{1,64}$"


def default_station_id() -> str:
    """The hostname with every character outside ``[a-zA-Z0-9_-]`` made ``-`` (MQTT topic-safe)."""
    import re
    import socket

    name = re.sub(r"[^A-Za-z0-9_-]", "-", socket.gethostname().split(".")[0]).strip("-")
    return name[:64] or "wallhinge"


class MqttConfig(_Section):
    url: str = ""  # mqtt://host:1883 or mqtts://host:8883; empty = off
    username: str = ""
    password: str = ""
    password_file: str = ""  # a file with the password on one line, read at start; wins over password
    ca_file: str = ""  # mqtts: the CA that signed the broker's cert (empty: the system's CAs)
    station_id: str = ""  # default: the hostname, sanitised to [a-zA-Z0-9_-]
    discovery: bool = True  # Home Assistant MQTT discovery
    discovery_prefix: str = "homeassistant"
    # Reps not yet acknowledged by the broker wait here (default: mqtt-outbox.db beside storage.database).
    outbox: str = ""

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        if v:
            from .net.url import parse_url

            parse_url(v)  # a ValueError saying what is wrong and what a good one looks like
        return v

    @field_validator("station_id")
    @classmethod
    def _station_id(cls, v: str) -> str:
        import re

        if v and not re.match(_MQTT_ID, v):
            raise ValueError(f"station_id may use only letters, digits, _ and - (1 to 64 of them), not {v!r}")
        return v

    @field_validator("discovery_prefix")
    @classmethod
    def _prefix(cls, v: str) -> str:
        if not v or any(c in v for c in "#+ ") or v.startswith("/") or v.endswith("/"):
            raise ValueError(f'discovery_prefix must be a plain topic prefix like "homeassistant", not {v!r}')
        return v
class AudioConfig(_Section):
    """Spoken counts and cues (device/cues): rendered once to WAV, played with ALSA's aplay."""

    enabled: bool = True
    device: str = "default"  # ALSA device for aplay -D (see `aplay -L`)
    engine: Literal["espeak-ng", "piper", "recorded"] = "espeak-ng"
    # espeak-ng: a voice name (`espeak-ng --voices=en`), empty = the language's default;
    # piper: the path of a local .onnx voice model; recorded: a folder of your own
    # recordings named as `python -m device cues --render` names them (espeak-ng says the rest).
    voice: str = ""
    language: Literal["en"] = "en"
    volume: int = Field(80, ge=0, le=100, description="percent of full scale")
    speed: int = Field(150, ge=80, le=400, description="words per minute")
    # Faded feedback: a technique cue for the first fault of a kind in a set,
    # then for every Nth one of that kind (1 = every fault). Counts are always spoken.
    faults_every: int = Field(3, ge=1, le=100)
    cache_dir: Path = Path("/var/lib/wallhinge/cues")


class ViewLightConfig(_Section):
    """An optional RGB LED at the camera stand, in the athlete's view (the wall LEDs are behind them)."""

    enabled: bool = False
    red_pin: BcmPin = 10
    green_pin: BcmPin = 9
    blue_pin: BcmPin = 11
    active_high: bool = True  # False for a common-anode RGB LED

    @model_validator(mode="after")
    def _distinct(self) -> "ViewLightConfig":
        if len({self.red_pin, self.green_pin, self.blue_pin}) != 3:
            raise ValueError("view_light red_pin, green_pin and blue_pin must all be different")
        return self
class BusConfig(_Section):
    """The station's local channel to the dashboard (device/bus.py): a Unix socket, 0660 group wallhinge."""

    enabled: bool = True
    socket: Path = Path("/run/wallhinge/station.sock")
    # Live view frames a second while a clinician watches (none otherwise).
    frame_fps: float = Field(4.0, gt=0, le=15)


class DashboardConfig(_Section):
    """The clinician's web dashboard (python -m device dashboard)."""

    host: str = "127.0.0.1"  # localhost only unless asked
    port: int = Field(8080, ge=1, le=65535)
    # Users, patients, prescriptions; the session log itself is only read.
    database: Path = Path("/var/lib/wallhinge/clinic.db")
    session_hours: float = Field(12.0, gt=0, le=24 * 30)


class Config(_Section):
    station: StationConfig = Field(default_factory=StationConfig)
    sensor: SensorConfig = Field(default_factory=SensorConfig)
    leds: LedConfig = Field(default_factory=LedConfig)
    buzzer: BuzzerConfig = Field(default_factory=BuzzerConfig)
    button: ButtonConfig = Field(default_factory=ButtonConfig)
    camera: CameraConfig = Field(default_factory=CameraConfig)
    checks: ChecksConfig = Field(default_factory=ChecksConfig)
    thresholds: ThresholdsConfig = Field(default_factory=ThresholdsConfig)
    storage: StorageConfig = Field(default_factory=StorageConfig)
    mqtt: MqttConfig = Field(default_factory=MqttConfig)
    audio: AudioConfig = Field(default_factory=AudioConfig)
    view_light: ViewLightConfig = Field(default_factory=ViewLightConfig)
    bus: BusConfig = Field(default_factory=BusConfig)
    dashboard: DashboardConfig = Field(default_factory=DashboardConfig)

    @model_validator(mode="after")
    def _no_pin_clash(self) -> "Config":
        used: dict[int, str] = {}

        def claim(pin: int, what: str) -> None:
            if pin in used:
                raise ValueError(f"GPIO{pin} is used twice: {used[pin]} and {what}")
            used[pin] = what

        claim(self.leds.good_pin, "leds.good_pin")
        claim(self.leds.rounded_pin, "leds.rounded_pin")
        claim(self.leds.fault_pin, "leds.fault_pin")
        for i, p in enumerate(self.leds.bargraph_pins):
            claim(p, f"leds.bargraph_pins[{i}]")
        if self.buzzer.enabled:
            claim(self.buzzer.pin, "buzzer.pin")
        if self.button.enabled:
            claim(self.button.pin, "button.pin")
        if self.view_light.enabled:
            claim(self.view_light.red_pin, "view_light.red_pin")
            claim(self.view_light.green_pin, "view_light.green_pin")
            claim(self.view_light.blue_pin, "view_light.blue_pin")
        if self.sensor.kind == "hcsr04":
            claim(self.sensor.trigger_pin, "sensor.trigger_pin")
            claim(self.sensor.echo_pin, "sensor.echo_pin")
        elif self.sensor.kind == "digital":
            claim(self.sensor.input_pin, "sensor.input_pin")
        else:  # I2C pins
            claim(2, "I2C SDA (sensor.kind = vl53l1x)")
            claim(3, "I2C SCL (sensor.kind = vl53l1x)")
        return self


class ConfigError(Exception):
    """A config file that cannot be used; the message says what and how to fix it."""


def _describe(err: ValidationError, source: str) -> str:
    lines = [f"config error in {source}:"]
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "(top level)"
        if e["type"] == "extra_forbidden":
            section = ".".join(str(p) for p in e["loc"][:-1])
            allowed = _allowed_keys(e["loc"][:-1])
            lines.append(
                f"  {loc}: unknown key" + (f" in [{section}]" if section else "")
                + (f"; allowed: {', '.join(allowed)}" if allowed else "")
            )
        else:
            got = e.get("input")
            got_s = "" if isinstance(got, dict) else f" (got {got!r})"
            lines.append(f"  {loc}: {e['msg']}{got_s}")
    lines.append("Fix the file or delete the key to use its default; see wallhinge.example.toml.")
    return "\n".join(lines)


def _allowed_keys(loc: tuple) -> list[str]:
    model: type[BaseModel] = Config
    for part in loc:
        field = model.model_fields.get(str(part))
        if field is None or not isinstance(field.annotation, type) or not issubclass(field.annotation, BaseModel):
            return []
        model = field.annotation
    return sorted(model.model_fields)


def parse_config(data: dict, source: str = "<config>") -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_describe(err, source)) from None


def load_config(path: Optional[Path | str] = None) -> Config:
    """Load and validate the config.

    With no path: ``$WALLHINGE_CONFIG`` if set, else /etc/wallhinge/wallhinge.toml
    if it exists, else the built-in defaults.
    """
    if path is None:
        env = os.environ.get("WALLHINGE_CONFIG")
        if env:
            path = env
        else:
            path = next((p for p in DEFAULT_CONFIG_PATHS if p.exists()), None)
    if path is None:
        return Config()
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"config error: {p} does not exist; create it or pass --config with the right path") from None
    except OSError as e:
        raise ConfigError(f"config error: cannot read {p}: {e.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"config error in {p}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"config error in {p}: not valid TOML: {e}") from None
    return parse_config(data, str(p))
