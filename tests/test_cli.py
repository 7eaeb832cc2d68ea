"""The `ganpaint` and `ganpaint-train` commands: help, version, module entry points."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ganpaint import __version__, cli
from ganpaint.cli import main as ganpaint_main
from ganpaint.errors import GanpaintError
from ganpaint.imageio import load_image
from trainer import cli as train_cli
from trainer.cli import main as train_main

ROOT = Path(__file__).resolve().parents[1]


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        ganpaint_main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "usage: ganpaint" in out
    for command in ("inpaint", "translate", "sketch", "generate", "sample", "models"):
        assert f"    {command}" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--device", "tpu"], "Unknown device 'tpu'"),
        (["no-such-photo.png"], "no-such-photo.png does not exist"),
    ],
)
def test_app_mode_user_errors_are_one_line_before_any_window(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ganpaint_main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert message in err


@pytest.mark.parametrize("argv", [["--bogus"], ["a.png", "b.png"], ["--screenshot"]])
def test_a_wrong_app_option_is_one_line_without_the_usage(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        ganpaint_main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("ganpaint: error:") and "ganpaint --help" in err[0]


def test_screenshot_renders_the_real_window(tmp_path: Path) -> None:
    """`ganpaint --screenshot OUT.png` opens the window offscreen with the sample and exits."""
    out = tmp_path / "window.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GANPAINT_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "ganpaint", "--screenshot", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    shot = load_image(out)
    assert shot.width >= 800
    assert shot.height >= 500
    assert shot.rgb.std() > 10  # a rendered window, not a blank image


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


@pytest.mark.parametrize(("given", "expected"), [(None, "1000"), ("300000", "300000")])
def test_torch_threads_spin_briefly_unless_the_user_says_otherwise(
    given: str | None, expected: str
) -> None:
    """Long-spinning OpenMP threads made a CPU inpaint 9-38x slower on a busy machine."""
    env = {k: v for k, v in os.environ.items() if k != "GOMP_SPINCOUNT"}
    if given is not None:
        env["GOMP_SPINCOUNT"] = given
    code = "import os, ganpaint; print(os.environ['GOMP_SPINCOUNT'])"
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert run.stdout.strip() == expected, run.stderr


@pytest.mark.parametrize("fails", [False, True])
@pytest.mark.parametrize(
    ("module", "handler", "argv"),
    [
        (cli, "_cmd_models_list", ["models", "list"]),
        (train_cli, "_cmd_synth_landscapes", ["synth", "landscapes", "-n", "1", "-o", "x"]),
    ],
)
def test_a_command_collects_garbage_rarely_and_restores_the_collector(
    monkeypatch: pytest.MonkeyPatch, fails: bool, module: object, handler: str, argv: list[str]
) -> None:
    """The collector walking torch's objects again and again was a fifth of a 1 MP
    inpaint's time; the thresholds come back after the command, failed or not."""
    before = gc.get_threshold()
    during: list[tuple[int, ...]] = []

    def command(args: object) -> int:
        during.append(gc.get_threshold())
        if fails:
            raise GanpaintError("No such model.")
        return 0

    monkeypatch.setattr(module, handler, command)
    try:
        assert module.main(argv) == (2 if fails else 0)  # type: ignore[attr-defined]
        assert during and during[0][0] >= 100 * before[0]
        assert gc.get_threshold() == before
        assert gc.get_freeze_count() > 0  # nothing left for the shutdown's passes
    finally:
        gc.unfreeze()


def test_the_app_collects_rarely_until_its_window_is_up(tmp_path: Path) -> None:
    """In the app's own process: the start runs with few passes, and once the window is
    shown the default thresholds are back, the start's objects frozen, and the first
    fill's compiled kernels loading in the background."""
    code = """
import gc, sys
from unittest import mock
from ganpaint.app import main as app_main
from ganpaint.cli import main

default = gc.get_threshold()
seen = {}

class FakeApp:
    def exec(self):
        seen["running"] = (gc.get_threshold(), gc.get_freeze_count())
        import threading
        from ganpaint.edit import patch_kernels
        for thread in threading.enumerate():
            if thread.name == "ganpaint-warm-up":
                thread.join()
        seen["warm"] = bool(patch_kernels.patchmatch.signatures)
        return 0

def create_window(**kwargs):
    seen["starting"] = gc.get_threshold()
    return mock.Mock()

with mock.patch.object(app_main, "_application", return_value=FakeApp()), \
        mock.patch.object(app_main, "create_window", create_window):
    assert main(["--device", "cpu"]) == 0
assert seen["starting"][0] >= 100 * default[0], seen
assert seen["running"][0] == default and seen["running"][1] > 0, seen
assert seen["warm"], "the first fill's kernels are loaded in the background"
print("ok")
"""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert run.stdout.strip() == "ok", run.stderr
