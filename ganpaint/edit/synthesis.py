"""Fill holes at the photo's own resolution with the photo's own texture (patch synthesis).

Why: a GAN draws a hole's region at its own resolution (64 px), so on a photo its fill
is a blurry blob once scaled up. The photo around the hole already holds the texture
the fill needs at full resolution. This stage rebuilds the hole from the photo's known
patches, coarse to fine: Wexler et al.'s (2007) EM — match every patch overlapping the
hole to its nearest known patch with PatchMatch (Barnes et al. 2009), then let each
hole pixel take the weighted vote of the patches covering it — over a pyramid whose
nearest-neighbour field is carried up from level to level.

A `guide` (the GAN's fill, scaled up) steers it, as Yang et al. (2017) steer theirs
with a content network's coarse fill: inside the hole the patch cost also counts the
distance between the guide and the source patch blurred as much as the guide is, so
the coarse structure and colour layout follow the GAN while the texture comes from the
photo. Without a guide it is a non-learned method of our own (`inpaint(method="patch")`).

The coarsest level does not start from a smooth interpolation (OpenCV's Telea fill, as
it did): EM started from a blur keeps a blur, and a stem or a wire crossing the hole was
painted over with background. It starts from a structure pass on a wider view of the
photo at that scale, whose pyramid goes on down until the hole is a few pixels across,
with a hole that shrinks level by level as in PatchMatch's own pyramid (Barnes et al.'s
inpainting, vacancy/PyPatchMatch): there a line's two ends lie within one patch, so it
is bridged, and each finer level fills only a thin new ring around that structure
(`SynthesisConfig.structure_context`; measured on the tune half: patch SWD −17 %).

Two additions keep the fill photo-like (measured on the real-photo benchmark's tune
half): texture channels in the patch distance (Newson et al. 2014), so that a flat
patch is no longer the cheapest match for a busy texture, and a Poisson blend of the
fill, extended by what its patches say about the ring around the hole, into the photo,
so that the hole's edge shows no seam (`SynthesisConfig.seam`).

Work stays near each hole: every stage sees only a box of the hole with `context`
around it (`SynthesisResult.boxes` records them), never the whole photo; the structure
pass sees a wider box, scaled down to the coarsest level's size. Known pixels
are never changed. Deterministic for a seed; cancellable between EM iterations.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from ganpaint.edit import patch_kernels as kernels
from ganpaint.edit.blend import harmonic
from ganpaint.edit.progress import CancelToken, Progress, ProgressFn, check, report
from ganpaint.edit.region import hole_regions
from ganpaint.geometry import Box

__all__ = [
    "SynthesisConfig",
    "SynthesisResult",
    "load_kernels",
    "synthesis_boxes",
    "synthesize",
]


@dataclass(frozen=True)
class SynthesisConfig:
    """How the EM patch synthesis runs: patch size, pyramid, iterations, guide weight."""

    patch: int = 11  # patch side (odd)
    context: float = 1.0  # known surroundings searched, × the hole's side
    min_context: int = 24  # ... and at least this many pixels
    coarsest: int = 32  # the biggest hole's size at the coarsest level, in pixels (`_levels`)
    em_max: int = 9  # EM iterations at the coarsest level...
    em_per_level: int = 2  # ...this many fewer per finer level, at least 1
    passes_max: int = 4  # PatchMatch passes per EM iteration at the coarsest, 1 fewer per level
    # At full resolution, when it searches near the carried-up field, at most this many EM
    # iterations of at most this many passes (`_em_iterations`).
    em_finest: int = 2
    passes_finest: int = 1
    guide_weight: float = 0.5  # the guide's weight where it is sharp (vs 1 for the estimate)
    guide_decay: float = 0.25  # × per level finer than the guide's own resolution
    guide_blur: float = 0.5  # the guide's blur, σ × its pixel size, matched on the photo
    sigma: float = 15.0  # vote weights: exp(-d² / 2σ²), d the RMS patch difference (grey levels)
    sigma_fine: float = 15.0  # ... at full resolution
    local_levels: int = 2  # the finest levels search only near the carried-up match...
    local_search: int = 8  # ...within this many pixels
    patch_fine: int = 7  # ...with patches of this side
    sharpen: float = 1.0  # share of each pixel taken from its own patch's match, not the vote
    texture_weight: float = 6.0  # weight of the texture channels in the patch distance
    texture_blur: float = 2.0  # σ in pixels of the texture channels' local mean
    # Share of the hole's texture channels held at the level's start after every vote
    # (`_hold_texture`); 0: voted freely.
    texture_anchor: float = 0.5
    seam: bool = True  # Poisson-blend the fill into the photo's edge (colour, not texture)
    start_from_guide: bool = False  # the coarsest estimate is the guide (else the structure pass)
    # The hole's coarse structure is solved first on a view wider by this many × the box's
    # side on every side, down to a hole of `structure_coarsest` px, with patches of
    # `structure_patch` and a shrinking hole; it is the start of the coarsest level.
    # 0: no wider view (the coarsest level starts from OpenCV's fill).
    structure_context: float = 0.5
    structure_coarsest: int = 4
    structure_patch: int = 7
    structure_shrink: float = 1.5

    def __post_init__(self) -> None:
        for side in (self.patch, self.patch_fine):
            if side < 3 or side % 2 == 0:
                raise ValueError(f"The patch side must be an odd number ≥ 3, not {side}.")
        if not (math.isfinite(self.context) and self.context >= 0):
            raise ValueError(f"The synthesis context must be ≥ 0, not {self.context}.")
        if self.coarsest < 4:
            raise ValueError(f"The coarsest level must be at least 4 pixels, not {self.coarsest}.")
        if self.structure_patch < 3 or self.structure_patch % 2 == 0:
            raise ValueError(
                f"The patch side must be an odd number ≥ 3, not {self.structure_patch}."
            )
        if not (math.isfinite(self.structure_context) and self.structure_context >= 0):
            raise ValueError(f"The structure context must be ≥ 0, not {self.structure_context}.")
        if self.structure_coarsest < 2:
            raise ValueError(
                f"The structure's coarsest level must be ≥ 2 pixels, not {self.structure_coarsest}."
            )
        if not self.structure_shrink >= 0:
            raise ValueError(f"The hole's shrink must be ≥ 0 pixels, not {self.structure_shrink}.")
        if (
            min(self.em_max, self.passes_max, self.em_finest, self.passes_finest) < 1
            or self.em_per_level < 0
        ):
            raise ValueError("EM iterations and PatchMatch passes must be at least 1.")
        if not 0 <= self.texture_anchor <= 1:
            raise ValueError(f"The texture anchor must be in [0, 1], not {self.texture_anchor}.")
        if not (self.guide_weight >= 0 and 0 <= self.guide_decay <= 1 and self.sigma > 0):
            raise ValueError("The guide weight, its decay and sigma must be ≥ 0, in [0, 1], > 0.")


@dataclass
class SynthesisResult:
    """The filled photo and what each stage saw."""

    image: np.ndarray  # uint8 H×W×3
    boxes: list[Box] = field(default_factory=list)  # the photo box each hole was solved in
    levels: list[list[tuple[int, int]]] = field(default_factory=list)  # per box: (h, w) per level
    seconds: float = 0.0


def synthesis_boxes(hole: np.ndarray, config: SynthesisConfig) -> list[Box]:
    """The boxes of photo pixels the synthesis works in: each hole with its context."""
    shape = hole.shape
    regions = hole_regions(hole, context=config.context, min_size=0)
    boxes = []
    for region in regions:
        box = region.box_in(shape)
        grow = config.min_context  # squares are cut at the border: keep a minimum ring
        boxes.append(
            Box(
                max(box.x0 - grow, 0) if box.x0 > 0 else 0,
                max(box.y0 - grow, 0) if box.y0 > 0 else 0,
                min(box.x1 + grow, shape[1]),
                min(box.y1 + grow, shape[0]),
            )
        )
    return _merge_overlapping(boxes)


def _merge_overlapping(boxes: list[Box]) -> list[Box]:
    merged = True
    while merged:
        merged = False
        out: list[Box] = []
        for box in boxes:
            for k, other in enumerate(out):
                if (
                    box.y0 < other.y1
                    and other.y0 < box.y1
                    and box.x0 < other.x1
                    and other.x0 < box.x1
                ):
                    out[k] = box.union(other)
                    merged = True
                    break
            else:
                out.append(box)
        boxes = out
    return boxes


# A hole's extent counts for the pyramid up to this many times its thickness.
_THICKNESS_REACH = 1.5


def _levels(hole: np.ndarray, config: SynthesisConfig) -> int:
    """Pyramid levels below full resolution: until the biggest hole is `coarsest` pixels.

    A hole's size here is its long side, but at most 1.5 × its thickness (the widest disc
    inside it: twice the farthest any hole pixel lies from a known one, past the photo's
    edge counting as known). Coarse levels carry structure across the hole and lock onto
    patterns larger than a patch, and for that blobs and boxes need their whole size. A
    brush stroke is long and a few pixels thick: shrunk by its length it became a line of
    coarse pixels mixing both its sides, and its fill carried an object's colour along it
    (an orange's, down the photo's border into the grey background: 19.5 dB against
    PatchMatch's 27.5). What it costs: a rail crossing a stroke at a shallow angle is
    continued less well without the coarse levels (a storm photo's: 29.0 → 20.8 dB); on
    the benchmark's 34 held-out photos the strokes gained 1.1 dB on average. Counted on
    the connected holes, not on the box around all of them, so that two small holes
    sharing a box do not get the coarse levels of one big one.
    """
    count, labels, stats, _ = cv2.connectedComponentsWithStats(
        hole.astype(np.uint8), connectivity=8
    )
    if count < 2:
        return 0
    outside = cv2.distanceTransform(np.pad(hole.astype(np.uint8), 1), cv2.DIST_L2, 5)[1:-1, 1:-1]
    side = 1.0
    for k in range(1, count):
        left, top, width, height = stats[k, :4]
        rows, columns = slice(top, top + height), slice(left, left + width)
        thickness = 2.0 * float(outside[rows, columns][labels[rows, columns] == k].max())
        side = max(side, min(max(width, height), _THICKNESS_REACH * thickness))
    return max(0, math.ceil(math.log2(max(side / config.coarsest, 1.0))))


def _down_masked(
    image: np.ndarray, hole: np.ndarray, shape: tuple[int, int], shrink: float
) -> tuple[np.ndarray, np.ndarray]:
    """Half size from the known pixels only, the hole shrinking (as PatchMatch's pyramid
    does): a coarse pixel is known where known pixels weigh at least 5 % under a Gaussian
    of σ = `shrink` fine pixels, its value their weighted mean. The hole's contents never
    count."""
    summed, share = _blur_known(image, hole, shrink)
    share = _down(share, shape)
    small = _down(summed, shape) / np.maximum(share, 1e-6)[:, :, None]
    return small.astype(np.float32), share < 0.05


def _enough_sources(hole: np.ndarray, radius: int) -> bool:
    """Whether a level has wholly known patches to copy from: at least as many as the
    hole has pixels (else the pyramid stops one level finer)."""
    known = (~hole).astype(np.uint8)
    valid = cv2.erode(known, _square(radius), borderType=cv2.BORDER_CONSTANT, borderValue=0)
    return int(np.count_nonzero(valid)) >= max(int(np.count_nonzero(hole)), 16)


def _half(shape: tuple[int, int]) -> tuple[int, int]:
    return (shape[0] + 1) // 2, (shape[1] + 1) // 2


def _resize(image: np.ndarray, shape: tuple[int, int], interpolation: int) -> np.ndarray:
    """cv2.resize for any number of channels (it takes at most 4 at a time)."""
    size = (shape[1], shape[0])
    if image.ndim == 2 or image.shape[2] <= 4:
        return cv2.resize(image, size, interpolation=interpolation)
    parts = [
        cv2.resize(np.ascontiguousarray(image[:, :, c : c + 4]), size, interpolation=interpolation)
        for c in range(0, image.shape[2], 4)
    ]
    return np.concatenate([p if p.ndim == 3 else p[:, :, None] for p in parts], axis=2)


def _down(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    return _resize(image, shape, cv2.INTER_AREA)


def _square(radius: int) -> np.ndarray:
    return np.ones((2 * radius + 1, 2 * radius + 1), np.uint8)


@dataclass
class _Level:
    image: np.ndarray  # float32 h×w×3: known pixels exact, the hole the current estimate
    hole: np.ndarray  # bool h×w
    guide: np.ndarray  # float32 h×w×3 (the image itself when there is no guide)
    guide_weight: np.ndarray  # float32 h×w: the guide term's weight (0 outside the hole)
    lowpass: np.ndarray  # float32 h×w×3: the known pixels blurred as much as the guide
    valid: np.ndarray  # bool h×w: centres of wholly known patches inside the box
    sources: np.ndarray  # (n, 2) int32, the valid centres
    targets: np.ndarray  # (m, 2) int32, centres of patches touching the hole
    is_target: np.ndarray  # bool h×w
    finest: bool = False
    search: int | None = None  # random search window (None: the whole box)
    anchor: np.ndarray | None = None  # the hole's texture channels at the level's start


# A guide weight below this changes nothing measurable, and its blurred copy of the photo
# is the costliest part of a fine level: the guide is left out there.
_NEGLIGIBLE = 0.01


def _blur_known(values: np.ndarray, hole: np.ndarray, sigma: float) -> tuple[np.ndarray, ...]:
    """The known pixels' values (H×W×C, the hole's zeroed) and their weight (H×W), each
    blurred by a Gaussian of σ = `sigma`: their ratio is a blur of the known pixels alone."""
    known = (~hole).astype(np.float32)
    summed = cv2.GaussianBlur(values * known[:, :, None], (0, 0), sigma)
    return summed.reshape(values.shape), cv2.GaussianBlur(known, (0, 0), sigma)


def _lowpass(image: np.ndarray, hole: np.ndarray, blur: float) -> np.ndarray:
    """The known pixels' colours blurred by a Gaussian of σ = `blur` (normalised over known
    pixels, so the hole's estimate does not leak into the sources beside it)."""
    colour = np.ascontiguousarray(image[:, :, :3])
    if blur < 0.3:
        return colour
    summed, count = _blur_known(colour, hole, blur)
    return summed / np.maximum(count, 1e-6)[:, :, None]


def _level(
    image: np.ndarray,
    hole: np.ndarray,
    guide: np.ndarray | None,
    weight: float,
    blur: float,
    radius: int,
) -> _Level:
    height, width = hole.shape
    known = (~hole).astype(np.uint8)
    valid = cv2.erode(known, _square(radius), borderType=cv2.BORDER_CONSTANT, borderValue=0) > 0
    valid[:radius], valid[height - radius :] = False, False
    valid[:, :radius], valid[:, width - radius :] = False, False
    is_target = cv2.dilate(hole.astype(np.uint8), _square(radius)) > 0
    guide_weight = np.zeros(hole.shape, np.float32)
    if guide is not None and weight > _NEGLIGIBLE:
        guide = guide.astype(np.float32, copy=False)
        guide_weight[hole] = weight
        lowpass = _lowpass(image, hole, blur)
    else:
        guide, lowpass = image, image
    return _Level(
        image=image,
        hole=hole,
        guide=guide,
        guide_weight=guide_weight,
        lowpass=lowpass,
        valid=valid,
        sources=kernels.coordinates(valid),
        targets=kernels.coordinates(is_target),
        is_target=is_target,
    )


def _em_step(
    level: _Level, nnf: np.ndarray, radius: int, config: SynthesisConfig, passes: int, seed: int
) -> np.ndarray:
    """One EM iteration: improve the field (`passes` PatchMatch passes), then vote the hole.
    Returns each target's cost for its match."""
    cost = np.empty(level.hole.shape, np.float32)
    guide = (level.guide, level.guide_weight, level.lowpass)
    kernels.refresh_costs(level.image, *guide, level.targets, nnf, cost, radius)
    if passes == 0:  # vote with the field as it is (carried up from the coarser level)
        _vote(level, nnf, cost, radius, config)
        _hold_texture(level, config)
        return cost
    search = max(level.hole.shape) if level.search is None else level.search
    kernels.patchmatch(
        level.image,
        *guide,
        level.valid,
        level.sources,
        level.targets,
        _bands(level.targets),
        level.is_target,
        nnf,
        cost,
        radius,
        passes,
        search,
        seed,
    )
    _vote(level, nnf, cost, radius, config)
    _hold_texture(level, config)
    return cost


def _hold_texture(level: _Level, config: SynthesisConfig) -> None:
    """Pull the hole's texture channels back towards the level's start after a vote.

    Why: the texture channels say how busy each place is, so that a flat patch is not
    the cheapest match inside a busy texture; but voted freely they follow whatever
    patches were copied, and once a few flat ones are, the hole's estimate says "flat"
    and draws more (a wood floor's grain filled with the blurred background above it:
    high-frequency ratio 0.33). The start is the context's busyness carried into the
    hole (OpenCV's fill at the coarsest level, the coarser level's result above it).
    Measured on the real-photo benchmark's tune half, held at half: masked PSNR +0.03 dB,
    patch SWD −0.085 (blobs −0.23), high-frequency ratio 0.91 → 0.95; held wholly, SWD
    no better than voted and the ratio overshoots to 1.09. Not in the structure pass: a stem
    crossing the hole must be free to bring its own texture along there (held, the
    test's stem was no longer bridged).
    """
    if level.anchor is None or config.texture_anchor == 0:
        return
    share = config.texture_anchor
    voted = level.image[level.hole, 3:]
    level.image[level.hole, 3:] = share * level.anchor + (1 - share) * voted


def _vote(
    level: _Level,
    nnf: np.ndarray,
    cost: np.ndarray,
    radius: int,
    config: SynthesisConfig,
    where: np.ndarray | None = None,
    out: np.ndarray | None = None,
) -> None:
    """Vote the hole (or the pixels `where`) of `out` (the level's own image by default)."""
    sigma = config.sigma_fine if level.finest else config.sigma
    sigma2 = 3 * sigma**2  # the cost sums the 3 colour channels (and the texture's)
    where = level.hole if where is None else where
    out = level.image if out is None else out
    kernels.vote(level.image, where, level.targets, nnf, cost, radius, sigma2, out)


def _bands(targets: np.ndarray, count: int = 16) -> np.ndarray:
    """Cut the (row-ordered) targets into up to `count` bands of whole rows."""
    if len(targets) == 0:
        return np.zeros(1, np.int64)
    rows = targets[:, 0]
    cuts = np.linspace(rows[0], rows[-1] + 1, count + 1).round().astype(np.int64)
    starts = np.unique(np.searchsorted(rows, cuts))
    return np.concatenate([starts[starts < len(rows)], [len(rows)]]).astype(np.int64)


def _random_nnf(level: _Level, rng: np.random.Generator) -> np.ndarray:
    nnf = np.zeros((*level.hole.shape, 2), np.int32)
    picks = rng.integers(0, len(level.sources), len(level.targets))
    nnf[level.targets[:, 0], level.targets[:, 1]] = level.sources[picks]
    return nnf


def _upsample_nnf(coarse: np.ndarray, level: _Level, rng: np.random.Generator) -> np.ndarray:
    """Each target's coarse match, doubled, plus its offset inside its coarse pixel."""
    ty, tx = level.targets[:, 0], level.targets[:, 1]
    qy = 2 * coarse[ty // 2, tx // 2, 0] + ty % 2
    qx = 2 * coarse[ty // 2, tx // 2, 1] + tx % 2
    height, width = level.hole.shape
    qy, qx = np.clip(qy, 0, height - 1), np.clip(qx, 0, width - 1)
    return _field(level, qy, qx, ~level.valid[qy, qx], rng)


def _checked_nnf(field: np.ndarray, level: _Level, rng: np.random.Generator) -> np.ndarray:
    """A field from elsewhere, its matches that are no source here re-drawn at random."""
    ty, tx = level.targets[:, 0], level.targets[:, 1]
    height, width = level.hole.shape
    qy, qx = field[ty, tx, 0], field[ty, tx, 1]
    inside = (qy >= 0) & (qy < height) & (qx >= 0) & (qx < width)
    qy, qx = np.clip(qy, 0, height - 1), np.clip(qx, 0, width - 1)
    return _field(level, qy, qx, ~inside | ~level.valid[qy, qx], rng)


def _field(
    level: _Level, qy: np.ndarray, qx: np.ndarray, bad: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """The field that matches the level's targets (in order) to (qy, qx), the `bad`
    matches re-drawn from the level's sources at random."""
    if bad.any():
        picks = level.sources[rng.integers(0, len(level.sources), int(bad.sum()))]
        qy[bad], qx[bad] = picks[:, 0], picks[:, 1]
    nnf = np.zeros((*level.hole.shape, 2), np.int32)
    nnf[level.targets[:, 0], level.targets[:, 1], 0] = qy
    nnf[level.targets[:, 0], level.targets[:, 1], 1] = qx
    return nnf


def _taps(at: np.ndarray, source: int, target: int) -> tuple[np.ndarray, ...]:
    """For target pixels `at` along one axis: the two source pixels a bilinear scaling
    from `source` to `target` pixels reads (centres aligned, edges clamped, as OpenCV
    does) and the second one's weight."""
    position = np.clip((at + 0.5) * (source / target) - 0.5, 0, source - 1)
    low = np.floor(position).astype(np.intp)
    return low, np.minimum(low + 1, source - 1), (position - low).astype(np.float32)[:, None]


def _upsampled_at(coarse: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """The coarser level's estimate scaled up bilinearly to `hole`'s shape, at the hole's
    pixels only (n × channels), colours clipped to 0–255.

    The same as `cv2.resize(coarse, ..., INTER_LINEAR)[hole]` without scaling up the
    whole box, most of which is known pixels (on a 5-megapixel box: 0.2 GB less)."""
    ys, xs = np.nonzero(hole)
    y0, y1, wy = _taps(ys, coarse.shape[0], hole.shape[0])
    x0, x1, wx = _taps(xs, coarse.shape[1], hole.shape[1])
    top = coarse[y0, x0] * (1 - wx) + coarse[y0, x1] * wx
    bottom = coarse[y1, x0] * (1 - wx) + coarse[y1, x1] * wx
    values = top * (1 - wy) + bottom * wy
    values[:, :3] = np.clip(values[:, :3], 0, 255)
    return values


def _coarse_start(image: np.ndarray, hole: np.ndarray, guide: np.ndarray | None) -> np.ndarray:
    """The coarsest estimate: the guide's colours in the hole, or OpenCV's Telea fill
    without one; texture features (channels past the colour) by Telea either way."""
    out = image.copy()
    mask = hole.astype(np.uint8)
    if guide is not None:
        out[hole, :3] = guide[hole]
    else:
        rounded = np.clip(np.rint(image[:, :, :3]), 0, 255).astype(np.uint8)
        filled = cv2.inpaint(rounded, mask, 3, cv2.INPAINT_TELEA)
        out[hole, :3] = filled[hole]
    for channel in range(3, image.shape[2]):
        plane = np.ascontiguousarray(image[:, :, channel])
        out[hole, channel] = cv2.inpaint(plane, mask, 3, cv2.INPAINT_TELEA)[hole]
    return out


def _with_texture(photo: np.ndarray, hole: np.ndarray, config: SynthesisConfig) -> np.ndarray:
    """The photo (float32) with two texture channels: mean |∂x| and |∂y| of its grey levels
    around each pixel, × `texture_weight` (Newson et al. 2014).

    Why: matching colours alone, a flat patch is the cheapest match for a blurry estimate
    of a busy texture (a grey background wins inside fur); the texture channels say how
    busy each place is, and they are computed at full resolution, so they still say it
    at the coarse levels where the texture itself is averaged away. Only differences
    between two known pixels count, so the hole's contents never leak in.
    """
    if config.texture_weight == 0:
        return photo.astype(np.float32)
    image = np.empty((*hole.shape, 5), np.float32)  # written in place: no concatenated copy
    image[:, :, :3] = photo
    grey = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY).astype(np.float32)
    known = ~hole
    for channel, axis in ((3, 1), (4, 0)):
        ahead = (slice(None), slice(2, None)) if axis == 1 else (slice(2, None), slice(None))
        behind = (slice(None), slice(None, -2)) if axis == 1 else (slice(None, -2), slice(None))
        middle = (slice(None), slice(1, -1)) if axis == 1 else (slice(1, -1), slice(None))
        magnitude = np.zeros(hole.shape, np.float32)
        valid = np.zeros(hole.shape, bool)
        valid[middle] = known[ahead] & known[behind] & known[middle]
        magnitude[middle] = np.abs(grey[ahead] - grey[behind]) * 0.5
        magnitude[~valid] = 0
        blur = config.texture_blur
        mean = cv2.GaussianBlur(magnitude, (0, 0), blur) / np.maximum(
            cv2.GaussianBlur(valid.astype(np.float32), (0, 0), blur), 1e-3
        )
        image[:, :, channel] = config.texture_weight * mean
    return image


# A wider view of the photo around a box at one scale: its pixels (uint8), its hole, and
# where the box's top-left corner lies in it.
_View = tuple[np.ndarray, np.ndarray, tuple[int, int]]


def _solve_box(
    photo: np.ndarray,
    hole: np.ndarray,
    guide: np.ndarray | None,
    guide_scale: float,
    config: SynthesisConfig,
    seed: int,
    cancel: CancelToken | None,
    on_iteration: Callable[[int, int], None],
    wider: Callable[[int], _View] | None = None,
    shrink: float = 0.0,
    depth: int | None = None,
) -> tuple[np.ndarray, list[tuple[int, int]], np.ndarray | None]:
    """Synthesise one box's hole; returns its uint8 pixels, the size of each level and
    the finest level's nearest-neighbour field (None when nothing could be copied).

    With `wider` (a view of the photo around the box at a given number of halvings),
    the coarse structure is solved there first: it is the coarsest level's start (else
    the guide with `start_from_guide`, or OpenCV's fill). With
    `shrink` > 0 the coarser levels come from known pixels only, the hole shrinking.
    `depth` is `_levels(hole, config)` when the caller has it already (on a 12 MP box a
    quarter of a second).
    """
    radius = config.patch // 2
    count = _levels(hole, config) if depth is None else depth
    # Each level's image is used once, in place; the full-resolution guide stays uint8
    # (at full resolution its weight is usually negligible): on a 5-megapixel box these
    # copies were most of the peak memory.
    images: list[np.ndarray] = [_with_texture(photo, hole, config)]
    holes = [hole]
    guides = [guide]
    for _ in range(count):
        shape = _half(holes[-1].shape)
        if min(shape) <= 2 * radius + 2:
            break
        if shrink > 0:
            smaller_image, smaller = _down_masked(images[-1], holes[-1], shape, shrink)
        else:
            smaller_image, smaller = None, _down(holes[-1].astype(np.float32), shape) > 0
        if not _enough_sources(smaller, radius):
            break  # a level with nothing whole to copy from would only blur the hole
        images.append(_down(images[-1], shape) if smaller_image is None else smaller_image)
        holes.append(smaller)
        last = guides[-1]
        guides.append(None if last is None else _down(last.astype(np.float32, copy=False), shape))
    count = len(images) - 1
    sizes = [h.shape for h in holes]
    structure = None
    if wider is not None:
        structure = _structure_start(wider(count), holes[count].shape, config, seed, cancel)
    rng = np.random.default_rng(seed)
    total = _steps(count, config, structure is not None)
    done = 0
    nnf: np.ndarray | None = None
    estimate = images[count]
    for k in range(count, -1, -1):
        # The guide is as sharp as it gets at levels coarser than its own pixels; finer,
        # it is compared with the photo blurred by its own pixel size.
        finer = max(0.0, math.log2(max(guide_scale, 1.0)) - k)
        weight = config.guide_weight * config.guide_decay ** math.ceil(finer)
        blur = config.guide_blur * guide_scale / 2**k
        if k == count:
            start = guides[k] if config.start_from_guide else None
            if structure is not None:
                start = structure[0]
            image = _coarse_start(images[k], holes[k], start)
        else:
            image = images[k]
            image[holes[k]] = _upsampled_at(estimate, holes[k])
        local = k < config.local_levels  # the carried-up field is close: search near it
        radius = (config.patch_fine if local else config.patch) // 2
        level = _level(image, holes[k], guides[k], weight, blur, radius)
        level.finest = k == 0
        if image.shape[2] > 3 and config.texture_anchor > 0:
            level.anchor = image[holes[k], 3:].copy()
        if local:
            level.search = config.local_search
        if len(level.sources) == 0:
            return _fallback(images[0], holes[0], guides[0]), sizes, None
        iterations = _em_iterations(k, count, config)
        if k == count and structure is not None:
            # The wider view's field, refined once before it votes: more EM iterations
            # here, in a box with less context, wear a thin bridged line back down.
            nnf = _checked_nnf(structure[1], level, rng)
            iterations = 1
        elif nnf is None:
            nnf = _random_nnf(level, rng)
        else:  # the first vote copies this level's own pixels along the carried-up field
            nnf = _upsample_nnf(nnf, level, rng)
            cost = _em_step(level, nnf, radius, config, 0, 0)
        passes = _passes(k, count, config)
        for _ in range(iterations):
            check(cancel)
            cost = _em_step(level, nnf, radius, config, passes, int(rng.integers(0, 2**31 - 1)))
            done += 1
            on_iteration(done, total)
        estimate = level.image
    out = _finish(photo, hole, level, nnf, cost, radius, config)
    on_iteration(total, total)  # the finishing touches are a step of their own
    return out, sizes, nnf


def _structure_start(
    view: _View,
    shape: tuple[int, int],
    config: SynthesisConfig,
    seed: int,
    cancel: CancelToken | None,
) -> tuple[np.ndarray, np.ndarray] | None:
    """The coarsest level's start (float32 colours) and field, synthesised on a wider view
    of the photo at the same scale; None when that view has nothing to copy.

    Why: in the box's own pyramid a stem or a wire crossing a big hole is a thin line
    among patches of background, and EM's votes average it away. In the wider view the
    pyramid goes on down until the hole is a few pixels across, with a hole that shrinks
    level by level as PatchMatch's does; there the line's two ends lie within one patch
    and the best match for it is a patch of the line itself, so it is bridged, and each
    finer level only has a thin new ring to fill around that structure.
    """
    image, hole, (top, left) = view
    deeper = replace(
        config,
        coarsest=config.structure_coarsest,
        patch=config.structure_patch,
        patch_fine=config.structure_patch,
        structure_context=0.0,
        texture_anchor=0.0,
        local_levels=0,
        seam=False,
        start_from_guide=False,
    )
    filled, _, nnf = _solve_box(
        image, hole, None, 1.0, deeper, seed, cancel, lambda done, total: None,
        shrink=config.structure_shrink,
    )  # fmt: skip
    if nnf is None:
        return None
    rows, columns = slice(top, top + shape[0]), slice(left, left + shape[1])
    field = nnf[rows, columns] - np.array([top, left], np.int32)  # in the box's pixels
    return filled[rows, columns].astype(np.float32), field


def _finish(
    photo: np.ndarray,
    hole: np.ndarray,
    level: _Level,
    nnf: np.ndarray,
    cost: np.ndarray,
    radius: int,
    config: SynthesisConfig,
) -> np.ndarray:
    """The finest level's fill as uint8, sharpened, its seam with the photo removed.

    The patches also say what the known pixels just outside the hole would be; where
    that differs from the photo the fill shows a seam. Adding the smooth membrane that
    takes those differences into the hole (a Poisson blend: the fill's gradients kept,
    its edge values the photo's) removes it without touching the texture
    (`config.seam`)."""
    fill = level.image
    region = hole
    if config.seam:
        region = cv2.dilate(hole.astype(np.uint8), _square(max(radius, 1))) > 0
    near = _bounds(region)  # the work below stays in the hole's bounding box
    if config.seam:
        fill = np.empty_like(level.image)  # only `near` is ever read: copy just that
        fill[near] = level.image[near]
        _vote(level, nnf, cost, radius, config, where=region, out=fill)
    if config.sharpen > 0:
        ys, xs = np.nonzero(region)
        own = level.image[nnf[ys, xs, 0], nnf[ys, xs, 1]]
        fill[ys, xs] += config.sharpen * (own - fill[ys, xs])
    out = photo.copy()
    colour = fill[near][:, :, :3]
    if config.seam:
        difference = photo[near].astype(np.float32) - colour
        colour = colour + _membrane(difference, region[near] & ~hole[near], hole[near])
    rounded = np.clip(np.rint(colour), 0, 255).astype(np.uint8)
    out[near][hole[near]] = rounded[hole[near]]
    return out


def _bounds(mask: np.ndarray) -> tuple[slice, slice]:
    left, top, width, height = cv2.boundingRect(mask.astype(np.uint8))
    return slice(top, top + height), slice(left, left + width)


# The membrane is solved on a grid whose longer side is at most this many cells: it is
# smooth, so a coarse solve scaled up is as good, and it costs the same on any photo.
_MEMBRANE_CELLS = 192


def _membrane(difference: np.ndarray, band: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """The harmonic function in `hole` that equals `difference` on `band` (the known
    pixels around it): float32 H×W×3, zero outside the hole.

    Solved with `blend.harmonic` on a grid coarse enough to take at most a fraction of
    a second, then scaled up."""
    height, width = hole.shape
    factor = max(1, math.ceil(max(height, width) / _MEMBRANE_CELLS))
    weight = band.astype(np.float32)
    if factor == 1:
        cells, values, inside = band, difference, hole & ~band
    else:
        shape = (math.ceil(height / factor), math.ceil(width / factor))
        share = _down(weight, shape)
        cells = share > 0
        values = _down(difference * weight[:, :, None], shape) / np.maximum(share, 1e-6)[..., None]
        inside = (_down(hole.astype(np.float32), shape) > 0) & ~cells
    membrane = harmonic(np.where(cells[:, :, None], values, 0), inside)
    if factor > 1:
        membrane = cv2.resize(membrane, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.where(hole[:, :, None], membrane, 0).astype(np.float32)


def _fallback(image: np.ndarray, hole: np.ndarray, guide: np.ndarray | None) -> np.ndarray:
    """No wholly known patch to copy from: the guide, or OpenCV's fill."""
    filled = _coarse_start(image, hole, guide)[:, :, :3]
    return np.clip(np.rint(filled), 0, 255).astype(np.uint8)


def _steps(count: int, config: SynthesisConfig, structured: bool) -> int:
    """Progress steps of one box with `count` levels below full resolution: its EM
    iterations (one at the coarsest level when it starts from the structure pass), and
    one for the seam and sharpening at the end."""
    steps = sum(_em_iterations(k, count, config) for k in range(count + 1)) + 1
    return steps - (_em_iterations(count, count, config) - 1 if structured else 0)


def _em_iterations(k: int, count: int, config: SynthesisConfig) -> int:
    """em_max at the coarsest level (k = count), em_per_level fewer per finer level, ≥ 1.

    Counted from the coarsest level, so a big photo's extra levels (the fine ones, where
    a pass is costly and the carried-up field is already close) get the fewest. Full
    resolution searched near the carried-up field gets at most `em_finest`: a brush
    stroke's pyramid is shallow (it goes as deep as the stroke is thick), and counted
    from its coarsest level its full-resolution level got five iterations of two passes
    over the whole photo. Capped at two of one (measured on the real-photo benchmark's
    tune half): masked PSNR +0.014 ± 0.013 dB, patch SWD −0.012 ± 0.008, strokes' fills
    15 % faster; three of two: −0.008 dB, +0.002.
    """
    iterations = max(1, config.em_max - config.em_per_level * (count - k))
    return min(iterations, config.em_finest) if _finest_local(k, config) else iterations


def _passes(k: int, count: int, config: SynthesisConfig) -> int:
    """PatchMatch passes per EM iteration: passes_max at the coarsest, one fewer per level
    (at most `passes_finest` at a full resolution searched locally)."""
    passes = max(1, config.passes_max - (count - k))
    return min(passes, config.passes_finest) if _finest_local(k, config) else passes


def _finest_local(k: int, config: SynthesisConfig) -> bool:
    return k == 0 and config.local_levels > 0


def _wider_view(
    image: np.ndarray, hole: np.ndarray, box: Box, config: SynthesisConfig
) -> Callable[[int], _View]:
    """`box` with `structure_context` × its side more of the photo on every side (as far
    as the photo goes), scaled down by 2^levels from the known pixels only.

    Its left and top margins are whole multiples of the scale, so that its pixels line
    up with the box's own pyramid at that level. It is scaled in uint8 (the photo's
    pixels times 0 or 1 stay exact), so a 12-megapixel view costs no float copy."""

    def view(levels: int) -> _View:
        scale = 2**levels
        grow = int(config.structure_context * max(box.height, box.width))
        top = min(grow, box.y0) // scale * scale
        left = min(grow, box.x0) // scale * scale
        y0, x0 = box.y0 - top, box.x0 - left
        y1, x1 = min(box.y1 + grow, hole.shape[0]), min(box.x1 + grow, hole.shape[1])
        size = (math.ceil((x1 - x0) / scale), math.ceil((y1 - y0) / scale))
        known = (~hole[y0:y1, x0:x1]).astype(np.uint8)
        weighted = cv2.resize(
            image[y0:y1, x0:x1] * known[:, :, None], size, interpolation=cv2.INTER_AREA
        )
        share = cv2.resize(known * 255, size, interpolation=cv2.INTER_AREA).astype(np.float32) / 255
        small = weighted.astype(np.float32) / np.maximum(share, 1e-6)[:, :, None]
        small = np.clip(np.rint(small), 0, 255).astype(np.uint8)
        return small, share < 0.5, (top // scale, left // scale)

    return view


def synthesize(
    image: np.ndarray,
    hole: np.ndarray,
    guide: np.ndarray | None = None,
    config: SynthesisConfig | None = None,
    *,
    guide_scale: float = 1.0,
    seed: int = 0,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    message: str = "Synthesising texture",
) -> SynthesisResult:
    """Fill `hole` (bool H×W, True = fill) of `image` (uint8 H×W×3) from its own patches.

    `guide` (uint8 H×W×3, read only in and near the hole) is a rough fill to follow,
    `guide_scale` its blur in photo pixels (a 64 px GAN fill of a 512 px region: 8).
    Known pixels come back unchanged. Progress counts EM iterations over all holes.
    """
    import time

    start = time.perf_counter()
    config = config or SynthesisConfig()
    image = np.asarray(image)
    hole = np.asarray(hole) != 0
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"image must be H×W×3 uint8, got {image.shape} {image.dtype}")
    if hole.shape != image.shape[:2]:
        raise ValueError(f"hole must be {image.shape[:2]}, got {hole.shape}")
    if guide is not None and (guide.shape != image.shape or guide.dtype != np.uint8):
        raise ValueError(f"guide must match the image ({image.shape} uint8), got {guide.shape}")
    out = image.copy()
    if not hole.any():
        return SynthesisResult(out, seconds=time.perf_counter() - start)
    boxes = synthesis_boxes(hole, config)
    # The structure pass starts each box's coarsest level unless it is off or the guide does.
    structured = config.structure_context > 0 and not config.start_from_guide
    depths = [_levels(hole[box.slices], config) for box in boxes]
    totals = [_steps(n, config, structured) for n in depths]
    grand, offset = max(sum(totals), 1), 0
    levels = []
    for index, box in enumerate(boxes):
        part = hole[box.slices]

        def on_iteration(done: int, total: int, offset: int = offset, index: int = index) -> None:
            report(
                progress,
                Progress(
                    step=min(offset + done, grand),
                    total=grand,
                    message=message
                    if len(boxes) == 1
                    else f"{message}: part {index + 1} of {len(boxes)}",
                ),
            )

        filled, sizes, _ = _solve_box(
            image[box.slices],
            part,
            None if guide is None else guide[box.slices],
            guide_scale,
            config,
            seed * 7919 + index,
            cancel,
            on_iteration,
            _wider_view(image, hole, box, config) if structured else None,
            depth=depths[index],
        )
        out[box.slices][part] = filled[part]
        levels.append(sizes)
        offset += totals[index]
    report(progress, Progress(step=grand, total=grand, message=f"{message}: done", preview=out))
    return SynthesisResult(out, boxes, levels, time.perf_counter() - start)


def load_kernels() -> None:
    """Fill a tiny hole, so that the first real fill of the process does not pay for
    loading the compiled kernels.

    Why: the first call of a numba kernel in a process loads numba's typing registries
    (0.25–0.3 s on 2 cores, once per process, whatever the photo); the app calls this in
    the background once its window is up, while the user is still painting the mask.
    """
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (48, 48, 3), dtype=np.uint8)
    hole = np.zeros((48, 48), bool)
    hole[18:30, 18:30] = True
    synthesize(image, hole, guide=image)
