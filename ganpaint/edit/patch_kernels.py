"""The compiled inner loops of patch synthesis: PatchMatch search and patch voting.

Why compiled: a PatchMatch pass visits every target patch, tries its neighbours'
matches and a dozen random ones, and each try sums a 7×7×3 patch difference with an
early exit. That is sequential and branchy (each patch's propagation depends on the
previous one's result), which numpy cannot vectorise well and numba compiles to a
tight loop. `cache=True` keeps the machine code on disk, so the compile cost (a few
seconds) is paid once per install, not per photo.

Conventions: images are float32 H×W×C in grey levels (colour, then any feature
channels), coordinates are patch centres (row, column) as int32, and a patch has side
2·radius + 1. Only `synthesis.py` calls these; they check nothing.
"""

from __future__ import annotations

import numba
import numpy as np

_JIT = {"cache": True, "nogil": True, "fastmath": True}


@numba.njit(**_JIT)
def patch_cost(
    image: np.ndarray,
    guide: np.ndarray,
    guide_weight: np.ndarray,
    lowpass: np.ndarray,
    py: int,
    px: int,
    qy: int,
    qx: int,
    radius: int,
    best: float,
) -> float:
    """Σ ‖image(p+d) − image(q+d)‖² + guide_weight·‖guide(p+d) − lowpass(q+d)‖² over the
    patch; stops once above `best`.

    The first term matches the current estimate (known pixels and the hole's estimate at p,
    every channel: colour and texture features) against a wholly known patch at q. The guide
    is blurry, so it is compared with the source blurred as much (`lowpass`): it decides the
    structure and colour of a match, not its texture. Target pixels past the image's edge
    are skipped (a hole may touch the border); source patches always lie wholly inside.
    """
    height, width, channels = image.shape
    total = 0.0
    for dy in range(-radius, radius + 1):
        ty = py + dy
        if ty < 0 or ty >= height:
            continue
        sy = qy + dy
        for dx in range(-radius, radius + 1):
            tx = px + dx
            if tx < 0 or tx >= width:
                continue
            sx = qx + dx
            for c in range(channels):
                d = image[ty, tx, c] - image[sy, sx, c]
                total += d * d
            g = guide_weight[ty, tx]
            if g != 0.0:
                e0 = guide[ty, tx, 0] - lowpass[sy, sx, 0]
                e1 = guide[ty, tx, 1] - lowpass[sy, sx, 1]
                e2 = guide[ty, tx, 2] - lowpass[sy, sx, 2]
                total += g * (e0 * e0 + e1 * e1 + e2 * e2)
        if total > best:
            return total
    return total


@numba.njit(**_JIT)
def _uniform(seed: int, index: int, draw: int, n: int) -> int:
    """A random integer in [0, n) that depends only on its arguments (splitmix64).

    Counter-based rather than a generator's state, so that the draws are the same
    whichever thread handles which band of targets: results are the same for a seed.
    """
    x = np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15)
    x ^= np.uint64(index) * np.uint64(0xBF58476D1CE4E5B9)
    x ^= np.uint64(draw) * np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return int(x % np.uint64(n))


@numba.njit(**_JIT)
def _try(
    image: np.ndarray,
    guide: np.ndarray,
    guide_weight: np.ndarray,
    lowpass: np.ndarray,
    valid: np.ndarray,
    nnf: np.ndarray,
    cost: np.ndarray,
    py: int,
    px: int,
    qy: int,
    qx: int,
    radius: int,
) -> None:
    """Take source patch q for target p if it is a valid source and cheaper."""
    if qy < 0 or qx < 0 or qy >= valid.shape[0] or qx >= valid.shape[1] or not valid[qy, qx]:
        return
    if qy == nnf[py, px, 0] and qx == nnf[py, px, 1]:
        return
    c = patch_cost(image, guide, guide_weight, lowpass, py, px, qy, qx, radius, cost[py, px])
    if c < cost[py, px]:
        cost[py, px] = c
        nnf[py, px, 0] = qy
        nnf[py, px, 1] = qx


@numba.njit(**_JIT, parallel=True)
def refresh_costs(
    image: np.ndarray,
    guide: np.ndarray,
    guide_weight: np.ndarray,
    lowpass: np.ndarray,
    targets: np.ndarray,
    nnf: np.ndarray,
    cost: np.ndarray,
    radius: int,
) -> None:
    """Recompute every target's cost for its current match (the target image changed)."""
    for i in numba.prange(targets.shape[0]):
        py, px = targets[i, 0], targets[i, 1]
        qy, qx = nnf[py, px, 0], nnf[py, px, 1]
        cost[py, px] = patch_cost(
            image, guide, guide_weight, lowpass, py, px, qy, qx, radius, np.inf
        )


@numba.njit(**_JIT)
def _improve(
    image: np.ndarray,
    guide: np.ndarray,
    guide_weight: np.ndarray,
    lowpass: np.ndarray,
    valid: np.ndarray,
    sources: np.ndarray,
    is_target: np.ndarray,
    nnf: np.ndarray,
    cost: np.ndarray,
    py: int,
    px: int,
    step: int,
    radius: int,
    search: int,
    seed: int,
    index: int,
) -> None:
    """One PatchMatch visit of target p: propagation, then random search."""
    # Propagation: the neighbour before p (in this pass's order) matched q; try q + 1.
    ny, nx = py, px - step
    if 0 <= nx < is_target.shape[1] and is_target[ny, nx]:
        qy, qx = nnf[ny, nx, 0], nnf[ny, nx, 1] + step
        _try(image, guide, guide_weight, lowpass, valid, nnf, cost, py, px, qy, qx, radius)
    ny, nx = py - step, px
    if 0 <= ny < is_target.shape[0] and is_target[ny, nx]:
        qy, qx = nnf[ny, nx, 0] + step, nnf[ny, nx, 1]
        _try(image, guide, guide_weight, lowpass, valid, nnf, cost, py, px, qy, qx, radius)
    # Random search around the current match, the window halving each time.
    reach = search
    draw = 0
    while reach >= 1:
        qy = nnf[py, px, 0] + _uniform(seed, index, draw, 2 * reach + 1) - reach
        qx = nnf[py, px, 1] + _uniform(seed, index, draw + 1, 2 * reach + 1) - reach
        draw += 2
        _try(image, guide, guide_weight, lowpass, valid, nnf, cost, py, px, qy, qx, radius)
        reach //= 2
    if sources.shape[0] > 0:  # and one anywhere, against getting stuck in a basin
        r = _uniform(seed, index, draw, sources.shape[0])
        _try(
            image,
            guide,
            guide_weight,
            lowpass,
            valid,
            nnf,
            cost,
            py,
            px,
            sources[r, 0],
            sources[r, 1],
            radius,
        )


@numba.njit(**_JIT, parallel=True)
def patchmatch(
    image: np.ndarray,
    guide: np.ndarray,
    guide_weight: np.ndarray,
    lowpass: np.ndarray,
    valid: np.ndarray,
    sources: np.ndarray,
    targets: np.ndarray,
    bands: np.ndarray,
    is_target: np.ndarray,
    nnf: np.ndarray,
    cost: np.ndarray,
    radius: int,
    passes: int,
    search: int,
    seed: int,
) -> None:
    """Improve `nnf` (H×W×2 source centre per target centre) in place (Barnes et al. 2009).

    Each pass visits the targets in scan order (reversed every other pass), tries the
    matches of the two neighbours already visited, shifted by one pixel, then random
    matches in a window around the current one that halves from `search` pixels down
    to 1, plus one anywhere among `sources`. `cost` holds each target's current cost.

    The targets (in row order) are cut into bands (`bands` holds each band's first
    index, and the end): the even bands run in parallel, then the odd ones, so a band
    only ever reads the rows of bands that are not being written. The result does not
    depend on the number of threads.
    """
    n_bands = bands.shape[0] - 1
    for k in range(passes):
        step = 1 if k % 2 == 0 else -1
        pass_seed = seed * 1_000_003 + k
        for phase in range(2):
            for b in numba.prange((n_bands + 1 - phase) // 2):
                band = 2 * b + phase
                lo, hi = bands[band], bands[band + 1]
                for j in range(hi - lo):
                    i = lo + j if step == 1 else hi - 1 - j
                    _improve(
                        image,
                        guide,
                        guide_weight,
                        lowpass,
                        valid,
                        sources,
                        is_target,
                        nnf,
                        cost,
                        targets[i, 0],
                        targets[i, 1],
                        step,
                        radius,
                        search,
                        pass_seed,
                        i,
                    )


@numba.njit(**_JIT)
def vote(
    source: np.ndarray,
    hole: np.ndarray,
    targets: np.ndarray,
    nnf: np.ndarray,
    cost: np.ndarray,
    radius: int,
    sigma2: float,
    out: np.ndarray,
) -> None:
    """Every hole pixel becomes the weighted mean of what the patches covering it say.

    A patch's vote weighs exp(−cost / (2σ²·area)) (Wexler et al. 2007): good matches
    dominate, so the average stays sharp where they agree. `out` (H×W×3) is written at
    hole pixels only.
    """
    height, width = hole.shape
    # Accumulate over the targets' bounding box only: the box around a hole can be
    # far bigger than the hole.
    y0, x0, y1, x1 = height, width, 0, 0
    for i in range(targets.shape[0]):
        y0, y1 = min(y0, targets[i, 0]), max(y1, targets[i, 0] + 1)
        x0, x1 = min(x0, targets[i, 1]), max(x1, targets[i, 1] + 1)
    y0, x0 = max(y0 - radius, 0), max(x0 - radius, 0)
    y1, x1 = min(y1 + radius, height), min(x1 + radius, width)
    if y1 <= y0 or x1 <= x0:
        return
    channels = source.shape[2]
    acc = np.zeros((y1 - y0, x1 - x0, channels), np.float64)
    wsum = np.zeros((y1 - y0, x1 - x0), np.float64)
    area = float((2 * radius + 1) * (2 * radius + 1))
    for i in range(targets.shape[0]):
        py, px = targets[i, 0], targets[i, 1]
        qy, qx = nnf[py, px, 0], nnf[py, px, 1]
        w = np.exp(-min(cost[py, px] / (2.0 * sigma2 * area), 600.0))
        for dy in range(-radius, radius + 1):
            ty = py + dy
            if ty < 0 or ty >= height:
                continue
            for dx in range(-radius, radius + 1):
                tx = px + dx
                if tx < 0 or tx >= width or not hole[ty, tx]:
                    continue
                ay, ax = ty - y0, tx - x0
                for c in range(channels):
                    acc[ay, ax, c] += w * source[qy + dy, qx + dx, c]
                wsum[ay, ax] += w
    for ay in range(y1 - y0):
        for ax in range(x1 - x0):
            if wsum[ay, ax] > 0:
                for c in range(channels):
                    out[y0 + ay, x0 + ax, c] = acc[ay, ax, c] / wsum[ay, ax]


@numba.njit(**_JIT)
def coordinates(mask: np.ndarray) -> np.ndarray:
    """(row, column) of every True pixel in row order, as int32: `np.argwhere` without
    its int64 copy (85 MB on a 5-megapixel box) and in a tenth of the time."""
    height, width = mask.shape
    count = 0
    for y in range(height):
        for x in range(width):
            if mask[y, x]:
                count += 1
    out = np.empty((count, 2), np.int32)
    i = 0
    for y in range(height):
        for x in range(width):
            if mask[y, x]:
                out[i, 0], out[i, 1] = y, x
                i += 1
    return out
