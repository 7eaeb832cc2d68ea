"""benchmarks/gpu_session.sh: one GPU lease used in full, proved on the CPU by --dry-run.

What matters is what comes back: the device tool returns at most 8 files of at most
16 MiB under $OUT, so a session that writes more loses its results (the first lease
lost half its logs that way). That the script parses and passes shellcheck is tested
with gpu_check.sh's (tests/test_gpu_check.py). Its dry run runs every step of
gpu_check.sh's dry run, so that each step passes is checked here, in the same run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest
from gpu_scripts import ROOT, SKIPPED_BY_DESIGN, listed_steps, summary_rows
from gpu_scripts import SESSION_SCRIPT as SCRIPT

from ganpaint.imageio import save_image
from ganpaint.models.bundle import read_metadata

pytestmark = pytest.mark.skipif(
    shutil.which("bash") is None or shutil.which("timeout") is None,
    reason="gpu_session.sh needs bash and coreutils' timeout",
)


def _run(
    *args: str, timeout: float = 600, tmp: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("OUT", "GPU_CHECK_PHOTOS")}
    if tmp is not None:  # where the script keeps its work folder
        env["TMPDIR"] = str(tmp)
    return subprocess.run(
        ["bash", str(SCRIPT), "--python", sys.executable, *args],
        capture_output=True,
        text=True,
        errors="replace",
        env=env,
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )


def _tar_names(out: Path, name: str) -> set[str]:
    """The members of out/name, put back together first if it came back in pieces."""
    pieces = sorted(out.glob(f"{name}.part*")) or [out / name]
    whole = out.parent / f"whole-{name}"
    whole.write_bytes(b"".join(p.read_bytes() for p in pieces))
    with tarfile.open(whole) as tar:
        return set(tar.getnames())


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--bogus"], "unknown option --bogus"),
        (["--out", "/tmp/unused", "--photos", "/nonexistent/photos"], "no such folder"),
        (["--out", "/tmp/unused", "--models", "spade,stylegan"], "unknown model 'stylegan'"),
        (["--photos", "."], "say where results go"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args: list[str], says: str) -> None:
    done = _run(*args, timeout=30)
    assert done.returncode == 2
    assert says in done.stderr and len(done.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_the_dry_run_passes_every_step_and_brings_back_what_the_device_tool_can(
    tmp_path: Path,
) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    rng = np.random.default_rng(0)
    for i in range(3):
        save_image(photos / f"p{i}.png", rng.integers(0, 256, (96, 128, 3), dtype=np.uint8))
    out, work = tmp_path / "out", tmp_path / "work"
    work.mkdir()
    done = _run(
        "--dry-run", "--out", str(out), "--photos", str(photos), "--train-minutes", "0.2",
        "--encoder-minutes", "0.1", "--total", "400", "--models", "photos,spade,labels,day2night",
        tmp=work,
    )  # fmt: skip
    log = done.stdout[-4000:] + done.stderr[-2000:]
    # every gpu_check.sh step ran and passed: the functional ones, then the benchmarks
    (session,) = work.glob("gpu-session.*")
    check, bench = summary_rows(session / "check"), summary_rows(session / "bench")
    wanted = [s for s in listed_steps() if s not in SKIPPED_BY_DESIGN]
    assert sorted([*check, *bench]) == sorted(wanted), log
    for step, (status, _seconds, figure) in {**check, **bench}.items():
        assert status == "ok", f"{step}: {status}: {figure}\n{log}"
    assert done.returncode == 0, log
    for made in (
        "check/runs/dcgan/model.safetensors", "check/runs/encoder/model.safetensors",
        "check/runs/torchrun/model.safetensors", "check/runs/cyclegan/model.safetensors",
        "check/runs/pix2pix/model.safetensors", "check/eval/metrics.json",
        "check/edits/inpaint.png", "check/edits/translate.png", "check/edits/sketch.png",
        "check/edits/generate.png", "check/edits/sample.png", "check/logs/env.log",
        "bench/bench/train.json", "bench/bench/translate.json", "bench/bench/inpaint.json",
        "bench/bench/model_quality.json", "bench/summary.json",
    ):  # fmt: skip
        assert (session / made).is_file(), made
    assert "gloo" in check["torchrun"][2]  # NCCL's stand-in on the CPU
    assert "ratio" in bench["bench-train"][2] and "translate" in bench["bench-translate"][2]
    # what comes back: at most 8 files of at most 15 MiB, the models in float16
    files = sorted(p for p in out.iterdir())
    assert 0 < len(files) <= 8 and all(p.is_file() for p in files), files
    assert all(p.stat().st_size <= 15 * 1024 * 1024 for p in files)
    for model in (
        "photos-dcgan64", "labels2scene-spade-v2", "labels2landscape-v2", "day2night-v3",
    ):  # fmt: skip
        assert read_metadata(out / f"{model}.safetensors")["dtype"] == "float16", model
    names = _tar_names(out, "results.tgz")
    assert {"check/summary.md", "bench/summary.md", "logs/train-photos.log"} <= names, names
    assert not any(n.endswith(".pt") for n in names)


def test_a_failed_step_makes_the_session_fail(tmp_path: Path) -> None:
    """A session whose checks fail (no time for any) says so in its exit status, after
    packing; no --models: the checks and benchmarks alone."""
    out = tmp_path / "out"
    done = _run("--dry-run", "--out", str(out), "--models", "", "--total", "0", tmp=tmp_path)
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    assert (out / "results.tgz").is_file() or list(out.glob("results.tgz.part*"))
