"""The iGAN panel: generation from colour and edge strokes, and its morph player."""

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ganpaint.app.panels import action_button


class IganPanel(QWidget):
    """Generation from strokes (iGAN): how strongly colours and edges count, Generate /
    Keep / Restart, a live thumbnail while it runs, and the morph from the start to the
    chosen result: a slider to scrub it, Play, and Export as GIF or frames."""

    frameChanged = Signal(int)

    def __init__(self, actions: dict[str, QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        note = QLabel(
            "Paint colour strokes (C) and edges (N); the GAN finds images that follow them. "
            "With a mask, only the masked part is generated and blended in."
        )
        note.setWordWrap(True)
        self.color_weight = QDoubleSpinBox()
        self.color_weight.setRange(0.0, 10.0)
        self.color_weight.setSingleStep(0.1)
        self.color_weight.setValue(1.0)
        self.color_weight.setToolTip("How strongly the colour strokes count (0: ignore them)")
        self.edge_weight = QDoubleSpinBox()
        self.edge_weight.setRange(0.0, 10.0)
        self.edge_weight.setSingleStep(0.05)
        self.edge_weight.setValue(0.2)
        self.edge_weight.setToolTip("How strongly the edge sketch counts (0: ignore it)")
        self.candidates = QSpinBox()
        self.candidates.setRange(1, 16)
        self.candidates.setValue(8)
        self.candidates.setToolTip("How many of the best results are offered")
        form = QFormLayout()
        form.addRow("Colour strength", self.color_weight)
        form.addRow("Edge strength", self.edge_weight)
        form.addRow("Candidates", self.candidates)
        run = QHBoxLayout()
        for key in ("igan_generate", "igan_keep", "igan_restart"):
            run.addWidget(action_button(actions[key]))
        self.start_label = QLabel("Starts: random")
        self.start_label.setToolTip("Keep makes the chosen result the next starting point")
        self.live = QLabel()
        self.live.setFixedSize(96, 96)
        self.live.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.live.setToolTip("The best image so far, while it runs")
        self.live.setStyleSheet("border: 1px solid palette(mid);")
        self.frame = QSlider(Qt.Orientation.Horizontal)
        self.frame.setRange(0, 0)
        self.frame.setEnabled(False)
        self.frame.setToolTip("Scrub from the starting image (left) to the result (right)")
        self.frame.valueChanged.connect(self.frameChanged)
        self.frame_label = QLabel("")
        self.frame_label.setMinimumWidth(44)
        self.frame.valueChanged.connect(self._show_frame_number)
        scrub = QHBoxLayout()
        scrub.addWidget(QLabel("Start"))
        scrub.addWidget(self.frame, 1)
        scrub.addWidget(QLabel("Result"))
        scrub.addWidget(self.frame_label)
        morph = QHBoxLayout()
        morph.addWidget(action_button(actions["igan_play"]))
        morph.addWidget(action_button(actions["igan_export"]))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addLayout(run)
        top = QHBoxLayout()
        top.addWidget(self.live)
        top.addWidget(self.start_label, 1)
        layout.addLayout(top)
        layout.addWidget(QLabel("Morph from the start"))
        layout.addLayout(scrub)
        layout.addLayout(morph)
        layout.addStretch(1)

    def set_live(self, icon: QIcon | None) -> None:
        if icon is None:
            self.live.clear()
        else:
            self.live.setPixmap(icon.pixmap(QSize(92, 92)))

    def set_frames(self, count: int) -> None:
        """Offer `count` frames, showing the last (the result); 0 disables the slider."""
        self.frame.blockSignals(True)
        self.frame.setRange(0, max(count - 1, 0))
        self.frame.setValue(max(count - 1, 0))
        self.frame.setEnabled(count > 1)
        self.frame.blockSignals(False)
        self._show_frame_number(self.frame.value())

    def _show_frame_number(self, value: int) -> None:
        self.frame_label.setText(
            f"{value + 1}/{self.frame.maximum() + 1}" if self.frame.isEnabled() else ""
        )
