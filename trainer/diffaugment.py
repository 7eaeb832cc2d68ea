"""Differentiable augmentation for GANs trained on few images (DiffAugment).

Why: with a few hundred images D memorises the training set within a few thousand
steps and G's gradients stop meaning anything. Zhao et al. (NeurIPS 2020) augment
every image D sees, real and generated, in the D step and in the G step, with
transformations that are differentiable so G's gradient passes through them
(StyleGAN2 with 100 images: FID 80.2 -> 46.9 on Obama, 48.9 -> 27.1 on grumpy cat).
The three policies and their published ranges, for images in [-1, 1]:

- color: brightness + U(-0.5, 0.5), saturation × U(0, 2) around the grey level,
  contrast × U(0.5, 1.5) around the image mean;
- translation: a shift of up to 1/8 of the side in each direction, zero-filled;
- cutout: a square of half the side set to zero at a random place.

`strength` scales every range (1 = published, 0 = the identity exactly). Draws come
from `generator` (or torch's global generator, whose state the trainer's checkpoints
keep, so a resumed run repeats them).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

POLICIES = ("color", "translation", "cutout")
TRANSLATION_RATIO = 0.125
CUTOUT_RATIO = 0.5


def parse_policy(text: str) -> tuple[str, ...]:
    """`"color,translation,cutout"` as a tuple of known policies ("" or "none": none)."""
    names = tuple(n.strip().lower() for n in text.split(",") if n.strip())
    if names in ((), ("none",)):
        return ()
    unknown = [n for n in names if n not in POLICIES]
    if unknown:
        raise ValueError(
            f"Unknown DiffAugment policy {unknown[0]!r}; use a comma-separated list of "
            f"{', '.join(POLICIES)}."
        )
    return tuple(dict.fromkeys(names))


def _uniform(n: int, x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """U(0, 1) of shape (n, 1, 1, 1), drawn on the CPU (the same draws on any device)."""
    draw = torch.rand(n, 1, 1, 1, generator=generator)
    return draw.to(device=x.device, dtype=x.dtype)


def _color(x: torch.Tensor, strength: float, generator: torch.Generator | None) -> torch.Tensor:
    n = x.shape[0]
    x = x + (_uniform(n, x, generator) - 0.5) * strength
    grey = x.mean(dim=1, keepdim=True)
    x = (x - grey) * (1 + (2 * _uniform(n, x, generator) - 1) * strength) + grey
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (1 + (_uniform(n, x, generator) - 0.5) * strength) + mean


def _integers(n: int, low: int, high: int, generator: torch.Generator | None) -> torch.Tensor:
    """n integers in [low, high], on the CPU."""
    return torch.randint(low, high + 1, (n,), generator=generator)


def _translation(
    x: torch.Tensor, strength: float, generator: torch.Generator | None
) -> torch.Tensor:
    n, _, height, width = x.shape
    reach_y = int(height * TRANSLATION_RATIO * strength + 0.5)
    reach_x = int(width * TRANSLATION_RATIO * strength + 0.5)
    if reach_y == 0 and reach_x == 0:
        return x
    shift_y = _integers(n, -reach_y, reach_y, generator).to(x.device)
    shift_x = _integers(n, -reach_x, reach_x, generator).to(x.device)
    rows = torch.arange(height, device=x.device)[None, :] - shift_y[:, None]  # n × H
    cols = torch.arange(width, device=x.device)[None, :] - shift_x[:, None]  # n × W
    inside = ((rows >= 0) & (rows < height))[:, :, None] & ((cols >= 0) & (cols < width))[
        :, None, :
    ]
    rows, cols = rows.clamp(0, height - 1), cols.clamp(0, width - 1)
    batch = torch.arange(n, device=x.device)[:, None, None]
    moved = x.permute(0, 2, 3, 1)[batch, rows[:, :, None], cols[:, None, :]]  # n × H × W × C
    return moved.permute(0, 3, 1, 2) * inside[:, None].to(x.dtype)


def _cutout(x: torch.Tensor, strength: float, generator: torch.Generator | None) -> torch.Tensor:
    n, _, height, width = x.shape
    size_y = int(height * CUTOUT_RATIO * strength + 0.5)
    size_x = int(width * CUTOUT_RATIO * strength + 0.5)
    if size_y == 0 or size_x == 0:
        return x
    top = _integers(n, 0, height - 1, generator).to(x.device) - size_y // 2
    left = _integers(n, 0, width - 1, generator).to(x.device) - size_x // 2
    rows = torch.arange(height, device=x.device)[None, :]
    cols = torch.arange(width, device=x.device)[None, :]
    in_rows = (rows >= top[:, None]) & (rows < top[:, None] + size_y)
    in_cols = (cols >= left[:, None]) & (cols < left[:, None] + size_x)
    keep = ~(in_rows[:, :, None] & in_cols[:, None, :])
    return x * keep[:, None].to(x.dtype)


_APPLY = {"color": _color, "translation": _translation, "cutout": _cutout}


def diff_augment(
    x: torch.Tensor,
    policy: Sequence[str],
    strength: float = 1.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """`x` (N, C, H, W) augmented by each policy in turn, one random draw per image.

    Differentiable in `x`; the identity for an empty policy or `strength` 0."""
    if not policy or strength == 0:
        return x
    if not 0 <= strength <= 1:
        raise ValueError(f"The DiffAugment strength must be in [0, 1], not {strength}.")
    for name in policy:
        x = _APPLY[name](x, strength, generator)
    return x
