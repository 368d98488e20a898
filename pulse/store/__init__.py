"""The encrypted configuration store and its file primitives."""

from pulse.store.atomic import atomic_write
from pulse.store.config_store import SECRET_KEYS, ConfigStore
from pulse.store.crypto import KEY_FILE_NAME, decrypt, encrypt, load_or_create_key

__all__ = [
    "KEY_FILE_NAME",
    "SECRET_KEYS",
    "ConfigStore",
    "atomic_write",
    "decrypt",
    "encrypt",
    "load_or_create_key",
]
