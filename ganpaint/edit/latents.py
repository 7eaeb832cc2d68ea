"""Latent-space operations on a GAN: sample grids, interpolations and vector arithmetic.

The one interpolation of the project: the latent explorer's rows, `ganpaint sample
--interpolate` and iGAN's morphs from the start to the result all walk the same path.

Plain functions on a `GanModel` (the same one inpainting and iGAN use): the app's latent
explorer runs them on a worker and `ganpaint sample` calls them directly.
A 64-sample grid of a 64 px DCGAN is ~50 ms on a CPU,
but a bigger GAN or a first load of the model is not, so everything runs on the worker.

Vector arithmetic follows the DCGAN paper (Radford et al. 2016): average the latents
of each group of samples, then generate from mean(A) − mean(B) + mean(C).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from ganpaint.convert import tensor_to_image
from ganpaint.edit.gan import GanModel
from ganpaint.edit.progress import CancelToken, Progress
from ganpaint.errors import GanpaintError

BATCH = 16  # latents per forward pass: progress and cancel between batches

Interpolation = Literal["linear", "slerp"]


@dataclass
class Samples:
    """Latents (N, nz) and their images (uint8 S×S×3 each), in the same order."""

    z: torch.Tensor
    images: list[np.ndarray]


def render(
    model: GanModel,
    z: torch.Tensor,
    device: torch.device | str = "cpu",
    progress: Callable[[Progress], None] | None = None,
    cancel: CancelToken | None = None,
    message: str = "Generating",
) -> Samples:
    """G(z) for every row of z, in batches (progress and cancel between them)."""
    z = z.detach().reshape(-1, model.nz).to(torch.float32)
    model.to(device)
    images: list[np.ndarray] = []
    with model.frozen(), torch.no_grad():
        for start in range(0, len(z), BATCH):
            if cancel is not None:
                cancel.raise_if_cancelled()
            batch = model.generate(z[start : start + BATCH].to(device))
            images.extend(tensor_to_image(batch))
            if progress is not None:
                progress(Progress(min(start + BATCH, len(z)), len(z), message))
    return Samples(z.cpu(), list(images))


def sample(model: GanModel, count: int, seed: int, device: str = "cpu", **kwargs) -> Samples:
    """`count` samples from the prior; the same seed gives the same grid."""
    generator = torch.Generator().manual_seed(int(seed))
    return render(model, model.sample_z(int(count), generator), device, **kwargs)


def interpolate_latents(
    z_start: torch.Tensor, z_end: torch.Tensor, frames: int = 16, mode: Interpolation = "linear"
) -> torch.Tensor:
    """`frames` latents (frames, nz) from z_start to z_end inclusive, linear or spherical.

    Spherical interpolation keeps the norm from sagging mid-way (a linear mix of two
    random latents is shorter than either, and often looks washed out); it falls back
    to linear for (anti)parallel latents where the arc is undefined.
    """
    if frames < 1:
        raise ValueError(f"frames must be at least 1, not {frames}.")
    a = z_start.detach().reshape(-1).to(torch.float64)
    b = z_end.detach().reshape(-1).to(torch.float64)
    t = torch.linspace(0.0, 1.0, frames, dtype=torch.float64) if frames > 1 else torch.ones(1)
    t = t.to(torch.float64)[:, None]
    linear = (1 - t) * a + t * b
    if mode == "linear":
        out = linear
    elif mode == "slerp":
        cosine = torch.dot(a, b) / (a.norm() * b.norm()).clamp_min(1e-12)
        omega = torch.arccos(cosine.clamp(-1.0, 1.0))
        if float(torch.sin(omega)) < 1e-6:
            out = linear
        else:
            out = (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)
            out[0], out[-1] = a, b
    else:
        raise ValueError(f"Unknown interpolation {mode!r}; use linear or slerp.")
    return out.to(z_start.dtype if z_start.is_floating_point() else torch.float32)


def interpolation(
    model: GanModel,
    z_a: torch.Tensor,
    z_b: torch.Tensor,
    frames: int = 8,
    mode: Interpolation = "slerp",
    device: torch.device | str = "cpu",
    **kwargs,
) -> Samples:
    """The row of `frames` images from G(z_a) to G(z_b), both ends included; the path is
    kept inside the latent range G was trained on (a slerp can bulge past it)."""
    latents = interpolate_latents(z_a, z_b, frames, mode).clamp(-model.z_bound, model.z_bound)
    return render(model, latents, device, message="Interpolating", **kwargs)


def group_mean(z: torch.Tensor, picks: Sequence[int]) -> torch.Tensor:
    """The mean latent of the picked samples."""
    if not picks:
        raise GanpaintError("A group is empty: pick at least one sample for A, B and C.")
    return z[list(picks)].mean(dim=0)


def arithmetic_z(
    z: torch.Tensor, a: Sequence[int], b: Sequence[int], c: Sequence[int]
) -> torch.Tensor:
    """mean(A) − mean(B) + mean(C) over the picked samples (DCGAN's vector arithmetic)."""
    return group_mean(z, a) - group_mean(z, b) + group_mean(z, c)


def arithmetic(
    model: GanModel,
    z: torch.Tensor,
    a: Sequence[int],
    b: Sequence[int],
    c: Sequence[int],
    variations: int = 0,
    seed: int = 0,
    device: str = "cpu",
    **kwargs,
) -> Samples:
    """G(mean(A) − mean(B) + mean(C)) first, then `variations` with small noise added
    (the DCGAN paper shows a few, since one sample can mislead)."""
    result = arithmetic_z(z, a, b, c)[None]
    if variations > 0:
        generator = torch.Generator().manual_seed(int(seed))
        noise = 0.25 * model.z_bound * torch.randn(variations, model.nz, generator=generator)
        result = torch.cat([result, result + noise])
    return render(model, result, device, message="Vector arithmetic", **kwargs)
