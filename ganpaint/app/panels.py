"""The side panels: layers (visibility, opacity, which layer the eraser works on) and
inpainting (run, progress, candidates, accept or discard, the history of results)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ganpaint.app.statuslabel import StatusLabel
from ganpaint.documents.document import LAYER_ORDER, Document
from ganpaint.labels import LABEL_NAMES, LABEL_PALETTE
from ganpaint.session.inpainting import METHOD_NAMES
from ganpaint.session.translating import directions

# The chosen candidate gets a frame, not the selection tint over its pixels.
SELECTED_FRAME = (
    "QListWidget::item { border: 3px solid transparent; }"
    "QListWidget::item:selected { background: transparent; border: 3px solid palette(highlight);"
    " color: palette(text); }"
)


def _button(action: QAction) -> QToolButton:
    button = QToolButton()
    button.setDefaultAction(action)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    return button


class LayersPanel(QWidget):
    """The layer stack, top first: a check box shows or hides, selection picks the layer."""

    layerSelected = Signal(str)
    visibilityChanged = Signal(str, bool)
    opacityChanged = Signal(str, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document: Document | None = None
        self.list = QListWidget()
        self.list.setMaximumHeight(140)
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setToolTip("Opacity of the selected layer")
        self.opacity_label = QLabel("100%")
        self.opacity_label.setMinimumWidth(36)
        row = QHBoxLayout()
        row.addWidget(QLabel("Opacity"))
        row.addWidget(self.opacity, 1)
        row.addWidget(self.opacity_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list)
        layout.addLayout(row)
        self._updating = False
        self.list.currentItemChanged.connect(self._current_changed)
        self.list.itemChanged.connect(self._item_changed)
        self.opacity.valueChanged.connect(self._opacity_changed)

    def set_document(self, document: Document) -> None:
        self.document = document
        self._updating = True
        self.list.clear()
        for name in reversed(LAYER_ORDER):
            layer = document.layer(name)
            item = QListWidgetItem(layer.title)
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if layer.visible else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self._updating = False
        self.select("mask")

    def current(self) -> str:
        item = self.list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else "mask"

    def select(self, name: str) -> None:
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole) == name:
                self.list.setCurrentRow(row)
                return

    def sync(self) -> None:
        """Show the document's visibility and opacity again (after they changed elsewhere)."""
        if self.document is None:
            return
        self._updating = True
        for row in range(self.list.count()):
            item = self.list.item(row)
            layer = self.document.layer(item.data(Qt.ItemDataRole.UserRole))
            item.setCheckState(Qt.CheckState.Checked if layer.visible else Qt.CheckState.Unchecked)
        self._show_opacity(self.current())
        self._updating = False

    def _show_opacity(self, name: str) -> None:
        if self.document is None:
            return
        value = round(self.document.layer(name).opacity * 100)
        self.opacity.setValue(value)
        self.opacity_label.setText(f"{value}%")

    def _current_changed(self, current: QListWidgetItem | None, _previous: object) -> None:
        if current is None:
            return
        name = str(current.data(Qt.ItemDataRole.UserRole))
        was, self._updating = self._updating, True
        self._show_opacity(name)
        self._updating = was
        self.layerSelected.emit(name)

    def _item_changed(self, item: QListWidgetItem) -> None:
        if not self._updating:
            checked = item.checkState() == Qt.CheckState.Checked
            self.visibilityChanged.emit(str(item.data(Qt.ItemDataRole.UserRole)), checked)

    def reset_opacity(self) -> None:
        """Back to 100 % without telling anyone: a result offered anew starts opaque."""
        self.opacity.blockSignals(True)
        self.opacity.setValue(100)
        self.opacity.blockSignals(False)
        self.opacity_label.setText("100%")

    def _opacity_changed(self, value: int) -> None:
        self.opacity_label.setText(f"{value}%")
        if not self._updating:
            self.opacityChanged.emit(self.current(), value / 100)


# The tooltip of every inpainting method the panel offers (names: METHOD_NAMES).
METHOD_TIPS = {
    "gan": "The GAN draws the hole's structure, then the photo's own patches redraw it at "
    "full resolution (best on large holes; needs a GAN model)",
    "patch": "Rebuild the hole from the photo's own patches, coarse to fine (no model)",
    "telea": "Smooth fill from the hole's edge (fast; thin scratches)",
    "ns": "Smooth fill that continues edges (fast; thin scratches)",
    "auto": "OpenCV for hair-thin masks, otherwise the GAN (photo patches without a model)",
}


class InpaintPanel(QWidget):
    """Run inpainting, watch it, choose among the candidates, go back to earlier results."""

    candidateChosen = Signal(int)
    historyChosen = Signal(int)
    opacityChanged = Signal(float)

    def __init__(self, actions: dict[str, QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.candidates = QSpinBox()
        self.candidates.setRange(1, 8)
        self.candidates.setToolTip("How many different fills the GAN offers")
        self.fit = QCheckBox("Fit the GAN to the photo")
        self.fit.setChecked(True)
        self.fit.setToolTip(
            "After finding the best latent, tune a private copy of the GAN on the pixels "
            "around the hole: fills that continue the photo more closely, about five "
            "times slower on a CPU"
        )
        self.method = QComboBox()
        for method, label in METHOD_NAMES.items():
            self.method.addItem(label, method)
            tip = METHOD_TIPS[method]
            self.method.setItemData(self.method.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        self.method.setToolTip("How Inpaint fills the mask")
        self.method.currentIndexChanged.connect(self._method_changed)
        form = QFormLayout()
        form.addRow("Method", self.method)
        form.addRow("GAN candidates", self.candidates)
        form.addRow("", self.fit)

        run = QHBoxLayout()
        run.addWidget(_button(actions["inpaint_gan"]))
        run.addWidget(_button(actions["inpaint_cv"]))

        self.progress = QProgressBar()
        self.progress.setFormat("Idle")
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.status = StatusLabel()
        cancel = _button(actions["cancel_job"])
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(cancel)

        self.thumbnails = QListWidget()
        self.thumbnails.setViewMode(QListView.ViewMode.IconMode)
        self.thumbnails.setIconSize(QSize(88, 88))
        self.thumbnails.setMovement(QListView.Movement.Static)
        self.thumbnails.setResizeMode(QListView.ResizeMode.Adjust)
        self.thumbnails.setMinimumHeight(110)
        self.thumbnails.setToolTip("Candidates: click one to preview it")
        self.thumbnails.setStyleSheet(SELECTED_FRAME)
        self.thumbnails.currentRowChanged.connect(self._candidate_changed)

        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(100)
        self.opacity.setToolTip("How strongly the result shows over the photo (and is accepted)")
        self.opacity_label = QLabel("100%")
        self.opacity_label.setMinimumWidth(36)
        self.opacity.valueChanged.connect(self._opacity_changed)
        opacity_row = QHBoxLayout()
        opacity_row.addWidget(QLabel("Result opacity"))
        opacity_row.addWidget(self.opacity, 1)
        opacity_row.addWidget(self.opacity_label)

        choose = QHBoxLayout()
        choose.addWidget(_button(actions["accept"]))
        choose.addWidget(_button(actions["discard"]))

        self.history = QListWidget()
        self.history.setToolTip("Earlier results: click one to see its candidates again")
        self.history.itemActivated.connect(self._history_activated)
        self.history.itemClicked.connect(self._history_activated)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(form)
        layout.addLayout(run)
        layout.addLayout(progress_row)
        layout.addWidget(self.status)
        layout.addWidget(QLabel("Candidates"))
        layout.addWidget(self.thumbnails, 2)
        layout.addLayout(opacity_row)
        layout.addLayout(choose)
        layout.addWidget(QLabel("History"))
        layout.addWidget(self.history, 1)
        self._quiet = False

    # -- progress ---------------------------------------------------------------------

    def _method_changed(self, _index: int) -> None:
        uses_gan = self.selected_method() in ("gan", "auto")  # the GAN settings apply
        self.candidates.setEnabled(uses_gan)
        self.fit.setEnabled(uses_gan)

    def selected_method(self) -> str:
        """The chosen inpainting method ("gan", "patch", "telea", "ns" or "auto")."""
        return str(self.method.currentData())

    def select_method(self, method: str) -> None:
        index = self.method.findData(method)
        self.method.setCurrentIndex(max(index, 0))

    def set_busy(self, name: str) -> None:
        self.progress.setRange(0, 0)
        self.progress.setFormat(name)
        self.status.setText(f"{name}…")

    def set_progress(self, step: int, total: int, message: str) -> None:
        total = max(int(total), 1)
        self.progress.setRange(0, total)
        self.progress.setValue(min(int(step), total))
        self.progress.setFormat(f"%v / %m  {message}".strip())
        self.status.setText(message)

    def set_idle(self, text: str = "") -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("Idle")
        self.status.setText(text)

    # -- candidates and history -------------------------------------------------------

    def show_candidates(self, icons: list[QIcon], current: int = 0) -> None:
        self._quiet = True
        self.thumbnails.clear()
        for index, icon in enumerate(icons):
            item = QListWidgetItem(icon, f"{index + 1}")
            item.setToolTip(f"Candidate {index + 1}" + (" (best)" if index == 0 else ""))
            self.thumbnails.addItem(item)
        if icons:
            self.thumbnails.setCurrentRow(current)
        self._quiet = False

    def set_candidate_icon(self, index: int, icon: QIcon) -> None:
        """Replace one candidate's thumbnail (it was finished at full resolution)."""
        item = self.thumbnails.item(index)
        if item is not None:
            item.setIcon(icon)

    def clear_candidates(self) -> None:
        self._quiet = True
        self.thumbnails.clear()
        self._quiet = False

    def add_history(self, label: str, icon: QIcon) -> None:
        self.history.insertItem(0, QListWidgetItem(icon, label))
        self.history.setCurrentRow(0)

    def replace_newest_history(self, label: str, icon: QIcon) -> None:
        item = self.history.item(0)
        if item is None:
            self.add_history(label, icon)
            return
        item.setText(label)
        item.setIcon(icon)
        self.history.setCurrentRow(0)

    def history_index(self, row: int) -> int:
        """Rows show the newest first; indexes count from the oldest."""
        return self.history.count() - 1 - row

    def reset_opacity(self) -> None:
        """Back to 100 % without telling anyone: a result offered anew starts opaque."""
        self.opacity.blockSignals(True)
        self.opacity.setValue(100)
        self.opacity.blockSignals(False)
        self.opacity_label.setText("100%")

    def _opacity_changed(self, value: int) -> None:
        self.opacity_label.setText(f"{value}%")
        self.opacityChanged.emit(value / 100)

    def _candidate_changed(self, row: int) -> None:
        if not self._quiet and row >= 0:
            self.candidateChosen.emit(row)

    def _history_activated(self, item: QListWidgetItem) -> None:
        self.historyChosen.emit(self.history_index(self.history.row(item)))


class TranslatorPanel(QWidget):
    """Options of an edit that runs a CycleGAN / pix2pix model: which model, which way,
    the whole image or the selection, the tile size, and the button that runs it."""

    chooseFile = Signal()

    def __init__(
        self,
        run: QAction,
        scope: bool = True,
        note: str = "",
        extra: list[QAction] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = QComboBox()
        self.model.setToolTip("The CycleGAN or pix2pix model this edit uses")
        self.model.setMinimumContentsLength(14)
        self.model.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        browse = QToolButton()
        browse.setText("…")
        browse.setToolTip("Choose a model file (.safetensors)")
        browse.clicked.connect(self.chooseFile)
        model_row = QHBoxLayout()
        model_row.addWidget(self.model, 1)
        model_row.addWidget(browse)
        self.direction = QComboBox()
        self.direction.setToolTip("Which way to translate (CycleGAN models go both ways)")
        self.scope = QComboBox()
        self.scope.addItem("Whole image", "image")
        self.scope.addItem("Selection (mask)", "selection")
        self.scope.setToolTip("Translate everything, or only what the mask covers")
        self.tile = QSpinBox()
        self.tile.setRange(64, 2048)
        self.tile.setSingleStep(64)
        self.tile.setValue(512)
        self.tile.setSuffix(" px")
        self.tile.setToolTip("Large photos are translated in tiles of this size (less memory)")
        form = QFormLayout()
        form.addRow("Model", model_row)
        form.addRow("Direction", self.direction)
        if scope:
            form.addRow("Apply to", self.scope)
        form.addRow("Tile size", self.tile)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        if note:
            label = QLabel(note)
            label.setWordWrap(True)
            layout.addWidget(label)
        layout.addLayout(form)
        row = QHBoxLayout()
        for action in [*(extra or []), run]:
            row.addWidget(_button(action))
        layout.addLayout(row)
        layout.addStretch(1)
        self.model.currentIndexChanged.connect(lambda _i: self._fill_directions())

    def set_models(self, entries: list[tuple[str, object, dict]], current: object = None) -> None:
        """(name, path, metadata) per model; keep `current` (a path) chosen when listed."""
        self.model.blockSignals(True)
        self.model.clear()
        for name, path, meta in entries:
            self.model.addItem(name, (path, meta))
            self.model.setItemData(self.model.count() - 1, str(path), Qt.ItemDataRole.ToolTipRole)
        if not entries:
            self.model.addItem("No model installed", None)
        index = next((i for i, (_n, p, _m) in enumerate(entries) if p == current), 0)
        self.model.setCurrentIndex(index)
        self.model.blockSignals(False)
        self._fill_directions()

    def model_path(self):
        data = self.model.currentData()
        return data[0] if data else None

    def _fill_directions(self) -> None:
        self.direction.clear()
        data = self.model.currentData()
        for label, value in directions(data[1]) if data else []:
            self.direction.addItem(label, value)
        self.direction.setEnabled(self.direction.count() > 1)


class IganPanel(QWidget):
    """Generation from strokes (iGAN): how strongly colours and edges count, Generate /
    Keep / Restart, a live thumbnail while it runs, and the morph from the start to the
    chosen result: a slider to scrub it, Play, and Export as GIF or frames."""

    frameChanged = Signal(int)

    def __init__(self, actions: dict[str, QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        note = QLabel(
            "Paint colour strokes (C) and edges (N); the GAN finds images that follow them. "
            "With a mask, only the masked part is generated and blended in."
        )
        note.setWordWrap(True)
        self.color_weight = QDoubleSpinBox()
        self.color_weight.setRange(0.0, 10.0)
        self.color_weight.setSingleStep(0.1)
        self.color_weight.setValue(1.0)
        self.color_weight.setToolTip("How strongly the colour strokes count (0: ignore them)")
        self.edge_weight = QDoubleSpinBox()
        self.edge_weight.setRange(0.0, 10.0)
        self.edge_weight.setSingleStep(0.05)
        self.edge_weight.setValue(0.2)
        self.edge_weight.setToolTip("How strongly the edge sketch counts (0: ignore it)")
        self.candidates = QSpinBox()
        self.candidates.setRange(1, 16)
        self.candidates.setValue(8)
        self.candidates.setToolTip("How many of the best results are offered")
        form = QFormLayout()
        form.addRow("Colour strength", self.color_weight)
        form.addRow("Edge strength", self.edge_weight)
        form.addRow("Candidates", self.candidates)
        run = QHBoxLayout()
        for key in ("igan_generate", "igan_keep", "igan_restart"):
            run.addWidget(_button(actions[key]))
        self.start_label = QLabel("Starts: random")
        self.start_label.setToolTip("Keep makes the chosen result the next starting point")
        self.live = QLabel()
        self.live.setFixedSize(96, 96)
        self.live.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.live.setToolTip("The best image so far, while it runs")
        self.live.setStyleSheet("border: 1px solid palette(mid);")
        self.frame = QSlider(Qt.Orientation.Horizontal)
        self.frame.setRange(0, 0)
        self.frame.setEnabled(False)
        self.frame.setToolTip("Scrub from the starting image (left) to the result (right)")
        self.frame.valueChanged.connect(self.frameChanged)
        self.frame_label = QLabel("")
        self.frame_label.setMinimumWidth(44)
        self.frame.valueChanged.connect(self._show_frame_number)
        scrub = QHBoxLayout()
        scrub.addWidget(QLabel("Start"))
        scrub.addWidget(self.frame, 1)
        scrub.addWidget(QLabel("Result"))
        scrub.addWidget(self.frame_label)
        morph = QHBoxLayout()
        morph.addWidget(_button(actions["igan_play"]))
        morph.addWidget(_button(actions["igan_export"]))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addLayout(run)
        top = QHBoxLayout()
        top.addWidget(self.live)
        top.addWidget(self.start_label, 1)
        layout.addLayout(top)
        layout.addWidget(QLabel("Morph from the start"))
        layout.addLayout(scrub)
        layout.addLayout(morph)
        layout.addStretch(1)

    def set_live(self, icon: QIcon | None) -> None:
        if icon is None:
            self.live.clear()
        else:
            self.live.setPixmap(icon.pixmap(QSize(92, 92)))

    def set_frames(self, count: int) -> None:
        """Offer `count` frames, showing the last (the result); 0 disables the slider."""
        self.frame.blockSignals(True)
        self.frame.setRange(0, max(count - 1, 0))
        self.frame.setValue(max(count - 1, 0))
        self.frame.setEnabled(count > 1)
        self.frame.blockSignals(False)
        self._show_frame_number(self.frame.value())

    def _show_frame_number(self, value: int) -> None:
        self.frame_label.setText(
            f"{value + 1}/{self.frame.maximum() + 1}" if self.frame.isEnabled() else ""
        )


class LabelsPanel(TranslatorPanel):
    """The semantic brushes: one button per landscape class (its palette colour as the
    swatch), the labels model, Live re-generation and Image from Labels."""

    classChosen = Signal(int)
    liveToggled = Signal(bool)

    def __init__(self, run: QAction, brush: QAction, parent: QWidget | None = None) -> None:
        super().__init__(
            run,
            scope=False,
            note="Pick a class and paint it with the label brush (S); unpainted areas take "
            "the nearest painted class. A pix2pix model turns the labels into a landscape.",
            parent=parent,
        )
        self.classes = QButtonGroup(self)
        self.classes.setExclusive(True)
        grid = QGridLayout()
        grid.setSpacing(2)
        for index, name in enumerate(LABEL_NAMES):
            button = QToolButton()
            button.setText(name.capitalize())
            pixmap = QPixmap(16, 16)
            pixmap.fill(QColor(*(int(v) for v in LABEL_PALETTE[index])))
            painter = QPainter(pixmap)  # an outline, so light swatches (cloud) show
            painter.setPen(QColor(90, 90, 90))
            painter.drawRect(0, 0, 15, 15)
            painter.end()
            button.setIcon(QIcon(pixmap))
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setCheckable(True)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.setToolTip(f"Paint {name} with the label brush ({brush.shortcut().toString()})")
            self.classes.addButton(button, index)
            grid.addWidget(button, index // 2, index % 2)
        self.classes.button(0).setChecked(True)
        self.classes.idClicked.connect(self.classChosen)
        self.live = QCheckBox("Live")
        self.live.setToolTip(
            "Re-generate shortly after each label stroke while a run takes under half a second"
        )
        self.live.toggled.connect(self.liveToggled)
        self.status = StatusLabel()
        layout = self.layout()
        layout.insertLayout(1, grid)  # under the note, above the model
        layout.insertWidget(layout.count() - 1, self.live)
        layout.insertWidget(layout.count() - 1, self.status)

    def current_class(self) -> int:
        return max(self.classes.checkedId(), 0)

    def set_class(self, index: int) -> None:
        button = self.classes.button(index)
        if button is not None:
            button.setChecked(True)
