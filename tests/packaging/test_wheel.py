"""The built wheel carries the dashboard, and an installed copy serves it without the checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_contains_web_and_finds_it_when_installed(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path / "dist"), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )  # fmt: skip
    (wheel,) = (tmp_path / "dist").glob("pulse_monitor-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    assert "pulse/web/index.html" in names
    assert not any(name.startswith("tests/") for name in names)
    # Import the unpacked wheel (not the checkout) and ask where the dashboard files are.
    result = subprocess.run(
        [sys.executable, "-c", "import pulse.static; print(pulse.static.web_root())"],
        env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    web_root = Path(result.stdout.strip())
    assert web_root == tmp_path / "site" / "pulse" / "web"
    assert (web_root / "index.html").is_file()
