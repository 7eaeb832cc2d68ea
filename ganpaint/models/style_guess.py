"""A SPADE model's guess of the light from the label map alone (net "S" of a bundle).

Without a style picture a SPADE generator used to draw with style code 0, the middle
of its code space. Its codes fall into clusters (day, dusk, night), and the middle of
them is none of those: a purple, washed-out light no scene has. A pix2pix model, which
takes no style, guesses the light from the map instead (a low sun: dusk). This small
network does the same for SPADE: one-hot label map in, a style code out, trained after
the generator to predict what the style encoder reads from the photo that goes with
the map (`trainer.style_guess`). The map is shrunk to a fixed size first, so the guess
costs the same for any canvas and reads the layout (where the sun is, how much water),
not the texture.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ganpaint.models.spade import init_weights

#: The side the label map is shrunk to (area average: each cell holds class fractions).
GUESS_SIDE = 64


class SpadeStyleGuess(nn.Module):
    """one-hot labels (N, label_nc, H, W) -> style code (N, style_dim)."""

    arch = "spade_style_guess"

    def __init__(
        self, label_nc: int = 8, style_dim: int = 64, ndf: int = 16, init: bool = True
    ) -> None:
        super().__init__()
        if label_nc < 1 or style_dim < 1 or ndf < 1:
            raise ValueError("label_nc, style_dim and ndf must be at least 1.")
        self.config = {"label_nc": label_nc, "style_dim": style_dim, "ndf": ndf}
        layers: list[nn.Module] = []
        width = label_nc
        for i in range(4):  # 64 -> 4 x 4 cells
            out = ndf * min(4, 2**i)
            layers += [nn.Conv2d(width, out, 3, stride=2, padding=1), nn.LeakyReLU(0.2)]
            width = out
        self.features = nn.Sequential(*layers)
        self.code = nn.Linear(width * (GUESS_SIDE // 16) ** 2, style_dim)
        if init:
            init_weights(self)

    def forward(self, labels: torch.Tensor) -> torch.Tensor:
        if labels.shape[2:] != (GUESS_SIDE, GUESS_SIDE):
            labels = F.adaptive_avg_pool2d(labels, GUESS_SIDE)
        return self.code(self.features(labels).flatten(1))
