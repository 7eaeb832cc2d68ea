"""benchmarks/gpu_check.sh: the prepared GPU run, proved on the CPU by its --dry-run.

The dry run is the same sequence of command lines with tiny sizes, in a process
environment that looks like the bare GPU machine (ganpaint not installed, no Qt), so
a flag that a command no longer takes, or an engine module that needs Qt, fails here
and not in the few minutes a GPU is lent. gpu_session.sh runs every step of it (its
functional steps, then its benchmarks), so its dry run (tests/test_gpu_session.py)
checks that each step passes; this file checks the script itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from gpu_scripts import CHECK_SCRIPT as SCRIPT
from gpu_scripts import ROOT, SESSION_SCRIPT, listed_steps, summary_rows

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


# gpu_check.sh and the script that spends a whole lease around it (gpu_session.sh)
SCRIPTS = [SCRIPT, SESSION_SCRIPT]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_the_script_parses(script: Path) -> None:
    done = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed")
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_shellcheck_finds_nothing(script: Path) -> None:
    done = subprocess.run(["shellcheck", str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout


def test_every_code_path_and_benchmark_is_a_step() -> None:
    steps = listed_steps()
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
    rows = summary_rows(out)
    assert rows["inputs"][0] == "failed" and "budget" in rows["inputs"][2]
