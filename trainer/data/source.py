"""`--data` for image models: a folder of images or `synthetic:landscapes` rendered on the fly."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import torch
from torch.utils.data import Dataset

from ganpaint.errors import DatasetError
from ganpaint.terminal import ProgressBar

SYNTHETIC_PREFIX = "synthetic:"


def is_synthetic(spec: str) -> bool:
    return spec.startswith(SYNTHETIC_PREFIX)


def open_images(
    spec: str,
    size: int,
    synthetic_n: int = 50_000,
    split: str = "train",
    seed: int = 0,
    show_progress: bool = True,
) -> Dataset[torch.Tensor]:
    """Single images (CHW float in [-1, 1]) from `spec`, resized and cropped to `size`."""
    if is_synthetic(spec):
        from trainer.data.dataset import LandscapeDataset
        from trainer.synth import parse_synthetic_spec

        parsed = parse_synthetic_spec(spec)
        pair = getattr(parsed, "pair", None)
        if pair:
            raise DatasetError(
                f"--data {spec} names an image pair; unconditional models train on single "
                "images, so use --data synthetic:landscapes."
            )
        return LandscapeDataset(synthetic_n, size, split=split, seed=seed)
    if not spec.strip():  # Path("") is the current folder: never train on it by accident
        raise DatasetError("--data is empty; pass a folder of images or synthetic:landscapes.")
    folder = Path(spec).expanduser()
    if not folder.exists():
        raise DatasetError(
            f"--data {spec}: no such folder; pass a folder of images or synthetic:landscapes."
        )
    from trainer.data.folder import ImageFolderDataset

    return read_folder(
        folder, lambda progress: ImageFolderDataset(folder, size, progress=progress), show_progress
    )


D = TypeVar("D")


def read_folder(
    folder: Path, build: Callable[[Callable[[int, int], None]], D], show_progress: bool = True
) -> D:
    """`build(progress)` with a progress bar over the folder's images (shown once one is read,
    so an empty folder prints only its error)."""
    bar = ProgressBar(f"reading {folder.name}", unit="img", leave=False, enabled=show_progress)
    with bar:
        return build(bar)
