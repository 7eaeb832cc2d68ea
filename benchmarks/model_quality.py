"""How good the bundled translators are, against the baselines their model cards name.

    .venv/bin/python benchmarks/model_quality.py [--models resources/models]
        [--edges-l1-only RUN/model.safetensors] [--labels-l1-only RUN/model.safetensors]
        [--day2night-l1-only MODEL]
        [--spade RUN/model.safetensors [--spade-l1-only RUN/model.safetensors]
         [--spade-name NAME]]
        [--candidate edges2landscape=RUN/model.safetensors ...]
        [--candidate-l1-only edges2landscape=TWIN/model.safetensors ...]
        [--images 64] [--size 128] [--scale trained|full] [--threads 1] [--grids docs/models]
        [--only day2night,edges2landscape,labels2landscape,spade] [--json OUT]

Images: held-out procedural landscapes (`seed_range("test", ...)`, seeds no training run
sees), rendered at `--size` (the models trained on 128 px crops of 143 px renders, so
128 keeps their scale). The procedural data knows every scene's true night rendering,
sketch, label map and daylight photo, so each output is compared with the truth.

- day2night (CycleGAN, day -> night): L1 to the true night image, in grey levels,
  against two baselines: the unchanged day image, and a global colour transfer that
  gives each day image the night training set's per-channel mean and standard
  deviation (statistics from 256 training-split night renders). Target: clearly below
  both (here: at most 0.8 times the better baseline). `--day2night-l1-only`: a row for
  a paired day -> night model trained with L1 alone, beside a `--candidate` trained with
  the GAN loss too. The other way, night -> day (G_B, which the app offers too), is
  scored against the true day and the mean training image, with no target.
- edges2landscape, labels2landscape (pix2pix): L1 to the true photo and the realism
  score, against the mean training image (256 training-split photos) and, when given,
  the same network trained with L1 alone (`--lambda-gan 0`). Target: L1 below the mean
  image's; realism better than both baselines.
- SPADE (`--spade`, issue 21): the same held-out label maps as labels2landscape (class
  ids, run through `ganpaint.edit.semantic.image_from_labels` as the app and the CLI run
  it) to the same true daylight photos, (a) with the style code of the true photo
  (`style_code`) and (b) without a style input (the light the map suggests when the
  model has a style guess, `ganpaint-train style-guess`, else its mean style); side by side
  with today's labels2landscape, the mean training image and, when given, the same
  architecture trained with L1 / feature matching only (`--spade-l1-only`). Target as
  for pix2pix: L1 below the mean image's, realism better than it (and than the L1-only
  network, when given).
- `--candidate NAME=MODEL` (issue 21): a retrained day2night, edges2landscape or
  labels2landscape gets its row beside the bundled one, in the same run on the same
  scenes, and a column in the grid; its targets: L1 and realism each at most 0.75 ×
  the bundled model's, artefacts at most 1.5 (not in the exit status).

Realism: `ganpaint.landscapes.patches.realism`, the sliced Wasserstein distance between the
7×7 patches of the outputs and of the true images (grey levels, lower is better; it
does not reward a blurry average the way L1 does).

Artefacts: `trainer.metrics.artefacts.artefact_score`, how far the outputs' spectrum rises
at the checkerboard frequencies of a 2× and 4× upsampling above its neighbourhood,
relative to the true images' (geometric mean over the images; 1 = as clean as the truth).

The exit status is 0 when every model meets its card's targets above. Issue 21's
targets (artefact score ≤ 1.5 for every translator; SPADE with the true render's style:
L1 ≤ 0.6× and realism ≤ 0.5× today's labels2landscape; SPADE without a style: better
than today's on both) are printed with their ratios and written to `--json`, but do not
set the exit status: the first bundled translators were made before them.

Every pix2pix and CycleGAN model runs through `ganpaint.edit.trained_scale.translate_at_scale`,
as the app and the CLI run it: at `--size` above the trained 143 px, the pix2pix models
translate a shrunken copy and the result is scaled back (`--scale full` feeds the full
size). SPADE models shrink label maps larger than the scenes they trained on
themselves (`ganpaint.edit.semantic.working_size`).

Grids (`--grids`): for each model, rows of input | output | truth on 6 held-out scenes;
for SPADE, labels | with the true style | mean style | truth (`NAME.png`) and
today's labels2landscape | SPADE with the true style | L1-only SPADE (when given) | mean
image | truth (`labels-side-by-side.png`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from ganpaint.edit.semantic import (
    guesses_style,
    has_styles,
    image_from_labels,
    image_from_sketch,
    reads_sketches,
    style_code,
)
from ganpaint.edit.trained_scale import SCALES, translate_at_scale
from ganpaint.imageio import save_image
from ganpaint.labels import label_map_in
from ganpaint.landscapes import as_rgb, render_landscapes, seed_range
from ganpaint.landscapes.patches import realism
from ganpaint.models import ModelBundle, load
from trainer.metrics.artefacts import CHECKERBOARD_PERIODS, MIN_SPACING, artefact_score

BASELINE_IMAGES = 256
GRID_ROWS = 6
CLEARLY = 0.8  # "clearly below": at most this fraction of the better baseline's L1
# Issue 21's targets
MAX_ARTEFACT = 1.5
SPADE_L1_VS_TODAY = 0.6
SPADE_SWD_VS_TODAY = 0.5
BUNDLED = ("day2night", "edges2landscape", "labels2landscape")
PIX2PIX_NAMES = ("edges2landscape", "labels2landscape")


@dataclass
class Row:
    """One method's scores on the held-out images."""

    name: str
    l1: float
    l1_sem: float
    realism: float
    artefact: float
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
    """L1, realism and the artefact score of `outputs` against `truths`."""
    mean, sem = l1_scores(outputs, truths)
    return Row(name, mean, sem, realism(outputs, truths), artefact_score(outputs, truths), seconds)


def run_model(
    bundle: ModelBundle,
    inputs: list[np.ndarray],
    scale: str = "trained",
    direction: str | None = None,
    device: str = "cpu",
) -> tuple[list[np.ndarray], float]:
    """The model's outputs as the app and CLI make them (`translate_at_scale`)."""
    generator, meta = bundle.translator(direction), bundle.meta
    stars = bundle.star_head(direction)
    started = time.perf_counter()
    outputs = [
        translate_at_scale(
            image, generator, meta, scale=scale, tile=None, device=device, stars=stars
        ).image
        for image in inputs
    ]
    return outputs, (time.perf_counter() - started) / max(1, len(inputs))


def run_spade(
    bundle: ModelBundle, inputs: list[np.ndarray], styles: list[np.ndarray] | None
) -> tuple[list[np.ndarray], float]:
    """SPADE's pictures for `inputs` (class ids, or sketches for a sketch model) as the
    app makes them (`image_from_labels`, `image_from_sketch`), each in the style of the
    picture beside it in `styles` (None: the guessed or mean style); the time per image
    includes the style encoding."""
    draw = image_from_sketch if reads_sketches(bundle.meta) else image_from_labels
    started = time.perf_counter()
    outputs = []
    for index, drawn in enumerate(inputs):
        code = style_code(bundle, styles[index]) if styles is not None else None
        outputs.append(draw(bundle, drawn, code).image)
    return outputs, (time.perf_counter() - started) / max(1, len(inputs))


def spade_rows(
    label: str, bundle: ModelBundle, inputs: list[np.ndarray], truths: list[np.ndarray]
) -> tuple[list[Row], list[np.ndarray] | None, list[np.ndarray]]:
    """A SPADE model's rows and outputs with the true render's style (None without a
    style encoder) and without a style input (guessed, or the mean style)."""
    rows, styled = [], None
    if has_styles(bundle):
        styled, seconds = run_spade(bundle, inputs, truths)
        rows.append(score(f"{label}, style of the true render", styled, truths, seconds))
    plain, seconds = run_spade(bundle, inputs, None)
    source = "sketch" if reads_sketches(bundle.meta) else "map"
    plain_name = f"guessed from the {source}" if guesses_style(bundle.meta) else "mean style"
    rows.append(score(f"{label}, {plain_name} (no style input)", plain, truths, seconds))
    return rows, styled, plain


def colour_transfer(day: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """`day` with the per-channel mean and standard deviation of the night set."""
    x = day.astype(np.float64)
    own_mean, own_std = x.mean(axis=(0, 1)), x.std(axis=(0, 1)) + 1e-6
    y = (x - own_mean) / own_std * std + mean
    return np.clip(np.rint(y), 0, 255).astype(np.uint8)


def night_statistics(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and standard deviation of 256 training-split night renders: what
    the colour-transfer baseline moves a day's colours to."""
    nights = render_landscapes(seed_range("train", BASELINE_IMAGES), size, kinds=("night",))
    pixels = nights.night.astype(np.float64)
    return pixels.mean(axis=(0, 1, 2)), pixels.std(axis=(0, 1, 2))


@lru_cache(maxsize=2)
def mean_training_image(size: int) -> np.ndarray:
    """The mean of 256 training-split daylight photos, uint8: the blurry-average baseline."""
    days = render_landscapes(seed_range("train", BASELINE_IMAGES), size, kinds=("day",)).day
    return np.clip(np.rint(days.astype(np.float64).mean(axis=0)), 0, 255).astype(np.uint8)


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
    print(
        "| method | L1 to truth (grey levels) | realism SWD ↓ | artefacts ↓ (truth 1) | s/image |"
    )
    print("|---|---|---|---|---|")
    for row in rows:
        seconds = f"{row.seconds:.3f}" if row.seconds else "–"
        print(
            f"| {row.name} | {row.l1:.2f} ± {row.l1_sem:.2f} | {row.realism:.2f} | "
            f"{row.artefact:.2f} | {seconds} |"
        )


def print_verdicts(title: str, verdicts: dict[str, bool]) -> None:
    print(f"\n{title}")
    for what, ok in verdicts.items():
        print(f"- {what}: {'PASS' if ok else 'FAIL'}")


def artefact_target(row: Row) -> dict[str, bool]:
    """Issue 21: a translator's artefact score at most 1.5."""
    return {f"{row.name}: artefact score {row.artefact:.2f} ≤ {MAX_ARTEFACT}": (
        row.artefact <= MAX_ARTEFACT
    )}  # fmt: skip


def retrained_targets(new: Row, today: Row) -> dict[str, bool]:
    """Issue 21: a retrained translator's L1 and realism SWD each at most 0.75 × today's,
    and its artefact score at most 1.5."""
    targets = artefact_target(new)
    for what, mine, theirs in (
        ("L1", new.l1, today.l1),
        ("realism SWD", new.realism, today.realism),
    ):
        targets[f"{new.name}: {what} {mine:.2f} = {mine / theirs:.2f} × today's ≤ 0.75"] = (
            mine <= 0.75 * theirs
        )
    return targets


def evaluate_day2night(
    path: Path, seeds: np.ndarray, size: int, grids: Path | None, device: str = "cpu",
    candidate: Path | None = None, l1_only: Path | None = None,
) -> dict:  # fmt: skip
    bundle = load(path)
    batch = render_landscapes(seeds, size, kinds=("day", "night"))
    days, nights = list(batch.day), list(batch.night)
    mean, std = night_statistics(size)
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
    l1_outputs = None
    if l1_only is not None:
        l1_outputs, l1_seconds = run_model(load(l1_only), days, direction="AtoB", device=device)
        rows.append(score(f"L1 only, λ_GAN 0 ({l1_only.stem})", l1_outputs, nights, l1_seconds))
    retrained = None
    other = load(candidate) if candidate is not None else None
    if candidate is not None and other is not None:
        retrained, cand_seconds = run_model(other, days, direction="AtoB", device=device)
        rows.append(
            score(f"day2night retrained ({candidate.stem})", retrained, nights, cand_seconds)
        )
    print_table(f"day2night: day -> night on {len(days)} held-out scenes at {size} px", rows)
    best = min(rows[1].l1, rows[2].l1)
    ok = rows[0].l1 <= CLEARLY * best
    print(f"\nTarget: L1 ≤ {CLEARLY} × the better baseline ({best:.2f}): "
          f"{rows[0].l1:.2f} = {rows[0].l1 / best:.2f}×: {'PASS' if ok else 'FAIL'}")  # fmt: skip
    targets = artefact_target(rows[0])
    if retrained is not None:
        targets.update(retrained_targets(rows[-1], rows[0]))
    print_verdicts("Issue 21 targets (not in the exit status):", targets)
    reverse = evaluate_night2day(bundle, other, days, nights, device)
    if grids:
        extra = [found for found in (l1_outputs, retrained) if found is not None]
        columns = [days, outputs, *extra, nights]
        write_grid(grids / "day2night.png", list(zip(*columns, strict=True))[:GRID_ROWS])
    return {
        "rows": [r.__dict__ for r in rows],
        "pass": ok,
        "targets": targets,
        "night2day": [r.__dict__ for r in reverse],
    }


def evaluate_night2day(
    bundle: ModelBundle, candidate: ModelBundle | None, days: list[np.ndarray],
    nights: list[np.ndarray], device: str = "cpu",
) -> list[Row]:  # fmt: skip
    """The other way, night -> day (G_B), of the bundled model and of a two-way candidate,
    against the mean training image: the app offers both directions of a CycleGAN file.
    No target: a night does not say what colours the day had."""
    outputs, seconds = run_model(bundle, nights, direction="BtoA", device=device)
    rows = [score("day2night G_B (night -> day)", outputs, days, seconds)]
    if candidate is not None and candidate.kind == "cyclegan":
        outputs, seconds = run_model(candidate, nights, direction="BtoA", device=device)
        stem = candidate.path.stem if candidate.path else candidate.name
        rows.append(score(f"retrained G_B ({stem})", outputs, days, seconds))
    mean_image = mean_training_image(days[0].shape[0])
    rows.append(score("mean training image", [mean_image] * len(days), days))
    print_table(f"night -> day on the same {len(days)} scenes (no target)", rows)
    return rows


def evaluate_pix2pix(
    name: str, path: Path, kind: str, baseline: Path | None, seeds: np.ndarray, size: int,
    grids: Path | None, scale: str = "trained", device: str = "cpu",
    candidate: Path | None = None, candidate_l1_only: Path | None = None,
) -> tuple[dict, list[np.ndarray]]:  # fmt: skip
    """The scores, verdicts and targets of a bundled sketch or labels model (pix2pix, or
    SPADE with and without the true render's style), and its outputs (with the true
    style); beside it a retrained `candidate` of either kind and the candidate's L1 /
    feature-matching-only twin."""
    batch = render_landscapes(seeds, size, kinds=(kind, "day"))
    inputs, truths = list(as_rgb(batch, kind)), list(batch.day)
    mean_image = mean_training_image(size)
    own_rows, outputs = candidate_run(name, path, kind, inputs, truths, scale, device)
    mean_row = score("mean training image", [mean_image] * len(truths), truths)
    rows = [*own_rows, mean_row]
    if baseline is not None:
        l1_rows, l1_outputs = candidate_run(
            "same network, L1 only (λ_GAN 0)", baseline, kind, inputs, truths, scale, device
        )
        rows += l1_rows
    retrained, retrained_rows, twin_rows, twin = None, [], [], None
    if candidate is not None:
        retrained_rows, retrained = candidate_run(
            f"{name} retrained ({candidate.stem})", candidate, kind, inputs, truths, scale, device
        )
    if candidate_l1_only is not None:
        twin_rows, twin = candidate_run(
            f"retrained, L1 / feature matching only ({candidate_l1_only.stem})",
            candidate_l1_only, kind, inputs, truths, scale, device,
        )  # fmt: skip
    rows += retrained_rows + twin_rows
    title = f"{name}: {kind} -> photo on {len(truths)} held-out scenes at {size} px"
    print_table(f"{title} ({scale} scale)", rows)
    today = own_rows[0]  # a SPADE model: with the true render's style
    verdicts = {
        "L1 below the mean image": today.l1 < mean_row.l1,
        "realism better than the mean image": today.realism < mean_row.realism,
    }
    if baseline is not None:
        verdicts["realism better than L1 only"] = today.realism < l1_rows[0].realism
    print()
    for what, ok in verdicts.items():
        print(f"- {what}: {'PASS' if ok else 'FAIL'}")
    targets = {}
    for row in own_rows:
        targets.update(artefact_target(row))
    for row in retrained_rows:  # a SPADE candidate: with and without a style input
        targets.update(retrained_targets(row, today))
    print_verdicts("Issue 21 targets (not in the exit status):", targets)
    if grids:
        columns = [inputs] + ([l1_outputs] if baseline is not None else []) + [outputs]
        columns += [c for c in (retrained, twin) if c is not None] + [truths]
        write_grid(grids / f"{name}.png", list(zip(*columns, strict=True))[:GRID_ROWS])
    result = {
        "rows": [r.__dict__ for r in rows],
        "pass": all(verdicts.values()),
        "targets": targets,
    }
    return result, outputs


def candidate_run(
    label: str, path: Path, kind: str, inputs: list[np.ndarray], truths: list[np.ndarray],
    scale: str, device: str,
) -> tuple[list[Row], list[np.ndarray]]:  # fmt: skip
    """A retrained model's rows and the outputs shown in the grid: a translator as the
    app runs it; a SPADE model with the true render's style first (the one in the grid),
    then without a style input."""
    bundle = load(path, device=device)
    if bundle.kind != "spade":
        outputs, seconds = run_model(bundle, inputs, scale, device=device)
        return [score(label, outputs, truths, seconds)], outputs
    if kind == "labels":
        inputs = [label_map_in(image) for image in inputs]
    rows, styled, plain = spade_rows(label, bundle, inputs, truths)
    return rows, styled if styled is not None else plain


def evaluate_spade(
    name: str, path: Path, l1_only: Path | None, today: Path, seeds: np.ndarray, size: int,
    grids: Path | None, scale: str = "trained", device: str = "cpu",
    today_run: tuple[list[np.ndarray], float] | None = None,
) -> dict:  # fmt: skip
    """SPADE with the true render's style and with its mean style, against today's
    labels2landscape (`today`, or its outputs and time per image when already made), the
    mean training image and the L1 / feature-matching-only twin; the verdicts and issue
    21's targets."""
    batch = render_landscapes(seeds, size, kinds=("labels", "day"))
    labels, truths = list(batch.labels), list(batch.day)
    coloured = list(as_rgb(batch, "labels"))
    mean_image = mean_training_image(size)
    if today_run is None:
        today_run = run_model(load(today), coloured, scale, device=device)
    today_outputs = today_run[0]
    today_row = score("labels2landscape (today's pix2pix)", today_outputs, truths, today_run[1])
    mean_row = score("mean training image", [mean_image] * len(truths), truths)

    new_rows, styled, plain = spade_rows(name, load(path, device=device), labels, truths)
    l1_rows: list[Row] = []
    if l1_only is not None:
        l1_rows, l1_styled, l1_plain = spade_rows(
            f"{name}, L1 / feature matching only", load(l1_only, device=device), labels, truths
        )
    rows = [*new_rows, *l1_rows, today_row, mean_row]
    print_table(f"{name}: labels -> photo on {len(truths)} held-out scenes at {size} px", rows)

    best = new_rows[0]  # with the true render's style when the model takes one
    verdicts = {
        f"{best.name}: L1 below the mean image": best.l1 < mean_row.l1,
        f"{best.name}: realism better than the mean image": best.realism < mean_row.realism,
    }
    if l1_rows:
        verdicts[f"{best.name}: realism better than L1 / feature matching only"] = (
            best.realism < l1_rows[0].realism
        )
    print_verdicts("Against the baselines (the exit status):", verdicts)

    targets: dict[str, bool] = {}
    if styled is not None:
        row = new_rows[0]
        l1_ratio, swd_ratio = row.l1 / today_row.l1, row.realism / today_row.realism
        targets[
            f"style of the true render: L1 ≤ {SPADE_L1_VS_TODAY}× today's {today_row.l1:.2f} "
            f"(≤ {SPADE_L1_VS_TODAY * today_row.l1:.2f}): {row.l1:.2f} = {l1_ratio:.2f}×"
        ] = l1_ratio <= SPADE_L1_VS_TODAY
        targets[
            f"style of the true render: SWD ≤ {SPADE_SWD_VS_TODAY}× today's "
            f"{today_row.realism:.2f} (≤ {SPADE_SWD_VS_TODAY * today_row.realism:.2f}): "
            f"{row.realism:.2f} = {swd_ratio:.2f}×"
        ] = swd_ratio <= SPADE_SWD_VS_TODAY
    else:
        targets["style of the true render: not measured, the model has no style encoder"] = False
    row = new_rows[-1]
    l1_ratio, swd_ratio = row.l1 / today_row.l1, row.realism / today_row.realism
    targets[f"no style input: L1 below today's: {row.l1:.2f} = {l1_ratio:.2f}×"] = l1_ratio < 1
    targets[f"no style input: SWD below today's: {row.realism:.2f} = {swd_ratio:.2f}×"] = (
        swd_ratio < 1
    )
    for spade_row in new_rows:
        targets.update(artefact_target(spade_row))
    print_verdicts("Issue 21 targets (not in the exit status):", targets)

    if grids:
        new = styled if styled is not None else plain
        spade_columns = [coloured, *([styled] if styled is not None else []), plain, truths]
        write_grid(grids / f"{name}.png", list(zip(*spade_columns, strict=True))[:GRID_ROWS])
        columns = [today_outputs, new]
        if l1_only is not None:
            columns.append(l1_styled if l1_styled is not None else l1_plain)
        columns += [[mean_image] * len(truths), truths]
        write_grid(grids / "labels-side-by-side.png", list(zip(*columns, strict=True))[:GRID_ROWS])
    return {
        "rows": [r.__dict__ for r in rows],
        "pass": all(verdicts.values()),
        "targets": targets,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", type=Path, default=Path("resources/models"))
    parser.add_argument("--edges-l1-only", type=Path, help="edges2landscape trained on L1 alone")
    parser.add_argument("--labels-l1-only", type=Path, help="labels2landscape trained on L1 alone")
    parser.add_argument(
        "--day2night-l1-only", type=Path, help="a day -> night model trained on L1 alone"
    )
    parser.add_argument("--spade", type=Path, help="a SPADE model (label maps -> photo) to judge")
    parser.add_argument(
        "--spade-l1-only", type=Path, help="the same SPADE architecture trained without GAN loss"
    )
    parser.add_argument("--spade-name", help="the SPADE model's name in tables and grids")
    parser.add_argument(
        "--candidate",
        action="append",
        default=[],
        metavar="NAME=MODEL",
        help="a retrained day2night, edges2landscape or labels2landscape judged beside the "
        "bundled one in the same run (repeatable); for the two pix2pix names it may be a "
        "SPADE model, judged with and without the true render's style",
    )
    parser.add_argument(
        "--candidate-l1-only",
        action="append",
        default=[],
        metavar="NAME=MODEL",
        help="the candidate's architecture trained without GAN loss, for edges2landscape or "
        "labels2landscape (repeatable)",
    )
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
        "--only",
        help="comma-separated: day2night,edges2landscape,labels2landscape,spade "
        "(default: all; spade only with --spade)",
    )
    parser.add_argument("--json", type=Path, help="write the scores here")
    args = parser.parse_args(argv)
    wanted = set((args.only or ",".join((*BUNDLED, "spade"))).split(","))
    unknown = wanted - {*BUNDLED, "spade"}
    if unknown:
        parser.error(f"--only: unknown {', '.join(sorted(unknown))}")
    if args.only and "spade" in wanted and args.spade is None:
        parser.error("--only spade needs --spade MODEL")
    smallest = MIN_SPACING * max(CHECKERBOARD_PERIODS)
    if args.size < smallest:
        parser.error(f"--size must be at least {smallest} for the artefact score")
    if args.spade_l1_only is not None and args.spade is None:
        parser.error("--spade-l1-only needs --spade MODEL")
    if args.spade is None:
        wanted.discard("spade")
    args.candidates = _named_models(parser, args.candidate, "--candidate", BUNDLED)
    args.candidate_twins = _named_models(
        parser, args.candidate_l1_only, "--candidate-l1-only", PIX2PIX_NAMES
    )
    for name in args.candidate_twins:
        if name not in args.candidates:
            parser.error(f"--candidate-l1-only {name}=… needs --candidate {name}=MODEL")
    args.wanted = wanted
    return args


def _named_models(
    parser: argparse.ArgumentParser, texts: list[str], flag: str, names: tuple[str, ...]
) -> dict[str, Path]:
    """NAME=MODEL options as {name: path}; a usage error for another name or no path."""
    models = {}
    for text in texts:
        name, _, path = text.partition("=")
        if name not in names or not path:
            parser.error(f"{flag} takes NAME=MODEL with NAME one of {', '.join(names)}")
        models[name] = Path(path)
    return models


def main(argv: list[str] | None = None) -> int:
    """Evaluate, print the tables, write --json and --grids; 0 when every verdict passes."""
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    seeds = seed_range("test", args.images)
    started, load_start = time.perf_counter(), os.getloadavg()
    results: dict[str, dict] = {}
    labels_run = None
    print("## Bundled translators against their baselines")
    if "day2night" in args.wanted:
        results["day2night"] = evaluate_day2night(
            args.models / "day2night.safetensors", seeds, args.size, args.grids, args.device,
            args.candidates.get("day2night"), args.day2night_l1_only,
        )  # fmt: skip
    for name, kind, baseline in (
        ("edges2landscape", "sketch", args.edges_l1_only),
        ("labels2landscape", "labels", args.labels_l1_only),
    ):
        if name in args.wanted:
            results[name], outputs = evaluate_pix2pix(
                name, args.models / f"{name}.safetensors", kind, baseline, seeds, args.size,
                args.grids, args.scale, args.device, args.candidates.get(name),
                args.candidate_twins.get(name),
            )  # fmt: skip
            if name == "labels2landscape":  # evaluate_spade compares with them
                labels_run = outputs, results[name]["rows"][0]["seconds"]
    if "spade" in args.wanted:
        name = args.spade_name or load(args.spade).name or args.spade.stem
        results["spade"] = evaluate_spade(
            name, args.spade, args.spade_l1_only, args.models / "labels2landscape.safetensors",
            seeds, args.size, args.grids, args.scale, args.device, labels_run,
        )  # fmt: skip
    print(
        f"\nRun: {(time.perf_counter() - started) / 60:.1f} min on "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch "
        f"{torch.__version__} with {args.threads} threads; load average {load_start[0]:.1f} "
        f"at the start, {os.getloadavg()[0]:.1f} at the end."
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0 if all(r["pass"] for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
