"""`pulse config export|import`: scripted backup and restore of the configuration.

Against a running Pulse (`--url` plus an API token) through the REST API, or — without
`--url` — directly on a stopped Pulse's data directory. The export text is the same in both
cases (and the same as upstream Pulse's), so any of them can restore any other's export.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

from pulse import jsonio
from pulse.config.nodes import NodeRegistry
from pulse.config.settings import Settings
from pulse.errors import BadRequest, StartupError
from pulse.security.credentials import SECTION as SECURITY_SECTION
from pulse.store.atomic import atomic_write
from pulse.store.config_store import ConfigStore
from pulse.store.export import (
    MIN_PASSPHRASE,
    payload_bytes,
    plan_import,
    seal,
    unseal,
)

SettingsLoader = Callable[[argparse.Namespace], Settings]


def add_config_commands(subparsers: Any, load_settings: SettingsLoader) -> None:
    config = subparsers.add_parser("config", help="export or import the configuration")
    actions = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    for name in ("export", "import"):
        sub = actions.add_parser(name, help=f"{name} the encrypted configuration")
        if name == "export":
            sub.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
        else:
            sub.add_argument("-i", "--input", type=Path, required=True, help="export file")
            sub.add_argument("-f", "--force", action="store_true", help="do not ask to confirm")
        sub.add_argument("-p", "--passphrase", help="passphrase (else $PULSE_PASSPHRASE or ask)")
        sub.add_argument("--url", help="a running Pulse, e.g. http://localhost:7655")
        sub.add_argument("--api-token", help="API token for --url (else $PULSE_API_TOKEN)")
        # SUPPRESS: when absent here, `pulse --data-dir DIR config ...` still counts.
        sub.add_argument(
            "--data-dir",
            type=Path,
            default=argparse.SUPPRESS,
            help="data directory of a stopped Pulse (default: the configured one)",
        )
        sub.set_defaults(handler=lambda args, load=load_settings: run(args, load))


def _passphrase(args: argparse.Namespace, *, confirm: bool) -> str:
    value = args.passphrase or os.environ.get("PULSE_PASSPHRASE", "")
    if not value:
        if not sys.stdin.isatty():
            raise StartupError("no passphrase: use -p or set PULSE_PASSPHRASE")
        value = getpass.getpass("Passphrase: ")
        if confirm and getpass.getpass("Repeat passphrase: ") != value:
            raise StartupError("the passphrases differ")
    if confirm and len(value) < MIN_PASSPHRASE:
        raise StartupError(f"the passphrase must be at least {MIN_PASSPHRASE} characters long")
    return value


async def _call(args: argparse.Namespace, path: str, body: dict[str, str]) -> dict[str, Any]:
    token = args.api_token or os.environ.get("PULSE_API_TOKEN", "")
    headers = {"X-API-Token": token} if token else {}
    url = args.url.rstrip("/") + path
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session,
            session.post(url, json=body, headers=headers) as response,
        ):
            text = await response.text()
            try:
                answer = jsonio.loads(text)
            except ValueError:
                answer = {}
            if response.status != 200 or not isinstance(answer, dict):
                error = answer.get("error") if isinstance(answer, dict) else None
                raise StartupError(f"{url}: HTTP {response.status}: {error or text[:200]}")
            return answer
    except aiohttp.ClientError as exc:
        raise StartupError(f"cannot reach {args.url}: {exc}") from None


def _open_store(args: argparse.Namespace, load: SettingsLoader) -> ConfigStore:
    data_dir = args.data_dir or load(args).data_dir
    if not (data_dir / ".encryption.key").exists():
        raise StartupError(f"{data_dir} is not a Pulse data directory (no .encryption.key)")
    store = ConfigStore(data_dir)
    store.load()
    return store


def export_text(args: argparse.Namespace, load: SettingsLoader, passphrase: str) -> str:
    if args.url:
        answer = asyncio.run(_call(args, "/api/config/export", {"passphrase": passphrase}))
        return str(answer["data"])
    store = _open_store(args, load)
    return seal(payload_bytes(store.document(), NodeRegistry(store).instances), passphrase)


def import_text(args: argparse.Namespace, load: SettingsLoader, text: str, passphrase: str) -> str:
    if args.url:
        body = {"data": text, "passphrase": passphrase}
        return str(asyncio.run(_call(args, "/api/config/import", body)).get("message", "done"))
    store = _open_store(args, load)
    plan = plan_import(unseal(text, passphrase))
    store.save_sync(plan.store_changes(store.get(SECURITY_SECTION, {})))
    return (
        f"imported {len(plan.instances)} node(s) into {store.data_dir}; "
        "restart Pulse if it is running on this data directory"
    )


def run(args: argparse.Namespace, load: SettingsLoader) -> int:
    try:
        if args.config_command == "export":
            text = export_text(args, load, _passphrase(args, confirm=True))
            if args.output is None:
                print(text)
            else:
                atomic_write(args.output, text.encode() + b"\n", mode=0o600)
                print(f"wrote {args.output}", file=sys.stderr)
            return 0
        try:
            text = args.input.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise StartupError(f"cannot read {args.input}: {exc}") from None
        if not args.force and sys.stdin.isatty():
            where = args.url or "the data directory"
            answer = input(f"Replace the configuration of {where}? [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                print("aborted", file=sys.stderr)
                return 1
        print(import_text(args, load, text, _passphrase(args, confirm=False)), file=sys.stderr)
        return 0
    except BadRequest as exc:
        raise StartupError(exc.message) from None
