"""Run a pix2pix model at the scale it was trained on, whatever the size of the picture.

Why: a pix2pix U-Net decides what a blank stretch of sketch becomes (sky, water, grass)
from where it sits in the scene, and it only sees a window of fixed size. The bundled
scene models learned whole landscapes 143 px across; fed a 512 px sketch as it is, the
edges model did worse than the mean training image (L1 53.5, realism SWD 28.6 against
39.3 / 18.5), and retraining with scale augmentation did not fix it. Shrinking the
input so that the whole picture is about as large as in training (and a size the
network takes without padding), translating, and scaling the result back, which is
what the reference pix2pix test script's resize does, keeps what the model learned
(the same 512 px sketches: L1 33.1, SWD 12.4, as good as at 128 px).
Inputs are shrunk the way their content needs: label maps with nearest-neighbour
sampling (a class colour must stay exact), sketches with their strokes thickened first
so that they keep the weight of the training strokes, photos by area averaging.

The trained scale comes from the model file (`training.config.load_size`, the side each
training picture was resized or rendered to); models without it (imported reference
checkpoints) and pictures already that small run at full size.
"""

from __future__ import annotations

from typing import Any, Literal

import cv2
import numpy as np
from torch import nn

from ganpaint.edit.blend import blend
from ganpaint.edit.star_layer import add_stars
from ganpaint.edit.translate import (
    TranslateResult,
    memory_estimate,
    required_multiple,
    translate,
)

InputKind = Literal["sketch", "labels", "photo"]
Scale = Literal["trained", "full"]
SCALES: tuple[str, ...] = ("trained", "full")

_SKETCH_WORDS = ("edge", "sketch", "line", "contour", "outline")
_LABEL_WORDS = ("label", "segment", "semantic", "class", "map")


# Bytes per photo pixel at the trained scale: the result scaled back (uint8 RGB), the blend.
_FULL_SIZE_BYTES = 12


def training_setting(meta: dict[str, Any], key: str) -> float | None:
    """A positive number from the model file's training config (`training.config.KEY`),
    or None when the file does not record it (imported reference checkpoints)."""
    training = meta.get("training") or {}
    config = training.get("config") if isinstance(training, dict) else None
    value = config.get(key) if isinstance(config, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        return None
    return float(value)


def trained_side(meta: dict[str, Any]) -> int | None:
    """The side in pixels that each whole training picture had, if the model file says."""
    side = training_setting(meta, "load_size") if meta.get("kind") == "pix2pix" else None
    return None if side is None else int(side)


def input_kind(meta: dict[str, Any]) -> InputKind:
    """What the model's input is, from the name of its input domain (e.g. "edges")."""
    domains = meta.get("domains") or {}
    source = "B" if meta.get("direction") == "BtoA" else "A"
    name = str(domains.get(source, "")).lower()
    if any(word in name for word in _SKETCH_WORDS):
        return "sketch"
    if any(word in name for word in _LABEL_WORDS):
        return "labels"
    return "photo"


def shrunk_size(shape: tuple[int, ...], side: int, multiple: int) -> tuple[int, int]:
    """(height, width) with the short side near `side`, each a multiple of `multiple`.

    A U-Net pads other sizes up to its multiple (128 for the bundled models) by
    mirroring, which puts a reflected scene next to the real one: the 143 px training
    renders, padded to 256, scored L1 44.3 where 128 px renders scored 32.8.
    """
    height, width = shape[:2]
    factor = side / min(height, width)
    return tuple(  # type: ignore[return-value]
        max(multiple, round(n * factor / multiple) * multiple) for n in (height, width)
    )


def shrink(image: np.ndarray, size: tuple[int, int], kind: InputKind) -> np.ndarray:
    """`image` (uint8 H×W×3) scaled down to `size` (height, width) as its content needs."""
    height, width = image.shape[:2]
    factor = min(size[0] / height, size[1] / width)
    size = (size[1], size[0])  # OpenCV wants (width, height)
    if kind == "labels":
        return cv2.resize(image, size, interpolation=cv2.INTER_NEAREST)
    if kind == "sketch":
        # Dark strokes on white: a min filter as wide as one output pixel keeps a stroke
        # about as heavy after area averaging as it was at full size.
        reach = max(1, round(1.0 / factor))
        if reach > 1:
            image = cv2.erode(image, np.ones((reach, reach), np.uint8))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def working_size(
    shape: tuple[int, ...], meta: dict[str, Any], scale: Scale, multiple: int
) -> tuple[int, int] | None:
    """(height, width) the network runs at, or None when it runs on the photo itself."""
    if scale not in SCALES:
        raise ValueError(f"Unknown scale {scale!r}; use trained or full.")
    side = trained_side(meta) if scale == "trained" else None
    if not side or min(shape[:2]) <= side:
        return None
    return shrunk_size(shape, side, multiple)


def memory_needed(shape: tuple[int, ...], meta: dict[str, Any], scale: Scale, multiple: int) -> int:
    """Bytes `translate_at_scale` holds for a photo of `shape`, besides the network's tiles.

    At the trained scale the network's side is small; the full-size result and its blend
    still cost a few bytes per pixel of the photo.
    """
    small = working_size(shape, meta, scale, multiple)
    if small is None:
        return memory_estimate(shape[0], shape[1], multiple)
    return memory_estimate(*small, multiple) + _FULL_SIZE_BYTES * shape[0] * shape[1]


def translate_at_scale(
    image: np.ndarray,
    generator: nn.Module,
    meta: dict[str, Any],
    *,
    scale: Scale = "trained",
    mask: np.ndarray | None = None,
    blend_mode: str = "feather",
    stars: nn.Module | None = None,
    **options: Any,
) -> TranslateResult:
    """`translate`, but at the model's trained scale when it has one (`scale="trained"`).

    The result has `image`'s size. With a `mask`, the whole picture is translated at the
    small scale (the network needs the whole scene to know where things are) and only
    the selection is blended in, so pixels away from it come back unchanged. `stars`: the
    model's star layer (`ModelBundle.star_head`), added at the scale the generator ran
    at, inside the selection only. Other keyword options go to `translate`.
    """
    image = np.asarray(image)
    multiple = options.get("multiple") or required_multiple(generator)
    size = working_size(image.shape, meta, scale, multiple)
    if mask is not None and np.asarray(mask).shape != image.shape[:2]:
        raise ValueError(f"mask must be {image.shape[:2]}, got {np.asarray(mask).shape}")
    starring = {"device": options.get("device", "cpu"), "cancel": options.get("cancel")}
    if size is None or (mask is not None and not np.any(mask)):
        result = translate(image, generator, mask=mask, blend_mode=blend_mode, **options)
        if stars is not None and result.tiles:
            result.image = add_stars(image, result.image, stars, mask=mask, **starring)
        return result
    small = shrink(image, size, input_kind(meta))
    result = translate(small, generator, **options)
    if stars is not None:
        result.image = add_stars(small, result.image, stars, **starring)
    height, width = image.shape[:2]
    full = cv2.resize(result.image, (width, height), interpolation=cv2.INTER_CUBIC)
    if mask is not None:
        full = blend(image, full, np.asarray(mask) != 0, mode=blend_mode)
    result.image = np.ascontiguousarray(full)
    return result
