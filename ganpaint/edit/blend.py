"""Put a generated fill into a photo so that the seam does not show.

A generator's output rarely matches the photo's exact colours and brightness around a
hole; pasting it shows a hard edge. Poisson blending keeps the fill's gradients and
takes the colours from the photo at the hole's boundary, so constant offsets vanish.

Every mode only touches pixels within `blend_margin(hole.shape)` (Euclidean distance)
of a hole pixel; all other pixels come back bit-identical to the photo, which callers
can rely on (`blend_footprint` gives that set of pixels).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

__all__ = ["BLEND_MODES", "blend", "blend_footprint", "blend_margin"]

BLEND_MODES: tuple[str, ...] = ("poisson", "mixed", "feather", "none")

_CLONE_FLAGS = {"poisson": cv2.NORMAL_CLONE, "mixed": cv2.MIXED_CLONE}
# The Poisson domain: the hole grown by this many pixels, so the gradient step between
# a hole pixel and its neighbour (forward differences) lies inside the domain.
_POISSON_GROW = 2
# cv2.seamlessClone erodes the mask it is given 3 times with a 3×3 kernel (a 7×7
# square); we grow the domain by that square first so the erosion gives it back.
_CLONE_ERODE = 7
# Window around each part: the mask grown for the erosion (3) plus seamlessClone's
# zeroed outer row (1) plus a row of boundary pixels for its solver, with spare.
_WINDOW_GROW = 6


def blend_margin(hole_shape: tuple[int, ...]) -> int:
    """How far (Euclidean pixels) from the hole `blend` may change pixels.

    At least 6 px (Poisson needs room to ramp its correction to zero), and about 1/128
    of the long side so feathering stays visible on large photos.
    """
    return max(6, math.ceil(max(hole_shape[:2]) / 128))


def _distance_to_hole(hole: np.ndarray) -> np.ndarray:
    """Exact Euclidean distance of every pixel to the nearest hole pixel (0 in the hole)."""
    return cv2.distanceTransform((~hole).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)


def blend_footprint(hole: np.ndarray) -> np.ndarray:
    """The pixels `blend` may change: within `blend_margin` of a hole pixel (bool H×W)."""
    hole = np.asarray(hole) != 0
    if not hole.any():
        return np.zeros_like(hole)
    return _distance_to_hole(hole) <= blend_margin(hole.shape)


def _check(photo: np.ndarray, fill: np.ndarray, hole: np.ndarray, mode: str) -> None:
    if mode not in BLEND_MODES:
        raise ValueError(f"Unknown blend mode {mode!r}; use one of {', '.join(BLEND_MODES)}.")
    if photo.ndim != 3 or photo.shape[2] != 3 or photo.dtype != np.uint8:
        raise ValueError(f"photo must be H×W×3 uint8, got {photo.shape} {photo.dtype}")
    if fill.shape != photo.shape or fill.dtype != np.uint8:
        raise ValueError(
            f"fill must match the photo ({photo.shape} uint8), got {fill.shape} {fill.dtype}"
        )
    if hole.shape != photo.shape[:2]:
        raise ValueError(f"hole must be {photo.shape[:2]}, got {hole.shape}")


def _disk(radius: int) -> np.ndarray:
    y, x = np.mgrid[-radius : radius + 1, -radius : radius + 1]
    return (x * x + y * y <= radius * radius).astype(np.uint8)


def _reflect(start: int, stop: int, n: int) -> np.ndarray:
    # Same rule as region.reflect_indices (kept local: region imports this module).
    index = np.arange(start, stop, dtype=np.int64)
    if n == 1:
        return np.zeros_like(index)
    period = 2 * (n - 1)
    index = np.mod(index, period)
    return np.where(index >= n, period - index, index)


def _window(lo: int, hi: int, n: int) -> tuple[int, int]:
    """Window [start, stop) around pixels lo..hi-1 of an axis of length n.

    Where the window would cross the photo's edge it also takes in the mirror image of
    the part (the photo reflected about its edge), so the solver sees the part's
    surroundings on both sides of the edge: nearly a free (Neumann) boundary there,
    instead of pinning the result to whatever lies under the hole.
    """
    start, stop = lo - _WINDOW_GROW, hi + _WINDOW_GROW
    if start < 0:
        start = min(start, max(-(hi - 1) - _WINDOW_GROW, -(n - 1)))
    if stop > n:
        stop = max(stop, min(2 * (n - 1) - lo + 1 + _WINDOW_GROW, 2 * n - 1))
    return start, stop


def _joined_to_photo_hole(mask: np.ndarray, photo_hole: np.ndarray) -> np.ndarray:
    """The parts of `mask` that reach the hole inside the photo, as a 0/255 mask.

    The window mirrors the photo, hole included. A mirror image that touches the hole
    across the border must stay in the domain (else covered content leaks back), but a
    separate one would only stretch OpenCV's solve, which spans the mask's bounding
    box, over the known pixels between the hole and its mirror image.
    """
    count, labels = cv2.connectedComponents(mask, connectivity=8)
    keep = np.zeros(count, bool)
    keep[np.unique(labels[photo_hole])] = True
    keep[0] = False
    return keep[labels].astype(np.uint8) * np.uint8(255)


def _poisson(
    photo: np.ndarray, fill: np.ndarray, hole: np.ndarray, distance: np.ndarray, mode: str
) -> np.ndarray:
    """seamlessClone each separate part in its own window, faded out at the margin.

    All work is per window, so a small hole in a large photo costs little.
    """
    height, width = hole.shape
    margin = blend_margin(hole.shape)
    footprint = (distance <= margin).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(footprint, connectivity=8)
    grow_domain = _disk(_POISSON_GROW)
    grow_erode = np.ones((_CLONE_ERODE, _CLONE_ERODE), np.uint8)
    # Full weight up to just past the Poisson domain, then a linear ramp to 0 past the
    # margin: the solver's correction is faded out instead of cut off.
    full = _POISSON_GROW + 1
    out = photo.copy()

    for k in range(1, count):
        x, y, w, h = (int(v) for v in stats[k, :4])
        top, bottom = _window(y, y + h, height)
        left, right = _window(x, x + w, width)
        rows, cols = _reflect(top, bottom, height), _reflect(left, right, width)
        window = np.ix_(rows, cols)
        row_in = (np.arange(top, bottom) >= 0) & (np.arange(top, bottom) < height)
        col_in = (np.arange(left, right) >= 0) & (np.arange(left, right) < width)
        hole_w, photo_w, fill_w = hole[window], photo[window], fill[window]
        # Inside the photo the solver sees the photo (MIXED_CLONE compares against its
        # gradients); in the mirrored part, the pasted fill, so nothing that was under
        # the hole leaks in through the window's boundary.
        pasted = np.where(hole_w[..., None], fill_w, photo_w)
        dest = np.where((row_in[:, None] & col_in[None, :])[..., None], photo_w, pasted)
        mask = cv2.dilate(hole_w.astype(np.uint8), grow_domain)
        mask = cv2.dilate(mask, grow_erode)
        mask = _joined_to_photo_hole(mask, hole_w & (row_in[:, None] & col_in[None, :]))
        mask[0, :] = mask[-1, :] = mask[:, 0] = mask[:, -1] = 0  # as seamlessClone does
        bx, by, bw, bh = cv2.boundingRect(mask)
        if bw < 3 or bh < 3:  # too thin for the solver: the window is a sliver
            cloned = pasted
        else:
            cloned = cv2.seamlessClone(
                np.ascontiguousarray(fill_w),
                dest,
                mask,
                (bx + bw // 2, by + bh // 2),
                _CLONE_FLAGS[mode],
            )
        # Back to photo coordinates: the in-photo rows/columns of the window.
        r0, c0 = max(top, 0), max(left, 0)
        r1, c1 = min(bottom, height), min(right, width)
        part = cloned[r0 - top : r1 - top, c0 - left : c1 - left].astype(np.float32)
        here = labels[r0:r1, c0:c1] == k
        ramp = np.clip((margin + 1 - distance[r0:r1, c0:c1]) / (margin + 1 - full), 0.0, 1.0)
        weight = np.where(here, ramp, 0.0)[..., None]
        base = photo[r0:r1, c0:c1].astype(np.float32)
        mixed = np.clip(np.rint(base + weight * (part - base)), 0, 255).astype(np.uint8)
        out[r0:r1, c0:c1][here] = mixed[here]
    return out


def _feather(photo: np.ndarray, fill: np.ndarray, distance: np.ndarray, margin: int) -> np.ndarray:
    """Alpha blend with alpha 1 in the hole, easing to 0 just past the margin."""
    out = photo.copy()
    rows = np.nonzero((distance <= margin).any(axis=1))[0]
    cols = np.nonzero((distance <= margin).any(axis=0))[0]
    box = slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)  # work only there
    t = np.clip((margin + 1 - distance[box]) / (margin + 1), 0.0, 1.0)
    alpha = (t * t * (3 - 2 * t))[..., None]  # smoothstep: no kink where the fade starts
    base = photo[box].astype(np.float32)
    mixed = base + alpha * (fill[box].astype(np.float32) - base)
    out[box] = np.clip(np.rint(mixed), 0, 255).astype(np.uint8)
    return out


def blend(
    photo: np.ndarray, fill: np.ndarray, hole: np.ndarray, mode: str = "poisson"
) -> np.ndarray:
    """Blend `fill` into `photo` over `hole` (True = replace); returns a new H×W×3 uint8.

    Modes: "poisson" (seamless clone: the fill's gradients, the photo's colours at the
    seam), "mixed" (keeps the stronger of the photo's and the fill's gradients),
    "feather" (alpha blend fading out over the margin), "none" (hard paste).
    `fill` must be valid at least over `blend_footprint(hole)`; pixels outside that
    footprint are returned bit-identical to `photo`. An empty hole returns a copy of
    the photo, a hole covering everything a copy of the fill.
    """
    photo, fill, hole = np.asarray(photo), np.asarray(fill), np.asarray(hole) != 0
    _check(photo, fill, hole, mode)
    if not hole.any():
        return photo.copy()
    if hole.all():
        return fill.copy()
    if mode == "none":
        return np.where(hole[..., None], fill, photo)
    distance = _distance_to_hole(hole)
    margin = blend_margin(hole.shape)
    if mode == "feather":
        out = _feather(photo, fill, distance, margin)
    else:
        out = _poisson(photo, fill, hole, distance, mode)
    # The guarantee callers rely on, enforced rather than assumed from the solver.
    return np.where((distance <= margin)[..., None], out, photo)
