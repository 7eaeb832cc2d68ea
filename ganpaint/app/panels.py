"""The side panels: layers (visibility, opacity, which layer the eraser works on) and
inpainting (run, progress, candidates, accept or discard, the history of results), and
`action_button`, the tool button every panel runs its actions with. The translator and
labels panels are in `translator_panels`, the iGAN panel in `igan_panel`."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ganpaint.app.statuslabel import StatusLabel
from ganpaint.documents.document import LAYER_ORDER, Document
from ganpaint.session.inpainting import METHOD_NAMES

# The chosen candidate gets a frame, not the selection tint over its pixels.
SELECTED_FRAME = (
    "QListWidget::item { border: 3px solid transparent; }"
    "QListWidget::item:selected { background: transparent; border: 3px solid palette(highlight);"
    " color: palette(text); }"
)


def action_button(action: QAction) -> QToolButton:
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
        run.addWidget(action_button(actions["inpaint_gan"]))
        run.addWidget(action_button(actions["inpaint_cv"]))

        self.progress = QProgressBar()
        self.progress.setFormat("Idle")
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.status = StatusLabel()
        cancel = action_button(actions["cancel_job"])
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
        choose.addWidget(action_button(actions["accept"]))
        choose.addWidget(action_button(actions["discard"]))

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
