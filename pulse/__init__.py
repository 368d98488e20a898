"""Pulse: real-time monitoring of Proxmox VE clusters and Proxmox Backup Servers."""

from importlib.metadata import PackageNotFoundError, version

DISTRIBUTION = "pulse-monitor"

try:
    __version__ = version(DISTRIBUTION)
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
