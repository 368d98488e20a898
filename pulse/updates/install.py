"""How this copy of Pulse was installed, and therefore how the user upgrades it.

Pulse does not replace its own files: a package manager (pipx, pip) or the user swapping the
zipapp does, so an upgrade is atomic, verified by the installer, and reversible.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from pulse import DISTRIBUTION
from pulse.buildinfo import running_from_source


@dataclass(frozen=True, slots=True)
class InstallMethod:
    kind: str  # "docker" | "zipapp" | "pipx" | "source" | "pip"
    upgrade_hint: str


def detect_install(is_docker: bool) -> InstallMethod:
    if is_docker:
        return InstallMethod("docker", "pull the new image and recreate the container")
    if os.environ.get("SHIV_ROOT") or sys.argv[0].endswith(".pyz"):
        return InstallMethod("zipapp", "download the new pulse.pyz, replace the old file, restart")
    if running_from_source():
        return InstallMethod("source", "git pull, then restart Pulse")
    if f"{os.sep}pipx{os.sep}venvs{os.sep}" in sys.prefix:
        return InstallMethod("pipx", f"run: pipx upgrade {DISTRIBUTION}, then restart Pulse")
    return InstallMethod("pip", f"run: pip install --upgrade {DISTRIBUTION}, then restart Pulse")
