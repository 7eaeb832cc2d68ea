"""The canvas scene: one item per document layer, kept in step with the document.

The scene listens to the document and re-renders only the changed box of a layer.
It also shows things that are not the document: a result preview over the photo,
and the original photo while the compare key is held.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsScene

from ganpaint.app.items import BufferItem
from ganpaint.documents.display import MASK_COLOUR, labels_outline_bgra, photo_bgra, render_layer
from ganpaint.documents.document import LAYER_ORDER, Document, content_box
from ganpaint.geometry import Box

HIDDEN_BY_PREVIEW = ("mask",)  # a preview hides the mask; the labels become outlines


class CanvasScene(QGraphicsScene):
    """Items for the photo and its overlays, bottom to top as in LAYER_ORDER."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.document: Document | None = None
        self.items_by_layer: dict[str, BufferItem] = {}
        self.preview_box: Box | None = None
        self._comparing = False
        self._original_item: BufferItem | None = None
        self._labels_outlined = False
        self.mask_rgb = MASK_COLOUR
        self.setBackgroundBrush(QColor(0, 0, 0, 0))

    def set_document(self, document: Document) -> None:
        """Show `document` (replacing whatever was shown)."""
        if self.document is not None and self._on_change in self.document.listeners:
            self.document.listeners.remove(self._on_change)
        self.clear()
        self.items_by_layer = {}
        self._original_item = None
        self.preview_box = None
        self._comparing = False
        self._labels_outlined = False
        self.document = document
        width, height = document.size
        self.setSceneRect(QRectF(0, 0, width, height))
        for z, name in enumerate(LAYER_ORDER):
            item = BufferItem(width, height)
            item.setZValue(z)
            self.addItem(item)
            self.items_by_layer[name] = item
            layer = document.layer(name)
            if name == "photo":
                item.write(document.full_box, photo_bgra(layer.data))
            else:
                box = content_box(name, layer.data)
                if not box.empty:
                    item.write(*self._render(name, box))
        self.sync_visibility()
        document.listeners.append(self._on_change)

    def _on_change(self, name: str, box: Box) -> None:
        if self.document is None or box.empty:
            return
        item = self.items_by_layer[name]
        data = self.document.layer(name).data
        if name == "photo" and self.preview_box is not None:
            # The photo changed under a preview: the preview is stale, show the photo.
            box, self.preview_box = box.union(self.preview_box), None
            self.sync_visibility()
        if name != "photo" and not item.allocated and content_box(name, data[box.slices]).empty:
            return  # nothing to show and nothing shown
        item.write(*self._render(name, box))

    def _render(self, name: str, box: Box) -> tuple[Box, np.ndarray]:
        """The display pixels of `box` of a layer (a pixel wider for outlined labels,
        whose borders depend on the neighbours)."""
        assert self.document is not None
        data = self.document.layer(name).data
        if name != "labels" or not self._labels_outlined:
            return box, render_layer(name, data[box.slices], self.mask_rgb)
        width, height = self.document.size
        inner, outer = box.grown(1).clip(width, height), box.grown(2).clip(width, height)
        pixels = labels_outline_bgra(data[outer.slices])
        top, left = inner.y0 - outer.y0, inner.x0 - outer.x0
        return inner, pixels[top : top + inner.height, left : left + inner.width]

    def set_mask_colour(self, rgb: tuple[int, int, int]) -> None:
        """Draw the mask in `rgb` (what reads best on the photo at hand)."""
        self.mask_rgb = rgb
        if self.document is not None:
            box = content_box("mask", self.document.mask)
            if not box.empty:
                self.items_by_layer["mask"].write(*self._render("mask", box))

    def _outline_labels(self, on: bool) -> None:
        """Draw the labels as class borders (while a result is offered) or filled."""
        if on == self._labels_outlined or self.document is None:
            return
        self._labels_outlined = on
        box = content_box("labels", self.document.labels)
        if not box.empty:
            self.items_by_layer["labels"].write(*self._render("labels", box))

    def sync_visibility(self) -> None:
        """Apply the layers' visibility and opacity (and hide overlays while comparing)."""
        if self.document is None:
            return
        previewing = self.preview_box is not None
        self._outline_labels(previewing)
        for name, item in self.items_by_layer.items():
            layer = self.document.layer(name)
            # Comparing shows the bare original; a preview hides the mask over it.
            hidden_overlay = name != "photo" and (
                self._comparing or (previewing and name in HIDDEN_BY_PREVIEW)
            )
            item.setVisible(layer.visible and not hidden_overlay)
            outlined = name == "labels" and self._labels_outlined
            item.setOpacity(1.0 if outlined else layer.opacity)

    # -- result preview ---------------------------------------------------------------

    def show_preview(self, box: Box, rgb: np.ndarray) -> None:
        """Show `rgb` in `box` over the photo, without changing the document."""
        if self.document is None:
            return
        self.clear_preview()
        self.preview_box = box
        self.items_by_layer["photo"].write(box, photo_bgra(rgb))
        self.sync_visibility()

    def clear_preview(self) -> None:
        """Show the document's photo again where a preview was."""
        if self.document is None or self.preview_box is None:
            return
        box, self.preview_box = self.preview_box, None
        self.items_by_layer["photo"].write(box, photo_bgra(self.document.photo[box.slices]))
        self.sync_visibility()

    # -- compare with the original ----------------------------------------------------

    @property
    def comparing(self) -> bool:
        return self._comparing

    def set_comparing(self, on: bool) -> None:
        """Show the photo as it was opened, over everything, while `on`.

        The original never changes while a document is shown, so its display buffer
        is built on the first press and only shown or hidden after that: rebuilding
        a 3000×2000 buffer on every press took seconds."""
        if self.document is None or on == self._comparing:
            return
        self._comparing = on
        if on and self._original_item is None:
            self._original_item = self._original_buffer(self.document)
            self.addItem(self._original_item)
        if self._original_item is not None:
            self._original_item.setVisible(on)
        self.sync_visibility()

    @staticmethod
    def _original_buffer(document: Document) -> BufferItem:
        width, height = document.size
        item = BufferItem(width, height)
        item.setZValue(len(LAYER_ORDER) + 1)
        item.write(document.full_box, photo_bgra(document.original))
        return item
