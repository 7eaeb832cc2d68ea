"""The brush's size and colour controls (tool options bar), kept per tool in settings."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QColorDialog, QSlider, QSpinBox, QToolButton, QWidget

from ganpaint.app.config import MAX_BRUSH, MIN_BRUSH, Settings
from ganpaint.app.view import CanvasView
from ganpaint.session.tools import Tool, scaled_brush_size


class BrushControls(QObject):
    """The size slider and box and the colour button, for the current tool."""

    def __init__(
        self,
        settings: Settings,
        view: CanvasView,
        tools: dict[str, Tool],
        select_tool: Callable[[str], None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.view = view
        self.tools = tools
        self.select_tool = select_tool
        self.widget = parent
        self.tool: Tool = tools["mask_brush"]
        tip = "Brush size in image pixels ([ and ])"
        self.size_slider = QSlider(Qt.Orientation.Horizontal)
        self.size_slider.setRange(MIN_BRUSH, 300)
        self.size_slider.setFixedWidth(160)
        self.size_slider.setToolTip(tip)
        self.size_spin = QSpinBox()
        self.size_spin.setRange(MIN_BRUSH, MAX_BRUSH)
        self.size_spin.setSuffix(" px")
        self.size_spin.setToolTip(tip)
        self.size_spin.setKeyboardTracking(False)
        self.colour_button = QToolButton()
        self.colour_button.setToolTip("Brush colour (Shift+C; Alt+click picks from the image)")
        self.colour_button.clicked.connect(self.choose_colour)
        self.size_slider.valueChanged.connect(lambda v: self.set_brush_size(float(v)))
        self.size_spin.valueChanged.connect(lambda v: self.set_brush_size(float(v)))
        self.show_colour()

    def tool_chosen(self, tool: Tool) -> None:
        self.tool = tool
        self.show_brush_size()

    def scale_brushes(self, short_side: int) -> None:
        """Each brush starts at its default for this photo's size, not at the size that
        suited the last photo; changes the user makes hold for this photo."""
        for name, tool in self.tools.items():
            if tool.sized:
                self.settings.set_brush_size(name, scaled_brush_size(name, short_side))

    def set_brush_size(self, size: float) -> None:
        tool = self.tool
        size = float(min(max(size, MIN_BRUSH), MAX_BRUSH))
        if tool.sized and size != self.settings.brush_size(tool.name):
            self.settings.set_brush_size(tool.name, size)
        self.show_brush_size()

    def show_brush_size(self) -> None:
        size = self.settings.brush_size(self.tool.name)
        for widget in (self.size_slider, self.size_spin):
            widget.blockSignals(True)
            widget.setValue(round(size))
            widget.setEnabled(self.tool.sized)
            widget.blockSignals(False)
        self.view.brush_size_for_cursor = size
        self.view.viewport().update()

    def brush_bigger(self) -> None:
        size = self.settings.brush_size(self.tool.name)
        self.set_brush_size(max(size + 1, round(size * 1.25)))

    def brush_smaller(self) -> None:
        size = self.settings.brush_size(self.tool.name)
        self.set_brush_size(min(size - 1, round(size / 1.25)))

    def choose_colour(self) -> None:
        colour = QColorDialog.getColor(QColor(*self.settings.colour()), self.widget, "Brush colour")
        if colour.isValid():
            self.settings.set_colour((colour.red(), colour.green(), colour.blue()))
            self.show_colour()
            self.select_tool("colour_brush")

    def show_colour(self) -> None:
        pixmap = QPixmap(20, 20)
        pixmap.fill(QColor(*self.settings.colour()))
        self.colour_button.setIcon(QIcon(pixmap))
