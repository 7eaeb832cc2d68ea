"""The PatchGAN discriminator of pix2pix/CycleGAN (the reference's NLayerDiscriminator).

It scores overlapping patches rather than the whole image (70x70 receptive field
for n_layers=3), which is what makes translators keep local texture sharp. Indices
follow the reference: conv, LeakyReLU, then (conv, norm, LeakyReLU) per layer, a
stride-1 block, and a final 1-channel conv; the first and last convs always have a bias.
"""

from __future__ import annotations

import torch
from torch import nn

from ganpaint.models.init import init_weights
from ganpaint.models.norm import conv_bias, norm_layer

MAX_MULT = 8


class NLayerDiscriminator(nn.Module):
    """image (N, input_nc, H, W) -> patch logits (N, 1, h, w)."""

    arch = "nlayer_discriminator"

    def __init__(
        self,
        input_nc: int = 3,
        ndf: int = 64,
        n_layers: int = 3,
        norm: str = "batch",
        init: bool = True,
    ) -> None:
        super().__init__()
        if n_layers < 1:
            raise ValueError(f"n_layers must be >= 1, not {n_layers}.")
        self.config = {"input_nc": input_nc, "ndf": ndf, "n_layers": n_layers, "norm": norm}
        make_norm, bias = norm_layer(norm), conv_bias(norm)
        layers: list[nn.Module] = [
            nn.Conv2d(input_nc, ndf, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2, True),
        ]
        mult = 1
        for n in range(1, n_layers + 1):
            prev, mult = mult, min(2**n, MAX_MULT)
            stride = 2 if n < n_layers else 1
            layers += [
                nn.Conv2d(ndf * prev, ndf * mult, 4, stride=stride, padding=1, bias=bias),
                make_norm(ndf * mult),
                nn.LeakyReLU(0.2, True),
            ]
        layers.append(nn.Conv2d(ndf * mult, 1, 4, stride=1, padding=1))
        self.model = nn.Sequential(*layers)
        if init:
            init_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)
