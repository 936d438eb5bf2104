"""systemd/wallhinge-dashboard.service: hardening score, verify, and what it must (not) share with the station."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from device.config import Config

ROOT = Path(__file__).resolve().parents[1]
UNIT = ROOT / "systemd" / "wallhinge-dashboard.service"
STATION_UNIT = ROOT / "systemd" / "wallhinge.service"
ANALYZE = shutil.which("systemd-analyze")
needs_analyze = pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze not installed")


def settings(unit: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in unit.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")) and "=" in line:
            k, v = line.split("=", 1)
            out.setdefault(k.strip(), []).append(v.strip())
    return out


@needs_analyze
def test_security_exposure_is_at_most_2_5() -> None:
    res = subprocess.run([ANALYZE, "security", "--offline=true", str(UNIT)], capture_output=True, text=True,
                         timeout=60)
    m = re.search(r"Overall exposure level for wallhinge-dashboard\.service: (\d+\.\d+)", res.stdout)
    assert m, res.stdout[-2000:] + res.stderr
    assert float(m.group(1)) <= 2.5


@needs_analyze
def test_verify_is_clean_with_an_interpreter_that_exists(tmp_path: Path) -> None:
    copy = tmp_path / "wallhinge-dashboard.service"
    copy.write_text(UNIT.read_text().replace("/opt/wallhinge/venv/bin/python", sys.executable))
    res = subprocess.run([ANALYZE, "verify", str(copy)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and not (res.stdout + res.stderr).strip(), res.stdout + res.stderr


def test_runs_the_dashboard_beside_the_station_without_owning_its_socket_directory() -> None:
    s, station = settings(UNIT), settings(STATION_UNIT)
    assert s["ExecStart"] == ["/opt/wallhinge/venv/bin/python -m device dashboard --config /etc/wallhinge/wallhinge.toml"]
    # the station's account and state directory (it reads the log), never root
    assert s["User"] == station["User"] == ["wallhinge"] and s["StateDirectory"] == station["StateDirectory"]
    assert Path(str(Config().dashboard.database)).parent == Path("/var/lib") / s["StateDirectory"][0]
    # /run/wallhinge is the station's: a RuntimeDirectory here would delete its socket on our stop
    assert "RuntimeDirectory" not in s
    assert Path(str(Config().bus.socket)).parent == Path("/run") / station["RuntimeDirectory"][0]
    # no user or bad config: exit 2, not a restart loop
    assert "2" in s["RestartPreventExitStatus"][0].split()
    # never the internet; never a device node
    assert s["IPAddressDeny"] == ["any"] and "0.0.0.0/0" not in s["IPAddressAllow"][0]
    assert s["PrivateDevices"] == ["yes"] and s["NoNewPrivileges"] == ["yes"]
