"""Typed settings: defaults < YAML config file < environment variables < command line."""

from pulse.config.settings import SETTING_SPECS, Settings, SettingSpec, load_settings

__all__ = ["SETTING_SPECS", "SettingSpec", "Settings", "load_settings"]
