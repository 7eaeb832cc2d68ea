"""Layer pixels to display pixels: premultiplied BGRA, the layout Qt draws fastest.

Plain numpy, called on one changed box at a time, so a brush dab re-renders what it
touched and never the whole 24-megapixel layer. No Qt: the canvas (`app.scene`) wraps
these arrays in QImages; the mask colours are also the settings' choices.
"""

from __future__ import annotations

import numpy as np

from ganpaint.labels import LABEL_PALETTE

MASK_COLOURS = {  # the red mask hides on red and orange subjects: the user picks
    "red": (255, 40, 40),
    "green": (30, 220, 60),
    "blue": (40, 100, 255),
    "magenta": (255, 40, 255),
    "yellow": (255, 230, 0),
    "cyan": (0, 230, 230),
}
MASK_COLOUR = MASK_COLOURS["red"]
SKETCH_COLOUR = (20, 20, 20)


def photo_bgra(rgb: np.ndarray) -> np.ndarray:
    """Opaque RGB to BGRA (Qt's ARGB32 in memory on little-endian machines)."""
    out = np.empty((*rgb.shape[:2], 4), np.uint8)
    out[:, :, 0] = rgb[:, :, 2]
    out[:, :, 1] = rgb[:, :, 1]
    out[:, :, 2] = rgb[:, :, 0]
    out[:, :, 3] = 255
    return out


def ink_bgra(values: np.ndarray, rgb: tuple[int, int, int]) -> np.ndarray:
    """A single-colour layer whose alpha is `values` (mask, sketch), premultiplied."""
    alpha = values.astype(np.uint16)
    out = np.empty((*values.shape, 4), np.uint8)
    for channel, component in zip((2, 1, 0), rgb, strict=True):
        out[:, :, channel] = (alpha * component + 127) // 255
    out[:, :, 3] = values
    return out


def rgba_bgra(rgba: np.ndarray) -> np.ndarray:
    """Straight RGBA to premultiplied BGRA."""
    alpha = rgba[:, :, 3].astype(np.uint16)
    out = np.empty_like(rgba)
    for channel in range(3):
        out[:, :, 2 - channel] = (rgba[:, :, channel].astype(np.uint16) * alpha + 127) // 255
    out[:, :, 3] = rgba[:, :, 3]
    return out


def labels_bgra(ids: np.ndarray) -> np.ndarray:
    """Class ids in the palette's colours, opaque; unlabelled pixels (ids past the
    palette, 255) transparent. Hard edges: a pixel is one class or none."""
    painted = ids < len(LABEL_PALETTE)
    rgb = LABEL_PALETTE[np.where(painted, ids, 0)]
    out = np.zeros((*ids.shape, 4), np.uint8)
    out[:, :, 0] = rgb[:, :, 2]
    out[:, :, 1] = rgb[:, :, 1]
    out[:, :, 2] = rgb[:, :, 0]
    out[:, :, 3] = 255
    out[~painted] = 0
    return out


def labels_outline_bgra(ids: np.ndarray) -> np.ndarray:
    """Only the borders of the painted classes (2 px, the palette's colours), the rest
    clear: how the labels show over a result offered from them, which at 50 % they
    hid, blur and scan lines and all."""
    edge = np.zeros(ids.shape, bool)
    across, down = ids[:, 1:] != ids[:, :-1], ids[1:] != ids[:-1]
    edge[:, 1:] |= across
    edge[:, :-1] |= across
    edge[1:] |= down
    edge[:-1] |= down
    out = labels_bgra(ids)
    out[~edge] = 0
    return out


def render_layer(
    name: str, pixels: np.ndarray, mask_rgb: tuple[int, int, int] = MASK_COLOUR
) -> np.ndarray:
    """Display pixels for a box of the named layer (the mask in `mask_rgb`)."""
    if name == "photo":
        return photo_bgra(pixels)
    if name == "mask":
        return ink_bgra(pixels, mask_rgb)
    if name == "sketch":
        return ink_bgra(pixels, SKETCH_COLOUR)
    if name == "labels":
        return labels_bgra(pixels)
    return rgba_bgra(pixels)
