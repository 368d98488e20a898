"""The `pulse` command: invalid settings stop start-up with one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_pulse(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pulse", *args],
        env={"PATH": os.environ["PATH"], "HOME": str(cwd), **env},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        check=False,
    )


def test_invalid_env_setting_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = run_pulse(env={"PORT": "0", "PULSE_DATA_DIR": str(tmp_path)}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "pulse: error: invalid setting port from env PORT: must be between 1 and 65535, got 0\n"
    )


def test_invalid_command_line_value(tmp_path: Path) -> None:
    result = run_pulse("--log-level", "loud", env={"PULSE_DATA_DIR": str(tmp_path)}, cwd=tmp_path)
    assert result.returncode == 2
    assert "invalid setting log_level from the command line" in result.stderr
    assert "Traceback" not in result.stderr


def test_corrupt_store_stops_startup(tmp_path: Path) -> None:
    (tmp_path / "config.enc").write_bytes(b"garbage")
    result = run_pulse("--port", "1", env={"PULSE_DATA_DIR": str(tmp_path)}, cwd=tmp_path)
    assert result.returncode == 2
    last_line = result.stderr.splitlines()[-1]
    assert last_line.startswith(f"pulse: error: {tmp_path / 'config.enc'} is not a Pulse")
    assert "Traceback" not in result.stderr
    assert (tmp_path / "config.enc").read_bytes() == b"garbage"


def test_version_flag(tmp_path: Path) -> None:
    result = run_pulse("--version", env={}, cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("pulse ")
