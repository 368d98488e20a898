"""First start in an upstream Pulse 4.x data directory: import its files once.

Upstream keeps nodes and email encrypted (`nodes.enc`, `email.enc`, same key file and cipher
layout as ours, without associated data) and the rest as JSON. They are read once, converted
with `pulse/config/upstream.py`, and written into our store; the old files are left untouched so
the user can go back. A file that cannot be read stops start-up: silently dropping the user's
nodes is what we must never do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pulse import jsonio
from pulse.config import upstream
from pulse.config.nodes import SECTION as NODES_SECTION
from pulse.errors import BadRequest, StoreError
from pulse.security.credentials import SECTION as SECURITY_SECTION
from pulse.store.config_store import ConfigStore
from pulse.store.crypto import DecryptionError, decrypt, load_or_create_key

log = logging.getLogger(__name__)

UPSTREAM_FILES = ("nodes.enc", "email.enc", "system.json", "alerts.json", "webhooks.json")


def _read(path: Path, key: bytes | None) -> Any:
    try:
        raw = path.read_bytes()
        text = decrypt(key, raw) if key is not None else raw
        return jsonio.loads(text)
    except OSError as exc:
        reason = exc.strerror or str(exc)
    except DecryptionError as exc:
        reason = f"cannot be decrypted with the key in this directory ({exc})"
    except ValueError:
        reason = "is not valid JSON"
    raise StoreError(
        f"cannot migrate {path} from upstream Pulse: {reason}; move it out of the data "
        "directory to start without it"
    )


def migrate_upstream(store: ConfigStore, *, take_api_token: bool = True) -> list[str]:
    """Import upstream files into a store that has never been saved; returns what was read.

    Upstream kept its API token in system.json; it becomes the token set in Settings unless
    `take_api_token` is False (API_TOKEN is set in the environment and wins anyway).
    """
    data_dir = store.data_dir
    present = [name for name in UPSTREAM_FILES if (data_dir / name).is_file()]
    if store.path.exists() or not present:
        return []
    key = load_or_create_key(data_dir)
    converters: dict[str, tuple[str, bool, Callable[[Any], Any]]] = {
        "nodes.enc": (
            NODES_SECTION,
            True,
            lambda raw: [i.to_store() for i in upstream.instances_from_go(raw)],
        ),
        "email.enc": ("email", True, upstream.email_section),
        "system.json": ("system", False, lambda raw: upstream.system_section(raw, strict=False)),
        "alerts.json": ("alerts", False, upstream.alerts_section),
        "webhooks.json": ("webhooks", False, upstream.webhooks_section),
    }
    changes: dict[str, Any] = {}
    for name in present:
        section, encrypted, convert = converters[name]
        raw = _read(data_dir / name, key if encrypted else None)
        try:
            changes[section] = convert(raw)
            if name == "system.json" and take_api_token and (token := upstream.api_token(raw)):
                changes[SECURITY_SECTION] = {"apiToken": token}
        except BadRequest as exc:
            raise StoreError(
                f"cannot migrate {data_dir / name} from upstream Pulse: {exc.message}; fix or "
                "move the file out of the data directory"
            ) from None
    store.save_sync(changes)
    log.info("migrated upstream Pulse configuration from %s: %s", data_dir, ", ".join(present))
    return present
