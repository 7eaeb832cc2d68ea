"""Adversarial losses: the original GAN's (non-saturating), WGAN-GP's, and the
image-to-image translators' (LSGAN or vanilla) on PatchGAN score maps.

D returns logits, so the GAN loss is binary cross-entropy with logits (stable in
bf16 autocast, where a sigmoid + BCELoss would not be). The gradient penalty is
computed in float32 whatever the autocast state, since it differentiates twice.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

LOSSES = ("gan", "wgan-gp")
#: Translator GAN modes as the CycleGAN/pix2pix reference names them.
PATCH_LOSSES = ("lsgan", "vanilla")


def gan_d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """-log D(x) - log(1 - D(G(z))), averaged over the batch."""
    real = F.binary_cross_entropy_with_logits(
        real_logits.float(), torch.ones_like(real_logits.float())
    )
    fake = F.binary_cross_entropy_with_logits(
        fake_logits.float(), torch.zeros_like(fake_logits.float())
    )
    return real + fake


def gan_g_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """The non-saturating generator loss -log D(G(z)) (Goodfellow et al., section 3)."""
    logits = fake_logits.float()
    return F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))


def wgan_d_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    return fake_scores.float().mean() - real_scores.float().mean()


def wgan_g_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    return -fake_scores.float().mean()


def gradient_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor, fake: torch.Tensor
) -> torch.Tensor:
    """E[(||grad_x D(x_hat)||_2 - 1)^2] on random interpolates x_hat (Gulrajani et al.)."""
    alpha = torch.rand(real.shape[0], 1, 1, 1, device=real.device, dtype=torch.float32)
    mixed = (alpha * real.float() + (1 - alpha) * fake.detach().float()).requires_grad_(True)
    scores = critic(mixed).float()
    (grads,) = torch.autograd.grad(scores.sum(), mixed, create_graph=True)
    norms = grads.float().flatten(1).norm(2, dim=1)
    return ((norms - 1) ** 2).mean()


def patch_gan_loss(prediction: torch.Tensor, target_is_real: bool, mode: str) -> torch.Tensor:
    """The reference's GANLoss: MSE (lsgan) or BCE with logits (vanilla) to an all-1 or all-0
    map, computed in float32 whatever the autocast state."""
    prediction = prediction.float()
    target = torch.ones_like(prediction) if target_is_real else torch.zeros_like(prediction)
    if mode == "lsgan":
        return F.mse_loss(prediction, target)
    if mode == "vanilla":
        return F.binary_cross_entropy_with_logits(prediction, target)
    raise ValueError(f"Unknown GAN mode {mode!r}; use {' or '.join(PATCH_LOSSES)}.")
