"""How long edits report progress and get cancelled, the same way for the app, CLI and tests.

An edit takes `progress: ProgressFn | None` and `cancel: CancelToken | None`. It calls
`progress(Progress(...))` every few steps and `cancel.raise_if_cancelled()` between
steps; a cancelled edit raises `Cancelled` and leaves its inputs untouched.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


class Cancelled(Exception):
    """Raised inside an edit when its CancelToken was cancelled."""


@dataclass
class Progress:
    """One progress report: where the edit is, what it optimises, and the best image so far."""

    step: int
    total: int
    message: str = ""
    losses: dict[str, float] = field(default_factory=dict)
    preview: np.ndarray | None = None  # uint8 HWC RGB, the current best result


ProgressFn = Callable[[Progress], None]


class CancelToken:
    """A thread-safe flag: the GUI thread cancels, the worker checks between steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled("The edit was cancelled.")


def report(progress: ProgressFn | None, update: Progress) -> None:
    """Call `progress` if there is one, so edits need no `if progress:` at every step."""
    if progress is not None:
        progress(update)


def shows_previews(progress: ProgressFn | None) -> bool:
    """Whether `progress` shows the reports' pictures. A consumer that shows none (the
    terminal's bar) sets an attribute `shows_previews = False` on itself; edits then skip
    making live previews (a region scaled up into a copy of the photo, a few times a
    second: on a 12-megapixel photo 36 MB and up to a quarter of a second)."""
    return progress is not None and bool(getattr(progress, "shows_previews", True))


def check(cancel: CancelToken | None) -> None:
    """Raise Cancelled if `cancel` is set; a None token never cancels."""
    if cancel is not None:
        cancel.raise_if_cancelled()
