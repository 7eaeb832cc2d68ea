"""Label maps to pictures with a SPADE model and a style picture (`ganpaint.edit.semantic`),
as the semantic brushes and `ganpaint sketch --style` run them."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ganpaint.edit.semantic import (
    EXAMPLE_STYLES,
    image_from_labels,
    style_code,
    style_examples,
    working_size,
)
from ganpaint.errors import GanpaintError
from ganpaint.labels import GRASS, LABEL_NAMES, SKY, UNLABELLED, WATER, fill_unlabelled
from ganpaint.models.bundle import ModelBundle
from ganpaint.models.spade import SpadeGenerator, SpadeStyleEncoder


def _bundle(style: bool = True, zoom: float = 2.0) -> ModelBundle:
    torch.manual_seed(0)
    nets = {"G": SpadeGenerator(ngf=4, n_up=3, style_dim=8, spade_hidden=8, out_upsample=2)}
    if style:
        nets["E"] = SpadeStyleEncoder(ndf=4, style_dim=8, image_size=32, n_layers=3)
    else:
        nets["G"] = SpadeGenerator(ngf=4, n_up=3, style_dim=0, spade_hidden=8, out_upsample=2)
    meta = {"name": "tiny", "training": {"config": {"load_size": 40, "zoom": zoom}}}
    return ModelBundle.create("spade", nets, meta).eval()


def _strokes(height: int = 50, width: int = 70) -> np.ndarray:
    labels = np.full((height, width), UNLABELLED, np.uint8)
    labels[:5] = SKY
    labels[-5:] = GRASS
    labels[height // 2, :10] = WATER
    return labels


def test_the_examples_are_a_day_a_dusk_and_a_night_scene() -> None:
    examples = style_examples(64)
    assert tuple(examples) == EXAMPLE_STYLES == ("day", "dusk", "night")
    brightness = {name: float(image.mean()) for name, image in examples.items()}
    assert all(image.shape == (64, 64, 3) for image in examples.values())
    assert brightness["night"] < brightness["dusk"] and brightness["night"] < brightness["day"]
    assert np.array_equal(style_examples(64)["dusk"], examples["dusk"])  # always the same


def test_a_style_picture_changes_the_picture_and_the_same_one_repeats_it() -> None:
    bundle, examples = _bundle(), style_examples(64)
    day, night = style_code(bundle, examples["day"]), style_code(bundle, examples["night"])
    assert day.shape == (8,) and np.array_equal(day, style_code(bundle, examples["day"]))
    first = image_from_labels(bundle, _strokes(), day).image
    assert first.shape == (50, 70, 3) and first.dtype == np.uint8
    assert np.array_equal(first, image_from_labels(bundle, _strokes(), day).image)
    assert not np.array_equal(first, image_from_labels(bundle, _strokes(), night).image)


def test_without_a_style_picture_a_model_with_a_guess_draws_the_light_the_map_suggests() -> None:
    """No style: the guess S reads the map and G draws in that light, the same every
    time; a model without S draws its mean style (code 0)."""
    from ganpaint.edit.semantic import guesses_style
    from ganpaint.models.spade import one_hot_labels
    from ganpaint.models.style_guess import SpadeStyleGuess

    plain = _bundle()
    torch.manual_seed(1)
    guess = SpadeStyleGuess(label_nc=len(LABEL_NAMES), style_dim=8, ndf=4).eval()
    with torch.no_grad():
        guess.code.bias.fill_(1.5)  # far from code 0, so the light is visibly another
    guessing = ModelBundle.create("spade", {**plain.nets, "S": guess}, plain.meta).eval()
    assert guesses_style(guessing.meta) and not guesses_style(plain.meta)
    labels = _strokes(48, 64)  # the generator's size: no shrinking, no padding
    drawn = image_from_labels(guessing, labels).image
    assert np.array_equal(drawn, image_from_labels(guessing, labels).image)
    assert not np.array_equal(drawn, image_from_labels(plain, labels).image)
    ids = torch.from_numpy(fill_unlabelled(labels).astype(np.int64))[None]
    with torch.no_grad():
        code = guess(one_hot_labels(ids, len(LABEL_NAMES))).numpy()[0]
    assert np.array_equal(drawn, image_from_labels(plain, labels, code).image)


def test_a_map_larger_than_the_trained_scenes_is_made_smaller_and_scaled_back() -> None:
    bundle = _bundle(zoom=2.0)  # scenes of 40 to 80 px
    assert working_size((60, 90), bundle.meta) == (60, 90)
    assert working_size((200, 300), bundle.meta) == (80, 120)
    result = image_from_labels(bundle, _strokes(200, 300))
    assert result.image.shape == (200, 300, 3) and result.working_size == (80, 120)


def test_bad_labels_and_styles_are_refused_in_one_sentence() -> None:
    bundle = _bundle()
    with pytest.raises(GanpaintError, match="label map is empty"):
        image_from_labels(bundle, np.full((32, 32), UNLABELLED, np.uint8))
    with pytest.raises(GanpaintError, match="does not fit the model"):
        image_from_labels(bundle, _strokes(), np.zeros(5, np.float32))
    with pytest.raises(GanpaintError, match="does not fit the model"):
        image_from_labels(bundle, _strokes(), np.full(8, np.nan, np.float32))
    with pytest.raises(GanpaintError, match="must be an RGB image"):
        style_code(bundle, np.zeros((10, 10), np.uint8))
    with pytest.raises(GanpaintError, match="has no style encoder"):
        style_code(_bundle(style=False), style_examples(32)["day"])


def test_a_live_session_encodes_each_style_picture_once(monkeypatch, tmp_path) -> None:
    from ganpaint.edit.progress import CancelToken
    from ganpaint.session import semantic as session
    from ganpaint.session.models import ChosenModels

    path = _bundle().save(tmp_path / "tiny.safetensors")
    calls: list[int] = []
    real = session.style_code
    monkeypatch.setattr(session, "style_code", lambda b, p: calls.append(1) or real(b, p))
    base = np.zeros((50, 70, 3), np.uint8)
    slot = ChosenModels()
    for key in ("dusk", "dusk", "photo#1", "dusk"):
        request = session.SemanticRequest(
            _strokes(), path, base, style=style_examples(64)["dusk"], style_key=key
        )
        session.make_semantic_job(request, slot)(lambda _p: None, CancelToken())
    assert len(calls) == 2  # "dusk" once, "photo#1" once


def test_a_map_smaller_than_the_generator_starts_from_still_draws() -> None:
    bundle = _bundle()  # sides in multiples of 16, starting from 2 x 2 cells: 32 px
    labels = np.full((9, 20), SKY, np.uint8)
    labels[6:] = GRASS
    assert image_from_labels(bundle, labels).image.shape == (9, 20, 3)
