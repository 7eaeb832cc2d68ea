"""Sketch -> night: how the app's Night for a sketch model that never learned one does.

Why: the bundled sketch model (edges2landscape) learned day and dusk only, so its Night
is drawn in the Day example's style and translated with day2night
(`ganpaint.edit.semantic.translated_to_light`), as the app and `ganpaint sketch --style
night` do. This scores that path on held-out procedural scenes against their true
night renders, beside what the model draws when simply given the Night example's style
(what Night gave before it was turned off) and, with `--candidate`, a sketch model that
learned nights (`ganpaint-train spade --data synthetic:landscapes:edges2scene`) in the
Night example's style and in the true night's own. Scores as `model_quality.py`'s: L1 in
grey levels, realism SWD, the artefact score (1 = as clean as the truth).

Run: `.venv/bin/python benchmarks/sketch_night.py [--model
resources/models/edges2landscape.safetensors] [--translator
resources/models/day2night.safetensors] [--candidate EDGES2SCENE.safetensors] [--images
64] [--threads 2] [--grid PNG]`.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))  # siblings, run from anywhere
from model_quality import Row, print_table, run_spade, score, write_grid

from ganpaint.edit.semantic import (
    image_from_sketch,
    light_to_translate_from,
    style_code,
    style_examples,
    translated_to_light,
)
from ganpaint.landscapes import render_landscapes, seed_range
from ganpaint.models import ModelBundle, load

GRID_ROWS = 6


def in_example_style(bundle: ModelBundle, sketches: list[np.ndarray], light: str) -> list:
    """The drawings of `sketches` in the example `light`'s style (SemanticResult each)."""
    code = style_code(bundle, style_examples()[light])
    return [image_from_sketch(bundle, sketch, code) for sketch in sketches]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    models = Path("resources/models")
    parser.add_argument("--model", type=Path, default=models / "edges2landscape.safetensors")
    parser.add_argument("--translator", type=Path, default=models / "day2night.safetensors")
    parser.add_argument("--candidate", type=Path, help="a sketch model that learned nights")
    parser.add_argument("--images", type=int, default=64, help="held-out scenes")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--grid", type=Path, help="write sketch | each method | truth here")
    args = parser.parse_args(argv)
    for flag, value in (("--images", args.images), ("--threads", args.threads)):
        if value < 1:
            parser.error(f"{flag} must be at least 1, not {value}.")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    started, load_start = time.perf_counter(), os.getloadavg()
    batch = render_landscapes(seed_range("test", args.images), 128, kinds=("sketch", "night"))
    sketches, nights = list(batch.sketch), list(batch.night)
    model, translator = load(args.model), load(args.translator)
    first = light_to_translate_from("night", model.meta)
    if first is None:
        print(f"{args.model} learned nights itself; nothing to translate.", file=sys.stderr)
        return 2
    rows: list[Row] = []
    columns = [sketches]

    began = time.perf_counter()
    drawn = in_example_style(model, sketches, first)
    through = [translated_to_light(d, translator, first, "night") for d in drawn]
    each = (time.perf_counter() - began) / len(sketches)
    rows.append(score(f"{model.name}, {first} example, then {translator.name}", through,
                      nights, each))  # fmt: skip
    columns.append(through)
    plain = [d.image for d in in_example_style(model, sketches, "night")]
    rows.append(score(f"{model.name}, the night example's style as is", plain, nights))
    columns.append(plain)
    if args.candidate is not None:
        candidate = load(args.candidate)
        began = time.perf_counter()
        own = [d.image for d in in_example_style(candidate, sketches, "night")]
        each = (time.perf_counter() - began) / len(sketches)
        rows.append(score(f"{candidate.name}, the night example's style", own, nights, each))
        true_style, each = run_spade(candidate, sketches, nights)
        rows.append(score(f"{candidate.name}, the true night's own style", true_style, nights,
                          each))  # fmt: skip
        columns += [own, true_style]
    columns.append(nights)
    print_table(f"sketch -> night on {len(nights)} held-out scenes at 128 px", rows)
    if args.grid:
        write_grid(args.grid, list(zip(*columns, strict=True))[:GRID_ROWS])
        print(f"\nGrid: {args.grid}")
    print(f"\nRun: {(time.perf_counter() - started) / 60:.1f} min on {platform.machine()}, "
          f"{os.cpu_count()} CPUs, torch {torch.__version__} with {args.threads} threads; "
          f"load average {load_start[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the "
          "end.")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
