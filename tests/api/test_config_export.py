"""Export/import through the REST API: exact upstream crypto, Go-style records, live apply."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from pulse import keys
from pulse.config.nodes import ClusterEndpoint, InstanceConfig, InstanceKind
from tests.conftest import AppClient

PASS = "correct horse battery"
TOKEN = "t" * 32
AUTH = {"X-API-Token": TOKEN}


def upstream_seal(payload: dict[str, Any], passphrase: str) -> str:
    """What upstream Pulse's Go code writes, re-implemented from the spec independently."""
    salt, nonce = os.urandom(32), os.urandom(12)
    key = hashlib.pbkdf2_hmac("sha256", passphrase.encode(), salt, 100_000, dklen=32)
    sealed = AESGCM(key).encrypt(nonce, json.dumps(payload).encode(), None)
    return base64.b64encode(salt + nonce + sealed).decode()


def upstream_open(text: str, passphrase: str) -> dict[str, Any]:
    raw = base64.b64decode(text)
    key = hashlib.pbkdf2_hmac("sha256", passphrase.encode(), raw[:32], 100_000, dklen=32)
    result: dict[str, Any] = json.loads(AESGCM(key).decrypt(raw[32:44], raw[44:], None))
    return result


UPSTREAM_PAYLOAD: dict[str, Any] = {
    "version": "4.0",
    "exportedAt": "2025-08-12T10:52:51.481934226Z",
    "nodes": {
        "pveInstances": [
            {
                "Name": "lab", "Host": "https://127.0.1.11:8006", "User": "root@pam",
                "Password": "old-password", "TokenName": "pulse-monitor@pam!pulse-1",
                "TokenValue": "6f1c2d3e-aaaa", "Fingerprint": "", "VerifySSL": False,
                "MonitorVMs": True, "MonitorContainers": False, "MonitorStorage": True,
                "MonitorBackups": True, "IsCluster": True, "ClusterName": "homelab",
                "ClusterEndpoints": [{"NodeID": "node/pve1", "NodeName": "pve1", "Host": "pve1",
                                      "IP": "127.0.1.11", "Online": True,
                                      "LastSeen": "2025-08-12T10:40:02.118Z"}],
            }
        ],
        "pbsInstances": [
            {
                "Name": "backup1", "Host": "https://127.0.2.1:8443:8007", "User": "",
                "Password": "", "TokenName": "pulse-monitor@pbs!pulse-2", "TokenValue": "pbs-secret",
                "Fingerprint": "", "VerifySSL": False, "MonitorBackups": True,
                "MonitorDatastores": True, "MonitorSyncJobs": True, "MonitorVerifyJobs": True,
                "MonitorPruneJobs": True, "MonitorGarbageJobs": False,
            }
        ],
    },
    "alerts": {"enabled": True, "guestDefaults": {"cpu": {"trigger": 90, "clear": 80}},
               "overrides": {}, "minimumDelta": 2},
    "email": {"enabled": True, "provider": "Gmail", "server": "smtp.example.test", "port": 587,
              "username": "me", "password": "smtp-secret", "from": "p@example.test",
              "to": ["ops@example.test"], "tls": False, "startTLS": True},
    "webhooks": [{"id": "webhook-1", "name": "Discord", "url": "https://hooks.example.test/x",
                  "method": "POST", "headers": {}, "enabled": True, "service": "discord"}],
    "system": {"pollingInterval": 7, "backendPort": 3000, "frontendPort": 7655,
               "allowedOrigins": "*", "connectionTimeout": 10, "updateChannel": "rc",
               "autoUpdateEnabled": False, "autoUpdateCheckInterval": 24,
               "autoUpdateTime": "03:00", "apiToken": "upstream-token"},
}  # fmt: skip


async def test_access_rules(app_client: AppClient) -> None:
    open_client = await app_client()
    resp = await open_client.post("/api/config/export", json={"passphrase": PASS})
    assert resp.status == 403
    assert "ALLOW_UNPROTECTED_EXPORT" in (await resp.json())["error"]
    client = await app_client(env={"API_TOKEN": TOKEN})
    assert (await client.post("/api/config/export", json={"passphrase": PASS})).status == 401
    resp = await client.post("/api/config/export", json={"passphrase": "short"}, headers=AUTH)
    assert resp.status == 400
    assert "at least 12" in (await resp.json())["error"]
    resp = await client.post("/api/config/import", json={"passphrase": PASS}, headers=AUTH)
    assert (await resp.json())["error"] == "Import data is required"


async def test_export_is_upstream_format_and_round_trips(app_client: AppClient) -> None:
    source = await app_client(env={"API_TOKEN": TOKEN})
    endpoint = ClusterEndpoint("node/pve1", "pve1", "pve1", "127.0.1.11", True, 1754995202.0)
    await source.app[keys.NODES].put(
        InstanceConfig(id="pve-3", kind=InstanceKind.PVE, name="lab", host="https://127.0.1.11:8006",
                       token_name="pulse-monitor@pam!pulse", token_value="pve-secret",
                       monitor_storage=False, is_cluster=True, cluster_name="homelab",
                       cluster_endpoints=(endpoint,))
    )  # fmt: skip
    await source.app[keys.STORE].save(
        {"email": {"enabled": True, "server": "smtp.example.test", "password": "smtp-secret"},
         "webhooks": [{"id": "w1", "name": "n", "url": "https://hooks.example.test/1",
                       "method": "POST", "headers": {}, "enabled": True, "service": "generic"}],
         "alerts": {"enabled": False}}
    )  # fmt: skip
    resp = await source.post("/api/config/system", json={"pollingInterval": 9}, headers=AUTH)
    assert resp.status == 200
    resp = await source.post("/api/config/export", json={"passphrase": PASS}, headers=AUTH)
    assert resp.status == 200
    body = await resp.json()
    assert body["status"] == "success"
    assert "pve-secret" not in await resp.text()
    payload = upstream_open(body["data"], PASS)  # readable by upstream's algorithm
    assert payload["version"] == "4.0"
    [record] = payload["nodes"]["pveInstances"]
    assert record["Name"] == "lab"
    assert record["TokenValue"] == "pve-secret"
    assert record["MonitorStorage"] is False
    assert record["ClusterEndpoints"][0]["LastSeen"].startswith("2025-08-12T")
    assert payload["nodes"]["pbsInstances"] == []
    assert payload["email"]["password"] == "smtp-secret"
    assert payload["system"]["pollingInterval"] == 9
    assert "apiToken" not in payload["system"]  # API_TOKEN is the deployment's, not exported

    target = await app_client(
        env={"API_TOKEN": TOKEN}, data_dir=source.app[keys.SETTINGS].data_dir.parent / "other"
    )
    heard: list[int] = []
    target.app[keys.NODES].subscribe(lambda instances: heard.append(len(instances)))
    resp = await target.post("/api/config/import", json={"data": body["data"], "passphrase": PASS},
                             headers=AUTH)  # fmt: skip
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["message"] == "Configuration imported successfully"
    assert heard == [1]  # the pollers hear about it at once
    assert target.app[keys.NODES].instances == source.app[keys.NODES].instances
    assert target.app[keys.LIVE_SETTINGS].current.polling_interval == 9
    assert target.app[keys.STORE].get("email")["password"] == "smtp-secret"
    assert target.app[keys.STORE].get("webhooks")[0]["url"] == "https://hooks.example.test/1"
    assert target.app[keys.STORE].get("alerts") == {"enabled": False}


async def test_import_of_an_upstream_export(app_client: AppClient) -> None:
    client = await app_client(env={"ALLOW_UNPROTECTED_EXPORT": "true"})
    data = upstream_seal(UPSTREAM_PAYLOAD, PASS)
    resp = await client.post("/api/config/import", json={"data": data, "passphrase": PASS})
    assert resp.status == 200, await resp.text()
    pve, pbs = client.app[keys.NODES].instances
    assert (pve.id, pve.name, pve.kind) == ("pve-0", "lab", InstanceKind.PVE)
    assert pve.token_name == "pulse-monitor@pam!pulse-1"
    assert pve.password == ""  # the token wins, as upstream
    assert not pve.monitor_containers
    assert pve.is_cluster
    assert pve.cluster_endpoints[0].ip == "127.0.1.11"
    assert pve.cluster_endpoints[0].last_seen > 1.7e9
    assert pbs.host == "https://127.0.2.1:8443"  # upstream's double-port bug repaired
    assert pbs.token_value == "pbs-secret"
    store = client.app[keys.STORE]
    assert store.get("email")["startTLS"] is True
    assert store.get("webhooks")[0]["service"] == "discord"
    assert store.get("alerts")["guestDefaults"]["cpu"]["trigger"] == 90
    assert store.get("system") == {"pollingInterval": 7, "allowedOrigins": ["*"],
                                   "connectionTimeout": 10, "updateChannel": "rc",
                                   "autoUpdateEnabled": False,
                                   "autoUpdateCheckInterval": 24, "autoUpdateTime": "03:00"}  # fmt: skip
    assert client.app[keys.LIVE_SETTINGS].current.update_channel == "rc"
    # upstream's API token moves into the security settings: the user's scripts keep working
    assert client.app[keys.CREDENTIALS].api_token == "upstream-token"
    assert (await client.get("/api/state", headers={"X-API-Token": "upstream-token"})).status == 200
    assert (await client.get("/api/state")).status == 401


async def test_settings_token_is_exported_and_restored_but_env_token_wins(
    app_client: AppClient,
) -> None:
    source = await app_client(env={"ALLOW_UNPROTECTED_EXPORT": "true"})
    generated = await (await source.post("/api/system/api-token/generate")).json()
    token = generated["token"]
    resp = await source.post("/api/config/export", json={"passphrase": PASS},
                             headers={"X-API-Token": token})  # fmt: skip
    data = (await resp.json())["data"]
    assert upstream_open(data, PASS)["system"]["apiToken"] == token  # as upstream's system.json
    assert token not in await resp.text()

    other = source.app[keys.SETTINGS].data_dir.parent
    restored = await app_client(env={"ALLOW_UNPROTECTED_EXPORT": "true"}, data_dir=other / "b")
    resp = await restored.post("/api/config/import", json={"data": data, "passphrase": PASS})
    assert resp.status == 200, await resp.text()
    assert restored.app[keys.CREDENTIALS].api_token == token

    fixed = await app_client(env={"API_TOKEN": TOKEN}, data_dir=other / "c")
    resp = await fixed.post("/api/config/import", json={"data": data, "passphrase": PASS},
                            headers=AUTH)  # fmt: skip
    assert resp.status == 200, await resp.text()
    assert fixed.app[keys.CREDENTIALS].api_token == TOKEN
    assert fixed.app[keys.STORE].get("security", {}).get("apiToken") is None


async def test_wrong_passphrase_or_damage_changes_nothing(app_client: AppClient) -> None:
    data = upstream_seal(UPSTREAM_PAYLOAD, PASS)
    cases = [
        ({"data": data, "passphrase": "not the passphrase"}, "Wrong passphrase or corrupted data"),
        ({"data": data[:40] + ("A" if data[40] != "A" else "B") + data[41:], "passphrase": PASS},
         "Wrong passphrase or corrupted data"),
        ({"data": "not base64 at all!", "passphrase": PASS}, "not base64"),
        ({"data": base64.b64encode(b"short").decode(), "passphrase": PASS}, "too short"),
        ({"data": upstream_seal({"version": "4.0"}, PASS), "passphrase": PASS}, "no nodes"),
        ({"data": upstream_seal({"nodes": {"pveInstances": [{"Name": "x", "Host": "h"}]}}, PASS),
          "passphrase": PASS}, "credentials"),
        ({"data": upstream_seal({"nodes": {}, "email": {"port": "25"}}, PASS),
          "passphrase": PASS}, "email.port"),
    ]  # fmt: skip
    existing = InstanceConfig(id="pve-0", kind=InstanceKind.PVE, name="kept",
                              host="https://127.0.1.1:8006", user="root@pam", password="pw")  # fmt: skip
    for n, (body, message) in enumerate(cases):
        if n % 4 == 0:  # a fresh app every 4 requests: export/import is limited to 5 a minute
            client = await app_client(env={"ALLOW_UNPROTECTED_EXPORT": "true"})
            await client.app[keys.NODES].put(existing)
            await client.app[keys.STORE].save({"email": {"server": "smtp.kept.test"}})
            before = client.app[keys.STORE].document()
        resp = await client.post("/api/config/import", json=body)
        assert resp.status == 400
        assert message in (await resp.json())["error"]
        assert client.app[keys.STORE].document() == before
        assert client.app[keys.NODES].instances == (existing,)
