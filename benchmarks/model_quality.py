"""How good the bundled translators are, against the baselines their model cards name.

    .venv/bin/python benchmarks/model_quality.py [--models resources/models]
        [--edges-l1-only RUN/model.safetensors] [--labels-l1-only RUN/model.safetensors]
        [--images 64] [--size 128] [--scale trained|full] [--threads 1] [--grids docs/models]
        [--json OUT]

Images: held-out procedural landscapes (`seed_range("test", ...)`, seeds no training run
sees), rendered at `--size` (the models trained on 128 px crops of 143 px renders, so
128 keeps their scale). The procedural data knows every scene's true night rendering,
sketch, label map and daylight photo, so each output is compared with the truth.

- day2night (CycleGAN, day -> night): L1 to the true night image, in grey levels,
  against two baselines: the unchanged day image, and a global colour transfer that
  gives each day image the night training set's per-channel mean and standard
  deviation (statistics from 256 training-split night renders). Target: clearly below
  both (here: at most 0.8 times the better baseline).
- edges2landscape, labels2landscape (pix2pix): L1 to the true photo and the realism
  score, against the mean training image (256 training-split photos) and, when given,
  the same network trained with L1 alone (`--lambda-gan 0`). Target: L1 below the mean
  image's; realism better than both baselines.

Realism: `ganpaint.landscapes.patches.realism`, the sliced Wasserstein distance between the
7×7 patches of the outputs and of the true images (grey levels, lower is better; it
does not reward a blurry average the way L1 does).

Every model runs through `ganpaint.edit.trained_scale.translate_at_scale`, as the app
and the CLI run it: at `--size` above the trained 143 px, the pix2pix models translate a
shrunken copy and the result is scaled back (`--scale full` feeds the full size).

Grids (`--grids`): for each model, rows of input | output | truth on 6 held-out scenes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ganpaint.edit.trained_scale import SCALES, translate_at_scale
from ganpaint.imageio import save_image
from ganpaint.landscapes import as_rgb, render_landscapes, seed_range
from ganpaint.landscapes.patches import realism
from ganpaint.models import ModelBundle, load

BASELINE_IMAGES = 256
GRID_ROWS = 6
CLEARLY = 0.8  # "clearly below": at most this fraction of the better baseline's L1


@dataclass
class Row:
    """One method's scores on the held-out images."""

    name: str
    l1: float
    l1_sem: float
    realism: float
    seconds: float = 0.0


def l1_scores(outputs: list[np.ndarray], truths: list[np.ndarray]) -> tuple[float, float]:
    """Mean absolute error in grey levels (0-255) and its standard error over images."""
    per_image = [
        float(np.mean(np.abs(o.astype(np.float64) - t.astype(np.float64))))
        for o, t in zip(outputs, truths, strict=True)
    ]
    sem = float(np.std(per_image, ddof=1) / np.sqrt(len(per_image))) if len(per_image) > 1 else 0.0
    return float(np.mean(per_image)), sem


def score(
    name: str, outputs: list[np.ndarray], truths: list[np.ndarray], seconds: float = 0.0
) -> Row:
    mean, sem = l1_scores(outputs, truths)
    return Row(name, mean, sem, realism(outputs, truths), seconds)


def run_model(
    bundle: ModelBundle,
    inputs: list[np.ndarray],
    scale: str = "trained",
    direction: str | None = None,
    device: str = "cpu",
) -> tuple[list[np.ndarray], float]:
    """The model's outputs as the app and CLI make them (`translate_at_scale`)."""
    generator, meta = bundle.translator(direction), bundle.meta
    started = time.perf_counter()
    outputs = [
        translate_at_scale(image, generator, meta, scale=scale, tile=None, device=device).image
        for image in inputs
    ]
    return outputs, (time.perf_counter() - started) / max(1, len(inputs))


def colour_transfer(day: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """`day` with the per-channel mean and standard deviation of the night set."""
    x = day.astype(np.float64)
    own_mean, own_std = x.mean(axis=(0, 1)), x.std(axis=(0, 1)) + 1e-6
    y = (x - own_mean) / own_std * std + mean
    return np.clip(np.rint(y), 0, 255).astype(np.uint8)


def write_grid(path: Path, rows: list[tuple[np.ndarray, ...]]) -> None:
    """A PNG of image rows separated by white gutters."""
    gap = 4
    height, width = rows[0][0].shape[:2]
    columns = len(rows[0])
    canvas = np.full(
        (len(rows) * (height + gap) - gap, columns * (width + gap) - gap, 3), 255, np.uint8
    )
    for r, row in enumerate(rows):
        for c, image in enumerate(row):
            y, x = r * (height + gap), c * (width + gap)
            canvas[y : y + height, x : x + width] = image
    path.parent.mkdir(parents=True, exist_ok=True)
    save_image(path, canvas)


def print_table(title: str, rows: list[Row]) -> None:
    print(f"\n### {title}\n")
    print("| method | L1 to truth (grey levels) | realism SWD ↓ | s/image |")
    print("|---|---|---|---|")
    for row in rows:
        seconds = f"{row.seconds:.3f}" if row.seconds else "–"
        print(f"| {row.name} | {row.l1:.2f} ± {row.l1_sem:.2f} | {row.realism:.2f} | {seconds} |")


def evaluate_day2night(
    path: Path, seeds: np.ndarray, size: int, grids: Path | None, device: str = "cpu"
) -> dict:
    bundle = load(path)
    batch = render_landscapes(seeds, size, kinds=("day", "night"))
    days, nights = list(batch.day), list(batch.night)
    train_nights = render_landscapes(
        seed_range("train", BASELINE_IMAGES), size, kinds=("night",)
    ).night.astype(np.float64)
    mean, std = train_nights.mean(axis=(0, 1, 2)), train_nights.std(axis=(0, 1, 2))
    outputs, seconds = run_model(bundle, days, direction="AtoB", device=device)
    rows = [
        score("day2night (G_A)", outputs, nights, seconds),
        score("unchanged day image", days, nights),
        score(
            "colour transfer to the night set",
            [colour_transfer(d, mean, std) for d in days],
            nights,
        ),
    ]
    print_table(f"day2night: day -> night on {len(days)} held-out scenes at {size} px", rows)
    best = min(rows[1].l1, rows[2].l1)
    ok = rows[0].l1 <= CLEARLY * best
    print(f"\nTarget: L1 ≤ {CLEARLY} × the better baseline ({best:.2f}): "
          f"{rows[0].l1:.2f} = {rows[0].l1 / best:.2f}×: {'PASS' if ok else 'FAIL'}")  # fmt: skip
    if grids:
        write_grid(
            grids / "day2night.png", list(zip(days, outputs, nights, strict=True))[:GRID_ROWS]
        )
    return {"rows": [r.__dict__ for r in rows], "pass": ok}


def evaluate_pix2pix(
    name: str, path: Path, kind: str, baseline: Path | None, seeds: np.ndarray, size: int,
    grids: Path | None, scale: str = "trained", device: str = "cpu",
) -> dict:  # fmt: skip
    batch = render_landscapes(seeds, size, kinds=(kind, "day"))
    inputs, truths = list(as_rgb(batch, kind)), list(batch.day)
    mean_image = (
        render_landscapes(seed_range("train", BASELINE_IMAGES), size, kinds=("day",))
        .day.astype(np.float64)
        .mean(axis=0)
    )
    mean_image = np.clip(np.rint(mean_image), 0, 255).astype(np.uint8)
    outputs, seconds = run_model(load(path), inputs, scale, device=device)
    rows = [
        score(name, outputs, truths, seconds),
        score("mean training image", [mean_image] * len(truths), truths),
    ]
    if baseline is not None:
        l1_outputs, l1_seconds = run_model(load(baseline), inputs, scale, device=device)
        rows.append(score("same network, L1 only (λ_GAN 0)", l1_outputs, truths, l1_seconds))
    title = f"{name}: {kind} -> photo on {len(truths)} held-out scenes at {size} px"
    print_table(f"{title} ({scale} scale)", rows)
    verdicts = {
        "L1 below the mean image": rows[0].l1 < rows[1].l1,
        "realism better than the mean image": rows[0].realism < rows[1].realism,
    }
    if baseline is not None:
        verdicts["realism better than L1 only"] = rows[0].realism < rows[2].realism
    print()
    for what, ok in verdicts.items():
        print(f"- {what}: {'PASS' if ok else 'FAIL'}")
    if grids:
        grid_rows = [(i, o, t) for i, o, t in zip(inputs, outputs, truths, strict=True)]
        if baseline is not None:
            grid_rows = [(i, lo, o, t) for (i, o, t), lo in zip(grid_rows, l1_outputs, strict=True)]
        write_grid(grids / f"{name}.png", grid_rows[:GRID_ROWS])
    return {"rows": [r.__dict__ for r in rows], "pass": all(verdicts.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", type=Path, default=Path("resources/models"))
    parser.add_argument("--edges-l1-only", type=Path, help="edges2landscape trained on L1 alone")
    parser.add_argument("--labels-l1-only", type=Path, help="labels2landscape trained on L1 alone")
    parser.add_argument("--images", type=int, default=64, help="held-out scenes (64)")
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument(
        "--scale",
        choices=SCALES,
        default="trained",
        help="pix2pix at the model's trained scale (as the app runs it) or at full size",
    )
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda, cuda:N or mps")
    parser.add_argument("--grids", type=Path, help="write PNG grids here (e.g. docs/models)")
    parser.add_argument(
        "--only", help="comma-separated: day2night,edges2landscape,labels2landscape"
    )
    parser.add_argument("--json", type=Path, help="write the scores here")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    wanted = set((args.only or "day2night,edges2landscape,labels2landscape").split(","))
    seeds = seed_range("test", args.images)
    started, load_start = time.perf_counter(), os.getloadavg()
    results = {}
    print("## Bundled translators against their baselines")
    if "day2night" in wanted:
        results["day2night"] = evaluate_day2night(
            args.models / "day2night.safetensors", seeds, args.size, args.grids, args.device
        )
    for name, kind, baseline in (
        ("edges2landscape", "sketch", args.edges_l1_only),
        ("labels2landscape", "labels", args.labels_l1_only),
    ):
        if name in wanted:
            results[name] = evaluate_pix2pix(
                name, args.models / f"{name}.safetensors", kind, baseline, seeds, args.size,
                args.grids, args.scale, args.device,
            )  # fmt: skip
    print(
        f"\nRun: {(time.perf_counter() - started) / 60:.1f} min on "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch "
        f"{torch.__version__} with {args.threads} threads; load average {load_start[0]:.1f} "
        f"at the start, {os.getloadavg()[0]:.1f} at the end."
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    sys.exit(0 if all(r["pass"] for r in results.values()) else 1)


if __name__ == "__main__":
    main()
