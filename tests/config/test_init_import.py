"""First-start import from PULSE_INIT_CONFIG_FILE / _DATA + _PASSPHRASE, through create_app and
the `pulse` command."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from pulse import keys
from pulse.app import create_app
from pulse.config.nodes import InstanceConfig, InstanceKind
from pulse.config.settings import Settings
from pulse.errors import StartupError
from pulse.store.config_store import ConfigStore
from pulse.store.export import payload_bytes, seal
from tests.conftest import AppClient

PASSPHRASE = "correct horse battery staple"
TOKEN_SECRET = "init-import-token-secret-0123456789"
# Loopback, and a port nothing listens on: the pollers this starts fail at once, harmlessly.
NODE = InstanceConfig(
    id="pve-0",
    kind=InstanceKind.PVE,
    name="imported-pve",
    host="https://127.0.0.1:1",
    token_name="pulse@pve!monitor",
    token_value=TOKEN_SECRET,
)
MakeSettings = Callable[..., Settings]


@pytest.fixture(scope="module")
def export_text() -> str:
    document = {"system": {"pollingInterval": 17}}
    return seal(payload_bytes(document, (NODE,)), PASSPHRASE)


def env_for(
    data: str = "", file: Path | None = None, passphrase: str = PASSPHRASE
) -> dict[str, str]:
    env = {"PULSE_INIT_CONFIG_PASSPHRASE": passphrase}
    if data:
        env["PULSE_INIT_CONFIG_DATA"] = data
    if file is not None:
        env["PULSE_INIT_CONFIG_FILE"] = str(file)
    return env


def assert_imported(app_settings: Settings) -> None:
    store = ConfigStore(app_settings.data_dir)
    store.load()
    nodes = store.get("nodes")
    assert [n["name"] for n in nodes] == ["imported-pve"]
    assert nodes[0]["tokenValue"] == TOKEN_SECRET
    assert store.get("system")["pollingInterval"] == 17


async def test_export_text_is_imported_on_first_start(
    app_client: AppClient, make_settings: MakeSettings, export_text: str
) -> None:
    client = await app_client(env=env_for(data=export_text))
    app = client.app
    assert [i.name for i in app[keys.NODES].instances] == ["imported-pve"]
    assert app[keys.LIVE_SETTINGS].current.polling_interval == 17
    listed = await (await client.get("/api/config/nodes")).json()
    assert [n["name"] for n in listed] == ["imported-pve"]
    assert TOKEN_SECRET not in json.dumps(listed)
    assert_imported(make_settings())


def test_base64_of_an_export_is_accepted(make_settings: MakeSettings, export_text: str) -> None:
    # the original needed the export base64-encoded once more in this variable
    wrapped = base64.b64encode(export_text.encode()).decode()
    settings = make_settings(env_for(data=wrapped))
    create_app(settings)
    assert_imported(settings)


def test_export_file_is_imported(
    make_settings: MakeSettings, export_text: str, tmp_path: Path
) -> None:
    path = tmp_path / "pulse-export.txt"
    path.write_text(export_text + "\n")
    settings = make_settings(env_for(file=path))
    create_app(settings)
    assert_imported(settings)


def test_existing_store_is_left_alone(make_settings: MakeSettings, export_text: str) -> None:
    first = make_settings()
    store = ConfigStore(first.data_dir)
    store.load()
    store.save_sync({"nodes": [], "system": {"pollingInterval": 9}})
    # even a wrong passphrase is no error once the store exists: the variables only seed it
    for env in (env_for(data=export_text), env_for(data=export_text, passphrase="x" * 20)):
        app = create_app(make_settings(env))
        assert app[keys.NODES].instances == ()
        assert app[keys.LIVE_SETTINGS].current.polling_interval == 9


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (env_for(data="EXPORT", passphrase="wrong passphrase!!"),
         "cannot import the initial configuration from env PULSE_INIT_CONFIG_DATA: "
         "Wrong passphrase or corrupted data"),
        (env_for(data="%% not an export %%"),
         "cannot import the initial configuration from env PULSE_INIT_CONFIG_DATA: "
         "Import data is not a Pulse export (not base64)"),
        (env_for(data="EXPORT", passphrase=""),
         "PULSE_INIT_CONFIG_PASSPHRASE is required to import the initial configuration"),
        ({**env_for(data="EXPORT"), "PULSE_INIT_CONFIG_FILE": "/nonexistent/x"},
         "set either PULSE_INIT_CONFIG_FILE or PULSE_INIT_CONFIG_DATA, not both"),
        (env_for(file=Path("/nonexistent/pulse-export.txt")),
         "cannot read the initial configuration /nonexistent/pulse-export.txt "
         "(env PULSE_INIT_CONFIG_FILE): No such file or directory"),
    ],
)  # fmt: skip
def test_problems_stop_startup_and_write_nothing(
    make_settings: MakeSettings, export_text: str, env: dict[str, str], message: str
) -> None:
    env = {k: v.replace("EXPORT", export_text) for k, v in env.items()}
    settings = make_settings(env)
    with pytest.raises(StartupError) as caught:
        create_app(settings)
    assert str(caught.value) == message
    assert export_text not in str(caught.value)
    assert not (settings.data_dir / "config.enc").exists()


def test_payload_without_nodes_is_refused(make_settings: MakeSettings) -> None:
    text = seal(b'{"version": "4.0", "system": {}}', PASSPHRASE)
    with pytest.raises(StartupError, match="Import data has no nodes section"):
        create_app(make_settings(env_for(data=text)))


# -- through the `pulse` command --------------------------------------------------------------


def _env(data_dir: Path, extra: dict[str, str]) -> dict[str, str]:
    return {"PATH": os.environ["PATH"], "HOME": str(data_dir), "PULSE_DATA_DIR": str(data_dir),
            **extra}  # fmt: skip


def test_cli_refuses_a_wrong_passphrase_in_one_line(tmp_path: Path, export_text: str) -> None:
    secret = "not-the-passphrase-1234"
    result = subprocess.run(
        [sys.executable, "-m", "pulse", "--port", "1"],
        env=_env(tmp_path, env_for(data=export_text, passphrase=secret)),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "pulse: error: cannot import the initial configuration from env "
        "PULSE_INIT_CONFIG_DATA: Wrong passphrase or corrupted data"
    )
    assert "Traceback" not in result.stderr
    assert secret not in result.stdout + result.stderr
    assert export_text not in result.stderr
    assert not (tmp_path / "config.enc").exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_cli_starts_with_the_imported_configuration(tmp_path: Path, export_text: str) -> None:
    path = tmp_path / "export.txt"
    path.write_text(export_text)
    port = _free_port()
    env = _env(tmp_path, {**env_for(file=path), "PULSE_LISTEN_ADDRESS": "127.0.0.1",
                          "PORT": str(port)})  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "pulse"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        nodes = None
        deadline = time.monotonic() + 30
        while nodes is None:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            try:
                url = f"http://127.0.0.1:{port}/api/config/nodes"
                with urllib.request.urlopen(url, timeout=2) as response:
                    nodes = json.loads(response.read())
            except OSError:
                assert time.monotonic() < deadline, "pulse did not start"
                time.sleep(0.2)
        assert [n["name"] for n in nodes] == ["imported-pve"]
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=30)
    assert "imported the initial configuration from" in stderr
    assert PASSPHRASE not in stderr
    assert TOKEN_SECRET not in stderr


@pytest.mark.parametrize("env_token", ["", "token-from-env-123"])
def test_the_exports_api_token_is_taken_unless_the_environment_sets_one(
    make_settings: MakeSettings, env_token: str
) -> None:
    exported = "a" * 64
    document = {"system": {"pollingInterval": 17}, "security": {"apiToken": exported}}
    text = seal(payload_bytes(document, (NODE,)), PASSPHRASE)
    env = env_for(data=text) | ({"API_TOKEN": env_token} if env_token else {})
    app = create_app(make_settings(env))
    assert app[keys.CREDENTIALS].api_token == (env_token or exported)
    stored = (app[keys.STORE].get("security") or {}).get("apiToken")
    assert stored == (None if env_token else exported)
