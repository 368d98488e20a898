"""The `pulse` command: serve the daemon (default), plus maintenance subcommands."""

from __future__ import annotations

import argparse
import logging
import ssl
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

import pulse
from pulse.app import create_app
from pulse.cli_config import add_config_commands
from pulse.config.settings import Settings, load_settings
from pulse.demo import install_demo, run_demo
from pulse.errors import StartupError
from pulse.logs import setup_logging
from pulse.security.commands import add_security_commands

log = logging.getLogger("pulse")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pulse",
        description="Real-time monitoring for Proxmox VE and Proxmox Backup Server.",
    )
    parser.add_argument("--version", action="version", version=f"pulse {pulse.__version__}")
    add_serve_options(parser)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_security_commands(subparsers, settings_from_args)
    add_config_commands(subparsers, settings_from_args)
    return parser


def add_serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, metavar="FILE", help="YAML settings file")
    parser.add_argument("--data-dir", type=Path, metavar="DIR", help="data directory")
    parser.add_argument("--port", metavar="N", help="listen port (default 7655)")
    parser.add_argument("--host", metavar="ADDR", help="listen address (default 0.0.0.0)")
    parser.add_argument("--log-level", metavar="LEVEL", help="debug, info, warn or error")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="monitor a built-in simulated Proxmox cluster, node and PBS (loopback only)",
    )


def settings_from_args(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    for option, name in (
        ("data_dir", "data_dir"),
        ("port", "port"),
        ("host", "listen_address"),
        ("log_level", "log_level"),
    ):
        value = getattr(args, option, None)
        if value is not None:
            overrides[name] = value
    if args.config is not None and not args.config.is_file():
        raise StartupError(f"config file {args.config} (from --config) not found")
    return load_settings(config_file=args.config, overrides=overrides)


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    if settings.tls_cert_file is None or settings.tls_key_file is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(settings.tls_cert_file, settings.tls_key_file)
    except (OSError, ssl.SSLError) as exc:
        raise StartupError(f"cannot load TLS certificate/key: {exc}") from None
    return context


def serve(settings: Settings, app: web.Application) -> None:
    context = ssl_context(settings)
    scheme = "https" if context else "http"
    log.info(
        "Pulse %s listening on %s://%s:%d (data dir %s)",
        pulse.__version__,
        scheme,
        settings.listen_address,
        settings.port,
        settings.data_dir,
    )
    web.run_app(
        app,
        host=settings.listen_address,
        port=settings.port,
        ssl_context=context,
        print=None,
        access_log=logging.getLogger("aiohttp.access"),
        shutdown_timeout=10,
    )


def run_serve(args: argparse.Namespace) -> int:
    if getattr(args, "demo", False):
        return run_demo(args, settings_from_args, start)
    return start(settings_from_args(args))


def start(settings: Settings, demo: bool = False) -> int:
    setup_logging(settings.log_level)
    for line in settings.describe_sources():
        log.info("setting %s", line)
    app = create_app(settings)
    if demo:
        install_demo(app)
    serve(settings, app)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None) or run_serve
    try:
        result: int = handler(args)
    except StartupError as exc:
        print(f"pulse: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return result
