"""Documents in and out of files: images become documents, documents become .ora files.

The document's layers map onto OpenRaster layers other editors can show: the photo
(opaque), colour strokes (RGBA), the sketch (black ink, alpha = ink) and the mask
(red, alpha = mask, half opacity). Reading finds them again by name; an .ora made
elsewhere opens as a photo (its visible layers flattened) with empty overlays.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ganpaint.app.document import Document
from ganpaint.app.ora import OraImage, OraLayer, composite, read_ora, write_ora
from ganpaint.errors import ImageFileError
from ganpaint.imageio import load_image

ORA_SUFFIX = ".ora"
MASK_RGB = (255, 0, 0)
_OVERLAYS = ("colour", "sketch", "mask")


def is_document_path(path: str | os.PathLike[str]) -> bool:
    return Path(path).suffix.lower() == ORA_SUFFIX


def load_document(path: str | os.PathLike[str]) -> Document:
    """Open an image file or an .ora document; ImageFileError for anything unreadable."""
    path = Path(path)
    if is_document_path(path):
        return _from_ora(path)
    loaded = load_image(path)
    return Document.from_image(loaded.rgb, title=path.name, source=path)


def to_ora(document: Document) -> OraImage:
    """The document as OpenRaster layers (top first)."""
    height, width = document.height, document.width
    alpha = np.full((height, width, 1), 255, np.uint8)
    layers = {
        "photo": np.concatenate([document.photo, alpha], axis=2),
        "colour": document.colour,
        "sketch": _ink(document.sketch, (0, 0, 0)),
        "mask": _ink(document.mask, MASK_RGB),
    }
    stack = []
    for name in ("mask", "sketch", "colour", "photo"):
        layer = document.layer(name)
        stack.append(
            OraLayer(name=name, rgba=layers[name], visible=layer.visible, opacity=layer.opacity)
        )
    return OraImage(width, height, stack, composite(stack, width, height))


def save_document(
    path: str | os.PathLike[str], document: Document, compress_level: int = 3
) -> Path:
    """Write the document as .ora atomically."""
    return write_ora(path, to_ora(document), compress_level=compress_level)


def _ink(values: np.ndarray, rgb: tuple[int, int, int]) -> np.ndarray:
    out = np.empty((*values.shape, 4), np.uint8)
    out[:, :, :3] = rgb
    out[:, :, 3] = values
    return out


def _flatten(rgba: np.ndarray) -> np.ndarray:
    """RGBA over white, as a photo."""
    alpha = rgba[:, :, 3:4].astype(np.float32) / 255.0
    rgb = rgba[:, :, :3].astype(np.float32) * alpha + 255.0 * (1 - alpha)
    return np.rint(rgb).astype(np.uint8)


def _from_ora(path: Path) -> Document:
    image = read_ora(path)
    photo_layer = image.layer("photo")
    if photo_layer is not None:
        photo = _flatten(image.full(photo_layer))
    else:
        others = [layer for layer in image.layers if layer.name.lower() not in _OVERLAYS]
        if others:
            photo = _flatten(composite(others, image.width, image.height))
        elif image.merged is not None:
            photo = _flatten(image.merged)
        else:
            raise ImageFileError(f"Cannot open {path}: it has no photo layer.")
    overlays: dict[str, np.ndarray | None] = {}
    for name in _OVERLAYS:
        layer = image.layer(name)
        if layer is None:
            overlays[name] = None
            continue
        full = image.full(layer)
        overlays[name] = full if name == "colour" else np.ascontiguousarray(full[:, :, 3])
    mask = overlays["mask"]
    if mask is not None:
        mask = np.where(mask > 127, np.uint8(255), np.uint8(0))
    document = Document.from_image(
        photo,
        title=path.name,
        source=path,
        path=path,
        mask=mask,
        sketch=overlays["sketch"],
        colour=overlays["colour"],
    )
    for name in (*_OVERLAYS, "photo"):
        layer = image.layer(name)
        if layer is not None:
            document.layer(name).visible = layer.visible
            document.layer(name).opacity = layer.opacity
    return document
