"""Fixtures shared by every test folder: tiny models that several features run."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from ganpaint.models.bundle import ModelBundle
from ganpaint.models.spade import SpadeGenerator, SpadeStyleEncoder

SaveSketchSpade = Callable[..., Path]


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist (`tasks.py test`), each worker's torch takes its share of the
    cores, so the workers' matrix products do not fight over them."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers > 1:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
        torch.set_num_threads(max(1, (cores or os.cpu_count() or 1) // workers))


def _save_sketch_spade(path: Path, name: str = "tiny-sketch", seed: int = 0) -> Path:
    """An untrained SPADE model that reads line sketches (G on one channel of ink and a
    style encoder), trained on scenes of 40 px as its file says, saved at `path`."""
    torch.manual_seed(seed)
    nets = {
        "G": SpadeGenerator(label_nc=1, ngf=4, n_up=3, style_dim=8, spade_hidden=8, out_upsample=2),
        "E": SpadeStyleEncoder(ndf=4, style_dim=8, image_size=32, n_layers=3),
    }
    meta = {
        "name": name, "input_map": "sketch", "domains": {"A": "sketch", "B": "photo"},
        "training": {"config": {"load_size": 40, "zoom": 1.0}},
    }  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    return ModelBundle.create("spade", nets, meta).save(path)


@pytest.fixture
def save_sketch_spade() -> SaveSketchSpade:
    """`save(path, name=..., seed=...) -> path`: a tiny sketch SPADE model file."""
    return _save_sketch_spade
