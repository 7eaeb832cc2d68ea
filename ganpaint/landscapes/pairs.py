"""The paired views image-to-image models learn from: which rendered kind is A, which is B."""

from __future__ import annotations

import numpy as np

from ganpaint.errors import DatasetError
from ganpaint.labels import colorize_labels
from ganpaint.landscapes.render import LandscapeBatch

#: pair name -> (kind of A, kind of B, what it teaches)
PAIRS: dict[str, tuple[str, str, str]] = {
    "day2night": ("day", "night", "the photo by day or dusk -> the same scene at night"),
    "edges2photo": ("sketch", "day", "a line sketch -> the photo"),
    "edges2scene": ("sketch", "scene", "a line sketch -> the photo, day to night"),
    "labels2photo": ("labels", "day", "a colourised label map -> the photo"),
    "labels2scene": ("labels", "scene", "a colourised label map -> the photo, day to night"),
}


def check_pair(pair: str) -> tuple[str, str]:
    """The (A kind, B kind) of `pair`, or a DatasetError listing the pairs."""
    if pair not in PAIRS:
        raise DatasetError(f"Unknown pair {pair!r}; choose from {', '.join(sorted(PAIRS))}.")
    kind_a, kind_b, _ = PAIRS[pair]
    return kind_a, kind_b


def as_rgb(batch: LandscapeBatch, kind: str) -> np.ndarray:
    """A rendered kind as (N, S, S, 3) uint8 RGB; label maps in their display colours."""
    if kind == "labels":
        assert batch.labels is not None
        return colorize_labels(batch.labels)
    images = getattr(batch, kind)
    assert images is not None, f"{kind} was not rendered"
    return images
