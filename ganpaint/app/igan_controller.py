"""Generation from strokes (iGAN) in the window: the request from the document and
the panel, Keep / Restart, and the morph's playback, scrubbing and export.

The job itself is `session.igan.make_igan_job` (one `edit.sketch.generate_in_mask`
call); its results go through the result flow like every other edit's.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QWidget

from ganpaint.app.config import Settings
from ganpaint.app.hosts import DeviceChoice, ResultHost
from ganpaint.app.igan_panel import IganPanel
from ganpaint.app.inpaint_controller import InpaintController
from ganpaint.app.qtimage import thumbnail_icon
from ganpaint.documents.animation import save_animation
from ganpaint.errors import GanpaintError
from ganpaint.session.igan import IganOutcome, IganRequest, frame_patch, make_igan_job
from ganpaint.session.models import NO_MODEL_MESSAGE, ChosenModels
from ganpaint.session.results import Results

MORPH_FRAME_MS = 100  # the morph plays at 10 frames a second
IGAN_JOB = "Generating from strokes"


class IganController(QObject):
    """The iGAN panel's state (seed, kept latent) and the morph player."""

    def __init__(
        self,
        host: ResultHost,
        flow: InpaintController,
        results: Results,
        choice: DeviceChoice,
        models: ChosenModels,
        settings: Settings,
        panel: IganPanel,
        play_action: QAction,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.host = host
        self.flow = flow
        self.results = results
        self.choice = choice
        self.models = models
        self.settings = settings
        self.panel = panel
        self.play_action = play_action
        self.widget = parent
        self.seed = 0
        self.keep_z = None  # Keep: the latent the next generation starts from
        self.morph_timer = QTimer(self)
        self.morph_timer.setInterval(MORPH_FRAME_MS)
        self.morph_timer.timeout.connect(self._next_frame)
        panel.frameChanged.connect(self.show_morph_frame)
        flow.candidateShown.connect(self._on_candidate_shown)
        flow.runner.progress.connect(self._on_job_progress)
        flow.runner.started.connect(lambda _name: panel.set_live(None))

    def outcome(self) -> IganOutcome | None:
        current = self.results.current
        return current if isinstance(current, IganOutcome) else None

    def generate_from_strokes(self) -> bool:
        """Optimise GAN latents to follow the colour strokes and edges (worker job).

        Without a mask the whole canvas is generated (the result, scaled to the
        document, replaces the photo on Accept); with one, only the masked part is,
        blended in as inpainting does. Keep / Restart steer the next run.
        """
        if self.models.path is None:
            self.host.show_message(
                NO_MODEL_MESSAGE.replace("GAN inpainting", "generation from strokes"),
                "warning",
                [("Open model file…", self.choice.open_model_dialog)],
            )
            return False
        document = self.host.document
        panel = self.panel
        request = IganRequest(
            photo=document.photo.copy(),
            colour=document.colour.copy(),
            sketch=document.sketch.copy(),
            hole=document.hole if document.mask.any() else None,
            color_weight=panel.color_weight.value(),
            edge_weight=panel.edge_weight.value(),
            seed=self.seed,
            candidates=panel.candidates.value(),
            keep_z=self.keep_z,
            device=self.choice.job_device(),
        )
        try:
            job, prepare, box = make_igan_job(request, self.models)
        except GanpaintError as error:
            self.host.show_message(str(error), "info")
            return False
        self.stop_morph()
        return self.flow.run_job(IGAN_JOB, job, prepare, box)

    def keep_igan_result(self) -> bool:
        """The chosen result becomes the start (and the pull) of the next generation."""
        outcome = self.outcome()
        if outcome is None or not outcome.latents:
            return False
        candidate = self.results.candidate
        self.keep_z = outcome.latents[candidate].clone()
        self.panel.start_label.setText(f"Starts: kept candidate {candidate + 1}")
        self.host.status(
            "Kept: the next generation starts from this result. Add strokes, then generate.",
            5000,
        )
        return True

    def restart_igan(self) -> bool:
        """Forget the kept result and generate again from new random starts (a new seed)."""
        self.seed += 1
        self.keep_z = None
        self.panel.start_label.setText(f"Starts: random (seed {self.seed})")
        return self.generate_from_strokes()

    # -- the morph ------------------------------------------------------------------------

    def show_morph_frame(self, frame: int) -> None:
        """Show frame `frame` of the chosen candidate's morph (the last is the result)."""
        outcome = self.outcome()
        if outcome is None:
            return
        candidate = self.results.candidate
        last = len(outcome.frames[candidate]) - 1 if outcome.frames else 0
        self.flow.show_patch(None if frame >= last else frame_patch(outcome, candidate, frame))

    def _on_candidate_shown(self, outcome: object, index: int) -> None:
        self.stop_morph()
        if isinstance(outcome, IganOutcome) and outcome.frames:
            self.panel.set_frames(len(outcome.frames[index]))
        else:
            self.panel.set_frames(0)
        self.host.update_actions()

    def _on_job_progress(self, payload: tuple) -> None:
        _update, preview = payload
        if self.flow.runner.name == IGAN_JOB and preview is not None:
            self.panel.set_live(thumbnail_icon(preview, 92))

    def offer_changed(self) -> None:
        """Another result (or none) is on offer: no morph to show unless it is iGAN's."""
        if self.outcome() is None:
            if self.panel.frame.isEnabled():
                self.panel.set_frames(0)
            self.stop_morph()

    def play_morph(self) -> None:
        """Play the morph from the start to the result (or stop it)."""
        if self.morph_timer.isActive():
            self.stop_morph()
            return
        slider = self.panel.frame
        if self.outcome() is None or not slider.isEnabled():
            self.play_action.setChecked(False)
            return
        if slider.value() >= slider.maximum():
            slider.setValue(0)
        self.play_action.setChecked(True)
        self.morph_timer.start()

    def stop_morph(self) -> None:
        self.morph_timer.stop()
        self.play_action.setChecked(False)

    def _next_frame(self) -> None:
        slider = self.panel.frame
        if self.outcome() is None or slider.value() >= slider.maximum():
            self.stop_morph()
            return
        slider.setValue(slider.value() + 1)

    def export_morph(self, path: str | None = None) -> bool:
        """Write the chosen candidate's morph (model size, enlarged) as a GIF or PNG frames."""
        outcome = self.outcome()
        if outcome is None or not outcome.frames:
            self.host.show_message(
                "Generate from strokes first: there is no morph to export.", "info"
            )
            return False
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self.widget,
                "Export morph",
                str(Path(self.settings.last_dir()) / "morph.gif"),
                "Animated GIF (*.gif);;PNG frames (*.png)",
            )
            if not path:
                return False
        frames = outcome.frames[self.results.candidate]
        scale = max(1, 256 // max(frames[0].shape[0], 1))
        try:
            written = save_animation(frames, path, fps=1000 / MORPH_FRAME_MS, scale=scale)
        except OSError as error:
            self.host.show_message(f"Cannot write {path}: {error.strerror or error}.")
            return False
        self.host.status(f"Exported the morph to {written[0]}", 5000)
        return True
