"""Settings: precedence, validation messages naming setting and source, documentation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pulse.config.settings import SETTING_SPECS, Settings, load_settings
from pulse.errors import SettingsError

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_match_the_original(tmp_path: Path) -> None:
    settings = load_settings({}, overrides={"data_dir": tmp_path})
    assert settings.port == 7655
    assert settings.polling_interval == 5
    assert settings.connection_timeout == 10
    assert settings.log_level == "info"
    assert settings.update_channel == "stable"
    assert settings.auto_update_time == "03:00"
    assert settings.allowed_origins == ()
    assert settings.discovery_subnet == ""
    assert settings.sources["data_dir"] == "command line"
    assert "port" not in settings.sources


def test_file_then_env_then_command_line(tmp_path: Path) -> None:
    config = tmp_path / "pulse.yaml"
    config.write_text("port: 8000\npolling_interval: 7\nlog_level: debug\n")
    env = {"PORT": "9000", "LOG_LEVEL": "warn"}
    settings = load_settings(env, config_file=config, overrides={"log_level": "error"})
    assert settings.port == 9000
    assert settings.sources["port"] == "env PORT"
    assert settings.polling_interval == 7
    assert settings.sources["polling_interval"] == f"file {config}"
    assert settings.log_level == "error"
    assert settings.sources["log_level"] == "command line"


def test_frontend_port_wins_over_port(tmp_path: Path) -> None:
    settings = load_settings(
        {"FRONTEND_PORT": "8080", "PORT": "9000", "PULSE_DATA_DIR": str(tmp_path)}
    )
    assert settings.port == 8080
    assert settings.data_dir == tmp_path


def test_default_config_file_is_read_from_the_data_dir(tmp_path: Path) -> None:
    (tmp_path / "pulse.yaml").write_text("connection_timeout: 30\n")
    settings = load_settings({"PULSE_DATA_DIR": str(tmp_path)})
    assert settings.connection_timeout == 30
    assert settings.config_file == tmp_path / "pulse.yaml"


def test_aliases_and_secret_repr(tmp_path: Path) -> None:
    env = {
        "PULSE_AUTH_PASS": "hunter2-secret",
        "API_TOKEN": "tok-123456",
        "PULSE_DATA_DIR": str(tmp_path),
    }
    settings = load_settings(env)
    assert settings.password == "hunter2-secret"
    assert "hunter2" not in repr(settings)
    assert "tok-123456" not in repr(settings)
    assert "hunter2" not in " ".join(settings.describe_sources())
    assert "password=<set> (env PULSE_AUTH_PASS)" in settings.describe_sources()


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"PORT": "0"}, "invalid setting port from env PORT: must be between 1 and 65535"),
        ({"PORT": "http"}, "invalid setting port from env PORT: expected a whole number"),
        ({"POLLING_INTERVAL": "0"}, "invalid setting polling_interval from env POLLING_INTERVAL"),
        ({"LOG_LEVEL": "verbose"}, "invalid setting log_level from env LOG_LEVEL"),
        ({"ALLOWED_ORIGINS": "not a url"}, "invalid setting allowed_origins"),
        ({"DISCOVERY_SUBNET": "10.0.0.0/33"}, "invalid setting discovery_subnet"),
        ({"AUTO_UPDATE_TIME": "25:00"}, "invalid setting auto_update_time"),
        ({"ALLOW_UNPROTECTED_EXPORT": "maybe"}, "invalid setting allow_unprotected_export"),
    ],
)
def test_invalid_env_values_name_setting_and_source(
    tmp_path: Path, env: dict[str, str], fragment: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({**env, "PULSE_DATA_DIR": str(tmp_path)})
    assert fragment in str(caught.value)
    assert "\n" not in str(caught.value)


def test_invalid_file_value_names_the_file(tmp_path: Path) -> None:
    config = tmp_path / "pulse.yaml"
    config.write_text("port: 0\n")
    with pytest.raises(
        SettingsError, match=rf"invalid setting port from file {re.escape(str(config))}"
    ):
        load_settings({}, config_file=config)


def test_malformed_yaml_names_line(tmp_path: Path) -> None:
    config = tmp_path / "pulse.yaml"
    config.write_text("port: 7655\nlog_level: [unclosed\n")
    with pytest.raises(SettingsError, match=r"not valid YAML at line \d+"):
        load_settings({}, config_file=config)


def test_unknown_setting_in_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "pulse.yaml"
    config.write_text("prot: 7655\n")
    with pytest.raises(SettingsError, match="unknown setting 'prot'"):
        load_settings({}, config_file=config)


def test_non_mapping_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "pulse.yaml"
    config.write_text("- port\n")
    with pytest.raises(SettingsError, match="must contain a mapping"):
        load_settings({}, config_file=config)


def test_tls_needs_cert_and_key(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="set both or neither"):
        load_settings({"TLS_CERT_FILE": "/x.pem", "PULSE_DATA_DIR": str(tmp_path)})


def test_every_model_field_has_a_spec() -> None:
    fields = set(Settings.__dataclass_fields__) - {"sources", "config_file"}
    assert fields == {spec.name for spec in SETTING_SPECS}


def test_example_file_documents_every_setting() -> None:
    text = (ROOT / "config.example.yaml").read_text()
    for spec in SETTING_SPECS:
        assert re.search(rf"^# {spec.name}: ", text, re.M), f"{spec.name} missing"
        assert f"env: {', '.join(spec.env)}" in text, f"env of {spec.name} missing"
        default = spec.default()
        if isinstance(default, bool):
            assert re.search(rf"^# {spec.name}: {str(default).lower()}$", text, re.M)
        elif isinstance(default, int):
            assert re.search(rf"^# {spec.name}: {default}$", text, re.M)


def test_example_file_loads_when_uncommented(tmp_path: Path) -> None:
    lines = (ROOT / "config.example.yaml").read_text().splitlines()
    settings_lines = [
        line[2:]
        for line in lines
        if re.match(r"^# [a-z_]+: ", line) and not line.startswith(("# env:", "# data_dir:"))
    ]
    config = tmp_path / "pulse.yaml"
    config.write_text("\n".join(settings_lines) + "\n")
    loaded = load_settings({}, config_file=config)
    defaults = load_settings({}, overrides={"data_dir": tmp_path})
    for spec in SETTING_SPECS:
        if spec.name != "data_dir":
            assert getattr(loaded, spec.name) == getattr(defaults, spec.name), spec.name
