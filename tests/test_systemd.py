"""The systemd unit (hardening score, verify) and the sd_notify/watchdog glue."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from device.config import Config
from device.notify import Notifier, Watchdog, watchdog_timeout_s

ROOT = Path(__file__).resolve().parents[1]
UNIT = ROOT / "systemd" / "wallhinge.service"
ANALYZE = shutil.which("systemd-analyze")
needs_analyze = pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze not installed")


def unit_settings() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in UNIT.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")) and "=" in line:
            k, v = line.split("=", 1)
            out.setdefault(k.strip(), []).append(v.strip())
    return out


# ------------------------------------------------------------------ the unit


@needs_analyze
def test_security_exposure_is_at_most_2_5() -> None:
    res = subprocess.run([ANALYZE, "security", "--offline=true", str(UNIT)],
                         capture_output=True, text=True, timeout=60)
    m = re.search(r"Overall exposure level for wallhinge\.service: (\d+\.\d+)", res.stdout)
    assert m, res.stdout[-2000:] + res.stderr
    assert float(m.group(1)) <= 2.5


@needs_analyze
def test_verify_has_no_errors(tmp_path: Path) -> None:
    """Only the venv's python may be missing (it exists on an installed Pi, not here)."""
    res = subprocess.run([ANALYZE, "verify", str(UNIT)], capture_output=True, text=True, timeout=60)
    missing = "Command /opt/wallhinge/venv/bin/python is not executable"
    lines = [ln for ln in (res.stdout + res.stderr).splitlines() if ln.strip()]
    if Path("/opt/wallhinge/venv/bin/python").exists():
        assert res.returncode == 0 and not lines, lines
    else:
        assert [ln for ln in lines if missing not in ln] == []
    # With an interpreter that exists the unit verifies clean.
    copy = tmp_path / "wallhinge.service"
    copy.write_text(UNIT.read_text().replace("/opt/wallhinge/venv/bin/python", sys.executable))
    res = subprocess.run([ANALYZE, "verify", str(copy)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr
    assert not (res.stdout + res.stderr).strip()


def test_unit_runs_the_station_with_a_watchdog_and_keeps_its_devices() -> None:
    s = unit_settings()
    assert s["Type"] == ["notify"] and s["NotifyAccess"] == ["main"]
    assert s["ExecStart"] == ["/opt/wallhinge/venv/bin/python -m device run --config /etc/wallhinge/wallhinge.toml"]
    assert s["Restart"] == ["on-failure"] and s["User"] == ["wallhinge"]
    # python -m device exits 2 on a bad config: restarting would only loop.
    assert "2" in s["RestartPreventExitStatus"][0].split()
    assert s["StateDirectory"] == ["wallhinge"] and s["ConfigurationDirectory"] == ["wallhinge"]
    assert Path(str(Config().storage.database)).parent == Path("/var/lib") / s["StateDirectory"][0]
    assert set(s["SupplementaryGroups"][0].split()) == {"gpio", "video", "i2c", "audio"}  # audio: spoken cues
    assert s["PrivateNetwork"] == ["yes"]
    # Device access: closed policy with each node family the station uses allowed.
    assert s["DevicePolicy"] == ["closed"] and s.get("PrivateDevices") != ["yes"]
    allowed = {v.split()[0] for v in s["DeviceAllow"]}
    for need in ("char-gpiochip", "char-i2c", "char-video4linux", "char-media", "char-dma_heap", "/dev/gpiomem",
                 "char-alsa"):
        assert need in allowed
    # The station reports a stalled camera (camera.stale_s) before the watchdog
    # stops pinging (half of WatchdogSec) and systemd restarts it.
    watchdog_s = float(s["WatchdogSec"][0])
    assert Config().camera.stale_s < watchdog_s / 2


# ------------------------------------------------------------------ sd_notify


@pytest.fixture
def listener(tmp_path: Path):
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(2)
    yield path, sock
    sock.close()


def test_notify_messages_reach_the_socket(listener) -> None:
    path, sock = listener
    n = Notifier({"NOTIFY_SOCKET": str(path)})
    assert n.enabled
    assert n.ready("counting reps")
    assert sock.recv(4096) == b"READY=1\nSTATUS=counting reps"
    assert n.status("camera lost\nretrying")
    assert sock.recv(4096) == b"STATUS=camera lost retrying"  # one line per field
    assert n.watchdog()
    assert sock.recv(4096) == b"WATCHDOG=1"
    assert n.stopping()
    assert sock.recv(4096) == b"STOPPING=1"
    n.close()


def test_notify_abstract_socket() -> None:
    name = f"wallhinge-test-{os.getpid()}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(b"\0" + name.encode())
    sock.settimeout(2)
    try:
        assert Notifier({"NOTIFY_SOCKET": "@" + name}).ready()
        assert sock.recv(100) == b"READY=1"
    finally:
        sock.close()


def test_notify_is_a_no_op_outside_systemd(tmp_path: Path) -> None:
    n = Notifier({})
    assert not n.enabled and not n.ready() and not n.watchdog()
    # systemd gone (socket removed): no exception, just False
    gone = Notifier({"NOTIFY_SOCKET": str(tmp_path / "gone.sock")})
    assert gone.enabled and not gone.watchdog()


def test_watchdog_timeout_from_environment() -> None:
    assert watchdog_timeout_s({}) is None
    assert watchdog_timeout_s({"WATCHDOG_USEC": "10000000"}) == 10.0
    assert watchdog_timeout_s({"WATCHDOG_USEC": "10000000", "WATCHDOG_PID": str(os.getpid())}) == 10.0
    assert watchdog_timeout_s({"WATCHDOG_USEC": "10000000", "WATCHDOG_PID": "1"}) is None
    assert watchdog_timeout_s({"WATCHDOG_USEC": "ten"}) is None
    assert Notifier({"WATCHDOG_USEC": "4000000"}).watchdog_s == 4.0


# ------------------------------------------------------------------ Watchdog


def test_watchdog_pings_only_while_both_inputs_are_fresh() -> None:
    wd = Watchdog(timeout_s=10)
    assert not wd.due(100.0, None, 99.9)  # no frame yet
    assert wd.due(100.0, 99.9, 99.9)
    assert not wd.due(101.0, 100.9, 100.9)  # too soon after the last ping
    assert wd.due(102.5, 102.4, 102.4)
    assert not wd.due(110.0, 104.9, 109.9)  # camera stalled for 5.1 s
    assert not wd.due(110.0, 109.9, 104.9)  # sensor stalled
    assert not wd.due(110.0, 110.5, 110.0)  # a time from the future is not fresh
    assert Watchdog(10, need_sensor=False).due(110.0, 109.9, None)


def test_watchdog_keeps_systemd_fed_then_goes_silent_on_a_stall() -> None:
    """A 30 Hz loop whose camera hangs at t=20: pings stop in time for systemd to act."""
    timeout = 10.0
    wd = Watchdog(timeout_s=timeout)
    pings = []
    frame_t = sensor_t = None
    for k in range(0, 60 * 30):
        now = k / 30
        if now < 20.0:
            frame_t = now
        sensor_t = now
        if wd.due(now, frame_t, sensor_t):
            pings.append(now)
    gaps = [b - a for a, b in zip(pings, pings[1:])]
    assert pings[0] == 0.0
    assert max(gaps) <= timeout / 2  # systemd wants one at least every half timeout
    assert min(gaps) >= timeout / 4 - 1e-9
    assert 20.0 - timeout / 4 <= pings[-1] <= 20.0 + timeout / 2


def test_watchdog_rejects_a_bad_timeout() -> None:
    with pytest.raises(ValueError, match="positive"):
        Watchdog(0)
