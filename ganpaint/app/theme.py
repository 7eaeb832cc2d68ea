"""Look and feel: Fusion, which follows the system's light or dark scheme in Qt 6, and
qtawesome icons drawn in the palette's text colour so they read on either scheme."""

from __future__ import annotations

import qtawesome as qta
from PySide6.QtGui import QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication


def apply_style(app: QApplication) -> None:
    """Fusion style with the platform palette (dark when the system is dark)."""
    app.setStyle("Fusion")


def is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    if scheme is not None:
        from PySide6.QtCore import Qt

        value = scheme()
        if value == Qt.ColorScheme.Dark:
            return True
        if value == Qt.ColorScheme.Light:
            return False
    window = QGuiApplication.palette().color(QPalette.ColorRole.Window)
    return window.lightness() < 128


def icon(name: str) -> QIcon:
    """A qtawesome icon coloured for the current palette."""
    palette = QGuiApplication.palette()
    return qta.icon(
        name,
        color=palette.color(QPalette.ColorRole.WindowText),
        color_disabled=palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText),
    )
