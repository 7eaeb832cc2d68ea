"""The `ganpaint` and `ganpaint-train` commands: help, version, module entry points."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ganpaint import __version__
from ganpaint.cli import main as ganpaint_main
from trainer.cli import main as train_main

ROOT = Path(__file__).resolve().parents[1]


def test_no_arguments_prints_help_and_succeeds(capsys: pytest.CaptureFixture[str]) -> None:
    assert ganpaint_main([]) == 0
    out = capsys.readouterr().out
    assert "usage: ganpaint" in out
    assert "models" in out


def test_version_is_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        ganpaint_main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"ganpaint {__version__}"


def test_train_requires_a_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        train_main([])
    assert exit_info.value.code == 2
    assert "usage: ganpaint-train" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("module", "prog"), [("ganpaint", "usage: ganpaint"), ("trainer", "usage: ganpaint-train")]
)
def test_python_dash_m_runs_the_same_command(module: str, prog: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", module, "--help"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(prog)


def test_console_scripts_are_installed() -> None:
    bin_dir = Path(sys.executable).parent
    for name in ("ganpaint", "ganpaint-train"):
        result = subprocess.run([str(bin_dir / name), "--version"], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert __version__ in result.stdout
