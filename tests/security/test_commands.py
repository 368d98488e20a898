"""`pulse hash-password` and `pulse reset-password`."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import bcrypt
import pytest

from pulse.cli import main
from pulse.security import passwords
from pulse.store.config_store import ConfigStore


def test_hash_password_prints_a_cost_12_hash(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("a-good-password\n"))
    assert main(["hash-password"]) == 0
    printed = capsys.readouterr().out.strip()
    assert passwords.is_bcrypt_hash(printed)
    assert printed.startswith("$2b$12$")
    assert bcrypt.checkpw(b"a-good-password", printed.encode())


def test_hash_password_refuses_a_short_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert main(["hash-password"]) == 2
    assert "at least 8" in capsys.readouterr().err


def test_reset_password_sets_a_new_hash_and_clears_sessions(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    monkeypatch.delenv("PULSE_PASSWORD", raising=False)
    monkeypatch.delenv("PULSE_AUTH_PASS", raising=False)
    (data_dir / "sessions.json").write_text("{}")
    (data_dir / "lockout.json").write_text("{}")
    monkeypatch.setattr(sys, "stdin", io.StringIO("recovered-password\n"))
    assert main(["reset-password", "--data-dir", str(data_dir)]) == 0
    store = ConfigStore(data_dir)
    store.load()
    stored = store.get("security")["passwordHash"]
    assert passwords.check_password_sync("recovered-password", stored)
    assert not (data_dir / "sessions.json").exists()
    assert not (data_dir / "lockout.json").exists()

    assert main(["reset-password", "--remove", "--data-dir", str(data_dir)]) == 0
    store.load()
    assert "passwordHash" not in store.get("security")


def test_reset_password_refuses_an_env_password(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PULSE_PASSWORD", "from-the-environment")
    assert main(["reset-password", "--remove", "--data-dir", str(data_dir)]) == 2
    assert "PULSE_PASSWORD" in capsys.readouterr().err
