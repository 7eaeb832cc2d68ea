"""The one pixel rectangle of the project, and the boxes of what an array holds.

The document's layers, the undo patches, the canvas and the edits' regions all cut
images with the same `Box` (half-open, image coordinates), so a box computed in one
layer can index an array of any other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Box:
    """A pixel rectangle [x0, x1) × [y0, y1) in image coordinates."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def empty(self) -> bool:
        return self.x1 <= self.x0 or self.y1 <= self.y0

    @property
    def width(self) -> int:
        return max(self.x1 - self.x0, 0)

    @property
    def height(self) -> int:
        return max(self.y1 - self.y0, 0)

    @property
    def slices(self) -> tuple[slice, slice]:
        """Index an HxW(xC) array with `array[box.slices]`."""
        return slice(self.y0, self.y1), slice(self.x0, self.x1)

    def union(self, other: Box) -> Box:
        if self.empty:
            return other
        if other.empty:
            return self
        return Box(
            min(self.x0, other.x0),
            min(self.y0, other.y0),
            max(self.x1, other.x1),
            max(self.y1, other.y1),
        )

    def clip(self, width: int, height: int) -> Box:
        return Box(
            min(max(self.x0, 0), width),
            min(max(self.y0, 0), height),
            min(max(self.x1, 0), width),
            min(max(self.y1, 0), height),
        )

    def grown(self, margin: int) -> Box:
        return Box(self.x0 - margin, self.y0 - margin, self.x1 + margin, self.y1 + margin)

    @classmethod
    def around(cls, points: Iterable[tuple[float, float]], radius: float) -> Box:
        """The box covering `points` and a disc of `radius` around each."""
        xs, ys = zip(*points, strict=True)
        r = int(np.ceil(radius)) + 1
        return cls(
            int(np.floor(min(xs))) - r,
            int(np.floor(min(ys))) - r,
            int(np.ceil(max(xs))) + r + 1,
            int(np.ceil(max(ys))) + r + 1,
        )


EMPTY_BOX = Box(0, 0, 0, 0)


def nonzero_box(array: np.ndarray) -> Box:
    """The bounding box of the non-zero pixels of an HxW or HxWxC array (EMPTY_BOX if none)."""
    flat = array if array.ndim == 2 else array.any(axis=2)
    rows = np.flatnonzero(flat.any(axis=1))
    if rows.size == 0:
        return EMPTY_BOX
    cols = np.flatnonzero(flat[rows[0] : rows[-1] + 1].any(axis=0))
    return Box(int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1)


def diff_box(before: np.ndarray, after: np.ndarray) -> Box:
    """The bounding box of the pixels that differ between two arrays of one shape."""
    changed = before != after
    return nonzero_box(changed if changed.ndim == 2 else changed.any(axis=2))
