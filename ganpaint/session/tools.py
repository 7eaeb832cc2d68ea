"""The painting tools, in image coordinates and without Qt.

The canvas turns mouse events into `press` / `move` / `release` calls with image
coordinates (floats, pixel centres at .5) and a button name; a tool draws into the
document live and, when the stroke ends, hands one `Patch` (the changed box,
before and after) to its host, which makes it one undo step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

from ganpaint.documents.document import Document, Patch, PatchRecorder, blank_value
from ganpaint.geometry import Box
from ganpaint.session.painting import (
    draw_segment,
    fill_polygon,
    fill_rect,
    polygon_box,
    segment_box,
)

Button = Literal["left", "right"]
Point = tuple[float, float]


class ToolHost(Protocol):
    """What a tool needs from the window: the document, settings and an undo stack."""

    document: Document

    def commit(self, patches: list[Patch], text: str) -> None: ...

    def brush_size(self, tool: str) -> float: ...

    def brush_colour(self) -> tuple[int, int, int]: ...

    def pick_colour(self, x: int, y: int) -> None: ...

    def eraser_layer(self) -> str: ...

    def label_class(self) -> int: ...


@dataclass(frozen=True)
class ToolInfo:
    """How a tool is presented: the actions table builds its action from this."""

    name: str
    title: str
    shortcut: str
    icon: str
    tip: str


class Tool:
    """A tool that does nothing: subclasses draw."""

    info: ToolInfo
    layer = "mask"
    sized = False  # whether the brush size applies

    def __init__(self, host: ToolHost) -> None:
        self.host = host
        self.active = False

    @property
    def name(self) -> str:
        return self.info.name

    def target_layer(self) -> str:
        return self.layer

    def press(self, x: float, y: float, button: Button, alt: bool = False) -> None:
        if alt:
            self.host.pick_colour(int(x), int(y))
            return
        self.active = True
        self.begin((x, y), button)

    def move(self, x: float, y: float) -> None:
        if self.active:
            self.extend((x, y))

    def release(self, x: float, y: float) -> None:
        if self.active:
            self.active = False
            self.end((x, y))

    def abort(self) -> None:
        """Undo a stroke in progress (Esc, or the document being replaced)."""
        self.active = False

    def outline(self) -> list[Point] | None:
        """A shape to draw over the canvas while the tool is busy (a rectangle, a lasso)."""
        return None

    def begin(self, point: Point, button: Button) -> None: ...

    def extend(self, point: Point) -> None: ...

    def end(self, point: Point) -> None: ...


class BrushTool(Tool):
    """A round brush; the right button paints the erase value instead."""

    sized = True
    paint_value: int | tuple[int, ...] = 255
    erase_value: int | tuple[int, ...] = 0
    antialias = False
    verb = "Paint"

    def __init__(self, host: ToolHost) -> None:
        super().__init__(host)
        self._recorder: PatchRecorder | None = None
        self._last: Point = (0.0, 0.0)
        self._value: int | tuple[int, ...] = 0
        self._erasing = False

    def value_for(self, button: Button) -> int | tuple[int, ...]:
        return self.erase_value if button == "right" else self.paint_value

    def begin(self, point: Point, button: Button) -> None:
        self._erasing = button == "right"
        self._value = self.value_for(button)
        self._recorder = PatchRecorder(self.host.document, self.target_layer())
        self._last = point
        self._dab(point, point)

    def extend(self, point: Point) -> None:
        self._dab(self._last, point)
        self._last = point

    def end(self, point: Point) -> None:
        if point != self._last:
            self._dab(self._last, point)
        recorder, self._recorder = self._recorder, None
        if recorder is None:
            return
        patch = recorder.finish()
        if patch is not None:
            title = self.host.document.layer(recorder.layer).title.lower()
            verb = "Erase" if self._erasing else self.verb
            self.host.commit([patch], f"{verb} {title}")

    def abort(self) -> None:
        super().abort()
        recorder, self._recorder = self._recorder, None
        if recorder is not None:
            patch = recorder.finish()
            if patch is not None:
                self.host.document.apply(patch, undo=True)

    def _dab(self, p0: Point, p1: Point) -> None:
        assert self._recorder is not None
        size = self.host.brush_size(self.name)
        document = self.host.document
        box = self._recorder.touch(segment_box(p0, p1, size))
        if box.empty:
            return
        data = document.layer(self._recorder.layer).data
        antialias = self.antialias
        draw_segment(data, box, p0, p1, size, self._value, antialias=antialias)
        document.notify(self._recorder.layer, box)


class MaskBrush(BrushTool):
    info = ToolInfo("mask_brush", "Mask brush", "B", "mdi6.brush", "Paint the area to fill")
    layer = "mask"


class Eraser(BrushTool):
    info = ToolInfo(
        "eraser",
        "Eraser",
        "E",
        "mdi6.eraser",
        "Erase the selected layer (mask, sketch, colour or labels)",
    )
    verb = "Erase"

    def target_layer(self) -> str:
        return self.host.eraser_layer()

    def value_for(self, button: Button) -> int | tuple[int, ...]:
        layer = self.target_layer()
        return (0, 0, 0, 0) if layer == "colour" else blank_value(layer)

    def begin(self, point: Point, button: Button) -> None:
        # Masks and labels keep hard edges (a pixel is in or out, one class or none).
        self.antialias = self.target_layer() not in ("mask", "labels")
        super().begin(point, "left")


class SketchPen(BrushTool):
    info = ToolInfo("sketch_pen", "Sketch pen", "N", "mdi6.draw-pen", "Draw edges to follow")
    layer = "sketch"
    antialias = True
    verb = "Draw"


class ColourBrush(BrushTool):
    info = ToolInfo(
        "colour_brush",
        "Colour brush",
        "C",
        "mdi6.palette",
        "Paint colour strokes (Alt+click picks a colour from the image)",
    )
    layer = "colour"
    antialias = True
    erase_value = (0, 0, 0, 0)

    def value_for(self, button: Button) -> int | tuple[int, ...]:
        if button == "right":
            return self.erase_value
        return (*self.host.brush_colour(), 255)


class LabelBrush(BrushTool):
    """Paints the chosen semantic class into the label layer: hard edges, no blending,
    since a pixel is one class; the right button erases back to unlabelled."""

    info = ToolInfo(
        "label_brush",
        "Label brush",
        "S",
        "mdi6.terrain",
        "Paint landscape classes (sky, water, …) for Image from Labels",
    )
    layer = "labels"
    antialias = False
    erase_value = blank_value("labels")

    def value_for(self, button: Button) -> int | tuple[int, ...]:
        return self.erase_value if button == "right" else int(self.host.label_class())


class _ShapeTool(Tool):
    """Rectangle and lasso: the shape is drawn as an outline, filled on release."""

    layer = "mask"

    def __init__(self, host: ToolHost) -> None:
        super().__init__(host)
        self.points: list[Point] = []
        self._button: Button = "left"

    def begin(self, point: Point, button: Button) -> None:
        self._button = button
        self.points = [point, point]

    def abort(self) -> None:
        super().abort()
        self.points = []

    def _commit(self, box: Box, fill) -> None:
        document = self.host.document
        recorder = PatchRecorder(document, self.layer)
        box = recorder.touch(box)
        if not box.empty:
            fill(document.layer(self.layer).data, box)
            document.notify(self.layer, box)
        patch = recorder.finish()
        self.points = []
        if patch is not None:
            verb = "Subtract" if self._button == "right" else "Add"
            self.host.commit([patch], f"{verb} {self.info.title.lower()}")

    @property
    def value(self) -> int:
        return 0 if self._button == "right" else 255


class RectangleTool(_ShapeTool):
    info = ToolInfo(
        "rectangle",
        "Rectangle mask",
        "R",
        "mdi6.selection",
        "Drag a rectangle to mask (right button: remove)",
    )

    def extend(self, point: Point) -> None:
        self.points[1] = point

    def outline(self) -> list[Point] | None:
        if not self.points:
            return None
        (x0, y0), (x1, y1) = self.points
        return [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]

    def end(self, point: Point) -> None:
        (x0, y0), _ = self.points
        x1, y1 = point
        box = Box(
            int(np.floor(min(x0, x1) + 0.5)),
            int(np.floor(min(y0, y1) + 0.5)),
            int(np.floor(max(x0, x1) + 0.5)),
            int(np.floor(max(y0, y1) + 0.5)),
        )
        value = self.value
        self._commit(box, lambda data, clipped: fill_rect(data, clipped, value))


class LassoTool(_ShapeTool):
    info = ToolInfo(
        "lasso",
        "Lasso mask",
        "L",
        "mdi6.lasso",
        "Draw around an area to mask it (right button: remove)",
    )

    def begin(self, point: Point, button: Button) -> None:
        super().begin(point, button)
        self.points = [point]

    def extend(self, point: Point) -> None:
        last = self.points[-1]
        if abs(point[0] - last[0]) + abs(point[1] - last[1]) >= 1.0:
            self.points.append(point)

    def outline(self) -> list[Point] | None:
        return [*self.points, self.points[0]] if self.points else None

    def end(self, point: Point) -> None:
        self.extend(point)
        points = list(self.points)
        if len(points) < 3:
            self.points = []
            return
        value = self.value
        self._commit(
            polygon_box(points), lambda data, clipped: fill_polygon(data, clipped, points, value)
        )


TOOL_CLASSES: tuple[type[Tool], ...] = (
    MaskBrush,
    Eraser,
    RectangleTool,
    LassoTool,
    SketchPen,
    ColourBrush,
    LabelBrush,
)
BRUSH_REFERENCE_SIDE = 1000  # DEFAULT_SIZES suit a photo whose short side is this long
BRUSH_MIN_SCALE = 0.5  # on small images brushes stop shrinking at half their default


def scaled_brush_size(tool: str, short_side: int) -> float:
    """The default size of `tool` for a photo with this short side: a 40 px mask brush
    on a 1000 px photo is 120 px on a 3000 px one and 20 px on a 500 px one (or
    smaller), so a new photo does not start with the size that suited the last one."""
    scale = max(short_side / BRUSH_REFERENCE_SIDE, BRUSH_MIN_SCALE)
    return float(max(1, round(DEFAULT_SIZES.get(tool, 20.0) * scale)))


DEFAULT_SIZES = {
    "mask_brush": 40.0,
    "eraser": 40.0,
    "sketch_pen": 3.0,
    "colour_brush": 16.0,
    "label_brush": 32.0,
}
