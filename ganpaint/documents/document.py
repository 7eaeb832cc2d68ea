"""The open document as plain numpy state: the photo and its overlay layers.

No Qt here, so the document, the painting and the undo patches are tested without a
window. The Qt layer listens through `Document.listeners` and redraws only the box
that changed; undo stores only the changed box of one layer (`Patch`), never a copy
of a whole 24-megapixel layer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ganpaint.geometry import EMPTY_BOX, Box, diff_box, nonzero_box
from ganpaint.labels import UNLABELLED

#: Layers from the bottom of the stack to the top.
LAYER_ORDER = ("photo", "labels", "colour", "sketch", "mask")
LAYER_TITLES = {
    "photo": "Photo",
    "labels": "Labels",
    "colour": "Colour strokes",
    "sketch": "Sketch",
    "mask": "Mask",
}
DEFAULT_OPACITY = {"photo": 1.0, "labels": 0.5, "colour": 1.0, "sketch": 1.0, "mask": 0.5}
#: The label layer's value for "no class painted here" (class ids are 0..6).
#: What an empty layer holds, where it is not 0.
BLANK_VALUES = {"labels": UNLABELLED}


def blank_value(name: str) -> int:
    """The value of an unpainted pixel of layer `name` (what clearing and erasing write)."""
    return BLANK_VALUES.get(name, 0)


def content_box(name: str, data: np.ndarray) -> Box:
    """The bounding box of the painted pixels of a box of layer `name` (EMPTY_BOX: none)."""
    blank = BLANK_VALUES.get(name)
    return nonzero_box(data if blank is None else data != blank)


@dataclass
class Layer:
    """One layer: its pixels and how it is shown."""

    name: str
    data: np.ndarray
    visible: bool = True
    opacity: float = 1.0

    @property
    def title(self) -> str:
        return LAYER_TITLES.get(self.name, self.name)


@dataclass
class Patch:
    """One layer's box before and after a change: what undo and redo write back."""

    layer: str
    box: Box
    before: np.ndarray
    after: np.ndarray

    @property
    def nbytes(self) -> int:
        return int(self.before.nbytes + self.after.nbytes)


Listener = Callable[[str, Box], None]


@dataclass
class Document:
    """The photo at full resolution plus mask, sketch, colour-stroke and label layers.

    mask: uint8 HxW, 255 = the hole to fill. sketch: uint8 HxW, the ink of edge
    strokes (0 = none). colour: uint8 HxWx4 RGBA strokes. labels: uint8 HxW class ids
    of `ganpaint.labels` (UNLABELLED = 255 where nothing is painted). `original` is the photo
    as opened, for comparing; `path` is the .ora file the document was saved to.
    """

    layers: dict[str, Layer]
    original: np.ndarray
    path: Path | None = None
    source: Path | None = None
    title: str = "Untitled"
    listeners: list[Listener] = field(default_factory=list, repr=False)

    @classmethod
    def from_image(
        cls,
        rgb: np.ndarray,
        *,
        title: str = "Untitled",
        source: Path | None = None,
        path: Path | None = None,
        mask: np.ndarray | None = None,
        sketch: np.ndarray | None = None,
        colour: np.ndarray | None = None,
        labels: np.ndarray | None = None,
    ) -> Document:
        """A document around a uint8 HxWx3 photo, with empty layers unless given."""
        rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
        if rgb.ndim != 3 or rgb.shape[2] != 3:
            raise ValueError(f"expected a uint8 HxWx3 photo, got shape {rgb.shape}")
        height, width = rgb.shape[:2]
        data = {
            "photo": rgb,
            "colour": _or_zeros(colour, (height, width, 4)),
            "sketch": _or_zeros(sketch, (height, width)),
            "mask": _or_zeros(mask, (height, width)),
            "labels": _or_zeros(labels, (height, width), UNLABELLED),
        }
        layers = {
            name: Layer(name, data[name], opacity=DEFAULT_OPACITY[name]) for name in LAYER_ORDER
        }
        return cls(layers, original=rgb.copy(), path=path, source=source, title=title)

    # -- shape ------------------------------------------------------------------------

    @property
    def width(self) -> int:
        return int(self.photo.shape[1])

    @property
    def height(self) -> int:
        return int(self.photo.shape[0])

    @property
    def size(self) -> tuple[int, int]:
        """(width, height)."""
        return self.width, self.height

    @property
    def full_box(self) -> Box:
        return Box(0, 0, self.width, self.height)

    # -- layers -----------------------------------------------------------------------

    @property
    def photo(self) -> np.ndarray:
        return self.layers["photo"].data

    @property
    def mask(self) -> np.ndarray:
        return self.layers["mask"].data

    @property
    def sketch(self) -> np.ndarray:
        return self.layers["sketch"].data

    @property
    def colour(self) -> np.ndarray:
        return self.layers["colour"].data

    @property
    def labels(self) -> np.ndarray:
        return self.layers["labels"].data

    @property
    def hole(self) -> np.ndarray:
        """The mask as the edits take it: bool HxW, True = fill."""
        return self.mask > 0

    def layer(self, name: str) -> Layer:
        return self.layers[name]

    def read(self, name: str, box: Box) -> np.ndarray:
        return self.layers[name].data[box.slices].copy()

    def write(self, name: str, box: Box, pixels: np.ndarray) -> None:
        """Replace a box of a layer and tell the listeners."""
        self.layers[name].data[box.slices] = pixels
        self.notify(name, box)

    def apply(self, patch: Patch, undo: bool = False) -> None:
        self.write(patch.layer, patch.box, patch.before if undo else patch.after)

    def snapshot(self) -> Document:
        """A copy with its own pixels and no listeners, for saving on another thread."""
        layers = {
            name: Layer(name, layer.data.copy(), layer.visible, layer.opacity)
            for name, layer in self.layers.items()
        }
        return Document(layers, self.original, self.path, self.source, self.title)

    def notify(self, name: str, box: Box | None = None) -> None:
        """Tell the listeners that `box` (all of the layer when None) of `name` changed."""
        box = self.full_box if box is None else box
        for listener in list(self.listeners):
            listener(name, box)


def _or_zeros(array: np.ndarray | None, shape: tuple[int, ...], fill: int = 0) -> np.ndarray:
    if array is None:
        return np.full(shape, fill, np.uint8)
    array = np.ascontiguousarray(array, dtype=np.uint8)
    if array.shape != shape:
        raise ValueError(f"expected a layer of shape {shape}, got {array.shape}")
    return array.copy()


class PatchRecorder:
    """Remembers a layer's pixels before a stroke, tile by tile, as the stroke reaches them.

    A stroke's box is not known until it ends, and copying the whole layer at its
    start would cost a full layer per stroke; instead each 128×128 tile is copied the
    first time the stroke touches it, so memory follows the stroke, not the image.
    """

    TILE = 128

    def __init__(self, document: Document, layer: str) -> None:
        self.document = document
        self.layer = layer
        self.box = EMPTY_BOX
        self._tiles: dict[tuple[int, int], np.ndarray] = {}

    def touch(self, box: Box) -> Box:
        """Call before changing `box`; returns it clipped to the image."""
        box = box.clip(self.document.width, self.document.height)
        if box.empty:
            return box
        data = self.document.layer(self.layer).data
        tile = self.TILE
        for ty in range(box.y0 // tile, (box.y1 - 1) // tile + 1):
            for tx in range(box.x0 // tile, (box.x1 - 1) // tile + 1):
                if (tx, ty) not in self._tiles:
                    rows = slice(ty * tile, (ty + 1) * tile)
                    cols = slice(tx * tile, (tx + 1) * tile)
                    self._tiles[tx, ty] = data[rows, cols].copy()
        self.box = self.box.union(box)
        return box

    def finish(self) -> Patch | None:
        """The patch of the whole stroke (None when nothing changed)."""
        if self.box.empty:
            return None
        data = self.document.layer(self.layer).data
        after = data[self.box.slices]
        before = after.copy()
        tile = self.TILE
        for (tx, ty), saved in self._tiles.items():
            x0, y0 = tx * tile, ty * tile
            part = Box(x0, y0, x0 + saved.shape[1], y0 + saved.shape[0])
            inter = Box(
                max(part.x0, self.box.x0),
                max(part.y0, self.box.y0),
                min(part.x1, self.box.x1),
                min(part.y1, self.box.y1),
            )
            if inter.empty:
                continue
            before[
                inter.y0 - self.box.y0 : inter.y1 - self.box.y0,
                inter.x0 - self.box.x0 : inter.x1 - self.box.x0,
            ] = saved[inter.y0 - y0 : inter.y1 - y0, inter.x0 - x0 : inter.x1 - x0]
        self._tiles.clear()
        return shrink_patch(Patch(self.layer, self.box, before, after.copy()))


def shrink_patch(patch: Patch) -> Patch | None:
    """The same change cut down to the box of the pixels that really differ (None: none)."""
    inner = diff_box(patch.before, patch.after)
    if inner.empty:
        return None
    box = Box(
        patch.box.x0 + inner.x0,
        patch.box.y0 + inner.y0,
        patch.box.x0 + inner.x1,
        patch.box.y0 + inner.y1,
    )
    return Patch(
        patch.layer,
        box,
        np.ascontiguousarray(patch.before[inner.slices]),
        np.ascontiguousarray(patch.after[inner.slices]),
    )


def replace_patch(document: Document, layer: str, new: np.ndarray) -> Patch | None:
    """The patch that turns a whole layer into `new` (only the changed box is kept)."""
    old = document.layer(layer).data
    box = diff_box(old, new)
    if box.empty:
        return None
    return Patch(layer, box, old[box.slices].copy(), np.ascontiguousarray(new[box.slices]))
