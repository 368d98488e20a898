"""The encrypted store: round trip, tamper and wrong-key detection, backups, crash safety."""

from __future__ import annotations

import base64
import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pulse.errors import StoreError
from pulse.store.config_store import ConfigStore
from pulse.store.crypto import KEY_FILE_NAME


def open_store(data_dir: Path) -> ConfigStore:
    store = ConfigStore(data_dir)
    store.load()
    return store


async def test_round_trip_and_file_modes(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    store = open_store(data_dir)
    nodes = [{"name": "lab", "host": "https://127.0.1.11:8006", "tokenValue": "s3cret-token"}]
    await store.save({"nodes": nodes, "system": {"pollingInterval": 7}})

    again = open_store(data_dir)
    assert again.get("nodes") == nodes
    assert again.get("system") == {"pollingInterval": 7}
    assert stat.S_IMODE(os.stat(data_dir).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(data_dir / KEY_FILE_NAME).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    # The secret is not readable in the file on disk.
    assert b"s3cret-token" not in store.path.read_bytes()
    assert b"lab" not in store.path.read_bytes()
    assert "s3cret-token" in again.secret_values()


async def test_get_returns_a_copy(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    await store.save({"nodes": [{"name": "a"}]})
    copy = store.get("nodes")
    copy.append({"name": "b"})
    assert store.get("nodes") == [{"name": "a"}]


async def test_previous_version_is_kept_as_backup(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    await store.save({"system": {"pollingInterval": 1}})
    await store.save({"system": {"pollingInterval": 2}})
    assert store.read_file(store.backup_path)["system"] == {"pollingInterval": 1}
    assert store.read_file(store.path)["system"] == {"pollingInterval": 2}


async def test_listeners_hear_changed_sections(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    heard: list[frozenset[str]] = []
    store.subscribe(heard.append)
    await store.save({"email": {"enabled": True}})
    assert heard == [frozenset({"email"})]


async def test_tampered_file_stops_startup(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    await store.save({"nodes": [{"name": "lab"}]})
    raw = bytearray(store.path.read_bytes())
    raw[-5] ^= 0x01
    store.path.write_bytes(bytes(raw))
    with pytest.raises(StoreError) as caught:
        open_store(tmp_path)
    message = str(caught.value)
    assert str(store.path) in message
    assert "cannot be decrypted" in message
    assert f"cp {store.backup_path} {store.path}" in message or "restore" in message


async def test_truncated_file_stops_startup(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    await store.save({"nodes": []})
    store.path.write_bytes(store.path.read_bytes()[:20])
    with pytest.raises(StoreError, match="cannot be decrypted"):
        open_store(tmp_path)


async def test_wrong_key_stops_startup_and_keeps_the_file(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    await store.save({"nodes": [{"name": "lab"}]})
    before = store.path.read_bytes()
    (tmp_path / KEY_FILE_NAME).write_text(base64.b64encode(os.urandom(32)).decode())
    with pytest.raises(StoreError, match=r"Check that .*\.encryption\.key is the key"):
        open_store(tmp_path)
    assert store.path.read_bytes() == before


def test_invalid_key_file_is_never_replaced(tmp_path: Path) -> None:
    key = tmp_path / KEY_FILE_NAME
    key.write_text("c2hvcnQ=\n")  # 5 bytes
    with pytest.raises(StoreError, match="holds 5 bytes, expected 32"):
        open_store(tmp_path)
    assert key.read_text() == "c2hvcnQ=\n"


def test_not_a_store_file(tmp_path: Path) -> None:
    open_store(tmp_path)
    (tmp_path / "config.enc").write_text("nodes: []\n")
    with pytest.raises(StoreError, match="bad header"):
        open_store(tmp_path)


def test_missing_store_with_backup_present_refuses(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    store.save_sync({"nodes": []})
    store.save_sync({"nodes": [{"name": "x"}]})
    store.path.unlink()
    with pytest.raises(StoreError, match="is missing but its backup"):
        open_store(tmp_path)


def test_key_file_is_compatible_with_the_original(tmp_path: Path) -> None:
    open_store(tmp_path)
    text = (tmp_path / KEY_FILE_NAME).read_text().strip()
    assert len(text) == 44
    assert len(base64.b64decode(text)) == 32


def test_unwritable_data_dir_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StoreError, match="cannot create data directory"):
        open_store(blocker / "data")


WRITER = """
import sys
from pathlib import Path
from pulse.store.config_store import ConfigStore

store = ConfigStore(Path(sys.argv[1]))
store.load()
counter = store.get("counter", 0)
padding = "x" * 20000  # a larger document widens the window for a torn write
while True:
    counter += 1
    store.save_sync({"counter": counter, "padding": padding})
    print(counter, flush=True)
"""


def test_sigkill_at_random_moments_never_corrupts(tmp_path: Path) -> None:
    """A writer killed mid-save leaves the old or the new version, and it always loads."""
    data_dir = tmp_path / "data"
    rng = random.Random(1234)
    last_confirmed = 0
    for _round in range(25):
        with subprocess.Popen(
            [sys.executable, "-c", WRITER, str(data_dir)],
            stdout=subprocess.PIPE,
            text=True,
        ) as child:
            assert child.stdout is not None
            # Wait until it has saved at least once more, then kill at a random moment.
            line = child.stdout.readline()
            assert line, "writer died before saving"
            time.sleep(rng.uniform(0.0, 0.03))
            child.send_signal(signal.SIGKILL)
            rest = child.stdout.read()
        confirmed = [int(n) for n in [line, *rest.split()] if str(n).strip()]
        newest_confirmed = max(confirmed)
        assert newest_confirmed > last_confirmed

        store = open_store(data_dir)  # must not raise
        loaded = store.get("counter")
        # The loaded version is the last confirmed save or the one in flight when killed.
        assert loaded in (newest_confirmed, newest_confirmed + 1)
        last_confirmed = loaded
        assert not list(data_dir.glob(".*.tmp")), "stale temp files are cleaned on load"


async def test_nested_secrets_are_found(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    hooks = [
        {"name": "n", "url": "https://h/abc-url", "headers": {"Authorization": "Bearer xyz-1"}}
    ]
    await store.save({"webhooks": hooks, "email": {"password": "pw-1", "server": "smtp"}})
    assert store.secret_values() == {"https://h/abc-url", "Bearer xyz-1", "pw-1"}
