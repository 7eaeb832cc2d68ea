"""Add a translator's star layer to a finished translation (see ganpaint.models.stars).

Runs after the generator, on the translated picture (or only round a selection), in
bands of rows so a 12-megapixel photo never holds more than a band's activations. The
star field is keyed by pixel position and `seed`: the same photo gets the same stars on
every run, and a selection gets the stars the whole picture would have there.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ganpaint.convert import image_to_tensor, tensor_to_image
from ganpaint.device import resolve_device
from ganpaint.edit.progress import CancelToken
from ganpaint.geometry import nonzero_box

BAND_ROWS = 256
# pixels round a band or a selection the gain net reads: its receptive field reaches 7 px
_HALO = 8


def add_stars(
    source: np.ndarray,
    translation: np.ndarray,
    head: nn.Module,
    *,
    seed: int = 0,
    mask: np.ndarray | None = None,
    device: str | torch.device = "cpu",
    band_rows: int = BAND_ROWS,
    cancel: CancelToken | None = None,
) -> np.ndarray:
    """`translation` (H×W×3 uint8) with the stars `head` lets through, given its `source`;
    with `mask` (bool H×W), inside the selection only. `cancel` is checked between bands."""
    source, translation = np.asarray(source), np.asarray(translation)
    if source.shape != translation.shape or source.ndim != 3 or source.shape[2] != 3:
        raise ValueError(
            f"source and translation must be the same H×W×3 size, got {source.shape} "
            f"and {translation.shape}"
        )
    if band_rows < 1:
        raise ValueError(f"band_rows must be >= 1, got {band_rows}")
    if mask is None:
        return _starred(source, translation, head, seed, (0, 0), device, band_rows, cancel)
    mask = np.asarray(mask) != 0
    if mask.shape != translation.shape[:2]:
        raise ValueError(f"mask must be {translation.shape[:2]}, got {mask.shape}")
    out = translation.copy()
    box = nonzero_box(mask)
    if box.empty:
        return out
    height, width = mask.shape
    y0, y1 = max(0, box.y0 - _HALO), min(height, box.y1 + _HALO)
    x0, x1 = max(0, box.x0 - _HALO), min(width, box.x1 + _HALO)
    crop = (slice(y0, y1), slice(x0, x1))
    starred = _starred(source[crop], translation[crop], head, seed, (y0, x0), device,
                       band_rows, cancel)  # fmt: skip
    out[crop] = np.where(mask[crop][..., None], starred, translation[crop])
    return out


def _starred(
    source: np.ndarray,
    translation: np.ndarray,
    head: nn.Module,
    seed: int,
    origin: tuple[int, int],
    device: str | torch.device,
    band_rows: int,
    cancel: CancelToken | None,
) -> np.ndarray:
    """The stars over a window at `origin` (top, left) of the picture, band by band."""
    height = translation.shape[0]
    torch_device = resolve_device(device)
    param = next(head.parameters())
    was_training, was_device = head.training, param.device
    head.eval().to(torch_device)
    out = np.empty_like(translation)
    try:
        with torch.no_grad():
            for top in range(0, height, band_rows):
                if cancel is not None:
                    cancel.raise_if_cancelled()
                bottom = min(height, top + band_rows)
                lo, hi = max(0, top - _HALO), min(height, bottom + _HALO)
                tensors = [
                    image_to_tensor(image[lo:hi], torch_device, param.dtype)
                    for image in (source, translation)
                ]
                starred = head.starry(*tensors, seed, origin[0] + lo, origin[1])
                starred = starred[:, :, top - lo : bottom - lo]
                out[top:bottom] = tensor_to_image(starred.float())[0]
    finally:
        head.to(was_device).train(was_training)
    return out
