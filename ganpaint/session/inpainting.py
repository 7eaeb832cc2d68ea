"""The inpainting job: the one `ganpaint.edit.inpaint` call, cut down to what the app keeps.

No Qt and no algorithm: this prepares the inputs, loads the model on the worker when
needed, calls `inpaint`, and keeps each candidate as the box it changed (so a result
history on a 24-megapixel photo holds patches, not photos). Previews are cropped to
the hole's box on the worker too, so the GUI thread only paints a patch.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ganpaint.edit.blend import blend_margin
from ganpaint.edit.inpaint import InpaintConfig, inpaint
from ganpaint.edit.progress import CancelToken, Progress
from ganpaint.edit.refine import RefineConfig
from ganpaint.errors import MaskError
from ganpaint.geometry import Box, nonzero_box
from ganpaint.session.models import ChosenModels

PREVIEW_MARGIN = 8  # pixels of context shown around the hole in previews


@dataclass
class InpaintRequest:
    """What the user asked for, with copies of the photo and hole taken at the start."""

    photo: np.ndarray
    hole: np.ndarray
    method: str = "gan"  # "gan", "patch", "telea", "ns" or "auto"
    candidates: int = 4
    device: str = "cpu"
    fit: bool = True  # tune a copy of G on the photo after the search (InpaintConfig.refine)
    config: InpaintConfig | None = None


FinishFn = Callable[[Callable[[Progress], None], CancelToken], np.ndarray]


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
    # Candidates shown as their quick GAN fill until finished: index -> job finishing it.
    pending: dict[int, FinishFn] = field(default_factory=dict)

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


def result_box(hole: np.ndarray) -> Box:
    """The box that holds every change an inpainting method makes: the hole plus the
    blend's reach (which grows with the photo), at least `PREVIEW_MARGIN`. The job
    crops its previews and candidates to it, and the window shows them in it."""
    return hole_box(hole, margin=max(PREVIEW_MARGIN, blend_margin(hole.shape)))


# What the app calls each inpainting method (ganpaint.edit.inpaint.METHODS), default first.
METHOD_NAMES = {
    "gan": "GAN + photo texture",
    "patch": "Photo patches",
    "telea": "OpenCV Telea",
    "ns": "OpenCV Navier-Stokes",
    "auto": "Auto",
}


def job_name(method: str) -> str:
    """What the progress bar calls an inpainting job."""
    if method == "auto":
        return "Inpainting"
    return f"Inpainting with {METHOD_NAMES.get(method, method)}"


def _crop_previews(box: Box, shape: tuple[int, ...]) -> Callable[[Progress], np.ndarray | None]:
    """A preview preparer: the photo-sized preview cut to `box` on the worker."""

    def prepare(update: Progress) -> np.ndarray | None:
        if update.preview is None or update.preview.shape[:2] != tuple(shape[:2]):
            return None
        return np.ascontiguousarray(update.preview[box.slices])

    return prepare


def make_job(
    request: InpaintRequest, slot: ChosenModels
) -> tuple[Callable[[Callable[[Progress], None], CancelToken], InpaintOutcome], Callable]:
    """The job function and its preview preparer for a JobRunner.

    Only the best candidate is finished at full resolution here; the others come back
    as their quick GAN fill, with a job in `InpaintOutcome.pending` that finishes each
    when the user steps to it (`make_finish_job`).
    """
    # Every method changes pixels within blend_margin of the hole at most, so this box
    # holds every candidate without comparing full-size photos.
    box = result_box(request.hole)

    def job(progress: Callable[[Progress], None], cancel: CancelToken) -> InpaintOutcome:
        start = time.perf_counter()
        model = None
        config = request.config or InpaintConfig()
        if request.method == "gan" or (request.method == "auto" and slot.path is not None):
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
        candidates = result.candidates
        patches, pending = [], {}
        for index in range(len(candidates)):
            if candidates.ready(index):
                patches.append(np.ascontiguousarray(candidates[index][box.slices]))
                continue
            patches.append(np.ascontiguousarray(candidates.rough(index)[box.slices]))

            def finish(progress, cancel, index: int = index) -> np.ndarray:
                image = candidates.finish(index, progress, cancel)
                return np.ascontiguousarray(image[box.slices])

            pending[index] = finish
        seconds = time.perf_counter() - start
        name = METHOD_NAMES.get(result.method, result.method)
        return InpaintOutcome(
            box=box,
            candidates=patches,
            method=result.method,
            seconds=seconds,
            label=f"{name}, {len(patches)} candidate{'s' if len(patches) != 1 else ''}, "
            f"{seconds:.1f} s",
            losses=dict(result.losses),
            pending=pending,
        )

    return job, _crop_previews(box, request.hole.shape)


@dataclass
class CandidateFinished:
    """A finishing job's result: candidate `index` of `outcome` at full resolution."""

    outcome: InpaintOutcome
    index: int
    patch: np.ndarray  # uint8, the outcome's box


def make_finish_job(
    outcome: InpaintOutcome, index: int, shape: tuple[int, int]
) -> tuple[Callable[[Callable[[Progress], None], CancelToken], CandidateFinished], Callable]:
    """The job that draws pending candidate `index` at full resolution, and its preview
    preparer (`shape`: the photo's height and width)."""
    finish = outcome.pending[index]

    def job(progress: Callable[[Progress], None], cancel: CancelToken) -> CandidateFinished:
        return CandidateFinished(outcome, index, finish(progress, cancel))

    return job, _crop_previews(outcome.box, shape)
