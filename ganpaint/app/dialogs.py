"""Small dialogs: the keyboard-shortcut list (built from the actions table) and the
size of a new image."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ganpaint.session.actions import ACTIONS, GESTURES, MENUS


def shortcut_rows() -> list[tuple[str, str, str]]:
    """(menu, command, keys) for every action, then the held keys and mouse gestures."""
    rows = []
    for menu in MENUS:
        for spec in ACTIONS:
            if spec.menu == menu:
                keys = ", ".join(
                    QKeySequence(s).toString(QKeySequence.SequenceFormat.NativeText)
                    for s in spec.shortcuts
                )
                rows.append((menu, spec.text.replace("&", "").rstrip("…"), keys))
    rows.extend(("Canvas", what, keys) for keys, what in GESTURES)
    return rows


class ShortcutsDialog(QDialog):
    """Help → Keyboard shortcuts: one table, from the same table the menus use."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        rows = shortcut_rows()
        table = QTableWidget(len(rows), 3)
        table.setHorizontalHeaderLabels(["Menu", "Command", "Shortcut"])
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for row, values in enumerate(rows):
            for column, value in enumerate(values):
                table.setItem(row, column, QTableWidgetItem(value))
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table = table
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)
        self.resize(560, 620)


MAX_NEW_SIDE = 16384  # a 16k × 16k canvas is 768 MiB of photo: the largest offered
BACKGROUNDS = {"White": (255, 255, 255), "Grey": (128, 128, 128), "Black": (0, 0, 0)}


class NewImageDialog(QDialog):
    """File › New Image: width, height and background of a blank canvas."""

    def __init__(self, parent: QWidget | None, size: tuple[int, int]) -> None:
        super().__init__(parent)
        self.setWindowTitle("New image")
        self.width_box, self.height_box = _side(size[0]), _side(size[1])
        self.background = QComboBox()
        for name, rgb in BACKGROUNDS.items():
            self.background.addItem(name, rgb)
        form = QFormLayout()
        form.addRow("Width", self.width_box)
        form.addRow("Height", self.height_box)
        form.addRow("Background", self.background)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def chosen_size(self) -> tuple[int, int]:
        return self.width_box.value(), self.height_box.value()

    def chosen_fill(self) -> tuple[int, int, int]:
        return tuple(self.background.currentData())  # type: ignore[return-value]


def _side(value: int) -> QSpinBox:
    box = QSpinBox()
    box.setRange(1, MAX_NEW_SIDE)
    box.setSuffix(" px")
    box.setValue(min(max(int(value), 1), MAX_NEW_SIDE))
    return box
