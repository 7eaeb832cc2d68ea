"""Procedural landscapes: ganpaint's built-in, endlessly varied training and test images.

No data set can be downloaded at run time, yet training, tests and the default
models need real variety. Every integer seed is one scene (sky, sun or moon,
clouds, mountain ridges, maybe a lake, hills, trees) defined in continuous
coordinates, rendered to any size as four pixel-aligned views:

- ``day``: the photo, by day or at dusk (drawn from the seed),
- ``night``: the same scene at night,
- ``sketch``: dark strokes on white along the outlines a person would draw,
- ``labels``: class ids (see ``ganpaint.labels.LABEL_NAMES``),
- ``scene``: the day view for most seeds, the night view for a share of them
  (NIGHT_SHARE, drawn from the seed): every light a picture of the scene may have, for
  models that take the light from a style picture instead of guessing it.

Rendering is vectorised over whole chunks of seeds; a scene's pixels depend on its
seed alone, never on the batch it was rendered in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ganpaint.errors import DatasetError
from ganpaint.landscapes.hashrand import SeedRandom, as_seed_array
from ganpaint.landscapes.layers import prepare_layers
from ganpaint.landscapes.raster import Canvas
from ganpaint.landscapes.scene import make_scene

KINDS: tuple[str, ...] = ("day", "night", "sketch", "labels", "scene")
#: The share of seeds whose "scene" view is the night one (the rest: day or dusk).
NIGHT_SHARE = 0.3
SPLITS: tuple[str, ...] = ("train", "val", "test")

#: Training uses seeds below this; validation, tests and benchmarks use seeds at or above
#: it, so no held-out image is ever trained on.
HELD_OUT_SEED_START = 1_000_000_000
#: Distance between the first validation seed and the first test seed.
TEST_OFFSET = 500_000_000
MIN_SIZE = 8
_SCENES_PER_CHUNK = 512  # scenes whose parameters and profiles are prepared together
_COLUMNS_PER_CHUNK = 1 << 17  # ... fewer for wide images, bounding the profiles' memory
_PIXELS_PER_PAINT = 1 << 17  # pixels painted at once: a few float32 planes stay in cache


@dataclass
class LandscapeBatch:
    """Rendered scenes, one array per requested kind (None for kinds not requested)."""

    seeds: np.ndarray  # (N,) int64
    day: np.ndarray | None = None  # (N, S, S, 3) uint8
    night: np.ndarray | None = None  # (N, S, S, 3) uint8
    sketch: np.ndarray | None = None  # (N, S, S, 3) uint8
    labels: np.ndarray | None = None  # (N, S, S) uint8 class ids
    scene: np.ndarray | None = None  # (N, S, S, 3) uint8: day, dusk or night by seed

    def __len__(self) -> int:
        return int(self.seeds.shape[0])


def render_landscapes(
    seeds: Sequence[int] | np.ndarray,
    size: int,
    *,
    kinds: Sequence[str] = KINDS,
) -> LandscapeBatch:
    """Render the scenes of `seeds` at `size`×`size`, only the requested `kinds`.

    The same seed gives the same pixels in any batch, and the same scene at any size.
    """
    kinds = tuple(kinds)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise DatasetError(
            f"Unknown landscape kind {unknown[0]!r}; choose from {', '.join(KINDS)}."
        )
    if not isinstance(size, int | np.integer) or size < MIN_SIZE:
        raise DatasetError(f"Image size must be an integer of at least {MIN_SIZE}, got {size!r}.")
    size = int(size)
    try:
        seed_arr = as_seed_array(seeds)
    except (TypeError, ValueError, OverflowError) as exc:
        raise DatasetError(f"Seeds must be integers ({exc}).") from None
    n = seed_arr.shape[0]
    batch = LandscapeBatch(seeds=seed_arr.view(np.int64).copy())
    painted = kinds + (("day", "night") if "scene" in kinds else ())
    for kind in ("day", "night", "sketch"):
        if kind in painted:
            setattr(batch, kind, np.empty((n, size, size, 3), dtype=np.uint8))
    if "labels" in kinds:
        batch.labels = np.empty((n, size, size), dtype=np.uint8)
    chunk = int(np.clip(_COLUMNS_PER_CHUNK // size, 1, _SCENES_PER_CHUNK))
    for start in range(0, n, chunk):
        _render_chunk(seed_arr[start : start + chunk], size, painted, batch, start)
    if "scene" in kinds:
        assert batch.day is not None and batch.night is not None
        night = is_night_scene(seed_arr)[:, None, None, None]
        batch.scene = np.where(night, batch.night, batch.day)
        batch.day = batch.day if "day" in kinds else None
        batch.night = batch.night if "night" in kinds else None
    return batch


def is_night_scene(seeds: Sequence[int] | np.ndarray) -> np.ndarray:
    """(N,) bool: whether each seed's "scene" view is its night one."""
    return SeedRandom(as_seed_array(seeds)).unit("scene.night") < NIGHT_SHARE


def scene_light(seeds: Sequence[int] | np.ndarray) -> np.ndarray:
    """(N,) str: the light of each seed's "scene" view, "day", "dusk" or "night"."""
    night = is_night_scene(seeds)
    dusk = make_scene(as_seed_array(seeds)).dusk
    return np.where(night, "night", np.where(dusk, "dusk", "day"))


def _render_chunk(
    seeds: np.ndarray, size: int, kinds: tuple[str, ...], batch: LandscapeBatch, offset: int
) -> None:
    """Prepare the layers of many scenes at once, then paint them a few scenes at a time."""
    scene = make_scene(seeds)
    palettes = {"day": scene.photo, "night": scene.night}
    layers = prepare_layers(scene, size, {k: p for k, p in palettes.items() if k in kinds})
    step = max(1, _PIXELS_PER_PAINT // (size * size))
    for start in range(0, len(seeds), step):
        part = slice(start, min(len(seeds), start + step))
        n = part.stop - part.start
        canvas = Canvas(n, size, kinds, {k: p.take(part) for k, p in palettes.items()})
        for layer in layers:
            layer.paint(canvas, part)
        out = slice(offset + part.start, offset + part.stop)
        if batch.day is not None:
            batch.day[out] = canvas.rgb8("day")
        if batch.night is not None:
            batch.night[out] = canvas.rgb8("night")
        if batch.sketch is not None:
            batch.sketch[out] = canvas.sketch8()
        if batch.labels is not None:
            batch.labels[out] = canvas.labels


def seed_range(split: str, n: int, base_seed: int = 0) -> np.ndarray:
    """The `n` seeds of a data-set split, starting at `base_seed` within the split's range.

    Train seeds lie below HELD_OUT_SEED_START; val and test seeds lie at or above it, in
    ranges TEST_OFFSET apart, so no split ever shares a scene with another. Data sets with
    base seeds at least `n` apart share no scene either.
    """
    if split not in SPLITS:
        raise DatasetError(f"Unknown split {split!r}; choose from {', '.join(SPLITS)}.")
    if not isinstance(n, int | np.integer) or n < 0:
        raise DatasetError(f"The number of images must be a non-negative integer, not {n!r}.")
    room = HELD_OUT_SEED_START if split == "train" else TEST_OFFSET
    if not isinstance(base_seed, int | np.integer) or not 0 <= base_seed <= room - n:
        raise DatasetError(
            f"The seed must be an integer from 0 to {room - n:,} for {n:,} {split} images, "
            f"not {base_seed!r}."
        )
    start = {"train": 0, "val": HELD_OUT_SEED_START, "test": HELD_OUT_SEED_START + TEST_OFFSET}
    return np.arange(n, dtype=np.int64) + (start[split] + int(base_seed))
