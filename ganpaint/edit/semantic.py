"""Label maps and line sketches to pictures with a SPADE model, in the light of a style
picture.

The semantic brushes paint class ids; a SPADE generator (`ganpaint.models.spade`) turns
them into a landscape. A sketch model (its file says `input_map = "sketch"`) reads the
sketch layer's ink instead (`image_from_sketch`), for Sketch to image. A label map (or a
sketch) does not say whether it is day, dusk or night, so a SPADE model with a style
encoder takes that from a picture: one of the examples (`style_examples`), the user's
own, or the photo being edited. Without a style picture
a model that has a style guess (`ganpaint.models.style_guess`) takes the light the map
suggests, as a pix2pix model does (a low sun: dusk); one without draws its mean style
(code 0). Either way the result is the same every time.

Scale: the model learned scenes of `load_size` to `load_size · zoom` pixels (its
training config). A larger map is shrunk (nearest neighbour, so class ids stay exact),
generated and scaled back; otherwise a texture drawn for a 500 px scene would be
spread over a 4000 px photo at the wrong scale, or generated at a cost a live preview
cannot pay. Sides that are not a multiple of the model's are padded with the nearest
class and cropped afterwards. A sketch is scaled to such sides instead (`sketch_size`):
blank paper added around it would be drawn as part of the scene.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from ganpaint.convert import image_to_tensor, tensor_to_image
from ganpaint.edit.trained_scale import (
    shrink,
    shrunk_size,
    training_setting,
    translate_at_scale,
)
from ganpaint.errors import GanpaintError
from ganpaint.labels import LABEL_NAMES, fill_unlabelled
from ganpaint.landscapes import render_landscapes, seed_range
from ganpaint.landscapes.render import scene_light
from ganpaint.models.bundle import ModelBundle, translator_ways
from ganpaint.models.spade import fold_spectral_norm, one_hot_labels

#: The styles offered beside the semantic brushes, in order.
EXAMPLE_STYLES: tuple[str, ...] = ("day", "dusk", "night")
#: The most pixels a sketch is drawn at: at the trained scale a sketch's short side is
#: about 143 px, so only an extreme panorama comes near (200 x 20,000 px drew at 128 x
#: 14,272 in 5.5 s and 1.1 GB); without a cap its memory would grow with its length.
MAX_SKETCH_PIXELS = 2**21
#: The side a style picture is kept at (the style encoders read 128 px).
STYLE_PICTURE_SIDE = 256
#: Held-out scenes are searched from here for the examples (no training run sees them).
_EXAMPLE_SEARCH = 64


@dataclass
class SemanticResult:
    """The picture (uint8 H×W×3, the label map's size) and the size it was made at."""

    image: np.ndarray
    working_size: tuple[int, int]


def style_examples(side: int = 128) -> dict[str, np.ndarray]:
    """One held-out procedural scene for each of `EXAMPLE_STYLES`, uint8 side×side×3
    (read-only).

    Rendered rather than shipped: the same pictures every time, nothing to install, and
    they show the light the built-in models learned. Rendered once per side: a live
    session asks for its style's picture after every stroke.
    """
    return dict(zip(EXAMPLE_STYLES, _rendered_examples(side), strict=True))


@functools.lru_cache(maxsize=4)
def _rendered_examples(side: int) -> tuple[np.ndarray, ...]:
    seeds = seed_range("test", _EXAMPLE_SEARCH)
    light = scene_light(seeds)
    picks = np.array([seeds[light == name][0] for name in EXAMPLE_STYLES])
    batch = render_landscapes(picks, side, kinds=("scene",))
    assert batch.scene is not None
    batch.scene.setflags(write=False)
    return tuple(batch.scene)


def small_style_picture(picture: np.ndarray, side: int = STYLE_PICTURE_SIDE) -> np.ndarray:
    """A copy of `picture` no larger than `side` (area-averaged): what a style keeps of
    a 12 MP photo. The encoder reads 128 px anyway, so the code is the same."""
    rgb = np.ascontiguousarray(picture)
    height, width = rgb.shape[:2]
    scale = side / max(height, width)
    if scale >= 1:
        return rgb.copy()
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def known_lights(meta: dict[str, Any]) -> tuple[str, ...]:
    """The example styles (of EXAMPLE_STYLES) whose light the model's training photos
    had, by its metadata: a model that never saw a night draws the night example as a
    dim dusk. All of them when the file does not say (older files, a user's folder)."""
    lights = meta.get("lights")
    if not isinstance(lights, list):
        return EXAMPLE_STYLES
    return tuple(name for name in EXAMPLE_STYLES if name in lights)


def unknown_light_message(name: str, meta: dict[str, Any]) -> str:
    """One sentence for asking a model for an example light it never learned (and no
    translator could carry it there)."""
    known = " and ".join(known_lights(meta)) or "no example light"
    return (
        f"{meta.get('name') or 'This model'} learned {known} light only, so the {name} "
        f"style would come out as neither; pick {known}, or translate the result with a "
        "day-to-night model (day2night)."
    )


#: A light a model may not have learned -> the example light it is drawn in first, for a
#: translator to carry the picture on (night: drawn by day, then translated day -> night).
LIGHTS_BY_TRANSLATION: dict[str, str] = {"night": "day"}


def light_to_translate_from(name: str, meta: dict[str, Any]) -> str | None:
    """The example light to draw in when the model never learned `name` but a translator
    can take a picture there from a light it knows (night from day); None otherwise."""
    first = LIGHTS_BY_TRANSLATION.get(name)
    known = known_lights(meta)
    return first if name not in known and first in known else None


def direction_between(meta: dict[str, Any], source: str, target: str) -> str | None:
    """ "AtoB" or "BtoA" for a translator (by its metadata) that turns domain `source`
    into `target` (both ways for CycleGAN, its own way for pix2pix); None if it does not."""
    if meta.get("kind") not in ("cyclegan", "pix2pix"):
        return None
    ways = translator_ways(meta).items()
    return next((way for way, pair in ways if pair == (source, target)), None)


def translated_to_light(
    drawn: SemanticResult, translator: ModelBundle, source: str, target: str, stars: bool = True
) -> np.ndarray:
    """A picture drawn in light `source` carried to light `target` by `translator`, for a
    light the SPADE model never learned. It is translated at the size it was drawn at
    (the scene's scale the translators learned too; at 512 px a day2night turned the
    glow of a scaled-up sun into blotches of moons) and scaled back. A one-sentence
    GanpaintError if the translator does not go that way."""
    direction = direction_between(translator.meta, source, target)
    if direction is None:
        raise GanpaintError(
            f"{translator.name!r} does not translate {source} to {target}; choose a "
            f"{source}-to-{target} model such as day2night."
        )
    picture = drawn.image
    full = picture.shape[:2]
    small = drawn.working_size
    if small != full:
        area = cv2.INTER_AREA if small[0] * small[1] < full[0] * full[1] else cv2.INTER_CUBIC
        picture = cv2.resize(picture, (small[1], small[0]), interpolation=area)
    generator = translator.translator(direction)
    head = translator.star_head(direction) if stars else None
    result = translate_at_scale(
        picture, generator, translator.meta, device=translator.device, stars=head
    )
    if small == full:
        return result.image
    return cv2.resize(result.image, (full[1], full[0]), interpolation=cv2.INTER_CUBIC)


def takes_style(meta: dict[str, Any]) -> bool:
    """Whether a model, by its metadata, takes a style picture: a SPADE model with its
    style encoder (the model lists read only the metadata)."""
    nets = meta.get("nets") or {}
    return meta.get("kind") == "spade" and "E" in nets and bool(meta.get("style_dim"))


def guesses_style(meta: dict[str, Any]) -> bool:
    """Whether a model, by its metadata, guesses the light from the label map when no
    style picture is given (else it draws its mean style)."""
    return meta.get("kind") == "spade" and "S" in (meta.get("nets") or {})


def has_styles(bundle: ModelBundle) -> bool:
    """Whether a loaded model takes a style picture."""
    return takes_style(bundle.meta) and "E" in bundle.nets


def style_code(bundle: ModelBundle, picture: np.ndarray) -> np.ndarray:
    """The style of `picture` (uint8 H×W×3) as the model's style code, float32 (style_dim,).

    The encoder's mean, not a draw from it: the same picture always gives the same look.
    """
    _check_spade(bundle)
    if not has_styles(bundle):
        raise GanpaintError(
            f"The model {bundle.name!r} has no style encoder, so it cannot take a style "
            "picture; leave the style out."
        )
    rgb = np.asarray(picture)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or min(rgb.shape[:2]) < 1 or rgb.dtype != np.uint8:
        raise GanpaintError(f"A style picture must be an RGB image, not an array of {rgb.shape}.")
    encoder = bundle.nets["E"]
    with torch.inference_mode():
        mu, _logvar = encoder(image_to_tensor(rgb, bundle.device))
    return mu[0].float().cpu().numpy()


def trained_scene_sides(meta: dict[str, Any]) -> tuple[int, int] | None:
    """(smallest, largest) side of the scenes the model trained on, if its file says."""
    load, zoom = training_setting(meta, "load_size"), training_setting(meta, "zoom") or 1.0
    if load is None or zoom < 1:
        return None
    return int(load), round(load * zoom)


def working_size(shape: tuple[int, ...], meta: dict[str, Any]) -> tuple[int, int]:
    """(height, width) the generator runs at: the map's own size, or shrunk so that its
    short side is no larger than the largest scene the model trained on."""
    height, width = shape[:2]
    sides = trained_scene_sides(meta)
    if sides is None or min(height, width) <= sides[1]:
        return height, width
    factor = sides[1] / min(height, width)
    return max(1, round(height * factor)), max(1, round(width * factor))


def image_from_labels(
    bundle: ModelBundle,
    labels: np.ndarray,
    style: np.ndarray | None = None,
) -> SemanticResult:
    """The picture a SPADE model draws for `labels` (class ids H×W; unlabelled pixels take
    the class of the nearest labelled one) in the style `style` (a code from
    `style_code`; None: the light the map suggests when the model can guess it, else the
    model's mean style)."""
    _check_spade(bundle, "labels")
    filled = fill_unlabelled(np.asarray(labels))
    if filled is None:
        raise GanpaintError("The label map is empty: paint at least one class.")
    height, width = filled.shape
    size = working_size(filled.shape, bundle.meta)
    if size != (height, width):
        filled = cv2.resize(filled, (size[1], size[0]), interpolation=cv2.INTER_NEAREST)
    ids = torch.from_numpy(_padded(filled, bundle.nets["G"].multiple)).to(bundle.device)
    semantics = one_hot_labels(ids[None].long(), len(LABEL_NAMES))
    return _draw(bundle, semantics, size, (height, width), style)


def image_from_sketch(
    bundle: ModelBundle,
    sketch: np.ndarray,
    style: np.ndarray | None = None,
) -> SemanticResult:
    """The picture a sketch SPADE model draws for `sketch` (dark lines on white, uint8
    H×W×3 or H×W, as a pix2pix sketch model reads it) in the style `style` (a code from
    `style_code`; None: the light the sketch suggests when the model can guess it, else
    the model's mean style). The sketch is scaled to sides that the generator takes
    whole, near the trained scale (`sketch_size`), its strokes kept as heavy as the
    training strokes (`trained_scale.shrink`), and the picture scaled back."""
    _check_spade(bundle, "sketch")
    rgb = np.asarray(sketch)
    if rgb.ndim == 2:
        rgb = np.repeat(rgb[:, :, None], 3, axis=2)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or min(rgb.shape[:2]) < 1 or rgb.dtype != np.uint8:
        raise GanpaintError(f"A sketch must be an RGB or grey image, not an array of {rgb.shape}.")
    height, width = rgb.shape[:2]
    size = sketch_size(rgb.shape, bundle.meta, bundle.nets["G"].multiple)
    if size[0] < height or size[1] < width:
        rgb = shrink(rgb, size, "sketch")
    elif size != (height, width):
        rgb = cv2.resize(rgb, (size[1], size[0]), interpolation=cv2.INTER_LINEAR)
    ink = (255.0 - rgb.astype(np.float32).mean(axis=2)) / 255.0
    semantics = torch.from_numpy(np.ascontiguousarray(ink))[None, None].to(bundle.device)
    return _draw(bundle, semantics, size, (height, width), style)


def sketch_size(shape: tuple[int, ...], meta: dict[str, Any], multiple: int) -> tuple[int, int]:
    """(height, width) a sketch is drawn at: multiples of the generator's `multiple` (at
    least two: it starts from 2 x 2 cells), the short side near the sketch's own or, for
    a larger sketch, the largest scene the model trained on.

    Scaled, never padded: blank paper around a sketch is a scene of its own to the
    model (a 256 px sketch shrunk to the trained 143 px and padded to 192 drew L1 35.7
    against 14.6 at 128 px, on the bundled model's 8 held-out test scenes)."""
    sides = trained_scene_sides(meta)
    short = min(shape[:2])
    target = max(min(short, sides[1]) if sides else short, 2 * multiple)
    height, width = shrunk_size(shape, target, multiple)
    height, width = max(height, 2 * multiple), max(width, 2 * multiple)
    if height * width > MAX_SKETCH_PIXELS:  # a panorama: its long side shrinks too
        factor = math.sqrt(MAX_SKETCH_PIXELS / (height * width))
        short_side = max(2 * multiple, int(min(height, width) * factor) // multiple * multiple)
        long_side = MAX_SKETCH_PIXELS // short_side // multiple * multiple
        height, width = (short_side, long_side) if height <= width else (long_side, short_side)
    return height, width


def _draw(
    bundle: ModelBundle,
    semantics: torch.Tensor,
    size: tuple[int, int],
    full: tuple[int, int],
    style: np.ndarray | None,
) -> SemanticResult:
    """G on the padded input map `semantics` (1, C, H', W'), cropped to `size` and
    scaled to `full`, in `style`, or in the style the guess S reads from the map."""
    generator = fold_spectral_norm(bundle.nets["G"].eval())
    code = _style_tensor(bundle, style)
    with torch.inference_mode():
        if code is None and "S" in bundle.nets:
            code = bundle.nets["S"].eval()(semantics[:, :, : size[0], : size[1]])
        image = generator(semantics, code)[:, :, : size[0], : size[1]]
        if size != full:
            image = F.interpolate(image, size=full, mode="bicubic", align_corners=False)
    return SemanticResult(tensor_to_image(image[0].float().cpu()), size)


def _padded(ids: np.ndarray, multiple: int) -> np.ndarray:
    """`ids` padded at the bottom and right with the nearest class, to multiples of
    `multiple` and at least two of them (the generator starts from 2 x 2 cells: its
    instance norm has nothing to normalise in one)."""
    height, width = ids.shape
    bottom, right = (max(2 * multiple, -(-n // multiple) * multiple) - n for n in (height, width))
    if not bottom and not right:
        return ids
    return cv2.copyMakeBorder(ids, 0, bottom, 0, right, cv2.BORDER_REPLICATE)


def _style_tensor(bundle: ModelBundle, style: np.ndarray | None) -> torch.Tensor | None:
    if style is None:
        return None
    expected = int(bundle.meta.get("style_dim", 0))
    code = np.asarray(style, dtype=np.float32).reshape(-1)
    if not has_styles(bundle) or code.shape != (expected,) or not np.isfinite(code).all():
        raise GanpaintError(
            f"The style does not fit the model {bundle.name!r} (it takes "
            f"{expected or 'no'} style values, this style has {code.size})."
        )
    return torch.from_numpy(code)[None].to(bundle.device)


def input_map(meta: dict[str, Any]) -> str:
    """What a SPADE model reads, by its metadata: "labels" (label maps; files from before
    sketch models say nothing) or "sketch"."""
    return str(meta.get("input_map") or "labels")


def reads_sketches(meta: dict[str, Any]) -> bool:
    """Whether a model, by its metadata, is a SPADE model that draws line sketches."""
    return meta.get("kind") == "spade" and input_map(meta) == "sketch"


def _check_spade(bundle: ModelBundle, reads: str | None = None) -> None:
    if bundle.kind != "spade":
        raise GanpaintError(
            f"{bundle.name!r} is a {bundle.kind} model; drawing in a style needs a SPADE model."
        )
    if reads is not None and input_map(bundle.meta) != reads:
        what = {"labels": "label maps", "sketch": "line sketches"}
        raise GanpaintError(
            f"{bundle.name!r} draws {what.get(input_map(bundle.meta), 'other inputs')}, not "
            f"{what[reads]}; choose a SPADE model made for {what[reads]}."
        )
