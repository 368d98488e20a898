"""System settings that change at run time (dashboard Settings → System).

Effective value of each: built-in default < YAML config file < the encrypted store's `system`
section (what the dashboard saved) < environment variable < command line. A value set by the
environment or the command line is locked: the API reports it and refuses to change it, so the
dashboard never shows a value that silently is not in force.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pulse.config.settings import SETTING_SPECS, Settings
from pulse.errors import BadRequest
from pulse.store.config_store import ConfigStore

log = logging.getLogger(__name__)

SECTION = "system"

# JSON (camelCase) name -> settings name, for every setting the dashboard may change.
LIVE_FIELDS: dict[str, str] = {
    "pollingInterval": "polling_interval",
    "connectionTimeout": "connection_timeout",
    "allowedOrigins": "allowed_origins",
    "discoverySubnet": "discovery_subnet",
    "updateChannel": "update_channel",
    "autoUpdateEnabled": "auto_update_enabled",
    "autoUpdateCheckInterval": "auto_update_check_interval",
    "autoUpdateTime": "auto_update_time",
}
_SPECS = {spec.name: spec for spec in SETTING_SPECS}


@dataclass(frozen=True, slots=True)
class SystemSettings:
    polling_interval: int
    connection_timeout: int
    allowed_origins: tuple[str, ...]
    discovery_subnet: str
    update_channel: str
    auto_update_enabled: bool
    auto_update_check_interval: int
    auto_update_time: str

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for json_name, name in LIVE_FIELDS.items():
            value = getattr(self, name)
            out[json_name] = ",".join(value) if name == "allowed_origins" else value
        return out


Listener = Callable[[SystemSettings, frozenset[str]], None]


class LiveSettings:
    """The running system settings; owners subscribe to hear about changes."""

    def __init__(self, settings: Settings, store: ConfigStore) -> None:
        self._settings = settings
        self._store = store
        self._listeners: list[Listener] = []
        self.current = self._compute(store.get(SECTION, {}) or {})

    @property
    def locked(self) -> dict[str, str]:
        """JSON field -> the env var / option that fixes it."""
        out = {}
        for json_name, name in LIVE_FIELDS.items():
            source = self._settings.sources.get(name, "default")
            if source.startswith("env ") or source == "command line":
                out[json_name] = source
        return out

    def _compute(self, stored: Mapping[str, Any]) -> SystemSettings:
        values: dict[str, Any] = {}
        locked = self.locked
        for json_name, name in LIVE_FIELDS.items():
            value = getattr(self._settings, name)
            if json_name not in locked and json_name in stored:
                try:
                    value = _SPECS[name].parse(stored[json_name])
                except ValueError as exc:  # a store edited by an older/newer Pulse
                    log.warning("ignoring stored %s: %s", json_name, exc)
            values[name] = value
        return SystemSettings(**values)

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def validate(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Parse a partial update; raises BadRequest naming the first bad field."""
        parsed: dict[str, Any] = {}
        for json_name, raw in changes.items():
            name = LIVE_FIELDS.get(json_name)
            if name is None:
                raise BadRequest(f"unknown setting {json_name!r}")
            if json_name in self.locked and raw != self.current.to_json()[json_name]:
                raise BadRequest(
                    f"{json_name} is set by {self.locked[json_name]} and cannot be changed here"
                )
            try:
                parsed[json_name] = _SPECS[name].parse(raw)
            except ValueError as exc:
                raise BadRequest(f"invalid {json_name}: {exc}") from None
        return parsed

    async def update(self, changes: Mapping[str, Any]) -> SystemSettings:
        """Validate, persist and apply a partial update (PATCH semantics)."""
        parsed = self.validate(changes)
        stored = dict(self._store.get(SECTION, {}) or {})
        for json_name, value in parsed.items():
            stored[json_name] = list(value) if isinstance(value, tuple) else value
        await self._store.save({SECTION: stored})
        return self.reload()

    def reload(self) -> SystemSettings:
        """Recompute from the store (after an update or an import) and notify on change."""
        new = self._compute(self._store.get(SECTION, {}) or {})
        old, self.current = self.current, new
        changed = frozenset(
            json_name
            for json_name, name in LIVE_FIELDS.items()
            if getattr(old, name) != getattr(new, name)
        )
        if changed:
            for listener in self._listeners:
                try:
                    listener(new, changed)
                except Exception:
                    log.exception("settings listener failed")
        return new


def replace_settings(settings: Settings, system: SystemSettings) -> Settings:
    """A Settings with the live values applied (for code that takes a Settings snapshot)."""
    return dataclasses.replace(
        settings, **{name: getattr(system, name) for name in LIVE_FIELDS.values()}
    )
