"""The fully connected GAN of Goodfellow et al. (2014) for small images (MNIST-sized).

Kept as the simplest working GAN: a baseline for the trainer and a fast model for
tests. G maps z through ReLU layers to a tanh image; D is a LeakyReLU MLP with
dropout (the paper regularised D with dropout) that returns logits.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ganpaint.models.init import init_weights


class MLPGenerator(nn.Module):
    """z (N, nz) or (N, nz, 1, 1) -> image (N, nc, size, size) in [-1, 1]."""

    arch = "mlp_generator"

    def __init__(
        self,
        nz: int = 100,
        hidden: Sequence[int] = (256, 512, 1024),
        image_size: int = 28,
        nc: int = 1,
        init: bool = True,
    ) -> None:
        super().__init__()
        hidden = [int(h) for h in hidden]
        self.config = {"nz": nz, "hidden": hidden, "image_size": image_size, "nc": nc}
        self.nz, self.nc, self.image_size = nz, nc, image_size
        layers: list[nn.Module] = []
        width = nz
        for size in hidden:
            layers += [nn.Linear(width, size), nn.ReLU(True)]
            width = size
        layers += [nn.Linear(width, nc * image_size * image_size), nn.Tanh()]
        self.main = nn.Sequential(*layers)
        if init:
            init_weights(self)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        z = z.reshape(z.shape[0], -1)
        if z.shape[1] != self.nz:
            raise ValueError(f"MLP generator expects z with {self.nz} values, got {z.shape[1]}.")
        return self.main(z).reshape(z.shape[0], self.nc, self.image_size, self.image_size)


class MLPDiscriminator(nn.Module):
    """image (N, nc, size, size) -> realness logits (N,)."""

    arch = "mlp_discriminator"

    def __init__(
        self,
        hidden: Sequence[int] = (1024, 512, 256),
        image_size: int = 28,
        nc: int = 1,
        dropout: float = 0.3,
        init: bool = True,
    ) -> None:
        super().__init__()
        hidden = [int(h) for h in hidden]
        self.config = {"hidden": hidden, "image_size": image_size, "nc": nc, "dropout": dropout}
        self.in_features = nc * image_size * image_size
        layers: list[nn.Module] = []
        width = self.in_features
        for size in hidden:
            layers += [nn.Linear(width, size), nn.LeakyReLU(0.2, True), nn.Dropout(dropout)]
            width = size
        layers.append(nn.Linear(width, 1))
        self.main = nn.Sequential(*layers)
        if init:
            init_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.reshape(x.shape[0], -1)
        if x.shape[1] != self.in_features:
            raise ValueError(
                f"MLP discriminator expects {self.in_features} values per image, got {x.shape[1]}."
            )
        return self.main(x).reshape(x.shape[0])
