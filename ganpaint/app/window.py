"""The main window: canvas, tool bars, side panels, menus from the actions table, and
the document's life (open, save, export, autosave, undo). It adds threads, progress
and undo to the edits; every algorithm lives in `ganpaint.edit`."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QColor,
    QGuiApplication,
    QIcon,
    QImage,
    QKeyEvent,
    QKeySequence,
    QPixmap,
    QUndoCommand,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QApplication,
    QColorDialog,
    QDialog,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSlider,
    QSpinBox,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ganpaint import __version__
from ganpaint.app.actions import ACTIONS, MENUS
from ganpaint.app.commands import InvertMaskCommand, PatchCommand
from ganpaint.app.config import MAX_BRUSH, MIN_BRUSH, Settings
from ganpaint.app.dialogs import NewImageDialog, ShortcutsDialog
from ganpaint.app.igan import (
    IganOutcome,
    IganRequest,
    frame_patch,
    make_igan_job,
    save_animation,
)
from ganpaint.app.inpaint_controller import InpaintController
from ganpaint.app.inpainting import NO_MODEL_MESSAGE
from ganpaint.app.labelling import (
    EMPTY_LABELS_MESSAGE,
    LIVE_DEBOUNCE_MS,
    LIVE_MAX_SECONDS,
    NO_LABELS_MODEL_MESSAGE,
)
from ganpaint.app.messagebar import MessageBar
from ganpaint.app.painting import grow_mask, shrink_mask
from ganpaint.app.panels import (
    IganPanel,
    InpaintPanel,
    LabelsPanel,
    LayersPanel,
    TranslatorPanel,
)
from ganpaint.app.qtimage import qimage_to_rgb, thumbnail_icon
from ganpaint.app.render import MASK_COLOURS
from ganpaint.app.scene import CanvasScene
from ganpaint.app.theme import icon
from ganpaint.app.tools import TOOL_CLASSES, Tool, scaled_brush_size
from ganpaint.app.translating import (
    NO_SKETCH_MODEL_MESSAGE,
    NO_TRANSLATOR_MESSAGE,
    TRANSLATOR_KINDS,
    BundleSlot,
    TranslateRequest,
    make_translate_job,
    translator_models,
)
from ganpaint.app.view import CanvasView
from ganpaint.app.writer import BackgroundWriter
from ganpaint.device import describe_device, resolve_device
from ganpaint.documents import recovery
from ganpaint.documents.docfile import ORA_SUFFIX, load_document, save_document
from ganpaint.documents.document import Document, Patch, blank_value, content_box, replace_patch
from ganpaint.edit.inputs import drawing_strokes, edges_from_photo, labels_input, sketch_input
from ganpaint.errors import GanpaintError
from ganpaint.imageio import IMAGE_EXTENSIONS, SAVE_EXTENSIONS, save_image
from ganpaint.labels import label_map_in
from ganpaint.models.catalog import DEFAULT_MODELS
from ganpaint.paths import bundled_models_dir, samples_dir

AUTOSAVE_MS = 60_000
UNDO_LIMIT = 200
GROW_STEP = 4  # pixels per Grow / Shrink mask
BLANK_SIZE = (512, 512)
MORPH_FRAME_MS = 100  # the morph plays at 10 frames a second
IGAN_JOB = "Generating from strokes"
LABELS_ACCEPT = "Accept image from labels"
NEW_IMAGE_SIZE = (1024, 768)
BUNDLED_GAN_NOTE = "bundled_gan"
BUNDLED_GAN_TEXT = (
    "The bundled inpainting GAN knows procedural landscapes, not photos: on a photo "
    "it only roughly guides the layout of a fill whose texture comes from the photo. "
    "Train one on photos like yours (ganpaint-train gan --data FOLDER), or use the "
    "photo-patch method, which needs no model."
)


def blank_document() -> Document:
    """What the window shows before anything is opened: a neutral grey canvas."""
    width, height = BLANK_SIZE
    return Document.from_image(np.full((height, width, 3), 128, np.uint8), title="Untitled")


DEFAULT_SAMPLE = "landscape.png"


def sample_paths() -> list[Path]:
    """The installed samples, the photo first (the sketch and label map are inputs)."""
    folder = samples_dir()
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*.png"), key=lambda path: (path.name != DEFAULT_SAMPLE, path.name))


class MainWindow(QMainWindow):
    """One document in one window (like GIMP's single-window mode, IOPaint and BeeRef)."""

    def __init__(self, settings: Settings | None = None, device: str | None = None) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self.device = device or self.settings.device()
        self.document = blank_document()
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(UNDO_LIMIT)
        self._saved_index: int | None = 0
        self._autosaved_index = 0
        self._has_image = False
        self.writer = BackgroundWriter(self)
        self.writer.done.connect(self._on_written)
        self.writer.failed.connect(self._on_write_failed)
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
        self.controller = InpaintController(self)
        self._build_panels()
        self._build_menus()
        self._build_toolbars()
        self._build_status_bar()

        self.undo_stack.indexChanged.connect(self._on_index_changed)
        self.view.zoomChanged.connect(lambda _z: self.update_status())
        self.view.cursorMoved.connect(self._on_cursor)
        self.view.filesDropped.connect(lambda paths: self.open_path(paths[0]))
        self.view.imageDropped.connect(lambda image: self.open_qimage(image, "Dropped image"))
        QApplication.instance().installEventFilter(self)  # the hold-to-compare key

        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start()

        self.set_document(self.document, has_image=False)
        self.select_tool(
            self.settings.tool() if self.settings.tool() in self.tools else "mask_brush"
        )
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
            name, _, argument = spec.slot.partition(":")
            method: Callable = getattr(self, name)
            if argument:
                action.triggered.connect(lambda _=False, m=method, a=argument: m(a))
            else:
                action.triggered.connect(lambda _=False, m=method: m())
            self.addAction(action)
            self.actions_by_id[spec.id] = action
        group = QActionGroup(self)
        for name in self.tools:
            group.addAction(self.actions_by_id[f"tool_{name}"])
        self.actions_by_id["toggle_mask"].setChecked(True)

    def _build_menus(self) -> None:
        menus = {name: self.menuBar().addMenu(f"&{name}") for name in MENUS}
        self.recent_menu = QMenu("Open &Recent", self)
        self.samples_menu = QMenu("Open &Sample", self)
        self.models_menu = QMenu("&Installed Models", self)
        self.device_menu = QMenu("&Device", self)
        for spec in ACTIONS:
            if spec.id != "open_sample":  # it is the first entry of the samples menu
                menus[spec.menu].addAction(self.actions_by_id[spec.id])
            if spec.id == "open":
                menus["File"].addMenu(self.recent_menu)
                menus["File"].addMenu(self.samples_menu)
            if spec.id == "toggle_mask":
                menus["View"].addMenu(self._mask_colour_menu())
            if spec.id in ("export", "redo", "shrink_mask", "zoom_out", "choose_colour"):
                menus[spec.menu].addSeparator()
        menus["Model"].addMenu(self.models_menu)
        menus["Model"].addMenu(self.device_menu)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.samples_menu.aboutToShow.connect(self._fill_samples_menu)
        self._fill_samples_menu()  # a menu with nothing in it cannot be opened
        self.models_menu.aboutToShow.connect(self._fill_models_menu)
        self.device_menu.aboutToShow.connect(self._fill_device_menu)

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
        for key in ("open", "save", "export"):
            options.addAction(self.actions_by_id[key])
        options.addSeparator()
        options.addWidget(QLabel(" Size "))
        self.size_slider = QSlider(Qt.Orientation.Horizontal)
        self.size_slider.setRange(MIN_BRUSH, 300)
        self.size_slider.setFixedWidth(160)
        self.size_slider.setToolTip("Brush size in image pixels ([ and ])")
        self.size_spin = QSpinBox()
        self.size_spin.setRange(MIN_BRUSH, MAX_BRUSH)
        self.size_spin.setSuffix(" px")
        self.size_spin.setToolTip("Brush size in image pixels ([ and ])")
        self.size_spin.setKeyboardTracking(False)
        options.addWidget(self.size_slider)
        options.addWidget(self.size_spin)
        options.addSeparator()
        self.colour_button = QToolButton()
        self.colour_button.setToolTip("Brush colour (Shift+C; Alt+click picks from the image)")
        self.colour_button.clicked.connect(self.choose_colour)
        options.addWidget(self.colour_button)
        options.addSeparator()
        for key in ("inpaint_gan", "inpaint_cv", "accept", "discard"):
            options.addAction(self.actions_by_id[key])
        options.addSeparator()
        for key in ("fit", "actual_size"):
            options.addAction(self.actions_by_id[key])
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, options)
        self.size_slider.valueChanged.connect(lambda v: self.set_brush_size(float(v)))
        self.size_spin.valueChanged.connect(lambda v: self.set_brush_size(float(v)))
        self._show_colour()

    def _build_panels(self) -> None:
        self.layers_panel = LayersPanel()
        self.layers_panel.visibilityChanged.connect(self._set_layer_visible)
        self.layers_panel.opacityChanged.connect(self._set_layer_opacity)
        layers_dock = QDockWidget("Layers", self)
        layers_dock.setObjectName("layers")
        layers_dock.setWidget(self.layers_panel)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, layers_dock)

        self.inpaint_panel = InpaintPanel(self.actions_by_id)
        self.inpaint_panel.candidates.setValue(self.settings.candidates())
        self.inpaint_panel.candidates.valueChanged.connect(self.settings.set_candidates)
        self.inpaint_panel.fit.setChecked(self.settings.fit_to_photo())
        self.inpaint_panel.fit.toggled.connect(self.settings.set_fit_to_photo)
        self.inpaint_panel.select_method(self.settings.inpaint_method())
        self.inpaint_panel.method.currentIndexChanged.connect(
            lambda _index: self.settings.set_inpaint_method(self.inpaint_panel.selected_method())
        )
        self.inpaint_panel.candidateChosen.connect(self.controller.choose)
        self.inpaint_panel.historyChosen.connect(self.controller.show_history)
        self.inpaint_panel.opacityChanged.connect(self.controller.set_opacity)
        inpaint_dock = QDockWidget("Inpaint and results", self)
        inpaint_dock.setObjectName("inpaint")
        inpaint_dock.setWidget(self.inpaint_panel)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, inpaint_dock)

        self.translate_panel = TranslatorPanel(self.actions_by_id["translate"])
        self.translate_panel.chooseFile.connect(lambda: self.choose_translator_file("translate"))
        self.translate_panel.model.activated.connect(
            lambda _i: self._remember_translator("translate")
        )
        translate_dock = QDockWidget("Translate", self)
        translate_dock.setObjectName("translate")
        translate_dock.setWidget(self.translate_panel)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, translate_dock)
        self.tabifyDockWidget(layers_dock, translate_dock)

        self.sketch_panel = TranslatorPanel(
            self.actions_by_id["sketch_to_image"],
            scope=False,
            note="Draw edges on the sketch layer (N), or start from the photo's edges; "
            "a pix2pix model turns them into an image.",
            extra=[self.actions_by_id["edges_from_photo"]],
        )
        self.sketch_panel.chooseFile.connect(lambda: self.choose_translator_file("sketch"))
        self.sketch_panel.model.activated.connect(lambda _i: self._remember_translator("sketch"))
        sketch_dock = QDockWidget("Sketch to image", self)
        sketch_dock.setObjectName("sketch")
        sketch_dock.setWidget(self.sketch_panel)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, sketch_dock)
        self.tabifyDockWidget(layers_dock, sketch_dock)

        self.labels_panel = LabelsPanel(
            self.actions_by_id["image_from_labels"], self.actions_by_id["tool_label_brush"]
        )
        self.labels_panel.chooseFile.connect(lambda: self.choose_translator_file("labels"))
        self.labels_panel.model.activated.connect(lambda _i: self._remember_translator("labels"))
        self.labels_panel.classChosen.connect(lambda _i: self.select_tool("label_brush"))
        self.labels_panel.liveToggled.connect(self._on_live_toggled)
        self.labels_seconds: float | None = None  # how long the last labels run took
        self._labels_running = False
        self.live_timer = QTimer(self)
        self.live_timer.setSingleShot(True)
        self.live_timer.setInterval(LIVE_DEBOUNCE_MS)
        self.live_timer.timeout.connect(self._run_live)
        self.controller.runner.finished.connect(self._on_labels_finished)
        self.controller.runner.failed.connect(lambda _e: self._labels_stopped())
        self.controller.runner.cancelled.connect(self._labels_stopped)
        labels_dock = QDockWidget("Semantic brushes", self)
        labels_dock.setObjectName("labels")
        labels_dock.setWidget(self.labels_panel)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, labels_dock)
        self.tabifyDockWidget(layers_dock, labels_dock)

        self.igan_panel = IganPanel(self.actions_by_id)
        self.igan_panel.frameChanged.connect(self.show_morph_frame)
        self.igan_seed = 0
        self.igan_keep_z = None  # Keep: the latent the next generation starts from
        self.morph_timer = QTimer(self)
        self.morph_timer.setInterval(MORPH_FRAME_MS)
        self.morph_timer.timeout.connect(self._next_morph_frame)
        self.controller.candidateShown.connect(self._on_candidate_shown)
        self.controller.runner.progress.connect(self._on_job_progress)
        self.controller.runner.started.connect(lambda _name: self.igan_panel.set_live(None))
        igan_dock = QDockWidget("Generate from strokes", self)
        igan_dock.setObjectName("igan")
        igan_dock.setWidget(self.igan_panel)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, igan_dock)
        self.tabifyDockWidget(layers_dock, igan_dock)
        layers_dock.raise_()
        self.translator_panels = {
            "translate": self.translate_panel,
            "sketch": self.sketch_panel,
            "labels": self.labels_panel,
        }
        self.refresh_translators()

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.position_label = QLabel("")
        self.zoom_label = QLabel("")
        self.size_label = QLabel("")
        self.model_label = QLabel("")
        self.device_label = QLabel("")
        for label in (self.position_label, self.size_label, self.zoom_label):
            label.setMinimumWidth(90)
        for label in (
            self.position_label,
            self.size_label,
            self.zoom_label,
            self.model_label,
            self.device_label,
        ):
            bar.addPermanentWidget(label)

    # ------------------------------------------------------------------ ToolHost

    def commit(self, patches: list[Patch], text: str) -> None:
        """A tool finished a stroke (already painted): make it one undo step."""
        self.push(PatchCommand(self.document, patches, text, applied=True))
        if any(patch.layer == "labels" for patch in patches):
            self._labels_stroked()

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
            self._show_colour()
            self.statusBar().showMessage(
                f"Picked colour #{rgb[0]:02x}{rgb[1]:02x}{rgb[2]:02x}", 3000
            )

    def label_class(self) -> int:
        return self.labels_panel.current_class()

    def eraser_layer(self) -> str:
        layer = self.layers_panel.current()
        return layer if layer != "photo" else "mask"

    # ------------------------------------------------------------------ document

    def set_document(self, document: Document, has_image: bool = True) -> None:
        """Show `document`, dropping the old one, its undo history and its results."""
        for tool in self.tools.values():
            tool.abort()
        self.controller.reset()
        if hasattr(self, "live_timer"):
            self.live_timer.stop()
        self.document = document
        self._has_image = has_image
        if has_image:
            self._scale_brushes(min(document.width, document.height))
        self.scene.set_document(document)
        self.layers_panel.set_document(document)
        self.undo_stack.clear()
        self._saved_index = 0
        self._autosaved_index = 0
        self.actions_by_id["toggle_mask"].setChecked(document.layer("mask").visible)
        self.select_tool(self.current_tool.name if hasattr(self, "current_tool") else "mask_brush")
        self.view.fit()
        self._update_title()
        self.update_status()
        self.update_actions()

    @property
    def modified(self) -> bool:
        return self._saved_index != self.undo_stack.index()

    def _on_index_changed(self, _index: int) -> None:
        self._update_title()
        self.update_actions()

    def _update_title(self) -> None:
        name = self.document.title if self._has_image else "ganpaint"
        self.setWindowTitle(f"{name}[*] — ganpaint" if self._has_image else "ganpaint")
        self.setWindowModified(self.modified)

    def confirm_discard(self) -> bool:
        """Ask before unsaved changes are lost: Save, Discard or Cancel. True = go on."""
        if not self.modified:
            return True
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            f"Save the changes to {self.document.title} before closing it?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save(wait=True)
        return answer == QMessageBox.StandardButton.Discard

    def open_path(self, path: str | os.PathLike[str]) -> bool:
        """Open an image or an .ora document; on failure say why and keep the current one."""
        path = Path(path)
        if not self.confirm_discard():
            return False
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            document = load_document(path)
        except GanpaintError as error:
            self.show_message(str(error))
            self.settings.remove_recent(str(path))
            return False
        except Exception as error:
            self.show_message(f"Cannot open {path}: {error}.")
            return False
        finally:
            QApplication.restoreOverrideCursor()
        self.message_bar.dismiss()
        self.set_document(document)
        self.settings.add_recent(str(path))
        self.settings.set_last_dir(str(path.parent))
        if path.resolve().parent != samples_dir().resolve():  # a sample, however named
            self.note_bundled_gan()
        return True

    def open_qimage(self, image: QImage, title: str) -> bool:
        if image.isNull():
            self.show_message("The clipboard has no image to paste.", "info")
            return False
        if not self.confirm_discard():
            return False
        rgb, _alpha = qimage_to_rgb(image)
        self.set_document(Document.from_image(rgb, title=title))
        self.note_bundled_gan()
        return True

    def note_bundled_gan(self) -> bool:
        """Once ever, on a photo of the user's: the bundled inpainting GAN knows only
        procedural landscapes, so say so and say what works better (not a dialog)."""
        path = self.controller.model.path
        if path is None or self.settings.note_shown(BUNDLED_GAN_NOTE):
            return False
        if path.parent != bundled_models_dir() or path.stem != DEFAULT_MODELS["inpaint"]:
            return False
        self.settings.set_note_shown(BUNDLED_GAN_NOTE)
        self.show_message(BUNDLED_GAN_TEXT, "info", [("Use photo patches", self._use_patches)])
        return True

    def _use_patches(self) -> None:
        self.inpaint_panel.select_method("patch")

    def open_dialog(self) -> None:
        patterns = " ".join(f"*{ext}" for ext in sorted(IMAGE_EXTENSIONS | {ORA_SUFFIX}))
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Open image or document",
            self.settings.last_dir(),
            f"Images and documents ({patterns});;ganpaint documents (*.ora);;All files (*)",
        )
        if path:
            self.open_path(path)

    def new_image(
        self, size: tuple[int, int] | None = None, fill: tuple[int, int, int] | None = None
    ) -> bool:
        """A blank canvas: asks for its size and background unless they are given."""
        if size is None:
            dialog = NewImageDialog(self, self._clipboard_size() or NEW_IMAGE_SIZE)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return False
            size, fill = dialog.chosen_size(), dialog.chosen_fill()
        if not self.confirm_discard():
            return False
        width, height = size
        rgb = np.empty((height, width, 3), np.uint8)
        rgb[:] = fill or (255, 255, 255)
        self.message_bar.dismiss()
        self.set_document(Document.from_image(rgb, title="Untitled"))
        return True

    def _clipboard_size(self) -> tuple[int, int] | None:
        """The size of the image on the clipboard: what a new canvas is usually for."""
        mime = QGuiApplication.clipboard().mimeData()
        if mime is None or not mime.hasImage():
            return None
        image = QImage(mime.imageData())
        return None if image.isNull() else (image.width(), image.height())

    def close_document(self) -> bool:
        """Close the image (asking to save changes first); the window stays open."""
        if not self.confirm_discard():
            return False
        self.message_bar.dismiss()
        self.set_document(blank_document(), has_image=False)
        recovery.remove_recovery()
        return True

    def open_sample(self, path: str | None = None) -> bool:
        samples = sample_paths()
        if path is None:
            if not samples:
                self.show_message(f"No sample images are installed in {samples_dir()}.", "info")
                return False
            path = str(samples[0])
        return self.open_path(path)

    def paste_image(self) -> None:
        mime = QGuiApplication.clipboard().mimeData()
        if mime is not None and mime.hasImage():
            self.open_qimage(QImage(mime.imageData()), "Pasted image")
        elif mime is not None and mime.hasUrls() and mime.urls()[0].isLocalFile():
            self.open_path(mime.urls()[0].toLocalFile())
        else:
            self.show_message("The clipboard has no image to paste.", "info")

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self.settings.recent_files():
            self.recent_menu.addAction(path, lambda p=path: self.open_path(p))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("No recent files").setEnabled(False)

    def _fill_samples_menu(self) -> None:
        """One entry a sample; the photo first, as the Open Sample action (its shortcut)."""
        self.samples_menu.clear()
        for index, path in enumerate(sample_paths()):
            if index == 0:
                action = self.actions_by_id["open_sample"]
                action.setText(path.stem.replace("-", " ").capitalize())
                self.samples_menu.addAction(action)
                continue
            title = path.stem.replace("-", " ").capitalize()
            self.samples_menu.addAction(title, lambda p=str(path): self.open_sample(p))
        if self.samples_menu.isEmpty():
            self.samples_menu.addAction("No samples installed").setEnabled(False)

    # -- saving -----------------------------------------------------------------------

    def save(self, wait: bool = False) -> bool:
        path = self.document.path
        if path is None:
            return self.save_as(wait=wait)
        return self.save_to(path, wait=wait)

    def save_as(self, wait: bool = False) -> bool:
        stem = Path(self.document.title).stem or "untitled"
        folder = Path(self.settings.last_dir() or Path.home())
        path, _ = QFileDialog.getSaveFileName(
            self, "Save document", str(folder / f"{stem}{ORA_SUFFIX}"), "OpenRaster (*.ora)"
        )
        if not path:
            return False
        if not path.lower().endswith(ORA_SUFFIX):
            path += ORA_SUFFIX
        return self.save_to(Path(path), wait=wait)

    def save_to(self, path: Path, wait: bool = False) -> bool:
        """Write the document as .ora on the writer thread (`wait` blocks until written)."""
        snapshot = self.document.snapshot()
        index = self.undo_stack.index()
        self.statusBar().showMessage(f"Saving {path}…")
        self.writer.write(("save", path, index), lambda: save_document(path, snapshot))
        if wait:
            self.writer.wait()
            QApplication.processEvents()
            return self._saved_index == index and self.document.path == path
        return True

    def _on_written(self, tag: tuple, _result: object) -> None:
        kind = tag[0]
        if kind == "save":
            _, path, index = tag
            self.document.path = path
            self.document.title = path.name
            self._saved_index = index
            self.settings.add_recent(str(path))
            self.settings.set_last_dir(str(path.parent))
            self.statusBar().showMessage(f"Saved {path}", 4000)
            recovery.remove_recovery()
            self._update_title()
        elif kind == "export":
            self.statusBar().showMessage(f"Exported {tag[1]}", 4000)
        elif kind == "autosave":
            self._autosaved_index = tag[1]

    def _on_write_failed(self, tag: tuple, error: BaseException) -> None:
        if tag[0] == "autosave":
            print(f"ganpaint: autosave failed: {error}", file=sys.stderr)
            return
        self.statusBar().clearMessage()
        self.show_message(str(error) if isinstance(error, GanpaintError) else f"{error}")

    def export_dialog(self) -> None:
        stem = Path(self.document.title).stem or "untitled"
        folder = Path(self.settings.last_dir() or Path.home())
        path, chosen = QFileDialog.getSaveFileName(
            self,
            "Export image",
            str(folder / f"{stem}-edited.png"),
            "PNG (*.png);;JPEG (*.jpg *.jpeg);;WebP (*.webp)",
        )
        if path:
            if Path(path).suffix.lower() not in SAVE_EXTENSIONS:
                path += {"J": ".jpg", "W": ".webp"}.get(chosen[:1], ".png")
            self.export_to(Path(path))

    def export_to(self, path: Path, wait: bool = False) -> None:
        """Write the photo (the result, without overlays) as PNG, JPEG or WebP."""
        photo = self.document.photo.copy()
        self.writer.write(("export", path), lambda: save_image(path, photo))
        if wait:
            self.writer.wait()
            QApplication.processEvents()

    # -- autosave and recovery --------------------------------------------------------

    def autosave(self, wait: bool = False) -> bool:
        """Write the recovery file if there are changes since the last one."""
        index = self.undo_stack.index()
        if not self.modified or index == self._autosaved_index or not self._has_image:
            return False
        snapshot = self.document.snapshot()
        self.writer.write(("autosave", index), lambda: recovery.write_recovery(snapshot))
        if wait:
            self.writer.wait()
            QApplication.processEvents()
        return True

    def offer_recovery(self) -> bool:
        """At start-up: offer the document a crashed session left behind."""
        info = recovery.find_recovery()
        if info is None:
            return False

        def restore() -> None:
            try:
                document = recovery.load_recovery(info)
            except GanpaintError as error:
                self.show_message(str(error))
                return
            self.set_document(document)
            self._saved_index = None  # unsaved until the user saves it
            self._update_title()

        def discard() -> None:
            recovery.remove_recovery()

        self.show_message(
            f"ganpaint did not close cleanly last time. Restore the unsaved work on "
            f"{info.title} (autosaved {info.when})?",
            "warning",
            [("Restore", restore), ("Discard", discard)],
        )
        return True

    # ------------------------------------------------------------------ tools and brush

    def select_tool(self, name: str) -> None:
        tool = self.tools[name]
        self.current_tool = tool
        self.view.tool = tool
        self.actions_by_id[f"tool_{name}"].setChecked(True)
        self.settings.set_tool(name)
        if tool.layer in ("labels", "sketch", "colour", "mask") and name != "eraser":
            self.layers_panel.select(tool.layer)
        self._show_brush_size()
        self.view.viewport().update()

    def _scale_brushes(self, short_side: int) -> None:
        """Each brush starts at its default for this photo's size, not at the size that
        suited the last photo; changes the user makes hold for this photo."""
        for name, tool in self.tools.items():
            if tool.sized:
                self.settings.set_brush_size(name, scaled_brush_size(name, short_side))

    def set_brush_size(self, size: float) -> None:
        tool = self.current_tool
        size = float(min(max(size, MIN_BRUSH), MAX_BRUSH))
        if tool.sized and size != self.settings.brush_size(tool.name):
            self.settings.set_brush_size(tool.name, size)
        self._show_brush_size()

    def _show_brush_size(self) -> None:
        tool = self.current_tool
        size = self.settings.brush_size(tool.name)
        for widget in (self.size_slider, self.size_spin):
            widget.blockSignals(True)
            widget.setValue(round(size))
            widget.setEnabled(tool.sized)
            widget.blockSignals(False)
        self.view.brush_size_for_cursor = size
        self.view.viewport().update()

    def brush_bigger(self) -> None:
        size = self.settings.brush_size(self.current_tool.name)
        self.set_brush_size(max(size + 1, round(size * 1.25)))

    def brush_smaller(self) -> None:
        size = self.settings.brush_size(self.current_tool.name)
        self.set_brush_size(min(size - 1, round(size / 1.25)))

    def choose_colour(self) -> None:
        colour = QColorDialog.getColor(QColor(*self.settings.colour()), self, "Brush colour")
        if colour.isValid():
            self.settings.set_colour((colour.red(), colour.green(), colour.blue()))
            self._show_colour()
            self.select_tool("colour_brush")

    def _show_colour(self) -> None:
        pixmap = QPixmap(20, 20)
        pixmap.fill(QColor(*self.settings.colour()))
        self.colour_button.setIcon(QIcon(pixmap))

    # ------------------------------------------------------------------ edit actions

    def undo(self) -> None:
        self.undo_stack.undo()

    def redo(self) -> None:
        self.undo_stack.redo()

    def clear_layer(self) -> None:
        name = self.layers_panel.current()
        if name == "photo":
            self.show_message("The photo cannot be cleared; select an overlay layer.", "info")
            return
        data = self.document.layer(name).data
        box = content_box(name, data)
        if box.empty:
            return
        before = data[box.slices].copy()
        patch = Patch(name, box, before, np.full_like(before, blank_value(name)))
        self.push(
            PatchCommand(self.document, [patch], f"Clear {self.document.layer(name).title.lower()}")
        )

    def invert_mask(self) -> None:
        self.push(InvertMaskCommand(self.document))

    def _replace_layer(self, layer: str, new: np.ndarray, text: str) -> bool:
        """Replace a whole layer in one undo step named `text` (nothing if unchanged)."""
        patch = replace_patch(self.document, layer, new)
        if patch is not None:
            self.push(PatchCommand(self.document, [patch], text))
        return patch is not None

    def grow_mask(self) -> None:
        self._replace_layer("mask", grow_mask(self.document.mask, GROW_STEP), "Grow mask")

    def shrink_mask(self) -> None:
        self._replace_layer("mask", shrink_mask(self.document.mask, GROW_STEP), "Shrink mask")

    # ------------------------------------------------------------------ view actions

    def fit(self) -> None:
        self.view.fit()

    def actual_size(self) -> None:
        self.view.actual_size()

    def zoom_in(self) -> None:
        self.view.zoom_in()

    def zoom_out(self) -> None:
        self.view.zoom_out()

    def toggle_mask(self) -> None:
        self._set_layer_visible("mask", self.actions_by_id["toggle_mask"].isChecked())
        self.layers_panel.sync()

    def _mask_colour_menu(self) -> QMenu:
        """View › Mask Colour: red hides on red and orange subjects; remembered."""
        menu = QMenu("Mask &Colour", self)
        group = QActionGroup(menu)
        chosen = self.settings.mask_colour()
        for name, rgb in MASK_COLOURS.items():
            pixmap = QPixmap(14, 14)
            pixmap.fill(QColor(*rgb))
            action = menu.addAction(QIcon(pixmap), name.capitalize())
            action.setCheckable(True)
            action.setChecked(name == chosen)
            action.triggered.connect(lambda _=False, n=name: self.set_mask_colour(n))
            group.addAction(action)
        self.mask_colour_actions = {a.text().lower(): a for a in group.actions()}
        self.scene.set_mask_colour(MASK_COLOURS[chosen])
        return menu

    def set_mask_colour(self, name: str) -> None:
        """Draw the mask in the named colour of MASK_COLOURS, now and next time."""
        self.settings.set_mask_colour(name)
        self.scene.set_mask_colour(MASK_COLOURS[name])
        self.mask_colour_actions[name].setChecked(True)

    def _set_layer_visible(self, name: str, visible: bool) -> None:
        self.document.layer(name).visible = visible
        if name == "mask":
            self.actions_by_id["toggle_mask"].setChecked(visible)
        self.scene.sync_visibility()

    def _set_layer_opacity(self, name: str, opacity: float) -> None:
        self.document.layer(name).opacity = opacity
        self.scene.sync_visibility()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Hold backslash to compare with the original photo (press and release)."""
        kind = event.type()
        if kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease) and self.isActiveWindow():
            key_event: QKeyEvent = event  # type: ignore[assignment]
            if key_event.key() == Qt.Key.Key_Backslash and not key_event.isAutoRepeat():
                self.scene.set_comparing(kind == QEvent.Type.KeyPress)
                return True
        return super().eventFilter(watched, event)

    # ------------------------------------------------------------------ inpainting

    def inpaint_gan(self) -> None:
        """Inpaint with the method chosen in the panel (the GAN pipeline by default)."""
        self.controller.start(self.inpaint_panel.selected_method())

    def inpaint_opencv(self) -> None:
        """The quick fill: OpenCV's Telea, no model, a fraction of a second."""
        self.controller.start("telea")

    def cancel_job(self) -> None:
        self.controller.cancel()

    def accept_result(self) -> None:
        self.controller.accept()

    def discard_result(self) -> None:
        self.controller.discard_offered()

    def previous_candidate(self) -> None:
        self.controller.step_candidate(-1)

    def next_candidate(self) -> None:
        self.controller.step_candidate(1)

    # ------------------------------------------------------------------ translation

    def refresh_translators(self, extra: Path | None = None) -> None:
        """Fill each translator panel's model list: installed models plus chosen files."""
        from ganpaint.models import read_metadata

        if not hasattr(self, "bundle_slot"):
            self.bundle_slot = BundleSlot()
            self._translator_files: list[Path] = []
        if extra is not None and extra not in self._translator_files:
            self._translator_files.append(extra)
        entries: list[tuple[str, object, dict]] = []
        for entry in translator_models():
            try:
                entries.append(
                    (f"{entry.name} ({entry.source})", entry.path, read_metadata(entry.path))
                )
            except GanpaintError:
                continue
        listed = {path for _n, path, _m in entries}
        for path in self._translator_files:
            if path not in listed and path.is_file():
                try:
                    entries.append((path.stem, path, read_metadata(path)))
                except GanpaintError:
                    continue
        for purpose, panel in self.translator_panels.items():
            current = panel.model_path() or self.settings.action_model(purpose) or None
            current = Path(current) if current else None
            if current is None:  # the default model for the action, when installed
                current = _default_model(purpose)
            if current is not None and current not in listed and current.is_file():
                try:
                    entries.append((current.stem, current, read_metadata(current)))
                except GanpaintError:
                    current = None
                listed = {path for _n, path, _m in entries}
            panel.set_models(entries, current)

    def _remember_translator(self, purpose: str) -> None:
        path = self.translator_panels[purpose].model_path()
        self.settings.set_action_model(purpose, str(path) if path else "")

    def choose_translator_file(self, purpose: str) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose a model file", self.settings.last_dir(), "ganpaint models (*.safetensors)"
        )
        if path:
            self.use_translator_file(purpose, Path(path))

    def use_translator_file(self, purpose: str, path: Path) -> bool:
        """Use the model file at `path` for `purpose`, if it is a CycleGAN / pix2pix bundle."""
        from ganpaint.models import resolve_model

        try:
            resolved = resolve_model(str(path), kind=TRANSLATOR_KINDS)
        except GanpaintError as error:
            self.show_message(str(error))
            return False
        self.settings.set_action_model(purpose, str(resolved))
        panel = self.translator_panels[purpose]
        self.refresh_translators(extra=resolved)
        for row in range(panel.model.count()):
            data = panel.model.itemData(row)
            if data and data[0] == resolved:
                panel.model.setCurrentIndex(row)
        return True

    def translate_image(self) -> bool:
        """Translate the whole photo or the selection (worker job, previewed, then Accept)."""
        panel = self.translate_panel
        path = panel.model_path()
        if path is None:
            self.show_message(
                NO_TRANSLATOR_MESSAGE,
                "warning",
                [("Choose model file…", lambda: self.choose_translator_file("translate"))],
            )
            return False
        selection = panel.scope.currentData() == "selection"
        request = TranslateRequest(
            photo=self.document.photo.copy(),
            model=Path(path),
            direction=str(panel.direction.currentData() or "AtoB"),
            mask=self.document.hole if selection else None,
            tile=panel.tile.value(),
            device=self.job_device(),
            label="Translation of the selection" if selection else "Translation",
        )
        try:
            job = make_translate_job(request, self.bundle_slot)
        except GanpaintError as error:
            self.show_message(str(error), "info")
            return False
        return self.controller.run_job(f"Translating with {Path(path).stem}", job)

    def edges_from_photo(self) -> None:
        """Replace the sketch layer with the photo's edges (one undo step).

        A line drawing gives its own strokes rather than the edges along both sides of
        each of them."""
        strokes = drawing_strokes(self.document.photo)
        if strokes is not None:
            self._sketch_from(strokes, "Sketch from the drawing")
            return
        edges = edges_from_photo(self.document.photo)
        if not edges.any():
            self.show_message(
                "The photo has no clear edges to start a sketch from; draw them with the "
                "sketch pen (N).",
                "info",
            )
            return
        self._sketch_from(edges, "Edges from photo")

    def _sketch_from(self, sketch: np.ndarray, text: str) -> None:
        """Make `sketch` the (shown) sketch layer and say so: the layer may be hidden or
        already hold these edges, and a shortcut that seems to do nothing is a bug."""
        changed = self._replace_layer("sketch", sketch, text)
        if not self.document.layer("sketch").visible:
            self._set_layer_visible("sketch", True)
            self.layers_panel.sync()
        self.select_tool("sketch_pen")
        keys = self.actions_by_id["sketch_to_image"].shortcut().toString()
        done = f"{text}: the sketch layer" if changed else "The sketch layer already"
        self.statusBar().showMessage(
            f"{done} holds {np.count_nonzero(sketch):,} px of edges; draw on with the sketch "
            f"pen (N), then Sketch to Image ({keys}).",
            8000,
        )

    def sketch_to_image(self) -> bool:
        """Run the sketch layer through the pix2pix model; the image comes back as a preview."""
        panel = self.sketch_panel
        path = panel.model_path()
        if path is None:
            self.show_message(
                NO_SKETCH_MODEL_MESSAGE,
                "warning",
                [("Choose model file…", lambda: self.choose_translator_file("sketch"))],
            )
            return False
        if (
            not self.document.sketch.any()
            and (strokes := drawing_strokes(self.document.photo)) is not None
        ):
            self._sketch_from(strokes, "Sketch from the drawing")  # e.g. the sketch sample
        if not self.document.sketch.any():
            self.show_message(
                "The sketch layer is empty: draw edges with the sketch pen (N), or use "
                "Generate → Edges from Photo (Ctrl+Shift+E).",
                "info",
                [("Edges from photo", self.edges_from_photo)],
            )
            return False
        request = TranslateRequest(
            photo=sketch_input(self.document.sketch),
            model=Path(path),
            direction=str(panel.direction.currentData() or "AtoB"),
            tile=panel.tile.value(),
            device=self.job_device(),
            base=self.document.photo.copy(),
            label="Sketch to image",
            accept_text="Accept sketch to image",
        )
        job = make_translate_job(request, self.bundle_slot)
        return self.controller.run_job(f"Sketch to image with {Path(path).stem}", job)

    # ------------------------------------------------------------------ semantic brushes

    def image_from_labels(self, live: bool = False) -> bool:
        """Run the label layer (gaps filled from the nearest painted class) through the
        labels2landscape pix2pix model; the image comes back as a preview to accept."""
        panel = self.labels_panel
        path = panel.model_path()
        if path is None:
            self.show_message(
                NO_LABELS_MODEL_MESSAGE,
                "warning",
                [("Choose model file…", lambda: self.choose_translator_file("labels"))],
            )
            return False
        rgb = labels_input(self.document.labels)
        if rgb is None and not live and (found := label_map_in(self.document.photo)) is not None:
            # The photo is a label map (e.g. the label sample): it becomes the label layer.
            self._replace_layer("labels", found, "Labels from the label map")
            rgb = labels_input(self.document.labels)
        if rgb is None:
            if not live:
                self.show_message(
                    EMPTY_LABELS_MESSAGE,
                    "info",
                    [("Label brush", lambda: self.select_tool("label_brush"))],
                )
            return False
        request = TranslateRequest(
            photo=rgb,
            model=Path(path),
            direction=str(panel.direction.currentData() or "AtoB"),
            tile=panel.tile.value(),
            device=self.job_device(),
            base=self.document.photo.copy(),
            label="Image from labels",
            accept_text=LABELS_ACCEPT,
        )
        job = make_translate_job(request, self.bundle_slot)
        name = f"Image from labels with {Path(path).stem}"
        started = self.controller.run_job(name, job, continues=live and self._live_result_shown())
        if started:
            self.live_timer.stop()
            self._labels_running = True
            panel.status.setText("Generating from the labels…")
        return started

    def _live_result_shown(self) -> bool:
        """Whether the newest result, on offer now, is from labels: a live session goes
        on, and its next run replaces that History entry instead of adding one."""
        current, history = self.controller.current, self.controller.history
        return (
            current is not None
            and current.accept_text == LABELS_ACCEPT
            and (bool(history) and history[-1] is current)
        )

    def _labels_stroked(self) -> None:
        """A label stroke ended: in Live mode, re-generate after a short pause (debounced)."""
        if not self.labels_panel.live.isChecked():
            return
        if self.labels_seconds is not None and self.labels_seconds >= LIVE_MAX_SECONDS:
            self.labels_panel.status.setText(self._too_slow_text())
            return
        self.live_timer.start()  # restarting it is the debounce

    def _too_slow_text(self) -> str:
        keys = self.actions_by_id["image_from_labels"].shortcut().toString()
        return (
            f"Too slow for live ({self.labels_seconds:.1f} s a run); "
            f"press Image from Labels ({keys})."
        )

    def _on_live_toggled(self, on: bool) -> None:
        if not on:
            self.live_timer.stop()
            self.labels_panel.status.setText("")
        elif self.labels_seconds is not None and self.labels_seconds >= LIVE_MAX_SECONDS:
            self.labels_panel.status.setText(self._too_slow_text())
        else:
            self.live_timer.start()

    def _run_live(self) -> None:
        runner = self.controller.runner
        if runner.busy:
            if self._labels_running:
                self.live_timer.start()  # again once the run in progress is done
            else:
                self.labels_panel.status.setText(f"Live waits: {runner.name} is running.")
            return
        current = self.controller.current
        if current is not None and current.accept_text != LABELS_ACCEPT:
            self.labels_panel.status.setText(
                "Live waits: accept or discard the result on show first."
            )
            return
        self.image_from_labels(live=True)

    def _on_labels_finished(self, outcome: object) -> None:
        if not self._labels_running:
            return
        self._labels_running = False
        # Live is about how fast the model runs; loading it the first time does not count.
        seconds = getattr(outcome, "run_seconds", None)
        if seconds is None:
            seconds = getattr(outcome, "seconds", 0.0)
        self.labels_seconds = float(seconds)
        text = f"Done in {self.labels_seconds:.2f} s; Accept to keep it."
        if self.labels_panel.live.isChecked() and self.labels_seconds >= LIVE_MAX_SECONDS:
            text = self._too_slow_text()
        self.labels_panel.status.setText(text)

    def _labels_stopped(self) -> None:
        if self._labels_running:
            self._labels_running = False
            self.labels_panel.status.setText("")

    # ------------------------------------------------------------------ latent explorer

    def new_image_from_gan(self) -> bool:
        """The latent explorer: pick, interpolate or combine GAN samples; open one."""
        from ganpaint.app.explorer_dialog import ExplorerDialog

        if self.controller.model.path is None:
            self.show_message(
                NO_MODEL_MESSAGE.replace("GAN inpainting", "the latent explorer"),
                "warning",
                [("Open model file…", self.open_model_dialog)],
            )
            return False
        self.explorer = ExplorerDialog(self)
        self.explorer.generate_grid()
        self.explorer.open()
        return True

    def open_array(self, rgb: np.ndarray, title: str) -> bool:
        """Open an image made in the app (a GAN sample) as a new, unsaved document."""
        if not self.confirm_discard():
            return False
        self.message_bar.dismiss()
        self.set_document(Document.from_image(np.ascontiguousarray(rgb), title=title))
        return True

    # ------------------------------------------------------------------ iGAN

    def generate_from_strokes(self) -> bool:
        """Optimise GAN latents to follow the colour strokes and edges (worker job).

        Without a mask the whole canvas is generated (the result, scaled to the
        document, replaces the photo on Accept); with one, only the masked part is,
        blended in as inpainting does. Keep / Restart steer the next run.
        """
        if self.controller.model.path is None:
            self.show_message(
                NO_MODEL_MESSAGE.replace("GAN inpainting", "generation from strokes"),
                "warning",
                [("Open model file…", self.open_model_dialog)],
            )
            return False
        document = self.document
        panel = self.igan_panel
        request = IganRequest(
            photo=document.photo.copy(),
            colour=document.colour.copy(),
            sketch=document.sketch.copy(),
            hole=document.hole if document.mask.any() else None,
            color_weight=panel.color_weight.value(),
            edge_weight=panel.edge_weight.value(),
            seed=self.igan_seed,
            candidates=panel.candidates.value(),
            keep_z=self.igan_keep_z,
            device=self.job_device(),
        )
        try:
            job, prepare, box = make_igan_job(request, self.controller.model)
        except GanpaintError as error:
            self.show_message(str(error), "info")
            return False
        self.stop_morph()
        return self.controller.run_job(IGAN_JOB, job, prepare, box)

    def _igan_outcome(self) -> IganOutcome | None:
        current = self.controller.current
        return current if isinstance(current, IganOutcome) else None

    def keep_igan_result(self) -> bool:
        """The chosen result becomes the start (and the pull) of the next generation."""
        outcome = self._igan_outcome()
        if outcome is None or not outcome.latents:
            return False
        self.igan_keep_z = outcome.latents[self.controller.candidate].clone()
        self.igan_panel.start_label.setText(
            f"Starts: kept candidate {self.controller.candidate + 1}"
        )
        self.statusBar().showMessage(
            "Kept: the next generation starts from this result. Add strokes, then generate.",
            5000,
        )
        return True

    def restart_igan(self) -> bool:
        """Forget the kept result and generate again from new random starts (a new seed)."""
        self.igan_seed += 1
        self.igan_keep_z = None
        self.igan_panel.start_label.setText(f"Starts: random (seed {self.igan_seed})")
        return self.generate_from_strokes()

    def show_morph_frame(self, frame: int) -> None:
        """Show frame `frame` of the chosen candidate's morph (the last is the result)."""
        outcome = self._igan_outcome()
        if outcome is None:
            return
        candidate = self.controller.candidate
        last = len(outcome.frames[candidate]) - 1 if outcome.frames else 0
        self.controller.show_patch(
            None if frame >= last else frame_patch(outcome, candidate, frame)
        )

    def _on_candidate_shown(self, outcome: object, index: int) -> None:
        self.stop_morph()
        if isinstance(outcome, IganOutcome) and outcome.frames:
            self.igan_panel.set_frames(len(outcome.frames[index]))
        else:
            self.igan_panel.set_frames(0)
        self.update_actions()

    def _on_job_progress(self, payload: tuple) -> None:
        _update, preview = payload
        if self.controller.runner.name == IGAN_JOB and preview is not None:
            self.igan_panel.set_live(thumbnail_icon(preview, 92))

    def play_morph(self) -> None:
        """Play the morph from the start to the result (or stop it)."""
        if self.morph_timer.isActive():
            self.stop_morph()
            return
        slider = self.igan_panel.frame
        if self._igan_outcome() is None or not slider.isEnabled():
            self.actions_by_id["igan_play"].setChecked(False)
            return
        if slider.value() >= slider.maximum():
            slider.setValue(0)
        self.actions_by_id["igan_play"].setChecked(True)
        self.morph_timer.start()

    def stop_morph(self) -> None:
        self.morph_timer.stop()
        self.actions_by_id["igan_play"].setChecked(False)

    def _next_morph_frame(self) -> None:
        slider = self.igan_panel.frame
        if self._igan_outcome() is None or slider.value() >= slider.maximum():
            self.stop_morph()
            return
        slider.setValue(slider.value() + 1)

    def export_morph(self, path: str | None = None) -> bool:
        """Write the chosen candidate's morph (model size, enlarged) as a GIF or PNG frames."""
        outcome = self._igan_outcome()
        if outcome is None or not outcome.frames:
            self.show_message("Generate from strokes first: there is no morph to export.", "info")
            return False
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self,
                "Export morph",
                str(Path(self.settings.last_dir()) / "morph.gif"),
                "Animated GIF (*.gif);;PNG frames (*.png)",
            )
            if not path:
                return False
        frames = outcome.frames[self.controller.candidate]
        scale = max(1, 256 // max(frames[0].shape[0], 1))
        try:
            written = save_animation(frames, path, fps=1000 / MORPH_FRAME_MS, scale=scale)
        except OSError as error:
            self.show_message(f"Cannot write {path}: {error.strerror or error}.")
            return False
        self.statusBar().showMessage(f"Exported the morph to {written[0]}", 5000)
        return True

    # ------------------------------------------------------------------ model and device

    def choose_model(self, path: Path | None, name: str = "", remember: bool = True) -> None:
        self.controller.model.choose(path, name)
        if remember:
            self.settings.set_model(str(path) if path else "")
        self.update_status()

    def open_model_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open model file", self.settings.last_dir(), "ganpaint models (*.safetensors)"
        )
        if not path:
            return
        try:
            from ganpaint.models import resolve_model

            resolved = resolve_model(path, kind="gan")
        except GanpaintError as error:
            self.show_message(str(error))
            return
        self.choose_model(resolved)

    def open_model_manager(self) -> None:
        from ganpaint.app.model_manager import ModelManagerDialog

        self.model_manager = ModelManagerDialog(self)
        self.model_manager.exec()

    def _fill_models_menu(self) -> None:
        from ganpaint.models import list_models

        self.models_menu.clear()
        group = QActionGroup(self.models_menu)
        for entry in list_models():
            if entry.kind != "gan" or entry.error:
                continue
            action = self.models_menu.addAction(f"{entry.name} ({entry.source})")
            action.setCheckable(True)
            action.setChecked(entry.path == self.controller.model.path)
            action.triggered.connect(lambda _=False, e=entry: self.choose_model(e.path, e.name))
            group.addAction(action)
        if self.models_menu.isEmpty():
            self.models_menu.addAction("No GAN models installed").setEnabled(False)

    def _fill_device_menu(self) -> None:
        from ganpaint.device import available_devices

        self.device_menu.clear()
        group = QActionGroup(self.device_menu)
        for name in available_devices():
            action = self.device_menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(name == self.device)
            action.triggered.connect(lambda _=False, n=name: self.set_device(n))
            group.addAction(action)

    def job_device(self) -> str:
        """The device every job runs on: the setting with `auto` resolved, here and only
        here (torch and the explorer's renderer take no `auto`). A device this machine
        lacks stays as set, so the job ends in the device error's one sentence."""
        try:
            return str(resolve_device(self.device))
        except GanpaintError:
            return self.device

    def set_device(self, device: str) -> None:
        self.device = device
        self.settings.set_device(device)
        self.update_status()

    # ------------------------------------------------------------------ status

    def show_message(
        self,
        text: str,
        kind: str = "error",
        actions: list[tuple[str, Callable[[], None]]] | None = None,
    ) -> None:
        self.message_bar.show_message(text, kind, actions)

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
        name = self.controller.model.name
        self.model_label.setText(f"Model: {name}" if name else "Model: none (OpenCV only)")
        self.device_label.setText(f"Device: {self._device_in_use()}")

    def _device_in_use(self) -> str:
        """The device jobs will run on (what `auto` resolves to here), not just the setting."""
        try:
            in_use = describe_device(resolve_device(self.device))
        except GanpaintError:
            return f"{self.device} (not available)"
        return f"{in_use} (auto)" if self.device == "auto" else in_use

    def update_actions(self) -> None:
        busy = self.controller.runner.busy
        offering = self.controller.current is not None
        igan = isinstance(self.controller.current, IganOutcome)
        if not igan and hasattr(self, "igan_panel"):
            if self.igan_panel.frame.isEnabled():
                self.igan_panel.set_frames(0)
            self.stop_morph()
        enabled = {
            "cancel_job": busy,
            "accept": offering and not busy,
            "discard": offering,
            "prev_candidate": offering,
            "next_candidate": offering,
            "inpaint_gan": not busy,
            "inpaint_cv": not busy,
            "translate": not busy,
            "sketch_to_image": not busy,
            "image_from_labels": not busy,
            "igan_generate": not busy,
            "new_from_gan": not busy,
            "igan_restart": not busy,
            "igan_keep": igan and not busy,
            "igan_play": igan,
            "igan_export": igan,
            "undo": self.undo_stack.canUndo(),
            "redo": self.undo_stack.canRedo(),
        }
        for key, value in enabled.items():
            self.actions_by_id[key].setEnabled(value)
        undo_text, redo_text = self.undo_stack.undoText(), self.undo_stack.redoText()
        self.actions_by_id["undo"].setText(f"&Undo {undo_text}" if undo_text else "&Undo")
        self.actions_by_id["redo"].setText(f"&Redo {redo_text}" if redo_text else "&Redo")

    # ------------------------------------------------------------------ help

    def show_shortcuts(self) -> None:
        ShortcutsDialog(self).exec()

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            "About ganpaint",
            f"<b>ganpaint {__version__}</b><p>Edit photos with GANs on your own machine: "
            "inpaint, sketch to image, translate.</p>",
        )

    # ------------------------------------------------------------------ closing

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.confirm_discard():
            event.ignore()
            return
        self.controller.runner.shutdown()
        self.writer.wait()
        self.settings.save_window(self.saveGeometry(), self.saveState())
        self.settings.sync()
        recovery.remove_recovery()
        QApplication.instance().removeEventFilter(self)
        event.accept()


def _default_model(purpose: str) -> Path | None:
    """The model `--model` would default to for `purpose` (a user's copy shadows the
    bundled one), or None when none is installed."""
    from ganpaint.models import resolve_model

    if purpose not in DEFAULT_MODELS:
        return None
    try:
        return resolve_model(None, purpose=purpose)
    except GanpaintError:
        return None
