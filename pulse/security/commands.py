"""`pulse hash-password` and `pulse reset-password`: the security subcommands of the CLI."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from pulse.config.settings import Settings
from pulse.errors import StartupError
from pulse.security import passwords
from pulse.security.credentials import SECTION
from pulse.security.lockout import FILE_NAME as LOCKOUT_FILE
from pulse.security.sessions import FILE_NAME as SESSIONS_FILE
from pulse.store.config_store import ConfigStore

SettingsLoader = Callable[[argparse.Namespace], Settings]


def _read_new_password(prompt: str = "New password: ") -> str:
    """One line from a pipe, or typed twice (hidden) at a terminal."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(prompt)
    if getpass.getpass("Repeat it: ") != first:
        raise StartupError("the two passwords differ")
    return first


def run_hash_password(args: argparse.Namespace) -> int:
    password = _read_new_password("Password: ")
    problem = passwords.password_problem(password)
    if problem:
        raise StartupError(problem)
    print(passwords.hash_password_sync(password))
    print(
        "Put it in PULSE_PASSWORD (single-quote it in a shell or .env: it contains $).",
        file=sys.stderr,
    )
    return 0


def run_reset_password(load: SettingsLoader, args: argparse.Namespace) -> int:
    settings = load(args)
    if settings.password:
        raise StartupError(
            "the password comes from PULSE_PASSWORD/PULSE_AUTH_PASS or the settings file; "
            "change it there and restart Pulse"
        )
    store = ConfigStore(settings.data_dir)
    store.load()
    section: dict[str, Any] = dict(store.get(SECTION, {}) or {})
    if args.remove:
        section.pop("passwordHash", None)
        message = "password removed"
    else:
        password = _read_new_password()
        problem = passwords.password_problem(password)
        if problem:
            raise StartupError(problem)
        section["passwordHash"] = passwords.hash_password_sync(password)
        message = "password changed"
    store.save_sync({SECTION: section})
    # Every session ends and every lockout is lifted: the owner is recovering access.
    for name in (SESSIONS_FILE, LOCKOUT_FILE):
        with contextlib.suppress(FileNotFoundError):
            (settings.data_dir / name).unlink()
    print(f"{message}; all sessions ended and lockouts cleared. Start Pulse again now.")
    return 0


def add_security_commands(subparsers: Any, load_settings: SettingsLoader) -> None:
    """Register the subcommands on the `pulse` parser's subparsers."""
    hash_cmd = subparsers.add_parser(
        "hash-password",
        help="print a bcrypt hash (cost 12) for PULSE_PASSWORD",
        description="Reads a password (typed twice, or one line from a pipe) and prints its "
        "bcrypt hash, to set PULSE_PASSWORD without keeping the password in plain text.",
    )
    hash_cmd.set_defaults(handler=run_hash_password)
    reset = subparsers.add_parser(
        "reset-password",
        help="set or remove the dashboard password (stop Pulse first)",
        description="Recovery for a forgotten dashboard password set in Settings. Stop Pulse "
        "first: a running Pulse would keep the old password and could write it back.",
    )
    reset.add_argument("--remove", action="store_true", help="remove the password instead")
    reset.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS, metavar="DIR")
    reset.add_argument("--config", type=Path, default=argparse.SUPPRESS, metavar="FILE")
    reset.set_defaults(handler=partial(run_reset_password, load_settings))
