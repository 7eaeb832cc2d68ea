"""Put a generated fill into a photo so that the seam does not show.

A generator's output rarely matches the photo's exact colours and brightness around a
hole; pasting it shows a hard edge. Poisson blending keeps the fill's gradients and
takes the colours from the photo at the hole's boundary, so constant offsets vanish.

The Poisson modes solve that equation here, for exactly the pixels they may change:
"poisson" for the hole alone, "mixed" for the hole and the known pixels touching it.
Every other pixel is a fixed (Dirichlet) value, and the photo's own border is a free
(Neumann) edge. So known pixels keep their values, and a hole at the border takes its
colours from the photo beside it, never from what the hole covers or a mirror image.

(cv2.seamlessClone can't be made to do that. It solves over the whole bounding box of
its mask, fixed only on that box's edge, and first erodes the mask 3 times with a 3×3
kernel (so its source says; on OpenCV 5.0 a 5×5 mask changes nothing, a 7×7 one does).
Keeping the hole's own gradients up to its edge takes a mask 4 px wider than the hole,
so the solve rewrites known pixels up to 3 px from a rectangular hole, and every known
pixel in the bounding box of any other shape.)

Every mode only touches pixels within `blend_margin(hole.shape)` (Euclidean distance)
of a hole pixel; all other pixels come back bit-identical to the photo, which callers
can rely on (`blend_footprint` gives that set of pixels).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import cv2
import numpy as np

__all__ = ["BLEND_MODES", "blend", "blend_footprint", "blend_margin", "harmonic"]

BLEND_MODES: tuple[str, ...] = ("poisson", "mixed", "feather", "none")

# The 4 neighbours of the 5-point Laplacian, as (row, column) steps.
_STEPS = ((0, 1), (0, -1), (1, 0), (-1, 0))
# Conjugate gradients stop when the estimated error left is below this (grey levels);
# the result is rounded to whole levels, so this is as good as exact...
_ACCURACY = 0.05
# ...or after this many steps, which only a pathological domain would need.
_MAX_STEPS = 1000
# The box preconditioner pays off while the domain fills this much of its bounding
# box; a thin, sprawling domain (a long diagonal stroke) solves faster without it.
_MIN_BOX_FILL = 0.25


def blend_margin(hole_shape: tuple[int, ...]) -> int:
    """How far (Euclidean pixels) from the hole `blend` may change pixels.

    At least 6 px, and about 1/128 of the long side so feathering stays visible on large
    photos. The Poisson modes stay well inside it (they change the hole, and "mixed" the
    pixels touching it); the fill must be valid over all of it.
    """
    return max(6, math.ceil(max(hole_shape[:2]) / 128))


def _distance_to_hole(hole: np.ndarray) -> np.ndarray:
    """Exact Euclidean distance of every pixel to the nearest hole pixel (0 in the hole)."""
    return cv2.distanceTransform((~hole).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)


def _around(hole: np.ndarray, reach: int) -> tuple[slice, slice]:
    """The hole's bounding box grown by `reach` pixels, clipped to the image.

    Everything within `reach` of a hole pixel lies inside it, and the hole pixels are
    all in it, so distances computed on this crop are the true ones: work on it costs
    in proportion to the hole, not to the photo.
    """
    rows = np.flatnonzero(hole.any(axis=1))
    cols = np.flatnonzero(hole.any(axis=0))
    height, width = hole.shape
    return (
        slice(max(rows[0] - reach, 0), min(rows[-1] + 1 + reach, height)),
        slice(max(cols[0] - reach, 0), min(cols[-1] + 1 + reach, width)),
    )


def blend_footprint(hole: np.ndarray) -> np.ndarray:
    """The pixels `blend` may change: within `blend_margin` of a hole pixel (bool H×W)."""
    hole = np.asarray(hole) != 0
    footprint = np.zeros_like(hole)
    if hole.any():
        margin = blend_margin(hole.shape)
        crop = _around(hole, margin + 1)
        footprint[crop] = _distance_to_hole(hole[crop]) <= margin
    return footprint


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


def _fast_length(n: int, odd: bool = False) -> int:
    """The smallest m >= n with no prime factor above 7 (and odd, if `odd`): fast FFTs."""
    while True:
        m = n
        for p in (3, 5, 7) if odd else (2, 3, 5, 7):
            while m % p == 0:
                m //= p
        if m == 1:
            return n
        n += 1


def _transform(
    values: np.ndarray, axis: int, free_lo: bool, free_hi: bool, inverse: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The real sine/cosine transform along `axis` that diagonalises the 1-D Laplacian.

    A fixed end is held at 0 one pixel past it (Dirichlet); a free end has no edge
    beyond it (Neumann). The basis is sin((j+1)θ) with both ends fixed, cos((j+½)θ)
    with the first end free (the last one is flipped first), computed with a
    zero-padded real FFT. Returns the result and the Laplacian's eigenvalues, 2-2cos θ.
    """
    flip = free_hi and not free_lo
    if flip and not inverse:
        values = np.flip(values, axis)
    n = values.shape[axis]
    if free_lo and free_hi:  # θ = πk/n
        length, ks, shift, scale = 2 * n, np.arange(n), 0.5, 2
    elif free_lo or free_hi:  # θ = π(2q+1)/(2n+1)
        length, ks, shift, scale = 4 * n + 2, 2 * np.arange(n) + 1, 0.5, 4
    else:  # θ = πk/(n+1)
        length, ks, shift, scale = 2 * n + 2, np.arange(1, n + 1), 1.0, 2
    theta = 2 * np.pi * ks / length
    shape = [1] * values.ndim
    shape[axis] = n
    turn = np.exp(1j * shift * theta).reshape(shape)
    if shift == 1.0:
        turn = -1j * turn  # sin x = Re(-i e^{ix})
    turn = turn.astype(np.result_type(values.dtype, np.complex64))
    if not inverse:
        spectrum = np.take(np.fft.rfft(values, n=length, axis=axis), ks, axis=axis)
        out = (spectrum * turn.conj()).real
    else:
        index = [slice(None)] * values.ndim
        index[axis] = ks
        shape = list(values.shape)
        shape[axis] = length // 2 + 1
        spectrum = np.zeros(shape, turn.dtype)
        spectrum[tuple(index)] = values * turn
        index[axis] = slice(0, n)
        out = scale * np.fft.irfft(spectrum, n=length, axis=axis)[tuple(index)]
        if flip:
            out = np.flip(out, axis)
    return out, 2 - 2 * np.cos(theta)


def _box_solve(rhs: np.ndarray, free: tuple[tuple[bool, bool], tuple[bool, bool]]) -> np.ndarray:
    """Solve -Δu = rhs exactly on a box (the last two axes; 5-point Laplacian).

    `free[i]` gives the (first, last) ends of axis -2 + i that are free; the rest are
    fixed at 0 one pixel past the box.
    """
    coeffs, eigen_rows = _transform(rhs, -2, *free[0], inverse=False)
    coeffs, eigen_cols = _transform(coeffs, -1, *free[1], inverse=False)
    eigen = eigen_rows[:, None] + eigen_cols[None, :]
    eigen[eigen == 0] = np.inf  # the constant of an all-free box: no information
    coeffs = coeffs / eigen.astype(coeffs.dtype)
    coeffs = _transform(coeffs, -1, *free[1], inverse=True)[0]
    return _transform(coeffs, -2, *free[0], inverse=True)[0]


def _box_span(lo: int, hi: int, n: int, pad: bool) -> tuple[int, int, bool, bool]:
    """The box's extent [start, stop) along one axis for a domain spanning lo..hi-1.

    An end on the window's edge (the photo's border) is free and stays put. With
    `pad`, the box grows past a fixed end until its FFT length is fast (the extra
    pixels are outside the domain, so that only changes the preconditioner).
    """
    free_lo, free_hi = lo == 0, hi == n
    size = hi - lo
    if not pad or (free_lo and free_hi):
        return lo, hi, free_lo, free_hi
    if free_lo or free_hi:
        size = (_fast_length(2 * size + 1, odd=True) - 1) // 2
    else:
        size = _fast_length(size + 1) - 1
    if free_hi:
        return hi - size, hi, False, True
    return lo, lo + size, free_lo, False


def _system(
    photo: np.ndarray, fill: np.ndarray, hole: np.ndarray, domain: np.ndarray, mixed: bool
) -> tuple[np.ndarray, ...]:
    """The Poisson equations of the window's `domain` pixels, one per pixel p:

        Σ_q (u(p) - u(q)) = Σ_q v(p, q),   u(q) = photo(q) for q outside the domain,

    over p's 4 neighbours q inside the photo. v is the fill's difference fill(p) -
    fill(q); with `mixed`, the photo's difference instead where it is larger and
    neither pixel is in the hole. The window must hold the domain and a 1 px ring
    around it, except where the domain meets the photo's border: a neighbour missing
    from the window is past that border, and that edge is simply left out (free).

    Returns rows, cols, the neighbours' unknown numbers (4×n; n where there is none),
    the neighbour counts (n), the right-hand side and the fill (3×n each).
    """
    height, width = domain.shape
    rows, cols = np.nonzero(domain)
    count = len(rows)
    number = np.full(domain.shape, count, np.int64)
    number[rows, cols] = np.arange(count)
    at = fill[rows, cols].astype(np.float32)
    photo_at, known_at = photo[rows, cols].astype(np.float32), ~hole[rows, cols]
    neighbours = np.empty((len(_STEPS), count), np.int64)
    degree = np.zeros(count, np.float32)
    rhs = np.zeros((count, 3), np.float32)
    for k, (dr, dc) in enumerate(_STEPS):
        r, c = rows + dr, cols + dc
        inside = (r >= 0) & (r < height) & (c >= 0) & (c < width)
        r, c = np.clip(r, 0, height - 1), np.clip(c, 0, width - 1)
        neighbours[k] = np.where(inside, number[r, c], count)
        degree += inside
        guide = at - fill[r, c]
        if mixed:
            other = photo_at - photo[r, c]
            use_photo = (known_at & ~hole[r, c])[:, None] & (np.abs(other) > np.abs(guide))
            guide = np.where(use_photo, other, guide)
        fixed = (inside & ~domain[r, c])[:, None]
        rhs += np.where(inside[:, None], guide, 0) + np.where(fixed, photo[r, c], 0)
    return rows, cols, neighbours, degree, np.ascontiguousarray(rhs.T), np.ascontiguousarray(at.T)


def _smallest_eigenvalue(steps: list[np.ndarray], betas: list[np.ndarray]) -> float:
    """The smallest Ritz value of preconditioned CG so far, over the channels.

    CG's step sizes and β give the Lanczos tridiagonal matrix of the preconditioned
    operator; its smallest eigenvalue approaches the operator's from above.
    """
    alpha, beta = np.array(steps).T, np.array(betas).T  # (3, k)
    diagonal = 1 / alpha
    diagonal[:, 1:] += beta[:, :-1] / alpha[:, :-1]
    off = np.sqrt(beta[:, :-1]) / alpha[:, :-1]
    k = alpha.shape[1]
    matrix = np.zeros((3, k, k))
    index = np.arange(k)
    matrix[:, index, index] = diagonal
    matrix[:, index[1:], index[:-1]] = matrix[:, index[:-1], index[1:]] = off
    return float(np.linalg.eigvalsh(matrix)[:, 0].min())


def _conjugate_gradients(
    x: np.ndarray,
    rhs: np.ndarray,
    apply: Callable[[np.ndarray], np.ndarray],
    precondition: Callable[[np.ndarray], np.ndarray],
    lowest: float | None,
) -> np.ndarray:
    """Solve apply(x) = rhs for 3 independent channels (axis 0) by preconditioned CG.

    The error left is about the preconditioned residual divided by the preconditioned
    operator's smallest eigenvalue: `lowest` when known (>= 1 for the box), else its
    running estimate. It stops once that is below `_ACCURACY` everywhere.
    """

    def dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return (a * b).reshape(3, -1).sum(axis=1, dtype=np.float64)

    def scaled(factor: np.ndarray, v: np.ndarray) -> np.ndarray:
        return factor.astype(np.float32).reshape((3,) + (1,) * (v.ndim - 1)) * v

    residual = rhs - apply(x)
    z = precondition(residual)
    direction = z
    rz = dot(residual, z)
    steps, betas = [], []
    estimate = 1.0
    for k in range(_MAX_STEPS):
        if lowest is None and (0 < k <= 32 or k in (64, 128, 256)):
            # It settles within a few dozen steps; a refresh costs k³, so only rarely.
            estimate = min(1.0, _smallest_eigenvalue(steps, betas))
        trusted = lowest is not None or k >= 8  # a young estimate flatters
        if not rz.any() or (trusted and np.abs(z).max() <= _ACCURACY * (lowest or estimate)):
            break
        a_dir = apply(direction)
        step = rz / np.maximum(dot(direction, a_dir), 1e-30)
        x = x + scaled(step, direction)
        residual = residual - scaled(step, a_dir)
        z = precondition(residual)
        rz, previous = dot(residual, z), rz
        beta = rz / np.maximum(previous, 1e-30)
        direction = z + scaled(beta, direction)
        steps.append(np.maximum(step, 1e-30))
        betas.append(beta)
    return x


def _solve(
    photo: np.ndarray, fill: np.ndarray, hole: np.ndarray, domain: np.ndarray, mixed: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Solve `_system` for the window's domain: returns its rows, cols and values (3×n)."""
    height, width = domain.shape
    rows, cols, neighbours, degree, rhs, at = _system(photo, fill, hole, domain, mixed)
    count = len(rows)

    def apply_listed(x: np.ndarray) -> np.ndarray:
        padded = np.concatenate([x, np.zeros((3, 1), x.dtype)], axis=1)
        return degree * x - padded[:, neighbours].sum(axis=1)

    # Start from the fill moved by the offset (per channel) that best meets the boundary.
    shift = (rhs - apply_listed(at)).sum(axis=1) / apply_listed(np.ones_like(at)).sum(axis=1)
    start = at + shift[:, None]

    top, bottom, left, right = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    area = (bottom - top) * (right - left)
    if count < _MIN_BOX_FILL * area:  # thin and sprawling: plain CG on the list
        values = _conjugate_gradients(start, rhs, apply_listed, lambda r: r / degree, None)
        return rows, cols, values

    # Otherwise CG on the bounding box, preconditioned by the exact inverse for the box
    # (free where it lies on the photo's border, fixed just past it elsewhere): one
    # step for a rectangle, a few for a blob. Only a rectangle keeps the exact box.
    pad = count < area
    r0, r1, *free_rows = _box_span(top, bottom, height, pad)
    c0, c1, *free_cols = _box_span(left, right, width, pad)
    free = (tuple(free_rows), tuple(free_cols))
    ii, jj = rows - r0, cols - c0
    inside = np.zeros((r1 - r0, c1 - c0), np.float32)
    inside[ii, jj] = 1
    degree_box = np.zeros_like(inside)
    degree_box[ii, jj] = degree

    def on_box(values: np.ndarray) -> np.ndarray:
        out = np.zeros((3, *inside.shape), np.float32)
        out[:, ii, jj] = values
        return out

    def apply_box(y: np.ndarray) -> np.ndarray:
        out = degree_box * y
        out[:, :, :-1] -= y[:, :, 1:]
        out[:, :, 1:] -= y[:, :, :-1]
        out[:, :-1] -= y[:, 1:]
        out[:, 1:] -= y[:, :-1]
        return out * inside

    def precondition(r: np.ndarray) -> np.ndarray:
        return _box_solve(r, free) * inside

    values = _conjugate_gradients(on_box(start), on_box(rhs), apply_box, precondition, 1.0)
    return rows, cols, values[:, ii, jj]


def _poisson(
    photo: np.ndarray, fill: np.ndarray, hole: np.ndarray, distance: np.ndarray, mode: str
) -> np.ndarray:
    """Solve each separate part (pixels within the margin of each other) on its own."""
    margin = blend_margin(hole.shape)
    footprint = (distance <= margin).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(footprint, connectivity=8)
    mixed = mode == "mixed"
    domain = hole
    if mixed:  # the hole and the known pixels touching it (8-neighbours)
        domain = cv2.dilate(hole.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
        if domain.all():  # nothing left to hold the solution: fall back to the hole
            domain = hole
    out = photo.copy()
    for k in range(1, count):
        x, y, w, h = (int(v) for v in stats[k, :4])
        window = slice(y, y + h), slice(x, x + w)
        part = domain[window] & (labels[window] == k)
        rows, cols, values = _solve(photo[window], fill[window], hole[window], part, mixed)
        out[window][rows, cols] = np.clip(np.rint(values.T), 0, 255).astype(np.uint8)
    return out


def _feather(photo: np.ndarray, fill: np.ndarray, distance: np.ndarray, margin: int) -> np.ndarray:
    """Alpha blend with alpha 1 in the hole, easing to 0 just past the margin."""
    t = np.clip((margin + 1 - distance) / (margin + 1), 0.0, 1.0)
    alpha = (t * t * (3 - 2 * t))[..., None]  # smoothstep: no kink where the fade starts
    base = photo.astype(np.float32)
    mixed = base + alpha * (fill.astype(np.float32) - base)
    return np.clip(np.rint(mixed), 0, 255).astype(np.uint8)


def blend(
    photo: np.ndarray, fill: np.ndarray, hole: np.ndarray, mode: str = "poisson"
) -> np.ndarray:
    """Blend `fill` into `photo` over `hole` (True = replace); returns a new H×W×3 uint8.

    Modes: "poisson" (the fill's gradients, the photo's colours at the seam; known
    pixels are not changed), "mixed" (also lets the photo's stronger gradients win on
    the known pixels touching the hole, which it may change), "feather" (alpha blend
    fading out over the margin), "none" (hard paste). Neither Poisson mode uses what the
    hole covers. `fill` must be valid at least over `blend_footprint(hole)`; pixels
    outside that footprint are returned bit-identical to `photo`. An empty hole returns
    a copy of the photo, a hole covering everything a copy of the fill.
    """
    photo, fill, hole = np.asarray(photo), np.asarray(fill), np.asarray(hole) != 0
    _check(photo, fill, hole, mode)
    if not hole.any():
        return photo.copy()
    if hole.all():
        return fill.copy()
    if mode == "none":
        return np.where(hole[..., None], fill, photo)
    margin = blend_margin(hole.shape)
    crop = _around(hole, margin + 1)
    photo_c, fill_c, hole_c = photo[crop], fill[crop], hole[crop]
    distance = _distance_to_hole(hole_c)
    if mode == "feather":
        blended = _feather(photo_c, fill_c, distance, margin)
    else:
        blended = _poisson(photo_c, fill_c, hole_c, distance, mode)
    out = photo.copy()
    # The guarantee callers rely on, enforced rather than assumed from the solver.
    out[crop] = np.where((distance <= margin)[..., None], blended, photo_c)
    return out


def harmonic(values: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """`values` (float H×W×3) outside `hole`, and inside it the smoothest surface that
    meets them at the hole's edge (the Laplace equation: a Poisson blend of a flat fill,
    in floats). The photo's own border is a free edge, as in `blend`."""
    out = np.asarray(values, np.float32).copy()
    hole = np.asarray(hole) != 0
    if hole.any() and not hole.all():
        rows, cols, solved = _solve(out, np.zeros_like(out), hole, hole, mixed=False)
        out[rows, cols] = solved.T
    return out
