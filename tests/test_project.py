"""Project-wide checks: the layer contract, lint, and what a non-editable install ships."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest

from ganpaint.models.catalog import DEFAULT_MODELS

ROOT = Path(__file__).resolve().parents[1]


def test_import_contract_holds() -> None:
    """Qt only in ganpaint.app; the trainer never imports the app; edits import no app/CLI."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower().split("contracts:")[-1].split("kept")[0]


def test_ruff_check_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--no-cache", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("ganpaint-*.whl")
    return zipfile.ZipFile(path)


def test_wheel_ships_both_packages_and_resources(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    assert "ganpaint/cli.py" in names
    assert "trainer/cli.py" in names
    assert "ganpaint/models/__init__.py" in names
    assert "ganpaint/resources/__init__.py" in names
    shipped = {n for n in names if n.startswith("ganpaint/resources/")}
    on_disk = {
        "ganpaint/resources/" + p.relative_to(ROOT / "resources").as_posix()
        for p in (ROOT / "resources").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")
    }
    assert on_disk <= shipped, sorted(on_disk - shipped)
    assert not any(n.startswith(("tests/", "benchmarks/")) for n in names)


def test_wheel_declares_both_commands(wheel: zipfile.ZipFile) -> None:
    entry_points = next(n for n in wheel.namelist() if n.endswith("entry_points.txt"))
    text = wheel.read(entry_points).decode()
    assert "ganpaint = ganpaint.cli:main" in text
    assert "ganpaint-train = trainer.cli:main" in text


RESOLVE_DEFAULTS = """
import sys
from pathlib import Path
import ganpaint
from ganpaint.models.catalog import DEFAULT_MODELS, resolve_model
site = Path(sys.argv[1]).resolve()
assert Path(ganpaint.__file__).resolve().is_relative_to(site), ganpaint.__file__
for purpose in DEFAULT_MODELS:
    path = resolve_model(None, purpose=purpose).resolve()
    assert path.is_relative_to(site / "ganpaint" / "resources" / "models"), path
    print(purpose, path.name)
"""


def test_cli_model_defaults_resolve_to_the_bundles_of_a_non_editable_install(
    wheel: zipfile.ZipFile, tmp_path: Path
) -> None:
    """After `pip install .` (not -e), every command finds its bundled default model."""
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-compile",
         "--target", str(site), str(wheel.filename)],
        check=True, capture_output=True,
    )  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(site), "GANPAINT_DATA_DIR": str(tmp_path / "data")}
    work = tmp_path / "work"
    work.mkdir()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args], cwd=work, env=env, capture_output=True, text=True
        )

    resolved = run("-c", RESOLVE_DEFAULTS, str(site))
    assert resolved.returncode == 0, resolved.stderr
    assert len(resolved.stdout.splitlines()) == len(DEFAULT_MODELS)

    samples = site / "ganpaint" / "resources" / "samples"
    mask = np.zeros((512, 512), np.uint8)
    mask[200:260, 220:300] = 255
    cv2.imwrite(str(work / "mask.png"), mask)
    commands = {
        "sample": ["sample", "-n", "4", "-o", "grid.png"],
        "translate": ["translate", str(samples / "landscape.png"), "-o", "night.png"],
        "sketch": ["sketch", str(samples / "landscape-sketch.png"), "-o", "drawn.png"],
        "inpaint": ["inpaint", str(samples / "landscape.png"), "--mask", "mask.png",
                    "-o", "filled.png", "--iters", "3", "--restarts", "1"],
    }  # fmt: skip
    for args in commands.values():
        result = run("-m", "ganpaint", *args, "--device", "cpu")
        assert result.returncode == 0, (args, result.stderr)
        out = work / args[args.index("-o") + 1]
        assert out.stat().st_size > 0, args


def test_core_runs_with_qt_uninstalled() -> None:
    """The engine, the models, the trainer and the CLI work on a machine without Qt."""
    script = """
import importlib.abc, sys
class NoQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {'PySide6', 'shiboken6', 'qtawesome', 'qtpy'}:
            raise ImportError(f'{name} is not installed')
sys.meta_path.insert(0, NoQt())
import pkgutil, ganpaint, trainer
for package in (ganpaint, trainer):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):
        if not info.name.startswith('ganpaint.app') and not info.name.endswith('__main__'):
            __import__(info.name)
from ganpaint.cli import main
raise SystemExit(main(['--version']))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "ganpaint" in result.stdout


def _tasks_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("ganpaint_tasks", ROOT / "tasks.py")
    assert spec is not None and spec.loader is not None
    tasks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tasks)
    return tasks


def test_tasks_test_spreads_the_suite_over_the_cores_unless_told_otherwise() -> None:
    parallel = _tasks_module().parallel_args
    assert parallel([], 2) == ["-n", "2"]
    assert parallel(["tests/models", "-x"], 16) == ["-n", "4", "tests/models", "-x"]
    assert parallel([], 1) == []  # one core: no workers to start
    for chosen in (["-n", "0"], ["-n3"], ["--numprocesses=2"], ["-p", "no:xdist"]):
        assert parallel(chosen, 8) == chosen


def test_tasks_reinstalls_only_when_requirements_or_missing_extras_call_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`tasks.py run` after `tasks.py test` must not reinstall (test's extras include
    run's); new requirements or an extra that was never installed must."""
    tasks = _tasks_module()
    python = tmp_path / "python"
    python.write_text("")
    monkeypatch.setattr(tasks, "STAMP", tmp_path / "stamp")
    monkeypatch.setattr(tasks, "PYTHON", python)
    assert not tasks.is_current("train")  # nothing installed yet
    tasks.STAMP.write_text(f"{tasks._requirements_hash()} train,dev\n")
    assert tasks.is_current("train") and tasks.is_current("train,dev")
    tasks.STAMP.write_text(f"{tasks._requirements_hash()} train\n")
    assert tasks.is_current("train") and not tasks.is_current("train,dev")
    tasks.STAMP.write_text(f"{'0' * 64} train,dev\n")  # pyproject or constraints changed
    assert not tasks.is_current("train")
    tasks.STAMP.write_text(tasks._requirements_hash() + "\n")  # an older stamp's format
    assert not tasks.is_current("train")
    python.unlink()
    tasks.STAMP.write_text(f"{tasks._requirements_hash()} train,dev\n")
    assert not tasks.is_current("train")  # the venv's Python is gone
