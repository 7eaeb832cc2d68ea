"""Saving on a background thread, so writing a large document never freezes the window.

The caller hands over a snapshot (copies of the layers), so the user can keep
painting while the file is written; the result comes back as a signal.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal


class BackgroundWriter(QObject):
    """Runs write functions one after another on a Python thread; reports on the GUI thread."""

    done = Signal(object, object)  # (tag, result)
    failed = Signal(object, object)  # (tag, exception)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()  # one write at a time: saves never interleave

    @property
    def busy(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)

    def write(self, tag: object, fn: Callable[[], Any]) -> None:
        def run() -> None:
            with self._lock:
                try:
                    result = fn()
                except Exception as error:
                    self.failed.emit(tag, error)
                else:
                    self.done.emit(tag, result)

        self._threads = [t for t in self._threads if t.is_alive()]
        thread = threading.Thread(target=run, name=f"ganpaint-writer-{tag}", daemon=True)
        self._threads.append(thread)
        thread.start()

    def wait(self, timeout: float = 60.0) -> None:
        for thread in list(self._threads):
            thread.join(timeout)
        self._threads = [t for t in self._threads if t.is_alive()]
