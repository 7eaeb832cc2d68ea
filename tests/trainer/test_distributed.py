"""Two gloo processes under torchrun train one model: identical replicas, rank 0 saves."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from trainer.checkpoint import load_latest
from trainer.distributed import tensors_hash
from trainer.rundir import RunDir

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_two_process_gloo_run_keeps_replicas_identical(
    image_folder: Path, tiny: list[str], tmp_path: Path
) -> None:
    out = tmp_path / "run"
    command = [
        sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2",
        f"--master_port={_free_port()}", "-m", "trainer", "gan", "--data", str(image_folder),
        "--out", str(out), *tiny, "--batch", "4", "--iters", "4", "--checkpoint-every", "2",
    ]  # fmt: skip
    env = dict(os.environ, OMP_NUM_THREADS="1")
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    status = json.loads(RunDir(out).status.read_text())
    assert status["world_size"] == 2 and status["step"] == 4
    hashes = status["replica_hashes"]
    assert len(hashes) == 2 and hashes[0] == hashes[1]
    _, payload = load_latest(RunDir(out))  # type: ignore[misc]
    saved = {
        f"{net}.{key}": value
        for net, state in payload["nets"].items()
        for key, value in state.items()
        if not key.endswith(("running_mean", "running_var", "num_batches_tracked"))
    }
    assert tensors_hash(saved) == hashes[0]  # what rank 0 saved is what every rank holds
    assert len(payload["rng"]) == 2 and payload["data"]["samples_seen"] == 4 * 4 * 2
    assert all(torch.isfinite(v).all() for v in saved.values())
