"""Update check against a fake package index on loopback; status; apply explains the upgrade."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

import pulse
from pulse import keys
from pulse.app import create_app
from pulse.config.live import LiveSettings
from pulse.config.settings import Settings
from pulse.store.config_store import ConfigStore
from pulse.updates.checker import UpdateChecker
from pulse.updates.schedule import run_auto_checks
from pulse.updates.versions import is_newer, parse_version

Client = TestClient[web.Request, web.Application]


def release(version: str, *, yanked: bool = False) -> list[dict[str, Any]]:
    return [
        {
            "filename": f"pulse_monitor-{version}.tar.gz",
            "packagetype": "sdist",
            "url": f"http://127.0.0.1/files/pulse_monitor-{version}.tar.gz",
            "upload_time_iso_8601": "2026-10-01T12:00:00.000000Z",
            "yanked": yanked,
        },
        {
            "filename": f"pulse_monitor-{version}-py3-none-any.whl",
            "packagetype": "bdist_wheel",
            "url": f"http://127.0.0.1/files/pulse_monitor-{version}-py3-none-any.whl",
            "upload_time_iso_8601": "2026-10-02T12:00:00.000000Z",
            "yanked": yanked,
        },
    ]


class FakeIndex:
    def __init__(self) -> None:
        self.hits = 0
        self.status = 200
        self.releases: dict[str, Any] = {
            "0.0.1": release("0.0.1"),
            "99.1.0": release("99.1.0"),
            "99.2.0rc1": release("99.2.0rc1"),
            "100.0.0": release("100.0.0", yanked=True),
            "not-a-version": release("x"),
        }

    async def handle(self, request: web.Request) -> web.Response:
        self.hits += 1
        assert request.match_info["name"] == "pulse-monitor"
        if self.status != 200:
            return web.Response(status=self.status, text="down")
        return web.json_response({"info": {"version": "99.1.0"}, "releases": self.releases})

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/pypi/{name}/json", self.handle)
        return app


@pytest.fixture
def app_client(
    aiohttp_client: Callable[..., Awaitable[Client]], make_settings: Callable[..., Settings]
) -> Callable[..., Awaitable[Client]]:
    """The full app, as installed outside a container (these tests may run inside one)."""

    async def make(env: dict[str, str] | None = None) -> Client:
        app = create_app(make_settings(env))
        app[keys.BUILD_INFO] = dataclasses.replace(app[keys.BUILD_INFO], is_docker=False)
        app[keys.UPDATES].is_docker = False
        return await aiohttp_client(app)

    return make


@pytest.fixture
async def index(aiohttp_server: Callable[..., Awaitable[TestServer]]) -> tuple[FakeIndex, str]:
    fake = FakeIndex()
    server = await aiohttp_server(fake.app(), host="127.0.0.1")
    return fake, str(server.make_url("")).rstrip("/")


async def test_check_finds_the_newest_stable_release(
    app_client: Callable[..., Awaitable[Client]], index: tuple[FakeIndex, str]
) -> None:
    fake, url = index
    client = await app_client(env={"PULSE_UPDATE_SERVER": url})
    response = await client.get("/api/updates/check")
    assert response.status == 200
    body = await response.json()
    assert body == {
        "available": True,
        "currentVersion": pulse.__version__,
        "latestVersion": "99.1.0",  # not the yanked 100.0.0, not the rc
        "releaseNotes": f"{url}/project/pulse-monitor/99.1.0/",
        "releaseDate": "2026-10-02T12:00:00.000000Z",
        "downloadUrl": "http://127.0.0.1/files/pulse_monitor-99.1.0-py3-none-any.whl",
        "isPrerelease": False,
    }
    status = await (await client.get("/api/updates/status")).json()
    assert status["status"] == "available"
    assert status["message"] == "Update available: 99.1.0"
    # Cached for five minutes on the configured channel.
    await client.get("/api/updates/check")
    assert fake.hits == 1


async def test_rc_channel_includes_prereleases(
    app_client: Callable[..., Awaitable[Client]], index: tuple[FakeIndex, str]
) -> None:
    _fake, url = index
    client = await app_client(env={"PULSE_UPDATE_SERVER": url})
    body = await (await client.get("/api/updates/check?channel=rc")).json()
    assert body["latestVersion"] == "99.2.0rc1"
    assert body["isPrerelease"] is True


async def test_no_newer_release(
    app_client: Callable[..., Awaitable[Client]], index: tuple[FakeIndex, str]
) -> None:
    fake, url = index
    fake.releases = {"0.0.1": release("0.0.1")}
    client = await app_client(env={"PULSE_UPDATE_SERVER": url})
    body = await (await client.get("/api/updates/check")).json()
    assert body["available"] is False
    status = await (await client.get("/api/updates/status")).json()
    assert (status["status"], status["message"]) == ("idle", "No updates available")


async def test_index_failure_is_a_clear_502(
    app_client: Callable[..., Awaitable[Client]], index: tuple[FakeIndex, str]
) -> None:
    fake, url = index
    fake.status = 503
    client = await app_client(env={"PULSE_UPDATE_SERVER": url})
    response = await client.get("/api/updates/check")
    assert response.status == 502
    body = await response.json()
    assert body["error"] == "Failed to check for updates: the index answered HTTP 503"
    status = await (await client.get("/api/updates/status")).json()
    assert status["status"] == "error"


async def test_unreachable_index_is_a_clear_502(
    app_client: Callable[..., Awaitable[Client]], unused_tcp_port: int
) -> None:
    client = await app_client(env={"PULSE_UPDATE_SERVER": f"http://127.0.0.1:{unused_tcp_port}"})
    response = await client.get("/api/updates/check")
    assert response.status == 502
    assert (await response.json())["error"] == "Failed to check for updates: index unreachable"


async def test_invalid_channel_is_400(app_client: Callable[..., Awaitable[Client]]) -> None:
    client = await app_client()
    response = await client.get("/api/updates/check?channel=nightly")
    assert response.status == 400
    assert "invalid channel" in (await response.json())["error"]


async def test_apply_explains_how_to_upgrade(app_client: Callable[..., Awaitable[Client]]) -> None:
    client = await app_client()
    response = await client.post("/api/updates/apply", json={"downloadUrl": "http://127.0.0.1/x"})
    assert response.status == 409
    body = await response.json()
    assert body["error"].startswith("updates are applied by your package manager (source install)")


async def test_docker_never_calls_the_index() -> None:
    checker = UpdateChecker(
        current_version="v1.0.0", index_url="http://127.0.0.1:9", is_docker=True
    )
    info = await checker.check("stable")
    assert info.available is False
    assert info.latest_version == "1.0.0"
    assert checker.status.message == "Updates not available in Docker"


async def test_scheduled_check_runs_only_when_enabled(
    index: tuple[FakeIndex, str], tmp_path: Any, make_settings: Callable[..., Any]
) -> None:
    fake, url = index
    settings = make_settings()
    store = ConfigStore(tmp_path / "d")
    store.load()
    live = LiveSettings(settings, store)
    checker = UpdateChecker(current_version="0.0.1", index_url=url, is_docker=False)
    task = asyncio.create_task(run_auto_checks(checker, live, first_delay=0.01))
    await asyncio.sleep(0.1)
    assert fake.hits == 0  # disabled by default
    await live.update({"autoUpdateEnabled": True})
    for _ in range(100):
        if fake.hits:
            break
        await asyncio.sleep(0.02)
    assert fake.hits == 1
    assert checker.status.status == "available"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


@pytest.mark.parametrize(
    ("newer", "older"),
    [
        ("v1.2.4", "1.2.3"),
        ("1.2.3", "1.2.3-rc.2"),
        ("1.2.3rc2", "1.2.3rc1"),
        ("1.2.3-rc.10", "1.2.3-rc.9"),
        ("1.3.0.dev1", "1.2.9"),
        ("2.0", "1.99.99"),
    ],
)
def test_version_order(newer: str, older: str) -> None:
    assert is_newer(newer, older)
    assert not is_newer(older, newer)


def test_build_metadata_is_ignored_and_garbage_refused() -> None:
    assert parse_version("1.2.3+abc") == parse_version("1.2.3")
    with pytest.raises(ValueError, match="not a version"):
        parse_version("latest")
