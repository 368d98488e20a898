"""First start in an upstream Pulse 4.x data dir imports its files once, or refuses clearly."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from pulse import keys
from pulse.app import create_app
from pulse.config.settings import Settings
from pulse.errors import StoreError

KEY = os.urandom(32)
NODES = {
    "pveInstances": [
        {
            "Name": "lab",
            "Host": "https://127.0.1.11:8006",
            "User": "",
            "Password": "",
            "TokenName": "pulse-monitor@pam!pulse",
            "TokenValue": "6f1c2d3e-0000-4000-8000-000000000001",
            "Fingerprint": "",
            "VerifySSL": False,
            "MonitorVMs": True,
            "MonitorContainers": True,
            "MonitorStorage": True,
            "MonitorBackups": False,
            "IsCluster": False,
            "ClusterName": "",
            "ClusterEndpoints": None,
        }
    ],
    "pbsInstances": [
        {
            "Name": "backup1",
            "Host": "https://127.0.200.10:8443:8007",  # upstream's double-port bug
            "User": "",
            "Password": "",
            "TokenName": "pulse-monitor@pbs!pulse",
            "TokenValue": "secret-pbs-token-value",
            "Fingerprint": "",
            "VerifySSL": False,
            "MonitorBackups": True,
            "MonitorDatastores": True,
        }
    ],
}


def seal(plaintext: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(KEY).encrypt(nonce, plaintext, None)


def write_upstream_dir(data_dir: Path) -> None:
    (data_dir / ".encryption.key").write_text(base64.b64encode(KEY).decode())
    (data_dir / "nodes.enc").write_bytes(seal(json.dumps(NODES, indent=2).encode()))
    email = {
        "enabled": True,
        "server": "127.0.0.1",
        "port": 2525,
        "password": "smtp-pw-123",
        "to": ["a@example.com"],
    }
    (data_dir / "email.enc").write_bytes(seal(json.dumps(email).encode()))
    system = {"pollingInterval": 7, "backendPort": 3000, "apiToken": "b" * 64}
    (data_dir / "system.json").write_text(json.dumps(system))
    (data_dir / "webhooks.json").write_text(
        json.dumps(
            [
                {
                    "id": "w1",
                    "name": "n",
                    "url": "http://127.0.0.1:9/hook",
                    "service": "generic",
                    "enabled": True,
                }
            ]
        )
    )


def test_upstream_files_are_imported_once(
    data_dir: Path, make_settings: Callable[..., Settings]
) -> None:
    write_upstream_dir(data_dir)
    app = create_app(make_settings())
    instances = app[keys.NODES].instances
    assert [(i.kind.value, i.name, i.host) for i in instances] == [
        ("pve", "lab", "https://127.0.1.11:8006"),
        ("pbs", "backup1", "https://127.0.200.10:8443"),
    ]
    assert instances[0].token_value == "6f1c2d3e-0000-4000-8000-000000000001"
    assert instances[0].monitor_backups is False
    assert app[keys.LIVE_SETTINGS].current.polling_interval == 7
    assert app[keys.CREDENTIALS].api_token == "b" * 64  # upstream kept it in system.json
    store = app[keys.STORE]
    assert store.get("email")["password"] == "smtp-pw-123"
    assert store.get("webhooks")[0]["url"] == "http://127.0.0.1:9/hook"
    assert store.path.exists()
    # The upstream files are left as they were, and a second start does not import again.
    assert (data_dir / "nodes.enc").exists()
    (data_dir / "system.json").write_text(json.dumps({"pollingInterval": 30}))
    again = create_app(make_settings())
    assert again[keys.LIVE_SETTINGS].current.polling_interval == 7


def test_unreadable_upstream_file_stops_startup_and_writes_nothing(
    data_dir: Path, make_settings: Callable[..., Settings]
) -> None:
    write_upstream_dir(data_dir)
    (data_dir / "nodes.enc").write_bytes(b"\x00" * 40)
    with pytest.raises(
        StoreError, match=r"cannot migrate .*nodes\.enc from upstream Pulse: cannot be decrypted"
    ):
        create_app(make_settings())
    assert not (data_dir / "config.enc").exists()


def test_invalid_upstream_node_is_named(
    data_dir: Path, make_settings: Callable[..., Settings]
) -> None:
    write_upstream_dir(data_dir)
    broken = {
        "pveInstances": [{"Name": "x", "Host": "", "TokenName": "a@pam!b", "TokenValue": "c"}]
    }
    (data_dir / "nodes.enc").write_bytes(seal(json.dumps(broken).encode()))
    with pytest.raises(StoreError, match=r"nodes\.enc from upstream Pulse: .*pveInstances\[0\]"):
        create_app(make_settings())


def test_api_token_from_the_environment_wins_over_upstreams(
    data_dir: Path, make_settings: Callable[..., Settings]
) -> None:
    write_upstream_dir(data_dir)
    app = create_app(make_settings(env={"API_TOKEN": "env-token-0001"}))
    assert app[keys.CREDENTIALS].api_token == "env-token-0001"
    assert "apiToken" not in (app[keys.STORE].get("security") or {})
