"""Cut each hole out of a photo as a square the model can read, and put the answer back.

Generative models work at one fixed resolution (64², 128², 256²), photos come at any
size with holes anywhere. `hole_regions` picks one square per hole with enough known
context around it, `crop_region` / `crop_mask` scale that square to the model's size,
and `paste_region` scales the model's square back to photo pixels for `blend`.

Squares may reach past the photo's border: the missing part is filled by reflection
(the same rule everywhere, `reflect_indices`), so a hole in a corner still sits in the
middle of a square with plausible surroundings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from ganpaint.edit.blend import blend_margin
from ganpaint.errors import MaskError
from ganpaint.geometry import Box

__all__ = [
    "Region",
    "crop_mask",
    "crop_region",
    "hole_regions",
    "paste_into",
    "paste_region",
    "reflect_indices",
]

# Up to this many regions overlaps are found with one vectorised pairwise test;
# beyond it (speckle masks) a sweep over regions sorted by `left` keeps memory linear.
_PAIRWISE_LIMIT = 1024


@dataclass(frozen=True)
class Region:
    """A square of photo pixels, rows `top:top+size`, columns `left:left+size`.

    It may extend past the photo's border; `crop_region` fills that part by reflection.
    """

    top: int
    left: int
    size: int

    @property
    def bottom(self) -> int:
        return self.top + self.size

    @property
    def right(self) -> int:
        return self.left + self.size

    def box_in(self, shape: tuple[int, ...]) -> Box:
        """The part of this square inside an image of `shape` (H, W, ...)."""
        height, width = shape[:2]
        return Box(
            max(self.left, 0),
            max(self.top, 0),
            min(self.right, width),
            min(self.bottom, height),
        )

    def overlaps(self, other: Region) -> bool:
        """True when the two squares share at least one pixel."""
        return (
            self.top < other.bottom
            and other.top < self.bottom
            and self.left < other.right
            and other.left < self.right
        )


def reflect_indices(start: int, stop: int, n: int) -> np.ndarray:
    """Indices `start..stop-1` folded into `0..n-1` by mirror reflection (edge not repeated).

    This is numpy's `reflect` / OpenCV's `BORDER_REFLECT_101`, but for any distance past
    the border (it keeps folding), so huge squares over tiny photos still work.
    """
    index = np.arange(start, stop, dtype=np.int64)
    if n == 1:
        return np.zeros_like(index)
    period = 2 * (n - 1)
    index = np.mod(index, period)
    return np.where(index >= n, period - index, index)


def _square_for_box(
    y0: int, x0: int, y1: int, x1: int, shape: tuple[int, int], context: float, min_size: int
) -> Region:
    """The square around box rows y0:y1, cols x0:x1 with its context, kept inside if it fits."""
    height, width = shape
    side = max(y1 - y0, x1 - x0)
    # The fill pasted from this square must cover every pixel `blend` may change.
    margin = max(math.ceil(context * side), blend_margin(shape) + 1)
    size = side + 2 * margin
    # Past the photo's long side a square only adds reflected copies of what it holds.
    size = max(min(size, max(height, width)), side, min_size, 1)

    def place(lo: int, hi: int, n: int) -> int:
        start = (lo + hi - size) // 2  # centred on the box
        if size <= n:
            return min(max(start, 0), n - size)
        return (n - size) // 2  # bigger than the photo: overhang evenly on both sides

    return Region(place(y0, y1, height), place(x0, x1, width), size)


class _Groups:
    """Union-find over hole components, each group with the bounding box of its members."""

    def __init__(self, boxes: np.ndarray) -> None:
        self.parent = list(range(len(boxes)))
        self.boxes = boxes.copy()  # (n, 4): y0, x0, y1, x1

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> bool:
        a, b = self.find(i), self.find(j)
        if a == b:
            return False
        self.parent[b] = a
        box_a, box_b = self.boxes[a], self.boxes[b]
        self.boxes[a] = (
            min(box_a[0], box_b[0]),
            min(box_a[1], box_b[1]),
            max(box_a[2], box_b[2]),
            max(box_a[3], box_b[3]),
        )
        return True

    def roots(self) -> list[int]:
        return sorted({self.find(i) for i in range(len(self.parent))})


def _overlapping_pairs(squares: np.ndarray) -> list[tuple[int, int]]:
    """Index pairs (i, j), i < j, of squares (rows top, left, size) that share a pixel."""
    top, left, size = squares[:, 0], squares[:, 1], squares[:, 2]
    bottom, right = top + size, left + size
    if len(squares) <= _PAIRWISE_LIMIT:
        hit = (
            (top[:, None] < bottom[None, :])
            & (top[None, :] < bottom[:, None])
            & (left[:, None] < right[None, :])
            & (left[None, :] < right[:, None])
        )
        i, j = np.nonzero(np.triu(hit, k=1))
        return list(zip(i.tolist(), j.tolist(), strict=True))
    order = np.argsort(left, kind="stable")
    pairs = []
    sorted_left = left[order]
    for rank, i in enumerate(order):
        # Only squares starting left of this one's right edge can overlap it.
        end = int(np.searchsorted(sorted_left, right[i], side="left"))
        candidates = order[rank + 1 : end]
        if candidates.size == 0:
            continue
        hit = (top[candidates] < bottom[i]) & (top[i] < bottom[candidates])
        pairs.extend((int(i), int(j)) for j in candidates[hit])
    return pairs


def _component_boxes(hole: np.ndarray) -> np.ndarray:
    """(top, left, bottom, right) of each 8-connected hole, int64 (N, 4).

    The labelling runs on the holes' bounding box only: on a 12 MP photo with one
    small hole that is a few milliseconds instead of a tenth of a second.
    """
    rows = np.flatnonzero(hole.any(axis=1))
    cols = np.flatnonzero(hole.any(axis=0))
    top, left = int(rows[0]), int(cols[0])
    inside = hole[top : int(rows[-1]) + 1, left : int(cols[-1]) + 1]
    count, _labels, stats, _centroids = cv2.connectedComponentsWithStats(
        inside.astype(np.uint8), connectivity=8
    )
    x, y, w, h = (stats[1:count, k].astype(np.int64) for k in range(4))
    return np.stack([y + top, x + left, y + top + h, x + left + w], axis=1)


def hole_regions(hole: np.ndarray, context: float = 0.5, min_size: int = 0) -> list[Region]:
    """One square per connected hole (8-connectivity), with known context around it.

    Each square holds its hole's bounding box plus at least `context` × the box's side
    on every side (and at least the blend margin, so a fill pasted from it covers all
    pixels `blend` may change), is at least `min_size` pixels, and is shifted to stay
    inside the photo where the photo is big enough. Squares that overlap are merged
    (their holes are then handled as one), until none overlap. An empty mask gives [].
    """
    hole = np.asarray(hole)
    if hole.ndim != 2:
        raise ValueError(f"hole must be a 2-D mask, got shape {hole.shape}")
    if context < 0:
        raise ValueError(f"context must be >= 0, got {context}")
    if not hole.any():
        return []
    shape = (int(hole.shape[0]), int(hole.shape[1]))
    groups = _Groups(_component_boxes(hole))

    while True:
        roots = groups.roots()
        regions = [
            _square_for_box(*(int(v) for v in groups.boxes[r]), shape, context, min_size)
            for r in roots
        ]
        squares = np.array([(r.top, r.left, r.size) for r in regions], dtype=np.int64)
        merged = False
        for i, j in _overlapping_pairs(squares):
            merged |= groups.union(roots[i], roots[j])
        if not merged:
            return sorted(regions, key=lambda r: (r.top, r.left))


def _crop_square(image: np.ndarray, region: Region) -> np.ndarray:
    inside = region.box_in(image.shape)
    if (inside.height, inside.width) == (region.size, region.size):
        return image[inside.slices]  # fully inside: a view, no copy
    rows = reflect_indices(region.top, region.bottom, image.shape[0])
    cols = reflect_indices(region.left, region.right, image.shape[1])
    return image[np.ix_(rows, cols)]


def _resize(square: np.ndarray, size: int) -> np.ndarray:
    """Area interpolation when shrinking (no aliasing), cubic when enlarging (sharp)."""
    source = square.shape[0]
    if source == size:
        return np.ascontiguousarray(square)
    interpolation = cv2.INTER_AREA if size < source else cv2.INTER_CUBIC
    resized = cv2.resize(np.ascontiguousarray(square), (size, size), interpolation=interpolation)
    return resized.reshape(size, size, *square.shape[2:])  # OpenCV drops a 1-channel axis


def crop_region(image: np.ndarray, region: Region, size: int) -> np.ndarray:
    """The region's square of `image` (H×W or H×W×C), reflected past the border, at size²."""
    if size < 1:
        raise ValueError(f"size must be >= 1, got {size}")
    return _resize(_crop_square(np.asarray(image), region), size)


def _cover_ranges(source: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """For each of `size` output cells, the source cells [lo, hi) its footprint touches."""
    j = np.arange(size, dtype=np.int64)
    lo = (j * source) // size
    hi = -((-(j + 1) * source) // size)  # ceil((j + 1) * source / size)
    return lo, hi


def crop_mask(hole: np.ndarray, region: Region, size: int) -> np.ndarray:
    """The region's square of the hole mask at size², as bool; no hole pixel ever vanishes.

    An output cell is a hole when its footprint touches any hole pixel (max-pooling when
    shrinking, nearest-or-wider when enlarging), so the model is never told that a
    hole pixel is known.
    """
    if size < 1:
        raise ValueError(f"size must be >= 1, got {size}")
    square = _crop_square(np.asarray(hole) != 0, region)
    integral = np.zeros((region.size + 1, region.size + 1), dtype=np.int64)
    integral[1:, 1:] = square.cumsum(0).cumsum(1)
    lo, hi = _cover_ranges(region.size, size)
    count = integral[hi][:, hi] - integral[lo][:, hi] - integral[hi][:, lo] + integral[lo][:, lo]
    return count > 0


def paste_region(
    generated: np.ndarray, region: Region, out_shape: tuple[int, ...]
) -> tuple[np.ndarray, Box]:
    """Scale a model's square back to the region's pixels; keep the part inside the photo.

    Returns `(patch, box)` with `patch.shape[:2]` equal to the box's size, ready for
    `canvas[box.slices] = patch` (or `paste_into`) before `blend`.
    """
    generated = np.asarray(generated)
    if generated.shape[0] != generated.shape[1]:
        raise ValueError(f"generated must be square, got shape {generated.shape}")
    box = region.box_in(out_shape)
    if box.empty:
        return generated[:0, :0], box
    square = _resize(generated, region.size)
    patch = square[
        box.y0 - region.top : box.y1 - region.top,
        box.x0 - region.left : box.x1 - region.left,
    ]
    return patch, box


def paste_into(canvas: np.ndarray, generated: np.ndarray, region: Region) -> np.ndarray:
    """Write a model's square into `canvas` (in place) at its region; return `canvas`.

    Typical use: `fill = paste_into(photo.copy(), generated, region)`, then `blend`.
    """
    patch, box = paste_region(generated, region, canvas.shape)
    if not box.empty:
        canvas[box.slices] = patch.reshape(canvas[box.slices].shape)
    return canvas


def covering_region(hole: np.ndarray, context: float = 0.5) -> Region:
    """One square around all of `hole` (its bounding box, with context), for edits that
    treat a mask as one area, such as generation from strokes inside a mask."""
    hole = np.asarray(hole) != 0
    if not hole.any():
        raise MaskError("The mask is empty: paint over where to generate, or clear it.")
    rows, cols = np.nonzero(hole.any(axis=1))[0], np.nonzero(hole.any(axis=0))[0]
    cover = np.zeros(hole.shape, bool)
    cover[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1] = True
    return hole_regions(cover, context=context)[0]
