"""The SPADE label-map generator, its style encoder and multi-scale discriminator:
shapes, the style code, and the round trip through the bundle format."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ganpaint.errors import ModelFileError
from ganpaint.models.bundle import ModelBundle, load, read_header
from ganpaint.models.catalog import describe
from ganpaint.models.spade import (
    MultiscaleDiscriminator,
    SpadeGenerator,
    SpadeStyleEncoder,
    one_hot_labels,
)

TINY = {"label_nc": 7, "ngf": 4, "n_up": 3, "style_dim": 8, "spade_hidden": 8}


def _labels(n: int = 2, height: int = 16, width: int = 24, seed: int = 0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return one_hot_labels(torch.randint(0, 7, (n, height, width), generator=gen), 7)


def _spade_bundle() -> ModelBundle:
    torch.manual_seed(0)
    nets = {
        "G": SpadeGenerator(**TINY),
        "D": MultiscaleDiscriminator(input_nc=10, ndf=4, n_layers=3, num_d=2),
        "E": SpadeStyleEncoder(ndf=4, style_dim=8, image_size=32, n_layers=3),
    }
    return ModelBundle.create("spade", nets, {"name": "tiny-spade"})


def test_any_multiple_of_the_size_step_in_any_aspect_gives_an_image_of_that_size() -> None:
    generator = SpadeGenerator(**TINY).eval()
    with torch.no_grad():
        image = generator(_labels(height=16, width=40), torch.zeros(2, 8))
    assert image.shape == (2, 3, 16, 40) and image.abs().max() <= 1
    with pytest.raises(ValueError, match="multiples of 8"):
        generator(_labels(height=12, width=16))


def test_a_style_code_changes_the_picture_and_the_same_code_repeats_it() -> None:
    generator = SpadeGenerator(**TINY).eval()
    labels = _labels(n=1)
    a, b = torch.full((1, 8), 0.8), torch.full((1, 8), -0.8)
    with torch.no_grad():
        first, again, other = generator(labels, a), generator(labels, a), generator(labels, b)
        plain = generator(labels)
    assert torch.equal(first, again)
    assert (first - other).abs().mean() > 1e-3
    assert torch.equal(plain, generator(labels, torch.zeros(1, 8)))  # no style = the mean style


def test_unlabelled_pixels_belong_to_no_class() -> None:
    hot = one_hot_labels(torch.tensor([[[0, 6, 255, -1]]]), 7)
    assert hot.sum(1).tolist() == [[[1.0, 1.0, 0.0, 0.0]]]


def test_the_style_encoder_reads_any_picture_size() -> None:
    encoder = SpadeStyleEncoder(ndf=4, style_dim=8, image_size=32, n_layers=3)
    mu, logvar = encoder(torch.rand(3, 3, 45, 70) * 2 - 1)
    assert mu.shape == logvar.shape == (3, 8)


def test_the_discriminator_returns_features_of_every_layer_at_every_scale() -> None:
    discriminator = MultiscaleDiscriminator(input_nc=10, ndf=4, n_layers=3, num_d=2)
    outputs = discriminator(torch.randn(2, 10, 32, 32))
    assert len(outputs) == 2 and all(len(scale) == 4 for scale in outputs)
    assert outputs[0][-1].shape[1] == 1 and outputs[1][-1].shape[-1] < outputs[0][-1].shape[-1]


def test_a_spade_model_round_trips_through_the_bundle_format(tmp_path: Path) -> None:
    bundle = _spade_bundle()
    path = bundle.save(tmp_path / "tiny-spade.safetensors")
    meta, shapes = read_header(path)
    assert meta["kind"] == "spade" and meta["size_multiple"] == 8 and meta["style_dim"] == 8
    assert meta["channels_in"] == 7 and meta["domains"] == {"A": "labels", "B": "photo"}
    assert any(k.startswith("G.blocks.0.norm_0.shared.") for k in shapes)
    loaded = load(path)
    labels, style = _labels(n=1), torch.full((1, 8), 0.5)
    with torch.no_grad():
        expected = bundle.nets["G"].eval()(labels, style)
        assert torch.allclose(loaded.nets["G"](labels, style), expected, atol=1e-6)
    assert "style code of 8 values" in describe(path)


def test_a_spade_file_whose_style_size_lies_is_refused(tmp_path: Path) -> None:
    bundle = _spade_bundle()
    bundle.meta["style_dim"] = 9
    path = bundle.save(tmp_path / "liar.safetensors")
    with pytest.raises(ModelFileError, match="style_dim"):
        load(path)


def test_a_half_size_last_block_draws_the_full_size_and_round_trips(tmp_path: Path) -> None:
    torch.manual_seed(0)
    generator = SpadeGenerator(**TINY, out_upsample=2).eval()
    assert generator.multiple == 16  # 2^3 upsamplings, then the last doubling
    with torch.no_grad():
        image = generator(_labels(n=1, height=16, width=48))
    assert image.shape == (1, 3, 16, 48)
    with pytest.raises(ValueError, match="multiples of 16"):
        generator(_labels(n=1, height=8, width=16))
    nets = {"G": generator, "E": SpadeStyleEncoder(ndf=4, style_dim=8, image_size=32, n_layers=3)}
    path = ModelBundle.create("spade", nets).save(tmp_path / "half.safetensors")
    assert read_header(path)[0]["size_multiple"] == 16
    labels = _labels(n=1, height=32, width=32)
    with torch.no_grad():
        assert torch.allclose(load(path).nets["G"](labels), generator(labels), atol=1e-4)


def test_an_output_upsampling_other_than_one_or_two_is_refused() -> None:
    with pytest.raises(ValueError, match="out_upsample must be 1 or 2"):
        SpadeGenerator(**TINY, out_upsample=4)


def test_folding_spectral_norm_keeps_the_output_and_is_refused_in_training() -> None:
    from torch.nn.utils import parametrize

    from ganpaint.models.spade import fold_spectral_norm

    torch.manual_seed(0)
    generator = SpadeGenerator(**TINY, out_upsample=2)
    with pytest.raises(ValueError, match="eval mode"):
        fold_spectral_norm(generator)
    generator.eval()
    labels = _labels(n=1, height=32, width=32)
    with torch.no_grad():
        before = generator(labels)
        folded = fold_spectral_norm(fold_spectral_norm(generator))  # twice: no change
        assert torch.allclose(folded(labels), before, atol=1e-6)
    assert not any(parametrize.is_parametrized(m) for m in folded.modules())


def test_the_last_doubling_leaves_no_fixed_two_by_two_pattern() -> None:
    """A pixel shuffle gives each pixel of a 2x2 cell its own filter, and the four drift
    into a checkerboard; a conv over nearest-doubled features treats them alike."""
    torch.manual_seed(0)
    generator = SpadeGenerator(**TINY, out_upsample=2).eval()
    labels = one_hot_labels(torch.zeros(1, 64, 64, dtype=torch.long), 7)  # all sky
    with torch.no_grad():
        image = generator(labels)[0, :, 8:-8, 8:-8]  # away from the borders
    phases = torch.stack([image[:, i::2, j::2].mean() for i in (0, 1) for j in (0, 1)])
    assert (phases.max() - phases.min()) < 0.1 * image.std() + 1e-4


def test_a_style_guess_reads_any_map_size_and_round_trips_in_the_bundle(tmp_path: Path) -> None:
    from ganpaint.models.style_guess import SpadeStyleGuess

    guess = SpadeStyleGuess(label_nc=7, style_dim=8, ndf=4).eval()
    with torch.no_grad():
        small, large = guess(_labels(n=2, height=16, width=24)), guess(_labels(n=1, height=200))
    assert small.shape == (2, 8) and large.shape == (1, 8)
    bundle = _spade_bundle()
    nets = {**bundle.nets, "S": guess}
    path = ModelBundle.create("spade", nets, {"name": "guessing"}).save(tmp_path / "g.safetensors")
    labels = _labels(n=1)
    with torch.no_grad():
        assert torch.allclose(load(path).nets["S"](labels), guess(labels), atol=1e-6)
    assert "spade_style_guess" in describe(path)


def test_a_style_guess_that_does_not_fit_the_generator_is_refused(tmp_path: Path) -> None:
    from ganpaint.models.style_guess import SpadeStyleGuess

    bundle = _spade_bundle()
    for name, guess in (("style_dim", SpadeStyleGuess(label_nc=7, style_dim=5, ndf=4)),
                        ("label_nc", SpadeStyleGuess(label_nc=6, style_dim=8, ndf=4))):  # fmt: skip
        path = tmp_path / f"{name}.safetensors"
        ModelBundle.create("spade", {**bundle.nets, "S": guess}).save(path)
        with pytest.raises(ModelFileError, match=f"S's {name}"):
            load(path)


def test_a_file_that_says_it_reads_sketches_needs_one_channel_of_ink(tmp_path: Path) -> None:
    """A sketch model's G reads one channel; a label model's file that claims to read
    sketches, or an input nobody draws, is refused as a damaged file."""
    labels_model = _spade_bundle()  # G reads 7 classes
    for claim, says in (("sketch", "one channel of ink"), ("photo", "input_map")):
        labels_model.meta["input_map"] = claim
        path = labels_model.save(tmp_path / f"{claim}.safetensors")
        with pytest.raises(ModelFileError, match=says):
            load(path)
    labels_model.meta["input_map"] = "labels"
    labels_model.meta["lights"] = "night"
    with pytest.raises(ModelFileError, match="lights"):
        load(labels_model.save(tmp_path / "lights.safetensors"))
    sketch_g = SpadeGenerator(label_nc=1, ngf=4, n_up=3, style_dim=8, spade_hidden=8)
    meta = {"input_map": "sketch", "domains": {"A": "sketch", "B": "photo"}}
    path = ModelBundle.create("spade", {"G": sketch_g}, meta).save(tmp_path / "ink.safetensors")
    assert load(path).meta["input_map"] == "sketch"
    assert "sketch (one channel of ink) -> photo" in describe(path)
    assert "lights:" not in describe(path)  # not said: not claimed
    bundle = load(path)
    bundle.meta["lights"] = ["day", "dusk"]
    assert "lights:      day, dusk" in describe(bundle.save(tmp_path / "lit.safetensors"))
