"""New image from the GAN: a grid of samples to pick from, an interpolation between two
picks, and vector arithmetic on groups of picks (A − B + C). Every image can be opened
as a new document. The generation runs on the dialog's own worker (`ganpaint.edit.latents` jobs)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ganpaint.app.jobs import JobRunner
from ganpaint.app.qtimage import thumbnail_icon
from ganpaint.edit import latents
from ganpaint.edit.progress import CancelToken, Progress
from ganpaint.errors import GanpaintError
from ganpaint.session.models import ChosenModels

GROUPS = ("A", "B", "C")


def _icon_list(size: int, flow_left_to_right: bool = True) -> QListWidget:
    view = QListWidget()
    view.setViewMode(QListView.ViewMode.IconMode)
    view.setIconSize(QSize(size, size))
    view.setMovement(QListView.Movement.Static)
    view.setResizeMode(QListView.ResizeMode.Adjust)
    view.setFlow(QListView.Flow.LeftToRight)
    view.setWrapping(flow_left_to_right)
    return view


class ExplorerDialog(QDialog):
    """Explore the inpainting GAN's latent space and open what you like as a new image."""

    def __init__(
        self,
        parent: QWidget,
        models: ChosenModels,
        job_device: Callable[[], str],
        open_array: Callable[[np.ndarray, str], bool],
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("New image from the GAN")
        self.models = models
        self.job_device = job_device
        self.open_array = open_array
        self.runner = JobRunner(self)
        self.samples: latents.Samples | None = None
        self.results: latents.Samples | None = None
        self.groups: dict[str, list[int]] = {name: [] for name in GROUPS}
        self._done: Callable = lambda _result: None  # shows the running job's result

        self.count = QComboBox()
        for n in (16, 36, 64):
            self.count.addItem(f"{n} samples", n)
        self.count.setCurrentIndex(2)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("The same seed gives the same samples")
        reseed = QPushButton("Reseed")
        reseed.setToolTip("New random samples")
        reseed.clicked.connect(self.reseed)
        top = QHBoxLayout()
        top.addWidget(self.count)
        top.addWidget(QLabel("Seed"))
        top.addWidget(self.seed)
        top.addWidget(reseed)
        top.addStretch(1)

        self.grid = _icon_list(64)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.grid.setMinimumSize(620, 330)
        self.grid.setToolTip("Samples: click to pick, Ctrl+click to pick several")

        picks = QHBoxLayout()
        interpolate = QPushButton("Interpolate two picks")
        interpolate.setToolTip("A row of images from the first pick to the second")
        interpolate.clicked.connect(self.interpolate)
        picks.addWidget(interpolate)
        for name in GROUPS:
            button = QPushButton(f"Picks → {name}")
            button.setToolTip(f"Put the picked samples in group {name} (A − B + C)")
            button.clicked.connect(lambda _=False, n=name: self.set_group(n))
            picks.addWidget(button)
        arithmetic = QPushButton("A − B + C")
        arithmetic.setToolTip("Generate from mean(A) − mean(B) + mean(C), as in the DCGAN paper")
        arithmetic.clicked.connect(self.arithmetic)
        picks.addWidget(arithmetic)
        self.groups_label = QLabel("")

        self.row = _icon_list(64, flow_left_to_right=False)
        self.row.setFixedHeight(100)
        self.row.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.row.setToolTip("Results: pick one to open it")
        self.row.itemSelectionChanged.connect(self._row_picked)

        self.progress = QProgressBar()
        self.progress.setFormat("Idle")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.open_button = buttons.addButton(
            "Open as New Image", QDialogButtonBox.ButtonRole.ActionRole
        )
        # clicked(bool) would arrive as `image`: the button opens the pick, nothing else.
        self.open_button.clicked.connect(lambda: self.open_picked())
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.grid, 1)
        layout.addLayout(picks)
        layout.addWidget(self.groups_label)
        layout.addWidget(QLabel("Interpolation or arithmetic"))
        layout.addWidget(self.row)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.runner.progress.connect(self._on_progress)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(lambda: self._idle("Cancelled."))
        self._show_groups()
        self.count.currentIndexChanged.connect(lambda _i: self.generate_grid())
        self.seed.editingFinished.connect(self.generate_grid)

    # -- jobs -------------------------------------------------------------------------

    def _start(self, name: str, work: Callable, done: Callable) -> bool:
        if self.models.path is None:
            self.status.setText("No GAN model is chosen: use Model → Open Model File….")
            return False
        if self.runner.busy:
            self.runner.cancel()
            self.runner.wait()
        slot, device = self.models, self.job_device()

        def job(progress: Callable[[Progress], None], cancel: CancelToken):
            progress(Progress(0, 1, "Loading the model…"))
            return work(slot.get(), device, progress, cancel)

        self._done = done
        self.progress.setRange(0, 0)
        self.progress.setFormat(name)
        return self.runner.start(name, job)

    def _on_finished(self, result: latents.Samples) -> None:
        self._done(result)
        self._idle("Done.")

    def _on_progress(self, payload: tuple) -> None:
        update, _ = payload
        self.progress.setRange(0, max(update.total, 1))
        self.progress.setValue(update.step)
        self.progress.setFormat(f"%v / %m  {update.message}")

    def _on_failed(self, error: BaseException) -> None:
        text = str(error) if isinstance(error, GanpaintError) else f"Failed: {error}"
        self._idle(text)

    def _idle(self, text: str) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("Idle")
        self.status.setText(text)

    def generate_grid(self) -> bool:
        count, seed = int(self.count.currentData()), self.seed.value()

        def work(model, device, progress, cancel):
            return latents.sample(model, count, seed, device, progress=progress, cancel=cancel)

        return self._start("Sampling", work, self._show_samples)

    def reseed(self) -> bool:
        self.seed.setValue(int(np.random.default_rng().integers(0, 2**31 - 1)))
        return self.generate_grid()

    def picked(self) -> list[int]:
        return sorted(self.grid.row(item) for item in self.grid.selectedItems())

    def interpolate(self) -> bool:
        picks = self.picked()
        if self.samples is None or len(picks) != 2:
            self.status.setText("Pick exactly two samples (Ctrl+click) to interpolate.")
            return False
        z_a, z_b = self.samples.z[picks[0]], self.samples.z[picks[1]]

        def work(model, device, progress, cancel):
            return latents.interpolation(
                model, z_a, z_b, 8, device=device, progress=progress, cancel=cancel
            )

        return self._start("Interpolating", work, self._show_results)

    def set_group(self, name: str) -> None:
        self.groups[name] = self.picked()
        self._show_groups()

    def _show_groups(self) -> None:
        text = "   ".join(
            f"{n}: {', '.join(str(i + 1) for i in self.groups[n]) or '—'}" for n in GROUPS
        )
        self.groups_label.setText(f"Groups for A − B + C   {text}")
        for row in range(self.grid.count()):  # tag each sample with its groups
            tags = "".join(n for n in GROUPS if row in self.groups[n])
            self.grid.item(row).setText(f"{row + 1} {tags}".strip())

    def arithmetic(self) -> bool:
        if self.samples is None or not all(self.groups[n] for n in GROUPS):
            self.status.setText("Put at least one pick in each of A, B and C first.")
            return False
        z = self.samples.z
        a, b, c = (list(self.groups[n]) for n in GROUPS)

        def work(model, device, progress, cancel):
            return latents.arithmetic(
                model, z, a, b, c, variations=7, device=device, progress=progress, cancel=cancel
            )

        return self._start("Vector arithmetic", work, self._show_results)

    # -- showing and opening ----------------------------------------------------------

    def _show_samples(self, samples: latents.Samples) -> None:
        self.samples = samples
        self.groups = {name: [] for name in GROUPS}
        self._show_groups()
        self.grid.clear()
        for index, image in enumerate(samples.images):
            item = QListWidgetItem(thumbnail_icon(_enlarged(image), 64), str(index + 1))
            self.grid.addItem(item)

    def _show_results(self, results: latents.Samples) -> None:
        self.results = results
        self.row.clear()
        for index, image in enumerate(results.images):
            self.row.addItem(QListWidgetItem(thumbnail_icon(_enlarged(image), 64), str(index + 1)))

    def _row_picked(self) -> None:
        if self.row.selectedItems():
            self.grid.clearSelection()

    def picked_image(self) -> np.ndarray | None:
        """The picked result, or else the (first) picked sample."""
        rows = [self.row.row(item) for item in self.row.selectedItems()]
        if self.results is not None and rows:
            return self.results.images[rows[0]]
        picks = self.picked()
        if self.samples is not None and picks:
            return self.samples.images[picks[0]]
        return None

    def open_picked(self, image: np.ndarray | None = None) -> bool:
        image = self.picked_image() if image is None else image
        if image is None:
            self.status.setText("Pick a sample or a result to open.")
            return False
        if self.open_array(image, "GAN sample"):
            self.accept()
            return True
        return False

    def done(self, result: int) -> None:  # closing: stop the worker first
        self.runner.shutdown()
        super().done(result)


def _enlarged(image: np.ndarray, size: int = 64) -> np.ndarray:
    """Small samples shown at least `size` px (nearest neighbour: no blur)."""
    factor = max(1, size // max(image.shape[:2]))
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1) if factor > 1 else image
