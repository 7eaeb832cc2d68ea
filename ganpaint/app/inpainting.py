"""The inpainting job: the one `ganpaint.edit.inpaint` call, cut down to what the app keeps.

No Qt and no algorithm: this prepares the inputs, loads the model on the worker when
needed, calls `inpaint`, and keeps each candidate as the box it changed (so a result
history on a 24-megapixel photo holds patches, not photos). Previews are cropped to
the hole's box on the worker too, so the GUI thread only paints a patch.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ganpaint.app.document import Box, nonzero_box
from ganpaint.edit.gan import GanModel
from ganpaint.edit.inpaint import InpaintConfig, inpaint
from ganpaint.edit.progress import CancelToken, Progress
from ganpaint.edit.refine import RefineConfig
from ganpaint.errors import MaskError, ModelFileError
from ganpaint.models import load as load_bundle

PREVIEW_MARGIN = 8  # pixels of context shown around the hole in previews

NO_MODEL_MESSAGE = (
    "No GAN model is installed, so GAN inpainting cannot run: choose a model file with "
    "Model → Open model file… (a ganpaint .safetensors bundle; import a reference .pth "
    "with `ganpaint models import FILE.pth`), or use Inpaint (OpenCV)."
)


class ModelSlot:
    """The chosen model file and, once loaded on the worker, its GanModel.

    Loading happens inside a job (never on the GUI thread); the lock keeps a load
    and a change of choice from racing.
    """

    def __init__(self) -> None:
        self.path: Path | None = None
        self.name = ""
        self._model: GanModel | None = None
        self._lock = threading.Lock()

    def choose(self, path: Path | None, name: str = "") -> None:
        with self._lock:
            if path != self.path:
                self._model = None
            self.path = path
            self.name = name or (path.stem if path else "")

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def get(self) -> GanModel:
        """The GanModel, loading the file first if needed (call on a worker thread)."""
        with self._lock:
            if self.path is None:
                raise ModelFileError(NO_MODEL_MESSAGE)
            if self._model is None:
                self._model = GanModel.from_bundle(load_bundle(self.path))
            return self._model


@dataclass
class InpaintRequest:
    """What the user asked for, with copies of the photo and hole taken at the start."""

    photo: np.ndarray
    hole: np.ndarray
    method: str = "gan"  # "gan", "telea" or "ns"
    candidates: int = 4
    device: str = "cpu"
    fit: bool = True  # tune a copy of G on the photo after the search (InpaintConfig.refine)
    config: InpaintConfig | None = None


@dataclass
class InpaintOutcome:
    """A finished job: each candidate as the box of the photo it replaces."""

    box: Box
    candidates: list[np.ndarray]  # uint8 patches of `box`, best first
    method: str
    seconds: float
    label: str = ""
    losses: dict[str, float] = field(default_factory=dict)
    accept_text: str = "Accept inpainting"  # the undo step's name
    clear_mask: bool = True  # accepting also clears the mask under the result
    run_seconds: float | None = None  # the edit itself, without loading the model

    @property
    def nbytes(self) -> int:
        return sum(patch.nbytes for patch in self.candidates)


def hole_box(hole: np.ndarray, margin: int = PREVIEW_MARGIN) -> Box:
    """The hole's bounding box plus a margin, clipped to the image."""
    box = nonzero_box(hole)
    if box.empty:
        raise MaskError("The mask is empty: paint over what should be filled, then inpaint.")
    height, width = hole.shape
    return box.grown(margin).clip(width, height)


def make_job(
    request: InpaintRequest, slot: ModelSlot
) -> tuple[Callable[[Callable[[Progress], None], CancelToken], InpaintOutcome], Callable]:
    """The job function and its preview preparer for a JobRunner."""
    box = hole_box(request.hole, margin=PREVIEW_MARGIN)

    def prepare(update: Progress) -> np.ndarray | None:
        if update.preview is None or update.preview.shape[:2] != request.hole.shape:
            return None
        return np.ascontiguousarray(update.preview[box.slices])

    def job(progress: Callable[[Progress], None], cancel: CancelToken) -> InpaintOutcome:
        start = time.perf_counter()
        model = None
        config = request.config or InpaintConfig()
        if request.method == "gan":
            progress(Progress(0, 1, "Loading the model…"))
            model = slot.get()
            config = dataclasses.replace(config, candidates=max(int(request.candidates), 1))
            if not request.fit:
                config = dataclasses.replace(config, refine=RefineConfig(steps=0))
        cancel.raise_if_cancelled()
        result = inpaint(
            request.photo,
            request.hole,
            model,
            config,
            method=request.method,  # type: ignore[arg-type]
            device=request.device,
            progress=progress,
            cancel=cancel,
        )
        # Cut each candidate to the box it changed (and the hole's box at least).
        changed = box
        for candidate in result.candidates:
            differs = (candidate != request.photo).any(axis=2)
            changed = changed.union(nonzero_box(differs))
        patches = [np.ascontiguousarray(c[changed.slices]) for c in result.candidates]
        names = {"gan": "GAN", "telea": "OpenCV Telea", "ns": "OpenCV Navier-Stokes"}
        seconds = time.perf_counter() - start
        return InpaintOutcome(
            box=changed,
            candidates=patches,
            method=result.method,
            seconds=seconds,
            label=f"{names.get(result.method, result.method)}, {len(patches)} "
            f"candidate{'s' if len(patches) != 1 else ''}, {seconds:.1f} s",
            losses=dict(result.losses),
        )

    return job, prepare
