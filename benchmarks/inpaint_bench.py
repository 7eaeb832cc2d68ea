"""Semantic inpainting quality and speed: ganpaint's defaults against the paper's loop.

    .venv/bin/python benchmarks/inpaint_bench.py [--model PATH] [--images 16] [--quick]
        [--seed 0] [--device cpu] [--threads 2] [--defaults-variant iters=120,restarts=8]
        [--no-paper]   # the default model's evidence: defaults against OpenCV only
        [--grid docs/models/landscapes-dcgan64-inpainting.png]   # look at the fills

Images: held-out procedural landscapes (`seed_range("test", ...)`, seeds at or above
HELD_OUT_SEED_START + TEST_OFFSET, which no training run ever sees), rendered at the
model's resolution, so `inpaint`'s region logic is the identity (one square, the whole
image, no scaling) and the comparison isolates the optimisation.

Masks: the paper's four families (Yeh et al. 2017, Fig. 5): a central block (half the
side, 25% of the pixels), a random pattern (random rectangles until ≥ 25% is covered),
80% of the pixels missing at random, and half the image missing (left, right, top,
bottom in turn).

Methods, run side by side on every image (their order rotated per image):
- `defaults`: `inpaint(..., InpaintConfig())`, ganpaint's settings: the fast latent
  search, then each candidate's copy of G tuned on the context (`ganpaint.edit.refine`).
- `defaults, search only`: the same without tuning G (`RefineConfig(steps=0)`): the
  optimiser that the paper's loop is measured against.
- `paper`: Yeh et al. written out here, independently of the engine: one z ~ U(-1, 1),
  `torch.optim.Adam` (lr 0.01, the reference ports' rate; the paper gives none),
  1500 steps, L = ‖W ⊙ (G(z) − y)‖₁ + 0.003·log(1 − D(G(z))), W from a 7×7 window,
  z clipped to [−1, 1] after every step, the final z kept. G and D in eval mode.
- `context only`: the search only, with `prior="none"`.
- `telea`, `ns`: OpenCV's inpainting, radius 3 (the engine's default radius).
- optional `engine paper()` (`--engine-paper`): `InpaintConfig.paper(seed)`, which
  starts from the same z as `paper` above, so the two must agree closely.
- optional `defaults[...]` rows (`--defaults-variant`): other `InpaintConfig` settings
  (`refine_steps=…` and the other `refine_` keys set `RefineConfig` fields).
Every GAN method ends in the same Poisson blend (`ganpaint.edit.blend.blend`).

Metrics (per family, mean over images):
- masked PSNR: over the hole's pixels only (all three channels), in dB, ± the
  standard error over images.
- SSIM: over the whole image (it is model-sized), Gaussian window σ 1.5 (11×11),
  constants of Wang et al. (K1 0.01, K2 0.03), mean over the RGB channels.
- SWD realism (lower is better): sliced Wasserstein-1 distance, in grey levels,
  between the 7×7×3 patches centred on hole pixels in the filled images and the
  originals' patches at the same positions, pooled over the family's images; 256 fixed
  random unit projections (seed 0).
- s/image: wall-clock seconds per image, including the blend.

Target (PASS/FAIL per family): the defaults' latent search (`search only`) within 0.2 dB
of the paper's masked PSNR (or better) at a tenth of its wall time or less, measured in
this run. The full defaults (search + tuning) are listed beside it with their gain and
time ratio; tuning G is extra work the paper does not do, so it has no time target.

Torch uses `--threads` threads (default 2). On a 2-core machine shared with other
jobs, 2 threads ran the paper's loop 7-13× slower than 1 (OpenMP threads waiting for
a descheduled sibling), so there use `--threads 1`; compare ratios, not seconds.

Without `--model` a small DCGAN (32 px) plus encoder is trained once with
`ganpaint-train` into benchmarks/.cache/ and reused: a briefly trained stand-in until
the default models ship.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from ganpaint.convert import image_to_tensor, tensor_to_image
from ganpaint.edit.blend import blend
from ganpaint.edit.gan import GanModel
from ganpaint.edit.inpaint import InpaintConfig, inpaint
from ganpaint.edit.inversion import InversionConfig
from ganpaint.edit.refine import RefineConfig
from ganpaint.landscapes import render_landscapes, seed_range
from ganpaint.landscapes.patches import patches_at as hole_patches
from ganpaint.landscapes.patches import sliced_wasserstein, unit_projections
from ganpaint.models import load
from trainer.grids import save_grid

CACHE = Path(__file__).resolve().parent / ".cache"
FAMILIES = ("central", "pattern", "pixels80", "half")
PAPER_ITERS = 1500
PAPER_LR = 0.01
PAPER_LAMBDA = 0.003
PAPER_WINDOW = 7
TARGET_DB = 0.2
TARGET_TIME = 0.1
SEARCH_ONLY = "defaults, search only"  # the latent search without tuning G: the paper's rival
SWD_PROJECTIONS = 256
GRID_ROWS = 3  # images per family in the --grid PNG

# The stand-in model: sized so that both stages take about 15 minutes on 2 busy cores.
STANDIN_GAN = [
    "gan", "--arch", "dcgan", "--size", "32", "--data", "synthetic:landscapes",
    "--iters", "3000", "--batch", "64", "--ngf", "48", "--ndf", "48", "--nz", "64",
    "--workers", "0", "--synthetic-n", "20000", "--max-minutes", "11",
    "--no-tensorboard", "--seed", "0",
]  # fmt: skip
STANDIN_ENCODER = [
    "encoder", "--iters", "1500", "--batch", "64", "--workers", "0",
    "--synthetic-n", "20000", "--max-minutes", "4", "--no-tensorboard", "--seed", "0",
]  # fmt: skip


# --- model -----------------------------------------------------------------------------


def standin_model(device: str) -> Path:
    """The cached stand-in bundle (G, D, E), trained with ganpaint-train on first use."""
    gan_run, enc_run = CACHE / "gan32", CACHE / "enc32"
    path = enc_run / "model.safetensors"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    trainer = [sys.executable, "-m", "trainer"]
    # One thread per process: on a busy 2-core machine two OpenMP threads ran much slower.
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    if not (gan_run / "model.safetensors").exists():
        print(f"Training the stand-in GAN into {gan_run} (up to ~11 minutes)...", file=sys.stderr)
        subprocess.run(
            [*trainer, *STANDIN_GAN, "-o", str(gan_run), "--device", device], check=True, env=env
        )
    print(f"Training the stand-in encoder into {enc_run} (up to ~4 minutes)...", file=sys.stderr)
    subprocess.run(
        [
            *trainer,
            *STANDIN_ENCODER,
            "--model",
            str(gan_run),
            "-o",
            str(enc_run),
            "--device",
            device,
        ],
        check=True,
        env=env,
    )
    return path


def describe_model(path: Path, bundle, model: GanModel) -> str:
    meta = dict(getattr(bundle, "meta", {}) or {})
    training = meta.get("training") if isinstance(meta.get("training"), dict) else {}
    config = training.get("config") if isinstance(training.get("config"), dict) else {}
    encoder = training.get("encoder") if isinstance(training.get("encoder"), dict) else {}
    facts = []
    if config.get("arch"):
        facts.append(f"{config['arch']} ngf {config.get('ngf')} ndf {config.get('ndf')}")
    if training.get("data"):
        facts.append(f"trained on {training['data']}")
    if training.get("steps") is not None:
        facts.append(f"G/D {training['steps']} steps at batch {config.get('batch')}")
    if encoder.get("steps") is not None:
        facts.append(f"E {encoder['steps']} steps")
    nets = "+".join(n for n, net in (("G", model.G), ("D", model.D), ("E", model.E)) if net)
    return (
        f"{path} ({nets}, {model.resolution} px, nz {model.nz}, {model.latent} latent"
        + "".join(f", {f}" for f in facts)
        + ")"
    )


# --- masks (True = hole) ---------------------------------------------------------------


def make_hole(family: str, size: int, rng: np.random.Generator, index: int) -> np.ndarray:
    hole = np.zeros((size, size), dtype=bool)
    if family == "central":
        a = size // 4
        hole[a : size - a, a : size - a] = True
    elif family == "pattern":
        while hole.mean() < 0.25:
            h, w = rng.integers(max(2, size // 8), size // 3 + 1, size=2)
            top, left = rng.integers(0, size - h + 1), rng.integers(0, size - w + 1)
            hole[top : top + h, left : left + w] = True
    elif family == "pixels80":
        hole = rng.random((size, size)) < 0.8
    elif family == "half":
        half = size // 2
        side = index % 4
        if side == 0:
            hole[:, :half] = True
        elif side == 1:
            hole[:, half:] = True
        elif side == 2:
            hole[:half] = True
        else:
            hole[half:] = True
    else:
        raise ValueError(f"Unknown mask family {family!r}; use {', '.join(FAMILIES)}.")
    return hole


# --- the paper's loop, written out independently of ganpaint.edit -----------------------


def paper_weights(known: torch.Tensor, window: int = PAPER_WINDOW) -> torch.Tensor:
    """W_i = (hole pixels in the window around i) / window² on known pixels, 0 in the hole."""
    kernel = torch.ones(1, 1, window, window, dtype=known.dtype, device=known.device)
    holes_near = F.conv2d(1.0 - known, kernel, padding=window // 2)  # zero padding = not hole
    return holes_near / (window * window) * known


def paper_inpaint(
    image: np.ndarray, hole: np.ndarray, model: GanModel, seed: int, iters: int, device
) -> np.ndarray:
    """Yeh et al. as published: one z, Adam, `iters` steps, clip, λ 0.003, 7×7; Poisson blend."""
    G, D = model.G, model.D
    y = image_to_tensor(image, device=device, channels=model.channels)
    known = torch.from_numpy((~hole).astype(np.float32))[None, None].to(device)
    weights = paper_weights(known)
    bound = 1.0 if model.latent == "uniform" else 3.0
    generator = torch.Generator().manual_seed(seed)
    if model.latent == "uniform":
        z0 = torch.rand(1, model.nz, generator=generator) * 2 - 1
    else:
        z0 = torch.randn(1, model.nz, generator=generator).clamp(-bound, bound)
    z = z0.to(device).requires_grad_(True)
    optimiser = torch.optim.Adam([z], lr=PAPER_LR, betas=(0.9, 0.999))
    training = [(net, net.training) for net in (G, D) if net is not None]
    for net, _ in training:
        net.eval()
    for p in [*G.parameters(), *(D.parameters() if D is not None else [])]:
        p.requires_grad_(False)
    try:
        for _ in range(iters):
            optimiser.zero_grad(set_to_none=True)
            x = G(z.view(1, model.nz, 1, 1))
            context = (weights * (x - y).abs()).sum()
            loss = context
            if D is not None:
                logit = D(x).reshape(())
                loss = loss + PAPER_LAMBDA * F.logsigmoid(-logit)  # log(1 − σ(l))
            loss.backward()
            optimiser.step()
            with torch.no_grad():
                z.clamp_(-bound, bound)
        with torch.no_grad():
            fill = tensor_to_image(G(z.view(1, model.nz, 1, 1))[0].cpu())
    finally:
        for p in [*G.parameters(), *(D.parameters() if D is not None else [])]:
            p.requires_grad_(True)
        for net, mode in training:
            net.train(mode)
    return blend(image, fill, hole, mode="poisson")


# --- metrics ---------------------------------------------------------------------------


def masked_psnr(out: np.ndarray, ref: np.ndarray, hole: np.ndarray) -> float:
    diff = out[hole].astype(np.float64) - ref[hole].astype(np.float64)
    mse = float(np.mean(diff * diff))
    return 99.0 if mse == 0 else 10.0 * np.log10(255.0**2 / mse)


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM over the whole image, Gaussian window σ 1.5 (11×11), mean over channels."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(x: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(x, (11, 11), 1.5, borderType=cv2.BORDER_REFLECT)

    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a * mu_a
    var_b = blur(b * b) - mu_b * mu_b
    cov = blur(a * b) - mu_a * mu_b
    num = (2 * mu_a * mu_b + c1) * (2 * cov + c2)
    den = (mu_a * mu_a + mu_b * mu_b + c1) * (var_a + var_b + c2)
    return float(np.mean(num / den))


# --- the run ---------------------------------------------------------------------------


@dataclass
class Scores:
    psnr: list[float] = field(default_factory=list)
    ssim: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    patches: list[np.ndarray] = field(default_factory=list)
    swd: float = float("nan")


def parse_variant(spec: str) -> tuple[str, InpaintConfig]:
    """'iters=120,refine_steps=0' -> InpaintConfig() with those fields changed.

    Plain keys are InversionConfig or InpaintConfig fields; `refine_KEY` is RefineConfig's KEY.
    """
    base = InpaintConfig()
    top, inv, ref = {}, {}, {}
    inv_fields = {f.name: f for f in dataclasses.fields(InversionConfig)}
    top_fields = {f.name: f for f in dataclasses.fields(InpaintConfig)}
    ref_fields = {f"refine_{f.name}": f.name for f in dataclasses.fields(RefineConfig)}
    for item in filter(None, (s.strip() for s in spec.split(","))):
        key, _, raw = item.partition("=")
        if key in inv_fields:
            current = getattr(base.inversion, key)
        elif key in ref_fields:
            current = getattr(base.refine, ref_fields[key])
        elif key in top_fields and key not in ("inversion", "refine"):
            current = getattr(base, key)
        else:
            raise SystemExit(f"--defaults-variant: unknown setting {key!r} in {spec!r}.")
        if isinstance(current, bool):
            value = raw.lower() in ("1", "true", "yes", "on")
        elif isinstance(current, int):
            value = int(raw)
        elif isinstance(current, float):
            value = float(raw)
        else:
            value = raw
        if key in ref_fields:
            ref[ref_fields[key]] = value
        else:
            (inv if key in inv_fields else top)[key] = value
    config = dataclasses.replace(
        base,
        inversion=dataclasses.replace(base.inversion, **inv),
        refine=dataclasses.replace(base.refine, **ref),
        **top,
    )
    return f"defaults[{spec}]", config


def opencv(flag: int) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    def run(image: np.ndarray, hole: np.ndarray) -> np.ndarray:
        return cv2.inpaint(image, hole.astype(np.uint8), 3.0, flag)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, help="a gan bundle with E (default: stand-in)")
    parser.add_argument("--images", type=int, default=16, help="images per family (16)")
    parser.add_argument("--quick", action="store_true", help="4 images per family")
    parser.add_argument("--seed", type=int, default=0, help="images, masks and restarts")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (2)")
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument(
        "--defaults-variant",
        action="append",
        default=[],
        metavar="K=V,...",
        help="extra row: InpaintConfig() with these InversionConfig/InpaintConfig fields",
    )
    parser.add_argument(
        "--engine-paper", action="store_true", help="also run InpaintConfig.paper()"
    )
    parser.add_argument(
        "--paper-iters", type=int, default=PAPER_ITERS, help="smoke tests only (1500)"
    )
    parser.add_argument(
        "--no-paper",
        action="store_true",
        help="skip the paper's loop (model evidence: defaults against OpenCV only)",
    )
    parser.add_argument("--json", type=Path, help="write the raw scores here")
    parser.add_argument(
        "--grid", type=Path, help=f"PNG of the first {GRID_ROWS} images per family, every method"
    )
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    images_per_family = 4 if args.quick else args.images
    families = [f for f in args.families.split(",") if f]
    for f in families:
        if f not in FAMILIES:
            raise SystemExit(f"Unknown family {f!r}; use {', '.join(FAMILIES)}.")

    path = args.model or standin_model(args.device)
    bundle = load(path)
    model = GanModel.from_bundle(bundle).to(args.device)
    if model.E is None:
        print("note: the model has no encoder; the defaults start from random latents")
    size = model.resolution

    methods: dict[str, Callable[[np.ndarray, np.ndarray, int], np.ndarray]] = {}

    def engine(config: InpaintConfig) -> Callable[[np.ndarray, np.ndarray, int], np.ndarray]:
        def run(image: np.ndarray, hole: np.ndarray, seed: int) -> np.ndarray:
            cfg = config.with_seed(seed)
            return inpaint(image, hole, model, cfg, method="gan", device=args.device).image

        return run

    methods["defaults"] = engine(InpaintConfig())
    if not args.no_paper:
        methods[SEARCH_ONLY] = engine(InpaintConfig(refine=RefineConfig(steps=0)))
    for spec in args.defaults_variant:
        name, config = parse_variant(spec)
        methods[name] = engine(config)
    if not args.no_paper:
        methods["paper"] = lambda image, hole, seed: paper_inpaint(
            image, hole, model, seed, args.paper_iters, args.device
        )
    if args.engine_paper:
        paper_cfg = InpaintConfig.paper()
        if args.paper_iters != PAPER_ITERS:
            paper_cfg = dataclasses.replace(
                paper_cfg,
                inversion=dataclasses.replace(paper_cfg.inversion, iters=args.paper_iters),
            )
        methods["engine paper()"] = engine(paper_cfg)
    if not args.no_paper:
        methods["context only"] = engine(InpaintConfig(prior="none", refine=RefineConfig(steps=0)))
    telea, ns = opencv(cv2.INPAINT_TELEA), opencv(cv2.INPAINT_NS)
    methods["telea"] = lambda image, hole, seed: telea(image, hole)
    methods["ns"] = lambda image, hole, seed: ns(image, hole)
    names = list(methods)

    # Warm-up (not timed): first calls pay for imports (torch.optim imports torch._dynamo),
    # allocator growth and OpenCV initialisation.
    warm = render_landscapes(seed_range("val", 1, 0), size, kinds=("day",)).day[0]
    warm_hole = make_hole("central", size, np.random.default_rng(0), 0)
    for name, run in methods.items():
        if name in ("paper", "engine paper()"):
            paper_inpaint(warm, warm_hole, model, 0, 5, args.device)
        else:
            run(warm, warm_hole, 0)

    seeds = seed_range("test", images_per_family * len(families), base_seed=args.seed * 100_000)
    photos = render_landscapes(seeds, size, kinds=("day",)).day
    projections = unit_projections(SWD_PROJECTIONS)

    load_start = os.getloadavg()
    t_run = time.perf_counter()
    results: dict[str, dict[str, Scores]] = {}
    grid_rows: list[list[np.ndarray]] = []
    originals: dict[str, np.ndarray] = {}
    for fi, family in enumerate(families):
        scores = {name: Scores() for name in names}
        reference_patches = []
        for i in range(images_per_family):
            k = fi * images_per_family + i
            photo = np.ascontiguousarray(photos[k])
            hole = make_hole(family, size, np.random.default_rng([args.seed, fi, i]), i)
            seed = args.seed * 100_000 + k
            reference_patches.append(hole_patches(photo, hole))
            order = names[k % len(names) :] + names[: k % len(names)]
            outputs: dict[str, np.ndarray] = {}
            for name in order:
                w0, c0 = time.perf_counter(), time.process_time()
                out = outputs[name] = methods[name](photo, hole, seed)
                wall, cpu = time.perf_counter() - w0, time.process_time() - c0
                s = scores[name]
                s.seconds.append(wall)
                s.cpu.append(cpu)
                s.psnr.append(masked_psnr(out, photo, hole))
                s.ssim.append(ssim(out, photo))
                s.patches.append(hole_patches(out, hole))
            if i < GRID_ROWS:
                masked = np.where(hole[..., None], np.uint8(128), photo)
                grid_rows.append([photo, masked, *(outputs[n] for n in names)])
            print(
                f"[{time.perf_counter() - t_run:7.1f}s] {family} {i + 1}/{images_per_family}: "
                + ", ".join(f"{n} {scores[n].psnr[-1]:.2f} dB" for n in names),
                file=sys.stderr,
                flush=True,
            )
        originals[family] = np.concatenate(reference_patches)
        for s in scores.values():
            s.swd = sliced_wasserstein(np.concatenate(s.patches), originals[family], projections)
        results[family] = scores
    load_end = os.getloadavg()
    total = time.perf_counter() - t_run

    report(args, path, bundle, model, families, names, results, images_per_family)
    print(
        f"\nRun: {total / 60:.1f} min on {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, torch {torch.__version__} with {args.threads} threads, "
        f"device {args.device}; load average {load_start[0]:.1f} at the start, "
        f"{load_end[0]:.1f} at the end (other jobs share the machine: compare ratios)."
    )
    if args.grid:
        write_grid(args.grid, grid_rows)
        print(f"\nGrid: {args.grid}: per row truth, hole, then " + ", ".join(names) + ".")
    if args.json:
        raw = {
            fam: {
                n: {
                    "psnr": s.psnr,
                    "ssim": s.ssim,
                    "seconds": s.seconds,
                    "cpu": s.cpu,
                    "swd": s.swd,
                }
                for n, s in sc.items()
            }
            for fam, sc in results.items()
        }
        args.json.write_text(json.dumps(raw, indent=1))


def write_grid(path: Path, rows: list[list[np.ndarray]], scale: int = 2) -> None:
    """Rows of equal-size uint8 images, enlarged `scale`× (nearest), as one PNG grid."""
    images = np.stack([image.repeat(scale, 0).repeat(scale, 1) for row in rows for image in row])
    save_grid(image_to_tensor(images), path, nrow=len(rows[0]), padding=4)


def _mean_sem(values: list[float]) -> tuple[float, float]:
    v = np.asarray(values, dtype=np.float64)
    sem = float(v.std(ddof=1) / np.sqrt(len(v))) if len(v) > 1 else float("nan")
    return float(v.mean()), sem


def report(args, path, bundle, model, families, names, results, n_images) -> None:
    standin = args.model is None
    print(f"## Inpainting: ganpaint defaults vs the paper's loop ({n_images} images per family)\n")
    print(f"Model: {describe_model(path, bundle, model)}.")
    if standin:
        print(
            "This is a briefly trained stand-in (benchmarks/.cache/, trained by this script "
            "with ganpaint-train), used until the default models ship."
        )
    print(
        f"Images: held-out procedural landscapes at the model's {model.resolution} px "
        "(the region logic is the identity). Masked PSNR over hole pixels (± s.e.m.); "
        "SSIM over the whole image (Gaussian σ 1.5); SWD = sliced Wasserstein distance "
        "of 7×7 hole patches to the originals' (grey levels, lower is better); "
        "wall seconds per image."
    )
    if args.paper_iters != PAPER_ITERS:
        print(f"\n**paper loop shortened to {args.paper_iters} steps (smoke test only)**")
    print("\n| family | method | masked PSNR (dB) | SSIM | SWD realism ↓ | s/image |")
    print("|---|---|---|---|---|---|")
    for family in families:
        for name in names:
            s = results[family][name]
            m, e = _mean_sem(s.psnr)
            print(
                f"| {family} | {name} | {m:.2f} ± {e:.2f} | {np.mean(s.ssim):.3f} | "
                f"{s.swd:.1f} | {np.mean(s.seconds):.3f} |"
            )

    candidates = [n for n in names if n == SEARCH_ONLY or n.startswith("defaults[")]
    if "paper" in names:
        _paper_targets(families, names, candidates, results)
    _opencv_comparison(families, results)


def _paper_targets(families, names, candidates, results) -> None:
    print(f"\nTarget: masked PSNR ≥ paper − {TARGET_DB} dB at ≤ {TARGET_TIME:g}× its wall time.")
    print(
        "\n| family | method | ΔdB vs paper (paired ± s.e.m.) | time ratio wall (CPU) | verdict |"
    )
    print("|---|---|---|---|---|")
    for family in families:
        paper = results[family]["paper"]
        for name in candidates:
            s = results[family][name]
            delta, sem = _mean_sem(list(np.subtract(s.psnr, paper.psnr)))
            ratio = float(np.sum(s.seconds) / np.sum(paper.seconds))
            cpu_ratio = float(np.sum(s.cpu) / max(np.sum(paper.cpu), 1e-9))
            ok = delta >= -TARGET_DB and ratio <= TARGET_TIME
            miss = []
            if delta < -TARGET_DB:
                miss.append(f"{-TARGET_DB - delta:.2f} dB short")
            if ratio > TARGET_TIME:
                miss.append(f"{ratio / TARGET_TIME:.2f}× too slow")
            verdict = "PASS" if ok else "FAIL (" + ", ".join(miss) + ")"
            print(
                f"| {family} | {name} | {delta:+.2f} ± {sem:.2f} | {ratio:.3f} ({cpu_ratio:.3f}) "
                f"| {verdict} |"
            )
        s = results[family]["defaults"]
        delta, sem = _mean_sem(list(np.subtract(s.psnr, paper.psnr)))
        ratio = float(np.sum(s.seconds) / np.sum(paper.seconds))
        row = f"| {family} | defaults (search + tuning G) | {delta:+.2f} ± {sem:.2f}"
        print(f"{row} | {ratio:.3f} | |")
        if "engine paper()" in names:
            s = results[family]["engine paper()"]
            delta, sem = _mean_sem(list(np.subtract(s.psnr, paper.psnr)))
            print(f"| {family} | engine paper() (same start z) | {delta:+.2f} ± {sem:.2f} | | |")


def _opencv_comparison(families, results) -> None:
    print("\nGAN (defaults) vs the better OpenCV method per metric:")
    for family in families:
        r = results[family]
        gan = r["defaults"]
        parts = []
        for metric, better_high in (("psnr", True), ("ssim", True), ("swd", False)):

            def value(s: Scores, metric: str = metric) -> float:
                return s.swd if metric == "swd" else float(np.mean(getattr(s, metric)))

            cv_name = max(
                ("telea", "ns"), key=lambda n: value(r[n]) if better_high else -value(r[n])
            )
            g, c = value(gan), value(r[cv_name])
            wins = g > c if better_high else g < c
            label = {"psnr": "PSNR", "ssim": "SSIM", "swd": "SWD"}[metric]
            parts.append(f"{label} {'wins' if wins else 'loses'} ({g:.3g} vs {cv_name} {c:.3g})")
        print(f"- {family}: " + "; ".join(parts))
    # The default model's targets (default-models issue): ≥ 1 dB over Telea on central
    # holes; better realism (SWD) than both OpenCV methods on central and half holes.
    print("\nDefault-model targets:")
    if "central" in results:
        r = results["central"]
        gain = float(np.mean(r["defaults"].psnr) - np.mean(r["telea"].psnr))
        print(f"- central, masked PSNR − Telea ≥ 1 dB: {gain:+.2f} dB: "
              f"{'PASS' if gain >= 1.0 else 'FAIL'}")  # fmt: skip
    for family in ("central", "half"):
        if family in results:
            r = results[family]
            best_cv = min(r["telea"].swd, r["ns"].swd)
            ok = r["defaults"].swd < best_cv
            print(f"- {family}, SWD below both OpenCV methods: {r['defaults'].swd:.2f} vs "
                  f"{best_cv:.2f}: {'PASS' if ok else 'FAIL'}")  # fmt: skip


if __name__ == "__main__":
    main()
