"""First start from an export: `PULSE_INIT_CONFIG_FILE` or `PULSE_INIT_CONFIG_DATA` plus
`PULSE_INIT_CONFIG_PASSPHRASE` fill a store that has never been written (config-and-security.md
§7.6), so a container or an automated install comes up with its nodes and settings.

Unlike the original, a problem stops start-up with one clear line instead of being logged and
ignored: starting empty when the user asked for their configuration hides the mistake. The
decryption and validation are the export module's (`unseal`, `plan_import`), the write is the
store's single atomic save, the same as a `pulse config import` of a stopped Pulse.
"""

from __future__ import annotations

import base64
import binascii
import logging

from pulse.config.settings import Settings
from pulse.errors import BadRequest, StartupError
from pulse.security.credentials import SECTION as SECURITY_SECTION
from pulse.store.config_store import ConfigStore
from pulse.store.export import ImportPlan, plan_import, unseal

log = logging.getLogger(__name__)


def _decrypt(text: str, passphrase: str) -> bytes:
    """The export text as given, else (the original needed this) the base64 of an export."""
    try:
        return unseal(text, passphrase)
    except BadRequest as first:
        try:
            inner = base64.b64decode("".join(text.split()), validate=True).decode("ascii")
        except (binascii.Error, ValueError):
            raise first from None  # not a wrapped export: the first reason is the real one
        return unseal(inner, passphrase)


def _source(settings: Settings, name: str) -> str:
    return settings.sources.get(name, name)


def _read_text(settings: Settings) -> tuple[str, str]:
    """(export text, where it came from)."""
    path = settings.init_config_file
    if path is not None:
        where = f"{path} ({_source(settings, 'init_config_file')})"
        try:
            return path.read_text(encoding="utf-8").strip(), where
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            raise StartupError(f"cannot read the initial configuration {where}: {reason}") from None
    return settings.init_config_data, _source(settings, "init_config_data")


def import_initial_config(settings: Settings, store: ConfigStore) -> ImportPlan | None:
    """Import the configured export into `store` if it has never been saved; returns the plan
    applied, or None when there was nothing to do. Raises StartupError on any problem."""
    if settings.init_config_file is None and not settings.init_config_data:
        return None
    if store.path.exists():
        log.info("initial configuration import skipped: %s already exists", store.path)
        return None
    if settings.init_config_file is not None and settings.init_config_data:
        raise StartupError("set either PULSE_INIT_CONFIG_FILE or PULSE_INIT_CONFIG_DATA, not both")
    passphrase = settings.init_config_passphrase
    if not passphrase:
        raise StartupError(
            "PULSE_INIT_CONFIG_PASSPHRASE is required to import the initial configuration"
        )
    text, where = _read_text(settings)
    try:
        plan = plan_import(_decrypt(text, passphrase))
    except BadRequest as exc:
        raise StartupError(
            f"cannot import the initial configuration from {where}: {exc.message}"
        ) from None
    # The export's API token becomes the one set in Settings, unless API_TOKEN fixes it.
    security = None if settings.api_token else store.get(SECURITY_SECTION, {})
    store.save_sync(plan.store_changes(security))
    log.info(
        "imported the initial configuration from %s: %d node(s), %s",
        where,
        len(plan.instances),
        ", ".join(sorted(plan.sections)) or "no other sections",
    )
    return plan
