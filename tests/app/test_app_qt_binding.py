"""The Qt binding itself: a PySide6 release whose signals lose references would crash
the app mid-session (pyproject excludes the one known to)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    moved = Signal(object)


def test_emitting_a_signal_from_python_keeps_every_reference(qapp) -> None:
    """PySide6-Essentials 6.12.0 drops a reference to True per emit: after enough mouse
    moves (each emits `cursorMoved`) the interpreter aborts with bool_dealloc."""
    emitter = _Emitter()
    received: list[object] = []
    emitter.moved.connect(lambda value: received.append(value))
    before = sys.getrefcount(True)
    for index in range(200):
        emitter.moved.emit(index)
    assert len(received) == 200
    assert sys.getrefcount(True) - before >= -5  # a few may move with the interpreter
