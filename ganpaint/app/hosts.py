"""The narrow views of the window that its controllers receive (never the window).

Each controller is handed only what it uses, as a Protocol the window (or another
controller) satisfies, so no controller imports `ganpaint.app.window` and the window
stays a shell that wires them together (as `session.tools.ToolHost` does for tools).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np
from PySide6.QtGui import QUndoCommand

from ganpaint.documents.document import Document
from ganpaint.geometry import Box
from ganpaint.session.models import ChosenModels

Actions = list[tuple[str, Callable[[], None]]]


class MessageHost(Protocol):
    """The message bar and the status bar."""

    def show_message(
        self, text: str, kind: str = "error", actions: Actions | None = None
    ) -> None: ...

    def dismiss_message(self) -> None: ...

    def status(self, text: str, timeout_ms: int = 0) -> None: ...


class ResultHost(MessageHost, Protocol):
    """What the result flow needs: the document, the undo stack, and a nudge to
    re-enable actions and refresh the status bar."""

    @property
    def document(self) -> Document: ...

    def push(self, command: QUndoCommand) -> None: ...

    def update_actions(self) -> None: ...

    def update_status(self) -> None: ...


class EditorHost(ResultHost, Protocol):
    """What the generate features add: replace and show layers, pick a tool, name a key."""

    def replace_layer(self, layer: str, new: np.ndarray, text: str) -> bool: ...

    def show_layer(self, name: str) -> None: ...

    def select_tool(self, name: str) -> None: ...

    def shortcut(self, action_id: str) -> str: ...


class Preview(Protocol):
    """Where results are previewed over the photo (the canvas scene)."""

    def show_preview(self, box: Box, patch: np.ndarray) -> None: ...

    def clear_preview(self) -> None: ...


class DeviceChoice(Protocol):
    """The device and GAN choices (the models controller)."""

    device: str
    models: ChosenModels

    def job_device(self) -> str: ...

    def set_device(self, device: str) -> None: ...

    def open_model_dialog(self) -> None: ...

    def choose_model(self, path: Path | None, name: str = "", remember: bool = True) -> None: ...


class TranslatorChoice(Protocol):
    """The translator model lists (the translate controller)."""

    def refresh_translators(self, extra: Path | None = None) -> None: ...

    def use_translator_file(self, purpose: str, path: Path) -> bool: ...

    def choose_translator_file(self, purpose: str) -> None: ...


class JobHost(Protocol):
    """The result flow's runner, as the generate features start jobs through it."""

    def run_job(
        self,
        name: str,
        job: Callable,
        prepare: Callable | None = None,
        preview_box: Box | None = None,
        continues: bool = False,
    ) -> bool: ...
