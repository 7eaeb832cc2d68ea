"""Generation from strokes (iGAN): `ganpaint.edit.sketch.generate` cut down to what the app keeps.

No Qt and no algorithm: this takes the colour-stroke and sketch layers, calls `generate`
with the GAN the inpainting uses, and turns each candidate (and its 16-frame morph from
the start) into a patch of the photo, in the `InpaintOutcome` form the window's result
flow (preview, accept, history) takes.

Two places to generate, chosen by the mask:
- no mask: the whole canvas. The strokes are scaled to the model's square and the result
  is scaled back to the document's size; accepting replaces the photo (undoably).
- a mask: only inside it. The strokes are cut from one square around the mask
  (`region.crop_region`), the result is pasted back there and blended in as inpainting
  does (Poisson), so the photo outside the mask stays as it is.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch

from ganpaint.app.inpainting import InpaintOutcome, ModelSlot
from ganpaint.atomic import atomic_path
from ganpaint.edit.blend import blend
from ganpaint.edit.progress import CancelToken, Progress
from ganpaint.edit.region import Region, covering_region, paste_region
from ganpaint.edit.sketch import SketchConfig, generate, strokes_in_region
from ganpaint.errors import MaskError
from ganpaint.geometry import Box

BLEND_MODE = "poisson"  # results inside a mask, as inpainting blends them
SCRUB_BLEND = "feather"  # the morph's frames while scrubbing: cheap enough per slider step

NO_STROKES_MESSAGE = (
    "There are no strokes to follow: paint colour strokes (C) or draw edges with the "
    "sketch pen (N), then generate."
)


@dataclass
class IganRequest:
    """What to generate from (copies taken at the start) and how strongly each stroke counts."""

    photo: np.ndarray  # uint8 H×W×3
    colour: np.ndarray  # the colour layer, uint8 H×W×4 RGBA (alpha > 0 = stroked)
    sketch: np.ndarray  # the sketch layer, uint8 H×W (> 0 = ink)
    hole: np.ndarray | None = None  # bool H×W: generate inside it; None / empty: whole canvas
    color_weight: float = 1.0
    edge_weight: float = 0.2
    seed: int = 0
    candidates: int = 8
    keep_z: torch.Tensor | None = None  # "Keep": pull towards this result and start from it
    device: str = "cpu"
    config: SketchConfig | None = None


@dataclass
class IganOutcome(InpaintOutcome):
    """An iGAN result: the candidates as patches plus what scrubbing and Keep need."""

    latents: list[torch.Tensor] = field(default_factory=list)  # z per candidate
    frames: list[list[np.ndarray]] = field(default_factory=list)  # model-size morphs
    images: list[np.ndarray] = field(default_factory=list)  # model-size results
    region: Region | None = None  # None: the whole canvas
    hole: np.ndarray | None = None  # bool, the box's part of the mask (region mode)
    base: np.ndarray | None = None  # the photo's pixels in `box` at the start
    shape: tuple[int, ...] = (0, 0)  # the photo's shape


def strokes_of(request: IganRequest) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(colours H×W×3, colour mask bool H×W, edges dark-on-white H×W) of the request."""
    colours = np.ascontiguousarray(request.colour[:, :, :3])
    stroked = request.colour[:, :, 3] > 0
    edges = np.where(request.sketch > 0, 0, 255).astype(np.uint8)
    return colours, stroked, edges


def compose(outcome: IganOutcome, image: np.ndarray, mode: str = BLEND_MODE) -> np.ndarray:
    """A model-size image as the patch of the photo it would become (outcome.box)."""
    box = outcome.box
    if outcome.region is None:
        return cv2.resize(image, (box.width, box.height), interpolation=cv2.INTER_CUBIC)
    assert outcome.base is not None and outcome.hole is not None
    fill, _box = paste_region(image, outcome.region, outcome.shape)
    return blend(outcome.base, fill.reshape(outcome.base.shape), outcome.hole, mode)


def frame_patch(outcome: IganOutcome, candidate: int, frame: int) -> np.ndarray:
    """What the photo shows at `frame` of candidate's morph: the start at 0, the result last."""
    frames = outcome.frames[candidate] if outcome.frames else []
    if not frames or frame >= len(frames) - 1:
        return outcome.candidates[candidate]
    return compose(outcome, frames[max(frame, 0)], SCRUB_BLEND)


def make_igan_job(
    request: IganRequest, slot: ModelSlot
) -> tuple[Callable[[Callable[[Progress], None], CancelToken], IganOutcome], Callable, Box]:
    """The job function, its preview preparer and the box of the photo it changes."""
    colours, stroked, edges = strokes_of(request)
    use_colour = request.color_weight > 0 and stroked.any()
    use_edges = request.edge_weight > 0 and bool((request.sketch > 0).any())
    if not (use_colour or use_edges):
        raise MaskError(NO_STROKES_MESSAGE)
    height, width = request.photo.shape[:2]
    hole = request.hole if request.hole is not None and request.hole.any() else None
    region = covering_region(hole) if hole is not None else None
    box = Box(0, 0, width, height) if region is None else region.box_in(request.photo.shape)
    base = np.ascontiguousarray(request.photo[box.slices])
    box_hole = hole[box.slices].copy() if hole is not None else None
    shell = IganOutcome(
        box=box,
        candidates=[],
        method="igan",
        seconds=0.0,
        region=region,
        hole=box_hole,
        base=base,
        shape=request.photo.shape,
    )

    def prepare(update: Progress) -> np.ndarray | None:
        preview = update.preview
        if preview is None or preview.ndim != 3 or preview.shape[0] != preview.shape[1]:
            return None
        if region is None:
            return compose(shell, preview)
        return compose(shell, preview, "none")  # a hard paste: cheap, every report

    def job(progress: Callable[[Progress], None], cancel: CancelToken) -> IganOutcome:
        start = time.perf_counter()
        progress(Progress(0, 1, "Loading the model…"))
        model = slot.get()
        cancel.raise_if_cancelled()
        size = model.resolution
        config = request.config or SketchConfig()
        config = dataclasses.replace(
            config,
            color_weight=float(request.color_weight),
            edge_weight=float(request.edge_weight),
            candidates=max(int(request.candidates), 1),
            inversion=dataclasses.replace(config.inversion, seed=int(request.seed)),
        )
        c, m, e = colours, stroked, edges
        if region is not None:
            c, m, e = strokes_in_region(colours, stroked, request.sketch > 0, region, size)
        keep = request.keep_z
        result = generate(
            model,
            c if use_colour else None,
            m if use_colour else None,
            e if use_edges else None,
            config,
            keep_z=keep,
            start_z=keep,
            device=request.device,
            progress=progress,
            cancel=cancel,
        )
        outcome = dataclasses.replace(shell)
        outcome.latents = [c.z.detach().reshape(-1).cpu() for c in result.candidates]
        outcome.images = [c.image for c in result.candidates]
        outcome.frames = [list(c.frames or []) for c in result.candidates]
        outcome.candidates = [compose(outcome, image) for image in outcome.images]
        outcome.seconds = time.perf_counter() - start
        where = "whole canvas" if region is None else "inside the mask"
        outcome.label = (
            f"From strokes, {where} ({len(outcome.candidates)} candidates, {outcome.seconds:.1f} s)"
        )
        outcome.accept_text = "Accept generation from strokes"
        outcome.clear_mask = region is not None
        outcome.losses = {"cost": float(result.best.cost)}
        return outcome

    return job, prepare, box


def save_animation(
    frames: Sequence[np.ndarray], path: str | Path, fps: float = 8.0, scale: int = 1
) -> list[Path]:
    """Write a morph as an animated GIF (`.gif`) or as numbered PNG frames (any other name).

    Every file is written atomically; returns the paths written. `scale` enlarges the
    model-size frames (nearest neighbour) so a 64 px morph is visible.
    """
    from PIL import Image

    if not frames:
        raise ValueError("There are no frames to export.")
    path = Path(path)
    scale = max(int(scale), 1)
    images = [
        Image.fromarray(np.ascontiguousarray(frame)).resize(
            (frame.shape[1] * scale, frame.shape[0] * scale), Image.Resampling.NEAREST
        )
        for frame in frames
    ]
    if path.suffix.lower() == ".gif":
        with atomic_path(path) as tmp:
            images[0].save(
                tmp,
                format="GIF",
                save_all=True,
                append_images=images[1:],
                duration=max(round(1000 / fps), 20),
                loop=0,
            )
        return [path]
    written = []
    stem = path.with_suffix("")
    for index, image in enumerate(images):
        target = Path(f"{stem}_{index:02d}.png")
        with atomic_path(target) as tmp:
            image.save(tmp, format="PNG")
        written.append(target)
    return written
