"""A status line that never moves the widgets around it.

A plain word-wrapping QLabel grows by a line when a message is long, and a panel
laid out under it jumps (the result-opacity row slid over the candidates). This
label keeps a fixed height of a few lines, elides what does not fit at a word
boundary, and offers the whole message as its tooltip.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

ELLIPSIS = "…"


class StatusLabel(QLabel):
    """A word-wrapped message in a fixed number of lines; `text()` is the whole message."""

    def __init__(self, lines: int = 2, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        margins = self.contentsMargins()
        spacing = self.fontMetrics().lineSpacing()
        self.setFixedHeight(spacing * lines + margins.top() + margins.bottom() + 2)

    def text(self) -> str:  # type: ignore[override]
        return self._full

    def setText(self, text: str) -> None:  # type: ignore[override]
        """Show `text`, elided to the lines there are; the tooltip has all of it."""
        self._full = text
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        shown = fit_words(self._full, self._fits)
        super().setText(shown)
        self.setToolTip(self._full if shown != self._full else "")

    def _fits(self, text: str) -> bool:
        area = self.contentsRect()
        if area.width() <= 0:
            return True  # not laid out yet: fitted again on the first resize
        flags = int(Qt.TextFlag.TextWordWrap)
        needed = self.fontMetrics().boundingRect(QRect(0, 0, area.width(), 10**6), flags, text)
        return needed.height() <= area.height()


def fit_words(text: str, fits: Callable[[str], bool]) -> str:
    """`text`, or its longest run of leading words with an ellipsis for which `fits`."""
    if fits(text):
        return text
    words = text.split(" ")
    low, high = 0, len(words) - 1  # binary search on how many words are kept
    while low < high:
        middle = (low + high + 1) // 2
        if fits(" ".join(words[:middle]) + ELLIPSIS):
            low = middle
        else:
            high = middle - 1
    return " ".join(words[:low]) + ELLIPSIS
