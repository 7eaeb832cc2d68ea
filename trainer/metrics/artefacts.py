"""Checkerboard artefacts of generated pictures, measured in the power spectrum.

Why: a generator paints its output through upsamplings (stride-2 transposed
convolutions, nearest-neighbour resizes followed by convolutions, pixel shuffles). Each
output pixel then comes from one of 2×2 kernel "phases" (4×4 after two upsamplings), and
where the phases' gains differ the picture carries a pattern with a period of 2 (or 4)
pixels: the checkerboard and scan-line artefacts of Odena, Dumoulin and Olah,
"Deconvolution and Checkerboard Artifacts" (Distill 2016). L1 and patch realism barely
notice them; the spectrum does, because a periodic pattern is a spike at the frequencies
2π·k/p (p the period): (π, 0), (0, π) and (π, π) for period 2, the multiples of π/2 for
period 4.

How (`checkerboard_level`, `artefact_score`):
1. Grey levels (ITU-R BT.601 luma), the mean removed, a Hann window (so that the
   picture's border does not leak a cross through the axes, where (π, 0) and (0, π)
   lie), the 2-D power spectrum, plus the flat power of 8-bit rounding noise (1/12 grey
   level² per pixel): a picture cannot be smoother than its 8 bits, and a perfectly
   smooth one then divides nothing by zero.
2. At each checkerboard frequency (one of each pair ±f, which a real picture shares),
   the mean power of the 3×3 bins around it (a windowed tone lands within ±1 bin),
   divided by the mean power of the ring of bins 2 to 4 away from it: how far the
   spectrum rises above its own neighbourhood there. A natural picture's spectrum is
   smooth, so this is about 1; a periodic artefact makes it large. The reference is the
   local ring, not the picture's total power, because a landscape carries much of its
   energy near the period-4 frequencies (π/2 is a middle frequency), which would drown
   a period-2 spike, and because fine texture, noise or blur raise or lower the whole
   high band without being a periodic artefact.
3. A picture's level: the mean over the frequencies of that rise.
4. The score of outputs against their true pictures: the geometric mean over the
   pairs of output level / truth level. 1: as free of periodic patterns as the truth;
   identical pictures score exactly 1, a blurred or noisier copy about 1 or below, a
   5 % checkerboard modulation of a landscape about 40. Issue 21's target is ≤ 1.5.
   For scale: a bicubic 2× enlargement of a half-size render scores about 1.5 (its
   two output phases are filtered differently too), the first bundled translators
   4 to 8.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

#: Periods (pixels) whose frequencies are examined: one upsampling leaves period 2, two
#: or more also period 4. Every bundled translator upsamples at least twice.
CHECKERBOARD_PERIODS: tuple[int, ...] = (2, 4)
#: Half-widths (bins) of the peak's neighbourhood and of the ring around it.
PEAK_RADIUS = 1
RING_RADIUS = 4
#: The smallest spacing (bins) between two examined frequencies, so that no ring
#: reaches another frequency's peak or the zero frequency.
MIN_SPACING = 2 * (RING_RADIUS + 1)
LUMA = np.array([0.299, 0.587, 0.114])
ROUNDING_NOISE = 1.0 / 12.0  # variance of rounding to whole grey levels


def checkerboard_level(image: np.ndarray, periods: Sequence[int] = CHECKERBOARD_PERIODS) -> float:
    """How far the spectrum of `image` (H×W grey or H×W×3 RGB, 0-255) rises at the
    checkerboard frequencies of `periods` above its neighbourhood there (about 1 for a
    natural picture; see the module's docstring)."""
    grey = _grey(np.asarray(image), "The image")
    periods = _checked_periods(periods)
    _check_size(grey.shape, periods, "The image")
    return _level(grey, periods)


def artefact_score(
    outputs: Sequence[np.ndarray] | np.ndarray,
    truths: Sequence[np.ndarray] | np.ndarray,
    periods: Sequence[int] = CHECKERBOARD_PERIODS,
) -> float:
    """Checkerboard energy of `outputs` relative to their true pictures `truths` (the
    same count, each pair the same size): the geometric mean over the pairs of
    `checkerboard_level(output) / checkerboard_level(truth)`. 1 is as clean as the truth."""
    periods = _checked_periods(periods)
    if len(outputs) != len(truths):
        raise ValueError(
            f"{len(outputs)} outputs but {len(truths)} true pictures; the artefact score "
            "compares each output with its own truth."
        )
    if len(outputs) == 0:
        raise ValueError("The artefact score needs at least one output and its truth.")
    logs = []
    for index, (output, truth) in enumerate(zip(outputs, truths, strict=True)):
        out = _grey(np.asarray(output), f"Output {index}")
        true = _grey(np.asarray(truth), f"True picture {index}")
        if out.shape != true.shape:
            raise ValueError(
                f"Output {index} is {out.shape[1]}×{out.shape[0]} pixels but its true "
                f"picture is {true.shape[1]}×{true.shape[0]}; compare pictures of one size."
            )
        _check_size(out.shape, periods, f"Output {index}")
        logs.append(np.log(_level(out, periods)) - np.log(_level(true, periods)))
    return float(np.exp(np.mean(logs)))


def _grey(image: np.ndarray, what: str) -> np.ndarray:
    """Grey levels (float64 H×W) of an H×W or H×W×3 array of finite numbers."""
    if image.dtype == bool or not (
        np.issubdtype(image.dtype, np.integer) or np.issubdtype(image.dtype, np.floating)
    ):
        raise ValueError(f"{what} must hold numbers (grey levels 0-255), not {image.dtype}.")
    if image.ndim == 3 and image.shape[2] == 3:
        grey = image.astype(np.float64) @ LUMA
    elif image.ndim == 2:
        grey = image.astype(np.float64)
    else:
        raise ValueError(
            f"{what} must be an H×W grey or H×W×3 RGB picture, not an array of {image.shape}."
        )
    if not np.isfinite(grey).all():
        raise ValueError(f"{what} holds values that are not finite (NaN or infinity).")
    return grey


def _checked_periods(periods: Sequence[int]) -> tuple[int, ...]:
    values = tuple(periods)
    if not values or any(
        isinstance(p, bool) or not isinstance(p, int | np.integer) or p < 2 for p in values
    ):
        raise ValueError(f"Periods must be whole numbers of pixels, at least 2, not {values!r}.")
    return tuple(sorted({int(p) for p in values}))


def _check_size(shape: tuple[int, ...], periods: tuple[int, ...], what: str) -> None:
    smallest = MIN_SPACING * max(periods)
    if min(shape) < smallest:
        raise ValueError(
            f"{what} is {shape[1]}×{shape[0]} pixels; the artefact score needs at least "
            f"{smallest}×{smallest} to tell period-{max(periods)} patterns from the "
            "frequencies around them."
        )


def _level(grey: np.ndarray, periods: tuple[int, ...]) -> float:
    height, width = grey.shape
    window = _window(height, width)
    power = np.abs(np.fft.fft2((grey - grey.mean()) * window)) ** 2
    power += ROUNDING_NOISE * float(np.sum(window**2))
    rises = [
        power[peak].mean() / power[ring].mean()
        for peak, ring in _neighbourhoods(height, width, periods)
    ]
    return float(np.mean(rises))


@lru_cache(maxsize=16)
def _window(height: int, width: int) -> np.ndarray:
    return np.outer(np.hanning(height), np.hanning(width))


@lru_cache(maxsize=16)
def _neighbourhoods(
    height: int, width: int, periods: tuple[int, ...]
) -> tuple[tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]], ...]:
    """For each checkerboard frequency (one of each ±f pair), the indices of the bins of
    its peak and of its ring, wrapped around the spectrum's edges."""
    frequencies: list[tuple[int, int]] = []
    for period in periods:
        for a in range(period):
            for b in range(period):
                f = (round(a * height / period) % height, round(b * width / period) % width)
                mirror = ((-f[0]) % height, (-f[1]) % width)
                if f != (0, 0) and f not in frequencies and mirror not in frequencies:
                    frequencies.append(f)
    offsets = np.arange(-RING_RADIUS, RING_RADIUS + 1)
    dy, dx = (d.ravel() for d in np.meshgrid(offsets, offsets, indexing="ij"))
    inner = np.maximum(np.abs(dy), np.abs(dx)) <= PEAK_RADIUS
    found = []
    for fy, fx in frequencies:
        ys, xs = (fy + dy) % height, (fx + dx) % width
        found.append(((ys[inner], xs[inner]), (ys[~inner], xs[~inner])))
    return tuple(found)
