"""Documents in and out of files: images become documents, documents become .ora files.

The document's layers map onto OpenRaster layers other editors can show: the photo
(opaque), the semantic labels (the palette's colours where painted, transparent
elsewhere; read back by nearest palette colour), colour strokes (RGBA), the sketch
(black ink, alpha = ink) and the mask (red, alpha = mask, half opacity). Reading
finds them again by name; an .ora made elsewhere opens as a photo (its visible
layers flattened) with empty overlays.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ganpaint.documents.document import Document
from ganpaint.documents.ora import OraImage, OraLayer, composite, read_ora, write_ora
from ganpaint.errors import DocumentFileError
from ganpaint.imageio import load_image
from ganpaint.labels import LABEL_NAMES, UNLABELLED, colorize_labels, labels_from_colors

ORA_SUFFIX = ".ora"
MASK_RGB = (255, 0, 0)
_OVERLAYS = ("labels", "colour", "sketch", "mask")


def is_document_path(path: str | os.PathLike[str]) -> bool:
    return Path(path).suffix.lower() == ORA_SUFFIX


def load_document(path: str | os.PathLike[str]) -> Document:
    """Open an image file or an .ora document; ImageFileError (for .ora: its subclass
    DocumentFileError) for anything unreadable or over a limit."""
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
        "labels": _labels_rgba(document.labels),
    }
    stack = []
    for name in ("mask", "sketch", "colour", "labels", "photo"):
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


def _labels_rgba(labels: np.ndarray) -> np.ndarray:
    """Class ids as palette colours, opaque where painted and clear where unlabelled."""
    painted = labels < len(LABEL_NAMES)
    out = np.zeros((*labels.shape, 4), np.uint8)
    out[:, :, :3] = colorize_labels(labels)
    out[:, :, 3] = np.where(painted, np.uint8(255), np.uint8(0))
    out[~painted, :3] = 0
    return out


def _labels_from_rgba(rgba: np.ndarray) -> np.ndarray:
    """The inverse of `_labels_rgba`, tolerant of colours another editor shifted a little."""
    ids = labels_from_colors(rgba[:, :, :3])
    return np.where(rgba[:, :, 3] > 127, ids, np.uint8(UNLABELLED)).astype(np.uint8)


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
            raise DocumentFileError(f"Cannot open {path}: it has no photo layer.")
    overlays: dict[str, np.ndarray | None] = {}
    for name in _OVERLAYS:
        layer = image.layer(name)
        if layer is None:
            overlays[name] = None
            continue
        full = image.full(layer)
        if name == "colour":
            overlays[name] = full
        elif name == "labels":
            overlays[name] = _labels_from_rgba(full)
        else:
            overlays[name] = np.ascontiguousarray(full[:, :, 3])
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
        labels=overlays["labels"],
    )
    for name in (*_OVERLAYS, "photo"):
        layer = image.layer(name)
        if layer is not None:
            document.layer(name).visible = layer.visible
            document.layer(name).opacity = layer.opacity
    return document
