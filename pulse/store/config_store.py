"""The user's configuration: one YAML document, encrypted with AES-256-GCM, saved atomically.

Layout of `<data dir>/config.enc`: the header line `PULSE-CONFIG-1\n`, then
`nonce ‖ ciphertext ‖ tag` of the YAML text (the header is authenticated too). Before each
save the current file is copied to `config.enc.bak`, so the previous good version survives.

The document is a mapping of sections, each owned by one part of Pulse:

    nodes      pve/pbs instances with credentials        (config API, pollers)
    system     settings edited in the dashboard           (config API)
    security   password hash, API token, session key      (security)
    email      SMTP settings incl. password               (notify)
    webhooks   webhook list                               (notify)
    alerts     thresholds and overrides                   (alerts)

Owners read a section with `get()` and replace it with `save()`; nobody else edits it.
Values under any key in SECRET_KEYS are secrets: the log filter masks them and the API never
returns them.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from pulse.errors import StoreError
from pulse.store.atomic import atomic_write, remove_stale_temp_files
from pulse.store.crypto import DecryptionError, decrypt, encrypt, load_or_create_key

log = logging.getLogger(__name__)

STORE_FILE_NAME = "config.enc"
MAGIC = b"PULSE-CONFIG-1\n"
DOCUMENT_VERSION = 1
SECRET_KEYS = frozenset(
    {
        "password",
        "passwordHash",
        "tokenValue",
        "tokenSecret",
        "apiToken",
        "sessionKey",
        "secret",
        "url",  # webhook URLs usually embed their token
        "headers",
    }
)

Listener = Callable[[frozenset[str]], None]


def iter_secrets(value: Any, inside_secret: bool = False) -> Iterator[str]:
    """Every string stored under a secret key anywhere in `value`, however deeply nested
    (webhook `headers` hold their secrets one level down)."""
    if isinstance(value, Mapping):
        for child_key, child in value.items():
            yield from iter_secrets(child, inside_secret or str(child_key) in SECRET_KEYS)
    elif isinstance(value, list):
        for child in value:
            yield from iter_secrets(child, inside_secret)
    elif inside_secret and isinstance(value, str) and value:
        yield value


class ConfigStore:
    """Holds the decrypted document in memory; every save rewrites the encrypted file."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / STORE_FILE_NAME
        self.backup_path = data_dir / f"{STORE_FILE_NAME}.bak"
        self._key: bytes | None = None
        self._document: dict[str, Any] = {"version": DOCUMENT_VERSION}
        self._lock = asyncio.Lock()
        self._listeners: list[Listener] = []

    # -- loading -------------------------------------------------------------------------------

    def load(self) -> None:
        """Create the data dir and key if needed, then read the store. Raises StoreError."""
        try:
            self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create data directory {self.data_dir}: {exc.strerror or exc}"
            ) from None
        self._key = load_or_create_key(self.data_dir)
        remove_stale_temp_files(self.path)
        if not self.path.exists():
            if self.backup_path.exists():
                raise StoreError(
                    f"{self.path} is missing but its backup {self.backup_path} exists; "
                    f"restore it with: cp {self.backup_path} {self.path}"
                )
            log.info("no configuration yet; a new store will be created at %s", self.path)
            return
        self._document = self.read_file(self.path)

    def read_file(self, path: Path) -> dict[str, Any]:
        """Decrypt and parse one store file with this store's key."""
        assert self._key is not None, "load() first"
        advice = (
            f"restore the previous good copy with: cp {self.backup_path} {self.path}"
            if path == self.path and self.backup_path.exists()
            else "restore it from a backup, or move it away to start with an empty configuration"
        )
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from None
        if not raw.startswith(MAGIC):
            raise StoreError(f"{path} is not a Pulse configuration store (bad header); {advice}")
        try:
            text = decrypt(self._key, raw[len(MAGIC) :], MAGIC)
        except DecryptionError as exc:
            raise StoreError(
                f"{path} cannot be decrypted: {exc}. Check that {self.data_dir / '.encryption.key'}"
                f" is the key it was written with; {advice}"
            ) from None
        try:
            document = yaml.safe_load(text.decode("utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError):
            raise StoreError(f"{path} decrypted but is not valid YAML; {advice}") from None
        if not isinstance(document, dict):
            raise StoreError(f"{path} does not hold a configuration mapping; {advice}")
        version = document.get("version", DOCUMENT_VERSION)
        if not isinstance(version, int) or version > DOCUMENT_VERSION:
            raise StoreError(f"{path} was written by a newer Pulse (format {version}); upgrade")
        return document

    # -- reading -------------------------------------------------------------------------------

    def get(self, section: str, default: Any = None) -> Any:
        """A deep copy of one section (mutating it changes nothing until `save`)."""
        return copy.deepcopy(self._document.get(section, default))

    def document(self) -> dict[str, Any]:
        """A deep copy of the whole document (export, tests)."""
        return copy.deepcopy(self._document)

    def secret_values(self) -> set[str]:
        return set(iter_secrets(self._document))

    def subscribe(self, listener: Listener) -> None:
        """Call `listener(changed_sections)` after every successful save."""
        self._listeners.append(listener)

    # -- writing -------------------------------------------------------------------------------

    async def save(self, changes: Mapping[str, Any]) -> None:
        """Replace the given top-level sections and persist atomically (off the event loop).

        On failure the in-memory document is unchanged and StoreError is raised.
        """
        async with self._lock:
            document = {**copy.deepcopy(self._document), **copy.deepcopy(dict(changes))}
            await asyncio.to_thread(self._write, document)
            self._document = document
        self._notify(frozenset(changes))

    def save_sync(self, changes: Mapping[str, Any]) -> None:
        """`save` for command-line use when no event loop runs (offline config import)."""
        document = {**copy.deepcopy(self._document), **copy.deepcopy(dict(changes))}
        self._write(document)
        self._document = document
        self._notify(frozenset(changes))

    def _write(self, document: dict[str, Any]) -> None:
        assert self._key is not None, "load() first"
        document["version"] = DOCUMENT_VERSION
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True).encode("utf-8")
        sealed = MAGIC + encrypt(self._key, text, MAGIC)
        try:
            if self.path.exists():
                # Keep the previous good copy; copying (not renaming) keeps `path` in place, so a
                # crash between the two steps still leaves a loadable store.
                atomic_write(self.backup_path, self.path.read_bytes(), mode=0o600)
            atomic_write(self.path, sealed, mode=0o600)
        except OSError as exc:
            raise StoreError(f"cannot write {self.path}: {exc.strerror or exc}") from None

    def _notify(self, changed: frozenset[str]) -> None:
        for listener in self._listeners:
            try:
                listener(changed)
            except Exception:
                log.exception("config listener failed")
