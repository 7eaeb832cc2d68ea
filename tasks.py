#!/usr/bin/env python3
"""Set up ganpaint's environment on first use, then run the app or the test suite.

`python3 tasks.py run` and `python3 tasks.py test` are the README's two commands.
They need nothing but Python 3.11+: a `.venv` beside this file is created on first
use and refreshed whenever pyproject.toml or constraints.txt change.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".ganpaint-installed"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def _requirements_hash() -> str:
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "constraints.txt"):
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def is_current(extras: str) -> bool:
    """Whether .venv was installed from today's requirements with at least `extras`.

    The stamp holds the requirements' hash and the extras installed, so `run` after
    `test` (whose extras include run's) does not reinstall anything.
    """
    if not (STAMP.exists() and PYTHON.exists()):
        return False
    parts = STAMP.read_text().split()
    if len(parts) != 2 or parts[0] != _requirements_hash():
        return False
    return set(extras.split(",")) <= set(parts[1].split(","))


def ensure_environment(extras: str) -> None:
    """Create .venv and install ganpaint (editable) with `extras` unless already current."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this script runs before any venv exists
        sys.exit("ganpaint needs Python 3.11 or newer; run this script with python3.11 or later.")
    if is_current(extras):
        return
    if not PYTHON.exists():
        print(f"Creating {VENV} ...", file=sys.stderr)
        venv.EnvBuilder(with_pip=True, upgrade_deps=False).create(VENV)
    pip = [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check"]
    print("Installing ganpaint and its dependencies (first run only) ...", file=sys.stderr)
    subprocess.run([*pip, "-q", "--upgrade", "pip", "setuptools", "wheel"], check=True)
    subprocess.run(
        [*pip, "-c", str(ROOT / "constraints.txt"), "-e", f"{ROOT}[{extras}]"],
        check=True,
    )
    STAMP.write_text(f"{_requirements_hash()} {extras}\n")


def run_app(args: list[str]) -> int:
    ensure_environment("train")
    return subprocess.call([str(BIN / "ganpaint"), *args])


#: Test workers at most: past four, start-up and the tests' own torch threads eat the gain.
MAX_TEST_WORKERS = 4


def parallel_args(args: list[str], cores: int) -> list[str]:
    """pytest-xdist's `-n` for `cores` (at most MAX_TEST_WORKERS workers), unless `args`
    choose themselves: much of the suite waits on Python start-up and Qt, not on torch,
    so two workers on two cores finish it in about two thirds of the time."""
    chosen = any(a.startswith(("-n", "--numprocesses")) or a == "no:xdist" for a in args)
    workers = min(MAX_TEST_WORKERS, cores)
    return args if chosen or workers < 2 else ["-n", str(workers), *args]


def run_tests(args: list[str]) -> int:
    ensure_environment("train,dev")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    pytest_args = parallel_args(args, cores or 1)
    return subprocess.call([str(PYTHON), "-m", "pytest", *pytest_args], cwd=ROOT, env=env)


def main() -> int:
    commands = {"run": run_app, "test": run_tests}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print("usage: python3 tasks.py run [ganpaint args] | test [pytest args]", file=sys.stderr)
        return 2
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
