"""What the tests of benchmarks/gpu_check.sh and gpu_session.sh read from the scripts."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECK_SCRIPT = ROOT / "benchmarks" / "gpu_check.sh"
SESSION_SCRIPT = ROOT / "benchmarks" / "gpu_session.sh"
# Skipped by design in the dry run: no photo cache given, or no GPU row to measure.
SKIPPED_BY_DESIGN = {"bench-photo", "bench-photo-speed", "bench-landscapes", "bench-ui"}


def listed_steps() -> list[str]:
    """gpu_check.sh's steps, in its order (`--list`)."""
    listed = subprocess.run(
        ["bash", str(CHECK_SCRIPT), "--list"], capture_output=True, text=True, timeout=30
    )
    assert listed.returncode == 0, listed.stderr
    return listed.stdout.split()


def summary_rows(folder: Path) -> dict[str, list[str]]:
    """A gpu_check.sh summary.md's table: step -> [status, seconds, key figure]."""
    rows = {}
    for line in (folder / "summary.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 4 and cells[0] not in ("step", "---"):
            rows[cells[0]] = cells[1:]
    return rows
