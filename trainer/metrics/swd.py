"""Sliced Wasserstein distance on Laplacian-pyramid patches (Karras et al., ICLR 2018).

A port of progressive GAN's `sliced_wasserstein.py`: at each pyramid level from the
full resolution down to 16 px, 7x7 neighbourhoods are cut at random places from
every image, each set is normalised per channel on its own, and the distance is the
mean over random unit directions of the 1-D Wasserstein distance of the projected
sets. No pretrained network is involved; reported x 1000 as in the paper.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

NHOOD_SIZE = 7
NHOODS_PER_IMAGE = 128
DIR_REPEATS = 4
DIRS_PER_REPEAT = 128
MIN_RESOLUTION = 16


def _gaussian_kernel(channels: int, device: torch.device) -> torch.Tensor:
    row = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0], device=device) / 16.0
    kernel = torch.outer(row, row)
    return kernel.expand(channels, 1, 5, 5).contiguous()


def pyr_down(x: torch.Tensor) -> torch.Tensor:
    kernel = _gaussian_kernel(x.shape[1], x.device)
    blurred = F.conv2d(F.pad(x, (2, 2, 2, 2), mode="reflect"), kernel, groups=x.shape[1])
    return blurred[:, :, ::2, ::2]


def pyr_up(x: torch.Tensor) -> torch.Tensor:
    n, c, h, w = x.shape
    up = torch.zeros(n, c, h * 2, w * 2, dtype=x.dtype, device=x.device)
    up[:, :, ::2, ::2] = x * 4
    kernel = _gaussian_kernel(c, x.device)
    return F.conv2d(F.pad(up, (2, 2, 2, 2), mode="reflect"), kernel, groups=c)


def laplacian_pyramid(x: torch.Tensor, levels: int) -> list[torch.Tensor]:
    """Finest level first; the last level is the remaining low-pass image."""
    pyramid = []
    for _ in range(levels - 1):
        down = pyr_down(x)
        pyramid.append(x - pyr_up(down))
        x = down
    pyramid.append(x)
    return pyramid


def _descriptors(level: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    n, c, h, w = level.shape
    half = NHOOD_SIZE // 2
    patches = F.unfold(level, NHOOD_SIZE)  # (n, c*49, L)
    positions = (h - 2 * half) * (w - 2 * half)
    picks = torch.randint(0, positions, (n, NHOODS_PER_IMAGE), generator=generator)
    picks = picks.to(level.device)
    chosen = torch.gather(patches, 2, picks[:, None, :].expand(-1, patches.shape[1], -1))
    return chosen.permute(0, 2, 1).reshape(-1, c, NHOOD_SIZE * NHOOD_SIZE)


def _normalise(descriptors: torch.Tensor) -> torch.Tensor:
    mean = descriptors.mean(dim=(0, 2), keepdim=True)
    std = descriptors.std(dim=(0, 2), keepdim=True).clamp_min(1e-8)
    return ((descriptors - mean) / std).reshape(descriptors.shape[0], -1)


def sliced_wasserstein(a: torch.Tensor, b: torch.Tensor, generator: torch.Generator) -> float:
    results = []
    for _ in range(DIR_REPEATS):
        dirs = torch.randn(a.shape[1], DIRS_PER_REPEAT, generator=generator, dtype=torch.float64)
        dirs = (dirs / dirs.norm(dim=0, keepdim=True)).to(a.device)
        proj_a = torch.sort(a.double() @ dirs, dim=0).values
        proj_b = torch.sort(b.double() @ dirs, dim=0).values
        results.append(float((proj_a - proj_b).abs().mean()))
    return sum(results) / len(results)


def swd(real: torch.Tensor, fake: torch.Tensor, seed: int = 0) -> dict[str, float]:
    """SWD x 1e3 per pyramid level ("swd_32px", ...) and their mean ("swd_avg").

    `real` and `fake` are NCHW in [-1, 1] with the same N and size (>= 16 px).
    """
    if real.shape != fake.shape:
        raise ValueError(f"real {tuple(real.shape)} and fake {tuple(fake.shape)} differ")
    size = real.shape[-1]
    levels = 1
    while size // 2 ** (levels - 1) > MIN_RESOLUTION and size % 2**levels == 0:
        levels += 1
    generator = torch.Generator().manual_seed(seed)
    # PGGAN works on uint8-range pixels; the per-set normalisation makes the scale moot.
    pyramids = [laplacian_pyramid(x.float() * 127.5, levels) for x in (real, fake)]
    out: dict[str, float] = {}
    for index in range(levels):
        a = _normalise(_descriptors(pyramids[0][index], generator))
        b = _normalise(_descriptors(pyramids[1][index], generator))
        out[f"swd_{size >> index}px"] = sliced_wasserstein(a, b, generator) * 1e3
    out["swd_avg"] = sum(out.values()) / levels
    return out
