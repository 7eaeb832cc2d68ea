"""The star layer a day -> night translator may carry (ganpaint.models.stars)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from ganpaint.edit.star_layer import add_stars
from ganpaint.edit.trained_scale import translate_at_scale
from ganpaint.models import load as load_model
from ganpaint.models.bundle import ModelBundle
from ganpaint.models.resnet import ResnetGenerator
from ganpaint.models.stars import StarHead, star_field


def _head(bias: float) -> StarHead:
    """A head whose gain is softplus(bias) everywhere (its convolutions zeroed)."""
    head = StarHead(width=4, density=0.05)
    with torch.no_grad():
        for p in head.parameters():
            p.zero_()
        head.gain_net[-1].bias.fill_(bias)
    return head


def test_the_field_has_the_asked_density_of_point_stars_and_repeats_by_seed() -> None:
    field = star_field(200, 300, 0.03, seed=4)
    assert field.dtype == np.float32 and field.min() >= 0 and field.max() <= 1
    # stars per pixel: count the brightest pixel of each lit 3 x 3 neighbourhood once
    peaks = (field > 0) & (field == _max3(field))
    assert 0.025 < peaks.mean() < 0.035
    assert (field > 0).mean() < 0.15  # points, not a haze
    assert np.array_equal(field, star_field(200, 300, 0.03, seed=4))
    assert not np.array_equal(field, star_field(200, 300, 0.03, seed=5))


def _max3(a: np.ndarray) -> np.ndarray:
    padded = np.pad(a, 1)
    return np.max([padded[y : y + a.shape[0], x : x + a.shape[1]]
                   for y in range(3) for x in range(3)], axis=0)  # fmt: skip


def test_a_window_of_the_field_is_the_whole_field_cut_there() -> None:
    whole = star_field(90, 70, 0.05, seed=1)
    assert np.array_equal(whole[31:61, 17:50], star_field(30, 33, 0.05, seed=1, top=31, left=17))


@pytest.mark.parametrize("density", [-0.1, 1.5])
def test_an_impossible_density_is_refused(density: float) -> None:
    with pytest.raises(ValueError, match="density"):
        star_field(4, 4, density)


def test_the_gain_decides_how_bright_the_stars_are() -> None:
    rng = np.random.default_rng(0)
    night = rng.integers(0, 60, (64, 48, 3), dtype=np.uint8)
    day = rng.integers(100, 255, (64, 48, 3), dtype=np.uint8)
    dark = add_stars(day, night, _head(-30.0))
    bright = add_stars(day, night, _head(3.0))
    assert np.abs(dark.astype(int) - night).max() <= 1  # no gain: the translation as it was
    added = bright.astype(int) - night
    assert added.min() >= -1 and (added > 40).mean() > 0.01  # stars, only ever lighter
    assert np.array_equal(bright, add_stars(day, night, _head(3.0)))  # the same stars again
    assert not np.array_equal(bright, add_stars(day, night, _head(3.0), seed=1))


def test_bands_give_the_picture_the_whole_image_gives() -> None:
    torch.manual_seed(0)
    head = StarHead(width=4, density=0.05)  # random weights: the gain varies by place
    rng = np.random.default_rng(1)
    day, night = (rng.integers(0, 255, (70, 40, 3), dtype=np.uint8) for _ in range(2))
    whole = add_stars(day, night, head, band_rows=1000)
    assert np.array_equal(add_stars(day, night, head, band_rows=16), whole)


def test_mismatched_pictures_are_refused_in_one_sentence() -> None:
    with pytest.raises(ValueError, match="same H×W×3 size"):
        add_stars(np.zeros((8, 8, 3), np.uint8), np.zeros((8, 9, 3), np.uint8), _head(0.0))


def _starry_translator(tmp_path: Path) -> Path:
    torch.manual_seed(3)
    G = ResnetGenerator(3, 3, ngf=4, n_blocks=1, upsample="resize")
    meta = {"name": "starry", "domains": {"A": "day", "B": "night"}, "direction": "AtoB"}
    path = tmp_path / "starry.safetensors"
    ModelBundle.create("pix2pix", {"G": G, "S": _head(3.0)}, meta).save(path)
    return path


def test_a_model_file_keeps_its_star_layer_and_translating_draws_it(tmp_path: Path) -> None:
    bundle = load_model(_starry_translator(tmp_path))
    head = bundle.star_head("AtoB")
    assert isinstance(head, StarHead) and head.density == pytest.approx(0.05)
    photo = np.random.default_rng(2).integers(0, 255, (48, 40, 3), dtype=np.uint8)
    G = bundle.translator("AtoB")
    plain = translate_at_scale(photo, G, bundle.meta, tile=None).image
    starry = translate_at_scale(photo, G, bundle.meta, tile=None, stars=head).image
    assert (starry.astype(int) - plain > 40).mean() > 0.01
    mask = np.zeros(photo.shape[:2], bool)
    mask[:, :20] = True
    inside = translate_at_scale(photo, G, bundle.meta, tile=None, stars=head, mask=mask).image
    plain_inside = translate_at_scale(photo, G, bundle.meta, tile=None, mask=mask).image
    assert np.array_equal(inside[:, 20:], plain_inside[:, 20:])  # no stars outside it
    assert not np.array_equal(inside[:, :20], plain_inside[:, :20])


def test_a_model_without_a_star_layer_has_none_and_refuses_the_other_way(
    tmp_path: Path,
) -> None:
    G = ResnetGenerator(3, 3, ngf=4, n_blocks=1)
    meta = {"domains": {"A": "day", "B": "night"}, "direction": "AtoB"}
    bundle = ModelBundle.create("pix2pix", {"G": G}, meta)
    assert bundle.star_head("AtoB") is None
    with pytest.raises(Exception, match="cannot translate BtoA"):
        bundle.star_head("BtoA")


def test_a_selection_gets_the_stars_the_whole_picture_has_there_and_none_elsewhere() -> None:
    torch.manual_seed(1)
    head = StarHead(width=4, density=0.05)
    with torch.no_grad():
        head.gain_net[-1].bias.fill_(3.0)
    rng = np.random.default_rng(3)
    day, night = (rng.integers(0, 120, (60, 80, 3), dtype=np.uint8) for _ in range(2))
    mask = np.zeros((60, 80), bool)
    mask[20:35, 30:50] = True
    whole, only = add_stars(day, night, head), add_stars(day, night, head, mask=mask)
    assert np.array_equal(only[mask], whole[mask])
    assert np.array_equal(only[~mask], night[~mask])
    assert np.array_equal(add_stars(day, night, head, mask=np.zeros_like(mask)), night)


def test_adding_stars_stops_when_cancelled() -> None:
    from ganpaint.edit.progress import Cancelled, CancelToken

    token = CancelToken()
    token.cancel()
    picture = np.zeros((40, 40, 3), np.uint8)
    with pytest.raises(Cancelled):
        add_stars(picture, picture, _head(0.0), cancel=token)
