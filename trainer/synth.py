"""`ganpaint-train synth landscapes`: the procedural landscapes written as image data sets.

Three layouts, as the reference implementations read them:

- "folder": ``out/00000000.png ...``, n photos, for unconditional GANs;
- "unaligned" (CycleGAN): ``trainA/ trainB/ testA/ testB/``, A and B from different scenes;
- "aligned" (pix2pix): ``train/ val/ test/`` holding side-by-side ``A|B`` images (width 2S).

Training images use training seeds; val and test use held-out seeds (never trained on),
max(1, n // 10) of each. Every file is written atomically, by a few threads while the
next batch renders, so a large data set is limited by rendering and PNG encoding.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import numpy as np
from PIL import Image

from ganpaint.atomic import atomic_path
from ganpaint.errors import DatasetError
from ganpaint.landscapes import MIN_SIZE, PAIRS, as_rgb, check_pair, render_landscapes, seed_range

LAYOUTS: tuple[str, ...] = ("folder", "unaligned", "aligned")
DATASETS: tuple[str, ...] = ("landscapes",)
SYNTHETIC_PREFIX = "synthetic:"
_BATCH = 256  # scenes rendered per call
_WRITERS = 4  # threads encoding and writing PNGs (atomic writes wait on fsync)

Progress = Callable[[int, int], None]


class SyntheticSpec(NamedTuple):
    """A parsed ``synthetic:DATASET[:PAIR]`` data source."""

    dataset: str
    pair: str | None


def parse_synthetic_spec(spec: str) -> SyntheticSpec:
    """``synthetic:landscapes[:PAIR]`` -> (dataset, pair or None), or a DatasetError."""
    if not spec.startswith(SYNTHETIC_PREFIX):
        raise DatasetError(f"{spec!r} is not a synthetic data source; write synthetic:landscapes.")
    parts = spec[len(SYNTHETIC_PREFIX) :].split(":")
    if parts[0] not in DATASETS or len(parts) > 2:
        raise DatasetError(
            f"Unknown synthetic data {spec!r}; write synthetic:landscapes or "
            f"synthetic:landscapes:PAIR with PAIR one of {', '.join(sorted(PAIRS))}."
        )
    pair = parts[1] if len(parts) == 2 else None
    if pair is not None:
        check_pair(pair)
    return SyntheticSpec(parts[0], pair)


class _Job(NamedTuple):
    """One folder of the data set: which seeds, rendered as what."""

    folder: str
    seeds: np.ndarray
    kinds: tuple[str, ...]  # one kind, or (A, B) written side by side


def _jobs(layout: str, pair: str | None, n: int, seed: int) -> list[_Job]:
    m = max(1, n // 10)
    if layout == "folder":
        return [_Job("", seed_range("train", n, seed), ("day",))]
    assert pair is not None
    kind_a, kind_b = check_pair(pair)
    if layout == "unaligned":  # A and B from different scenes: the seeds are split in two
        train, test = seed_range("train", 2 * n, seed), seed_range("test", 2 * m, seed)
        return [
            _Job("trainA", train[:n], (kind_a,)),
            _Job("trainB", train[n:], (kind_b,)),
            _Job("testA", test[:m], (kind_a,)),
            _Job("testB", test[m:], (kind_b,)),
        ]
    return [
        _Job("train", seed_range("train", n, seed), (kind_a, kind_b)),
        _Job("val", seed_range("val", m, seed), (kind_a, kind_b)),
        _Job("test", seed_range("test", m, seed), (kind_a, kind_b)),
    ]


def _check(n: object, size: object, layout: str, pair: str | None) -> None:
    if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 1:
        raise DatasetError(f"The number of training images must be a positive integer, not {n!r}.")
    if not isinstance(size, int | np.integer) or isinstance(size, bool) or size < MIN_SIZE:
        raise DatasetError(
            f"The image size must be an integer of at least {MIN_SIZE}, not {size!r}."
        )
    if layout not in LAYOUTS:
        raise DatasetError(f"Unknown layout {layout!r}; choose from {', '.join(LAYOUTS)}.")
    if layout == "folder" and pair is not None:
        raise DatasetError(
            "The folder layout writes photos only; drop the pair or choose the unaligned "
            "or aligned layout."
        )
    if layout != "folder" and pair is None:
        raise DatasetError(
            f"The {layout} layout needs a pair; choose from {', '.join(sorted(PAIRS))}."
        )
    if pair is not None:
        check_pair(pair)


def _names(count: int) -> Iterator[str]:
    return (f"{index:08d}.png" for index in range(count))


def _check_free(out: Path, jobs: list[_Job]) -> None:
    """Refuse to mix a new data set with other files (re-writing the same one is fine)."""
    if out.exists() and not out.is_dir():
        raise DatasetError(f"{out} is a file; choose a folder for the data set.")
    for job in jobs:
        folder = out / job.folder
        if not folder.is_dir():
            continue
        ours = set(_names(len(job.seeds)))
        if job.folder == "":
            ours |= {other.folder for other in jobs}
        stray = sorted(name for name in os.listdir(folder) if name not in ours)
        if stray:
            raise DatasetError(
                f"{folder} already holds other files (such as {stray[0]!r}); write the data "
                "set to an empty folder or delete them first."
            )


def _save_png(path: Path, pixels: np.ndarray) -> None:
    with atomic_path(path) as tmp:
        Image.fromarray(pixels).save(tmp, format="PNG", compress_level=1)


def write_dataset(
    out: Path | str,
    n: int,
    size: int,
    seed: int = 0,
    layout: str = "folder",
    pair: str | None = None,
    progress: Progress | None = None,
) -> dict:
    """Render and write a landscape data set; return a summary (counts and folders per split).

    `progress(done, total)` is called as images are written.
    """
    _check(n, size, layout, pair)
    out = Path(out)
    jobs = _jobs(layout, pair, int(n), seed)
    _check_free(out, jobs)
    total = sum(len(job.seeds) for job in jobs)
    done = 0
    pending: list[Future[None]] = []
    with ThreadPoolExecutor(_WRITERS, thread_name_prefix="png") as pool:
        for job in jobs:
            folder = out / job.folder
            folder.mkdir(parents=True, exist_ok=True)
            names = list(_names(len(job.seeds)))
            for start in range(0, len(job.seeds), _BATCH):
                seeds = job.seeds[start : start + _BATCH]
                kinds = tuple(dict.fromkeys(job.kinds))
                batch = render_landscapes(seeds, size, kinds=kinds)
                images = np.concatenate([as_rgb(batch, kind) for kind in job.kinds], axis=2)
                for image, name in zip(images, names[start : start + _BATCH], strict=False):
                    pending.append(pool.submit(_save_png, folder / name, image))
                # keep at most about two batches in flight, reporting as they finish
                while len(pending) > 2 * _BATCH:
                    pending.pop(0).result()
                    done += 1
                    if progress is not None and done % 64 == 0:
                        progress(done, total)
        for future in pending:
            future.result()
            done += 1
    if progress is not None:
        progress(done, total)
    counts = {job.folder or "train": len(job.seeds) for job in jobs}
    return {
        "layout": layout,
        "pair": pair,
        "size": int(size),
        "seed": int(seed),
        "counts": counts,
        "folders": {job.folder or "train": str(out / job.folder) for job in jobs},
        "images": total,
    }
