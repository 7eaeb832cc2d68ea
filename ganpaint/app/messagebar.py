"""An in-window message strip (like KDE's KMessageWidget): errors and offers, never modal.

Errors from jobs and files appear here rather than in dialogs, so a failure never
blocks the window and tests can read what the user would read.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

_COLOURS = {
    "error": QColor(200, 60, 60),
    "warning": QColor(210, 150, 40),
    "info": QColor(60, 130, 200),
}


class MessageBar(QFrame):
    """One message with optional buttons; hidden when there is nothing to say."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.kind = ""
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(8, 4, 4, 4)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._layout.addWidget(self.label, 1)
        self.buttons: list[QPushButton] = []
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.dismiss)
        self._layout.addWidget(close)
        self.hide()

    @property
    def text(self) -> str:
        return self.label.text() if self.isVisibleTo(self.parentWidget()) else ""

    def show_message(
        self,
        text: str,
        kind: str = "error",
        actions: list[tuple[str, Callable[[], None]]] | None = None,
    ) -> None:
        """Show `text`; each action is a button that runs its callback and dismisses."""
        for button in self.buttons:
            self._layout.removeWidget(button)
            button.deleteLater()
        self.buttons = []
        self.kind = kind
        self.label.setText(text)
        palette = self.palette()
        base = _COLOURS.get(kind, _COLOURS["info"])
        window = palette.color(QPalette.ColorRole.Window)
        mixed = QColor(
            (base.red() + 3 * window.red()) // 4,
            (base.green() + 3 * window.green()) // 4,
            (base.blue() + 3 * window.blue()) // 4,
        )
        palette.setColor(QPalette.ColorRole.Window, mixed)
        self.setPalette(palette)
        for title, callback in actions or []:
            button = QPushButton(title)
            button.clicked.connect(lambda _=False, cb=callback: (self.dismiss(), cb()))
            self._layout.insertWidget(self._layout.count() - 1, button)
            self.buttons.append(button)
        self.show()

    def dismiss(self) -> None:
        self.hide()
        self.kind = ""
