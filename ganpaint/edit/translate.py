"""Run a CycleGAN / pix2pix generator over a photo of any size, or over a selection of it.

The generators are fully convolutional but need sides that are multiples of
2**downsamplings, and a whole large photo at once needs memory in proportion to its
area (a 2048² photo through ResNet-9 allocates gigabytes). So the photo is cut into
overlapping tiles of at most `tile` pixels, run a few tiles per batch, and put back
with weights that fade each tile out across its overlaps, which hides the seams.
Memory then depends on the tile size, not the photo size.

With a `mask`, only the selection (plus some context) is run through the network and
the result is blended in, so pixels away from the selection stay exactly as they were.
"""

from __future__ import annotations

import contextlib
import math
import time
import types
import weakref
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ganpaint.convert import image_to_tensor, tensor_to_image
from ganpaint.device import fast_bf16, resolve_device
from ganpaint.edit.blend import BLEND_MODES, blend, blend_margin
from ganpaint.edit.progress import CancelToken, Progress, ProgressFn, check, report
from ganpaint.edit.region import reflect_indices
from ganpaint.models.norm import ImageStatisticsBatchNorm2d

__all__ = [
    "NORM_STATS",
    "TranslateResult",
    "generator_channels",
    "memory_estimate",
    "minimum_side",
    "plan_tiles",
    "required_multiple",
    "translate",
]

# Where tiled instance norm takes its statistics from (see _thumbnail_statistics).
NORM_STATS = ("thumbnail", "tile")

# Context kept around a selection, as a fraction of its bounding box's long side
# (and at least _MIN_CONTEXT pixels): the network sees what surrounds the selection.
_CONTEXT = 0.25
_MIN_CONTEXT = 32

# Bytes held per pixel of the (padded) photo outside the network: the float input and
# output (3 + 3 channels), the tiles' weight sum, and the uint8 copies back.
BYTES_PER_PIXEL = 48

# Sides tried when looking for a generator's smallest input, in multiples of its stride.
_MINIMUM_PROBES = (1, 2, 3, 4, 6, 8)
_minimums: weakref.WeakKeyDictionary[nn.Module, int] = weakref.WeakKeyDictionary()


@dataclass
class TranslateResult:
    """The translated photo (uint8 H×W×3 RGB), how many tiles it took, and how long."""

    image: np.ndarray
    tiles: int
    seconds: float
    batches: int = 0


def required_multiple(generator: nn.Module) -> int:
    """The number the input's height and width must be a multiple of.

    Read from the net where it says so (`size_multiple`, or `num_downs` in its
    config: 2**num_downs for a U-Net); otherwise the product of the strides of its
    convolutions and pools (4 for ResNet's two stride-2 convs), which is always a
    multiple of what the net needs.
    """
    explicit = getattr(generator, "size_multiple", None)
    if isinstance(explicit, int) and explicit > 0:
        return explicit
    config = getattr(generator, "config", None)
    if isinstance(config, dict) and isinstance(config.get("num_downs"), int):
        return 2 ** config["num_downs"]
    multiple = 1
    for module in generator.modules():
        if isinstance(module, nn.Conv2d | nn.MaxPool2d | nn.AvgPool2d):
            stride = module.stride
            stride = stride if isinstance(stride, tuple) else (stride, stride)
            multiple *= max(int(s) for s in stride)
    return multiple


def minimum_side(generator: nn.Module, multiple: int | None = None) -> int:
    """The smallest side, a multiple of `multiple`, that `generator` can translate.

    Strides shrink the input to side / multiple at the bottleneck, where instance norm
    needs more than one pixel and reflection padding more than its width: a ResNet
    (multiple 4) needs 8 px, a U-Net its multiple. Rules differ per layer, so a blank
    square of growing sides is run once per generator (in eval mode) and the first
    that works is remembered; smaller photos and tiles are padded up to it.
    """
    multiple = required_multiple(generator) if multiple is None else multiple
    if generator in _minimums:
        return max(_minimums[generator], multiple)
    first = next(generator.parameters(), None)
    device = first.device if first is not None else torch.device("cpu")
    dtype = first.dtype if first is not None and first.is_floating_point() else torch.float32
    channels = generator_channels(generator)[0]
    with _prepared(generator, device, channels_last=False) as net, torch.inference_mode():
        for factor in _MINIMUM_PROBES:
            side = factor * multiple
            try:
                net(torch.zeros(1, channels, side, side, device=device, dtype=dtype))
            except (RuntimeError, ValueError):
                continue
            _minimums[generator] = side
            return side
    raise ValueError(
        f"{type(generator).__name__} fails on every side up to "
        f"{_MINIMUM_PROBES[-1] * multiple} px; it cannot translate photos."
    )


def memory_estimate(height: int, width: int, multiple: int = 1) -> int:
    """Bytes `translate` holds for a height×width photo besides the network's tiles."""
    padded = math.ceil(height / multiple) * multiple * math.ceil(width / multiple) * multiple
    return padded * BYTES_PER_PIXEL


def generator_channels(generator: nn.Module) -> tuple[int, int]:
    """(input channels, output channels): from its config, else its first and last conv."""
    config = getattr(generator, "config", None)
    if isinstance(config, dict) and {"input_nc", "output_nc"} <= config.keys():
        return int(config["input_nc"]), int(config["output_nc"])
    convs = [m for m in generator.modules() if isinstance(m, nn.modules.conv._ConvNd)]
    if not convs:
        raise ValueError(f"{type(generator).__name__} has no convolution to read channels from.")
    return int(convs[0].in_channels), int(convs[-1].out_channels)


def _alignment(multiple: int, overlap: int) -> int:
    """The step tile offsets are multiples of: the net's multiple when the overlap allows.

    A net with strides is shift-equivariant only for shifts that are multiples of its
    total stride; tiles placed on that grid compute exactly what the whole image would.
    For a U-Net (multiple 256) that would force huge overlaps, so there the largest
    power-of-two divisor of the multiple that fits in the overlap is used (all but the
    deepest levels in step).
    """
    align = multiple
    while align > 1 and align > max(overlap, 1):
        if align % 2:
            return 1
        align //= 2
    return align


def _axis_plan(n: int, tile: int, overlap: int, multiple: int, align: int) -> tuple[int, list[int]]:
    """Tile side and start offsets along an axis of length n (a multiple of `multiple`).

    As few tiles as fit in `tile` with at least `overlap` shared pixels, then each tile
    shrunk to the smallest multiple-sized side that still covers the axis with that
    overlap, spread evenly on the `align` grid: a 2048 px side with tile 512 and
    overlap 32 takes five 436 px tiles, not five 512 px ones (a quarter less work).
    """
    if n <= tile:
        return n, [0]
    overlap = math.ceil(overlap / align) * align
    count = math.ceil((n - overlap) / (tile - overlap))
    side = math.ceil((n + (count - 1) * overlap) / count)
    side = min(math.ceil(side / multiple) * multiple, n)
    steps = (n - side) // align
    return side, [align * ((i * steps) // (count - 1)) for i in range(count)]


def plan_tiles(
    height: int, width: int, tile: int | None, overlap: int, multiple: int, minimum: int = 0
) -> tuple[tuple[int, int], list[tuple[int, int]]]:
    """((tile height, tile width), [(top, left), ...]) covering a height×width image.

    height and width must be multiples of `multiple` (translate pads the photo first);
    tile sides are multiples of it too, at least `minimum` (the net's smallest input),
    and neighbouring tiles share >= `overlap` pixels.
    """
    if height % multiple or width % multiple:
        raise ValueError(f"{height}×{width} is not a multiple of {multiple}; pad it first")
    if tile is None:
        return (height, width), [(0, 0)]
    if tile < 1 or overlap < 0:
        raise ValueError(f"tile must be >= 1 and overlap >= 0, got tile={tile}, {overlap=}")
    tile = max(tile // multiple * multiple, multiple, minimum)
    # At most half a tile, so every tile keeps a middle that only it covers.
    overlap = min(overlap, tile // 2)
    align = _alignment(multiple, overlap)
    tile_h, tops = _axis_plan(height, tile, overlap, multiple, align)
    tile_w, lefts = _axis_plan(width, tile, overlap, multiple, align)
    return (tile_h, tile_w), [(top, left) for top in tops for left in lefts]


def _rise(shared: int) -> torch.Tensor:
    """Weight of the later tile across `shared` overlapping pixels (the earlier: 1 − it).

    The outer quarter next to each tile's cut edge gets (almost) no weight: there the
    net saw padding instead of the neighbouring pixels. In between, a raised cosine.
    """
    trim = shared // 4
    ramp = shared - 2 * trim
    t = (torch.arange(shared, dtype=torch.float32) - trim + 0.5) / ramp
    return 0.5 - 0.5 * torch.cos(math.pi * t.clamp(0.0, 1.0))


def _ramps(starts: list[int], side: int) -> list[torch.Tensor]:
    """Per tile, a 1-D weight: 1 in the middle, fading across each overlap.

    Neighbours' fades over the same pixels sum to 1 (a partition of unity), so a flat
    image stays flat and there is no seam; at the photo's edge, no fade. A small floor
    keeps every weight positive, so the normalising sum is never zero.
    """
    floor = 1e-4
    ramps = []
    for i, start in enumerate(starts):
        weight = torch.ones(side, dtype=torch.float32)
        if i > 0 and (shared := starts[i - 1] + side - start) > 0:
            weight[:shared] = _rise(shared).clamp_min(floor)
        if i + 1 < len(starts) and (shared := start + side - starts[i + 1]) > 0:
            weight[side - shared :] *= (1.0 - _rise(shared)).clamp_min(floor)
        ramps.append(weight)
    return ramps


def _pad_to_multiple(
    x: torch.Tensor, multiple: int, minimum: int = 0
) -> tuple[torch.Tensor, int, int]:
    """Reflect-pad NCHW up to multiples (and to `minimum`, the net's smallest side), half on
    each side; return it and the offsets."""
    height, width = x.shape[-2:]
    pad_h = max(-height % multiple, minimum - height)
    pad_w = max(-width % multiple, minimum - width)
    if pad_h == 0 and pad_w == 0:
        return x, 0, 0
    top, left = pad_h // 2, pad_w // 2
    # Indices, not F.pad: reflection deeper than the image (tiny photo, U-Net's 256)
    # keeps folding instead of failing.
    rows = torch.from_numpy(reflect_indices(-top, height + pad_h - top, height))
    cols = torch.from_numpy(reflect_indices(-left, width + pad_w - left, width))
    return x.index_select(-2, rows.to(x.device)).index_select(-1, cols.to(x.device)), top, left


@contextlib.contextmanager
def _prepared(
    generator: nn.Module, device: torch.device, channels_last: bool
) -> Iterator[nn.Module]:
    """The generator in eval mode on `device`; its modes, device and layout restored after.

    Each submodule's own train/eval flag is restored (a net may be training with some
    layers frozen in eval), not just the top one's.
    """
    modes = [(module, module.training) for module in generator.modules()]
    first = next(generator.parameters(), None)
    home = first.device if first is not None else device
    # Only undo a layout change we made: a net already in channels_last stays so.
    already_last = any(
        p.dim() == 4
        and not p.is_contiguous()
        and p.is_contiguous(memory_format=torch.channels_last)
        for p in generator.parameters()
    )
    restore_layout = channels_last and not already_last
    try:
        generator.eval()
        if home != device:
            generator.to(device)
        if channels_last:
            generator.to(memory_format=torch.channels_last)
        yield generator
    finally:
        if restore_layout:
            generator.to(memory_format=torch.contiguous_format)
        if home != device:
            generator.to(home)
        for module, training in modes:
            module.training = training


@dataclass(frozen=True)
class _Run:
    """How to feed the net: where, in what precision and layout, how many tiles at once."""

    device: torch.device
    dtype: torch.dtype
    amp: bool
    channels_last: bool
    multiple: int
    batch_size: int
    minimum: int = 0  # the net's smallest side (minimum_side)

    def forward(self, net: nn.Module, x: torch.Tensor) -> torch.Tensor:
        """Run the net on a CPU NCHW batch whose sides are multiples; result on its device."""
        x = x.to(self.device, dtype=self.dtype, non_blocking=True)
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        autocast = torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.amp)
        with torch.inference_mode(), autocast:
            return net(x)


def _live_instance_norms(net: nn.Module) -> list[nn.Module]:
    """Norm layers that normalise with each input's own statistics: InstanceNorm, and
    the BatchNorm of a pix2pix model run as its authors run it (one image's statistics)."""
    return [
        m
        for m in net.modules()
        if isinstance(m, ImageStatisticsBatchNorm2d)
        or (isinstance(m, nn.InstanceNorm2d) and not (m.track_running_stats and not m.training))
    ]


def _thumbnail(x: torch.Tensor, area: int, multiple: int, minimum: int) -> torch.Tensor:
    """`x` shrunk (area-averaged) to at most about `area` pixels, reflect-padded to multiples.

    Padding rather than resizing to the multiple keeps a small image exactly as it is.
    """
    height, width = x.shape[-2:]
    scale = math.sqrt(area / (height * width))
    if scale < 1.0:
        size = (max(1, round(height * scale)), max(1, round(width * scale)))
        x = F.interpolate(x, size=size, mode="area")
    return _pad_to_multiple(x, multiple, minimum)[0]


@contextlib.contextmanager
def _thumbnail_statistics(net: nn.Module, x: torch.Tensor, area: int, run: _Run) -> Iterator[None]:
    """Normalise every tile with statistics taken from a thumbnail of the whole image.

    Instance norm normalises each input by its own mean and variance, so tiles run on
    their own come out in different tones and the tiling shows. As in "thumbnail
    instance normalization" (Chen et al., AAAI 2022), one pass over a thumbnail of the
    whole image records each layer's statistics, and every tile is then normalised
    with those: one consistent look. The bigger the thumbnail the closer its statistics
    are to the whole image's (ResNet-9 at 2048², random weights: mean error against
    the untiled result 17 levels with per-tile statistics, 17 with a 436² thumbnail,
    8 with an 872² one). So it gets the pixels of a batch of tiles, which needs no more
    memory than the tiles (about 16 % more work at 2048² with the default tiles), but
    at most a quarter of the image's, which bounds the extra work on mid-sized images.
    The layers' `forward` is swapped on the instances only for the duration.
    """
    norms = _live_instance_norms(net)
    if not norms:
        yield
        return
    stats: dict[nn.Module, tuple[torch.Tensor, torch.Tensor]] = {}

    def record(module: nn.Module, args: tuple[torch.Tensor, ...], _out: torch.Tensor) -> None:
        var, mean = torch.var_mean(args[0].float(), dim=(0, 2, 3), unbiased=False)
        stats[module] = mean, var

    handles = [m.register_forward_hook(record) for m in norms]
    try:
        run.forward(net, _thumbnail(x, area, run.multiple, run.minimum))
    finally:
        for handle in handles:
            handle.remove()

    def frozen(self: nn.InstanceNorm2d, x: torch.Tensor) -> torch.Tensor:
        if self not in stats:  # not reached by the thumbnail pass: per-input as usual
            return type(self).forward(self, x)
        mean, var = stats[self]
        scale = torch.rsqrt(var + self.eps)
        if self.affine:
            scale = scale * self.weight.float()
            shift = self.bias.float() - mean * scale
        else:
            shift = -mean * scale
        shape = (1, -1, 1, 1)
        return torch.addcmul(shift.to(x.dtype).view(shape), x, scale.to(x.dtype).view(shape))

    previous = {module: vars(module).get("forward") for module in norms}
    for module in norms:
        module.forward = types.MethodType(frozen, module)
    try:
        yield
    finally:
        for module, forward in previous.items():
            del module.forward
            if forward is not None:
                module.forward = forward


def _run_tiles(
    x: torch.Tensor,
    net: nn.Module,
    out_channels: int,
    plan: tuple[tuple[int, int], list[tuple[int, int]]],
    run: _Run,
    progress: ProgressFn | None,
    cancel: CancelToken | None,
) -> tuple[torch.Tensor, int]:
    """Translate the 1×C×H×W CPU tensor `x` (sides multiples) tile by tile.

    Returns the 1×C'×H×W result on the CPU and the number of batches run.
    """
    (tile_h, tile_w), corners = plan
    height, width = x.shape[-2:]
    tops = sorted({top for top, _ in corners})
    lefts = sorted({left for _, left in corners})
    row_ramp = dict(zip(tops, _ramps(tops, tile_h), strict=True))
    col_ramp = dict(zip(lefts, _ramps(lefts, tile_w), strict=True))
    single = len(corners) == 1
    out = torch.zeros(out_channels, height, width, dtype=torch.float32)
    weight_sum = torch.zeros(height, width, dtype=torch.float32)
    size = run.batch_size
    batches = [corners[i : i + size] for i in range(0, len(corners), size)]

    for number, batch in enumerate(batches, start=1):
        check(cancel)
        tiles = torch.cat([x[:, :, t : t + tile_h, left : left + tile_w] for t, left in batch])
        result = run.forward(net, tiles)
        if result.shape[1] != out_channels:
            raise ValueError(
                f"The generator returned {result.shape[1]} channels, expected {out_channels}."
            )
        if result.shape[-2:] != tiles.shape[-2:]:
            raise ValueError(
                f"The generator turned a {tuple(tiles.shape[-2:])} input into "
                f"{tuple(result.shape[-2:])}; it must keep the size."
            )
        result = result.to("cpu", torch.float32)
        for (top, left), tile_out in zip(batch, result, strict=True):
            if single:
                out.copy_(tile_out)
                continue
            w = row_ramp[top][:, None] * col_ramp[left][None, :]
            out[:, top : top + tile_h, left : left + tile_w].addcmul_(tile_out, w)
            weight_sum[top : top + tile_h, left : left + tile_w] += w
        done = min(number * size, len(corners))
        report(
            progress,
            Progress(
                step=number, total=len(batches), message=f"Translated {done}/{len(corners)} tiles"
            ),
        )
    if not single:
        out /= weight_sum
    return out[None], len(batches)


def _selection_box(mask: np.ndarray) -> tuple[int, int, int, int]:
    """Rows y0:y1, cols x0:x1 of the selection plus context, clipped to the photo."""
    height, width = mask.shape
    rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    context = max(
        math.ceil(_CONTEXT * max(y1 - y0, x1 - x0)), _MIN_CONTEXT, blend_margin(mask.shape) + 1
    )
    return (
        max(int(y0) - context, 0),
        min(int(y1) + context, height),
        max(int(x0) - context, 0),
        min(int(x1) + context, width),
    )


def translate(
    image: np.ndarray,
    generator: nn.Module,
    *,
    multiple: int | None = None,
    tile: int | None = 512,
    overlap: int = 32,
    batch_size: int = 4,
    device: str | torch.device = "cpu",
    mask: np.ndarray | None = None,
    blend_mode: str = "feather",
    amp: bool | None = None,
    channels_last: bool | None = None,
    norm_stats: str = "thumbnail",
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> TranslateResult:
    """Translate a whole H×W×3 uint8 photo (or only `mask`'s selection) with `generator`.

    Returns a photo of the same size. `multiple` defaults to `required_multiple`;
    photos larger than `tile` are cut into tiles overlapping by `overlap` pixels and
    run `batch_size` at a time (`tile=None`: the whole photo at once). `amp` (bf16
    autocast) defaults to on wherever bf16 is fast (`fast_bf16`: CUDA, and CPUs with
    AVX512-BF16/AMX; outputs differ from fp32 by about 1 grey level), channels_last to
    CUDA only (on the CPU it was slower); pass `amp=False` for exact fp32.
    `mask` (bool H×W, True = selected) restricts the change to the selection, blended
    with `blend_mode`; pixels farther than `blend_margin` from it come back unchanged.
    The generator is used in eval mode and left in its previous mode, device and layout.
    Progress is reported per batch; `cancel` is checked between batches.
    """
    started = time.perf_counter()
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"image must be H×W×3 uint8, got {image.shape} {image.dtype}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if norm_stats not in NORM_STATS:
        raise ValueError(f"norm_stats must be one of {', '.join(NORM_STATS)}, got {norm_stats!r}")
    if blend_mode not in BLEND_MODES:
        raise ValueError(f"Unknown blend mode {blend_mode!r}; use one of {', '.join(BLEND_MODES)}.")
    torch_device = resolve_device(device)
    multiple = required_multiple(generator) if multiple is None else int(multiple)
    if multiple < 1:
        raise ValueError(f"multiple must be >= 1, got {multiple}")
    cuda = torch_device.type == "cuda"
    amp = fast_bf16(torch_device) if amp is None else bool(amp)
    channels_last = cuda if channels_last is None else bool(channels_last)
    in_channels, out_channels = generator_channels(generator)

    box = (0, image.shape[0], 0, image.shape[1])
    if mask is not None:
        mask = np.asarray(mask) != 0
        if mask.shape != image.shape[:2]:
            raise ValueError(f"mask must be {image.shape[:2]}, got {mask.shape}")
        if not mask.any():
            return TranslateResult(image.copy(), 0, time.perf_counter() - started)
        box = _selection_box(mask)
    y0, y1, x0, x1 = box
    crop = image[y0:y1, x0:x1]

    # Pad once, the same way for the whole image and for tiles, so tiles sit on the
    # very grid the whole padded image would be computed on.
    # Only a photo or tile smaller than the largest probe can be below the net's minimum.
    sides = (*crop.shape[:2], *((tile,) if tile else ()))
    small = min(sides) < _MINIMUM_PROBES[-1] * multiple
    minimum = minimum_side(generator, multiple) if small else multiple
    x, pad_top, pad_left = _pad_to_multiple(
        image_to_tensor(crop, channels=in_channels), multiple, minimum
    )
    plan = plan_tiles(x.shape[-2], x.shape[-1], tile, overlap, multiple, minimum)
    with _prepared(generator, torch_device, channels_last) as net:
        param = next(net.parameters(), None)
        dtype = param.dtype if param is not None and param.is_floating_point() else torch.float32
        run = _Run(torch_device, dtype, amp, channels_last, multiple, batch_size, minimum)
        # As many pixels as a batch of tiles (no more memory than the tiles need), but
        # at most a quarter of the image (no more than a quarter of its work).
        thumbnail = min(batch_size * plan[0][0] * plan[0][1], x.shape[-2] * x.shape[-1] // 4)
        stats = (
            _thumbnail_statistics(net, x, thumbnail, run)
            if norm_stats == "thumbnail" and len(plan[1]) > 1
            else contextlib.nullcontext()
        )
        with stats:
            out, batches = _run_tiles(x, net, out_channels, plan, run, progress, cancel)
    out = out[:, :, pad_top : pad_top + crop.shape[0], pad_left : pad_left + crop.shape[1]]
    translated = tensor_to_image(out)[0]

    if mask is None:
        result = translated
    else:
        fill = image.copy()
        fill[y0:y1, x0:x1] = translated
        result = blend(image, fill, mask, mode=blend_mode)
    return TranslateResult(result, len(plan[1]), time.perf_counter() - started, batches)
