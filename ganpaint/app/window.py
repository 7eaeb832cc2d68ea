"""The main window: a shell that lays out the canvas, docks, menus and tool bars (from
the actions table) and wires the feature controllers together. Each feature lives in
its own controller and reaches the window only through a narrow Protocol
(`app.hosts`); the state they share is Qt-free (`ganpaint.session`)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QKeyEvent,
    QKeySequence,
    QUndoCommand,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ganpaint import __version__
from ganpaint.app.brush import BrushControls
from ganpaint.app.commands import PatchCommand
from ganpaint.app.config import Settings
from ganpaint.app.dialogs import ShortcutsDialog
from ganpaint.app.files import FilesController, blank_document
from ganpaint.app.igan_controller import IganController
from ganpaint.app.igan_panel import IganPanel
from ganpaint.app.inpaint_controller import InpaintController
from ganpaint.app.layer_actions import LayerActions
from ganpaint.app.live_labels import LabelsController
from ganpaint.app.messagebar import MessageBar
from ganpaint.app.model_menus import ModelsController
from ganpaint.app.panels import InpaintPanel, LayersPanel
from ganpaint.app.scene import CanvasScene
from ganpaint.app.theme import icon
from ganpaint.app.translate_controller import TranslateController
from ganpaint.app.translator_panels import LabelsPanel, SketchPanel, TranslatorPanel
from ganpaint.app.view import CanvasView
from ganpaint.documents.document import Document, Patch
from ganpaint.session.actions import ACTIONS, MENUS, enabled_actions
from ganpaint.session.igan import IganOutcome
from ganpaint.session.models import ChosenModels
from ganpaint.session.results import Results
from ganpaint.session.semantic import SKETCH_ACCEPT
from ganpaint.session.tools import TOOL_CLASSES, Tool

UNDO_LIMIT = 200
SEPARATE_AFTER = ("export", "redo", "shrink_mask", "zoom_out", "choose_colour")


class MainWindow(QMainWindow):
    """One document in one window (like GIMP's single-window mode, IOPaint and BeeRef)."""

    def __init__(self, settings: Settings | None = None, device: str | None = None) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self.document = blank_document()
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(UNDO_LIMIT)
        self.models, self.results = ChosenModels(), Results()
        self.device_label: QLabel | None = None

        self.scene = CanvasScene(self)
        self.view = CanvasView(self.scene)
        self.message_bar = MessageBar()
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.view, 1)
        self.setCentralWidget(central)

        self.tools: dict[str, Tool] = {cls.info.name: cls(self) for cls in TOOL_CLASSES}
        self.actions_by_id: dict[str, QAction] = {}
        self._build_actions()
        self.models_ctl = ModelsController(
            self, self.settings, self.models, device or self.settings.device(), self
        )
        self.brush = BrushControls(self.settings, self.view, self.tools, self.select_tool, self)
        self._build_panels()
        self._build_controllers()
        self._build_menus()
        self._build_toolbars()
        self._build_status_bar()

        self.undo_stack.indexChanged.connect(self._on_index_changed)
        self.view.zoomChanged.connect(lambda _z: self.update_status())
        self.view.cursorMoved.connect(self._on_cursor)
        self.view.filesDropped.connect(lambda paths: self.files.open_path(paths[0]))
        self.view.imageDropped.connect(lambda image: self.files.open_qimage(image, "Dropped image"))
        QApplication.instance().installEventFilter(self)  # the hold-to-compare key

        self.set_document(self.document, has_image=False)
        tool = self.settings.tool()
        self.select_tool(tool if tool in self.tools else "mask_brush")
        self.resize(1280, 820)
        geometry, state = self.settings.geometry(), self.settings.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)
        self.setAcceptDrops(True)

    # ------------------------------------------------------------------ construction

    def _build_actions(self) -> None:
        for spec in ACTIONS:
            action = QAction(spec.text, self)
            action.setShortcuts([QKeySequence(s) for s in spec.shortcuts])
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            if spec.icon:
                action.setIcon(icon(spec.icon))
                action.setIconVisibleInMenu(True)
            keys = ", ".join(spec.shortcuts)
            tip = spec.tip or spec.text.replace("&", "").rstrip("…")
            action.setToolTip(f"{tip} ({keys})")
            action.setStatusTip(tip)
            action.setCheckable(spec.checkable)
            action.triggered.connect(lambda _=False, slot=spec.slot: self._call(slot))
            self.addAction(action)
            self.actions_by_id[spec.id] = action
        group = QActionGroup(self)
        for name in self.tools:
            group.addAction(self.actions_by_id[f"tool_{name}"])
        self.actions_by_id["toggle_mask"].setChecked(True)

    def _call(self, slot: str) -> None:
        """Run an action's slot: a method path from the window, "NAME:ARGUMENT" passes one."""
        path, _, argument = slot.partition(":")
        target: object = self
        for name in path.split("."):
            target = getattr(target, name)
        method: Callable = target  # type: ignore[assignment]
        method(argument) if argument else method()

    def _dock(self, title: str, name: str, panel: QWidget, tab_with: QDockWidget | None = None):
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(panel)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        if tab_with is not None:
            self.tabifyDockWidget(tab_with, dock)
        return dock

    def _build_panels(self) -> None:
        actions, settings = self.actions_by_id, self.settings
        self.layers_panel = LayersPanel()
        layers_dock = self._dock("Layers", "layers", self.layers_panel)
        self.inpaint_panel = InpaintPanel(actions)
        self.inpaint_panel.candidates.setValue(settings.candidates())
        self.inpaint_panel.candidates.valueChanged.connect(settings.set_candidates)
        self.inpaint_panel.fit.setChecked(settings.fit_to_photo())
        self.inpaint_panel.fit.toggled.connect(settings.set_fit_to_photo)
        self.inpaint_panel.select_method(settings.inpaint_method())
        self.inpaint_panel.method.currentIndexChanged.connect(
            lambda _index: settings.set_inpaint_method(self.inpaint_panel.selected_method())
        )
        self._dock("Inpaint and results", "inpaint", self.inpaint_panel)
        self.translate_panel = TranslatorPanel(actions["translate"])
        self._dock("Translate", "translate", self.translate_panel, layers_dock)
        self.sketch_panel = SketchPanel(actions["sketch_to_image"], actions["edges_from_photo"])
        self._dock("Sketch to image", "sketch", self.sketch_panel, layers_dock)
        self.labels_panel = LabelsPanel(actions["image_from_labels"], actions["tool_label_brush"])
        self._dock("Semantic brushes", "labels", self.labels_panel, layers_dock)
        self.igan_panel = IganPanel(actions)
        self._dock("Generate from strokes", "igan", self.igan_panel, layers_dock)
        layers_dock.raise_()

    def _build_controllers(self) -> None:
        models, results, settings = self.models, self.results, self.settings
        self.layers = LayerActions(
            lambda: self.document,
            self.push,
            self.show_message,
            self.layers_panel,
            self.scene,
            settings,
            self.actions_by_id["toggle_mask"],
            self,
        )
        self.controller = InpaintController(
            self, self.inpaint_panel, self.scene, self.models_ctl, models, results, self
        )
        self.files = FilesController(
            self,
            settings,
            self.undo_stack,
            models,
            lambda: self.inpaint_panel.select_method("patch"),
            self,
        )
        panels = {"translate": self.translate_panel, "sketch": self.sketch_panel}
        panels["labels"] = self.labels_panel
        self.translate = TranslateController(
            self, self.controller, self.models_ctl, models, settings, panels, self
        )
        self.labels = LabelsController(
            self, self.controller, results, self.translate, self.labels_panel
        )
        self.translate.styles["sketch"].ready.connect(lambda _c: self._restyle_sketch())
        self.igan = IganController(
            self,
            self.controller,
            results,
            self.models_ctl,
            models,
            settings,
            self.igan_panel,
            self.actions_by_id["igan_play"],
            self,
        )
        self.models_ctl.translators = self.translate
        self.models_ctl.open_array = self.files.open_array

    def _build_menus(self) -> None:
        menus = {name: self.menuBar().addMenu(f"&{name}") for name in MENUS}
        for spec in ACTIONS:
            if spec.id != "open_sample":  # it is the first entry of the samples menu
                menus[spec.menu].addAction(self.actions_by_id[spec.id])
            if spec.id == "open":
                menus["File"].addMenu(self.files.recent_menu)
                menus["File"].addMenu(self.files.samples_menu)
            if spec.id == "toggle_mask":
                menus["View"].addMenu(self.layers.mask_colour_menu())
            if spec.id in SEPARATE_AFTER:
                menus[spec.menu].addSeparator()
        menus["Model"].addMenu(self.models_ctl.models_menu)
        menus["Model"].addMenu(self.models_ctl.device_menu)
        fill_samples = lambda: self.files.fill_samples_menu(self.actions_by_id["open_sample"])  # noqa: E731
        self.files.samples_menu.aboutToShow.connect(fill_samples)
        fill_samples()  # a menu with nothing in it cannot be opened

    def _build_toolbars(self) -> None:
        tools = QToolBar("Tools", self)
        tools.setObjectName("tools")
        tools.setMovable(False)
        for name in self.tools:
            tools.addAction(self.actions_by_id[f"tool_{name}"])
        tools.addSeparator()
        for key in ("undo", "redo", "clear_layer", "invert_mask"):
            tools.addAction(self.actions_by_id[key])
        self.addToolBar(Qt.ToolBarArea.LeftToolBarArea, tools)

        options = QToolBar("Tool options", self)
        options.setObjectName("options")
        groups = (("open", "save", "export"), ("inpaint_gan", "inpaint_cv", "accept", "discard"))
        for key in groups[0]:
            options.addAction(self.actions_by_id[key])
        options.addSeparator()
        options.addWidget(QLabel(" Size "))
        options.addWidget(self.brush.size_slider)
        options.addWidget(self.brush.size_spin)
        options.addSeparator()
        options.addWidget(self.brush.colour_button)
        options.addSeparator()
        for key in groups[1]:
            options.addAction(self.actions_by_id[key])
        options.addSeparator()
        for key in ("fit", "actual_size"):
            options.addAction(self.actions_by_id[key])
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, options)

    def _build_status_bar(self) -> None:
        labels = [QLabel("") for _ in range(5)]
        self.position_label, self.size_label, self.zoom_label = labels[:3]
        self.model_label, self.device_label = labels[3:]
        for label in labels:
            label.setMinimumWidth(90 if label in labels[:3] else 0)
            self.statusBar().addPermanentWidget(label)

    # ------------------------------------------------------------------ the hosts

    def commit(self, patches: list[Patch], text: str) -> None:
        """A tool finished a stroke (already painted): make it one undo step."""
        self.push(PatchCommand(self.document, patches, text, applied=True))
        if any(patch.layer == "labels" for patch in patches):
            self.labels.stroked()

    def push(self, command: QUndoCommand) -> None:
        self.undo_stack.push(command)

    def brush_size(self, tool: str) -> float:
        return self.settings.brush_size(tool)

    def brush_colour(self) -> tuple[int, int, int]:
        return self.settings.colour()

    def pick_colour(self, x: int, y: int) -> None:
        if 0 <= x < self.document.width and 0 <= y < self.document.height:
            rgb = tuple(int(v) for v in self.document.photo[y, x])
            self.settings.set_colour(rgb)  # type: ignore[arg-type]
            self.brush.show_colour()
            self.status(f"Picked colour #{rgb[0]:02x}{rgb[1]:02x}{rgb[2]:02x}", 3000)

    def label_class(self) -> int:
        return self.labels_panel.current_class()

    def eraser_layer(self) -> str:
        layer = self.layers_panel.current()
        return layer if layer != "photo" else "mask"

    def replace_layer(self, layer: str, new: np.ndarray, text: str) -> bool:
        return self.layers.replace_layer(layer, new, text)

    def show_layer(self, name: str) -> None:
        self.layers.show_layer(name)

    def shortcut(self, action_id: str) -> str:
        return self.actions_by_id[action_id].shortcut().toString()

    def show_message(self, text: str, kind: str = "error", actions=None) -> None:
        self.message_bar.show_message(text, kind, actions)

    def dismiss_message(self) -> None:
        self.message_bar.dismiss()

    def status(self, text: str, timeout_ms: int = 0) -> None:
        if text:
            self.statusBar().showMessage(text, timeout_ms)
        else:
            self.statusBar().clearMessage()

    # ------------------------------------------------------------------ the document

    def _restyle_sketch(self) -> None:
        """A style picked while a sketch result is on offer: draw the sketch again in it,
        in that result's place (as the semantic brushes do)."""
        if self.results.newest_on_offer(SKETCH_ACCEPT) and not self.controller.runner.busy:
            self.translate.sketch_to_image(restyle=True)

    def set_document(self, document: Document, has_image: bool = True) -> None:
        """Show `document`, dropping the old one, its undo history and its results."""
        for tool in self.tools.values():
            tool.abort()
        self.controller.reset()
        self.labels.stop()
        self.translate.new_document()  # "Photo" styles mean the new photo
        self.document = document
        self.files.has_image = has_image
        if has_image:
            self.brush.scale_brushes(min(document.width, document.height))
        self.scene.set_document(document)
        self.layers_panel.set_document(document)
        self.undo_stack.clear()
        self.files.document_shown(has_image)
        self.actions_by_id["toggle_mask"].setChecked(document.layer("mask").visible)
        self.select_tool(self.brush.tool.name)
        self.view.fit()
        self.update_title()
        self.update_status()
        self.update_actions()

    def _on_index_changed(self, _index: int) -> None:
        self.update_title()
        self.update_actions()

    def update_title(self) -> None:
        has_image = self.files.has_image
        name = self.document.title if has_image else "ganpaint"
        self.setWindowTitle(f"{name}[*] — ganpaint" if has_image else "ganpaint")
        self.setWindowModified(self.files.modified)

    def select_tool(self, name: str) -> None:
        tool = self.current_tool = self.tools[name]
        self.view.tool = tool
        self.actions_by_id[f"tool_{name}"].setChecked(True)
        self.settings.set_tool(name)
        if tool.layer in ("labels", "sketch", "colour", "mask") and name != "eraser":
            self.layers_panel.select(tool.layer)
        self.brush.tool_chosen(tool)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Hold backslash to compare with the original photo (press and release)."""
        kind = event.type()
        if kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease) and self.isActiveWindow():
            key_event: QKeyEvent = event  # type: ignore[assignment]
            if key_event.key() == Qt.Key.Key_Backslash and not key_event.isAutoRepeat():
                self.scene.set_comparing(kind == QEvent.Type.KeyPress)
                return True
        return super().eventFilter(watched, event)

    # ------------------------------------------------------------------ status and actions

    def _on_cursor(self, position: tuple[int, int] | None) -> None:
        x, y = position or (-1, -1)
        if not (0 <= x < self.document.width and 0 <= y < self.document.height):
            self.position_label.setText("")
            return
        r, g, b = (int(v) for v in self.document.photo[y, x])
        self.position_label.setText(f"{x}, {y}  #{r:02x}{g:02x}{b:02x}")

    def update_status(self) -> None:
        if self.device_label is None:
            return
        self.zoom_label.setText(f"{self.view.zoom * 100:.0f}%")
        self.size_label.setText(f"{self.document.width} × {self.document.height}")
        text, tooltip = self.models.status()
        self.model_label.setText(text)
        self.model_label.setToolTip(tooltip)
        self.device_label.setText(f"Device: {self.models_ctl.device_in_use()}")

    def update_actions(self) -> None:
        if hasattr(self, "igan"):
            self.igan.offer_changed()
        state = {
            "busy": self.controller.runner.busy,
            "offer": self.results.current is not None,
            "igan": isinstance(self.results.current, IganOutcome),
            "can_undo": self.undo_stack.canUndo(),
            "can_redo": self.undo_stack.canRedo(),
        }
        state["idle"] = not state["busy"]
        for key, value in enabled_actions(state).items():
            self.actions_by_id[key].setEnabled(value)
        undo_text, redo_text = self.undo_stack.undoText(), self.undo_stack.redoText()
        self.actions_by_id["undo"].setText(f"&Undo {undo_text}" if undo_text else "&Undo")
        self.actions_by_id["redo"].setText(f"&Redo {redo_text}" if redo_text else "&Redo")

    # ------------------------------------------------------------------ help and closing

    def show_shortcuts(self) -> None:
        ShortcutsDialog(self).exec()

    def show_about(self) -> None:
        text = "Edit photos with GANs on your own machine: inpaint, sketch to image, translate."
        QMessageBox.about(self, "About ganpaint", f"<b>ganpaint {__version__}</b><p>{text}</p>")

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.files.confirm_discard():
            event.ignore()
            return
        self.controller.runner.shutdown()
        self.settings.save_window(self.saveGeometry(), self.saveState())
        self.settings.sync()
        self.files.close()
        QApplication.instance().removeEventFilter(self)
        event.accept()
