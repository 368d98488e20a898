"""Version parsing and ordering for update checks.

Accepts the original's `v1.2.3`, `1.2.3-rc.1`, `1.2.3-rc1` and PEP 440's `1.2.3rc1`, `1.2.3.dev4`
forms. A release beats any pre-release of the same numbers; pre-releases order by kind
(dev < a < b < rc) then number; build metadata (`+...`) is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_VERSION = re.compile(
    r"^v?(?P<major>\d+)(?:\.(?P<minor>\d+))?(?:\.(?P<patch>\d+))?"
    r"(?:[-.]?(?P<kind>dev|a|alpha|b|beta|rc|c|pre|preview)[-.]?(?P<number>\d+)?)?"
    r"(?:\+[0-9A-Za-z.-]+)?$",
    re.IGNORECASE,
)
_KIND_ORDER = {"dev": 0, "a": 1, "alpha": 1, "b": 2, "beta": 2, "rc": 3, "c": 3, "pre": 3}
_KIND_ORDER["preview"] = 3
_RELEASE = 4


@dataclass(frozen=True, order=True, slots=True)
class Version:
    major: int
    minor: int
    patch: int
    stage: int  # _RELEASE for a release, lower for pre-releases
    stage_number: int

    @property
    def is_prerelease(self) -> bool:
        return self.stage != _RELEASE


def parse_version(text: str) -> Version:
    """Parse a version string; raises ValueError for anything else."""
    match = _VERSION.match(text.strip())
    if match is None:
        raise ValueError(f"not a version: {text!r}")
    kind = (match["kind"] or "").lower()
    return Version(
        major=int(match["major"]),
        minor=int(match["minor"] or 0),
        patch=int(match["patch"] or 0),
        stage=_KIND_ORDER[kind] if kind else _RELEASE,
        stage_number=int(match["number"] or 0),
    )


def is_newer(candidate: str, current: str) -> bool:
    return parse_version(candidate) > parse_version(current)
