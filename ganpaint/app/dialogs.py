"""Small dialogs: the keyboard-shortcut list (built from the actions table) and About."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ganpaint.app.actions import ACTIONS, GESTURES, MENUS


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
