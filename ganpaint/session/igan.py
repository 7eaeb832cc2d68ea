"""Generation from strokes (iGAN): `ganpaint.edit.sketch.generate_in_mask` cut down to
what the app keeps.

No Qt and no algorithm: this takes the colour-stroke and sketch layers, calls
`generate_in_mask` with the GAN the inpainting uses (inside the mask when there is one,
else over the whole canvas, which Accept then replaces undoably) and keeps each
candidate as the patch of the photo it becomes, with its 16-frame morph from the
start, in the `InpaintOutcome` form the window's result flow (preview, accept,
history) takes.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from ganpaint.edit.inputs import stroke_inputs
from ganpaint.edit.progress import CancelToken, Progress
from ganpaint.edit.sketch import SketchArea, SketchConfig, generate_in_mask, sketch_area
from ganpaint.errors import MaskError
from ganpaint.geometry import Box
from ganpaint.session.inpainting import InpaintOutcome
from ganpaint.session.models import ChosenModels

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
    area: SketchArea | None = None  # where the results land and how they are composed


def frame_patch(outcome: IganOutcome, candidate: int, frame: int) -> np.ndarray:
    """What the photo shows at `frame` of candidate's morph: the start at 0, the result last."""
    frames = outcome.frames[candidate] if outcome.frames else []
    if not frames or frame >= len(frames) - 1 or outcome.area is None:
        return outcome.candidates[candidate]
    return outcome.area.compose(frames[max(frame, 0)], SCRUB_BLEND)


def make_igan_job(
    request: IganRequest, slot: ChosenModels
) -> tuple[Callable[[Callable[[Progress], None], CancelToken], IganOutcome], Callable, Box]:
    """The job function, its preview preparer and the box of the photo it changes."""
    colours, stroked, edges = stroke_inputs(request.colour, request.sketch)
    use_colour = request.color_weight > 0 and stroked.any()
    use_edges = request.edge_weight > 0 and bool((request.sketch > 0).any())
    if not (use_colour or use_edges):
        raise MaskError(NO_STROKES_MESSAGE)
    hole = request.hole if request.hole is not None and request.hole.any() else None
    area = sketch_area(request.photo, hole)

    def prepare(update: Progress) -> np.ndarray | None:
        preview = update.preview
        if preview is None or preview.ndim != 3 or preview.shape[0] != preview.shape[1]:
            return None
        return area.compose(preview, "none")  # a hard paste: cheap, every report

    def job(progress: Callable[[Progress], None], cancel: CancelToken) -> IganOutcome:
        start = time.perf_counter()
        progress(Progress(0, 1, "Loading the model…"))
        model = slot.get()
        cancel.raise_if_cancelled()
        config = request.config or SketchConfig()
        config = dataclasses.replace(
            config,
            color_weight=float(request.color_weight),
            edge_weight=float(request.edge_weight),
            candidates=max(int(request.candidates), 1),
            inversion=dataclasses.replace(config.inversion, seed=int(request.seed)),
        )
        keep = request.keep_z
        done = generate_in_mask(
            model,
            request.photo,
            hole,
            colours if use_colour else None,
            stroked if use_colour else None,
            edges if use_edges else None,
            config,
            keep_z=keep,
            start_z=keep,
            blend_mode=BLEND_MODE,
            device=request.device,
            progress=progress,
            cancel=cancel,
        )
        result = done.sketch
        seconds = time.perf_counter() - start
        where = "whole canvas" if area.region is None else "inside the mask"
        return IganOutcome(
            box=area.box,
            candidates=done.patches,
            method="igan",
            seconds=seconds,
            label=f"From strokes, {where} ({len(done.patches)} candidates, {seconds:.1f} s)",
            losses={"cost": float(result.best.cost)},
            accept_text="Accept generation from strokes",
            clear_mask=area.region is not None,
            latents=[c.z.detach().reshape(-1).cpu() for c in result.candidates],
            frames=[list(c.frames or []) for c in result.candidates],
            images=[c.image for c in result.candidates],
            area=area,
        )

    return job, prepare, area.box
