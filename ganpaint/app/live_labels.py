"""Image from labels, in the window, its style picker and its Live mode (the semantic
brushes).

With a SPADE model the label layer is drawn in the light of the chosen style
(`session.semantic`: an example, the photo, a picture file, or the model's mean; the
panel's `translate_controller.StyleController` keeps the pictures); with
a pix2pix model it becomes the model's input (`edit.inputs.labels_input`). Either
runs through the result flow. In Live mode every
label stroke re-runs it after a short pause (debounced), as long as a run is fast
enough; a live session's runs replace one History entry instead of adding one each.

"Fast enough" is judged on the last two runs of the model in use, never on one: the
first run pays PyTorch's warm-up and any run can land on a moment the machine is busy,
and a single slow run must not switch live off for the rest of the session (no live
run would then come to measure it again). Two slow runs in a row do; the status says
so, and Image from Labels (on demand) runs and measures again.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path

from PySide6.QtCore import QObject, QTimer

from ganpaint.app.hosts import EditorHost
from ganpaint.app.inpaint_controller import InpaintController
from ganpaint.app.translate_controller import TranslateController
from ganpaint.app.translator_panels import LabelsPanel
from ganpaint.edit.inputs import labels_input
from ganpaint.labels import label_map_in
from ganpaint.session.results import Results

NO_LABELS_MODEL_MESSAGE = (
    "No labels model is installed (labels2scene, a SPADE model, is the default), so "
    "the labels cannot become an image yet: choose a SPADE or pix2pix model file "
    "(.safetensors), or import a reference .pth with Model → Model Manager…."
)

EMPTY_LABELS_MESSAGE = (
    "The label layer is empty: pick a class under Semantic brushes and paint with the "
    "label brush (S)."
)

LABELS_ACCEPT = "Accept image from labels"
#: Live mode re-runs after a stroke only while a run takes less than this.
LIVE_MAX_SECONDS = 0.5
#: How many of the latest runs must all be that slow before live stops re-running.
LIVE_SLOW_RUNS = 2
#: The pause after the last stroke before a live run starts.
LIVE_DEBOUNCE_MS = 300


class LabelsController(QObject):
    """Image from labels and the live state machine around it."""

    def __init__(
        self,
        host: EditorHost,
        results_flow: InpaintController,
        results: Results,
        translators: TranslateController,
        panel: LabelsPanel,
    ) -> None:
        super().__init__(results_flow)
        self.host = host
        self.flow = results_flow
        self.results = results
        self.translators = translators
        self.panel = panel
        self.labels_seconds: float | None = None  # how long the last labels run took
        self._timed_model: Path | None = None  # the model the recent times are of
        self._recent: deque[float] = deque(maxlen=LIVE_SLOW_RUNS)
        self._running: Path | None = None  # the model of the run in progress
        self.live_timer = QTimer(self)
        self.live_timer.setSingleShot(True)
        self.live_timer.setInterval(LIVE_DEBOUNCE_MS)
        self.live_timer.timeout.connect(self._run_live)
        runner = results_flow.runner
        runner.finished.connect(self._on_finished)
        runner.failed.connect(lambda _e: self._stopped())
        runner.cancelled.connect(self._stopped)
        panel.classChosen.connect(lambda _i: host.select_tool("label_brush"))
        panel.liveToggled.connect(self._on_live_toggled)
        self.style = translators.styles["labels"]
        self.style.ready.connect(self._on_style_chosen)

    def image_from_labels(self, live: bool = False) -> bool:
        """Run the label layer (gaps filled from the nearest painted class) through the
        chosen labels model (the SPADE labels2scene by default, in the chosen style); the
        image comes back as a preview to accept."""
        path = self.translators.model_or_say("labels", NO_LABELS_MODEL_MESSAGE)
        if path is None:
            return False
        document = self.host.document
        rgb = labels_input(document.labels)
        if rgb is None and not live and (found := label_map_in(document.photo)) is not None:
            # The photo is a label map (e.g. the label sample): it becomes the label layer.
            self.host.replace_layer("labels", found, "Labels from the label map")
            rgb = labels_input(document.labels)
        if rgb is None:
            if not live:
                self.host.show_message(
                    EMPTY_LABELS_MESSAGE,
                    "info",
                    [("Label brush", lambda: self.host.select_tool("label_brush"))],
                )
            return False
        job = self.translators.drawing_job(
            "labels", path, document.labels.copy(), rgb, "Image from labels", LABELS_ACCEPT
        )
        name = f"Image from labels with {path.stem}"
        continues = live and self.results.newest_on_offer(LABELS_ACCEPT)
        started = self.flow.run_job(name, job, continues=continues)
        if started:
            self.live_timer.stop()
            self._running = path
            self.panel.status.setText("Generating from the labels…")
        return started

    # -- the style picker -------------------------------------------------------------------

    @property
    def style_file(self) -> Path | None:
        """The picture behind the "Picture…" style, once one was chosen."""
        return self.style.file

    def use_style_picture(self, path: Path) -> bool:
        """Make the picture at `path` the "Picture" style (a damaged file is said, not kept)."""
        return self.style.use_picture(path)

    def _on_style_chosen(self, _choice: str) -> None:
        if self.results.newest_on_offer(LABELS_ACCEPT) or self.panel.live.isChecked():
            self.live_timer.start()  # show the new style on what is on offer

    def stroked(self) -> None:
        """A label stroke ended: in Live mode, re-generate after a short pause (debounced)."""
        if not self.panel.live.isChecked():
            return
        if self._too_slow():
            self.panel.status.setText(self._too_slow_text())
            return
        self.live_timer.start()  # restarting it is the debounce

    def stop(self) -> None:
        """A new document: no live run is pending."""
        self.live_timer.stop()

    def _too_slow(self) -> bool:
        """The latest runs of the chosen model all took too long for live."""
        chosen = self.panel.model_path()
        if chosen is None or Path(chosen) != self._timed_model:
            return False  # another model: its speed is not known yet
        full = len(self._recent) == self._recent.maxlen
        return full and min(self._recent) >= LIVE_MAX_SECONDS

    def _too_slow_text(self) -> str:
        keys = self.host.shortcut("image_from_labels")
        return (
            f"Too slow for live ({min(self._recent):.1f} s a run); "
            f"press Image from Labels ({keys})."
        )

    def _on_live_toggled(self, on: bool) -> None:
        if not on:
            self.live_timer.stop()
            self.panel.status.setText("")
        elif self._too_slow():
            self.panel.status.setText(self._too_slow_text())
        else:
            self.live_timer.start()

    def _run_live(self) -> None:
        runner = self.flow.runner
        if runner.busy:
            if self._running is not None:
                self.live_timer.start()  # again once the run in progress is done
            else:
                self.panel.status.setText(f"Live waits: {runner.name} is running.")
            return
        current = self.results.current
        if current is not None and current.accept_text != LABELS_ACCEPT:
            self.panel.status.setText("Live waits: accept or discard the result on show first.")
            return
        self.image_from_labels(live=True)

    def _on_finished(self, outcome: object) -> None:
        if self._running is None:
            return
        model, self._running = self._running, None
        # Live is about how fast the model runs; loading it the first time does not count.
        seconds = getattr(outcome, "run_seconds", None)
        if seconds is None:
            seconds = getattr(outcome, "seconds", 0.0)
        self.labels_seconds = float(seconds)
        if model != self._timed_model:
            self._timed_model = model
            self._recent.clear()
        self._recent.append(self.labels_seconds)
        text = f"Done in {self.labels_seconds:.2f} s; Accept to keep it."
        if self.panel.live.isChecked() and self._too_slow():
            text = self._too_slow_text()
        self.panel.status.setText(text)

    def _stopped(self) -> None:
        if self._running is not None:
            self._running = None
            self.panel.status.setText("")
