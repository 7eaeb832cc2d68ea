"""Background jobs: every edit and model load runs on a worker thread, one at a time.

A job is a plain function `fn(progress, cancel) -> result` (the same edit function
the CLI calls, wrapped); the runner calls it on a QThread and relays its progress,
result, failure or cancellation to the GUI thread as signals. Progress is thinned
to about 20 reports a second and previews are prepared on the worker, so the GUI
thread only ever copies a small patch and stays responsive.
"""

from __future__ import annotations

import gc
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from ganpaint.edit.progress import Cancelled, CancelToken, Progress

JobFn = Callable[[Callable[[Progress], None], CancelToken], Any]
PreviewFn = Callable[[Progress], Any]

_MIN_INTERVAL = 0.05  # seconds between progress reports shown


class _Worker(QThread):
    progressed = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()

    def __init__(
        self, fn: JobFn, cancel: CancelToken, prepare: PreviewFn | None, parent: QObject
    ) -> None:
        super().__init__(parent)
        self.fn = fn
        self.cancel = cancel
        self.prepare = prepare
        self._last = 0.0
        self._pending_final = False

    def _progress(self, update: Progress) -> None:
        now = time.monotonic()
        final = update.total > 0 and update.step >= update.total
        if not final and now - self._last < _MIN_INTERVAL:
            return
        self._last = now
        payload = self.prepare(update) if self.prepare is not None else None
        self.progressed.emit((update, payload))

    def run(self) -> None:
        try:
            result = self.fn(self._progress, self.cancel)
        except Cancelled:
            self.cancelled.emit()
        except BaseException as error:
            error.__ganpaint_traceback__ = traceback.format_exc()  # type: ignore[attr-defined]
            self.failed.emit(error)
        else:
            if self.cancel.cancelled:
                self.cancelled.emit()
            else:
                self.succeeded.emit(result)


_jobs_running = 0


def _pause_gc() -> None:
    """Collect on the GUI thread, then keep the cycle collector off while workers run.

    Python runs the cycle collector on whichever thread happens to allocate; run on
    a worker, it can destroy Qt objects that belong to the GUI thread (closed
    windows, pixmaps) and crash Qt. Reference counting still frees everything else,
    and the collector resumes, on the GUI thread, when the last job ends.
    """
    global _jobs_running
    if _jobs_running == 0:
        gc.collect()
        gc.disable()
    _jobs_running += 1


def _resume_gc() -> None:
    global _jobs_running
    _jobs_running = max(0, _jobs_running - 1)
    if _jobs_running == 0:
        gc.enable()


class JobRunner(QObject):
    """Runs one job at a time on a worker thread.

    Signals (all delivered on the GUI thread): started(name), progress((Progress,
    prepared preview)), finished(result), failed(exception), cancelled(), and
    busyChanged(bool) after each of those.
    """

    started = Signal(str)
    progress = Signal(object)
    finished = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    busyChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker: _Worker | None = None
        self._token: CancelToken | None = None
        self.name = ""

    @property
    def busy(self) -> bool:
        return self._worker is not None

    def start(self, name: str, fn: JobFn, prepare: PreviewFn | None = None) -> bool:
        """Start `fn` on a worker; False (and nothing started) when a job is running."""
        if self._worker is not None:
            return False
        self.name = name
        _pause_gc()
        self._token = CancelToken()
        worker = _Worker(fn, self._token, prepare, self)
        worker.progressed.connect(self.progress)
        worker.succeeded.connect(lambda result: self._done(self.finished, result))
        worker.failed.connect(lambda error: self._done(self.failed, error))
        worker.cancelled.connect(lambda: self._done(self.cancelled))
        self._worker = worker
        worker.start()
        self.started.emit(name)
        self.busyChanged.emit(True)
        return True

    def cancel(self) -> None:
        """Ask the running job to stop; it does at its next step."""
        if self._token is not None:
            self._token.cancel()

    @property
    def cancelling(self) -> bool:
        return self._token is not None and self._token.cancelled

    def _done(self, signal: Signal, *args: Any) -> None:
        worker, self._worker = self._worker, None
        self._token = None
        if worker is not None:
            worker.wait()
            worker.deleteLater()
            _resume_gc()
        signal.emit(*args)
        self.busyChanged.emit(self.busy)

    def wait(self, timeout_ms: int = 30000) -> bool:
        """Block until the worker thread ends (for shutting down and for tests)."""
        worker = self._worker
        return True if worker is None else worker.wait(timeout_ms)

    def shutdown(self) -> None:
        """Cancel and wait for the running job, when the window closes."""
        self.cancel()
        self.wait()
