"""A fresh clone needs two commands: one runs the station, one runs the tests; CI runs the second."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def first_shell_block() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n(.*?)```", text, re.S).group(1)
    return [line.split("#")[0].strip() for line in block.splitlines() if line.split("#")[0].strip()]


def test_the_readme_starts_with_two_commands_and_ci_runs_the_second():
    assert first_shell_block() == ["scripts/run", "scripts/test"]
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
          if line.strip() and not line.strip().startswith("#")]
    assert ci[-1] == "bash scripts/test"
    for script in ("run", "test"):
        assert (ROOT / "scripts" / script).stat().st_mode & 0o111, f"scripts/{script} is not executable"


def test_setup_installs_nothing_that_warns():
    """The package runs from the checkout: no editable install, whose build prints setuptools warnings."""
    setup = (ROOT / "scripts" / "setup.sh").read_text()
    assert "-e ." not in setup and "--editable" not in setup


@pytest.mark.parametrize("script", ["run", "test"])
def test_the_two_scripts_pass_shellcheck(script):
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck not installed (apt-get install shellcheck; CI installs it)")
    res = subprocess.run(["shellcheck", str(ROOT / "scripts" / script)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stdout


def test_scripts_run_takes_paths_from_the_callers_folder(tmp_path):
    """`~/wallhinge/scripts/run analyze clip.mp4` from the clinician's own folder means that folder's clip."""
    (tmp_path / "mine.toml").write_text("[station]\ntarget_reps = 12\n", encoding="utf-8")
    res = subprocess.run([str(ROOT / "scripts" / "run"), "config", "mine.toml"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "config OK" in res.stderr and "target_reps = 12" in res.stdout


def test_scripts_run_names_itself_in_what_to_type_next(tmp_path):
    """Outside the checkout `python -m device` is no command: scripts/run's messages name scripts/run."""
    from device.__main__ import on_raspberry_pi

    if on_raspberry_pi():  # pragma: no cover - there the self-test would test the real parts
        pytest.skip("on a Raspberry Pi")
    run = str(ROOT / "scripts" / "run")
    res = subprocess.run([run, "selftest"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and f"`{run} selftest --mock`" in res.stderr, res.stderr


def test_scripts_run_alone_runs_the_station_in_simulation_on_a_laptop(tmp_path):
    """The README's first command, as typed: no arguments. It once failed at once on every laptop
    (its simulation options were listed by hand and missed one added to `simulate` later). Two reps
    counted show it runs (the set's 20 took 40 s of CI's 10 minutes; the summary's words are tested in
    test_cli.py); then Ctrl-C, as a user stops the demo, ends it with a word and no traceback."""
    import signal
    import threading

    from device.__main__ import on_raspberry_pi

    if on_raspberry_pi():  # pragma: no cover - there it is the real station
        pytest.skip("on a Raspberry Pi")
    (tmp_path / "defaults.toml").write_text("", encoding="utf-8")  # this machine's own config kept out
    env = {**os.environ, "WALLHINGE_CONFIG": str(tmp_path / "defaults.toml"), "PYTHONUNBUFFERED": "1"}
    # Ctrl-C reaches it as at a terminal: a pytest-xdist worker ignores SIGINT, and a child inherits that.
    proc = subprocess.Popen([str(ROOT / "scripts" / "run")], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    err: list[str] = []
    reader = threading.Thread(target=lambda: err.extend(proc.stderr), daemon=True)  # a full pipe would block it
    reader.start()
    timer = threading.Timer(300, proc.kill)  # a hung station fails the test, not the whole run
    timer.start()
    out: list[str] = []
    try:
        for line in proc.stdout:
            out.append(line)
            if "rep 2: counted (2 of 20)" in line:
                proc.send_signal(signal.SIGINT)  # scripts/run execs python: this is the station itself
                break
        out.extend(proc.stdout)
        rc = proc.wait(60)
        reader.join(10)  # stderr read to its end before it is looked at
    finally:
        timer.cancel()
        proc.kill()
    text, errors = "".join(out), "".join(err)
    assert text.startswith("No Raspberry Pi here, so the station runs in simulation."), text + errors
    assert "rep 1: counted (1 of 20)" in text and "rep 2: counted (2 of 20)" in text, text + errors
    assert rc == 130 and errors.strip().endswith("stopped"), (rc, errors)
    assert "Traceback" not in errors and "error" not in errors.lower(), errors
