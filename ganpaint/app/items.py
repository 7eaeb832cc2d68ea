"""The canvas's graphics items: one display buffer per layer, drawn where it is exposed."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from ganpaint.geometry import Box


class BufferItem(QGraphicsItem):
    """A layer's display pixels: a numpy BGRA buffer that a QImage shares without copying.

    Updating a box writes into the buffer and repaints that box only; painting draws
    only the exposed part, smoothed when zoomed out and sharp pixels when zoomed in
    (as Krita and GIMP show them). The buffer is allocated on the first write, so
    empty overlays cost no memory.
    """

    def __init__(self, width: int, height: int, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self._width, self._height = width, height
        self._buffer: np.ndarray | None = None
        self._image: QImage | None = None
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)

    @property
    def allocated(self) -> bool:
        return self._buffer is not None

    def release(self) -> None:
        """Drop the buffer (a layer that became empty)."""
        self._buffer = None
        self._image = None
        self.update()

    def _allocate(self) -> np.ndarray:
        if self._buffer is None:
            self._buffer = np.zeros((self._height, self._width, 4), np.uint8)
            self._image = QImage(
                self._buffer.data,
                self._width,
                self._height,
                self._width * 4,
                QImage.Format.Format_ARGB32_Premultiplied,
            )
        return self._buffer

    def write(self, box: Box, bgra: np.ndarray) -> None:
        """Replace the display pixels of `box` and repaint it."""
        if box.empty:
            return
        self._allocate()[box.slices] = bgra
        self.update(QRectF(box.x0, box.y0, box.width, box.height))

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, self._width, self._height)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        if self._image is None:
            return
        exposed = option.exposedRect.intersected(self.boundingRect())
        # Whole pixels only, so that zoomed-in pixels are not resampled at their edges.
        left, top = int(exposed.left()), int(exposed.top())
        right = min(int(np.ceil(exposed.right())), self._width)
        bottom = min(int(np.ceil(exposed.bottom())), self._height)
        if right <= left or bottom <= top:
            return
        rect = QRectF(left, top, right - left, bottom - top)
        scale = painter.worldTransform().m11()
        # Smooth up to 200%, then crisp pixels for pixel-level work (as Krita and GIMP do).
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, scale < 2.0)
        painter.drawImage(rect, self._image, rect)


class OutlineStyle:
    """Pens for the tool outlines: a light line over a dark one reads on any photo."""

    DARK = Qt.GlobalColor.black
    LIGHT = Qt.GlobalColor.white
