"""scripts/install.sh: shellcheck clean, and a dry run that prints the steps and changes nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "install.sh"

# Commands that change a system. In a dry run none may execute; each is
# shadowed on PATH by a stub that logs the call, so a leak shows up in the log.
MUTATING = ("apt-get", "systemctl", "useradd", "groupadd", "usermod", "userdel", "install",
            "python3", "pip", "rm", "mkdir", "cp", "chmod", "raspi-config", "env", "ln")


@pytest.fixture
def sandbox(tmp_path: Path):
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    calls = tmp_path / "calls.log"
    for name in MUTATING:
        stub = stubs / name
        stub.write_text(f'#!/bin/sh\necho "{name} $*" >> "{calls}"\n')
        stub.chmod(0o755)
    env = {**os.environ, "PATH": f"{stubs}:{os.environ['PATH']}"}
    env.pop("WALLHINGE_ROOT", None)
    return env, calls


def run(args: list[str], env: dict, **extra_env: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT), *args], env={**env, **extra_env},
                          capture_output=True, text=True, timeout=60)


def commands(out: str) -> list[str]:
    return [ln[2:] for ln in out.splitlines() if ln.startswith("+ ")]


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed")
def test_shellcheck_clean() -> None:
    res = subprocess.run(["shellcheck", str(SCRIPT)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr


def test_dry_run_prints_the_install_and_changes_nothing(sandbox, tmp_path: Path) -> None:
    env, calls = sandbox
    opt_existed = Path("/opt/wallhinge").exists()
    res = run(["--dry-run"], env)
    assert res.returncode == 0, res.stderr
    cmds = commands(res.stdout)
    apt = next(c for c in cmds if "apt-get install" in c)
    for pkg in ("python3-picamera2", "python3-opencv", "python3-numpy", "python3-lgpio", "python3-venv", "i2c-tools"):
        assert pkg in apt.split()
    assert "python3 -m venv --system-site-packages /opt/wallhinge/venv" in cmds
    pips = [c for c in cmds if " -m pip install " in c]
    assert any("--no-deps" in c and c.endswith(str(ROOT)) for c in pips)
    assert not any(word in c for c in pips for word in ("numpy", "opencv"))  # apt's, never pip's
    assert any(c.startswith("useradd --system") and c.endswith(" wallhinge") for c in cmds)
    assert "install -m 0644 " + str(ROOT / "systemd" / "wallhinge.service") + \
        " /etc/systemd/system/wallhinge.service" in cmds
    assert "ln -sfn /opt/wallhinge/venv/bin/wallhinge /usr/local/bin/wallhinge" in cmds  # `wallhinge selftest`
    order = [next(i for i, c in enumerate(cmds) if c.startswith(p))
             for p in ("env DEBIAN_FRONTEND=noninteractive apt-get install", "useradd", "python3 -m venv",
                       "install -m 0644 " + str(ROOT / "systemd"), "systemctl enable", "systemctl restart")]
    assert order == sorted(order)
    assert not calls.exists(), calls.read_text()
    assert Path("/opt/wallhinge").exists() == opt_existed


def test_dry_run_into_a_staging_root_touches_nothing(sandbox, tmp_path: Path) -> None:
    env, calls = sandbox
    stage = tmp_path / "root"
    stage.mkdir()
    res = run(["--dry-run"], env, WALLHINGE_ROOT=str(stage))
    assert res.returncode == 0, res.stderr
    cmds = commands(res.stdout)
    assert f"python3 -m venv --system-site-packages {stage}/opt/wallhinge/venv" in cmds
    assert not any(c.startswith("systemctl") for c in cmds)  # not the host's systemd
    assert list(stage.iterdir()) == []
    assert not calls.exists(), calls.read_text()


def test_existing_config_is_kept(sandbox, tmp_path: Path) -> None:
    env, _ = sandbox
    stage = tmp_path / "root"
    conf = stage / "etc" / "wallhinge" / "wallhinge.toml"
    conf.parent.mkdir(parents=True)
    conf.write_text('[station]\nplace = "clinic"\n')
    res = run(["--dry-run"], env, WALLHINGE_ROOT=str(stage))
    assert res.returncode == 0, res.stderr
    assert f"keeping existing {conf}" in res.stdout
    assert not any(str(conf) in c for c in commands(res.stdout))
    assert conf.read_text() == '[station]\nplace = "clinic"\n'


def test_uninstall_keeps_data_unless_purged(sandbox) -> None:
    env, calls = sandbox
    keep = commands(run(["--uninstall", "--dry-run"], env).stdout)
    assert "rm -rf /opt/wallhinge" in keep and "rm -f /etc/systemd/system/wallhinge.service" in keep
    assert "rm -f /usr/local/bin/wallhinge" in keep
    assert not any("/var/lib/wallhinge" in c or c.startswith("rm -rf /etc/wallhinge") for c in keep)
    purge = commands(run(["--uninstall", "--purge", "--dry-run"], env).stdout)
    assert "rm -rf /etc/wallhinge /var/lib/wallhinge" in purge
    assert not calls.exists(), calls.read_text()


def test_bad_options_say_what_is_wrong(sandbox) -> None:
    env, calls = sandbox
    res = run(["--frobnicate"], env)
    assert res.returncode == 2 and "unknown option --frobnicate" in res.stderr and "usage:" in res.stderr
    res = run(["--purge", "--dry-run"], env)
    assert res.returncode == 1 and "--purge only goes with --uninstall" in res.stderr
    res = run(["--dry-run", "--src", "/nonexistent"], env)
    assert res.returncode == 1 and "not a WallHinge checkout" in res.stderr
    assert not calls.exists()


def test_time_of_flight_sensor_gets_its_drivers(sandbox, tmp_path: Path) -> None:
    env, calls = sandbox
    plain = commands(run(["--dry-run"], env).stdout)
    assert not any("adafruit-circuitpython-vl53l1x" in c for c in plain)
    tof = commands(run(["--dry-run", "--tof"], env).stdout)
    assert any(" -m pip install " in c and "adafruit-circuitpython-vl53l1x" in c for c in tof)
    # An installed config that uses the sensor keeps its drivers on upgrade.
    stage = tmp_path / "root"
    conf = stage / "etc" / "wallhinge" / "wallhinge.toml"
    conf.parent.mkdir(parents=True)
    conf.write_text('[sensor]\nkind = "vl53l1x"\n')
    staged = commands(run(["--dry-run"], env, WALLHINGE_ROOT=str(stage)).stdout)
    assert any("adafruit-circuitpython-vl53l1x" in c for c in staged)
    assert not calls.exists()
