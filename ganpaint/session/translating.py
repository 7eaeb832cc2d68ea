"""The translation and pix2pix jobs: `ganpaint.edit.translate` cut down to what the app keeps.

No Qt and no algorithm: this loads the CycleGAN / pix2pix bundle on the worker, picks
the generator for the chosen direction, calls `translate_at_scale` (tiled, whole photo
or the selection, pix2pix at the scale it was trained on) and keeps the result as the
box of the photo it changed, in the same `InpaintOutcome` form the window's result flow
(preview, accept, history) takes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ganpaint.edit.progress import CancelToken, Progress
from ganpaint.edit.semantic import input_map
from ganpaint.edit.trained_scale import translate_at_scale
from ganpaint.errors import MaskError
from ganpaint.geometry import nonzero_box
from ganpaint.models import list_models
from ganpaint.models.bundle import translator_ways
from ganpaint.session.inpainting import InpaintOutcome
from ganpaint.session.models import ChosenModels

TRANSLATOR_KINDS = ("cyclegan", "pix2pix")
#: The model kinds each panel lists (others: TRANSLATOR_KINDS).
PANEL_KINDS: dict[str, tuple[str, ...]] = {
    "labels": ("pix2pix", "spade"),
    "sketch": ("cyclegan", "pix2pix", "spade"),
}
#: What a SPADE model must read to be listed in a panel (`edit.semantic.input_map`).
PANEL_INPUTS = {"labels": "labels", "sketch": "sketch"}
_INPUT_NAMES = {"labels": "label maps", "sketch": "line sketches"}
_PANEL_NAMES = {"labels": "Semantic brushes", "sketch": "Sketch to image"}
DEFAULT_TILE = 512

NO_SKETCH_MODEL_MESSAGE = (
    "No sketch model is installed (edges2landscape, a SPADE model with styles, is the "
    "default), so the sketch cannot become an image yet: choose a SPADE sketch or pix2pix "
    "model file (.safetensors), or import a reference .pth with Model → Model Manager…."
)

NO_TRANSLATOR_MESSAGE = (
    "No CycleGAN or pix2pix model is installed, so nothing can be translated: choose a "
    "model file (a ganpaint .safetensors bundle), or import a reference .pth with "
    "Model → Model Manager…."
)


def panel_kinds(purpose: str) -> tuple[str, ...]:
    """The model kinds the panel of `purpose` (translate, sketch, labels) can run."""
    return PANEL_KINDS.get(purpose, TRANSLATOR_KINDS)


def panel_runs(purpose: str, meta: dict) -> bool:
    """Whether the panel of `purpose` can run the model with metadata `meta`: one of its
    kinds, and a SPADE model only when it reads that panel's input (labels or sketches)."""
    kind = meta.get("kind")
    if kind not in panel_kinds(purpose):
        return False
    return kind != "spade" or input_map(meta) == PANEL_INPUTS.get(purpose)


def panel_refusal(purpose: str, path: Path, meta: dict) -> str:
    """Why the panel of `purpose` cannot run the SPADE model at `path` ("" when it can):
    it reads the other panel's input."""
    if meta.get("kind") != "spade" or purpose not in PANEL_INPUTS or panel_runs(purpose, meta):
        return ""
    reads, wanted = input_map(meta), _INPUT_NAMES[PANEL_INPUTS[purpose]]
    elsewhere = next((p for p, given in PANEL_INPUTS.items() if given == reads), None)
    where = f" (use it under {_PANEL_NAMES[elsewhere]})" if elsewhere else ""
    return (
        f"{path.name} is a SPADE model that draws {_INPUT_NAMES.get(reads, reads)}{where}, "
        f"not {wanted}; choose a model made for {wanted} here."
    )


def translator_models() -> list:
    """Installed CycleGAN, pix2pix and SPADE models (usable ones only), as ModelEntry."""
    kinds = set(TRANSLATOR_KINDS).union(*PANEL_KINDS.values())
    return [e for e in list_models() if e.kind in kinds and not e.error]


def directions(meta: dict) -> list[tuple[str, str]]:
    """(label, "AtoB" | "BtoA") choices for a model: both ways for CycleGAN, one for pix2pix."""
    return [(f"{a} → {b}", way) for way, (a, b) in translator_ways(meta).items()]


@dataclass
class TranslateRequest:
    """What to translate (copies taken at the start) and with which model."""

    photo: np.ndarray  # the network's input, uint8 H×W×3
    model: Path
    direction: str = "AtoB"
    mask: np.ndarray | None = None  # bool H×W: only the selection; None: all of it
    tile: int = DEFAULT_TILE
    scale: str = "trained"  # pix2pix at its trained scale (see ganpaint.edit.trained_scale)
    device: str = "cpu"
    stars: bool = True  # draw the model's star layer, where it has one
    base: np.ndarray | None = None  # what the result replaces (default: `photo`)
    label: str = "Translation"
    accept_text: str = "Accept translation"


def make_translate_job(
    request: TranslateRequest, slot: ChosenModels
) -> Callable[[Callable[[Progress], None], CancelToken], InpaintOutcome]:
    """The job function for a JobRunner: one candidate, the changed box of the photo."""
    if request.mask is not None and not request.mask.any():
        raise MaskError(
            "The selection is empty: paint a mask over what to translate, or translate the "
            "whole image."
        )

    def job(progress: Callable[[Progress], None], cancel: CancelToken) -> InpaintOutcome:
        start = time.perf_counter()
        progress(Progress(0, 1, "Loading the model…"))
        bundle = slot.bundle(request.model)
        net = bundle.translator(request.direction)
        cancel.raise_if_cancelled()
        loaded = time.perf_counter()
        result = translate_at_scale(
            request.photo,
            net,
            bundle.meta,
            scale=request.scale,
            tile=request.tile,
            device=request.device,
            mask=request.mask,
            stars=bundle.star_head(request.direction) if request.stars else None,
            progress=progress,
            cancel=cancel,
        )
        base = request.base if request.base is not None else request.photo
        changed = nonzero_box((result.image != base).any(axis=2))
        if changed.empty:
            changed = nonzero_box(np.ones(base.shape[:2], bool))
        end = time.perf_counter()
        seconds = end - start
        tiles = f", {result.tiles} tile{'s' if result.tiles != 1 else ''}"
        return InpaintOutcome(
            box=changed,
            candidates=[np.ascontiguousarray(result.image[changed.slices])],
            method="translate",
            seconds=seconds,
            label=f"{request.label} ({bundle.name or request.model.stem}{tiles}, {seconds:.1f} s)",
            accept_text=request.accept_text,
            clear_mask=request.mask is not None,
            run_seconds=end - loaded,
        )

    return job
