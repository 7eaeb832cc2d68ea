"""The translation and pix2pix jobs: `ganpaint.edit.translate` cut down to what the app keeps.

No Qt and no algorithm: this loads the CycleGAN / pix2pix bundle on the worker, picks
the generator for the chosen direction, calls `translate_at_scale` (tiled, whole photo
or the selection, pix2pix at the scale it was trained on) and keeps the result as the
box of the photo it changed, in the same `InpaintOutcome` form the window's result flow
(preview, accept, history) takes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ganpaint.app.inpainting import InpaintOutcome
from ganpaint.edit.progress import CancelToken, Progress
from ganpaint.edit.trained_scale import translate_at_scale
from ganpaint.errors import MaskError
from ganpaint.geometry import nonzero_box
from ganpaint.models import ModelBundle, list_models
from ganpaint.models import load as load_bundle

TRANSLATOR_KINDS = ("cyclegan", "pix2pix")
DEFAULT_TILE = 512

NO_SKETCH_MODEL_MESSAGE = (
    "No sketch model is installed (edges2landscape, a pix2pix model, is the default), so the "
    "sketch cannot become an image yet: choose a pix2pix model file (.safetensors), or "
    "import a reference .pth with Model → Model Manager…."
)

NO_TRANSLATOR_MESSAGE = (
    "No CycleGAN or pix2pix model is installed, so nothing can be translated: choose a "
    "model file (a ganpaint .safetensors bundle), or import a reference .pth with "
    "Model → Model Manager…."
)


class BundleSlot:
    """A chosen model file and, once loaded on a worker, its bundle (one cached)."""

    def __init__(self) -> None:
        self._path: Path | None = None
        self._bundle: ModelBundle | None = None
        self._lock = threading.Lock()

    def get(self, path: Path) -> ModelBundle:
        """The bundle at `path`, loading it first if needed (call on a worker thread)."""
        with self._lock:
            if self._bundle is None or self._path != path:
                self._bundle = load_bundle(path)
                self._path = path
            return self._bundle


def translator_models() -> list:
    """Installed CycleGAN and pix2pix models (usable ones only), as ModelEntry."""
    return [e for e in list_models() if e.kind in TRANSLATOR_KINDS and not e.error]


def directions(meta: dict) -> list[tuple[str, str]]:
    """(label, "AtoB" | "BtoA") choices for a model: both ways for CycleGAN, one for pix2pix."""
    domains = meta.get("domains") or {}
    a, b = domains.get("A", "A"), domains.get("B", "B")
    if meta.get("kind") == "cyclegan":
        return [(f"{a} → {b}", "AtoB"), (f"{b} → {a}", "BtoA")]
    if meta.get("direction", "AtoB") == "BtoA":
        return [(f"{b} → {a}", "BtoA")]
    return [(f"{a} → {b}", "AtoB")]


def edges_from_photo(photo: np.ndarray, low: int = 100, high: int = 200) -> np.ndarray:
    """The photo's edges as a sketch layer (uint8 H×W, 255 where there is an edge), Canny."""
    grey = cv2.cvtColor(np.ascontiguousarray(photo), cv2.COLOR_RGB2GRAY)
    grey = cv2.GaussianBlur(grey, (3, 3), 0)
    return cv2.Canny(grey, low, high)


def drawing_strokes(photo: np.ndarray) -> np.ndarray | None:
    """A line drawing's strokes as a sketch layer (uint8 H×W, 255 = stroke), else None.

    A line drawing (the sketch sample, a scanned pen drawing) is mostly white paper with
    dark lines, and its dark pixels already are the sketch; Canny would outline every
    stroke twice. A photo is not taken for a drawing: it needs nine tenths near-white,
    nearly grey paper.
    """
    rgb = np.asarray(photo)
    grey = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
    spread = rgb.max(axis=2).astype(np.int16) - rgb.min(axis=2)
    paper = (grey >= 200) & (spread < 40)
    ink = grey < 128
    if paper.mean() < 0.9 or not ink.any():
        return None
    return np.where(ink, 255, 0).astype(np.uint8)


def sketch_input(sketch: np.ndarray) -> np.ndarray:
    """The sketch layer (255 = stroke) as pix2pix's input: dark strokes on white, H×W×3."""
    ink = np.where(np.asarray(sketch) > 0, 0, 255).astype(np.uint8)
    return np.repeat(ink[:, :, None], 3, axis=2)


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
    base: np.ndarray | None = None  # what the result replaces (default: `photo`)
    label: str = "Translation"
    accept_text: str = "Accept translation"


def make_translate_job(
    request: TranslateRequest, slot: BundleSlot
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
        bundle = slot.get(request.model)
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
