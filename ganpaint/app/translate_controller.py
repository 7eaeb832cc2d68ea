"""Translate, sketch to image, the translator model lists and the style pickers, in the
window.

Each of the translate, sketch and labels panels lists the installed CycleGAN /
pix2pix / SPADE models it can run plus files the user chose; a request is built from
the document and the panel and run through the result flow (`hosts.JobHost`). The
sketch and labels panels' SPADE models draw in the style picked beside them
(`StyleController`, one per panel). The window is reached only through
`hosts.EditorHost`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from ganpaint.app.config import Settings
from ganpaint.app.hosts import DeviceChoice, EditorHost, JobHost
from ganpaint.app.translator_panels import StyledPanel, StylePicker, TranslatorPanel
from ganpaint.edit.inputs import drawing_strokes, edges_from_photo, sketch_input
from ganpaint.errors import GanpaintError
from ganpaint.imageio import IMAGE_EXTENSIONS, load_image
from ganpaint.models.catalog import DEFAULT_MODELS
from ganpaint.session.models import ChosenModels
from ganpaint.session.semantic import (
    PHOTO_STYLE,
    PICTURE_STYLE,
    SKETCH_ACCEPT,
    SemanticRequest,
    StyleSources,
    light_translators,
    make_semantic_job,
)
from ganpaint.session.translating import (
    NO_SKETCH_MODEL_MESSAGE,
    NO_TRANSLATOR_MESSAGE,
    PANEL_INPUTS,
    TranslateRequest,
    make_translate_job,
    panel_kinds,
    panel_refusal,
    panel_runs,
    translator_models,
)


def default_model(purpose: str) -> Path | None:
    """The model `--model` would default to for `purpose` (a user's copy shadows the
    bundled one), or None when none is installed."""
    from ganpaint.models import resolve_model

    if purpose not in DEFAULT_MODELS:
        return None
    try:
        return resolve_model(None, purpose=purpose)
    except GanpaintError:
        return None


class StyleController(QObject):
    """The style a panel's SPADE models draw in: the pictures behind its picker's choices
    (`StyleSources`), the picture file dialog, and the photo as it was when "Photo" was
    picked (accepted results do not shift its light)."""

    ready = Signal(str)  # a style was chosen and its picture is at hand

    def __init__(
        self, host: EditorHost, picker: StylePicker, settings: Settings, parent: QObject
    ) -> None:
        super().__init__(parent)
        self.host = host
        self.picker = picker
        self.settings = settings
        self.sources = StyleSources()
        self.translators: dict[str, Path] = {}  # light -> the model that carries it there
        picker.choosePicture.connect(self.choose_picture)
        picker.styleChosen.connect(self._on_chosen)

    @property
    def file(self) -> Path | None:
        """The picture behind the "Picture…" style, once one was chosen."""
        return self.sources.file

    def request(
        self, drawing: np.ndarray, model: Path, meta: dict | None = None, **more
    ) -> SemanticRequest:
        """A request to draw `drawing` over the photo in the chosen style ("Photo" not
        captured yet: the photo as it is now); a light the model (`meta`) never learned
        goes through the translator for it."""
        choice = self.picker.choice()
        photo = self.host.document.photo
        if choice == PHOTO_STYLE and not self.sources.has(PHOTO_STYLE):
            self._capture(PHOTO_STYLE, photo)
        return self.sources.request(
            choice, drawing, model, photo.copy(), translators=self.translators, meta=meta, **more
        )

    def _capture(self, choice: str, picture: np.ndarray) -> None:
        self.picker.show_picture(choice, self.sources.capture(choice, picture))

    def choose_picture(self) -> None:
        """Ask for a picture whose light and colours the model draws in."""
        patterns = " ".join(f"*{ext}" for ext in sorted(IMAGE_EXTENSIONS))
        path, _ = QFileDialog.getOpenFileName(
            self.picker,
            "Choose a style picture",
            self.settings.last_dir(),
            f"Images ({patterns});;All files (*)",
        )
        if path:
            self.use_picture(Path(path))

    def use_picture(self, path: Path) -> bool:
        """Make the picture at `path` the "Picture" style (a damaged file is said, not kept)."""
        try:
            pixels = load_image(path).rgb
        except GanpaintError as error:
            self.host.show_message(str(error))
            return False
        self.picker.show_picture(PICTURE_STYLE, self.sources.use_file(path, pixels))
        self.picker.set_style(PICTURE_STYLE)
        self._on_chosen(PICTURE_STYLE)
        return True

    def _on_chosen(self, choice: str) -> None:
        if choice == PHOTO_STYLE:
            self._capture(PHOTO_STYLE, self.host.document.photo)  # the photo as it is now
        if choice == PICTURE_STYLE and not self.sources.has(PICTURE_STYLE):
            return  # wait for the file
        self.ready.emit(choice)

    def forget_photo(self) -> None:
        """A new document: "Photo" means the new photo."""
        if self.sources.forget_photo():
            self.picker.show_picture(PHOTO_STYLE, None)


class TranslateController(QObject):
    """The translator panels' model lists and style pickers, and the translate and
    sketch actions."""

    def __init__(
        self,
        host: EditorHost,
        jobs: JobHost,
        choice: DeviceChoice,
        models: ChosenModels,
        settings: Settings,
        panels: dict[str, TranslatorPanel],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.host = host
        self.jobs = jobs
        self.choice = choice
        self.models = models
        self.settings = settings
        self.panels = panels
        self.widget = parent
        self._files: list[Path] = []
        self.styles: dict[str, StyleController] = {}  # the panels with a style picker
        for purpose, panel in panels.items():
            panel.chooseFile.connect(lambda p=purpose: self.choose_translator_file(p))
            panel.model.activated.connect(lambda _i, p=purpose: self._remember(p))
            if isinstance(panel, StyledPanel):
                self.styles[purpose] = StyleController(host, panel.style_box, settings, self)
        self.refresh_translators()

    def new_document(self) -> None:
        """A new document: each "Photo" style means the new photo."""
        for style in self.styles.values():
            style.forget_photo()

    # -- the model lists ------------------------------------------------------------------

    def refresh_translators(self, extra: Path | None = None) -> None:
        """Fill each translator panel's model list: installed models plus chosen files."""
        from ganpaint.models import read_metadata

        if extra is not None and extra not in self._files:
            self._files.append(extra)
        entries: list[tuple[str, object, dict]] = []
        for entry in translator_models():
            try:
                entries.append(
                    (f"{entry.name} ({entry.source})", entry.path, read_metadata(entry.path))
                )
            except GanpaintError:
                continue
        listed = {path for _n, path, _m in entries}
        for path in self._files:
            if path not in listed and path.is_file():
                try:
                    entries.append((path.stem, path, read_metadata(path)))
                except GanpaintError:
                    continue
        through = light_translators(entries)
        for style in self.styles.values():
            style.translators = {light: path for light, (path, _name) in through.items()}
        named = {light: name for light, (_path, name) in through.items()}
        for purpose, panel in self.panels.items():
            current = panel.model_path() or self.settings.action_model(purpose) or None
            current = Path(current) if current else None
            if current is None or not current.is_file():  # none chosen, or its file is gone:
                current = default_model(purpose)  # the action's default, when installed
            if current is not None and current not in listed and current.is_file():
                try:
                    entries.append((current.stem, current, read_metadata(current)))
                except GanpaintError:
                    current = None
                listed = {path for _n, path, _m in entries}
            runs = [e for e in entries if panel_runs(purpose, e[2])]
            if isinstance(panel, StyledPanel):
                panel.set_models(runs, current, light_translators=named)
            else:
                panel.set_models(runs, current)

    def _remember(self, purpose: str) -> None:
        path = self.panels[purpose].model_path()
        self.settings.set_action_model(purpose, str(path) if path else "")

    def choose_translator_file(self, purpose: str) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.widget,
            "Choose a model file",
            self.settings.last_dir(),
            "ganpaint models (*.safetensors)",
        )
        if path:
            self.use_translator_file(purpose, Path(path))

    def use_translator_file(self, purpose: str, path: Path) -> bool:
        """Use the model file at `path` for `purpose`, if the panel can run it (its kind,
        and for SPADE the input it reads)."""
        from ganpaint.models import read_metadata, resolve_model

        try:
            resolved = resolve_model(str(path), kind=panel_kinds(purpose))
            refusal = panel_refusal(purpose, resolved, read_metadata(resolved))
        except GanpaintError as error:
            refusal = str(error)
        if refusal:
            self.host.show_message(refusal)
            return False
        self.settings.set_action_model(purpose, str(resolved))
        panel = self.panels[purpose]
        self.refresh_translators(extra=resolved)
        for row in range(panel.model.count()):
            data = panel.model.itemData(row)
            if data and data[0] == resolved:
                panel.model.setCurrentIndex(row)
        return True

    def model_or_say(self, purpose: str, message: str) -> Path | None:
        """The panel's model for `purpose`, or None after saying there is none."""
        path = self.panels[purpose].model_path()
        if path is None:
            self.host.show_message(
                message,
                "warning",
                [("Choose model file…", lambda: self.choose_translator_file(purpose))],
            )
            return None
        return Path(path)

    def request(self, purpose: str, photo: np.ndarray, model: Path, **more) -> TranslateRequest:
        """A request with the panel's direction and tile, on the job device."""
        panel = self.panels[purpose]
        return TranslateRequest(
            photo=photo,
            model=model,
            direction=str(panel.direction.currentData() or "AtoB"),
            tile=panel.tile.value(),
            device=self.choice.job_device(),
            stars=panel.stars.isChecked(),
            **more,
        )

    def drawing_job(
        self,
        purpose: str,
        path: Path,
        drawing: np.ndarray,
        rgb: np.ndarray,
        label: str,
        accept_text: str,
    ):
        """The job of a panel with a style picker (sketch, labels): its SPADE model draws
        `drawing` (the sketch, or the label ids) in the picked style; a pix2pix or
        CycleGAN model translates `rgb`, the drawing as an image."""
        meta = self.panels[purpose].model_meta() or {}
        if meta.get("kind") == "spade":
            request = self.styles[purpose].request(
                drawing,
                path,
                meta=meta,
                reads=PANEL_INPUTS[purpose],
                device=self.choice.job_device(),
                label=label,
                accept_text=accept_text,
            )
            return make_semantic_job(request, self.models)
        base = self.host.document.photo.copy()
        request = self.request(purpose, rgb, path, base=base, label=label, accept_text=accept_text)
        return make_translate_job(request, self.models)

    # -- translate and sketch ---------------------------------------------------------------

    def translate_image(self) -> bool:
        """Translate the whole photo or the selection (worker job, previewed, then Accept)."""
        path = self.model_or_say("translate", NO_TRANSLATOR_MESSAGE)
        if path is None:
            return False
        document = self.host.document
        selection = self.panels["translate"].scope.currentData() == "selection"
        request = self.request(
            "translate",
            document.photo.copy(),
            path,
            mask=document.hole if selection else None,
            label="Translation of the selection" if selection else "Translation",
        )
        try:
            job = make_translate_job(request, self.models)
        except GanpaintError as error:
            self.host.show_message(str(error), "info")
            return False
        return self.jobs.run_job(f"Translating with {path.stem}", job)

    def edges_from_photo(self) -> None:
        """Replace the sketch layer with the photo's edges (one undo step).

        A line drawing gives its own strokes rather than the edges along both sides of
        each of them."""
        photo = self.host.document.photo
        strokes = drawing_strokes(photo)
        if strokes is not None:
            self._sketch_from(strokes, "Sketch from the drawing")
            return
        edges = edges_from_photo(photo)
        if not edges.any():
            self.host.show_message(
                "The photo has no clear edges to start a sketch from; draw them with the "
                "sketch pen (N).",
                "info",
            )
            return
        self._sketch_from(edges, "Edges from photo")

    def _sketch_from(self, sketch: np.ndarray, text: str) -> None:
        """Make `sketch` the (shown) sketch layer and say so: the layer may be hidden or
        already hold these edges, and a shortcut that seems to do nothing is a bug."""
        changed = self.host.replace_layer("sketch", sketch, text)
        self.host.show_layer("sketch")
        self.host.select_tool("sketch_pen")
        keys = self.host.shortcut("sketch_to_image")
        done = f"{text}: the sketch layer" if changed else "The sketch layer already"
        self.host.status(
            f"{done} holds {np.count_nonzero(sketch):,} px of edges; draw on with the sketch "
            f"pen (N), then Sketch to Image ({keys}).",
            8000,
        )

    def sketch_to_image(self, restyle: bool = False) -> bool:
        """Run the sketch layer through the sketch model (SPADE in the chosen style, or
        pix2pix); the image comes back as a preview. `restyle`: the result replaces the
        sketch result on offer (the same sketch in another style), not a new entry."""
        path = self.model_or_say("sketch", NO_SKETCH_MODEL_MESSAGE)
        if path is None:
            return False
        document = self.host.document
        if not document.sketch.any() and (strokes := drawing_strokes(document.photo)) is not None:
            self._sketch_from(strokes, "Sketch from the drawing")  # e.g. the sketch sample
        if not document.sketch.any():
            self.host.show_message(
                "The sketch layer is empty: draw edges with the sketch pen (N), or use "
                "Generate → Edges from Photo (Ctrl+Shift+E).",
                "info",
                [("Edges from photo", self.edges_from_photo)],
            )
            return False
        sketch = sketch_input(document.sketch)
        job = self.drawing_job("sketch", path, sketch, sketch, "Sketch to image", SKETCH_ACCEPT)
        return self.jobs.run_job(f"Sketch to image with {path.stem}", job, continues=restyle)
