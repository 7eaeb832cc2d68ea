"""The result flow in the window: start a job, show its progress and live preview, offer
the candidates, accept (undoably) or discard, keep a history of results, and turn a
failure into a message with a way forward (retry with fewer candidates or on the CPU
after running out of GPU memory).

The state is `session.results.Results`; this adds the job thread, the panel and the
preview. It reaches the window only through the narrow `hosts.ResultHost`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, Signal

from ganpaint.app.commands import PatchCommand
from ganpaint.app.hosts import Actions, DeviceChoice, Preview, ResultHost
from ganpaint.app.jobs import JobRunner
from ganpaint.app.panels import InpaintPanel
from ganpaint.app.qtimage import thumbnail_icon
from ganpaint.errors import GanpaintError
from ganpaint.geometry import Box
from ganpaint.session.inpainting import (
    CandidateFinished,
    InpaintOutcome,
    InpaintRequest,
    job_name,
    make_finish_job,
    make_job,
    result_box,
)
from ganpaint.session.models import NO_MODEL_MESSAGE, ChosenModels
from ganpaint.session.results import Results, is_out_of_memory


class InpaintController(QObject):
    """Owns the job runner of one window and offers its results.

    `candidateShown(outcome, index)` tells panels with their own views of a result (the
    iGAN morph slider) which candidate is offered now.
    """

    candidateShown = Signal(object, int)

    def __init__(
        self,
        host: ResultHost,
        panel: InpaintPanel,
        preview: Preview,
        choice: DeviceChoice,
        models: ChosenModels,
        results: Results,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.host = host
        self.panel = panel
        self.preview = preview
        self.choice = choice
        self.models = models
        self.results = results
        self.runner = JobRunner(self)
        self._run_box: Box | None = None
        self._job_generation = 0
        self._finishing: tuple[InpaintOutcome, int] | None = None  # candidate being drawn
        self._continues = False  # the running job's result replaces the newest entry
        self.runner.progress.connect(self._on_progress)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_cancelled)
        self.runner.busyChanged.connect(lambda _busy: host.update_actions())
        panel.candidateChosen.connect(self.choose)
        panel.historyChosen.connect(self.show_history)
        panel.opacityChanged.connect(self.set_opacity)

    # -- starting ---------------------------------------------------------------------

    def start(self, method: str, candidates: int | None = None, device: str | None = None) -> bool:
        """Start inpainting the mask with `method` ("gan", "patch", "telea", "ns", "auto")."""
        host = self.host
        document = host.document
        if self.runner.busy:
            host.show_message(f"{self.runner.name} is still running; wait or cancel it.", "info")
            return False
        if not document.mask.any():
            host.show_message(
                "The mask is empty: paint over what should be filled (B), then inpaint.", "info"
            )
            return False
        if method == "gan" and self.models.path is None:
            host.show_message(
                NO_MODEL_MESSAGE,
                "warning",
                [
                    ("Open model file…", self.choice.open_model_dialog),
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
            device=device or self.choice.job_device(),
            fit=self.panel.fit.isChecked(),
        )
        return self._run(request)

    def inpaint_gan(self) -> bool:
        """Inpaint with the method chosen in the panel (the GAN pipeline by default)."""
        return self.start(self.panel.selected_method())

    def inpaint_opencv(self) -> bool:
        """The quick fill: OpenCV's Telea, no model, a fraction of a second."""
        return self.start("telea")

    def _run(self, request: InpaintRequest) -> bool:
        try:
            job, prepare = make_job(request, self.models)
        except GanpaintError as error:
            self.host.show_message(str(error), "info")
            return False
        started = self.run_job(job_name(request.method), job, prepare, result_box(request.hole))
        if started:
            self.results.last_request = request
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
            self.host.show_message(
                f"{self.runner.name} is still running; wait or cancel it.", "info"
            )
            return False
        self._continues = continues and bool(self.results.history)
        self.discard()
        self._run_box = preview_box
        self._job_generation = self.results.generation
        self.results.last_request = None
        self.host.dismiss_message()
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
        return self._job_generation != self.results.generation

    def _on_progress(self, payload: tuple) -> None:
        if self._stale:
            return
        update, preview = payload
        self.panel.set_progress(update.step, update.total, update.message)
        box = self._run_box
        if preview is not None and box is not None and preview.shape[:2] == (box.height, box.width):
            self.preview.show_preview(box, preview)

    def _on_finished(self, outcome: InpaintOutcome | CandidateFinished) -> None:
        self._run_box = None
        if isinstance(outcome, CandidateFinished):
            self._candidate_finished(outcome)
            return
        if self._stale:
            return
        icon = thumbnail_icon(outcome.candidates[0], 48)
        if self._continues and self.results.history:
            self.panel.replace_newest_history(outcome.label, icon)
        else:
            self.panel.add_history(outcome.label, icon)
        self.results.record(outcome, replace_newest=self._continues)
        self.panel.set_idle(f"Done: {outcome.label}. Choose a candidate, then Accept or Discard.")
        self.show_outcome(outcome)
        self.host.update_status()

    def _on_failed(self, error: BaseException) -> None:
        self._run_box = None
        if self._finishing is not None:
            self._finishing = None
            self._show_current()
        if self._stale:
            self.panel.set_idle()
            return
        self.preview.clear_preview()
        self.panel.set_idle("Failed.")
        name = self.runner.name or "The job"
        request = self.results.last_request
        if is_out_of_memory(error) and request is not None:
            actions: Actions = [
                (label, lambda c=count, d=device: self.retry(c, d))
                for label, count, device in self.results.retries(error)
            ]
            self.host.show_message(
                f"{name} ran out of memory on {request.device}. Retry with fewer candidates "
                "or on the CPU, or make the mask smaller.",
                "error",
                actions,
            )
            return
        if isinstance(error, GanpaintError):
            self.host.show_message(str(error), "error")
            return
        if is_out_of_memory(error):
            self.host.show_message(
                f"{name} ran out of memory on {self.choice.device}. "
                "Choose the CPU under Model → Device, or use a smaller selection.",
                "error",
                [("Use the CPU", lambda: self.choice.set_device("cpu"))],
            )
            return
        trace = getattr(error, "__ganpaint_traceback__", "")
        if trace:
            print(trace, file=sys.stderr)
        self.host.show_message(
            f"{name} failed unexpectedly ({type(error).__name__}: {error}). This is a bug in "
            "ganpaint; the details were written to the terminal.",
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
        self.preview.clear_preview()
        self.panel.set_idle("Cancelled.")

    # -- finishing candidates -----------------------------------------------------------

    def _finish_candidate(self, index: int) -> None:
        """Draw candidate `index` of the offered result at full resolution, in a job."""
        outcome = self.results.current
        if outcome is None or index not in outcome.pending or self.runner.busy:
            return
        document = self.host.document
        job, prepare = make_finish_job(outcome, index, (document.height, document.width))
        name = f"Drawing candidate {index + 1} at full resolution"
        self._finishing = (outcome, index)
        self._run_box = outcome.box
        self._job_generation = self.results.generation
        if self.runner.start(name, job, prepare):
            self.panel.set_busy(name)
        else:
            self._finishing = None

    def _candidate_finished(self, finished: CandidateFinished) -> None:
        self._finishing = None
        self.results.finish(finished)
        index = finished.index
        if self._stale:
            self.panel.set_idle()
            return
        if finished.outcome is self.results.current:
            self.panel.set_candidate_icon(index, thumbnail_icon(finished.patch))
            self.panel.set_idle(f"Candidate {index + 1} drawn at full resolution.")
            if self.results.candidate == index:
                self._show_current()
            elif self.results.pending():  # the user stepped on meanwhile
                self._finish_candidate(self.results.candidate)
        else:
            self.panel.set_idle()
        self.host.update_actions()

    def _show_current(self) -> None:
        current = self.results.current
        if current is not None:
            self.preview.show_preview(current.box, self.results.blended(self.host.document))
        else:
            self.preview.clear_preview()

    def retry(self, candidates: int | None, device: str | None) -> None:
        """Run the last request again with fewer candidates and/or on another device."""
        request = self.results.retry_request(candidates, device)
        if request is not None:
            self._run(request)

    # -- candidates -------------------------------------------------------------------

    def show_outcome(self, outcome: InpaintOutcome, candidate: int = 0) -> None:
        """Offer `outcome`'s candidates and preview one of them, at full opacity."""
        self.results.offer(outcome)
        self.panel.reset_opacity()
        icons = [thumbnail_icon(patch) for patch in outcome.candidates]
        self.panel.show_candidates(icons, candidate)
        self.choose(candidate)

    def choose(self, index: int) -> None:
        current = self.results.current
        if current is None:
            return
        index = self.results.choose(index)
        self._show_current()
        if self.panel.thumbnails.currentRow() != index:
            self.panel._quiet = True
            self.panel.thumbnails.setCurrentRow(index)
            self.panel._quiet = False
        self.host.update_actions()
        self.candidateShown.emit(current, index)
        if index in current.pending:
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
        if self.results.current is None:
            return
        self.results.show_patch(patch)
        self._show_current()

    def set_opacity(self, opacity: float) -> None:
        """The preview's opacity (0 to 1): shown now, and what Accept puts in the photo."""
        self.results.set_opacity(opacity)
        if self.results.current is not None:
            self._show_current()

    def step_candidate(self, delta: int) -> None:
        current = self.results.current
        if current is not None:
            self.choose((self.results.candidate + delta) % len(current.candidates))

    def previous_candidate(self) -> None:
        self.step_candidate(-1)

    def next_candidate(self) -> None:
        self.step_candidate(1)

    def show_history(self, index: int) -> None:
        """Offer an earlier result again; the status names it, not the last job."""
        history = self.results.history
        if 0 <= index < len(history) and not self.runner.busy:
            outcome = history[index]
            self.show_outcome(outcome)
            self.panel.set_idle(
                f"Earlier result: {outcome.label}. Choose a candidate, then Accept or Discard."
            )

    def accept(self) -> bool:
        """Put the chosen candidate into the photo and clear the mask there: one undo step."""
        outcome = self.results.current
        if outcome is None:
            return False
        document = self.host.document
        if not self.results.fits(document):
            self.host.show_message("This result belongs to another image.", "info")
            return False
        if self.results.pending():
            self.host.show_message(
                f"Candidate {self.results.candidate + 1} is still being drawn at full "
                "resolution; accept it when it is done, or choose another.",
                "info",
            )
            return False
        patches = self.results.accept_patches(document)
        self.discard()
        if patches:
            self.host.push(PatchCommand(document, patches, outcome.accept_text))
        self.panel.set_idle(f"Accepted: {outcome.label} (undo with Ctrl+Z).")
        return True

    def discard_offered(self) -> None:
        """The user's Discard: the result goes, and the status stops describing it."""
        outcome = self.results.current
        self.discard()
        if outcome is not None and not self.runner.busy:
            self.panel.set_idle(f"Discarded: {outcome.label} (it stays in the History).")

    def discard(self) -> None:
        """Stop showing a result (it stays in the history)."""
        self.results.withdraw()
        self.panel.clear_candidates()
        self.preview.clear_preview()
        self.host.update_actions()

    def reset(self) -> None:
        """A new document: results of the old one no longer apply."""
        self.runner.cancel()
        self._run_box = None
        self.results.clear()
        self.discard()
        self.panel.history.clear()
        self.panel.set_idle()
