"""Checks the package index (PyPI's JSON API, or the server in PULSE_UPDATE_SERVER) for a newer
Pulse, keeps the update status, and optionally checks on a schedule (check and log only)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp

from pulse import DISTRIBUTION
from pulse.errors import ApiError
from pulse.updates.versions import parse_version

log = logging.getLogger(__name__)

DEFAULT_INDEX = "https://pypi.org"
CACHE_SECONDS = 300
REQUEST_TIMEOUT = 30
ZERO_TIME = "0001-01-01T00:00:00Z"


def now_rfc3339() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class UpdateInfo:
    available: bool
    current_version: str
    latest_version: str
    release_notes: str = ""
    release_date: str = ZERO_TIME
    download_url: str = ""
    is_prerelease: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "available": self.available,
            "currentVersion": self.current_version,
            "latestVersion": self.latest_version,
            "releaseNotes": self.release_notes,
            "releaseDate": self.release_date,
            "downloadUrl": self.download_url,
            "isPrerelease": self.is_prerelease,
        }


@dataclass(slots=True)
class UpdateStatus:
    status: str = "idle"
    progress: int = 0
    message: str = ""
    updated_at: str = field(default_factory=now_rfc3339)

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "progress": self.progress,
            "message": self.message,
            "updatedAt": self.updated_at,
        }


class UpstreamError(ApiError):
    status = 502
    code = "update_check_failed"


def pick_release(document: Any, channel: str) -> tuple[str, dict[str, Any]] | None:
    """The newest release of the channel from a PyPI JSON document, with its preferred file."""
    releases = document.get("releases") if isinstance(document, dict) else None
    if not isinstance(releases, dict):
        raise ValueError("the index answer has no releases")
    best: tuple[Any, str, dict[str, Any]] | None = None
    for text, files in releases.items():
        try:
            version = parse_version(str(text))
        except ValueError:
            continue
        usable = [f for f in files or [] if isinstance(f, dict) and not f.get("yanked")]
        if not usable or (version.is_prerelease and channel != "rc"):
            continue
        wheel = next((f for f in usable if f.get("packagetype") == "bdist_wheel"), usable[0])
        if best is None or version > best[0]:
            best = (version, str(text), wheel)
    return None if best is None else (best[1], best[2])


class UpdateChecker:
    """Answers /api/updates/check and /status; the result is cached for 5 minutes."""

    def __init__(
        self,
        *,
        current_version: str,
        index_url: str,
        is_docker: bool,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.current_version = current_version.removeprefix("v")
        self.index_url = (index_url or DEFAULT_INDEX).rstrip("/")
        self.is_docker = is_docker
        self.status = UpdateStatus()
        self._clock = clock
        self._cache: dict[str, tuple[float, UpdateInfo]] = {}
        self._lock = asyncio.Lock()
        self.listeners: list[Callable[[UpdateStatus], None]] = []

    def _set_status(self, status: str, progress: int, message: str) -> None:
        self.status = UpdateStatus(status, progress, message)
        for listener in self.listeners:
            listener(self.status)

    async def check(self, channel: str, *, use_cache: bool = True) -> UpdateInfo:
        if self.is_docker:
            self._set_status("idle", 100, "Updates not available in Docker")
            return UpdateInfo(False, self.current_version, self.current_version)
        async with self._lock:
            cached = self._cache.get(channel)
            if use_cache and cached and self._clock() - cached[0] < CACHE_SECONDS:
                return cached[1]
            self._set_status("checking", 0, "Checking for updates")
            try:
                info = await self._fetch(channel)
            except UpstreamError as exc:
                self._set_status("error", 0, exc.message)
                raise
            self._cache[channel] = (self._clock(), info)
            if info.available:
                self._set_status("available", 100, f"Update available: {info.latest_version}")
            else:
                self._set_status("idle", 100, "No updates available")
            return info

    async def _fetch(self, channel: str) -> UpdateInfo:
        url = f"{self.index_url}/pypi/{DISTRIBUTION}/json"
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
        headers = {"Accept": "application/json", "User-Agent": f"Pulse/{self.current_version}"}
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.get(url, headers=headers) as response,
            ):
                if response.status == 404:
                    raise UpstreamError("Failed to check for updates: Pulse is not on the index")
                if response.status != 200:
                    raise UpstreamError(
                        f"Failed to check for updates: the index answered HTTP {response.status}"
                    )
                document = await response.json(content_type=None)
            picked = pick_release(document, channel)
        except (aiohttp.ClientError, TimeoutError) as exc:
            reason = "timed out" if isinstance(exc, TimeoutError) else "index unreachable"
            raise UpstreamError(f"Failed to check for updates: {reason}") from None
        except ValueError:
            raise UpstreamError("Failed to check for updates: unexpected answer") from None
        if picked is None:
            return UpdateInfo(False, self.current_version, self.current_version)
        latest, wheel = picked
        newer = parse_version(latest) > parse_version(self.current_version)
        return UpdateInfo(
            available=newer,
            current_version=self.current_version,
            latest_version=latest,
            release_notes=f"{self.index_url}/project/{DISTRIBUTION}/{latest}/",
            release_date=str(wheel.get("upload_time_iso_8601") or ZERO_TIME),
            download_url=str(wheel.get("url") or ""),
            is_prerelease=parse_version(latest).is_prerelease,
        )
