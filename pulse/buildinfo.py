"""Version and runtime facts shown by /api/version."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pulse

_SOURCE_ROOT = Path(pulse.__file__).resolve().parent.parent


@dataclass(frozen=True, slots=True)
class BuildInfo:
    version: str
    build: str
    is_docker: bool
    is_development: bool


def running_from_source() -> bool:
    """True when the package is imported from a checkout (editable install or PYTHONPATH)."""
    return (_SOURCE_ROOT / "pyproject.toml").is_file() and (_SOURCE_ROOT / ".git").exists()


def running_in_docker(root: Path = Path("/")) -> bool:
    if (root / ".dockerenv").exists():
        return True
    try:
        cgroup = (root / "proc/1/cgroup").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(word in cgroup for word in ("docker", "containerd", "kubepods"))


def detect() -> BuildInfo:
    development = running_from_source()
    return BuildInfo(
        version=f"v{pulse.__version__}",
        build="development" if development else "release",
        is_docker=running_in_docker(),
        is_development=development,
    )
