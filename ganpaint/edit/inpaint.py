"""Semantic inpainting (Yeh et al., CVPR 2017) for photos of any size, plus OpenCV fills.

Each connected hole gets a square region with known context around it
(`region.hole_regions`); the region is scaled to the GAN's resolution, the latent z
that best explains the known pixels (weighted contextual loss + λ·perceptual prior)
is found by the inversion engine, then each kept candidate's private copy of G is tuned
on the region's known pixels (`ganpaint.edit.refine`), and the tuned G(ẑ) is scaled
back and blended into the full-resolution photo. `InpaintConfig.paper()` is the paper's
loop exactly (no tuning); the default search reaches the same quality much faster, and
the tuning goes beyond it (see InpaintConfig).
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import cv2
import numpy as np
import torch

from ganpaint.convert import image_to_tensor, tensor_to_image
from ganpaint.device import resolve_device
from ganpaint.edit import region as regions_mod
from ganpaint.edit.blend import blend
from ganpaint.edit.gan import GanModel
from ganpaint.edit.inversion import Candidate, InversionConfig, InversionResult, invert
from ganpaint.edit.losses import Prior, Term, contextual_loss, importance_weights, prior_loss
from ganpaint.edit.progress import CancelToken, Progress, ProgressFn, check, report
from ganpaint.edit.refine import RefineConfig, refine
from ganpaint.edit.region import Box, Region
from ganpaint.edit.synthesis import SynthesisConfig, synthesize
from ganpaint.errors import MaskError, ModelFileError

Method = Literal["gan", "patch", "telea", "ns", "auto"]
METHODS: tuple[str, ...] = ("gan", "patch", "telea", "ns", "auto")
BlendMode = Literal["poisson", "mixed", "feather", "none"]


def _default_inversion() -> InversionConfig:
    return InversionConfig(
        restarts=4,
        iters=60,
        lr=0.05,
        warmup=5,
        schedule="cosine",
        min_lr=0.05,
        bound="clip",
        early_stop=True,
        patience=10,
        tol=1e-3,
        min_iters=20,
        init="encoder",
        spread=0.3,
        log_every=10,
    )


@dataclass(frozen=True)
class InpaintConfig:
    """Settings for `inpaint`: the optimiser, the loss, the regions and the OpenCV fallback.

    The default spends a tenth of the paper's compute where a CPU profits most: 4
    restarts in one batch (for a 64 px DCGAN on 2 cores a batch of 4 costs about 2×
    one candidate, and all four come back as candidates to choose from), candidate 0
    at the encoder's estimate (the others jittered around it; prior samples without
    an encoder), Adam at 5× the paper's rate with 5 warm-up steps and cosine decay,
    and at most 60 steps with early stopping: 60 × 2 / 1500 ≈ 0.08 of the paper's
    loop. On a 32 px DCGAN trained on procedural landscapes (12×12 centre holes) it
    came within 0.03–0.27 dB of the paper's masked PSNR (32 and 24 images); more
    steps helped more than more restarts, and a random start cost about 0.15 dB.
    `paper()` is the published loop for comparison.

    `refine` then tunes a copy of G per kept candidate on the context (100 steps each)
    and ranks the candidates by how well their tuned G fits it. With the bundled 64 px
    DCGAN that took central holes from 0.1 dB behind OpenCV's Telea to 1.3 dB ahead,
    at about 5× the time of the search alone; `RefineConfig(steps=0)` turns it off.
    """

    inversion: InversionConfig = field(default_factory=_default_inversion)
    refine: RefineConfig = field(default_factory=RefineConfig)  # G tuned per hole afterwards
    # Full-resolution texture from the photo, guided by the GAN's fill; None = paste G(ẑ).
    synthesis: SynthesisConfig | None = field(default_factory=SynthesisConfig)
    # Holes whose region is scaled up less than this to the model take G(ẑ) directly:
    # there the GAN is about as sharp as the photo.
    synthesis_scale: float = 1.5
    prior: Prior = "paper"
    lam: float = 0.003  # λ, the weight of the perceptual prior
    window: int = 7  # side of the importance-weight window
    context: float = 0.5  # known context around each hole, × the hole's side
    candidates: int = 4  # distinct candidates to return
    distinct: float = 0.02  # mean |Δ| in the hole (in [-1, 1]) for candidates to differ
    radius: float = 3.0  # OpenCV inpainting radius in pixels
    thin: float = 3.0  # "auto" uses OpenCV when no hole is thicker than this (pixels)

    @classmethod
    def paper(cls, seed: int = 0) -> InpaintConfig:
        """Yeh et al. as published: 1 restart, Adam, 1500 steps, clip, λ 0.003, 7×7, no early stop.

        The paper gives no learning rate; 0.01 (β1 0.9) is the one its public reference
        ports use. The start is a random z ~ U(-1, 1), as there was no encoder.
        """
        return cls(
            inversion=InversionConfig(
                restarts=1,
                iters=1500,
                lr=0.01,
                betas=(0.9, 0.999),
                warmup=0,
                schedule="constant",
                bound="clip",
                early_stop=False,
                seed=seed,
                log_every=50,
                init="random",
            ),
            refine=RefineConfig(steps=0),
            synthesis=None,
            prior="paper",
            lam=0.003,
            window=7,
            candidates=1,
        )

    def with_seed(self, seed: int) -> InpaintConfig:
        """The same settings with another seed for the restarts."""
        return dataclasses.replace(self, inversion=dataclasses.replace(self.inversion, seed=seed))


Maker = Callable[[ProgressFn | None, CancelToken | None], np.ndarray]


class Candidates(Sequence[np.ndarray]):
    """The candidate fills, each finished only when first asked for (then kept).

    Finishing a candidate at full resolution (the texture synthesis) is the costly
    part on a big photo, and a user looks at one candidate at a time: `inpaint`
    finishes the best one, the others wait until someone indexes them (the CLI's
    --candidates) or calls `finish` (the app, with progress and cancel, when the user
    steps to one). `rough(i)` is the quick GAN-only fill, for thumbnails and for
    showing while the final one is drawn. Thread-safe: each candidate is made once.
    """

    def __init__(self, makers: list[Maker], rough: list[Callable[[], np.ndarray]] | None = None):
        self._makers = list(makers)
        self._rough = list(rough) if rough is not None else None
        self._done: dict[int, np.ndarray] = {}
        self._locks = [threading.Lock() for _ in self._makers]

    @classmethod
    def of(cls, images: list[np.ndarray]) -> Candidates:
        """Candidates that are already finished."""
        made = cls([lambda progress, cancel, image=image: image for image in images])
        for index, image in enumerate(images):
            made._done[index] = image
        return made

    def __len__(self) -> int:
        return len(self._makers)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return self.finish(index)

    def finish(
        self, index: int, progress: ProgressFn | None = None, cancel: CancelToken | None = None
    ) -> np.ndarray:
        """Candidate `index`, made now if it is not yet (reporting progress, cancellable)."""
        index = range(len(self))[index]  # negative indices, IndexError
        with self._locks[index]:
            if index not in self._done:
                self._done[index] = self._makers[index](progress, cancel)
            return self._done[index]

    def ready(self, index: int) -> bool:
        """Whether candidate `index` is finished (indexing it costs nothing then)."""
        return index in self._done

    def rough(self, index: int) -> np.ndarray:
        """A quick fill for candidate `index` (the GAN's, pasted): the final one if made."""
        if self.ready(index) or self._rough is None:
            return self[index]
        return self._rough[index]()


@dataclass
class InpaintResult:
    """The filled photo, alternatives to choose from, and what it cost."""

    image: np.ndarray  # uint8 HxWx3, the best candidate
    candidates: Candidates  # uint8 HxWx3 each, best first; candidates[0] is image
    method: str  # "gan", "patch", "telea" or "ns": what was actually used
    losses: dict[str, float] = field(default_factory=dict)  # best terms, summed over holes
    history: list[list[float]] = field(default_factory=list)  # per hole: best loss per log
    steps: int = 0  # optimiser steps over all holes
    timings: dict[str, float] = field(default_factory=dict)  # seconds
    regions: list[Region] = field(default_factory=list)
    inversions: list[InversionResult] = field(default_factory=list)  # per hole
    synthesis_boxes: list[Box] = field(default_factory=list)  # where the synthesis worked


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


# --- tensors ---------------------------------------------------------------------------


def _to_rgb_uint8(image: torch.Tensor) -> np.ndarray:
    """A generated (C, S, S) tensor as uint8 SxSx3 (greyscale repeated into RGB)."""
    return tensor_to_image(image.detach().cpu())


def _inside_cells(region: Region, shape: tuple[int, ...], size: int) -> np.ndarray:
    """Bool size×size: model pixels whose whole footprint lies inside the photo.

    `crop_region` fills the rest by reflection; those mirrored pixels are not evidence,
    so the contextual loss ignores them (they are neither known nor hole).
    """
    height, width = shape[:2]
    edges = region.size * np.arange(size + 1) / size
    rows_ok = (region.top + edges[:-1] >= 0) & (region.top + edges[1:] <= height)
    cols_ok = (region.left + edges[:-1] >= 0) & (region.left + edges[1:] <= width)
    return rows_ok[:, None] & cols_ok[None, :]


@dataclass
class _Problem:
    """One hole region at the model's resolution."""

    region: Region
    hole: np.ndarray  # bool HxW, this region's part of the photo's hole
    crop: np.ndarray  # uint8 SxSx3
    target: torch.Tensor  # (1, C, S, S) in [-1, 1]
    known: torch.Tensor  # (1, 1, S, S), 1 = known pixel
    hole_cells: torch.Tensor  # (1, 1, S, S), 1 = hole pixel
    init_image: torch.Tensor  # (1, C, S, S), the crop with its hole filled by OpenCV


def _problem(
    image: np.ndarray,
    hole: np.ndarray,
    region: Region,
    model: GanModel,
    config: InpaintConfig,
    device: torch.device,
) -> _Problem:
    size = model.resolution
    crop = regions_mod.crop_region(image, region, size)
    inside = _inside_cells(region, image.shape, size)
    hole_cells = regions_mod.crop_mask(hole, region, size) & inside
    known = inside & ~hole_cells
    # The encoder sees the crop with a quick OpenCV fill instead of a blank hole.
    fill_mask = (~known).astype(np.uint8)
    rough = cv2.inpaint(np.ascontiguousarray(crop), fill_mask, config.radius, cv2.INPAINT_TELEA)

    box = region.box_in(image.shape)
    own_hole = np.zeros_like(hole)
    own_hole[box.slices] = hole[box.slices]

    def tensor(array: np.ndarray) -> torch.Tensor:
        return image_to_tensor(array, device=device, channels=model.channels)

    def mask(array: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(array.astype(np.float32))[None, None].to(device)

    return _Problem(
        region=region,
        hole=own_hole,
        crop=crop,
        target=tensor(crop),
        known=mask(known),
        hole_cells=mask(hole_cells),
        init_image=tensor(rough),
    )


def _terms(problem: _Problem, model: GanModel, config: InpaintConfig) -> list[Term]:
    """L_c + λ·L_p for one region (the prior only where nothing is known)."""
    terms: list[Term] = []
    if problem.known.any():
        # W from the hole inside the photo, zero on the hole and on mirrored pixels.
        weights = importance_weights(1.0 - problem.hole_cells, config.window) * problem.known
        target = problem.target
        terms.append(Term("context", lambda x, z: contextual_loss(x, target, weights), 1.0))
    if model.D is not None and config.prior != "none":
        kind = config.prior
        terms.append(Term("prior", lambda x, z: prior_loss(model.logits(x), kind), config.lam))
    return terms


def _distinct(
    result: InversionResult, problem: _Problem, count: int, threshold: float
) -> list[Candidate]:
    """The best `count` candidates whose fills differ from every better one kept."""
    cells = problem.hole_cells[0].cpu()
    if not bool(cells.any()):
        cells = torch.ones_like(cells)
    area = float(cells.sum()) * result.best.image.shape[0]
    kept = [result.best]
    for candidate in result.candidates[1:]:
        if len(kept) >= count:
            break
        if all(
            float(((candidate.image - other.image).abs() * cells).sum()) / area > threshold
            for other in kept
        ):
            kept.append(candidate)
    return kept


def _refine_candidates(
    kept: list[Candidate],
    problem: _Problem,
    model: GanModel,
    config: InpaintConfig,
    *,
    seed: int,
    cancel: CancelToken | None,
    relay: ProgressFn | None,
    preview: Callable[[torch.Tensor], np.ndarray],
    offset: int,
    message: str,
) -> list[Candidate]:
    """Each kept candidate drawn by its own copy of G tuned on the context, best fit first."""
    settings = config.refine
    if settings.steps == 0 or not bool(problem.known.any()):
        return kept
    refined = []
    for rank, candidate in enumerate(kept):

        def on_step(done: int, steps: int, image: torch.Tensor, rank: int = rank) -> None:
            if relay is not None:
                step = offset + (rank * steps + done) // len(kept)
                relay(Progress(step=step, total=0, message=message, preview=preview(image)))

        image, fit = refine(
            model,
            candidate.z,
            problem.target,
            problem.known,
            settings,
            seed=seed + rank,
            cancel=cancel,
            on_step=on_step,
        )
        terms = {**candidate.terms, "refined context": fit}
        refined.append(dataclasses.replace(candidate, image=image.detach(), terms=terms))
    return sorted(refined, key=lambda c: c.terms["refined context"])


def _opencv(image: np.ndarray, hole: np.ndarray, method: str, radius: float) -> np.ndarray:
    flag = cv2.INPAINT_TELEA if method == "telea" else cv2.INPAINT_NS
    return cv2.inpaint(np.ascontiguousarray(image), hole.astype(np.uint8), radius, flag)


def _synthesis_seed(config: InpaintConfig, rank: int) -> int:
    return config.inversion.seed * 1_000_003 + 7 * rank + 1


def _patch_fill(
    photo: np.ndarray,
    hole: np.ndarray,
    config: InpaintConfig,
    progress: ProgressFn | None,
    cancel: CancelToken | None,
    t_start: float,
) -> InpaintResult:
    """method "patch": the synthesis alone, started from OpenCV's fill at the coarsest level."""
    settings = config.synthesis or SynthesisConfig()
    done = synthesize(
        photo,
        hole,
        None,
        settings,
        seed=_synthesis_seed(config, 0),
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


@dataclass
class _Finisher:
    """Turns one rank of GAN candidates into a finished full-resolution fill.

    Per hole, G(ẑ) is first Poisson-blended into the model-sized crop (a 64² solve:
    the colour correction is a smooth membrane, so solving it coarse is enough), then
    scaled up. Holes the region logic barely scaled keep that fill (blended as asked);
    the others are rebuilt from the photo's patches with it as the guide.
    """

    photo: np.ndarray
    problems: list[_Problem]
    chosen: list[list[Candidate]]
    config: InpaintConfig
    blend_mode: str
    resolution: int

    def _generated(self, rank: int, index: int) -> np.ndarray:
        kept = self.chosen[index]
        return _to_rgb_uint8(kept[min(rank, len(kept) - 1)].image)

    def rough(self, rank: int) -> np.ndarray:
        """G(ẑ) of every hole at the photo's resolution: the GAN-only result, blended as
        asked (a hole bound for the synthesis gets its colour-corrected guide)."""
        out = self.photo
        for index, problem in enumerate(self.problems):
            generated = self._generated(rank, index)
            mode = self.blend_mode
            if self._synthesised(problem):
                generated, mode = self._corrected(problem, generated), "none"
            fill = regions_mod.paste_into(out.copy(), generated, problem.region)
            out = blend(out, fill, problem.hole, mode=mode)
        return out

    def _synthesised(self, problem: _Problem) -> bool:
        """Whether the synthesis redraws this hole: it is scaled up enough to need it."""
        return self.config.synthesis is not None and (
            problem.region.size / self.resolution > self.config.synthesis_scale
        )

    def _corrected(self, problem: _Problem, generated: np.ndarray) -> np.ndarray:
        cells = problem.hole_cells[0, 0].cpu().numpy() > 0
        if not cells.any() or cells.all():
            return generated
        return blend(problem.crop, generated, cells, mode="poisson")

    def finish(
        self, rank: int, progress: ProgressFn | None = None, cancel: CancelToken | None = None
    ) -> tuple[np.ndarray, list[Box], float]:
        """Candidate `rank` at full resolution; also the synthesis boxes and its seconds.

        Progress counts `_SYNTHESIS_STEPS` per synthesised hole."""
        out, boxes, seconds = self.photo, [], 0.0
        synthesised = [p for p in self.problems if self._synthesised(p)]
        total = len(synthesised) * _SYNTHESIS_STEPS
        for index, problem in enumerate(self.problems):
            generated = self._generated(rank, index)
            if not self._synthesised(problem):
                fill = regions_mod.paste_into(out.copy(), generated, problem.region)
                out = blend(out, fill, problem.hole, mode=self.blend_mode)
                continue
            guide = self._corrected(problem, generated)
            fill = regions_mod.paste_into(out.copy(), guide, problem.region)
            number = synthesised.index(problem)

            def relay(update: Progress, number: int = number) -> None:
                step = number * _SYNTHESIS_STEPS + (_SYNTHESIS_STEPS * update.step) // max(
                    update.total, 1
                )
                report(progress, dataclasses.replace(update, step=step, total=total))

            done = synthesize(
                out,
                problem.hole,
                fill,
                self.config.synthesis,
                guide_scale=problem.region.size / self.resolution,
                seed=_synthesis_seed(self.config, rank) + 104_729 * index,
                progress=relay if progress is not None else None,
                cancel=cancel,
                message=f"Drawing hole {number + 1} of {len(synthesised)} at full resolution",
            )
            out, seconds = done.image, seconds + done.seconds
            boxes.extend(done.boxes)
        return out, boxes, seconds

    def synthesised(self) -> int:
        """How many holes go through the synthesis (for the progress total)."""
        return sum(self._synthesised(p) for p in self.problems)


# Progress steps given to the synthesis of one hole.
_SYNTHESIS_STEPS = 100
# Seconds between two live previews of the search and the tuning.
_PREVIEW_INTERVAL = 0.25


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

    torch_device = resolve_device(device)
    model.to(torch_device)
    regions = regions_mod.hole_regions(hole, context=config.context, min_size=model.resolution)
    problems = [_problem(photo, hole, r, model, config, torch_device) for r in regions]
    t_prepared = time.perf_counter()

    iters = max(config.inversion.iters, 1)
    per_hole = iters + config.refine.steps
    gan_steps = len(problems) * per_hole
    chosen: list[list[Candidate]] = []
    finisher = _Finisher(photo, problems, chosen, config, blend_mode, model.resolution)
    total_steps = gan_steps + finisher.synthesised() * _SYNTHESIS_STEPS
    inversions: list[InversionResult] = []
    refine_seconds = 0.0
    # The preview: earlier holes filled, this one pasted without blending. Only the box
    # around the holes is copied per report, so a report costs what the holes cost.
    live = photo.copy()
    last_preview = [-_PREVIEW_INTERVAL]
    for index, problem in enumerate(problems):
        terms = _terms(problem, model, config)
        inversion = config.inversion
        if not problem.known.any():
            inversion = dataclasses.replace(inversion, iters=0, init="random")
        message = f"Inpainting hole {index + 1} of {len(problems)}"

        def relay(update: Progress, index: int = index) -> None:
            report(
                progress,
                dataclasses.replace(update, step=index * per_hole + update.step, total=total_steps),
            )

        def preview(
            generated: torch.Tensor,
            problem: _Problem = problem,
            base: np.ndarray = live,
            force: bool = False,
        ) -> np.ndarray | None:
            # Scaling a region up to a big photo costs tens of milliseconds: previews
            # are made a few times a second, not at every report.
            now = time.perf_counter()
            if not force and now - last_preview[0] < _PREVIEW_INTERVAL:
                return None
            last_preview[0] = now
            patch, box = regions_mod.paste_region(
                _to_rgb_uint8(generated), problem.region, base.shape
            )
            if not box.empty:
                inside = problem.hole[box.slices][:, :, None]
                base[box.slices] = np.where(inside, patch, base[box.slices])
            return base

        result = invert(
            model,
            terms,
            inversion,
            init_image=problem.init_image,
            device=torch_device,
            progress=relay if progress is not None else None,
            cancel=cancel,
            preview=preview,
            message=message,
        )
        inversions.append(result)
        kept = _distinct(result, problem, max(config.candidates, 1), config.distinct)
        t_refine = time.perf_counter()
        kept = _refine_candidates(
            kept,
            problem,
            model,
            config,
            seed=config.inversion.seed * 1_000_003 + index * 1_009,
            cancel=cancel,
            relay=relay if progress is not None else None,
            preview=preview,
            offset=iters,
            message=f"Refining hole {index + 1} of {len(problems)}",
        )
        refine_seconds += time.perf_counter() - t_refine
        chosen.append(kept)
        preview(kept[0].image, force=True)
    t_inverted = time.perf_counter()

    def relay_finish(update: Progress) -> None:
        report(
            progress,
            dataclasses.replace(update, step=gan_steps + update.step, total=total_steps),
        )

    best, boxes, synthesis_seconds = finisher.finish(
        0, relay_finish if progress is not None else None, cancel
    )
    ranks = max(len(c) for c in chosen)
    makers: list[Maker] = [lambda progress, cancel: best]
    makers += [
        lambda progress, cancel, rank=rank: finisher.finish(rank, progress, cancel)[0]
        for rank in range(1, ranks)
    ]
    roughs = [lambda rank=rank: finisher.rough(rank) for rank in range(ranks)]
    candidates = Candidates(makers, roughs)
    candidates.finish(0)
    if finisher.synthesised() == 0:  # no hole needs the synthesis: the rest cost a paste
        for rank in range(1, ranks):
            candidates.finish(rank)
    t_end = time.perf_counter()

    losses: dict[str, float] = {}
    for result in inversions:
        for name, value in result.best.terms.items():
            losses[name] = losses.get(name, 0.0) + value
    losses["total"] = sum(result.best.loss for result in inversions)
    history = [
        [min(c.history[i] for c in result.candidates) for i in range(len(result.log_steps))]
        for result in inversions
    ]
    timings = {
        "prepare": t_prepared - t_start,
        "optimise": t_inverted - t_prepared - refine_seconds,
        "refine": refine_seconds,
        "synthesis": synthesis_seconds,
        "blend": t_end - t_inverted - synthesis_seconds,
        "total": t_end - t_start,
    }
    report(
        progress,
        Progress(
            step=total_steps,
            total=total_steps,
            message="Inpainting done",
            losses=losses,
            preview=best,
        ),
    )
    return InpaintResult(
        image=best,
        candidates=candidates,
        method="gan",
        losses=losses,
        history=history,
        steps=sum(result.steps for result in inversions),
        timings=timings,
        regions=list(regions),
        inversions=inversions,
        synthesis_boxes=boxes,
    )
