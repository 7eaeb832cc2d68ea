"""Test photos for the app tests (a module of its own: `conftest` names clash across folders)."""

from __future__ import annotations

import numpy as np


def photo(width: int = 96, height: int = 64) -> np.ndarray:
    """A smooth colourful test photo."""
    ys, xs = np.mgrid[0:height, 0:width]
    rgb = np.stack(
        [xs * 255 // max(width - 1, 1), ys * 255 // max(height - 1, 1), (xs + ys) % 256], axis=2
    )
    return rgb.astype(np.uint8)
