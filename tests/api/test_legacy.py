"""/api/config, the legacy /api/settings view and the retired /api/settings/update."""

from __future__ import annotations

from pulse import keys
from tests.conftest import AppClient

TOKEN = "legacy-test-api-token-0123456789"


async def test_config_reports_the_running_values(app_client: AppClient) -> None:
    client = await app_client()
    response = await client.get("/api/config")
    assert response.status == 200
    assert await response.json() == {
        "pollingInterval": 5.0,
        "csrfProtection": True,
        "autoUpdateEnabled": False,
        "updateChannel": "stable",
    }
    # a live change shows at once
    changed = await client.put(
        "/api/config/system",
        json={"pollingInterval": 12, "updateChannel": "rc", "autoUpdateEnabled": True},
    )
    assert changed.status == 200
    body = await (await client.get("/api/config")).json()
    assert body["pollingInterval"] == 12.0
    assert isinstance(body["pollingInterval"], float)
    assert body["updateChannel"] == "rc"
    assert body["autoUpdateEnabled"] is True


async def test_config_follows_the_environment(app_client: AppClient) -> None:
    client = await app_client(env={"POLLING_INTERVAL": "30", "UPDATE_CHANNEL": "rc"})
    body = await (await client.get("/api/config")).json()
    assert body["pollingInterval"] == 30.0
    assert body["updateChannel"] == "rc"


async def test_legacy_settings_shape_with_real_values(app_client: AppClient) -> None:
    client = await app_client(
        env={"API_TOKEN": TOKEN, "ALLOWED_ORIGINS": "https://pulse.example.test"},
        port=8123,
        log_level="debug",
        polling_interval=7,
    )
    response = await client.get("/api/settings", headers={"X-API-Token": TOKEN})
    assert response.status == 200
    text = await response.text()
    assert TOKEN not in text
    body = await response.json()
    assert set(body) == {"current", "defaults", "capabilities"}
    current = body["current"]
    assert set(current) == {"server", "monitoring", "logging", "security"}
    assert current["server"]["frontend"] == {"port": 8123, "host": "0.0.0.0"}  # noqa: S104 - a value shown
    assert current["monitoring"]["pollingInterval"] == 7000  # milliseconds, as upstream
    assert current["logging"]["level"] == "debug"
    assert current["security"]["apiToken"] == "***HIDDEN***"
    assert current["security"]["allowedOrigins"] == ["https://pulse.example.test"]
    assert current["security"]["enableAuthentication"] is True
    defaults = body["defaults"]
    assert defaults["server"]["frontend"]["port"] == 7655
    assert defaults["monitoring"]["pollingInterval"] == 5000
    assert defaults["security"]["apiToken"] == ""
    assert body["capabilities"]["requiresRestart"] is False
    # protected like every other settings route
    assert (await client.get("/api/settings")).status == 401
    assert (await client.get("/api/config")).status == 401


async def test_legacy_update_is_gone_and_changes_nothing(app_client: AppClient) -> None:
    client = await app_client()
    before = client.app[keys.LIVE_SETTINGS].current
    response = await client.post(
        "/api/settings/update",
        json={"settings": {"monitoring": {"pollingInterval": 1000}}, "restartNow": True},
    )
    assert response.status == 410
    body = await response.json()
    assert "/api/config/system" in body["error"]
    assert body["code"] == "gone"
    assert "/api/config/system" in response.headers["Link"]
    assert client.app[keys.LIVE_SETTINGS].current == before
    # garbage gets the same answer, never a 500
    garbage = await client.post("/api/settings/update", data=b"\x00not json")
    assert garbage.status == 410
    assert (await client.get("/api/settings/update")).status == 405
