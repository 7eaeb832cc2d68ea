"""The one place where edge arrays become engine tensors and back.

At the edges (files, the canvas, the CLI) images are uint8 HxWx3 RGB arrays and masks
are what users paint: non-zero = the hole to fill. Inside the engine images are float
tensors in [-1, 1], NCHW, and masks follow the paper: M = 1 on known pixels, 0 in the
hole. Converting here, and only here, keeps the sign and scale conventions from
drifting apart between modules.

`image_to_tensor` then `tensor_to_image` gives back the same uint8 values exactly in
float32, float64 and float16 (not bfloat16, whose 8-bit mantissa cannot).
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = [
    "grey_to_rgb",
    "hole_to_known",
    "image_to_tensor",
    "known_to_hole",
    "rgb_to_grey",
    "tensor_to_image",
]

_HALF_RANGE = 127.5  # uint8 v -> v / 127.5 - 1 maps 0..255 onto -1..1


def image_to_tensor(
    rgb: np.ndarray,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
    channels: int | None = None,
) -> torch.Tensor:
    """uint8 image(s) to a float NCHW tensor in [-1, 1] on `device`.

    Takes HxWx3 (or HxW / HxWx1 grey) and batches as NxHxWxC; a 3-D array is always
    read as one HxWxC image. `channels` asks for what the model wants: 1 turns RGB
    into luma (as Pillow's "L" does), 3 repeats grey; None keeps what was given.
    Alpha is refused: keep it aside, as `load_image` does.
    """
    if not isinstance(rgb, np.ndarray):
        raise ValueError(f"expected a numpy uint8 array, got {type(rgb).__name__}")
    if rgb.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image array, got dtype {rgb.dtype}")
    if not dtype.is_floating_point:
        raise ValueError(f"dtype must be a floating point torch dtype, got {dtype}")
    if rgb.ndim == 2:
        batch = rgb[None, :, :, None]
    elif rgb.ndim == 3:
        batch = rgb[None]
    elif rgb.ndim == 4:
        batch = rgb
    else:
        raise ValueError(f"expected HxW, HxWxC or NxHxWxC, got shape {rgb.shape}")
    if batch.shape[3] not in (1, 3):
        raise ValueError(
            f"expected 1 (grey) or 3 (RGB) channels, got shape {rgb.shape}; keep alpha aside"
        )
    if channels is not None and channels != batch.shape[3]:
        if channels == 1:
            batch = rgb_to_grey(batch)[..., None]
        elif channels == 3:
            batch = grey_to_rgb(batch)
        else:
            raise ValueError(f"channels must be 1, 3 or None, got {channels}")
    batch = np.ascontiguousarray(batch)
    if not batch.flags.writeable:  # e.g. np.asarray(PIL image); torch warns on those
        batch = batch.copy()
    # Move the uint8 data (a quarter of the float size) before converting on the device.
    pixels = torch.from_numpy(batch).to(device)
    pixels = pixels.permute(0, 3, 1, 2).to(torch.float32)
    return pixels.div_(_HALF_RANGE).sub_(1.0).to(dtype).contiguous()


def tensor_to_image(t: torch.Tensor) -> np.ndarray:
    """A float tensor in [-1, 1] to uint8 RGB: CHW gives HxWx3, NCHW gives NxHxWx3.

    Values are rounded and clamped (NaN becomes mid-grey); 1-channel tensors are
    repeated into grey RGB, because arrays at the edges are always RGB.
    """
    if not isinstance(t, torch.Tensor):
        raise ValueError(f"expected a torch tensor, got {type(t).__name__}")
    if not t.dtype.is_floating_point:
        raise ValueError(f"expected a float tensor in [-1, 1], got dtype {t.dtype}")
    if t.ndim not in (3, 4):
        raise ValueError(f"expected CHW or NCHW, got shape {tuple(t.shape)}")
    channel_dim = t.ndim - 3
    if t.shape[channel_dim] not in (1, 3):
        raise ValueError(f"expected 1 or 3 channels, got shape {tuple(t.shape)}")
    # Quantise where the tensor lives, then move uint8 (a quarter of the float size).
    values = torch.nan_to_num(t.detach().to(torch.float32), nan=0.0, posinf=1.0, neginf=-1.0)
    pixels = values.add(1.0).mul_(_HALF_RANGE).round_().clamp_(0, 255).to(torch.uint8)
    pixels = pixels.cpu().movedim(channel_dim, -1)
    if pixels.shape[-1] == 1:
        pixels = pixels.expand(*pixels.shape[:-1], 3)
    return np.ascontiguousarray(pixels.numpy())


def hole_to_known(
    hole: np.ndarray, device: torch.device | str | None = None, dtype: torch.dtype = torch.float32
) -> torch.Tensor:
    """A user's mask (HxW, non-zero/True = hole) to the engine's M: 1 = known, 0 = hole.

    Returns Nx1xHxW: N = 1 for an HxW mask, N for an NxHxW stack.
    """
    if not isinstance(hole, np.ndarray):
        raise ValueError(f"expected a numpy mask array, got {type(hole).__name__}")
    if not (hole.dtype == np.bool_ or np.issubdtype(hole.dtype, np.integer)):
        raise ValueError(
            f"expected a bool mask (True = hole), got dtype {hole.dtype}; "
            "threshold float masks first"
        )
    if hole.ndim == 2:
        hole = hole[None]
    elif hole.ndim != 3:
        raise ValueError(f"expected an HxW (or NxHxW) mask, got shape {hole.shape}")
    known = torch.from_numpy(np.ascontiguousarray(hole == 0)).to(device)
    return known.unsqueeze(1).to(dtype)


def known_to_hole(known: torch.Tensor) -> np.ndarray:
    """The engine's M (1 = known) back to a bool hole mask (True = hole), on the CPU.

    Accepts Nx1xHxW, 1xHxW or HxW; soft values count as known from 0.5 up. Nx1xHxW
    gives HxW when N = 1 (the inverse of `hole_to_known`) and NxHxW otherwise.
    """
    if not isinstance(known, torch.Tensor):
        raise ValueError(f"expected a torch tensor, got {type(known).__name__}")
    if known.ndim == 4:
        if known.shape[1] != 1:
            raise ValueError(f"expected Nx1xHxW, got shape {tuple(known.shape)}")
        known = known[:, 0]
        if known.shape[0] == 1:
            known = known[0]
    elif known.ndim == 3:
        if known.shape[0] != 1:
            raise ValueError(f"expected 1xHxW, got shape {tuple(known.shape)}")
        known = known[0]
    elif known.ndim != 2:
        raise ValueError(f"expected Nx1xHxW, 1xHxW or HxW, got shape {tuple(known.shape)}")
    hole = known.detach().to("cpu") < 0.5 if known.dtype != torch.bool else ~known.cpu()
    return np.ascontiguousarray(hole.numpy())


def rgb_to_grey(rgb: np.ndarray) -> np.ndarray:
    """uint8 ...x3 RGB to uint8 luma (ITU-R 601-2), bit-identical to Pillow's convert("L")."""
    wide = rgb.astype(np.uint32)
    luma = wide[..., 0] * 19595 + wide[..., 1] * 38470 + wide[..., 2] * 7471 + 0x8000
    return (luma >> 16).astype(np.uint8)


def grey_to_rgb(grey: np.ndarray) -> np.ndarray:
    """uint8 grey (...xHxW or ...xHxWx1) to ...xHxWx3 by repeating the channel."""
    if grey.ndim >= 3 and grey.shape[-1] == 1:
        grey = grey[..., 0]
    return np.repeat(grey[..., None], 3, axis=-1)
