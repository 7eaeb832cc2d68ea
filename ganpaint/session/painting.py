"""Drawing into layer arrays: brush segments, rectangles and lassos, and mask morphology.

Plain numpy + OpenCV so that tools and undo are tested without Qt. Each function
draws only inside the box it touches (an OpenCV view of that box) and returns that
box, so a stroke on a 24-megapixel layer costs what the stroke covers.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from ganpaint.geometry import Box

_SHIFT = 4  # OpenCV fixed-point bits for lasso vertices (1/16 px)
_ONE = 1 << _SHIFT

Value = int | tuple[int, ...]


def segment_box(p0: tuple[float, float], p1: tuple[float, float], size: float) -> Box:
    """The box a brush segment of diameter `size` from p0 to p1 can touch."""
    return Box.around([p0, p1], size / 2 + 1)


def segment_coverage(
    box: Box, p0: tuple[float, float], p1: tuple[float, float], size: float
) -> np.ndarray:
    """float32 coverage (0..1) of each pixel of `box` by a round brush swept from p0 to p1.

    Computed from each pixel centre's distance to the segment, so a dab is a true
    disc of diameter `size` (symmetric, sub-pixel placed) at any zoom.
    """
    ys = np.arange(box.y0, box.y1, dtype=np.float32)[:, None] + 0.5
    xs = np.arange(box.x0, box.x1, dtype=np.float32)[None, :] + 0.5
    ax, ay = p0
    dx, dy = p1[0] - ax, p1[1] - ay
    length2 = dx * dx + dy * dy
    if length2 > 1e-12:
        t = np.clip(((xs - ax) * dx + (ys - ay) * dy) / length2, 0.0, 1.0)
        px, py = xs - (ax + t * dx), ys - (ay + t * dy)
    else:
        px, py = xs - ax, ys - ay
    distance = np.sqrt(px * px + py * py)
    radius = max(size, 1.0) / 2
    return np.clip(radius + 0.5 - distance, 0.0, 1.0)


def draw_segment(
    array: np.ndarray,
    box: Box,
    p0: tuple[float, float],
    p1: tuple[float, float],
    size: float,
    value: Value,
    antialias: bool = False,
) -> None:
    """A round brush of diameter `size` swept from p0 to p1 (image pixels), inside `box`.

    Hard-edged (antialias=False) strokes keep a mask strictly 0/255 (a pixel is in
    when its centre is); anti-aliased ones move each pixel towards `value` by its
    coverage, which is idempotent for repeated dabs of an opaque brush.
    """
    if box.empty:
        return
    view = array[box.slices]
    coverage = segment_coverage(box, p0, p1, size)
    if not antialias:
        inside = coverage >= 0.5
        view[inside] = _colour(value, view)
        return
    target = np.asarray(_colour(value, view), np.float32)
    cov = coverage if view.ndim == 2 else coverage[:, :, None]
    old = view.astype(np.float32)
    blended = old + (target - old) * cov
    if view.ndim == 2 and target[0] > 0:
        blended = np.maximum(old, blended)
    view[...] = np.rint(blended).astype(np.uint8)


def fill_rect(array: np.ndarray, box: Box, value: Value) -> None:
    """Fill an (already clipped) box with `value`."""
    if not box.empty:
        array[box.slices] = value


def polygon_box(points: Sequence[tuple[float, float]]) -> Box:
    return Box.around(points, 1)


def fill_polygon(
    array: np.ndarray, box: Box, points: Sequence[tuple[float, float]], value: Value
) -> None:
    """Fill the polygon through `points` (a lasso) inside `box`."""
    if box.empty or len(points) < 3:
        return
    view = array[box.slices]
    pts = np.array(
        [[round((x - 0.5 - box.x0) * _ONE), round((y - 0.5 - box.y0) * _ONE)] for x, y in points],
        np.int32,
    )
    cv2.fillPoly(view, [pts], _colour(value, view), cv2.LINE_8, _SHIFT)


def _colour(value: Value, view: np.ndarray) -> tuple[int, ...]:
    if isinstance(value, int):
        return (value,) * (1 if view.ndim == 2 else view.shape[2])
    return tuple(int(v) for v in value)


# -- mask morphology ------------------------------------------------------------------


def invert_mask(mask: np.ndarray) -> np.ndarray:
    """Hole becomes known and known becomes hole (mask values 0/255)."""
    return np.where(mask > 0, np.uint8(0), np.uint8(255))


def _disc(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


def grow_mask(mask: np.ndarray, radius: int) -> np.ndarray:
    """The hole grown by `radius` pixels in every direction (a round dilation)."""
    binary = np.where(mask > 0, np.uint8(255), np.uint8(0))
    return cv2.dilate(binary, _disc(max(int(radius), 1))) if radius > 0 else binary


def shrink_mask(mask: np.ndarray, radius: int) -> np.ndarray:
    """The hole shrunk by `radius` pixels (a round erosion; the image border counts as hole)."""
    binary = np.where(mask > 0, np.uint8(255), np.uint8(0))
    if radius <= 0:
        return binary
    return cv2.erode(binary, _disc(int(radius)), borderType=cv2.BORDER_REPLICATE)
