"""An exponential moving average (EMA) of a generator's weights, and its batch-norm stats.

A GAN's generator jitters from step to step because it chases a moving discriminator;
the average of its recent weights is a smoother, better generator (Yazıcı et al.,
"The Unusual Effectiveness of Averaging in GAN Training", ICLR 2019). On the bundled
64 px landscapes DCGAN, `--ema 0.9995` removed its grid-like artefacts, cut its sample
SWD from 61 to 39 and raised central-hole inpainting by 0.7 dB (resources/models/README.md).

The average's batch-norm running statistics cannot be averaged along with the
weights: they belong to whichever weights produced them. `standing_stats` measures
them afresh on the averaged generator ("standing statistics", Brock et al. 2019),
from its own latent generator so training's random streams are untouched.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import torch
from torch import nn

STANDING_BATCHES = 32
STANDING_BATCH_SIZE = 64


def average_copy(net: nn.Module) -> nn.Module:
    """A frozen copy of `net` to hold the running average (it starts equal to `net`)."""
    average = copy.deepcopy(net)
    for parameter in average.parameters():
        parameter.requires_grad_(False)
    return average.eval()


@torch.no_grad()
def update_average(average: nn.Module, net: nn.Module, decay: float) -> None:
    """average ← decay·average + (1 − decay)·net for every parameter; buffers are copied."""
    averaged = [p for p in average.parameters()]
    current = [p.detach() for p in net.parameters()]
    torch._foreach_lerp_(averaged, current, 1.0 - decay)
    for kept, buffer in zip(average.buffers(), net.buffers(), strict=True):
        kept.copy_(buffer)


@torch.no_grad()
def standing_stats(
    generator: nn.Module,
    latents: Callable[[int, torch.Generator], torch.Tensor],
    seed: int = 0,
    batches: int = STANDING_BATCHES,
    batch_size: int = STANDING_BATCH_SIZE,
) -> nn.Module:
    """A copy of `generator` (eval mode) whose batch norms hold stats measured on it.

    `latents(n, rng)` draws n latents. Each batch-norm layer gets the plain average of
    its batch statistics over `batches` batches; nets without batch norm are returned
    as an unchanged copy.
    """
    measured = copy.deepcopy(generator)
    norms = [m for m in measured.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return measured.eval()
    momenta = [m.momentum for m in norms]
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None  # None: a cumulative (equal-weight) average over the batches
    measured.train()
    rng = torch.Generator().manual_seed(seed)
    device = next(measured.parameters()).device
    for _ in range(batches):
        measured(latents(batch_size, rng).to(device))
    for norm, momentum in zip(norms, momenta, strict=True):
        norm.momentum = momentum
    return measured.eval()
