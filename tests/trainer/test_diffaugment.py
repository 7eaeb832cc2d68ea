"""DiffAugment: what a few-shot GAN run relies on — the gradient passes, strength 0 is
the identity, the draws repeat for a seed, and every image gets its own."""

from __future__ import annotations

import pytest
import torch

from trainer.diffaugment import POLICIES, diff_augment, parse_policy


def _images(n: int = 6, size: int = 32) -> torch.Tensor:
    return torch.rand(n, 3, size, size, generator=torch.Generator().manual_seed(1)) * 2 - 1


@pytest.mark.parametrize("policy", [(name,) for name in POLICIES] + [POLICIES])
def test_the_gradient_reaches_every_input_image(policy: tuple[str, ...]) -> None:
    x = _images().requires_grad_(True)
    out = diff_augment(x, policy, generator=torch.Generator().manual_seed(0))
    assert out.shape == x.shape
    (out * torch.linspace(0.5, 1.5, out.numel()).reshape(out.shape)).sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()
    assert (x.grad.abs().sum(dim=(1, 2, 3)) > 0).all()  # no image cut off from G


@pytest.mark.parametrize("policy", [(name,) for name in POLICIES] + [POLICIES])
def test_strength_zero_and_no_policy_are_the_identity(policy: tuple[str, ...]) -> None:
    x = _images()
    assert torch.equal(diff_augment(x, policy, strength=0.0), x)
    assert torch.equal(diff_augment(x, ()), x)


def test_a_seed_repeats_the_draws_and_each_image_gets_its_own() -> None:
    x = _images(1).repeat(8, 1, 1, 1)
    first = diff_augment(x, POLICIES, generator=torch.Generator().manual_seed(5))
    again = diff_augment(x, POLICIES, generator=torch.Generator().manual_seed(5))
    other = diff_augment(x, POLICIES, generator=torch.Generator().manual_seed(6))
    assert torch.equal(first, again) and not torch.equal(first, other)
    assert len({tuple(image.flatten().tolist()) for image in first}) == 8


def test_translation_moves_content_and_fills_with_zero() -> None:
    x = torch.ones(16, 1, 16, 16)
    out = diff_augment(x, ("translation",), generator=torch.Generator().manual_seed(0))
    assert set(out.unique().tolist()) <= {0.0, 1.0}
    assert (out == 0).any()  # some image shifted: a zero border came in
    assert ((out == 0).sum(dim=(1, 2, 3)) <= 16 * 2 * 2).all()  # at most 2 px each way


def test_cutout_zeroes_a_square_of_half_the_side() -> None:
    x = torch.ones(4, 3, 16, 16)
    out = diff_augment(x, ("cutout",), generator=torch.Generator().manual_seed(0))
    zeroed = (out[:, 0] == 0).sum(dim=(1, 2))
    assert (zeroed > 0).all() and (zeroed <= 8 * 8).all()


def test_policies_parse_and_bad_ones_are_named() -> None:
    assert parse_policy("color, translation,cutout") == POLICIES
    assert parse_policy("") == () and parse_policy("none") == ()
    with pytest.raises(ValueError, match="Unknown DiffAugment policy 'zoom'"):
        parse_policy("color,zoom")
    with pytest.raises(ValueError, match="strength"):
        diff_augment(_images(), POLICIES, strength=2.0)
