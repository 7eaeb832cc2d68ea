"""The canvas view: zoom at the cursor, pan, and mouse events turned into tool calls.

Positions go through the full viewport transform as floats, so a brush lands under
the cursor at any zoom and on high-DPI screens (Qt's event positions are logical
pixels; the transform maps them to image pixels). Zoom is reported in image
pixels per device pixel: 100% shows each photo pixel on one screen pixel.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QCursor,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QFrame, QGraphicsView, QWidget

from ganpaint.app.scene import CanvasScene
from ganpaint.session.tools import Tool

MIN_ZOOM = 1 / 64
MAX_ZOOM = 64.0
ZOOM_STEP = 1.25


class CanvasView(QGraphicsView):
    """Shows a CanvasScene; forwards painting to the current tool."""

    zoomChanged = Signal(float)
    cursorMoved = Signal(object)
    filesDropped = Signal(list)
    imageDropped = Signal(QImage)

    def __init__(self, scene: CanvasScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.canvas = scene
        self.tool: Tool | None = None
        self.brush_size_for_cursor = 0.0
        self._hover: QPointF | None = None
        self._pan_start: QPoint | None = None
        self._space = False
        self.fitting = False  # fit again on resize, until the user zooms
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setMouseTracking(True)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.MinimalViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState, True)
        self.viewport().setCursor(Qt.CursorShape.CrossCursor)
        self.setBackgroundBrush(self.palette().window().color().darker(130))

    # -- zoom -------------------------------------------------------------------------

    @property
    def device_ratio(self) -> float:
        return float(self.devicePixelRatioF()) or 1.0

    @property
    def zoom(self) -> float:
        """Image pixels per device pixel (1.0 = 100%)."""
        return self.transform().m11() * self.device_ratio

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Zoom to `zoom`, keeping the image point under `anchor` (viewport) in place."""
        self.fitting = False
        zoom = min(max(zoom, MIN_ZOOM), MAX_ZOOM)
        if anchor is None:
            anchor = QPointF(self.viewport().rect().center())
        before = self.map_to_image(anchor)
        scale = zoom / self.device_ratio
        self.setTransform(self.transform().fromScale(scale, scale))
        after = self.map_to_image(anchor)
        # Shift the view so the anchored image point is under the anchor again.
        delta = (after - before) * scale
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - round(delta.x()))
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() - round(delta.y()))
        self.zoomChanged.emit(self.zoom)
        self.viewport().update()

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        self.set_zoom(self.zoom * factor, anchor)

    def zoom_in(self) -> None:
        self.zoom_by(ZOOM_STEP)

    def zoom_out(self) -> None:
        self.zoom_by(1 / ZOOM_STEP)

    def actual_size(self) -> None:
        self.set_zoom(1.0)

    def fit(self) -> None:
        """Fit the whole image in the window (never enlarging past 400 % of a tiny one).

        It stays fitted while the window settles (a document opened before the window
        is shown or laid out was fitted to a viewport of the wrong size), until the
        user zooms."""
        self.fitting = True
        rect = self.sceneRect()
        if rect.isEmpty():
            return
        view = self.viewport().rect().adjusted(8, 8, -8, -8)
        scale = min(view.width() / rect.width(), view.height() / rect.height())
        scale = min(max(scale, MIN_ZOOM / self.device_ratio), 1.0 / self.device_ratio * 4)
        self.setTransform(self.transform().fromScale(scale, scale))
        self.centerOn(rect.center())
        self.zoomChanged.emit(self.zoom)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.fitting:
            self.fit()

    def map_to_image(self, pos: QPointF) -> QPointF:
        """A viewport position (logical pixels, floats) in image pixels."""
        inverse, _ok = self.viewportTransform().inverted()
        return inverse.map(QPointF(pos))

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta().y() or event.angleDelta().x()
        if delta == 0:
            delta = event.pixelDelta().y()
        if delta:
            self.zoom_by(ZOOM_STEP ** (delta / 120), event.position())
        event.accept()

    # -- mouse: tools and panning -----------------------------------------------------

    def _button(self, event: QMouseEvent) -> str | None:
        if event.button() == Qt.MouseButton.LeftButton:
            return "left"
        if event.button() == Qt.MouseButton.RightButton:
            return "right"
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus()
        middle = event.button() == Qt.MouseButton.MiddleButton
        if middle or (self._space and event.button() == Qt.MouseButton.LeftButton):
            self._pan_start = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        button = self._button(event)
        if button is None or self.tool is None or self.tool.active:
            return
        point = self.map_to_image(event.position())
        alt = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
        self.tool.press(point.x(), point.y(), button, alt=alt)  # type: ignore[arg-type]
        self.viewport().update()
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pan_start is not None:
            now = event.position().toPoint()
            delta = now - self._pan_start
            self._pan_start = now
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
            event.accept()
            return
        point = self.map_to_image(event.position())
        self._set_hover(point)
        if self.tool is not None and self.tool.active:
            self.tool.move(point.x(), point.y())
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_start is not None and event.button() in (
            Qt.MouseButton.MiddleButton,
            Qt.MouseButton.LeftButton,
        ):
            self._pan_start = None
            self._update_cursor()
            event.accept()
            return
        if self.tool is not None and self.tool.active and self._button(event) is not None:
            point = self.map_to_image(event.position())
            self.tool.release(point.x(), point.y())
            self.viewport().update()
        event.accept()

    def leaveEvent(self, event) -> None:
        self._hover = None
        self.cursorMoved.emit(None)
        self.viewport().update()
        super().leaveEvent(event)

    def pixel_at(self, point: QPointF) -> tuple[int, int] | None:
        """The image pixel under `point` (image coordinates), or None off the image.

        Pixel x covers [x, x + 1): the right and bottom edges of the scene rect
        (x == width) belong to no pixel, though QRectF.contains says they are inside."""
        x, y = math.floor(point.x()), math.floor(point.y())
        rect = self.sceneRect()
        inside = 0 <= x < int(rect.width()) and 0 <= y < int(rect.height())
        return (x, y) if inside else None

    def _set_hover(self, point: QPointF) -> None:
        old = self._hover
        self._hover = point
        self.cursorMoved.emit(self.pixel_at(point))
        # Repaint the old and new brush outline only.
        radius = self.brush_size_for_cursor / 2 + 4 / max(self.transform().m11(), 1e-6)
        for centre in (old, point):
            if centre is not None:
                area = QRectF(centre.x() - radius, centre.y() - radius, 2 * radius, 2 * radius)
                self.updateScene([area])
        if self.tool is not None and self.tool.outline():
            self.viewport().update()

    # -- keys: space pans -------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self._update_cursor()
            event.accept()
            return
        if event.key() == Qt.Key.Key_Escape and self.tool is not None and self.tool.active:
            self.tool.abort()
            self.viewport().update()
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self._update_cursor()
            event.accept()
            return
        super().keyReleaseEvent(event)

    def _update_cursor(self) -> None:
        shape = Qt.CursorShape.OpenHandCursor if self._space else Qt.CursorShape.CrossCursor
        self.viewport().setCursor(QCursor(shape))

    # -- overlays: brush outline, rectangle, lasso --------------------------------------

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        scale = max(self.transform().m11(), 1e-6)
        outline = self.tool.outline() if self.tool is not None else None
        path = QPainterPath()
        if outline:
            path.moveTo(*outline[0])
            for point in outline[1:]:
                path.lineTo(*point)
        elif self._hover is not None and self.tool is not None and self.tool.sized:
            radius = max(self.brush_size_for_cursor / 2, 0.5)
            path.addEllipse(self._hover, radius, radius)
        if path.isEmpty():
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for colour, width in ((QColor(0, 0, 0, 160), 3.0), (QColor(255, 255, 255, 220), 1.0)):
            pen = QPen(colour, width / scale)
            pen.setCosmetic(False)
            painter.setPen(pen)
            painter.drawPath(path)

    # -- drag and drop ----------------------------------------------------------------

    def dragEnterEvent(self, event) -> None:
        mime = event.mimeData()
        if mime.hasUrls() or mime.hasImage():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        mime = event.mimeData()
        paths = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]
        if paths:
            self.filesDropped.emit(paths)
        elif mime.hasImage():
            self.imageDropped.emit(QImage(mime.imageData()))
        event.acceptProposedAction()
