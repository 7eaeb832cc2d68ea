"""Day -> night on real photos: a retrained day2night beside the bundled one and a filter.

Why: `model_quality.py` judges day2night on procedural scenes, whose true night it
knows; a user translates photos. This runs the models the way `ganpaint translate` and
the app do (`translate_at_scale`: a CycleGAN at full size, tiled, 512 px tiles) on the
held-out ("report") photos of the development sources (`photo_sources.py`: landscapes
and nature from mate-backgrounds, lomiri-wallpapers-20.04 and stellarium-data), beside
what a user would do without a model: the photo's colours moved to those of the
procedural night renders (per-channel mean and standard deviation, the same "colour
transfer" baseline as model_quality's).

Photos have no true night, so the numbers are what can be said without one:
- artefacts: the checkerboard level of the output over the photo's own
  (`trainer.metrics.artefacts`; geometric mean over the photos; 1 = as free of periodic
  patterns as the photo, issue 21's target ≤ 1.5);
- brightness: the output's mean grey level over the photo's (a night is darker);
- seconds per photo on this machine.
The grid (`--grid`, rows of photo | each method) is what to look at; `--out` keeps every
output at full size for a look at 100 %.

Run: `.venv/bin/python benchmarks/day2night_photos.py --model NEW.safetensors
[--baseline resources/models/day2night.safetensors] [--max-side 1024] [--grid PNG]
[--out FOLDER] [--threads 2]`.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))  # siblings, run from anywhere
import photo_sources
from model_quality import colour_transfer, night_statistics

from ganpaint.edit.trained_scale import translate_at_scale
from ganpaint.imageio import save_image
from ganpaint.models import load
from trainer.metrics.artefacts import checkerboard_level

PACKAGES = ("mate-backgrounds", "lomiri-wallpapers-20.04", "stellarium-data")
LUMA = np.array([0.299, 0.587, 0.114])
GRID_ROWS = 6
CELL = 320  # the grid's cell height in pixels


def brightness(image: np.ndarray) -> float:
    return float((image.astype(np.float64) @ LUMA).mean())


def cell(image: np.ndarray) -> np.ndarray:
    height, width = image.shape[:2]
    size = (max(1, round(width * CELL / height)), CELL)
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def write_grid(path: Path, rows: list[list[np.ndarray]], gap: int = 4) -> None:
    """Rows of pictures, each scaled to CELL px high, on white."""
    rows = [[cell(image) for image in row] for row in rows]
    width = max(sum(image.shape[1] for image in row) + gap * (len(row) - 1) for row in rows)
    canvas = np.full((len(rows) * (CELL + gap) - gap, width, 3), 255, np.uint8)
    for r, row in enumerate(rows):
        x = 0
        for image in row:
            canvas[r * (CELL + gap) : r * (CELL + gap) + CELL, x : x + image.shape[1]] = image
            x += image.shape[1] + gap
    path.parent.mkdir(parents=True, exist_ok=True)
    save_image(path, canvas)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, required=True, help="the retrained day2night")
    parser.add_argument(
        "--baseline", type=Path, default=Path("resources/models/day2night.safetensors")
    )
    parser.add_argument("--cache", type=Path, default=photo_sources.DEFAULT_CACHE)
    parser.add_argument("--split", default="report", help="report (the default), tune or all")
    parser.add_argument("--max-side", type=int, default=1024, help="photos shrunk to this")
    parser.add_argument("--photos", type=int, default=0, help="at most this many (0: all)")
    parser.add_argument("--grid", type=Path, help="write the side-by-side grid here")
    parser.add_argument("--out", type=Path, help="write every output here at full size")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    for flag, value, least in (("--max-side", args.max_side, 16), ("--photos", args.photos, 0),
                               ("--threads", args.threads, 1)):  # fmt: skip
        if value < least:
            parser.error(f"{flag} must be at least {least}, not {value}.")
    if args.out is not None and args.out.exists() and any(args.out.iterdir()):
        parser.error(f"{args.out} is not empty; write the outputs into a new folder.")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    photos = [
        p
        for p in photo_sources.select(photo_sources.ensure_photos(args.cache), args.split)
        if p.package in PACKAGES
    ]
    photos = photos[: args.photos] if args.photos else photos
    mean, std = night_statistics(128)  # the scale the models trained at
    models = {
        f"{args.baseline.stem} (bundled)": load(args.baseline),
        f"{args.model.stem} (retrained)": load(args.model),
    }
    methods = [*models, "colour transfer to the night set"]
    levels: dict[str, list[float]] = {name: [] for name in methods}
    light: dict[str, list[float]] = {name: [] for name in methods}
    seconds: dict[str, float] = dict.fromkeys(methods, 0.0)
    rows = []
    started, load_start = time.perf_counter(), os.getloadavg()
    for photo in photos:
        image = photo_sources.read_photo(args.cache, photo, args.max_side)
        own_level, own_light = checkerboard_level(image), brightness(image)
        row = [image]
        for name in methods:
            began = time.perf_counter()
            if name in models:
                bundle = models[name]
                output = translate_at_scale(
                    image,
                    bundle.translator("AtoB"),
                    bundle.meta,
                    stars=bundle.star_head("AtoB"),
                ).image
            else:
                output = colour_transfer(image, mean, std)
            seconds[name] += time.perf_counter() - began
            levels[name].append(np.log(checkerboard_level(output) / own_level))
            light[name].append(brightness(output) / max(own_light, 1e-6))
            row.append(output)
            if args.out is not None:
                slug = photo.id.replace("/", "__").replace("#", "-")
                tag = name.split(" ")[0]
                save_image(args.out / f"{slug}.{tag}.png", output)
        rows.append(row)
    print(f"### day -> night on {len(photos)} real photos ({args.split} split, "
          f"long side ≤ {args.max_side} px)\n")  # fmt: skip
    print("| method | artefacts ↓ (photo 1) | brightness / photo's | s/photo |")
    print("|---|---|---|---|")
    for name in methods:
        print(
            f"| {name} | {np.exp(np.mean(levels[name])):.2f} | {np.mean(light[name]):.2f} | "
            f"{seconds[name] / max(1, len(photos)):.2f} |"
        )
    if args.grid is not None:
        write_grid(args.grid, rows[:GRID_ROWS])
        print(f"\nGrid: {args.grid} (photo | {' | '.join(methods)})")
    print(
        f"\nRun: {(time.perf_counter() - started) / 60:.1f} min on "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch "
        f"{torch.__version__} with {args.threads} threads; load average {load_start[0]:.1f} "
        f"at the start, {os.getloadavg()[0]:.1f} at the end."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
