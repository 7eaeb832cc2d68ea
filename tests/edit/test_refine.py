"""Tuning a copy of G on a hole's context: it fits better, repeats, stops, and never edits G."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from ganpaint.edit.inpaint import InpaintConfig, inpaint
from ganpaint.edit.inversion import InversionConfig
from ganpaint.edit.progress import Cancelled, CancelToken
from ganpaint.edit.refine import RefineConfig, context_l1, layer_groups, refine, unfrozen

FAST = InpaintConfig(
    inversion=InversionConfig(restarts=2, iters=10, early_stop=False, init="encoder"),
    refine=RefineConfig(steps=40, lr=5e-3),
)


def _target(model, seed: int = 3) -> torch.Tensor:
    """An image G cannot draw exactly: a smooth ramp with a bright square."""
    size = model.resolution
    ramp = torch.linspace(-0.8, 0.6, size)
    image = ramp[None, None, :, None].expand(1, model.channels, size, size).clone()
    image[:, :, 3:9, 8:14] = 0.9
    return image


def _known(model) -> torch.Tensor:
    known = torch.ones(1, 1, model.resolution, model.resolution)
    known[:, :, 5:11, 5:11] = 0
    return known


def _z(model, seed: int = 1) -> torch.Tensor:
    return torch.rand(model.nz, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def _weights(model) -> dict[str, torch.Tensor]:
    return {name: p.detach().clone() for name, p in model.G.named_parameters()}


def test_refining_fits_the_context_better_than_the_latent_alone(gan) -> None:
    z = _z(gan)
    target, known = _target(gan), _known(gan)
    with torch.no_grad():
        before = float(context_l1(gan.generate(z[None]), target, known)[0])
    image, after = refine(gan, z, target, known, RefineConfig(steps=60, lr=5e-3))
    assert image.shape == (gan.channels, gan.resolution, gan.resolution)
    assert after < 0.7 * before
    assert after == pytest.approx(float(context_l1(image[None], target, known)[0]), rel=1e-5)


def test_refining_never_changes_the_model(gan) -> None:
    weights = _weights(gan)
    buffers = {name: b.clone() for name, b in gan.G.named_buffers()}
    refine(gan, _z(gan), _target(gan), _known(gan), RefineConfig(steps=20, lr=1e-2))
    for name, p in gan.G.named_parameters():
        assert torch.equal(p, weights[name]), name
    for name, b in gan.G.named_buffers():
        assert torch.equal(b, buffers[name]), name
    assert not gan.G.training


def test_a_seed_repeats_bit_for_bit_and_another_seed_differs(gan) -> None:
    args = (gan, _z(gan), _target(gan), _known(gan), RefineConfig(steps=15, lr=5e-3))
    first, _ = refine(*args, seed=4)
    again, _ = refine(*args, seed=4)
    other, _ = refine(*args, seed=5)
    assert torch.equal(first, again)
    assert not torch.equal(first, other)


def test_refining_works_when_the_caller_turned_gradients_off(gan) -> None:
    args = (gan, _z(gan), _target(gan), _known(gan), RefineConfig(steps=10, lr=5e-3))
    expected, _ = refine(*args, seed=2)
    with torch.no_grad():
        image, _ = refine(*args, seed=2)
    assert torch.equal(image, expected)


def test_zero_steps_or_nothing_known_leaves_g_as_it_is(gan) -> None:
    z = torch.full((gan.nz,), 0.3)
    with torch.no_grad():
        plain = gan.generate(z[None])[0]
    off, _ = refine(gan, z, _target(gan), _known(gan), RefineConfig(steps=0))
    blind, _ = refine(gan, z, _target(gan), torch.zeros_like(_known(gan)), RefineConfig())
    assert torch.equal(off, plain)
    assert torch.equal(blind, plain)


def test_cancel_stops_refining_between_steps(gan) -> None:
    token = CancelToken()
    seen: list[int] = []

    def on_step(done: int, steps: int, image: torch.Tensor) -> None:
        seen.append(done)
        token.cancel()

    config = RefineConfig(steps=50, report_every=5)
    with pytest.raises(Cancelled):
        refine(
            gan,
            _z(gan),
            _target(gan),
            _known(gan),
            config,
            cancel=token,
            on_step=on_step,
        )
    assert seen == [5]


def test_layers_unfreeze_from_the_input_side_until_all_train(gan) -> None:
    groups = layer_groups(gan.G)
    assert len(groups) == 5  # three transposed convs and two batch norms
    config = RefineConfig(steps=30)
    counts = [unfrozen(step, 30, len(groups), config) for step in range(30)]
    assert counts[0] == 2  # a third of the layers, rounded up
    assert counts == sorted(counts)
    assert counts[-1] == len(groups)
    flat = RefineConfig(progressive=False)
    assert {unfrozen(step, 30, len(groups), flat) for step in range(30)} == {len(groups)}


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("steps", -1, "must not be negative"),
        ("lr", 0.0, "must be positive"),
        ("lr", float("nan"), "must be positive"),
        ("keep", 0.0, "must be in (0, 1]"),
        ("first", 1.5, "must be in (0, 1]"),
    ],
)
def test_bad_settings_are_refused_in_one_sentence(field, value, words) -> None:
    with pytest.raises(ValueError, match=r"^[^\n]*\.$") as error:
        RefineConfig(**{field: value})
    assert words in str(error.value)


def _photo_and_hole(gan) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:32, 0:32].astype(np.float32)
    photo = np.stack([40 + 5 * y, 80 + 4 * x, 120 + 2 * (x + y)], axis=2)
    photo = np.clip(photo + rng.normal(0, 3, photo.shape), 0, 255).astype(np.uint8)
    hole = np.zeros((32, 32), bool)
    hole[10:20, 12:22] = True
    return photo, hole


def test_inpainting_ranks_its_tuned_candidates_by_their_fit(gan) -> None:
    photo, hole = _photo_and_hole(gan)
    result = inpaint(photo, hole, gan, dataclasses.replace(FAST, candidates=2))
    assert result.timings["refine"] > 0
    plain = inpaint(photo, hole, gan, dataclasses.replace(FAST, refine=RefineConfig(steps=0)))
    assert plain.timings["refine"] < result.timings["refine"]
    assert not np.array_equal(result.image, plain.image)
    # Pixels far from the hole are never touched, tuned or not.
    far = np.ones_like(hole)
    far[4:26, 6:28] = False
    assert np.array_equal(result.image[far], photo[far])


def test_tuning_brings_the_fill_closer_to_the_truth_on_a_smooth_photo(gan) -> None:
    """Where G alone cannot draw the photo, the tuned G continues the context into the hole."""
    photo, hole = _photo_and_hole(gan)
    config = dataclasses.replace(FAST, refine=RefineConfig(steps=80, lr=5e-3))
    tuned = inpaint(photo, hole, gan, config, blend_mode="none")
    plain = inpaint(
        photo,
        hole,
        gan,
        dataclasses.replace(config, refine=RefineConfig(steps=0)),
        blend_mode="none",
    )

    def error(image: np.ndarray) -> float:
        return float(np.abs(image.astype(int) - photo)[hole].mean())

    assert error(tuned.image) < 0.8 * error(plain.image)
