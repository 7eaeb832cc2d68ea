"""The panels of the edits that run a CycleGAN / pix2pix / SPADE model: Translate
(`TranslatorPanel`), Sketch to image (`SketchPanel`), and the semantic brushes with
their labels model and Live mode (`LabelsPanel`); the last two share the style picker
(`StylePicker`) that SPADE models draw in."""

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ganpaint.app.panels import action_button
from ganpaint.app.qtimage import thumbnail_icon
from ganpaint.app.statuslabel import StatusLabel
from ganpaint.app.theme import icon
from ganpaint.labels import LABEL_NAMES, LABEL_PALETTE
from ganpaint.models.bundle import has_star_layer
from ganpaint.session.semantic import (
    EXAMPLE_STYLES,
    MEAN_STYLE,
    PHOTO_STYLE,
    PICTURE_STYLE,
    STYLE_CHOICES,
    guesses_style,
    known_lights,
    light_to_translate_from,
    takes_style,
    unknown_light_message,
)
from ganpaint.session.translating import directions

TILE_TIP = "Large photos are translated in tiles of this size (less memory)"
STYLE_ICON = 32  # px: enough to tell day from dusk; two rows of three fit a short dock
_STYLE_TEXT = {MEAN_STYLE: "Mean", PHOTO_STYLE: "Photo", PICTURE_STYLE: "Picture…"}
_STYLE_ICONS = {PHOTO_STYLE: "fa5s.image", PICTURE_STYLE: "fa5s.folder-open"}  # until chosen
#: What the first style button says when the model guesses the light from the map.
_GUESS_TEXT, _GUESS_TIP = (
    "Auto",
    "No style picture: the light the label map suggests (a low sun: dusk)",
)
_STYLE_TIPS = {
    MEAN_STYLE: "No style picture: the model's average light",
    PHOTO_STYLE: "The light and colours of the photo being edited",
    PICTURE_STYLE: "The light and colours of a picture of your own (choose a file)",
}


def _style_tip(name: str) -> str:
    return _STYLE_TIPS.get(name, f"The light of the example {name} scene")


class TranslatorPanel(QWidget):
    """Options of an edit that runs a CycleGAN / pix2pix model: which model, which way,
    the whole image or the selection, the tile size, and the button that runs it."""

    chooseFile = Signal()

    def __init__(
        self,
        run: QAction,
        scope: bool = True,
        note: str = "",
        extra: list[QAction] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = QComboBox()
        self.model.setToolTip("The model this edit uses (CycleGAN, pix2pix or SPADE)")
        self.model.setMinimumContentsLength(14)
        self.model.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        browse = QToolButton()
        browse.setText("…")
        browse.setToolTip("Choose a model file (.safetensors)")
        browse.clicked.connect(self.chooseFile)
        model_row = QHBoxLayout()
        model_row.addWidget(self.model, 1)
        model_row.addWidget(browse)
        self.direction = QComboBox()
        self.direction.setToolTip("Which way to translate (CycleGAN models go both ways)")
        self.scope = QComboBox()
        self.scope.addItem("Whole image", "image")
        self.scope.addItem("Selection (mask)", "selection")
        self.scope.setToolTip("Translate everything, or only what the mask covers")
        self.tile = QSpinBox()
        self.tile.setRange(64, 2048)
        self.tile.setSingleStep(64)
        self.tile.setValue(512)
        self.tile.setSuffix(" px")
        self.tile.setToolTip(TILE_TIP)
        self.stars = QCheckBox("Draw stars in a night sky")
        self.stars.setChecked(True)
        self.stars.setToolTip(
            "This model has a star layer: it lights random stars where the night sky is. "
            "Untick for a night without them."
        )
        form = QFormLayout()
        form.addRow("Model", model_row)
        form.addRow("Direction", self.direction)
        if scope:
            form.addRow("Apply to", self.scope)
        form.addRow("Tile size", self.tile)
        form.addRow("Stars", self.stars)
        self.form = form
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        if note:
            label = QLabel(note)
            label.setWordWrap(True)
            layout.addWidget(label)
        layout.addLayout(form)
        row = QHBoxLayout()
        for action in [*(extra or []), run]:
            row.addWidget(action_button(action))
        layout.addLayout(row)
        layout.addStretch(1)
        self.model.currentIndexChanged.connect(lambda _i: self._fill_directions())
        self.direction.currentIndexChanged.connect(lambda _i: self._show_stars())
        self._show_stars()

    def set_models(self, entries: list[tuple[str, object, dict]], current: object = None) -> None:
        """(name, path, metadata) per model; keep `current` (a path) chosen when listed."""
        self.model.blockSignals(True)
        self.model.clear()
        for name, path, meta in entries:
            self.model.addItem(name, (path, meta))
            self.model.setItemData(self.model.count() - 1, str(path), Qt.ItemDataRole.ToolTipRole)
        if not entries:
            self.model.addItem("No model installed", None)
        index = next((i for i, (_n, p, _m) in enumerate(entries) if p == current), 0)
        self.model.setCurrentIndex(index)
        self.model.blockSignals(False)
        self._fill_directions()

    def model_path(self):
        data = self.model.currentData()
        return data[0] if data else None

    def model_meta(self) -> dict | None:
        """The chosen model's metadata, or None when none is listed."""
        data = self.model.currentData()
        return data[1] if data else None

    def _fill_directions(self) -> None:
        self.direction.clear()
        data = self.model.currentData()
        for label, value in directions(data[1]) if data else []:
            self.direction.addItem(label, value)
        self.direction.setEnabled(self.direction.count() > 1)
        self._show_stars()

    def _show_stars(self) -> None:
        """The stars option only where the chosen model and way have a star layer."""
        meta, way = self.model_meta(), self.direction.currentData()
        self.form.setRowVisible(self.stars, bool(meta and way and has_star_layer(meta, way)))


class StylePicker(QWidget):
    """Thumbnails of the styles: the mean, the example day, dusk and night, the photo,
    a picture file; the chosen one is what the next SPADE run uses."""

    styleChosen = Signal(str)  # one of STYLE_CHOICES
    choosePicture = Signal()  # "Picture…" was pressed: ask for a style picture

    def __init__(self, parent: QWidget | None = None) -> None:
        from ganpaint.edit.semantic import style_examples

        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(2)
        grid.addWidget(QLabel("Style"), 0, 0, 1, 3)
        self.styles = QButtonGroup(self)
        self.styles.setExclusive(True)
        examples = style_examples(STYLE_ICON)
        mean = np.mean([examples[name] for name in examples], axis=0).astype(np.uint8)
        for index, name in enumerate(STYLE_CHOICES):
            button = QToolButton()
            button.setText(_STYLE_TEXT.get(name, name.capitalize()))
            button.setToolTip(_style_tip(name))
            picture = examples.get(name, mean if name == MEAN_STYLE else None)
            if picture is not None:
                button.setIcon(thumbnail_icon(picture, STYLE_ICON))
            else:
                button.setIcon(icon(_STYLE_ICONS[name]))
            button.setIconSize(QSize(STYLE_ICON, STYLE_ICON))
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setCheckable(True)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            self.styles.addButton(button, index)
            grid.addWidget(button, 1 + index // 3, index % 3)
        self.styles.button(0).setChecked(True)
        self.styles.idClicked.connect(self._on_clicked)

    def _on_clicked(self, index: int) -> None:
        name = STYLE_CHOICES[index]
        if name == PICTURE_STYLE:
            self.choosePicture.emit()
        self.styleChosen.emit(name)

    def choice(self) -> str:
        """The chosen style (one of STYLE_CHOICES); the mean when the model takes none."""
        if not self.isEnabled():
            return MEAN_STYLE
        return STYLE_CHOICES[max(self.styles.checkedId(), 0)]

    def set_style(self, name: str) -> None:
        self.styles.button(STYLE_CHOICES.index(name)).setChecked(True)

    def show_picture(self, name: str, picture: np.ndarray | None) -> None:
        """Show `picture` as the thumbnail of the "photo" or "picture" style."""
        button = self.styles.button(STYLE_CHOICES.index(name))
        shown = thumbnail_icon(picture, STYLE_ICON) if picture is not None else None
        button.setIcon(shown or icon(_STYLE_ICONS[name]))

    def follow_model(self, meta: dict | None, translators: dict[str, str] | None = None) -> None:
        """On for a model that takes a style picture; the first style says "Auto" when the
        model guesses the light without one. A light the model never learned is off, unless
        `translators` names an installed model that carries a picture there (night:
        drawn by day, then day2night)."""
        usable = meta is not None and takes_style(meta)
        self.setEnabled(usable)
        known = known_lights(meta or {})
        for name in EXAMPLE_STYLES:
            button = self.styles.button(STYLE_CHOICES.index(name))
            first = light_to_translate_from(name, meta or {})
            through = (translators or {}).get(name) if first is not None else None
            if name in known:
                tip = _style_tip(name)
            elif through is not None:
                tip = (
                    f"{(meta or {}).get('name') or 'This model'} learned no {name} light: the "
                    f"picture is drawn by {first}, then translated with {through}"
                )
            else:
                tip = unknown_light_message(name, meta or {})
            button.setEnabled(name in known or through is not None)
            button.setToolTip(tip)
            if button.isChecked() and not button.isEnabled():
                self.styles.button(STYLE_CHOICES.index(MEAN_STYLE)).setChecked(True)
        guesses = meta is not None and guesses_style(meta)
        first = self.styles.button(STYLE_CHOICES.index(MEAN_STYLE))
        first.setText(_GUESS_TEXT if guesses else _STYLE_TEXT[MEAN_STYLE])
        first.setToolTip(_GUESS_TIP if guesses else _STYLE_TIPS[MEAN_STYLE])
        self.setToolTip(
            ""
            if usable
            else "This model takes no style picture (pix2pix guesses the light); choose a "
            "SPADE model with a style encoder to pick day, dusk or night."
        )


class StyledPanel(TranslatorPanel):
    """A translator panel whose SPADE models draw in a chosen style: the style picker
    under the model row (it depends on the model), no tiles for SPADE."""

    #: What a SPADE model draws whole, for the tile size's tooltip.
    drawing = "input"

    def __init__(
        self,
        run: QAction,
        note: str,
        extra: list[QAction] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(run, scope=False, note=note, extra=extra, parent=parent)
        self.light_translators: dict[str, str] = {}  # light -> the translator's name
        self.style_box = StylePicker()
        self.styles = self.style_box.styles
        layout = self.layout()
        form_at = next(i for i in range(layout.count()) if layout.itemAt(i).layout() is self.form)
        layout.insertWidget(form_at + 1, self.style_box)
        self.model.currentIndexChanged.connect(lambda _i: self._update_style_box())
        self._update_style_box()

    def style_choice(self) -> str:
        """The chosen style (one of STYLE_CHOICES); the mean when the model takes none."""
        return self.style_box.choice()

    def set_style(self, name: str) -> None:
        self.style_box.set_style(name)

    def show_style_picture(self, name: str, picture: np.ndarray | None) -> None:
        self.style_box.show_picture(name, picture)

    def set_models(
        self,
        entries: list[tuple[str, object, dict]],
        current: object = None,
        light_translators: dict[str, str] | None = None,
    ) -> None:
        """As the translator panels, and the style picker follows the model chosen now (the
        list is filled with signals blocked, so a model first in it sends no change);
        `light_translators`: light -> the installed translator that draws it for a model
        that never learned it."""
        self.light_translators = dict(light_translators or {})
        super().set_models(entries, current)
        self._update_style_box()

    def _update_style_box(self) -> None:
        meta = self.model_meta()
        spade = meta is not None and meta.get("kind") == "spade"
        self.tile.setEnabled(not spade)  # SPADE draws the map whole, at a size it learned
        whole = f"A SPADE model draws the whole {self.drawing} at once (no tiles)"
        self.tile.setToolTip(whole if spade else TILE_TIP)
        self.style_box.follow_model(meta, self.light_translators)


class SketchPanel(StyledPanel):
    """Sketch to image: the sketch model (pix2pix, or SPADE in the chosen style) and the
    button that starts a sketch from the photo's edges."""

    drawing = "sketch"

    def __init__(self, run: QAction, edges: QAction, parent: QWidget | None = None) -> None:
        super().__init__(
            run,
            note="Draw edges on the sketch layer (N), or start from the photo's edges; the "
            "model turns them into an image (a SPADE model in the style you pick, a pix2pix "
            "model guesses the light).",
            extra=[edges],
            parent=parent,
        )


class LabelsPanel(StyledPanel):
    """The semantic brushes: one button per landscape class (its palette colour as the
    swatch), the labels model, Live re-generation and Image from Labels."""

    classChosen = Signal(int)
    liveToggled = Signal(bool)
    drawing = "label map"

    def __init__(self, run: QAction, brush: QAction, parent: QWidget | None = None) -> None:
        super().__init__(
            run,
            note="Pick a class and paint it with the label brush (S); unpainted areas take "
            "the nearest painted class. A SPADE model turns the labels into a landscape "
            "in the light of the style you pick (a pix2pix model guesses the light).",
            parent=parent,
        )
        self.classes = QButtonGroup(self)
        self.classes.setExclusive(True)
        grid = QGridLayout()
        grid.setSpacing(2)
        for index, name in enumerate(LABEL_NAMES):
            button = QToolButton()
            button.setText(name.capitalize())
            pixmap = QPixmap(16, 16)
            pixmap.fill(QColor(*(int(v) for v in LABEL_PALETTE[index])))
            painter = QPainter(pixmap)  # an outline, so light swatches (cloud) show
            painter.setPen(QColor(90, 90, 90))
            painter.drawRect(0, 0, 15, 15)
            painter.end()
            button.setIcon(QIcon(pixmap))
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setCheckable(True)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.setToolTip(f"Paint {name} with the label brush ({brush.shortcut().toString()})")
            self.classes.addButton(button, index)
            grid.addWidget(button, index // 2, index % 2)
        self.classes.button(0).setChecked(True)
        self.classes.idClicked.connect(self.classChosen)
        self.live = QCheckBox("Live")
        self.live.setToolTip(
            "Re-generate shortly after each label stroke while runs take under half a second"
        )
        self.live.toggled.connect(self.liveToggled)
        self.status = StatusLabel()
        layout = self.layout()
        layout.insertLayout(1, grid)  # under the note, above the model
        layout.insertWidget(layout.count() - 1, self.live)
        layout.insertWidget(layout.count() - 1, self.status)

    def current_class(self) -> int:
        return max(self.classes.checkedId(), 0)

    def set_class(self, index: int) -> None:
        button = self.classes.button(index)
        if button is not None:
            button.setChecked(True)
