"""The patch-statistics realism score shared by the inpainting and translation benchmarks.

A sliced Wasserstein-1 distance, in grey levels, between two sets of 7×7×3 pixel
patches: low when the local textures, edges and colours of generated pixels are
distributed like real ones, whatever their exact positions. Unlike masked PSNR it
does not reward a blurry average, which is why the model cards report both.
"""

from __future__ import annotations

import numpy as np

PATCH = 7
PROJECTIONS = 256


def unit_projections(count: int = PROJECTIONS, patch: int = PATCH, seed: int = 0) -> np.ndarray:
    """Fixed random unit directions in patch space, (patch²·3, count)."""
    directions = np.random.default_rng(seed).standard_normal((patch * patch * 3, count))
    return directions / np.linalg.norm(directions, axis=0, keepdims=True)


def patches_at(image: np.ndarray, where: np.ndarray | None = None, stride: int = 1) -> np.ndarray:
    """The 7×7×3 patches (flattened float64) centred on `where`'s pixels, fully inside.

    `where` (bool H×W) defaults to every pixel; `stride` subsamples the centres on a
    grid, which keeps whole-image scores cheap.
    """
    r = PATCH // 2
    height, width = image.shape[:2]
    centres = np.ones((height, width), bool) if where is None else np.asarray(where, bool)
    centres = centres[r : height - r, r : width - r]
    if stride > 1:
        grid = np.zeros_like(centres)
        grid[::stride, ::stride] = True
        centres = centres & grid
    windows = np.lib.stride_tricks.sliding_window_view(image, (PATCH, PATCH), axis=(0, 1))
    return windows[centres].reshape(int(centres.sum()), -1).astype(np.float64)


def sliced_wasserstein(a: np.ndarray, b: np.ndarray, projections: np.ndarray) -> float:
    """Mean over the directions of the 1-D Wasserstein-1 distance of two equal-size sets."""
    if len(a) == 0:
        return float("nan")
    if len(a) != len(b):
        raise ValueError(f"patch sets must be the same size, got {len(a)} and {len(b)}")
    pa, pb = np.sort(a @ projections, axis=0), np.sort(b @ projections, axis=0)
    return float(np.mean(np.abs(pa - pb)))


def realism(
    generated: list[np.ndarray], real: list[np.ndarray], stride: int = 2, seed: int = 0
) -> float:
    """Patch SWD between whole generated images and their real counterparts (lower = better)."""
    projections = unit_projections(seed=seed)
    a = np.concatenate([patches_at(image, stride=stride) for image in generated])
    b = np.concatenate([patches_at(image, stride=stride) for image in real])
    return sliced_wasserstein(a, b, projections)
