"""`pulse config export|import`: a configuration goes CLI (offline) -> REST -> CLI -> offline."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient

from pulse import keys
from pulse.app import create_app
from pulse.cli import main
from pulse.config.nodes import InstanceConfig, InstanceKind, NodeRegistry
from pulse.config.settings import load_settings
from pulse.store.config_store import ConfigStore

PASS = "a long enough passphrase"
TOKEN = "k" * 40


def offline_store(data_dir: Path) -> ConfigStore:
    store = ConfigStore(data_dir)
    store.load()
    return store


async def test_round_trip_cli_rest_cli(
    tmp_path: Path,
    aiohttp_client: Callable[..., Awaitable[TestClient[web.Request, web.Application]]],
) -> None:
    source = offline_store(tmp_path / "a")
    node = InstanceConfig(id="pbs-0", kind=InstanceKind.PBS, name="backup",
                          host="https://127.0.200.10:8007", token_name="pulse-monitor@pbs!pulse",
                          token_value="pbs-secret", monitor_garbage_jobs=True)  # fmt: skip
    source.save_sync({"nodes": [node.to_store()], "system": {"pollingInterval": 8},
                      "email": {"enabled": True, "password": "smtp-secret"}})  # fmt: skip
    first = tmp_path / "first.txt"
    code = main(
        ["config", "export", "--data-dir", str(tmp_path / "a"), "-o", str(first), "-p", PASS]
    )
    assert code == 0
    assert first.stat().st_mode & 0o777 == 0o600
    assert b"pbs-secret" not in first.read_bytes()

    settings = load_settings({"API_TOKEN": TOKEN}, overrides={"data_dir": tmp_path / "live"})
    client = await aiohttp_client(create_app(settings))
    url = str(client.make_url("")).rstrip("/")
    remote = ["--url", url, "--api-token", TOKEN, "-p", PASS]
    code = await asyncio.to_thread(main, ["config", "import", "-i", str(first), "-f", *remote])
    assert code == 0
    assert client.app[keys.NODES].instances == (node,)  # applied live
    assert client.app[keys.LIVE_SETTINGS].current.polling_interval == 8

    second = tmp_path / "second.txt"
    code = await asyncio.to_thread(main, ["config", "export", "-o", str(second), *remote])
    assert code == 0
    code = main(["config", "import", "--data-dir", str(tmp_path / "c"), "-i", str(second),
                 "-f", "-p", PASS])  # fmt: skip
    # a fresh directory has no key yet: importing needs an initialised data dir
    assert code == 2
    offline_store(tmp_path / "c")  # what a first start does
    code = main(["config", "import", "--data-dir", str(tmp_path / "c"), "-i", str(second),
                 "-f", "-p", PASS])  # fmt: skip
    assert code == 0
    target = offline_store(tmp_path / "c")
    assert NodeRegistry(target).instances == (node,)
    assert target.get("email")["password"] == "smtp-secret"
    assert target.get("system")["pollingInterval"] == 8


async def test_cli_errors_are_one_line(tmp_path: Path, capsys: object) -> None:
    offline_store(tmp_path / "a")
    blob = tmp_path / "x.txt"
    assert main(["config", "export", "--data-dir", str(tmp_path / "a"), "-o", str(blob),
                 "-p", "short"]) == 2  # fmt: skip
    assert main(["config", "export", "--data-dir", str(tmp_path / "a"), "-o", str(blob),
                 "-p", PASS]) == 0  # fmt: skip
    assert main(["config", "import", "--data-dir", str(tmp_path / "a"), "-i", str(blob), "-f",
                 "-p", "wrong passphrase!"]) == 2  # fmt: skip
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert "Wrong passphrase or corrupted data" in err
    assert "Traceback" not in err
