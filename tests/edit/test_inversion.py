"""The latent-optimisation engine: convergence, bounds, determinism, cancel, init, stopping."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ganpaint.edit.inversion import InversionConfig, invert
from ganpaint.edit.losses import Term
from ganpaint.edit.progress import Cancelled, CancelToken, Progress


def _match(target: torch.Tensor) -> Term:
    """Mean squared distance to a target image, per candidate."""
    return Term("match", lambda x, z: (x - target).pow(2).mean(dim=(1, 2, 3)))


def _target(gan, reachable) -> torch.Tensor:
    z, _ = reachable(gan)
    with torch.no_grad():
        return gan.generate(z[None])


def _config(**changes) -> InversionConfig:
    settings = {"restarts": 4, "iters": 40, "lr": 0.05, "early_stop": False, "log_every": 5}
    settings.update(changes)
    return InversionConfig(**settings)


def test_loss_goes_down_and_candidates_are_ranked(gan, reachable) -> None:
    result = invert(gan, [_match(_target(gan, reachable))], _config())
    best = result.best
    assert best.loss < 0.5 * best.history[0]
    losses = [c.loss for c in result.candidates]
    assert losses == sorted(losses)
    assert len(result.candidates) == 4
    assert sorted(c.index for c in result.candidates) == [0, 1, 2, 3]
    assert result.steps == 40
    assert result.log_steps == [0, 5, 10, 15, 20, 25, 30, 35, 40]
    assert all(len(c.history) == len(result.log_steps) for c in result.candidates)
    # The best loss is the minimum seen, so never above any logged value.
    assert all(c.loss <= min(c.history) + 1e-6 for c in result.candidates)
    assert best.image.shape == (3, 16, 16)
    assert best.z.shape == (8,)
    assert set(result.timings) >= {"setup", "optimise", "total"}


def test_best_image_is_g_of_best_z(gan, reachable) -> None:
    result = invert(gan, [_match(_target(gan, reachable))], _config(iters=10))
    with torch.no_grad():
        regenerated = gan.generate(result.best.z[None])[0]
    torch.testing.assert_close(regenerated, result.best.image, atol=1e-5, rtol=0)


def test_same_seed_is_bitwise_identical_and_other_seeds_differ(gan, reachable) -> None:
    terms = [_match(_target(gan, reachable))]
    first = invert(gan, terms, _config(iters=15, seed=3))
    second = invert(gan, terms, _config(iters=15, seed=3))
    other = invert(gan, terms, _config(iters=15, seed=4))
    for a, b in zip(first.candidates, second.candidates, strict=True):
        assert torch.equal(a.z, b.z)
        assert torch.equal(a.image, b.image)
        assert a.loss == b.loss
        assert a.history == b.history
    assert not torch.equal(first.best.z_init, other.best.z_init)
    assert not torch.equal(first.best.z, other.best.z)


def test_engine_does_not_touch_the_global_rng(gan, reachable) -> None:
    terms = [_match(_target(gan, reachable))]
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    invert(gan, terms, _config(iters=3))
    assert torch.equal(torch.rand(3), expected)


def test_cancel_from_progress_stops_within_one_step(gan, reachable) -> None:
    target = _target(gan, reachable)
    calls = []

    def counted(x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        calls.append(1)
        return (x - target).abs().mean(dim=(1, 2, 3))

    token = CancelToken()
    cancel_at = 6

    def progress(update: Progress) -> None:
        if update.step == cancel_at:
            token.cancel()

    with pytest.raises(Cancelled):
        invert(
            gan,
            [Term("l1", counted)],
            _config(iters=100, log_every=1),
            progress=progress,
            cancel=token,
        )
    assert len(calls) <= cancel_at + 1


def test_already_cancelled_runs_nothing(gan, reachable) -> None:
    calls = []
    token = CancelToken()
    token.cancel()

    def counted(x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        calls.append(1)
        return x.mean(dim=(1, 2, 3))

    with pytest.raises(Cancelled):
        invert(gan, [Term("mean", counted)], _config(), cancel=token)
    assert calls == []


def test_progress_reports_terms_and_a_preview(gan, reachable) -> None:
    updates: list[Progress] = []
    target = _target(gan, reachable)
    terms = [_match(target), Term("small", lambda x, z: z.abs().mean(dim=1), 0.01)]
    invert(gan, terms, _config(iters=12, log_every=4), progress=updates.append)
    assert [u.step for u in updates] == [0, 4, 8, 12]
    assert all(u.total == 12 for u in updates)
    last = updates[-1]
    assert set(last.losses) == {"match", "small", "total"}
    assert last.losses["total"] == pytest.approx(last.losses["match"] + last.losses["small"])
    assert last.preview is not None
    assert last.preview.dtype == np.uint8
    assert last.preview.shape == (16, 16, 3)


def test_encoder_init_puts_candidate_zero_at_the_estimate(gan, reachable) -> None:
    _, image = reachable(gan)
    from ganpaint.convert import image_to_tensor

    init_image = image_to_tensor(image)
    with torch.no_grad():
        estimate = gan.encode(init_image)[0]
    config = _config(iters=0, init="encoder", spread=0.2)
    result = invert(gan, [_match(init_image)], config, init_image=init_image)
    starts = {c.index: c.z_init for c in result.candidates}
    torch.testing.assert_close(starts[0], estimate, atol=1e-6, rtol=0)
    for index in (1, 2, 3):  # jittered copies: near, not equal
        distance = float((starts[index] - estimate).abs().max())
        assert 0 < distance < 1.5
    # With no steps the result is the start itself.
    assert all(torch.equal(c.z, c.z_init) for c in result.candidates)


def test_encoder_init_without_an_encoder_samples_the_prior(gan_no_encoder, reachable) -> None:
    target = _target(gan_no_encoder, reachable)
    result = invert(gan_no_encoder, [_match(target)], _config(iters=0, init="encoder"))
    starts = torch.stack([c.z_init for c in result.candidates])
    assert starts.abs().max() <= 1
    assert starts.std() > 0.3  # spread over U(-1, 1), not copies of one latent


def test_start_z_is_candidate_zero(gan, reachable) -> None:
    start = torch.full((8,), 0.25)
    result = invert(gan, [_match(_target(gan, reachable))], _config(iters=0), start_z=start)
    starts = {c.index: c.z_init for c in result.candidates}
    assert torch.equal(starts[0], start)
    assert not torch.equal(starts[1], start)


@pytest.mark.parametrize("bound", ["clip", "tanh"])
def test_bounds_keep_z_inside(gan, bound) -> None:
    # A term that wants z to grow without limit: only the bound stops it.
    push = Term("push", lambda x, z: -z.sum(dim=1))
    seen: list[torch.Tensor] = []

    def spy(x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        seen.append(z.detach().clone())
        return torch.zeros(z.shape[0])

    config = _config(iters=60, lr=0.2, bound=bound)
    result = invert(gan, [push, Term("spy", spy)], config)
    every = torch.stack(seen)
    assert every.abs().max() <= 1.0
    assert result.best.z.abs().max() <= 1.0
    assert result.best.z.min() > 0.9  # it did reach the edge


def test_normal_latents_are_bounded_at_three_sigma(gan) -> None:
    normal = gan.replace(latent="normal")
    assert normal.z_bound == 3.0
    push = Term("push", lambda x, z: -z.sum(dim=1))
    result = invert(normal, [push], _config(iters=60, lr=0.5))
    assert result.best.z.abs().max() <= 3.0
    assert result.best.z.min() > 2.5


def test_early_stopping_ends_a_plateau_and_can_be_switched_off(gan) -> None:
    flat = Term("flat", lambda x, z: torch.ones(z.shape[0]))
    stopping = _config(iters=200, early_stop=True, patience=5, min_iters=10)
    stopped = invert(gan, [flat], stopping)
    assert stopped.stopped_early
    assert stopped.steps == 10
    full = invert(gan, [flat], _config(iters=30, early_stop=False))
    assert not full.stopped_early
    assert full.steps == 30


def test_learning_rate_warms_up_then_decays_by_cosine() -> None:
    config = InversionConfig(lr=0.1, iters=100, warmup=10, schedule="cosine", min_lr=0.0)
    assert config.lr_at(0) == pytest.approx(0.01)
    assert config.lr_at(9) == pytest.approx(0.1)
    assert config.lr_at(10) == pytest.approx(0.1)
    assert config.lr_at(55) == pytest.approx(0.05)
    assert config.lr_at(99) < 0.001
    rates = [config.lr_at(s) for s in range(10, 100)]
    assert rates == sorted(rates, reverse=True)
    constant = InversionConfig(lr=0.01, warmup=0, schedule="constant")
    assert {constant.lr_at(s) for s in (0, 10, 1000)} == {0.01}


def test_batch_norm_mode_is_restored(gan) -> None:
    gan.G.train()
    invert(gan, [Term("mean", lambda x, z: x.mean(dim=(1, 2, 3)))], _config(iters=2))
    assert gan.G.training
    assert all(m.training for m in gan.G.modules())


def test_model_parameters_get_no_gradients(gan, reachable) -> None:
    invert(gan, [_match(_target(gan, reachable))], _config(iters=3))
    assert all(p.grad is None for p in gan.G.parameters())


def test_bad_config_is_refused() -> None:
    with pytest.raises(ValueError, match="bound"):
        InversionConfig(bound="sigmoid")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="restarts"):
        InversionConfig(restarts=0)


def test_hand_written_adam_matches_torch_adam() -> None:
    from ganpaint.edit.inversion import Adam

    generator = torch.Generator().manual_seed(0)
    start = torch.randn(3, 5, generator=generator)
    grads = [torch.randn(3, 5, generator=generator) for _ in range(20)]
    ours = start.clone()
    adam = Adam(ours, (0.9, 0.999))
    theirs = start.clone().requires_grad_(True)
    reference = torch.optim.Adam([theirs], lr=0.05, betas=(0.9, 0.999))
    for grad in grads:
        adam.step(grad, 0.05)
        theirs.grad = grad.clone()
        reference.step()
    torch.testing.assert_close(ours, theirs.detach(), atol=1e-6, rtol=1e-5)
