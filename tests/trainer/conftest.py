"""Shared fixtures for the trainer tests: a tiny image folder and tiny-run flags."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

# DCGAN at 32 px with 8 filters: a step takes milliseconds on a laptop CPU.
TINY = [
    "--size", "32", "--ngf", "8", "--ndf", "8", "--nz", "16", "--batch", "8", "--workers", "0",
    "--device", "cpu", "--no-tensorboard", "--log-every", "2",
]  # fmt: skip


@pytest.fixture(scope="session")
def tiny() -> list[str]:
    """Flags for a tiny, fast run (DCGAN 32 px, 8 filters, batch 8, CPU, no workers)."""
    return list(TINY)


@pytest.fixture(scope="session")
def image_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """24 small pictures (sky, ground, a sun) as PNGs, some in a subfolder (read recursively)."""
    folder = tmp_path_factory.mktemp("images")
    (folder / "sub").mkdir()
    rng = np.random.default_rng(0)
    ys, xs = np.mgrid[0:40, 0:48] / 40.0
    for index in range(24):
        sky, ground = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
        horizon = rng.uniform(0.4, 0.7) + 0.1 * np.sin(xs * rng.uniform(2, 8))
        pixels = np.where((ys > horizon)[..., None], ground, sky * (1 - 0.5 * ys[..., None]))
        sun = (ys - rng.uniform(0.1, 0.3)) ** 2 + (xs - rng.uniform(0.2, 1.0)) ** 2 < 0.01
        pixels[sun] = (255, 240, 200)
        pixels = np.clip(pixels + rng.normal(0, 6, pixels.shape), 0, 255).astype(np.uint8)
        target = folder / "sub" if index % 3 == 0 else folder
        Image.fromarray(pixels).save(target / f"{index:02d}.png")
    return folder


@pytest.fixture(scope="session", autouse=True)
def _one_thread() -> Iterator[None]:
    """Tiny nets run fastest on one thread; OpenMP spinning on a busy 2-core box costs 50x."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
