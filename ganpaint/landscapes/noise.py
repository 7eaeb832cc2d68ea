"""1-D fractal value noise, vectorised over a batch of seeds.

Ridges, hills, shores and cloud edges are height profiles along x, so 1-D noise
is all the landscapes need, and it costs a few operations per image column rather
than per pixel. The lattice is defined in scene units, so the same seed gives the
same profile at every resolution; octaves finer than a pixel are left out (they
would only alias), which changes nothing visible.
"""

from __future__ import annotations

import numpy as np

from ganpaint.landscapes.hashrand import hash_index, hash_stream, mix, to_unit


def value_noise(stream: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Smooth noise in [-1, 1] at positions `x` (N, M); `stream` (N, 1) picks the lattice.

    Hashes each lattice point once (often far fewer than the positions), then looks the
    values up; a lattice value depends only on the stream and its index.
    """
    x = np.broadcast_to(x, np.broadcast_shapes(x.shape, stream.shape))
    cell = np.floor(x)
    t = x - cell
    fade = t * 6.0  # quintic fade 6t⁵ − 15t⁴ + 10t³: continuous slope and curvature
    fade -= 15.0
    fade *= t
    fade += 10.0
    fade *= t
    fade *= t
    fade *= t
    index = cell.astype(np.int64)
    first = index.min(axis=1, keepdims=True)
    index -= first
    count = int(index.max()) + 2
    lattice = to_unit(hash_index(stream, first + np.arange(count)[None, :]))
    index += np.arange(x.shape[0])[:, None] * count
    v0 = np.take(lattice, index)
    v1 = np.take(lattice, index + 1)
    v1 -= v0
    v1 *= fade
    v1 += v0
    v1 *= 2.0
    v1 -= 1.0
    return v1


def fbm(
    seeds: np.ndarray,
    name: str,
    x: np.ndarray,
    frequency: np.ndarray | float,
    octaves: int = 6,
    gain: np.ndarray | float = 0.5,
    *,
    resolution: int | None = None,
    broad: int | None = None,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Fractal sum of `octaves` value-noise octaves at positions `x` ((N, M) or (1, M)).

    `frequency` and `gain` are per seed ((N,) or scalars). The result is normalised by
    the sum of all octave amplitudes, so it lies in [-1, 1] and mostly within ±0.5.
    With `resolution` (pixels per unit), octaves above its Nyquist limit are dropped per
    seed. With `broad`, also return the sum of the first `broad` octaves alone (the
    profile's broad shape, e.g. for lighting), normalised the same way.
    """
    n = seeds.shape[0]
    frequency = np.broadcast_to(np.asarray(frequency, dtype=np.float64), (n,))[:, None]
    gain = np.broadcast_to(np.asarray(gain, dtype=np.float64), (n,))[:, None]
    base = hash_stream(seeds, name)[:, None]
    total = np.zeros(np.broadcast_shapes(x.shape, (n, 1)))
    full = gain ** np.arange(octaves)[None, :]  # (N, octaves)
    freqs = frequency * 2.0 ** np.arange(octaves)[None, :]
    amplitudes = full
    if resolution is not None:
        amplitudes = np.where(freqs <= 0.5 * resolution, full, 0.0)
    partial = None
    for octave in range(octaves):
        if broad is not None and octave == broad:
            partial = total / full[:, :broad].sum(axis=1, keepdims=True)
        amp = amplitudes[:, octave : octave + 1]
        if not np.any(amp):
            continue  # adding exact zeros would change nothing
        stream = mix(base ^ np.uint64(octave + 1))
        offset = to_unit(mix(stream ^ np.uint64(0xA5A5))) * 4096.0  # decorrelate octaves
        total += amp * value_noise(stream, x * freqs[:, octave : octave + 1] + offset)
    if broad is not None and partial is None:
        partial = total / full[:, :broad].sum(axis=1, keepdims=True)
    total /= full.sum(axis=1, keepdims=True)
    if broad is None:
        return total
    return total, partial
