"""Counter-based random numbers: a pure function of (seed, name, index...).

The procedural data sets need every scene to depend on its own integer seed only,
never on which other seeds share its batch, and need thousands of scenes drawn at
once. A stateful generator per seed cannot be vectorised; hashing the seed with a
name and indices (splitmix64 on uint64 arrays) can, and gives the same numbers on
every machine and NumPy version.
"""

from __future__ import annotations

import zlib

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MUL1 = np.uint64(0xBF58476D1CE4E5B9)
_MUL2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 2.0**-53


def mix(z: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijective, well-mixed hash of uint64 values (wraps mod 2^64)."""
    z = z + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MUL1
    z = (z ^ (z >> np.uint64(27))) * _MUL2
    return z ^ (z >> np.uint64(31))


def name_key(name: str) -> np.uint64:
    """A stable 64-bit key for a parameter name (crc32 is fixed across Python versions)."""
    return np.uint64(zlib.crc32(name.encode()) * 0x9E3779B1 & 0xFFFFFFFFFFFFFFFF)


def as_seed_array(seeds: object) -> np.ndarray:
    """Seeds as a 1-D uint64 array (negative seeds wrap, so every int64 is a distinct seed)."""
    arr = np.asarray(seeds)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
        raise TypeError("seeds must be a 1-D sequence of integers")
    return arr.astype(np.int64).view(np.uint64) if arr.dtype.kind == "i" else arr.astype(np.uint64)


def hash_stream(seeds: np.ndarray, name: str) -> np.ndarray:
    """The hash state of one named stream per seed, to be combined with indices by `hash_index`."""
    return mix(mix(seeds) ^ name_key(name))


def hash_index(stream: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Hash a stream state with (broadcast) integer indices."""
    return mix(stream ^ np.asarray(index).astype(np.int64).view(np.uint64))


def to_unit(z: np.ndarray) -> np.ndarray:
    """uint64 hashes to float64 uniform in [0, 1)."""
    return (z >> np.uint64(11)).astype(np.float64) * _TO_UNIT


class SeedRandom:
    """Named uniform draws for a batch of seeds: `r.uniform("sun_x", 0.1, 0.9)` has shape (N,).

    A draw depends only on the seed and the name (and `count` index), so adding a new
    parameter never changes the others, and scenes are independent of batch layout.
    """

    def __init__(self, seeds: np.ndarray) -> None:
        self.seeds = seeds
        self._mixed = mix(seeds)  # hash_stream's first step, shared by every name

    def unit(self, name: str, count: int | None = None) -> np.ndarray:
        stream = mix(self._mixed ^ name_key(name))  # == hash_stream(self.seeds, name)
        if count is None:
            return to_unit(mix(stream))
        return to_unit(hash_index(stream[:, None], np.arange(count)[None, :]))

    def uniform(self, name: str, low: float, high: float, count: int | None = None) -> np.ndarray:
        return low + (high - low) * self.unit(name, count)

    def chance(self, name: str, p: float | np.ndarray, count: int | None = None) -> np.ndarray:
        return self.unit(name, count) < p

    def choice(self, name: str, weights: tuple[float, ...]) -> np.ndarray:
        """Index into `weights` (unnormalised), drawn per seed."""
        cum = np.cumsum(weights) / np.sum(weights)
        return np.searchsorted(cum, self.unit(name), side="right").clip(0, len(weights) - 1)
