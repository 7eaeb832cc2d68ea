"""The SPADE jobs, Image from Labels and Sketch to image: `ganpaint.edit.semantic` cut
down to what the app keeps.

No Qt: the request holds copies of the label layer or the sketch, the photo the result
replaces and the style picture the user chose (or none: the light the map suggests, or
the model's mean style when it cannot guess); the job loads the model on the worker,
takes the picture's style code and draws the map, and hands back the whole picture in
the `InpaintOutcome` form of the result flow.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ganpaint.edit.progress import CancelToken, Progress
from ganpaint.edit.semantic import (
    EXAMPLE_STYLES,
    LIGHTS_BY_TRANSLATION,
    direction_between,
    guesses_style,
    image_from_labels,
    image_from_sketch,
    known_lights,
    light_to_translate_from,
    small_style_picture,
    style_code,
    style_examples,
    takes_style,
    translated_to_light,
    unknown_light_message,
)
from ganpaint.geometry import nonzero_box
from ganpaint.models.bundle import ModelBundle
from ganpaint.models.catalog import DEFAULT_MODELS
from ganpaint.session.inpainting import InpaintOutcome
from ganpaint.session.models import ChosenModels

#: The style choices beside the semantic brushes: none (the light the map suggests, when
#: the model can guess it; else the model's mean), the examples, the photo being edited,
#: a picture file.
MEAN_STYLE = "mean"
PHOTO_STYLE = "photo"
PICTURE_STYLE = "picture"
STYLE_CHOICES: tuple[str, ...] = (MEAN_STYLE, *EXAMPLE_STYLES, PHOTO_STYLE, PICTURE_STYLE)
__all__ = [
    "EXAMPLE_STYLES",
    "SKETCH_ACCEPT",
    "STYLE_CHOICES",
    "SemanticRequest",
    "StyleSources",
    "guesses_style",
    "known_lights",
    "light_to_translate_from",
    "light_translators",
    "make_semantic_job",
    "takes_style",
    "unknown_light_message",
]

#: The undo step of an accepted sketch result, whichever model drew it (a style picked
#: while one is on offer draws it again).
SKETCH_ACCEPT = "Accept sketch to image"
#: What each input map is drawn with: the edit function, the result's label and its
#: undo step's name.
_DRAWINGS = {
    "labels": (image_from_labels, "Image from labels", "Accept image from labels"),
    "sketch": (image_from_sketch, "Sketch to image", SKETCH_ACCEPT),
}


@dataclass
class SemanticRequest:
    """What to draw (copies taken at the start), with which model, in which light."""

    drawing: np.ndarray  # class ids uint8 H×W (gaps unlabelled), or a sketch (`reads`)
    model: Path
    base: np.ndarray  # the photo the result replaces, uint8 H×W×3
    style: np.ndarray | None = None  # the style picture, uint8 RGB; None: guess or mean
    style_name: str = ""  # for the result's label ("dusk", "the photo", a file name)
    style_key: str = ""  # names this picture for the code cache ("": do not cache)
    device: str = "cpu"
    reads: str = "labels"  # what `drawing` is: "labels" or "sketch" (dark lines on white)
    label: str = ""  # "": what `reads` is drawn as ("Image from labels", "Sketch to image")
    accept_text: str = ""  # "": "Accept image from labels" or "Accept sketch to image"
    # a light the model never learned: the picture, drawn in `lights[0]`, is carried to
    # `lights[1]` by the translator `then` (night: drawn by day, then day2night)
    then: Path | None = None
    lights: tuple[str, str] = ("", "")

    def __post_init__(self) -> None:
        if self.reads not in _DRAWINGS:
            raise ValueError(f"reads must be one of {', '.join(_DRAWINGS)}, not {self.reads!r}")
        _draw, label, accept = _DRAWINGS[self.reads]
        self.label = self.label or label
        self.accept_text = self.accept_text or accept


class StyleSources:
    """The pictures behind the style choices: the examples, and the photo or a file as
    they were when picked (small copies), so the photo's light does not drift as
    accepted results change the photo. Each capture gets its own key for the code cache."""

    def __init__(self) -> None:
        self.file: Path | None = None  # the picture behind the "Picture…" style
        self._captured: dict[str, tuple[np.ndarray, str]] = {}  # choice -> (copy, key)
        self._captures = 0

    def capture(self, choice: str, picture: np.ndarray) -> np.ndarray:
        """Keep a small copy of `picture` for `choice` ("photo" or "picture"); return it."""
        self._captures += 1
        small = small_style_picture(picture)
        self._captured[choice] = (small, f"{choice}#{self._captures}")
        return small

    def use_file(self, path: Path, pixels: np.ndarray) -> np.ndarray:
        """The picture at `path` (its pixels already read) becomes the "picture" style."""
        self.file = path
        return self.capture(PICTURE_STYLE, pixels)

    def has(self, choice: str) -> bool:
        return choice in self._captured

    def forget_photo(self) -> bool:
        """A new document: "photo" will mean the new photo. Whether one was kept."""
        return self._captured.pop(PHOTO_STYLE, None) is not None

    def picture(self, choice: str) -> tuple[np.ndarray | None, str]:
        """(picture, cache key) a choice stands for; (None, "") for the mean style and for
        a photo or file not captured yet."""
        if choice in EXAMPLE_STYLES:
            return style_examples()[choice], choice
        return self._captured.get(choice, (None, ""))

    def request(
        self,
        choice: str,
        drawing: np.ndarray,
        model: Path,
        base: np.ndarray,
        translators: dict[str, Path] | None = None,
        meta: dict[str, Any] | None = None,
        **more: Any,
    ) -> SemanticRequest:
        """A request to draw `drawing` in the style `choice` stands for (a photo or file
        not captured yet: the model's guess or mean, unnamed). An example light the
        model (`meta`) never learned is drawn in one it knows and carried there by the
        translator `translators` names for it (`light_translators`)."""
        first = light_to_translate_from(choice, meta or {})
        then = (translators or {}).get(choice) if first is not None else None
        if first is not None and then is not None:
            picture, key = self.picture(first)
            return SemanticRequest(
                drawing, model, base, style=picture, style_key=key, style_name=choice,
                then=then, lights=(first, choice), **more,
            )  # fmt: skip
        picture, key = self.picture(choice)
        name = self.name(choice) if picture is not None else ""
        return SemanticRequest(
            drawing, model, base, style=picture, style_key=key, style_name=name, **more
        )

    def name(self, choice: str) -> str:
        """How a result's label names the style ("dusk", "the photo's", "sunset.png's")."""
        if choice == PHOTO_STYLE:
            return "the photo's"
        if choice == PICTURE_STYLE and self.file is not None:
            return f"{self.file.name}'s"
        return choice


def light_translators(entries: list[tuple[str, Any, dict]]) -> dict[str, tuple[Path, str]]:
    """For each light a SPADE model may draw through a translator (night), the installed
    model (path, name) that carries a picture there from the light it is drawn in: the
    default translate model when it does (day2night), else the first listed that does.
    `entries`: (label, path, metadata) as the model lists hold them."""
    found: dict[str, tuple[Path, str]] = {}
    for light, first in LIGHTS_BY_TRANSLATION.items():
        fits = [
            (Path(path), str(meta.get("name") or Path(path).stem))
            for _label, path, meta in entries
            if direction_between(meta, first, light) is not None
        ]
        preferred = [f for f in fits if f[1] == DEFAULT_MODELS["translate"]]
        if fits:
            found[light] = (preferred or fits)[0]
    return found


#: (model, style key) -> style code: a live session re-draws after every stroke in the
#: same style, and the encoder's pass was a tenth of each run.
_codes: dict[tuple[Path, str], np.ndarray] = {}
_MAX_CODES = 32


def _code(bundle: ModelBundle, request: SemanticRequest) -> np.ndarray:
    assert request.style is not None
    if not request.style_key:
        return style_code(bundle, request.style)
    key = (request.model, request.style_key)
    if key not in _codes:
        if len(_codes) >= _MAX_CODES:
            _codes.clear()
        _codes[key] = style_code(bundle, request.style)
    return _codes[key]


def make_semantic_job(
    request: SemanticRequest, slot: ChosenModels
) -> Callable[[Callable[[Progress], None], CancelToken], InpaintOutcome]:
    """The job function for a JobRunner: the whole picture as one candidate."""
    draw = _DRAWINGS[request.reads][0]

    def job(progress: Callable[[Progress], None], cancel: CancelToken) -> InpaintOutcome:
        start = time.perf_counter()
        progress(Progress(0, 1, "Loading the model…"))
        bundle = slot.bundle(request.model).to(request.device)
        cancel.raise_if_cancelled()
        loaded = time.perf_counter()
        code = _code(bundle, request) if request.style is not None else None
        result = draw(bundle, request.drawing, code)
        light = f", {request.style_name} style" if request.style_name else ""
        if request.then is not None:
            cancel.raise_if_cancelled()
            progress(Progress(0, 1, "Translating it…"))
            translator = slot.bundle(request.then, role="light").to(request.device)
            result.image = translated_to_light(result, translator, *request.lights)
            light += f": drawn by {request.lights[0]}, then {translator.name}"
        box = nonzero_box(np.ones(request.base.shape[:2], bool))
        end = time.perf_counter()
        name = bundle.name or request.model.stem
        return InpaintOutcome(
            box=box,
            candidates=[result.image],
            method=request.reads,
            seconds=end - start,
            label=f"{request.label} ({name}{light}, {end - start:.2f} s)",
            accept_text=request.accept_text,
            clear_mask=False,
            run_seconds=end - loaded,
        )

    return job
