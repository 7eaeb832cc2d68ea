"""Inpainting photos of any size: the GAN pipeline, patch synthesis, or OpenCV's fills.

`inpaint` checks the inputs and runs the method asked for: "gan" (Yeh et al., CVPR
2017, with G tuned on the context and the fill redrawn at full resolution from the
photo's own patches: `ganpaint.edit.gan_fill`), "patch" (that synthesis alone,
`ganpaint.edit.synthesis`), "telea" / "ns" (OpenCV), or "auto". Only "gan" imports
torch, so the others start at once. `InpaintConfig.paper()` is the paper's loop
exactly (no tuning, no synthesis); the default search reaches the same quality much
faster, and the tuning and the synthesis go beyond it (see InpaintConfig).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import cv2
import numpy as np

from ganpaint.edit.fills import (
    METHODS,
    BlendMode,
    Candidates,
    InpaintConfig,
    InpaintResult,
    Method,
    synthesis_seed,
)
from ganpaint.edit.progress import CancelToken, Progress, ProgressFn, check, report
from ganpaint.edit.synthesis import SynthesisConfig, synthesize
from ganpaint.errors import MaskError, ModelFileError

if TYPE_CHECKING:
    import torch

    from ganpaint.edit.gan import GanModel

__all__ = [
    "METHODS",
    "BlendMode",
    "Candidates",
    "InpaintConfig",
    "InpaintResult",
    "Method",
    "choose_method",
    "hole_thickness",
    "inpaint",
]


# --- validation ------------------------------------------------------------------------


def _as_rgb(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError(f"The image must be uint8, not {image.dtype}.")
    if image.ndim == 2:
        return np.repeat(image[:, :, None], 3, axis=2)
    if image.ndim == 3 and image.shape[2] == 3:
        return image
    if image.ndim == 3 and image.shape[2] == 4:
        return np.ascontiguousarray(image[:, :, :3])
    if image.ndim == 3 and image.shape[2] == 1:
        return np.repeat(image, 3, axis=2)
    raise ValueError(f"The image must be HxW, HxWx3 or HxWx4, not shape {image.shape}.")


def _as_hole(hole: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    hole = np.asarray(hole)
    if hole.ndim == 3:
        hole = hole.any(axis=2)
    if hole.ndim != 2 or hole.shape != tuple(shape[:2]):
        size = f"{hole.shape[1]}×{hole.shape[0]}" if hole.ndim == 2 else str(hole.shape)
        raise MaskError(
            f"The mask is {size} pixels but the image is {shape[1]}×{shape[0]}; "
            "draw the mask on this image or resize it to match."
        )
    hole = hole != 0
    if not hole.any():
        raise MaskError("The mask is empty: paint over what should be filled.")
    return hole


def hole_thickness(hole: np.ndarray) -> float:
    """The thickness of the thickest stroke of the hole in pixels (2·max distance − 1)."""
    distance = cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 5)
    return float(max(2.0 * float(distance.max()) - 1.0, 0.0))


def choose_method(hole: np.ndarray, model: GanModel | None, config: InpaintConfig) -> str:
    """What "auto" means: OpenCV for hair-thin holes, patch synthesis without a model,
    the GAN otherwise."""
    if hole_thickness(hole) <= config.thin:
        return "telea"
    return "patch" if model is None else "gan"


def _opencv(image: np.ndarray, hole: np.ndarray, method: str, radius: float) -> np.ndarray:
    flag = cv2.INPAINT_TELEA if method == "telea" else cv2.INPAINT_NS
    return cv2.inpaint(np.ascontiguousarray(image), hole.astype(np.uint8), radius, flag)


def _patch_fill(
    photo: np.ndarray,
    hole: np.ndarray,
    config: InpaintConfig,
    progress: ProgressFn | None,
    cancel: CancelToken | None,
    t_start: float,
) -> InpaintResult:
    """method "patch": the synthesis alone, its coarsest level started from its structure pass."""
    settings = config.synthesis or SynthesisConfig()
    done = synthesize(
        photo,
        hole,
        None,
        settings,
        seed=synthesis_seed(config, 0),
        progress=progress,
        cancel=cancel,
        message="Filling from the photo's patches",
    )
    elapsed = time.perf_counter() - t_start
    return InpaintResult(
        done.image,
        Candidates.of([done.image]),
        "patch",
        timings={"synthesis": done.seconds, "total": elapsed},
        synthesis_boxes=done.boxes,
    )


def inpaint(
    image: np.ndarray,
    hole: np.ndarray,
    model: GanModel | None,
    config: InpaintConfig | None = None,
    *,
    method: Method = "gan",
    blend_mode: BlendMode = "poisson",
    device: torch.device | str = "cpu",
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> InpaintResult:
    """Fill `hole` (bool HxW, True = fill) of `image` (uint8 HxWx3, any size).

    method "gan" inverts the GAN per hole region, tunes G on the context, and then
    (with `config.synthesis`) rebuilds each hole at full resolution from the photo's
    own patches with G(ẑ) as the guide; without synthesis G(ẑ) is blended in with
    `blend_mode`. "patch" is the synthesis without a GAN; "telea" / "ns" use OpenCV's
    inpainting; "auto" picks OpenCV for hair-thin masks (where patches cannot add
    anything), "patch" without a model, the GAN otherwise. A region in which nothing
    is known (the mask covers the whole photo) has no contextual loss: it gets samples
    of the GAN, ranked by D when there is one. Only the best candidate is finished
    here; `result.candidates` finishes the others when they are indexed.
    Raises MaskError for an empty or mis-sized mask and Cancelled when cancelled.
    """
    t_start = time.perf_counter()
    config = config or InpaintConfig()
    photo = _as_rgb(image)
    hole = _as_hole(hole, photo.shape)
    if method not in METHODS:
        raise ValueError(f"Unknown inpainting method {method!r}; use {', '.join(METHODS)}.")
    if method == "auto":
        method = choose_method(hole, model, config)  # type: ignore[assignment]
    if method in ("telea", "ns"):
        check(cancel)
        filled = _opencv(photo, hole, method, config.radius)
        report(progress, Progress(step=1, total=1, message="Filled with OpenCV", preview=filled))
        elapsed = time.perf_counter() - t_start
        return InpaintResult(filled, Candidates.of([filled]), method, timings={"total": elapsed})
    if method == "patch":
        return _patch_fill(photo, hole, config, progress, cancel, t_start)
    if model is None:
        raise ModelFileError(
            "Inpainting with a GAN needs a GAN model: open one, or choose the patch, telea "
            "or ns method."
        )
    from ganpaint.edit.gan_fill import fill_with_gan  # torch loads only for this method

    return fill_with_gan(
        photo,
        hole,
        model,
        config,
        blend_mode=blend_mode,
        device=device,
        progress=progress,
        cancel=cancel,
        t_start=t_start,
    )
