"""Sketch-to-image by latent optimisation (iGAN, Zhu et al. 2016) on the inversion engine.

The user's colour strokes and edge sketch become constraints on G(z): a colour term
(masked L2 over the stroked pixels / stroke area), an edge term (0.2 × masked L2
between differentiable HOG-like orientation features of G(z) and of the sketch), and
after "keep this result" a pull towards the kept z. 64 latents are optimised in one
batch and returned ranked by cost, each with the 16-frame morph from the start.

On a photo (`generate_in_mask`, what the app and `ganpaint generate --mask` run): with
a mask, the strokes are cut from one square around it, and each result is pasted back
there and blended in as inpainting does, so the photo outside the mask stays as it
is; without one, the whole photo is generated and the result scaled to its size.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field

import cv2
import numpy as np
import torch

from ganpaint.convert import image_to_tensor, rgb_to_grey, tensor_to_image
from ganpaint.device import resolve_device
from ganpaint.edit.blend import blend
from ganpaint.edit.gan import GanModel
from ganpaint.edit.inversion import InversionConfig, invert
from ganpaint.edit.latents import Interpolation, interpolation
from ganpaint.edit.losses import OrientationFeatures, Term, latent_pull, masked_l2, prior_loss
from ganpaint.edit.progress import CancelToken, ProgressFn
from ganpaint.edit.region import Region, covering_region, crop_mask, crop_region, paste_region
from ganpaint.errors import MaskError
from ganpaint.geometry import Box


def _default_inversion() -> InversionConfig:
    return InversionConfig(
        restarts=64,
        iters=100,
        lr=0.05,
        warmup=5,
        schedule="cosine",
        bound="clip",
        early_stop=True,
        patience=15,
        tol=1e-3,
        min_iters=20,
        init="random",
        spread=0.5,
        log_every=10,
    )


@dataclass(frozen=True)
class SketchConfig:
    """Weights and settings of the iGAN constraints; the engine settings in `inversion`.

    `edge_weight` 0.2 is iGAN's; `keep_weight` scales the pull towards a kept z
    (mean squared distance); `realism` optionally adds D's non-saturating prior.
    `edge_dilate` grows the sketch's stroke mask (model pixels) so strokes constrain
    their immediate surroundings; `cell` is the feature pooling cell (None: S / 8,
    iGAN's 8 px at 64 px). `candidates` results are returned, each with `frames`
    interpolation frames (0 for none).
    """

    inversion: InversionConfig = field(default_factory=_default_inversion)
    color_weight: float = 1.0
    edge_weight: float = 0.2
    keep_weight: float = 1.0
    realism: float = 0.0
    edge_dilate: int = 1
    bins: int = 8
    cell: int | None = None
    candidates: int = 8
    frames: int = 16
    interpolation: Interpolation = "linear"


@dataclass
class SketchCandidate:
    """One result: its latent, image (uint8 SxSx3), cost and the morph from the start."""

    z: torch.Tensor
    image: np.ndarray
    cost: float
    terms: dict[str, float]
    frames: list[np.ndarray] | None = None


@dataclass
class SketchResult:
    """Candidates sorted by cost (best first) and what the optimisation cost."""

    candidates: list[SketchCandidate]
    steps: int
    stopped_early: bool
    history: list[float] = field(default_factory=list)  # best cost at each logged step
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def best(self) -> SketchCandidate:
        return self.candidates[0]


# --- inputs at the model's resolution ----------------------------------------------------


def _resize(array: np.ndarray, size: int) -> np.ndarray:
    """Area averaging when shrinking (thin strokes fade rather than vanish), linear growing."""
    height, width = array.shape[:2]
    shrinking = size < max(height, width)
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    resized = cv2.resize(np.ascontiguousarray(array), (size, size), interpolation=interpolation)
    return resized.reshape(size, size, *array.shape[2:])


def _colour_target(
    colors: np.ndarray, mask: np.ndarray | None, size: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """Colours (uint8 SxSx3) and stroke mask (bool SxS) at the model size, None if unstroked.

    The colours are averaged over stroked pixels only (premultiplied by the mask), so a
    stroke does not blend with the unpainted canvas under it when shrinking.
    """
    colors = np.asarray(colors)
    if colors.ndim == 2:
        colors = np.repeat(colors[:, :, None], 3, axis=2)
    if colors.ndim != 3 or colors.shape[2] < 3 or colors.dtype != np.uint8:
        raise ValueError(f"colors must be uint8 HxWx3, not {colors.dtype} {colors.shape}.")
    colors = colors[:, :, :3]
    if mask is None:
        mask = np.ones(colors.shape[:2], dtype=bool)
    mask = np.asarray(mask)
    if mask.shape != colors.shape[:2]:
        raise MaskError(
            f"The colour-stroke mask is {mask.shape[1]}×{mask.shape[0]} pixels but the colours "
            f"are {colors.shape[1]}×{colors.shape[0]}; give both at the same size."
        )
    weight = (mask != 0).astype(np.float32)
    if not weight.any():
        return None
    coverage = _resize(weight, size)
    painted = _resize(colors.astype(np.float32) * weight[:, :, None], size)
    stroked = coverage > 1e-3
    mean = painted / np.maximum(coverage, 1e-3)[:, :, None]
    target = np.clip(np.rint(mean), 0, 255).astype(np.uint8)
    return target, stroked


def _edge_target(edges: np.ndarray, size: int, dilate: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The sketch as clean dark-on-white strokes (uint8 SxS) and its dilated stroke mask."""
    edges = np.asarray(edges)
    if edges.dtype != np.uint8 or edges.ndim not in (2, 3):
        raise ValueError(f"edges must be uint8 HxW or HxWx3, not {edges.dtype} {edges.shape}.")
    grey = rgb_to_grey(edges[:, :, :3]) if edges.ndim == 3 and edges.shape[2] >= 3 else edges
    if grey.ndim == 3:
        grey = grey[:, :, 0]
    ink = 1.0 - grey.astype(np.float32) / 255.0
    if not (ink > 0.5).any():
        return None
    small = _resize(ink, size)
    # A stroke thinner than a model pixel shrinks to faint ink: keep it as a full line.
    strokes = small > 0.5 * min(1.0, size / max(grey.shape))
    sketch = np.where(strokes, 0, 255).astype(np.uint8)
    mask = strokes.astype(np.uint8)
    if dilate > 0:
        mask = cv2.dilate(mask, np.ones((3, 3), np.uint8), iterations=dilate)
    return sketch, mask.astype(bool)


def _mask_tensor(mask: np.ndarray, device: torch.device) -> torch.Tensor:
    return torch.from_numpy(mask.astype(np.float32))[None, None].to(device)


# --- the edit --------------------------------------------------------------------------


def generate(
    model: GanModel,
    colors: np.ndarray | None = None,
    color_mask: np.ndarray | None = None,
    edges: np.ndarray | None = None,
    config: SketchConfig | None = None,
    *,
    keep_z: torch.Tensor | None = None,
    start_z: torch.Tensor | None = None,
    device: torch.device | str = "cpu",
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> SketchResult:
    """Images from the GAN that honour colour strokes and/or an edge sketch (iGAN).

    `colors` (uint8 HxWx3) with `color_mask` (bool HxW, True = stroked; None = all of
    it) and `edges` (uint8, dark strokes on white) may have any size; they are resized
    to the model's. `keep_z` adds the pull towards a kept result; `start_z` starts
    candidate 0 there (the others jittered around it) and is where the morphs begin
    (otherwise each candidate's own start). Raises MaskError when there are no strokes.
    """
    t_start = time.perf_counter()
    config = config or SketchConfig()
    torch_device = resolve_device(device)
    model.to(torch_device)
    size = model.resolution

    colour = _colour_target(colors, color_mask, size) if colors is not None else None
    if colors is None and color_mask is not None and np.asarray(color_mask).any():
        raise ValueError("color_mask was given without the colours to match.")
    sketch = _edge_target(edges, size, config.edge_dilate) if edges is not None else None
    if colour is None and sketch is None:
        raise MaskError("There are no strokes to follow: draw colour strokes or edges first.")

    terms: list[Term] = []
    if colour is not None:
        target = image_to_tensor(colour[0], device=torch_device, channels=model.channels)
        mask = _mask_tensor(colour[1], torch_device)
        terms.append(Term("color", lambda x, z: masked_l2(x, target, mask), config.color_weight))
    if sketch is not None:
        cell = config.cell or max(2, size // 8)
        features = OrientationFeatures(bins=config.bins, cell=cell).to(torch_device)
        sketch_tensor = image_to_tensor(sketch[0], device=torch_device)
        with torch.no_grad():
            sketch_features = features(sketch_tensor)
        cells = features.pool_mask(_mask_tensor(sketch[1], torch_device))
        terms.append(
            Term(
                "edge",
                lambda x, z: masked_l2(features(x), sketch_features, cells),
                config.edge_weight,
            )
        )
    if keep_z is not None:
        anchor = keep_z.detach().reshape(1, model.nz).to(torch_device, torch.float32)
        terms.append(Term("keep", lambda x, z: latent_pull(z, anchor), config.keep_weight))
    if config.realism > 0 and model.D is not None:
        terms.append(
            Term(
                "realism", lambda x, z: prior_loss(model.logits(x), "nonsaturating"), config.realism
            )
        )

    inversion = config.inversion
    if inversion.init == "encoder":  # nothing to encode: a sketch is not a photo
        inversion = dataclasses.replace(inversion, init="random")
    t_prepared = time.perf_counter()
    result = invert(
        model,
        terms,
        inversion,
        start_z=start_z,
        device=torch_device,
        progress=progress,
        cancel=cancel,
        message="Following the strokes",
    )
    t_inverted = time.perf_counter()

    chosen = result.candidates[: max(1, config.candidates)]
    candidates = []
    for candidate in chosen:
        frames = None
        if config.frames > 0:
            begin = start_z if start_z is not None else candidate.z_init
            frames = interpolation(
                model,
                begin.reshape(-1).cpu(),
                candidate.z,
                config.frames,
                config.interpolation,
                torch_device,
            ).images
        candidates.append(
            SketchCandidate(
                z=candidate.z,
                image=tensor_to_image(candidate.image),
                cost=candidate.loss,
                terms=candidate.terms,
                frames=frames,
            )
        )
    history = [min(c.history[i] for c in result.candidates) for i in range(len(result.log_steps))]
    history = [value for value in history if math.isfinite(value)]
    t_end = time.perf_counter()
    timings = {
        "prepare": t_prepared - t_start,
        "optimise": t_inverted - t_prepared,
        "frames": t_end - t_inverted,
        "total": t_end - t_start,
    }
    return SketchResult(candidates, result.steps, result.stopped_early, history, timings)


def strokes_in_region(
    colors: np.ndarray, color_mask: np.ndarray, edge_mask: np.ndarray, region: Region, size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The strokes inside `region` at the model's `size`, as `generate` takes them:
    colours (uint8), their mask (bool, True = stroked) and the edges dark on white."""
    crop_colors = crop_region(np.ascontiguousarray(colors), region, size)
    crop_stroked = crop_region(np.asarray(color_mask).astype(np.uint8) * 255, region, size) > 127
    crop_edges = np.where(crop_mask(np.asarray(edge_mask) != 0, region, size), 0, 255)
    return crop_colors, crop_stroked, crop_edges.astype(np.uint8)


@dataclass(frozen=True)
class SketchArea:
    """Where a generation on a photo lands: `box` of the photo, and how a model-size
    image becomes the patch of that box (`compose`).

    `region` is the square cut around the mask (None: the whole photo, scaled), `base`
    and `hole` the photo's pixels and the mask (bool) in `box` at the start.
    """

    box: Box
    shape: tuple[int, ...]
    region: Region | None = None
    base: np.ndarray | None = None
    hole: np.ndarray | None = None

    def compose(self, image: np.ndarray, mode: str = "poisson") -> np.ndarray:
        """A model-size image as the patch of `box` it becomes: scaled to the photo
        (whole photo), or pasted at the region and blended with `mode` (in a mask)."""
        box = self.box
        if self.region is None or self.base is None or self.hole is None:
            return cv2.resize(image, (box.width, box.height), interpolation=cv2.INTER_CUBIC)
        fill, _box = paste_region(image, self.region, self.shape)
        return blend(self.base, fill.reshape(self.base.shape), self.hole, mode)


def sketch_area(photo: np.ndarray, hole: np.ndarray | None) -> SketchArea:
    """The area `generate_in_mask` changes: one square around all of `hole`, or the
    whole photo when `hole` is None or empty."""
    height, width = photo.shape[:2]
    if hole is None or not np.asarray(hole).any():
        return SketchArea(Box(0, 0, width, height), photo.shape)
    hole = np.asarray(hole) != 0
    if hole.shape != (height, width):
        raise MaskError(
            f"The mask is {hole.shape[1]}×{hole.shape[0]} pixels but the photo is "
            f"{width}×{height}; give both at the same size."
        )
    region = covering_region(hole)
    box = region.box_in(photo.shape)
    base = np.ascontiguousarray(photo[box.slices])
    return SketchArea(box, photo.shape, region, base, hole[box.slices].copy())


@dataclass
class PhotoSketchResult:
    """`generate_in_mask`'s answer: the candidates as patches of `area.box` (best
    first) beside the model-size result they came from."""

    sketch: SketchResult
    area: SketchArea
    patches: list[np.ndarray]

    def image(self, photo: np.ndarray, index: int = 0) -> np.ndarray:
        """The photo with candidate `index` in place."""
        out = np.array(photo, copy=True)
        out[self.area.box.slices] = self.patches[index]
        return out


def _same_size(name: str, array: np.ndarray | None, shape: tuple[int, ...]) -> None:
    if array is not None and np.asarray(array).shape[:2] != tuple(shape[:2]):
        height, width = np.asarray(array).shape[:2]
        raise MaskError(
            f"The {name} are {width}×{height} pixels but the photo is {shape[1]}×{shape[0]}; "
            "draw them at the photo's size."
        )


def generate_in_mask(
    model: GanModel,
    photo: np.ndarray,
    hole: np.ndarray | None,
    colors: np.ndarray | None = None,
    color_mask: np.ndarray | None = None,
    edges: np.ndarray | None = None,
    config: SketchConfig | None = None,
    *,
    keep_z: torch.Tensor | None = None,
    start_z: torch.Tensor | None = None,
    blend_mode: str = "poisson",
    device: torch.device | str = "cpu",
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> PhotoSketchResult:
    """iGAN on a photo: images that honour the strokes, inside `hole` (bool H×W, True =
    generate there) or, when it is None or empty, over the whole photo.

    The strokes are drawn on the photo: `colors` (uint8 H×W×3) with `color_mask` (bool,
    True = stroked; None = all of it) and `edges` (uint8, dark strokes on white), each
    at the photo's size. Raises MaskError when there are no strokes to follow.
    """
    photo = np.asarray(photo)
    for name, array in (("colour strokes", colors), ("stroke mask", color_mask), ("edges", edges)):
        _same_size(name, array, photo.shape)
    area = sketch_area(photo, hole)
    if area.region is not None:
        ink = None
        if edges is not None:
            edges = np.asarray(edges)
            grey = rgb_to_grey(edges[:, :, :3]) if edges.ndim == 3 else edges
            ink = np.asarray(grey).reshape(photo.shape[:2]) < 128
        colors, color_mask, edges = _cut_strokes(
            colors, color_mask, ink, area.region, model.resolution, photo.shape
        )
    result = generate(
        model,
        colors,
        color_mask,
        edges,
        config,
        keep_z=keep_z,
        start_z=start_z,
        device=device,
        progress=progress,
        cancel=cancel,
    )
    patches = [area.compose(candidate.image, blend_mode) for candidate in result.candidates]
    return PhotoSketchResult(result, area, patches)


def _cut_strokes(
    colors: np.ndarray | None,
    color_mask: np.ndarray | None,
    ink: np.ndarray | None,
    region: Region,
    size: int,
    shape: tuple[int, ...],
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """The strokes given (None where not) inside `region` at the model's size."""
    blank = np.zeros(shape[:2], bool)
    if colors is not None and color_mask is None:
        color_mask = np.ones(shape[:2], bool)
    c, m, e = strokes_in_region(
        colors if colors is not None else np.zeros((*shape[:2], 3), np.uint8),
        color_mask if color_mask is not None else blank,
        ink if ink is not None else blank,
        region,
        size,
    )
    return (
        c if colors is not None else None,
        m if colors is not None else None,
        e if ink is not None else None,
    )
