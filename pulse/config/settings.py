"""The settings model: one frozen dataclass, loaded once at start-up.

Precedence, lowest to highest: built-in defaults < YAML config file < environment variables <
command-line options. Environment variable names are the original Pulse's. Each effective value
remembers where it came from (`Settings.sources`) so start-up can log it and errors can name it.
Settings the user edits in the dashboard (polling interval, origins, ...) are stored in the
encrypted config store and layered between the file and the environment by their owners.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pulse.config import parsers as p
from pulse.errors import SettingsError

CONFIG_FILE_NAME = "pulse.yaml"


def default_data_dir() -> Path:
    """XDG data directory: a pipx install by a normal user must not need root."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "pulse"


@dataclass(frozen=True, slots=True)
class SettingSpec:
    """How one setting is read: its env var names (first set wins), parser, default and doc."""

    name: str
    env: tuple[str, ...]
    parse: Callable[[object], Any]
    default: Callable[[], Any]
    doc: str
    secret: bool = False


def _const(value: Any) -> Callable[[], Any]:
    return lambda: value


SETTING_SPECS: tuple[SettingSpec, ...] = (
    SettingSpec("data_dir", ("PULSE_DATA_DIR",), p.parse_path, default_data_dir,
                "Directory for the encrypted config store, its key, alert history and audit log."),
    SettingSpec("listen_address", ("PULSE_LISTEN_ADDRESS",), p.parse_host, _const("0.0.0.0"),  # noqa: S104
                "Address the web server listens on (0.0.0.0 = all IPv4 interfaces)."),
    SettingSpec("port", ("FRONTEND_PORT", "PORT"), p.parse_port, _const(7655),
                "Port for the dashboard, the REST API and the websocket."),
    SettingSpec("log_level", ("LOG_LEVEL",), p.parse_log_level, _const("info"),
                "debug, info, warn or error."),
    SettingSpec("polling_interval", ("POLLING_INTERVAL",), p.int_between(1, 3600), _const(5),
                "Seconds between two polls of each Proxmox instance (1-3600)."),
    SettingSpec("connection_timeout", ("CONNECTION_TIMEOUT",), p.int_between(1, 300), _const(10),
                "Seconds before a request to Proxmox gives up (1-300)."),
    SettingSpec("allowed_origins", ("ALLOWED_ORIGINS",), p.parse_origins, _const(()),
                "Comma-separated origins allowed for CORS and the websocket; empty = same origin."),
    SettingSpec("api_token", ("API_TOKEN",), p.parse_str, _const(""),
                "API token for scripts (X-API-Token header); overrides one generated in Settings.",
                secret=True),
    SettingSpec("auth_user", ("PULSE_AUTH_USER",), p.parse_str, _const("admin"),
                "User name for the dashboard login and HTTP Basic auth."),
    SettingSpec("password", ("PULSE_PASSWORD", "PULSE_AUTH_PASS"), p.parse_str, _const(""),
                "Dashboard password, plain or a bcrypt hash ($2b$...); see `pulse hash-password`.",
                secret=True),
    SettingSpec("allow_unprotected_export", ("ALLOW_UNPROTECTED_EXPORT",), p.parse_bool,
                _const(False), "Allow config export/import when no API token is set."),
    SettingSpec("trusted_proxies", ("PULSE_TRUSTED_PROXIES",), p.parse_networks, _const(()),
                "Comma-separated proxy addresses/CIDRs whose X-Forwarded-For header is believed."),
    SettingSpec("discovery_subnet", ("DISCOVERY_SUBNET",), p.parse_subnet, _const(""),
                "CIDR subnet that network discovery may scan; empty = discovery off."),
    SettingSpec("update_channel", ("UPDATE_CHANNEL", "PULSE_UPDATE_CHANNEL"), p.parse_channel,
                _const("stable"), "Update channel: stable or rc."),
    SettingSpec("auto_update_enabled", ("AUTO_UPDATE_ENABLED",), p.parse_bool, _const(False),
                "Check for updates automatically."),
    SettingSpec("auto_update_check_interval", ("AUTO_UPDATE_CHECK_INTERVAL",),
                p.int_between(1, 720), _const(24), "Hours between automatic update checks."),
    SettingSpec("auto_update_time", ("AUTO_UPDATE_TIME",), p.parse_hhmm, _const("03:00"),
                "Preferred time of day (HH:MM) for automatic updates."),
    SettingSpec("update_server", ("PULSE_UPDATE_SERVER",), p.parse_str, _const(""),
                "Base URL of the release API used by the update check; empty = the default."),
    SettingSpec("tls_cert_file", ("TLS_CERT_FILE",), p.parse_optional_path, _const(None),
                "PEM certificate: serve HTTPS (with HSTS) instead of HTTP."),
    SettingSpec("tls_key_file", ("TLS_KEY_FILE",), p.parse_optional_path, _const(None),
                "PEM private key for tls_cert_file."),
    # first-start import of an export (config-and-security.md §7.6), see pulse/config/init_import
    SettingSpec("init_config_file", ("PULSE_INIT_CONFIG_FILE",), p.parse_optional_path,
                _const(None), "First start only: import this export file into the empty store."),
    SettingSpec("init_config_data", ("PULSE_INIT_CONFIG_DATA",), p.parse_str, _const(""),
                "First start only: import this export text (as exported, or base64 of it).",
                secret=True),
    SettingSpec("init_config_passphrase", ("PULSE_INIT_CONFIG_PASSPHRASE",), p.parse_str,
                _const(""), "Passphrase of the init_config_file / init_config_data export.",
                secret=True),
)  # fmt: skip

_SPECS_BY_NAME = {spec.name: spec for spec in SETTING_SPECS}


@dataclass(frozen=True, slots=True)
class Settings:
    """Effective deployment settings. Read-only; environment variables are read only here."""

    data_dir: Path = field(default_factory=default_data_dir)
    listen_address: str = "0.0.0.0"  # noqa: S104
    port: int = 7655
    log_level: str = "info"
    polling_interval: int = 5
    connection_timeout: int = 10
    allowed_origins: tuple[str, ...] = ()
    api_token: str = field(default="", repr=False)
    auth_user: str = "admin"
    password: str = field(default="", repr=False)
    allow_unprotected_export: bool = False
    trusted_proxies: tuple[str, ...] = ()
    discovery_subnet: str = ""
    update_channel: str = "stable"
    auto_update_enabled: bool = False
    auto_update_check_interval: int = 24
    auto_update_time: str = "03:00"
    update_server: str = ""
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    init_config_file: Path | None = None
    init_config_data: str = field(default="", repr=False)
    init_config_passphrase: str = field(default="", repr=False)
    config_file: Path | None = None
    # setting name -> "default" | "file <path>" | "env NAME" | "command line"
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def https(self) -> bool:
        return self.tls_cert_file is not None

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    def describe_sources(self) -> list[str]:
        """One "name=value (source)" entry per non-default setting, secrets shown as set."""
        lines = []
        for spec in SETTING_SPECS:
            source = self.sources.get(spec.name, "default")
            if source == "default":
                continue
            value = "<set>" if spec.secret else getattr(self, spec.name)
            lines.append(f"{spec.name}={value} ({source})")
        return lines


def _read_config_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise SettingsError(f"config file {path} is not valid YAML{where}") from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise SettingsError(f"config file {path} must contain a mapping of setting: value")
    return document


def _parse(spec: SettingSpec, raw: object, source: str) -> Any:
    try:
        return spec.parse(raw)
    except ValueError as exc:
        raise SettingsError(f"invalid setting {spec.name} from {source}: {exc}") from None


def load_settings(
    environ: Mapping[str, str] | None = None,
    *,
    config_file: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build the effective settings. Raises SettingsError naming the setting and its source.

    `config_file` is the YAML file to read (it must exist); without it,
    `PULSE_CONFIG_FILE` or else `<data dir>/pulse.yaml` is read when present.
    `overrides` are command-line values and beat everything.
    """
    env = dict(os.environ if environ is None else environ)
    overrides = dict(overrides or {})
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}

    def from_env(spec: SettingSpec) -> tuple[str, str] | None:
        for name in spec.env:
            if name in env and (env[name].strip() or spec.name in ("allowed_origins",)):
                return name, env[name]
        return None

    # The data dir decides where the default config file is, so resolve it first.
    if config_file is None and env.get("PULSE_CONFIG_FILE", "").strip():
        config_file = Path(env["PULSE_CONFIG_FILE"].strip()).expanduser()
        if not config_file.is_file():
            raise SettingsError(f"config file {config_file} (from env PULSE_CONFIG_FILE) not found")
    if config_file is None:
        data_dir_spec = _SPECS_BY_NAME["data_dir"]
        if "data_dir" in overrides:
            data_dir = Path(overrides["data_dir"])
        elif (hit := from_env(data_dir_spec)) is not None:
            data_dir = _parse(data_dir_spec, hit[1], f"env {hit[0]}")
        else:
            data_dir = default_data_dir()
        candidate = data_dir / CONFIG_FILE_NAME
        config_file = candidate if candidate.is_file() else None

    file_values = _read_config_file(config_file) if config_file is not None else {}
    unknown = sorted(set(file_values) - set(_SPECS_BY_NAME))
    if unknown:
        raise SettingsError(f"config file {config_file}: unknown setting {unknown[0]!r}")

    for spec in SETTING_SPECS:
        if spec.name in overrides:
            values[spec.name] = _parse(spec, overrides[spec.name], "the command line")
            sources[spec.name] = "command line"
        elif (hit := from_env(spec)) is not None:
            values[spec.name] = _parse(spec, hit[1], f"env {hit[0]}")
            sources[spec.name] = f"env {hit[0]}"
        elif spec.name in file_values and file_values[spec.name] is not None:
            values[spec.name] = _parse(spec, file_values[spec.name], f"file {config_file}")
            sources[spec.name] = f"file {config_file}"
        else:
            values[spec.name] = spec.default()

    if (values["tls_cert_file"] is None) != (values["tls_key_file"] is None):
        raise SettingsError("invalid setting tls_cert_file/tls_key_file: set both or neither")
    return Settings(**values, config_file=config_file, sources=sources)
