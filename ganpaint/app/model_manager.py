"""The model manager: the installed models with their cards, importing a reference `.pth`,
deleting the user's own models, choosing which model each action uses, and the device.

Everything it shows comes from `ganpaint.models` (list_models, describe,
import_into_user_models) and `ganpaint.device`; this module only lays it out.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ganpaint.app.hosts import DeviceChoice, TranslatorChoice
from ganpaint.device import available_devices, describe_device, resolve_device
from ganpaint.errors import GanpaintError
from ganpaint.models import describe, import_into_user_models, list_models

# Which actions can use a model of each kind: (purpose, menu text).
USES = {
    "gan": [("inpaint", "Use for GAN inpainting")],
    "cyclegan": [("translate", "Use for translation")],
    "pix2pix": [("sketch", "Use for sketch to image"), ("translate", "Use for translation")],
}


def device_text(name: str) -> str:
    """What `name` means here: 'cpu', 'cuda:0 (NVIDIA …, 70.1 GiB free)', 'auto → …'."""
    try:
        described = describe_device(resolve_device(name))
    except GanpaintError as error:
        return f"{name}: not available ({error})"
    except Exception as error:  # a driver that fails to answer is not a crash
        return f"{name}: not available ({error})"
    return f"auto → {described}" if name == "auto" else described


class ModelManagerDialog(QDialog):
    """A list of models (bundled and user) beside the selected one's card."""

    def __init__(
        self,
        parent: QWidget,
        choice: DeviceChoice,
        translators: TranslatorChoice,
        status: Callable[[str, int], None],
        last_dir: str = "",
    ) -> None:
        super().__init__(parent)
        self.choice = choice
        self.translators = translators
        self.status = status
        self.last_dir = last_dir
        self.setWindowTitle("Model Manager")
        self.resize(1060, 540)  # room for every column, the Knows one included

        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Model", "Kind", "Knows", "Resolution", "Size", "Source"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.currentItemChanged.connect(lambda *_: self._show_card())
        self.card = QPlainTextEdit()
        self.card.setReadOnly(True)
        self.card.setFont(QFont("monospace"))
        self.card.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)  # never cut off
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.tree)
        splitter.addWidget(self.card)
        splitter.setSizes([340, 520])
        self.splitter = splitter

        self.import_button = QPushButton("Import .pth…")
        self.import_button.setToolTip(
            "Import a checkpoint of the reference CycleGAN / pix2pix / DCGAN code "
            "(or copy a ganpaint .safetensors) into your models"
        )
        self.import_button.clicked.connect(self.import_dialog)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Delete one of your own models (bundled ones stay)")
        self.delete_button.clicked.connect(lambda: self.delete_selected())
        self.use_button = QPushButton("Use for…")
        self.use_menu = QMenu(self)
        self.use_button.setMenu(self.use_menu)
        self.use_menu.aboutToShow.connect(self._fill_use_menu)
        buttons = QHBoxLayout()
        for button in (self.import_button, self.delete_button, self.use_button):
            buttons.addWidget(button)
        buttons.addStretch(1)

        self.device = QComboBox()
        self.device.setToolTip("Where the edits run; auto picks CUDA, then MPS, then the CPU")
        for name in available_devices():
            self.device.addItem(name, name)
        self.device.setCurrentIndex(max(self.device.findData(choice.device), 0))
        self.device.currentIndexChanged.connect(self._device_chosen)
        self.device_info = QLabel("")
        self.device_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        device_row = QHBoxLayout()
        device_row.addWidget(QLabel("Device"))
        device_row.addWidget(self.device)
        device_row.addWidget(self.device_info, 1)

        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)
        layout.addLayout(device_row)
        layout.addWidget(close)
        self.refresh()
        self._show_device()

    # -- the list ---------------------------------------------------------------------

    def refresh(self, select: Path | None = None) -> None:
        self.entries = list_models()
        self.tree.clear()
        for entry in self.entries:
            size = f"{entry.size / 2**20:.1f} MiB" if entry.size else ""
            resolution = f"{entry.resolution} px" if entry.resolution else ""
            kind = entry.kind or "unusable"
            item = QTreeWidgetItem(
                [entry.name, kind, entry.knows or "", resolution, size, entry.source]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, entry)
            item.setToolTip(0, str(entry.path))
            self.tree.addTopLevelItem(item)
            if select is not None and entry.path == select:
                self.tree.setCurrentItem(item)
        for column in range(self.tree.columnCount()):  # whole names and numbers
            self.tree.resizeColumnToContents(column)
        self._widen_tree()
        if self.tree.currentItem() is None and self.tree.topLevelItemCount():
            self.tree.setCurrentItem(self.tree.topLevelItem(0))
        self._show_card()

    def _widen_tree(self) -> None:
        """Give the list the width its columns need (up to two thirds of the dialog)."""
        wanted = self.tree.header().length() + self.tree.frameWidth() * 2 + 24
        total = max(self.splitter.width(), self.width())
        tree = min(wanted, total * 2 // 3)
        self.splitter.setSizes([tree, max(total - tree, 1)])

    def selected(self):
        item = self.tree.currentItem()
        return item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None

    def _show_card(self) -> None:
        entry = self.selected()
        self.delete_button.setEnabled(entry is not None and entry.source == "user")
        self.use_button.setEnabled(entry is not None and entry.kind in USES)
        if entry is None:
            self.card.setPlainText(
                "No models are installed yet. Import a reference .pth checkpoint, or train one "
                "with ganpaint-train."
            )
            return
        if entry.error:
            self.card.setPlainText(f"{entry.path}\n\nThis file cannot be used:\n{entry.error}")
            return
        try:
            text = describe(entry.path)
        except GanpaintError as error:
            text = f"{entry.path}\n\n{error}"
        self.card.setPlainText(f"{text}\n  installed:   {entry.source}")

    # -- import and delete ------------------------------------------------------------

    def import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Import a model",
            self.last_dir,
            "Models (*.pth *.pt *.safetensors)",
        )
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path, name: str | None = None) -> Path | None:
        """Import `path` into the user's models; a bad file is a message, nothing written."""
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            target = import_into_user_models(path, name=name)
        except GanpaintError as error:
            self.last_error = str(error)
            QApplication.restoreOverrideCursor()
            QMessageBox.warning(self, "Cannot import the model", str(error))
            return None
        except Exception as error:  # an unreadable file must not take the app down
            self.last_error = f"{path} could not be imported ({type(error).__name__}: {error})."
            QApplication.restoreOverrideCursor()
            QMessageBox.warning(self, "Cannot import the model", self.last_error)
            return None
        QApplication.restoreOverrideCursor()
        self.last_error = ""
        self.refresh(select=target)
        self.translators.refresh_translators()
        self.status(f"Imported {path.name} as {target.stem}", 5000)
        return target

    def delete_selected(self, confirm: bool = True) -> bool:
        """Delete the selected user model after asking; bundled models are never deleted."""
        entry = self.selected()
        if entry is None or entry.source != "user":
            return False
        if confirm:
            answer = QMessageBox.question(
                self,
                "Delete model",
                f"Delete {entry.name} ({entry.path})? This cannot be undone.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return False
        try:
            entry.path.unlink()
        except OSError as error:
            QMessageBox.warning(self, "Cannot delete the model", f"{entry.path}: {error}")
            return False
        if self.choice.models.path == entry.path:
            self.choice.choose_model(None)
        self.refresh()
        self.translators.refresh_translators()
        return True

    # -- choosing ---------------------------------------------------------------------

    def _fill_use_menu(self) -> None:
        self.use_menu.clear()
        entry = self.selected()
        for purpose, text in USES.get(entry.kind, []) if entry else []:
            action = self.use_menu.addAction(text)
            action.triggered.connect(lambda _=False, p=purpose, e=entry: self.use(e, p))

    def use(self, entry, purpose: str) -> bool:
        """Make `entry` the model of `purpose` ("inpaint", "translate" or "sketch")."""
        if purpose == "inpaint":
            self.choice.choose_model(entry.path, entry.name)
            return True
        return self.translators.use_translator_file(purpose, entry.path)

    def _device_chosen(self) -> None:
        self.choice.set_device(str(self.device.currentData()))
        self._show_device()

    def _show_device(self) -> None:
        self.device_info.setText(f"In use: {device_text(str(self.device.currentData()))}")
