"""The models ganpaint ships: present, complete, small, and doing what their names say.

Each check runs the model the way the app and the CLI do (`ganpaint.edit`), on
held-out procedural scenes (seeds no training run saw), against the truth the
procedural data knows and a simple baseline the model must beat.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np
import pytest
import torch

from ganpaint.edit.gan import GanModel
from ganpaint.edit.inpaint import InpaintConfig, inpaint
from ganpaint.edit.trained_scale import translate_at_scale
from ganpaint.edit.translate import translate
from ganpaint.landscapes import as_rgb, render_landscapes, seed_range
from ganpaint.landscapes.patches import patches_at, sliced_wasserstein, unit_projections
from ganpaint.models import DEFAULT_MODELS, ModelBundle, load, resolve_model
from ganpaint.paths import bundled_models_dir
from trainer.metrics.artefacts import artefact_score

KINDS = {
    "landscapes-dcgan64": "gan",
    "photos-dcgan64": "gan",
    "day2night": "cyclegan",
    "edges2landscape": "spade",  # line sketches, with styles
    "labels2landscape": "pix2pix",
    "labels2scene": "spade",  # not a default: the labels model with styles, to choose
}
BUDGET_BYTES = 40 * 2**20
#: The pix2pix sketch model bundled until 2026-12-06 (edges2landscape-v2.toml), L1 on
#: the 8 HELD_OUT scenes at 128 px: what its SPADE successor must beat with a style.
RETIRED_L1 = 24.70
HELD_OUT = seed_range("test", 8, base_seed=777)


@cache
def bundled(name: str) -> ModelBundle:
    return load(bundled_models_dir() / f"{name}.safetensors")


def l1(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(np.abs(a.astype(np.float64) - b.astype(np.float64))))


def masked_psnr(out: np.ndarray, truth: np.ndarray, hole: np.ndarray) -> float:
    diff = out[hole].astype(np.float64) - truth[hole].astype(np.float64)
    return float(10 * np.log10(255.0**2 / max(np.mean(diff * diff), 1e-12)))


def test_every_default_is_a_bundled_model_of_its_kind() -> None:
    assert set(DEFAULT_MODELS.values()) <= set(KINDS)
    assert {path.stem for path in bundled_models_dir().glob("*.safetensors")} == set(KINDS)
    for purpose, name in DEFAULT_MODELS.items():
        path = resolve_model(None, purpose=purpose)
        assert path.parent == bundled_models_dir() and path.stem == name


def test_bundled_models_fit_the_size_budget() -> None:
    sizes = {name: (bundled_models_dir() / f"{name}.safetensors").stat().st_size for name in KINDS}
    assert sum(sizes.values()) <= BUDGET_BYTES, sizes


@pytest.mark.parametrize("name", sorted(KINDS))
def test_bundled_model_loads_with_complete_metadata(name: str) -> None:
    bundle = bundled(name)
    meta = bundle.meta
    assert bundle.kind == KINDS[name]
    assert meta["name"] == name
    assert meta["source"] == "trained by ganpaint"
    assert meta["dtype"] == "float16"
    training = meta["training"]
    if name.startswith("photos"):  # real photos, named by how to get them, not a path here
        assert training["data"].startswith("benchmarks/photo_sources.py --export tune")
        assert meta["knows"].startswith("real photos")
    else:
        assert training["data"].startswith("synthetic:landscapes")
    assert training["steps"] > 0 and training["config"]["name"] == name
    if bundle.kind == "gan":
        assert set(bundle.nets) == {"G", "D", "E"}
        assert bundle.resolution == 64 and meta["nz"] > 0
    elif bundle.kind == "spade":  # the app draws with G, E and the style guess alone
        assert set(bundle.nets) == {"G", "E", "S"} and bundle.resolution == 128
    else:
        assert bundle.resolution == 128
        assert set(meta["domains"]) == {"A", "B"}


@dataclass
class Fills:
    """Masked PSNR per image and the hole-patch SWD (realism, lower is better) of a method."""

    psnr: list[float]
    swd: float


def _inpaint_against_telea(holes: list[np.ndarray]) -> tuple[Fills, Fills]:
    """The DCGAN (engine defaults, as the app runs it) and Telea on the held-out photos."""
    model = GanModel.from_bundle(bundled("landscapes-dcgan64"))
    photos = render_landscapes(HELD_OUT, 64, kinds=("day",)).day
    psnr: dict[str, list[float]] = {"gan": [], "telea": []}
    patches: dict[str, list[np.ndarray]] = {"gan": [], "telea": [], "truth": []}
    for i, photo in enumerate(photos):
        photo, hole = np.ascontiguousarray(photo), holes[i % len(holes)]
        result = inpaint(photo, hole, model, InpaintConfig().with_seed(i), method="gan")
        np.testing.assert_array_equal(result.image[~hole], photo[~hole])  # known pixels stay
        filled = cv2.inpaint(photo, hole.astype(np.uint8) * 255, 3, cv2.INPAINT_TELEA)
        for name, image in (("gan", result.image), ("telea", filled)):
            psnr[name].append(masked_psnr(image, photo, hole))
            patches[name].append(patches_at(image, hole))
        patches["truth"].append(patches_at(photo, hole))
    truth, directions = np.concatenate(patches["truth"]), unit_projections()
    gan, telea = (
        Fills(psnr[name], sliced_wasserstein(np.concatenate(patches[name]), truth, directions))
        for name in ("gan", "telea")
    )
    return gan, telea


def test_inpainting_half_the_image_beats_telea() -> None:
    """Where diffusion has nothing to go on, the GAN draws a plausible landscape (the
    benchmark: +2.3 dB over 16 images; +1.2 on these 8), with more realistic texture."""
    halves = [np.zeros((64, 64), bool) for _ in range(4)]
    halves[0][:, :32] = halves[1][:, 32:] = halves[2][:32] = halves[3][32:] = True
    gan, telea = _inpaint_against_telea(halves)
    assert np.mean(gan.psnr) > np.mean(telea.psnr), (gan, telea)
    assert gan.swd < telea.swd, (gan, telea)


def test_inpainting_a_central_hole_beats_telea_and_draws_detail() -> None:
    """The issue's test: the GAN's fill of a central hole is closer to the truth than
    Telea's (masked PSNR; the benchmark: +1.3 dB over 16 images, +0.7 on these 8) and has
    the texture of a landscape rather than Telea's smooth blur (a lower hole-patch SWD)."""
    hole = np.zeros((64, 64), bool)
    hole[16:48, 16:48] = True
    gan, telea = _inpaint_against_telea([hole])
    assert np.mean(gan.psnr) > np.mean(telea.psnr), (gan, telea)
    assert gan.swd < telea.swd, (gan, telea)


def test_samples_vary_and_look_like_landscapes() -> None:
    """Different latents give different images whose colours are in the data's range."""
    model = GanModel.from_bundle(bundled("landscapes-dcgan64"))
    z = model.sample_z(8, torch.Generator().manual_seed(0))
    with model.frozen(), torch.no_grad():
        images = model.generate(z).float()
    assert images.shape == (8, 3, 64, 64)
    assert images.std(dim=0).mean() > 0.1  # not one image eight times
    real = render_landscapes(seed_range("test", 64), 64, kinds=("day",)).day / 127.5 - 1
    assert abs(images.mean().item() - real.mean()) < 0.25


def _styled_drawing(
    draw, bundle: ModelBundle, inputs, batch
) -> tuple[list[float], list[float], float]:
    """A SPADE model's L1 to each true photo of `batch` with the photo's own style and
    without a style (its guess), both checked against the mean training image, and how
    bright the night example's light is against the day example's on the first input."""
    from ganpaint.edit.semantic import style_code, style_examples

    mean_image = render_landscapes(seed_range("train", 64), 128, kinds=("day",)).day.mean(axis=0)
    styled, guessed, baseline = [], [], []
    for drawn, photo in zip(inputs, batch.day, strict=True):
        out = draw(bundle, drawn, style_code(bundle, photo)).image
        assert out.shape == photo.shape
        styled.append(l1(out, photo))
        guessed.append(l1(draw(bundle, drawn).image, photo))
        baseline.append(l1(mean_image, photo))
    assert np.mean(guessed) < np.mean(baseline), (guessed, baseline)
    examples = style_examples()
    day, night = (style_code(bundle, examples[name]) for name in ("day", "night"))
    brightness = [draw(bundle, inputs[0], code).image.mean() for code in (day, night)]
    return styled, guessed, brightness[1] / brightness[0]


def test_labels2scene_draws_the_map_in_the_light_of_the_style_picture() -> None:
    """SPADE with styles, as the semantic brushes run it: in the true render's light it
    is closer to the truth than without a style picture (the light guessed from the map),
    and both are closer than the mean image; the night example's light is darker than
    the day example's."""
    from ganpaint.edit.semantic import image_from_labels

    bundle = bundled("labels2scene")
    batch = render_landscapes(HELD_OUT, 128, kinds=("labels", "day"))
    styled, guessed, night_to_day = _styled_drawing(image_from_labels, bundle, batch.labels, batch)
    assert np.mean(styled) < np.mean(guessed), (styled, guessed)
    assert night_to_day < 0.6, night_to_day


def test_day2night_moves_a_day_scene_towards_its_true_night_without_checkerboards() -> None:
    bundle = bundled("day2night")
    batch = render_landscapes(HELD_OUT[:3], 128, kinds=("day", "night"))
    outputs = []
    for day, night in zip(batch.day, batch.night, strict=True):
        out = translate(day, bundle.translator("AtoB"), tile=None).image
        assert out.shape == day.shape
        assert l1(out, night) < 0.5 * l1(night, colour_moved(day, night))
        assert out.mean() < day.mean()  # night is darker
        outputs.append(out)
    assert artefact_score(outputs, list(batch.night)) <= 1.5  # issue 21's target


def test_day2night_goes_back_from_night_to_day_too() -> None:
    """The app offers both ways of the file: G_B draws the day closer than the night was."""
    bundle = bundled("day2night")
    batch = render_landscapes(HELD_OUT[:3], 128, kinds=("day", "night"))
    for day, night in zip(batch.day, batch.night, strict=True):
        out = translate(night, bundle.translator("BtoA"), tile=None).image
        assert l1(out, day) < 0.3 * l1(night, day)
        assert out.mean() > night.mean()


def colour_moved(image: np.ndarray, like: np.ndarray) -> np.ndarray:
    """`image` with `like`'s per-channel mean and spread: the global colour change that
    a day -> night model must beat by structure (the moon, the lit and dark parts)."""
    x = image.astype(np.float64)
    x = (x - x.mean((0, 1))) / (x.std((0, 1)) + 1e-6) * like.std((0, 1)) + like.mean((0, 1))
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


@pytest.mark.parametrize(("name", "kind"), [("labels2landscape", "labels")])
def test_pix2pix_model_draws_a_big_scene_at_its_trained_scale(name: str, kind: str) -> None:
    """A 256 px sketch or label map, run as the app and CLI run it (shrunk to the trained
    scale and scaled back), is drawn as well as at 128 px and beats the mean image; fed at
    full size it loses (on these 8 scenes: sketch 42.5 against 51.0, the mean 43.0)."""
    bundle = bundled(name)
    net = bundle.translator()
    big = render_landscapes(HELD_OUT, 256, kinds=(kind, "day"))
    small = render_landscapes(HELD_OUT, 128, kinds=(kind, "day"))
    mean_image = render_landscapes(seed_range("train", 32), 256, kinds=("day",)).day.mean(axis=0)
    ours, full, native, baseline = [], [], [], []
    for source, photo, little, little_photo in zip(
        as_rgb(big, kind), big.day, as_rgb(small, kind), small.day, strict=True
    ):
        out = translate_at_scale(source, net, bundle.meta, tile=None).image
        assert out.shape == photo.shape
        ours.append(l1(out, photo))
        full.append(l1(translate_at_scale(source, net, bundle.meta, scale="full").image, photo))
        native.append(l1(translate(little, net, tile=None).image, little_photo))
        baseline.append(l1(mean_image, photo))
    assert np.mean(ours) < np.mean(baseline), (ours, baseline)
    assert np.mean(ours) < np.mean(full) - 3, (ours, full)
    assert abs(np.mean(ours) - np.mean(native)) < 1.5, (ours, native)


@pytest.mark.parametrize(("name", "kind"), [("labels2landscape", "labels")])
def test_pix2pix_model_draws_the_scene_it_is_given(name: str, kind: str) -> None:
    """Closer to the true photos than the mean training image is (it follows the input).

    Per image this need not hold: the input does not say whether it is day or dusk."""
    bundle = bundled(name)
    batch = render_landscapes(HELD_OUT, 128, kinds=(kind, "day"))
    mean_image = render_landscapes(seed_range("train", 64), 128, kinds=("day",)).day.mean(axis=0)
    ours, baseline = [], []
    for source, photo in zip(as_rgb(batch, kind), batch.day, strict=True):
        out = translate(source, bundle.translator(), tile=None).image
        assert out.shape == photo.shape
        ours.append(l1(out, photo))
        baseline.append(l1(mean_image, photo))
    assert np.mean(ours) < np.mean(baseline), (ours, baseline)


def test_edges2landscape_draws_the_sketch_in_the_light_of_the_style_picture() -> None:
    """SPADE with styles, as Sketch to Image and `ganpaint sketch` run it: in the true
    render's light it is closer to the truth than without a style picture (the light
    guessed from the sketch), both are closer than the mean image, and with the true
    light it beats the pix2pix sketch model it replaced (L1 24.70 on these 8
    scenes) by a quarter. Its photos were by day or at dusk (edges2photo), so the night
    example gives a dim dusk rather than a night: darker than the day example's light,
    not as dark as labels2scene's night (0.6 of the day's there, 0.77 here)."""
    from ganpaint.edit.semantic import image_from_sketch

    bundle = bundled("edges2landscape")
    batch = render_landscapes(HELD_OUT, 128, kinds=("sketch", "day"))
    sketches = as_rgb(batch, "sketch")
    styled, guessed, night_to_day = _styled_drawing(image_from_sketch, bundle, sketches, batch)
    assert np.mean(styled) < np.mean(guessed), (styled, guessed)
    assert np.mean(styled) < 0.75 * RETIRED_L1, styled
    assert night_to_day < 0.85, night_to_day


def test_edges2landscape_draws_a_big_sketch_at_its_trained_scale() -> None:
    """A 256 px sketch is shrunk to the trained scale (strokes kept heavy), drawn and
    scaled back: about as close to the truth as the same scenes drawn at 128 px."""
    from ganpaint.edit.semantic import image_from_sketch, style_code

    bundle = bundled("edges2landscape")
    big = render_landscapes(HELD_OUT, 256, kinds=("sketch", "day"))
    small = render_landscapes(HELD_OUT, 128, kinds=("sketch", "day"))
    ours, native = [], []
    for sketch, photo, little, little_photo in zip(
        as_rgb(big, "sketch"), big.day, as_rgb(small, "sketch"), small.day, strict=True
    ):
        code = style_code(bundle, photo)
        out = image_from_sketch(bundle, sketch, code).image
        assert out.shape == photo.shape
        ours.append(l1(out, photo))
        native.append(l1(image_from_sketch(bundle, little, code).image, little_photo))
    assert abs(np.mean(ours) - np.mean(native)) < 2.0, (ours, native)
