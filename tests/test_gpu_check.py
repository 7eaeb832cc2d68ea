"""benchmarks/gpu_check.sh: the prepared GPU run, proved on the CPU by its --dry-run.

The dry run is the same sequence of command lines with tiny sizes, in a process
environment that looks like the bare GPU machine (ganpaint not installed, no Qt), so
a flag that a command no longer takes, or an engine module that needs Qt, fails here
and not in the few minutes a GPU is lent.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "gpu_check.sh"
# Skipped by design in the dry run: no photo cache given, or no GPU row to measure.
SKIPPED_BY_DESIGN = {"bench-photo", "bench-photo-speed", "bench-landscapes", "bench-ui"}

pytestmark = pytest.mark.skipif(
    shutil.which("bash") is None or shutil.which("timeout") is None,
    reason="gpu_check.sh needs bash and coreutils' timeout",
)


def _run(*args: str, out: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("OUT", "GPU_CHECK_PHOTOS")}
    return subprocess.run(
        ["bash", str(SCRIPT), "--python", sys.executable, "--out", str(out), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )


def _steps(tmp_path: Path) -> list[str]:
    listed = _run("--list", out=tmp_path / "unused", timeout=30)
    assert listed.returncode == 0, listed.stderr
    return listed.stdout.split()


def _rows(out: Path) -> dict[str, list[str]]:
    """summary.md's table: step -> [status, seconds, key figure]."""
    rows = {}
    for line in (out / "summary.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 4 and cells[0] not in ("step", "---"):
            rows[cells[0]] = cells[1:]
    return rows


# gpu_check.sh and the script that spends a whole lease around it (gpu_session.sh)
SCRIPTS = [SCRIPT, ROOT / "benchmarks" / "gpu_session.sh"]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_the_script_parses(script: Path) -> None:
    done = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed")
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_shellcheck_finds_nothing(script: Path) -> None:
    done = subprocess.run(["shellcheck", str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout


def test_every_code_path_and_benchmark_is_a_step(tmp_path: Path) -> None:
    steps = _steps(tmp_path)
    for wanted in (
        "train-dcgan", "torchrun", "eval", "train-encoder", "train-cyclegan", "train-pix2pix",
        "inpaint", "translate", "sketch", "generate", "sample",
    ):  # fmt: skip
        assert wanted in steps
    benchmarks = {p.stem for p in (ROOT / "benchmarks").glob("*_bench.py")} | {"model_quality"}
    for name in benchmarks:  # every benchmark has a step, run or skipped with a reason
        step = "bench-" + name.removesuffix("_bench").replace("_inpaint", "").replace("_", "-")
        assert step in steps, f"{name}.py has no step {step!r} in gpu_check.sh"


def test_a_step_past_the_budget_is_recorded_as_not_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = _run("--dry-run", "--budget", "0", "--only", "inputs", out=out, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    rows = _rows(out)
    assert rows["inputs"][0] == "failed" and "budget" in rows["inputs"][2]


@pytest.mark.slow
def test_the_dry_run_runs_every_step_ok(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = _run("--dry-run", out=out)
    rows = _rows(out) if (out / "summary.md").exists() else {}
    log = done.stdout[-4000:] + done.stderr[-2000:]
    assert list(rows) == _steps(tmp_path), log
    for step, (status, _seconds, figure) in rows.items():
        wanted = "skipped" if step in SKIPPED_BY_DESIGN else "ok"
        assert status == wanted, f"{step}: {status}: {figure}\n{log}"
    assert done.returncode == 0, log
    # what the steps made is where the summary says
    for made in (
        "runs/dcgan/model.safetensors", "runs/encoder/model.safetensors",
        "runs/torchrun/model.safetensors", "runs/cyclegan/model.safetensors",
        "runs/pix2pix/model.safetensors", "eval/metrics.json", "bench/train.json",
        "bench/translate.json", "bench/inpaint.json", "bench/model_quality.json",
        "edits/inpaint.png", "edits/translate.png", "edits/sketch.png",
        "edits/generate.png", "edits/sample.png", "summary.json", "logs/env.log",
    ):  # fmt: skip
        assert (out / made).is_file(), made
    assert "gloo" in rows["torchrun"][2]  # NCCL's stand-in on the CPU
    assert "ratio" in rows["bench-train"][2] and "translate" in rows["bench-translate"][2]
