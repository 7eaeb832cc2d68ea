"""Fixtures shared by every test folder: tiny models that several features run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from ganpaint.models.bundle import ModelBundle
from ganpaint.models.spade import SpadeGenerator, SpadeStyleEncoder

SaveSketchSpade = Callable[..., Path]


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
