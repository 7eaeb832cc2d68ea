"""Inpainting real photos: ganpaint against PatchMatch and OpenCV, side by side.

    .venv/bin/python benchmarks/photo_inpaint_bench.py [--split report|tune|all]
        [--methods ganpaint,"gan only","no tuning",patch,telea,ns,patchmatch] [--masks …]
        [--photos N] [--quick] [--seed 0] [--threads 2] [--max-side 768]
        [--cache ~/.cache/ganpaint/photo-bench] [--json results.json]
        [--sheet sheet.png] [--sheet-rows 6]   # docs/photo-inpainting.jpg is one, as JPEG
    .venv/bin/python benchmarks/photo_inpaint_bench.py --speed [--method gan,patch,telea]

Why: `inpaint_bench.py` measures the latent search on model-sized procedural
landscapes, where the GAN knows the content and no scaling happens. Users inpaint
photos the GAN has never seen, at full resolution, next to tools that need no model.
This script asks whether ganpaint's fill looks like photo there: whether it is as
faithful (masked PSNR), has photo-like texture (patch SWD) and keeps the detail of a
photo instead of a smooth blur (high-frequency ratio), and what it costs.

Photos: real photos from Debian packages (`photo_sources.py`: mate-backgrounds'
nature photos, lomiri wallpapers, Stellarium's landscape panoramas, Tux Paint's
photographic stamps on grey), fetched by this script's setup with apt-get into a
cache that is never committed (`--cache`, default ~/.cache/ganpaint/photo-bench). The
fetch is the only network use. Each photo is in the `tune` or the `report` half (a
hash of its name); tune settings on `--split tune`, quote `--split report` (the
default). For the quality part each photo is shrunk so that its long side is at most
`--max-side` (768; smaller photos keep their size: enlarging them would make them
smoother than photos and flatter the blurry methods). `--photos N` takes N photos,
alternating between the sources; `--quick` is 4 photos and the strokes and blob masks.

Masks (True = hole), deterministic per (photo, family, `--seed`):
- `strokes`: a few thick random brush strokes (3–6 % of the short side wide) drawn until
  they cover 5 % of the pixels (5–6 %): what a user paints over a wire or a blemish.
- `blob`: one smooth random blob (a few low harmonics of a circle, stretched and
  turned) of 8–12 % of the image: an object to remove.
- `box`: a quarter-side × quarter-side box (1/16 of the area) at a random place at
  least 1/16 of the side away from the border: the classic benchmark hole.

Methods (each `(image, hole) -> image`; their order rotates from photo to photo):
- `ganpaint`: `inpaint(image, hole, model, InpaintConfig(), method="gan")` with the
  bundled inpainting default, photos-dcgan64 (or `--model`): the default pipeline.
- `gan only`: `InpaintConfig(synthesis=None)`: the GAN fill alone, without the
  full-resolution texture synthesis from the photo's own pixels.
- `no tuning` (only when asked for): the default pipeline without tuning G on the
  hole's context (`refine` steps 0), to measure whether the tuning still pays.
- `patch`: `inpaint(image, hole, None, InpaintConfig(), method="patch")`: ganpaint's
  own non-learned synthesis.
- `telea`, `ns`: OpenCV's `cv2.inpaint`, radius 3.
- `patchmatch`: PyPatchMatch (PyPI `pypatchmatch` 2.2.0), the usual PatchMatch
  baseline; `patch_match.inpaint(image, hole, patch_size=7)` (its patch_size is a
  radius: 15×15 patches; `--patchmatch-size`), random seed fixed per photo. A
  benchmark-only peer, not a ganpaint dependency: `.venv/bin/pip install pypatchmatch`.
  The 2.2.0 wheel ships a prebuilt libpatchmatch.so (nothing to compile on x86-64
  Linux); should pip build it from source elsewhere, it needs a C++ compiler and the
  OpenCV headers: `apt-get install build-essential pkg-config libopencv-dev`.
A method that cannot run here is skipped with a note: PyPatchMatch not installed, or
the ganpaint API for `gan only` / `patch` not there yet (a TypeError or ValueError from
`InpaintConfig(synthesis=...)` or `method="patch"`).

Figures, per method, per mask family and over all (mean over photos):
- masked PSNR (dB, higher is better): over the hole's pixels only, all three channels.
- patch SWD (lower is better): sliced Wasserstein-1 distance, in grey levels, between
  the 7×7×3 patches centred on the hole's pixels in the fill and in the original at the
  same positions, each patch minus its own mean colour (so it scores texture and edges,
  not the colour cast that PSNR already sees); 256 fixed random unit projections (seed
  0, `ganpaint.landscapes.patches`); at most 20,000 patches per photo, a fixed subsample.
- HF ratio (1 = photo-like; below 1 = smoother than the photo): the mean |Laplacian|
  of the grey fill inside the hole over the same for the original.
- s/fill: wall seconds of the method's call on one (photo, mask).
Printed as markdown tables (overall, per family, per source) with the machine, date and
photo count; `--json PATH` writes every per-photo figure. `--sheet PNG` draws a contact
sheet: rows = photos × masks, columns = the masked input (hole magenta), each method's
fill, the original.

Speed (`--speed`): the `ganpaint inpaint` command end to end, each run in a fresh
process with default settings (`--method`, default gan, is passed through: e.g.
`--method gan,patch,telea`), on (a) a 1 MP photo with a 5 % blob hole and (b) a 12 MP
(4000×3000) photo with a 3 % blob hole (`--speed-mask strokes` for strokes), both made
from the largest cached photo (cropped to 4:3, resized with INTER_AREA, or cubic when
enlarging), saved as JPEG. Reported: wall seconds and the child's peak RSS
(`os.wait4`), the lines the command prints besides its progress bars (stage timings,
when it prints them), and PASS/FAIL against the targets: 1 MP ≤ 3 s; 12 MP ≤ 6 s and
peak RSS ≤ 1.5 GB (10⁹ bytes).

Torch uses `--threads` threads (default 2; on a 2-core machine shared with other jobs,
try 1). Compare methods within one run, not seconds across machines.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from ganpaint.landscapes.patches import PATCH, patches_at, sliced_wasserstein, unit_projections

sys.path.insert(0, str(Path(__file__).resolve().parent))  # photo_sources, run from anywhere
import photo_sources
from photo_sources import Photo, stable_int

FAMILIES = ("strokes", "blob", "box")
QUICK_FAMILIES = ("strokes", "blob")
QUICK_PHOTOS = 4
ALL_METHODS = ("ganpaint", "gan only", "no tuning", "patch", "telea", "ns", "patchmatch")
DEFAULT_METHODS = tuple(m for m in ALL_METHODS if m != "no tuning")  # a setting, not a peer
GAN_METHODS = ("ganpaint", "gan only", "no tuning")
MAX_PATCHES = 20_000
SWD_PROJECTIONS = 256
HOLE_COLOR = (255, 0, 255)
CELL = 256
SPEED_CASES = (("1 MP", 1155, 866, 0.05, 3.0, None), ("12 MP", 4000, 3000, 0.03, 6.0, 1.5e9))

Method = Callable[[np.ndarray, np.ndarray], np.ndarray]


# --- masks (bool HxW, True = hole) ------------------------------------------------------


def strokes_mask(
    shape: tuple[int, int], rng: np.random.Generator, coverage: float = 0.05
) -> np.ndarray:
    """Thick random brush strokes, segment by segment until `coverage` is reached."""
    height, width = shape[:2]
    short, long = min(height, width), max(height, width)
    canvas = np.zeros((height, width), np.uint8)
    target = coverage * height * width
    while canvas.sum() < target:
        thickness = max(3, round(rng.uniform(0.03, 0.06) * short))
        x, y = rng.uniform(0.1, 0.9) * width, rng.uniform(0.1, 0.9) * height
        angle = rng.uniform(0.0, 2.0 * math.pi)
        for _ in range(int(rng.integers(3, 7))):
            angle += rng.normal(0.0, 0.7)
            length = rng.uniform(0.05, 0.15) * long
            nx = float(np.clip(x + length * math.cos(angle), 0, width - 1))
            ny = float(np.clip(y + length * math.sin(angle), 0, height - 1))
            cv2.line(canvas, (round(x), round(y)), (round(nx), round(ny)), 1, thickness)
            x, y = nx, ny
            if canvas.sum() >= target:
                break
    return canvas.astype(bool)


def blob_mask(
    shape: tuple[int, int], rng: np.random.Generator, coverage: float | None = None
) -> np.ndarray:
    """One smooth random blob of `coverage` (default 8–12 %) of the pixels, inside the image."""
    height, width = shape[:2]
    coverage = rng.uniform(0.08, 0.12) if coverage is None else coverage
    theta = np.linspace(0.0, 2.0 * math.pi, 360, endpoint=False)
    radius = np.ones_like(theta)
    for k in range(2, 6):
        radius += rng.uniform(0.0, 0.3 / k) * np.cos(k * theta + rng.uniform(0, 2 * math.pi))
    stretch = math.sqrt(rng.uniform(0.7, 1.4))
    turn = rng.uniform(0.0, math.pi)
    x, y = radius * np.cos(theta) * stretch, radius * np.sin(theta) / stretch
    x, y = x * math.cos(turn) - y * math.sin(turn), x * math.sin(turn) + y * math.cos(turn)
    unit_area = 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))
    scale = math.sqrt(coverage * height * width / unit_area)
    margin = 0.02 * min(height, width)
    span_x, span_y = (x.max() - x.min()), (y.max() - y.min())
    scale = min(scale, (width - 2 * margin) / span_x, (height - 2 * margin) / span_y)
    x, y = (x - x.min()) * scale, (y - y.min()) * scale
    left = rng.uniform(margin, max(margin, width - margin - span_x * scale))
    top = rng.uniform(margin, max(margin, height - margin - span_y * scale))
    points = np.stack([x + left, y + top], axis=1)
    canvas = np.zeros((height, width), np.uint8)
    cv2.fillPoly(canvas, [np.round(points * 16).astype(np.int32)], 1, cv2.LINE_8, shift=4)
    return canvas.astype(bool)


def box_mask(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A (height/4)×(width/4) box at least 1/16 of the side away from every border."""
    height, width = shape[:2]
    box_h, box_w = max(1, height // 4), max(1, width // 4)
    top = int(rng.integers(height // 16, height - box_h - height // 16 + 1))
    left = int(rng.integers(width // 16, width - box_w - width // 16 + 1))
    hole = np.zeros((height, width), bool)
    hole[top : top + box_h, left : left + box_w] = True
    return hole


def make_mask(family: str, shape: tuple[int, int], photo_id: str, seed: int = 0) -> np.ndarray:
    """The `family` mask for a photo: the same for the same (photo, family, seed)."""
    rng = np.random.default_rng([stable_int(f"{photo_id}|{family}"), seed])
    if family == "strokes":
        return strokes_mask(shape, rng)
    if family == "blob":
        return blob_mask(shape, rng)
    if family == "box":
        return box_mask(shape, rng)
    raise ValueError(f"Unknown mask family {family!r}; use {', '.join(FAMILIES)}.")


# --- metrics -----------------------------------------------------------------------------


def masked_psnr(fill: np.ndarray, original: np.ndarray, hole: np.ndarray) -> float:
    """PSNR in dB over the hole's pixels (all three channels); inf for an exact fill."""
    diff = fill[hole].astype(np.float64) - original[hole].astype(np.float64)
    mse = float(np.mean(diff * diff)) if diff.size else float("nan")
    if mse == 0.0:
        return float("inf")
    return 10.0 * math.log10(255.0**2 / mse)


_PROJECTIONS: dict[int, np.ndarray] = {}


def _projections(count: int = SWD_PROJECTIONS) -> np.ndarray:
    if count not in _PROJECTIONS:
        _PROJECTIONS[count] = unit_projections(count, PATCH, seed=0)
    return _PROJECTIONS[count]


def _mean_removed(patches: np.ndarray) -> np.ndarray:
    per_channel = patches.reshape(len(patches), 3, PATCH * PATCH)
    return (per_channel - per_channel.mean(axis=2, keepdims=True)).reshape(len(patches), -1)


def patch_centres(hole: np.ndarray, max_patches: int = MAX_PATCHES, seed: int = 0) -> np.ndarray:
    """Bool HxW: the hole pixels whose 7×7 patch lies inside, at most `max_patches` of them."""
    r = PATCH // 2
    centres = np.zeros_like(hole, dtype=bool)
    centres[r:-r, r:-r] = hole[r:-r, r:-r]
    ys, xs = np.nonzero(centres)
    if len(ys) > max_patches:
        pick = np.random.default_rng(seed).choice(len(ys), max_patches, replace=False)
        centres[:] = False
        centres[ys[pick], xs[pick]] = True
    return centres


def patch_swd(
    fill: np.ndarray, original: np.ndarray, hole: np.ndarray, max_patches: int = MAX_PATCHES
) -> float:
    """Sliced Wasserstein-1 between mean-removed 7×7×3 patches of fill and original in the hole."""
    centres = patch_centres(hole, max_patches)
    if not centres.any():
        return float("nan")
    a = _mean_removed(patches_at(fill, centres))
    b = _mean_removed(patches_at(original, centres))
    return sliced_wasserstein(a, b, _projections())


def high_frequency(image: np.ndarray, hole: np.ndarray) -> float:
    """Mean |Laplacian| of the grey image over the hole's pixels."""
    grey = cv2.cvtColor(image.astype(np.float32), cv2.COLOR_RGB2GRAY)
    return float(np.abs(cv2.Laplacian(grey, cv2.CV_32F))[hole].mean())


def hf_ratio(fill: np.ndarray, original: np.ndarray, hole: np.ndarray) -> float:
    """High-frequency energy of the fill over the original's, inside the hole (1 = alike)."""
    reference = high_frequency(original, hole)
    if reference < 1e-6:
        return float("nan")
    return high_frequency(fill, hole) / reference


# --- methods -----------------------------------------------------------------------------


@dataclass
class Runner:
    """A method to compare, or the reason it cannot run here."""

    name: str
    fn: Method | None
    note: str = ""
    probe: bool = False  # the first call decides whether the API exists (TypeError/ValueError)
    timings: dict[str, float] = field(default_factory=dict)  # of the last call, if it says


def _api_missing(error: Exception) -> bool:
    text = str(error)
    return isinstance(error, TypeError | ValueError) and bool(
        re.search(r"synthesis|patch|method|unexpected keyword", text, re.I)
    )


def _priors(args: argparse.Namespace) -> list[tuple[str, str | None]]:
    """(label, model) for each GAN prior: `--prior NAME=MODEL` (repeatable) runs the GAN
    methods once per prior, named "ganpaint [NAME]"; otherwise `--model` (or bundled)."""
    if not args.prior:
        return [("", args.model)]
    priors = []
    for text in args.prior:
        name, sep, model = text.partition("=")
        if not sep or not name.strip() or not model.strip():
            raise SystemExit(f"--prior takes NAME=MODEL, not {text!r}.")
        priors.append((f" [{name.strip()}]", model.strip()))
    return priors


def build_methods(names: list[str], args: argparse.Namespace) -> list[Runner]:
    """The runners for `names`, loading torch and the model only when a GAN method is asked."""
    runners: list[Runner] = []
    needs_ganpaint = any(n in (*GAN_METHODS, "patch") for n in names)
    inpaint = config_cls = None
    models = {}
    if needs_ganpaint:
        import torch

        from ganpaint.edit.gan import GanModel
        from ganpaint.edit.inpaint import InpaintConfig, inpaint
        from ganpaint.models import load, resolve_model

        torch.set_num_threads(args.threads)
        config_cls = InpaintConfig
        if any(n in GAN_METHODS for n in names):
            for label, chosen in _priors(args):
                path = resolve_model(chosen, kind="gan", purpose="inpaint")
                models[label] = GanModel.from_bundle(load(path)).to(args.device)
                print(f"GAN model{label}: {path} ({models[label].resolution} px)")

    for name in names:
        if name in GAN_METHODS:
            for label, model in models.items():
                runners.append(_gan_runner(name + label, name, model, config_cls, inpaint, args))
        elif name == "patch":
            runner = Runner(name, None, probe=True)

            def patch(image, hole, runner=runner):
                result = inpaint(image, hole, None, config_cls(), method="patch")
                runner.timings = dict(getattr(result, "timings", {}) or {})
                return result.image

            runner.fn = patch
            runners.append(runner)
        elif name in ("telea", "ns"):
            flag = cv2.INPAINT_TELEA if name == "telea" else cv2.INPAINT_NS

            def opencv(image, hole, flag=flag):
                return cv2.inpaint(np.ascontiguousarray(image), hole.astype(np.uint8), 3, flag)

            runners.append(Runner(name, opencv))
        elif name == "patchmatch":
            runners.append(_patchmatch_runner(args.patchmatch_size, args.seed))
        else:
            raise SystemExit(f"Unknown method {name!r}; use {', '.join(ALL_METHODS)}.")
    return runners


def _gan_runner(
    title: str, name: str, model: object, config_cls: type, inpaint: Callable, args
) -> Runner:
    try:
        config = config_cls() if name != "gan only" else config_cls(synthesis=None)
    except (TypeError, ValueError) as error:
        return Runner(title, None, f"InpaintConfig(synthesis=None): {error}")
    if name == "no tuning":  # does tuning G on the hole's context still pay?
        config = dataclasses.replace(config, refine=dataclasses.replace(config.refine, steps=0))
    runner = Runner(title, None, probe=True)
    config = config.with_seed(args.seed)

    def gan(image, hole):
        result = inpaint(image, hole, model, config, method="gan", device=args.device)
        runner.timings = dict(result.timings)
        return result.image

    runner.fn = gan
    return runner


def _patchmatch_runner(patch_size: int, seed: int) -> Runner:
    try:
        from patchmatch import patch_match
    except ImportError as error:
        return Runner("patchmatch", None, f"not installed ({error}): pip install pypatchmatch")
    if not getattr(patch_match, "patchmatch_available", True):
        return Runner("patchmatch", None, "PyPatchMatch's native library did not load")

    def run(image: np.ndarray, hole: np.ndarray) -> np.ndarray:
        patch_match.set_random_seed(seed)  # the same fill for the same input
        return patch_match.inpaint(image, hole, patch_size=patch_size)

    return Runner("patchmatch", run)


# --- the quality run ---------------------------------------------------------------------


@dataclass
class Row:
    photo: str
    source: str
    split: str
    width: int
    height: int
    family: str
    coverage: float
    method: str
    psnr: float
    swd: float
    hf: float
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)


def interleave_sources(photos: list[Photo]) -> list[Photo]:
    """The photos alternating between source packages (so `--photos N` sees them all)."""
    groups: dict[str, list[Photo]] = {}
    for photo in photos:
        groups.setdefault(photo.package, []).append(photo)
    order: list[Photo] = []
    queues = [list(g) for g in groups.values()]
    while any(queues):
        for queue in queues:
            if queue:
                order.append(queue.pop(0))
    return order


def run_quality(
    photos: list[Photo], runners: list[Runner], families: tuple[str, ...], args: argparse.Namespace
) -> tuple[list[Row], dict[tuple[str, str], dict[str, np.ndarray]]]:
    """Every method on every (photo, mask); the fills of the contact sheet's pairs kept."""
    sheet_pairs = _sheet_pairs(photos, families, args.sheet_rows) if args.sheet else set()
    kept: dict[tuple[str, str], dict[str, np.ndarray]] = {}
    rows: list[Row] = []
    active = [r for r in runners if r.fn is not None]
    for index, photo in enumerate(photos):
        image = photo_sources.read_photo(args.cache, photo, args.max_side)
        shift = index % max(len(active), 1)
        order = active[shift:] + active[:shift]
        for family in families:
            hole = make_mask(family, image.shape[:2], photo.id, args.seed)
            if (photo.id, family) in sheet_pairs:
                kept[(photo.id, family)] = {"__original__": image, "__hole__": hole}
            for runner in order:
                if runner.fn is None:
                    continue
                start = time.perf_counter()
                try:
                    fill = runner.fn(image, hole)
                except Exception as error:
                    first = not any(r.method == runner.name for r in rows)
                    if runner.probe and first and _api_missing(error):
                        runner.fn = None
                        runner.note = f"{type(error).__name__}: {error}"
                        print(f"note: skipping {runner.name}: {runner.note}", flush=True)
                        continue
                    raise
                seconds = time.perf_counter() - start
                fill = np.asarray(fill, np.uint8)
                rows.append(
                    Row(
                        photo=photo.id,
                        source=photo.package,
                        split=photo.split,
                        width=image.shape[1],
                        height=image.shape[0],
                        family=family,
                        coverage=float(hole.mean()),
                        method=runner.name,
                        psnr=masked_psnr(fill, image, hole),
                        swd=patch_swd(fill, image, hole),
                        hf=hf_ratio(fill, image, hole),
                        seconds=seconds,
                        timings=dict(runner.timings),
                    )
                )
                if (photo.id, family) in kept:
                    kept[(photo.id, family)][runner.name] = fill
        done = [r for r in rows if r.photo == photo.id]
        summary = ", ".join(
            f"{r.name} {np.mean([x.psnr for x in done if x.method == r.name]):.1f} dB"
            for r in runners
            if any(x.method == r.name for x in done)
        )
        print(
            f"[{index + 1}/{len(photos)}] {photo.id} {image.shape[1]}×{image.shape[0]}: {summary}",
            flush=True,
        )
    return rows, kept


# --- report ------------------------------------------------------------------------------


def _finite(values: list[float]) -> list[float]:
    return [v for v in values if math.isfinite(v)]


def _mean(values: list[float]) -> float:
    finite = _finite(values)
    return float(np.mean(finite)) if finite else float("nan")


def _sem(values: list[float]) -> float:
    finite = _finite(values)
    return float(np.std(finite, ddof=1) / math.sqrt(len(finite))) if len(finite) > 1 else 0.0


def summary_table(rows: list[Row], methods: list[str]) -> str:
    """Markdown, one line per method: masked PSNR ± s.e., patch SWD, HF ratio, s/fill."""
    lines = [
        "| method | masked PSNR dB ↑ | patch SWD ↓ | HF ratio (1 = photo) | s/fill | n |",
        "|---|---|---|---|---|---|",
    ]
    for method in methods:
        mine = [r for r in rows if r.method == method]
        if not mine:
            continue
        psnr = [r.psnr for r in mine]
        swd, hf, seconds = (_mean([getattr(r, k) for r in mine]) for k in ("swd", "hf", "seconds"))
        lines.append(
            f"| {method} | {_mean(psnr):.2f} ± {_sem(psnr):.2f} | {swd:.2f} | {hf:.2f} "
            f"| {seconds:.2f} | {len(mine)} |"
        )
    return "\n".join(lines)


def source_table(rows: list[Row], methods: list[str]) -> str:
    """Markdown: PSNR / SWD / HF ratio per method (rows) and source package (columns)."""
    sources = list(dict.fromkeys(r.source for r in rows))
    lines = [
        "| method | " + " | ".join(f"{s} (PSNR / SWD / HF)" for s in sources) + " |",
        "|---" * (len(sources) + 1) + "|",
    ]
    for method in methods:
        cells = []
        for source in sources:
            mine = [r for r in rows if r.method == method and r.source == source]
            if not mine:
                cells.append("–")
                continue
            cells.append(
                f"{_mean([r.psnr for r in mine]):.2f} / {_mean([r.swd for r in mine]):.2f} / "
                f"{_mean([r.hf for r in mine]):.2f}"
            )
        if any(c != "–" for c in cells):
            lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine() -> str:
    """CPU model and core count, as far as the system says."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores"


def report(
    rows: list[Row],
    runners: list[Runner],
    photos: list[Photo],
    families: tuple[str, ...],
    args: argparse.Namespace,
    seconds: float,
) -> str:
    methods = [r.name for r in runners]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    counts = {}
    for photo in photos:
        counts[photo.package] = counts.get(photo.package, 0) + 1
    parts = [
        f"## Photo inpainting ({dt.date.today().isoformat()})",
        "",
        f"Machine: {machine()}, {platform.system()} {platform.release()}; torch threads "
        f"{args.threads}; load average {load:.1f} at the end. Run: {seconds / 60:.1f} min.",
        f"Photos: {len(photos)} from the `{args.split}` split ("
        + ", ".join(f"{n} {p}" for p, n in counts.items())
        + f"), long side ≤ {args.max_side} px; masks: {', '.join(families)}; seed {args.seed}.",
    ]
    for runner in runners:
        if runner.fn is None:
            parts.append(f"Skipped `{runner.name}`: {runner.note}")
    parts += ["", "### All masks", "", summary_table(rows, methods)]
    for family in families:
        mine = [r for r in rows if r.family == family]
        coverage = _mean([r.coverage for r in mine if r.method == mine[0].method]) if mine else 0
        parts += ["", f"### {family} (mean hole {100 * coverage:.1f} %)", ""]
        parts.append(summary_table(mine, methods))
    parts += ["", "### Per source (all masks)", "", source_table(rows, methods)]
    parts += ["", "### Photos and licences", "", photo_sources.license_table(photos)]
    return "\n".join(parts)


# --- contact sheet -----------------------------------------------------------------------


def _sheet_pairs(photos: list[Photo], families: tuple[str, ...], rows: int) -> set[tuple]:
    """(photo id, family) for the sheet: photos spread over the list, families in turn."""
    if not photos or rows <= 0:
        return set()
    count = min(rows, len(photos) * len(families))
    picks = np.linspace(0, len(photos) - 1, count).round().astype(int)
    return {(photos[p].id, families[i % len(families)]) for i, p in enumerate(picks)}


def _cell(image: np.ndarray, size: int = CELL) -> np.ndarray:
    """`image` with its long side `size`, padded to `size` wide (rows keep their aspect)."""
    scale = size / max(image.shape[:2])
    w, h = max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    cell = np.full((h, size, 3), 40, np.uint8)
    left = (size - w) // 2
    cell[:, left : left + w] = cv2.resize(image, (w, h), interpolation=interpolation)
    return cell


def _label(width: int, text: str, height: int = 28) -> np.ndarray:
    strip = np.full((height, width, 3), 255, np.uint8)
    font, scale = cv2.FONT_HERSHEY_SIMPLEX, 0.55
    (tw, th), _ = cv2.getTextSize(text, font, scale, 1)
    org = (max(2, (width - tw) // 2), (height + th) // 2)
    cv2.putText(strip, text, org, font, scale, (0, 0, 0), 1, cv2.LINE_AA)
    return strip


def contact_sheet(
    kept: dict[tuple[str, str], dict[str, np.ndarray]], methods: list[str]
) -> np.ndarray:
    """Rows = (photo, mask); columns = masked input, every method's fill, original."""
    columns = ["input", *methods, "original"]
    header = np.concatenate([_label(CELL, c) for c in columns], axis=1)
    rows = [header]
    for (photo_id, family), fills in kept.items():
        original, hole = fills["__original__"], fills["__hole__"]
        masked = original.copy()
        masked[hole] = HOLE_COLOR
        cells = [_cell(masked)]
        blank = np.full_like(cells[0], 40)
        cells += [_cell(fills[m]) if m in fills else blank for m in methods]
        cells.append(_cell(original))
        row = np.concatenate(cells, axis=1)
        name = f"{family}: {photo_id.rsplit('/', 1)[-1]}"[:36]
        (tw, th), _ = cv2.getTextSize(name, cv2.FONT_HERSHEY_SIMPLEX, 0.4, 1)
        row[: th + 8, : tw + 8] = (row[: th + 8, : tw + 8] * 0.3).astype(np.uint8)
        font = cv2.FONT_HERSHEY_SIMPLEX
        cv2.putText(row, name, (4, th + 4), font, 0.4, (255, 255, 255), 1, cv2.LINE_AA)
        rows.append(row)
    return np.concatenate(rows, axis=0)


def save_png(path: Path, rgb: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)):
        raise SystemExit(f"Could not write {path}")


# --- speed -------------------------------------------------------------------------------


def _resized_photo(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    """Centre-crop `rgb` to width:height and resize it (area down, cubic up)."""
    h, w = rgb.shape[:2]
    if w * height > h * width:  # too wide
        cw = round(h * width / height)
        rgb = rgb[:, (w - cw) // 2 : (w - cw) // 2 + cw]
    else:
        ch = round(w * height / width)
        rgb = rgb[(h - ch) // 2 : (h - ch) // 2 + ch]
    up = width > rgb.shape[1]
    return cv2.resize(rgb, (width, height), interpolation=cv2.INTER_CUBIC if up else cv2.INTER_AREA)


def _ganpaint_command() -> list[str]:
    beside = Path(sys.executable).with_name("ganpaint")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("ganpaint")
    return [found] if found else [sys.executable, "-m", "ganpaint"]


def _child(command: list[str]) -> tuple[int, float, int, str]:
    """Run `command`; (exit code, wall seconds, peak RSS in bytes, stderr+stdout)."""
    with tempfile.TemporaryFile("w+") as log:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        text = log.read()
    return proc.returncode, seconds, int(usage.ru_maxrss) * 1024, text


def _stage_lines(text: str) -> list[str]:
    """What the command printed besides tqdm progress bars."""
    lines = []
    for line in re.split(r"[\r\n]+", text):
        line = line.strip()
        if line and not re.search(r"\d+%\|| it/s|s/it|\|\s*\d+/\d+", line):
            lines.append(line)
    return lines[-12:]


def run_speed(photos: list[Photo], args: argparse.Namespace) -> str:
    """The `ganpaint inpaint` command end to end on a 1 MP and a 12 MP photo."""
    source = max(photos, key=lambda p: p.width * p.height)
    base = photo_sources.read_photo(args.cache, source)
    methods = [m.strip() for m in args.method.split(",") if m.strip()]
    lines = [
        f"## ganpaint inpaint, end to end ({dt.date.today().isoformat()})",
        "",
        f"Machine: {machine()}. Photo: {source.id} ({source.width}×{source.height}), "
        f"{args.speed_mask} mask; each run a fresh process, default settings.",
        "",
        "| method | photo | hole | wall s | peak RSS MB | target | result |",
        "|---|---|---|---|---|---|---|",
    ]
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="ganpaint-speed-") as tmp:
        folder = Path(tmp)
        cases = []
        for label, width, height, coverage, limit_s, limit_rss in SPEED_CASES:
            rgb = _resized_photo(base, width, height)
            rng = np.random.default_rng([stable_int(f"speed|{label}"), args.seed])
            if args.speed_mask == "strokes":
                hole = strokes_mask(rgb.shape[:2], rng, coverage)
            else:
                hole = blob_mask(rgb.shape[:2], rng, coverage)
            photo_path, mask_path = (
                folder / f"{width}x{height}.jpg",
                folder / f"{width}x{height}-mask.png",
            )
            cv2.imwrite(
                str(photo_path),
                cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
                [cv2.IMWRITE_JPEG_QUALITY, 95],
            )
            cv2.imwrite(str(mask_path), hole.astype(np.uint8) * 255)
            cases.append((label, photo_path, mask_path, float(hole.mean()), limit_s, limit_rss))
        for method in methods:
            for label, photo_path, mask_path, coverage, limit_s, limit_rss in cases:
                out = folder / f"out-{method}-{photo_path.stem}.jpg"
                command = [
                    *_ganpaint_command(),
                    "inpaint",
                    str(photo_path),
                    "--mask",
                    str(mask_path),
                    "-o",
                    str(out),
                    "--method",
                    method,
                ]
                best = None
                for _ in range(max(1, args.repeat)):
                    code, seconds, rss, text = _child(command)
                    if code != 0:
                        break
                    if best is None or seconds < best[0]:
                        best = (seconds, rss, text)
                if code != 0:
                    message = " ".join(_stage_lines(text)[-2:])
                    lines.append(
                        f"| {method} | {label} | {100 * coverage:.1f} % | – | – | – | exit {code} |"
                    )
                    notes.append(f"{method}, {label}: exit {code}: {message}")
                    continue
                seconds, rss, text = best
                target = f"≤ {limit_s:g} s" + (f", ≤ {limit_rss / 1e9:g} GB" if limit_rss else "")
                passed = seconds <= limit_s and (limit_rss is None or rss <= limit_rss)
                lines.append(
                    f"| {method} | {label} | {100 * coverage:.1f} % | {seconds:.2f} "
                    f"| {rss / 1e6:.0f} | {target} | {'PASS' if passed else 'FAIL'} |"
                )
                stages = _stage_lines(text)
                if stages:
                    notes.append(f"{method}, {label}: " + " / ".join(stages))
                print(lines[-1], flush=True)
    if notes:
        lines += ["", "What the command printed:", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines)


# --- main --------------------------------------------------------------------------------


def _names(text: str, allowed: tuple[str, ...], what: str) -> list[str]:
    names = []
    for raw in text.split(","):
        name = re.sub(r"[-_]+", " ", raw.strip()).strip()
        if not name:
            continue
        if name not in allowed:
            raise SystemExit(f"Unknown {what} {raw!r}; use {', '.join(allowed)}.")
        names.append(name)
    return names


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Real-photo inpainting benchmark (see the module docstring)."
    )
    parser.add_argument("--cache", type=Path, default=photo_sources.DEFAULT_CACHE)
    parser.add_argument("--refresh", action="store_true", help="fetch the photos again")
    parser.add_argument("--split", default="report", choices=["tune", "report", "all"])
    parser.add_argument(
        "--methods",
        default=",".join(DEFAULT_METHODS),
        help="comma-separated subset of: " + ", ".join(ALL_METHODS),
    )
    parser.add_argument("--masks", default=",".join(FAMILIES), help="strokes,blob,box")
    parser.add_argument("--photos", type=int, help="at most this many photos")
    parser.add_argument("--quick", action="store_true", help="4 photos, strokes and blob masks")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2, help="torch threads (2)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--model", help="GAN model for ganpaint / gan only (default: bundled)")
    parser.add_argument(
        "--prior",
        action="append",
        metavar="NAME=MODEL",
        help="run ganpaint / gan only once per GAN prior, side by side (repeatable)",
    )
    parser.add_argument("--max-side", type=int, default=768)
    parser.add_argument(
        "--patchmatch-size",
        type=int,
        default=7,
        help="PyPatchMatch patch_size (a radius; 7 = 15×15 patches)",
    )
    parser.add_argument("--json", type=Path, help="write every per-photo figure here")
    parser.add_argument("--sheet", type=Path, help="write a contact sheet PNG here")
    parser.add_argument("--sheet-rows", type=int, default=6)
    parser.add_argument("--speed", action="store_true", help="time the CLI on 1 MP and 12 MP")
    parser.add_argument("--method", default="gan", help="--speed: CLI methods, comma-separated")
    parser.add_argument("--speed-mask", default="blob", choices=["blob", "strokes"])
    parser.add_argument("--repeat", type=int, default=1, help="--speed: best of N runs")
    args = parser.parse_args(argv)
    args.cache = args.cache.expanduser()
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cv2.setNumThreads(args.threads)
    photos_all = photo_sources.ensure_photos(args.cache, refresh=args.refresh)
    if args.speed:
        print(run_speed(photos_all, args))
        return 0

    photos = interleave_sources(photo_sources.select(photos_all, args.split))
    families = tuple(_names(args.masks, FAMILIES, "mask family"))
    limit = args.photos
    if args.quick:
        limit = limit or QUICK_PHOTOS
        families = tuple(f for f in families if f in QUICK_FAMILIES) or QUICK_FAMILIES
    if limit:
        photos = photos[:limit]
    if not photos:
        raise SystemExit(f"No photos in the {args.split} split of {args.cache}.")
    runners = build_methods(_names(args.methods, ALL_METHODS, "method"), args)
    for runner in runners:
        if runner.fn is None:
            print(f"note: skipping {runner.name}: {runner.note}", flush=True)

    start = time.perf_counter()
    rows, kept = run_quality(photos, runners, families, args)
    text = report(rows, runners, photos, families, args, time.perf_counter() - start)
    print()
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "date": dt.datetime.now().isoformat(timespec="seconds"),
            "machine": machine(),
            "args": {k: str(v) for k, v in vars(args).items()},
            "skipped": {r.name: r.note for r in runners if r.fn is None},
            "photos": [dataclasses.asdict(p) for p in photos],
            "rows": [dataclasses.asdict(r) for r in rows],
        }
        args.json.write_text(json.dumps(payload, indent=1, ensure_ascii=False, default=str))
        print(f"\nWrote {args.json}")
    if args.sheet and kept:
        shown = [r.name for r in runners if r.fn is not None]
        save_png(args.sheet, contact_sheet(kept, shown))
        print(f"Wrote {args.sheet}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
