"""Image grids for progress samples and evaluation reports (PNG via ganpaint.imageio)."""

from __future__ import annotations

import math
from pathlib import Path

import torch
from torchvision.utils import make_grid

from ganpaint.convert import tensor_to_image
from ganpaint.imageio import save_image


def grid(images: torch.Tensor, nrow: int | None = None, padding: int = 2) -> torch.Tensor:
    """NCHW in [-1, 1] -> one CHW image in [-1, 1] (grey repeated to RGB), white gaps."""
    images = images.detach().float().cpu().clamp(-1, 1)
    if images.shape[1] == 1:
        images = images.repeat(1, 3, 1, 1)
    nrow = nrow or max(1, math.ceil(math.sqrt(images.shape[0])))
    return make_grid(images, nrow=nrow, padding=padding, pad_value=1.0)


def save_grid(
    images: torch.Tensor, path: str | Path, nrow: int | None = None, padding: int = 2
) -> torch.Tensor:
    """Write `images` as a PNG grid (atomically); return the grid for TensorBoard."""
    picture = grid(images, nrow=nrow, padding=padding)
    save_image(path, tensor_to_image(picture))
    return picture
