"""How long one live run of the semantic brushes takes at 512 px: SPADE against today.

    .venv/bin/python benchmarks/labels_live_bench.py [--model SPADE.safetensors]
        [--config resources/models/configs/labels2scene-spade.toml] [--side 512]
        [--repeats 10] [--threads 2] [--device cpu|cuda] [--json OUT]

Live mode re-runs Image from Labels after each stroke; the issue's target is a
stroke's result in at most 150 ms for a 512 px label map on the 2-core CPU. Timed is
what the worker does after the model is loaded, exactly as the app calls it:

- spade, live: `ganpaint.edit.semantic.image_from_labels` (gaps filled from the
  nearest class, one-hot, G, uint8) in the dusk example's style, its code already
  taken (the app keeps each style's code, so every stroke after the first pays this);
- spade, a new style: the same plus `style_code` of the picture (a style's first run);
- spade, no style: the code the model's style guess reads from the map, or none at all
  (its mean style) when it has no guess;
- baseline: the bundled labels2landscape pix2pix through
  `ganpaint.edit.trained_scale.translate_at_scale` on `labels_input` (as the app runs
  it: shrunk to its trained 143 px scale and scaled back).

Without `--model`, the SPADE generator and encoder are built from `--config` with
random weights (speed does not depend on them), so the architecture's speed can be
measured before a run has finished. Each variant: one warm-up run, then the median
and the fastest of `--repeats`; the ratio is SPADE's median over the baseline's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 0.150


def label_map(side: int) -> np.ndarray:
    """A painted landscape: a few strokes of each class, the rest unlabelled (as painted)."""
    from ganpaint.labels import GRASS, MOUNTAIN, SKY, SUN, TREE, UNLABELLED, WATER

    ids = np.full((side, side), UNLABELLED, np.uint8)
    s = side / 512
    ids[: int(40 * s)] = SKY
    ids[int(180 * s) : int(300 * s), int(60 * s) : int(420 * s)] = MOUNTAIN
    ids[int(330 * s) : int(380 * s), int(100 * s) : int(350 * s)] = WATER
    ids[int(440 * s) :] = GRASS
    ids[int(300 * s) : int(420 * s), int(400 * s) : int(460 * s)] = TREE
    ids[int(60 * s) : int(100 * s), int(380 * s) : int(420 * s)] = SUN
    return ids


def spade_bundle(model: Path | None, config_path: Path):
    """The SPADE model to time: the file, or the config's architecture untrained."""
    from ganpaint.models import load
    from ganpaint.models.bundle import ModelBundle
    from ganpaint.models.spade import SpadeGenerator, SpadeStyleEncoder
    from trainer.config import load_config
    from trainer.spade import CLASSES, SpadeConfig, encoder_layers

    if model is not None:
        return load(model, device="cpu")
    config = load_config(SpadeConfig, config_path)
    generator = SpadeGenerator(
        label_nc=CLASSES, ngf=config.ngf, n_up=config.n_up, style_dim=config.style_dim,
        spade_hidden=config.spade_hidden, norm=config.norm, out_upsample=config.out_upsample,
    )  # fmt: skip
    encoder = SpadeStyleEncoder(
        ndf=config.ngf, style_dim=config.style_dim, image_size=config.size,
        n_layers=encoder_layers(config.size),
    )  # fmt: skip
    meta = {"name": f"{config.name} (untrained)", "training": {"config": vars(config)}}
    return ModelBundle.create("spade", {"G": generator, "E": encoder}, meta).eval()


def timed(run: Callable[[], object], repeats: int) -> dict[str, float]:
    run()  # warm-up: PyTorch's first pass pays for allocations and kernel choice
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()  # every variant ends in a uint8 picture on the CPU: the GPU work is done
        times.append(time.perf_counter() - start)
    return {"median_s": statistics.median(times), "best_s": min(times)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, help="a SPADE model file (default: untrained)")
    parser.add_argument(
        "--config", type=Path, default=ROOT / "resources/models/configs/labels2scene-spade.toml"
    )
    parser.add_argument("--baseline", type=Path, help="pix2pix labels model (default: bundled)")
    parser.add_argument("--side", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda, cuda:N or mps")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    from ganpaint.edit.inputs import labels_input
    from ganpaint.edit.semantic import image_from_labels, style_code, style_examples
    from ganpaint.edit.trained_scale import translate_at_scale
    from ganpaint.models import load
    from ganpaint.paths import bundled_models_dir

    labels = label_map(args.side)
    spade = spade_bundle(args.model, args.config).to(args.device)
    dusk = style_examples()["dusk"]
    baseline = load(args.baseline or bundled_models_dir() / "labels2landscape.safetensors")
    baseline = baseline.to(args.device)
    rgb = labels_input(labels)
    assert rgb is not None
    net = baseline.translator()
    code = style_code(spade, dusk)
    runs = {
        "spade, live (dusk style)": lambda: image_from_labels(spade, labels, code),
        "spade, a new style": lambda: image_from_labels(spade, labels, style_code(spade, dusk)),
        f"spade, no style ({'guessed from the map' if 'S' in spade.nets else 'mean'})": lambda: (
            image_from_labels(spade, labels)
        ),
        f"baseline: {baseline.name} (pix2pix)": lambda: translate_at_scale(
            rgb, net, baseline.meta, device=args.device
        ),
    }
    results = {name: timed(run, args.repeats) for name, run in runs.items()}
    base = results[f"baseline: {baseline.name} (pix2pix)"]["median_s"]
    print(
        f"Live labels run at {args.side}x{args.side} px on {args.device}, {args.threads} threads, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"load {os.getloadavg()[0]:.1f}; SPADE: {spade.name}"
    )
    print(f"{'variant':<44} {'median':>9} {'best':>9} {'vs baseline':>12}")
    for name, row in results.items():
        ratio = row["median_s"] / base
        median, best = row["median_s"] * 1000, row["best_s"] * 1000
        print(f"{name:<44} {median:7.0f}ms {best:7.0f}ms {ratio:11.2f}x")
    spade_s = results["spade, live (dusk style)"]["median_s"]
    verdict = "meets" if spade_s <= TARGET_S else "misses"
    print(f"Target: a stroke's result in <= {TARGET_S * 1000:.0f} ms: SPADE {verdict} it "
          f"({spade_s * 1000:.0f} ms).")  # fmt: skip
    if args.json:
        summary = {"side": args.side, "device": args.device, "results": results}
        args.json.write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
