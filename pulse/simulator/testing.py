"""A minimal Proxmox client for tests against the simulator (token headers, GET with status)."""

from __future__ import annotations

from typing import Any

import aiohttp

from pulse.simulator.info import ServerInfo


def token_headers(info: ServerInfo, *, restricted: bool = False) -> dict[str, str]:
    """The `Authorization` header for the instance's monitoring (or restricted) API token."""
    tid = info.restricted_token_id if restricted else info.token_id
    secret = info.restricted_token_secret if restricted else info.token_secret
    if info.kind == "pve":
        return {"Authorization": f"PVEAPIToken={tid}={secret}"}
    return {"Authorization": f"PBSAPIToken={tid}:{secret}"}


class SimApi:
    """GET a path on a server (or one of its node URLs); returns (status, JSON or text)."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def get(
        self,
        info: ServerInfo,
        path: str,
        *,
        url: str | None = None,
        restricted: bool = False,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        hdrs = token_headers(info, restricted=restricted) if headers is None else headers
        async with self.session.get(
            f"{url or info.url}/api2/json{path}", headers=hdrs, ssl=False
        ) as resp:
            body = await resp.read()
            try:
                return resp.status, await resp.json(content_type=None)
            except ValueError:
                return resp.status, body.decode()

    async def data(self, info: ServerInfo, path: str, **kw: Any) -> Any:
        """The `data` member of a 200 answer (asserts the status)."""
        status, body = await self.get(info, path, **kw)
        if status != 200:
            raise AssertionError(f"GET {path}: {status} {body!r}")
        return body["data"]
