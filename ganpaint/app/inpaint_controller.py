"""Inpainting in the window: start the job, show its progress and live preview, offer the
candidates, accept (undoably) or discard, keep a history of results, and turn a
failure into a message with a way forward (retry with fewer candidates or on the CPU
after running out of GPU memory)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Signal

from ganpaint.app.commands import PatchCommand
from ganpaint.app.inpainting import (
    NO_MODEL_MESSAGE,
    CandidateFinished,
    InpaintOutcome,
    InpaintRequest,
    ModelSlot,
    job_name,
    make_finish_job,
    make_job,
    result_box,
)
from ganpaint.app.jobs import JobRunner
from ganpaint.app.qtimage import thumbnail_icon
from ganpaint.documents.document import Patch, shrink_patch
from ganpaint.errors import GanpaintError
from ganpaint.geometry import Box

if TYPE_CHECKING:
    from ganpaint.app.window import MainWindow


def is_out_of_memory(error: BaseException) -> bool:
    """A GPU (or CPU) out-of-memory error, whatever the torch build calls it."""
    try:
        import torch

        oom = getattr(torch.cuda, "OutOfMemoryError", None)
        if oom is not None and isinstance(error, oom):
            return True
    except ImportError:  # pragma: no cover - torch is a dependency
        pass
    return isinstance(error, MemoryError) or "out of memory" in str(error).lower()


class InpaintController(QObject):
    """Owns the job runner, the chosen model and the results of one window.

    `candidateShown(outcome, index)` tells panels with their own views of a result (the
    iGAN morph slider) which candidate is offered now.
    """

    candidateShown = Signal(object, int)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.runner = JobRunner(self)
        self.model = ModelSlot()
        self.history: list[InpaintOutcome] = []
        self.current: InpaintOutcome | None = None  # the result whose candidates are offered
        self.candidate = 0
        self.opacity = 1.0  # how much of the result shows over the photo (and is accepted)
        self._run_box: Box | None = None
        self._shown: np.ndarray | None = None  # a patch shown instead of the candidate
        self._last_request: InpaintRequest | None = None
        self._generation = 0  # bumped per document: late results of an old one are dropped
        self._job_generation = 0
        self._finishing: tuple[InpaintOutcome, int] | None = None  # candidate being drawn
        self._continues = False  # the running job's result replaces the newest entry
        self.runner.progress.connect(self._on_progress)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_cancelled)
        self.runner.busyChanged.connect(lambda _busy: window.update_actions())

    @property
    def panel(self):
        return self.window.inpaint_panel

    # -- starting ---------------------------------------------------------------------

    def start(self, method: str, candidates: int | None = None, device: str | None = None) -> bool:
        """Start inpainting the mask with `method` ("gan", "patch", "telea", "ns", "auto")."""
        window = self.window
        document = window.document
        if self.runner.busy:
            window.show_message(f"{self.runner.name} is still running; wait or cancel it.", "info")
            return False
        if not document.mask.any():
            window.show_message(
                "The mask is empty: paint over what should be filled (B), then inpaint.", "info"
            )
            return False
        if method == "gan" and self.model.path is None:
            window.show_message(
                NO_MODEL_MESSAGE,
                "warning",
                [
                    ("Open model file…", window.open_model_dialog),
                    ("Use photo patches", lambda: self.start("patch")),
                ],
            )
            return False
        self.discard()
        request = InpaintRequest(
            photo=document.photo.copy(),
            hole=document.hole,
            method=method,
            candidates=candidates or self.panel.candidates.value(),
            device=device or window.job_device(),
            fit=self.panel.fit.isChecked(),
        )
        return self._run(request)

    def _run(self, request: InpaintRequest) -> bool:
        try:
            job, prepare = make_job(request, self.model)
        except GanpaintError as error:
            self.window.show_message(str(error), "info")
            return False
        started = self.run_job(job_name(request.method), job, prepare, result_box(request.hole))
        if started:
            self._last_request = request
        return started

    def run_job(
        self,
        name: str,
        job: Callable,
        prepare: Callable | None = None,
        preview_box: Box | None = None,
        continues: bool = False,
    ) -> bool:
        """Run any job whose result is an InpaintOutcome through the result flow.

        Translation, sketch-to-image and the rest share the runner (one job at a
        time), the progress bar, the preview, Accept / Discard and the history.
        `continues`: the result replaces the newest History entry (the next run of a
        live session), rather than adding one a stroke.
        """
        if self.runner.busy:
            self.window.show_message(
                f"{self.runner.name} is still running; wait or cancel it.", "info"
            )
            return False
        self._continues = continues and bool(self.history)
        self.discard()
        self._run_box = preview_box
        self._job_generation = self._generation
        self._last_request = None
        self.window.message_bar.dismiss()
        started = self.runner.start(name, job, prepare)
        if started:
            self.panel.set_busy(name)
        return started

    def cancel(self) -> None:
        if self.runner.busy:
            self.runner.cancel()
            self.panel.status.setText("Cancelling…")

    # -- job signals ------------------------------------------------------------------

    @property
    def _stale(self) -> bool:
        return self._job_generation != self._generation

    def _on_progress(self, payload: tuple) -> None:
        if self._stale:
            return
        update, preview = payload
        self.panel.set_progress(update.step, update.total, update.message)
        box = self._run_box
        if preview is not None and box is not None and preview.shape[:2] == (box.height, box.width):
            self.window.scene.show_preview(box, preview)

    def _on_finished(self, outcome: InpaintOutcome | CandidateFinished) -> None:
        self._run_box = None
        if isinstance(outcome, CandidateFinished):
            self._candidate_finished(outcome)
            return
        if self._stale:
            return
        icon = thumbnail_icon(outcome.candidates[0], 48)
        if self._continues:
            self.history[-1] = outcome
            self.panel.replace_newest_history(outcome.label, icon)
        else:
            self.history.append(outcome)
            self.panel.add_history(outcome.label, icon)
        self.panel.set_idle(f"Done: {outcome.label}. Choose a candidate, then Accept or Discard.")
        self.show_outcome(outcome)
        if self.window.device_label is not None:
            self.window.update_status()

    def _on_failed(self, error: BaseException) -> None:
        self._run_box = None
        if self._finishing is not None:
            self._finishing = None
            self._show_current()
        if self._stale:
            self.panel.set_idle()
            return
        self.window.scene.clear_preview()
        self.panel.set_idle("Failed.")
        if is_out_of_memory(error) and self._last_request is not None:
            request = self._last_request
            actions: list[tuple[str, Callable[[], None]]] = []
            if request.method == "gan" and request.candidates > 1:
                fewer = max(request.candidates // 2, 1)
                actions.append((f"Retry with {fewer} candidates", lambda: self.retry(fewer, None)))
            if request.device != "cpu":
                actions.append(("Retry on the CPU", lambda: self.retry(None, "cpu")))
            self.window.show_message(
                f"{self.runner.name or 'The job'} ran out of memory on "
                f"{request.device}. Retry with fewer candidates or on the CPU, "
                "or make the mask smaller.",
                "error",
                actions,
            )
            return
        if isinstance(error, GanpaintError):
            self.window.show_message(str(error), "error")
            return
        if is_out_of_memory(error):
            self.window.show_message(
                f"{self.runner.name or 'The job'} ran out of memory on {self.window.device}. "
                "Choose the CPU under Model → Device, or use a smaller selection.",
                "error",
                [("Use the CPU", lambda: self.window.set_device("cpu"))],
            )
            return
        trace = getattr(error, "__ganpaint_traceback__", "")
        if trace:
            print(trace, file=sys.stderr)
        self.window.show_message(
            f"{self.runner.name or 'The job'} failed unexpectedly "
            f"({type(error).__name__}: {error}). This is a bug in ganpaint; "
            "the details were written to the terminal.",
            "error",
        )

    def _on_cancelled(self) -> None:
        self._run_box = None
        if self._finishing is not None:  # the quick fill stays on offer
            index = self._finishing[1]
            self._finishing = None
            self._show_current()
            self.panel.set_idle(
                f"Cancelled: candidate {index + 1} shows the GAN's quick fill; "
                "choose it again to draw it at full resolution."
            )
            return
        self.window.scene.clear_preview()
        self.panel.set_idle("Cancelled.")

    # -- finishing candidates -----------------------------------------------------------

    def pending(self, index: int | None = None) -> bool:
        """Whether the offered candidate (or `index`) is still its quick GAN fill."""
        outcome = self.current
        index = self.candidate if index is None else index
        return outcome is not None and index in outcome.pending

    def _finish_candidate(self, index: int) -> None:
        """Draw candidate `index` of the offered result at full resolution, in a job."""
        outcome = self.current
        if outcome is None or index not in outcome.pending or self.runner.busy:
            return
        shape = (self.window.document.height, self.window.document.width)
        job, prepare = make_finish_job(outcome, index, shape)
        name = f"Drawing candidate {index + 1} at full resolution"
        self._finishing = (outcome, index)
        self._run_box = outcome.box
        self._job_generation = self._generation
        if self.runner.start(name, job, prepare):
            self.panel.set_busy(name)
        else:
            self._finishing = None

    def _candidate_finished(self, finished: CandidateFinished) -> None:
        self._finishing = None
        outcome, index = finished.outcome, finished.index
        outcome.candidates[index] = finished.patch
        outcome.pending.pop(index, None)
        if self._stale:
            self.panel.set_idle()
            return
        if outcome is self.current:
            self.panel.set_candidate_icon(index, thumbnail_icon(finished.patch))
            self.panel.set_idle(f"Candidate {index + 1} drawn at full resolution.")
            if self.candidate == index:
                self._show_current()
            elif self.pending():  # the user stepped on meanwhile
                self._finish_candidate(self.candidate)
        else:
            self.panel.set_idle()
        self.window.update_actions()

    def _show_current(self) -> None:
        if self.current is not None:
            self.window.scene.show_preview(self.current.box, self._blended(self.candidate))
        else:
            self.window.scene.clear_preview()

    def retry(self, candidates: int | None, device: str | None) -> None:
        """Run the last request again with fewer candidates and/or on another device."""
        request = self._last_request
        if request is None:
            return
        if candidates is not None:
            request.candidates = candidates
        if device is not None:
            request.device = device
        self._run(request)

    # -- candidates -------------------------------------------------------------------

    def show_outcome(self, outcome: InpaintOutcome, candidate: int = 0) -> None:
        """Offer `outcome`'s candidates and preview one of them, at full opacity (an
        opacity chosen for another result would make this one look broken)."""
        self.current = outcome
        self.opacity = 1.0
        self.panel.reset_opacity()
        icons = [thumbnail_icon(patch) for patch in outcome.candidates]
        self.panel.show_candidates(icons, candidate)
        self.choose(candidate)

    def choose(self, index: int) -> None:
        if self.current is None:
            return
        index = min(max(index, 0), len(self.current.candidates) - 1)
        self.candidate = index
        self._shown = None
        self.window.scene.show_preview(self.current.box, self._blended(index))
        if self.panel.thumbnails.currentRow() != index:
            self.panel._quiet = True
            self.panel.thumbnails.setCurrentRow(index)
            self.panel._quiet = False
        self.window.update_actions()
        self.candidateShown.emit(self.current, index)
        if index in self.current.pending:
            if self.runner.busy:
                self.panel.status.setText(
                    f"Candidate {index + 1} shows the GAN's quick fill; it is drawn at full "
                    "resolution once the running job ends."
                )
            else:
                self._finish_candidate(index)

    def show_patch(self, patch: np.ndarray | None) -> None:
        """Show `patch` (the current result's box) instead of the chosen candidate, e.g. a
        frame of its morph; Accept then takes what is shown. None: the candidate again."""
        if self.current is None:
            return
        if patch is not None and patch.shape[:2] != (
            self.current.box.height,
            self.current.box.width,
        ):
            raise ValueError("The patch does not fit the result's box.")
        self._shown = patch
        self.window.scene.show_preview(self.current.box, self._blended(self.candidate))

    def _blended(self, index: int) -> np.ndarray:
        """Candidate `index` mixed with the photo under it at the result opacity."""
        assert self.current is not None
        candidate = self.current.candidates[index]
        if self._shown is not None:
            candidate = self._shown
        if self.opacity >= 1.0:
            return candidate
        document = self.window.document
        box = self.current.box
        if box.x1 > document.width or box.y1 > document.height:
            return candidate
        under = document.read("photo", box).astype(np.float32)
        mixed = under + (candidate.astype(np.float32) - under) * self.opacity
        return np.clip(np.rint(mixed), 0, 255).astype(np.uint8)

    def set_opacity(self, opacity: float) -> None:
        """The preview's opacity (0 to 1): shown now, and what Accept puts in the photo."""
        self.opacity = min(max(float(opacity), 0.0), 1.0)
        if self.current is not None:
            self.window.scene.show_preview(self.current.box, self._blended(self.candidate))

    def step_candidate(self, delta: int) -> None:
        if self.current is not None:
            count = len(self.current.candidates)
            self.choose((self.candidate + delta) % count)

    def show_history(self, index: int) -> None:
        """Offer an earlier result again; the status names it, not the last job."""
        if 0 <= index < len(self.history) and not self.runner.busy:
            outcome = self.history[index]
            self.show_outcome(outcome)
            self.panel.set_idle(
                f"Earlier result: {outcome.label}. Choose a candidate, then Accept or Discard."
            )

    def accept(self) -> bool:
        """Put the chosen candidate into the photo and clear the mask there: one undo step."""
        outcome = self.current
        if outcome is None:
            return False
        document = self.window.document
        box = outcome.box
        if box.x1 > document.width or box.y1 > document.height:
            self.window.show_message("This result belongs to another image.", "info")
            return False
        if self.pending():
            self.window.show_message(
                f"Candidate {self.candidate + 1} is still being drawn at full resolution; "
                "accept it when it is done, or choose another.",
                "info",
            )
            return False
        patches: list[Patch] = []
        candidate = self._blended(self.candidate)
        photo = shrink_patch(Patch("photo", box, document.read("photo", box), candidate.copy()))
        if photo is not None:
            patches.append(photo)
        if outcome.clear_mask:
            mask_before = document.read("mask", box)
            mask = shrink_patch(Patch("mask", box, mask_before, np.zeros_like(mask_before)))
            if mask is not None:
                patches.append(mask)
        self.discard()
        if patches:
            self.window.push(PatchCommand(document, patches, outcome.accept_text))
        self.panel.set_idle(f"Accepted: {outcome.label} (undo with Ctrl+Z).")
        return True

    def discard_offered(self) -> None:
        """The user's Discard: the result goes, and the status stops describing it."""
        outcome = self.current
        self.discard()
        if outcome is not None and not self.runner.busy:
            self.panel.set_idle(f"Discarded: {outcome.label} (it stays in the History).")

    def discard(self) -> None:
        """Stop showing a result (it stays in the history)."""
        self.current = None
        self._shown = None
        self.panel.clear_candidates()
        self.window.scene.clear_preview()
        self.window.update_actions()

    def reset(self) -> None:
        """A new document: results of the old one no longer apply."""
        self.runner.cancel()
        self._generation += 1
        self._run_box = None
        self.discard()
        self.history.clear()
        self.panel.history.clear()
        self.panel.set_idle()
