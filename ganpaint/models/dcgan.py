"""DCGAN generator, discriminator and latent encoder for 32, 64 and 128 px images.

Follows the paper's rules (strided convs, batch norm except at G's output and D's
input, ReLU/tanh in G, LeakyReLU 0.2 in D, no fully connected layers) with the exact
layout of pytorch/examples' `dcgan/main.py` at 64 px, so its `netG_epoch_N.pth` and
`netD_epoch_N.pth` state dicts load without renaming. 32 px drops one up/down block,
128 px adds one; channel widths double per block as in the original.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ganpaint.models.init import init_weights

DCGAN_SIZES = (32, 64, 128)


def dcgan_blocks(image_size: int) -> int:
    """Number of batch-normed blocks (4 at 64 px): the net starts or ends at 4x4."""
    if image_size not in DCGAN_SIZES:
        sizes = ", ".join(map(str, DCGAN_SIZES))
        raise ValueError(f"DCGAN image_size must be one of {sizes}, not {image_size!r}.")
    return int(math.log2(image_size)) - 2


def _check_image(x: torch.Tensor, channels: int, size: int, who: str) -> None:
    if x.dim() != 4 or x.shape[1] != channels or x.shape[2] != size or x.shape[3] != size:
        raise ValueError(
            f"{who} expects images of shape (N, {channels}, {size}, {size}), got {tuple(x.shape)}."
        )


class DCGANGenerator(nn.Module):
    """z (N, nz) or (N, nz, 1, 1) -> image (N, nc, size, size) in [-1, 1]."""

    arch = "dcgan_generator"

    def __init__(
        self, nz: int = 100, ngf: int = 64, nc: int = 3, image_size: int = 64, init: bool = True
    ) -> None:
        super().__init__()
        self.config = {"nz": nz, "ngf": ngf, "nc": nc, "image_size": image_size}
        self.nz, self.nc, self.image_size = nz, nc, image_size
        n_blocks = dcgan_blocks(image_size)
        width = ngf * 2 ** (n_blocks - 1)
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(nz, width, 4, 1, 0, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(True),
        ]
        for _ in range(n_blocks - 1):
            layers += [
                nn.ConvTranspose2d(width, width // 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(width // 2),
                nn.ReLU(True),
            ]
            width //= 2
        layers += [nn.ConvTranspose2d(width, nc, 4, 2, 1, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)
        if init:
            init_weights(self)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if z.dim() == 2:
            z = z[:, :, None, None]
        if z.dim() != 4 or z.shape[1] != self.nz or z.shape[2:] != (1, 1):
            raise ValueError(
                f"DCGAN generator expects z of shape (N, {self.nz}) or (N, {self.nz}, 1, 1), "
                f"got {tuple(z.shape)}."
            )
        return self.main(z)


D_NORMS = ("batch", "layer", "none")


def _critic_norm(norm: str, channels: int) -> nn.Module:
    """The norm after each strided conv of D: batch as in DCGAN; layer or none for WGAN-GP.

    The gradient penalty is taken per sample, which batch norm breaks by mixing the
    samples of a batch, so the WGAN-GP paper uses layer normalisation in the critic.
    GroupNorm with one group is layer norm over (C, H, W) with a per-channel affine.
    Each choice sits at the same index, so conv key names stay the same.
    """
    if norm == "batch":
        return nn.BatchNorm2d(channels)
    if norm == "layer":
        return nn.GroupNorm(1, channels)
    if norm == "none":
        return nn.Identity()
    raise ValueError(f"Unknown discriminator norm {norm!r}; use one of {', '.join(D_NORMS)}.")


def _downsampling_trunk(
    nc: int, ndf: int, n_blocks: int, norm: str = "batch"
) -> tuple[list[nn.Module], int]:
    """D's body down to 4x4: conv + LeakyReLU, then (conv, norm, LeakyReLU) per block."""
    layers: list[nn.Module] = [nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
    width = ndf
    for _ in range(n_blocks - 1):
        layers += [
            nn.Conv2d(width, width * 2, 4, 2, 1, bias=False),
            _critic_norm(norm, width * 2),
            nn.LeakyReLU(0.2, True),
        ]
        width *= 2
    return layers, width


class DCGANDiscriminator(nn.Module):
    """image (N, nc, size, size) -> realness logits (N,); apply sigmoid for probabilities."""

    arch = "dcgan_discriminator"

    def __init__(
        self,
        ndf: int = 64,
        nc: int = 3,
        image_size: int = 64,
        init: bool = True,
        norm: str = "batch",
    ) -> None:
        super().__init__()
        self.config = {"ndf": ndf, "nc": nc, "image_size": image_size}
        if norm != "batch":  # the pytorch/examples layout stays the default, unrecorded
            self.config["norm"] = norm
        self.nc, self.image_size = nc, image_size
        layers, width = _downsampling_trunk(nc, ndf, dcgan_blocks(image_size), norm)
        # pytorch/examples ends in Sigmoid; it has no parameters, so keys still match.
        layers.append(nn.Conv2d(width, 1, 4, 1, 0, bias=False))
        self.main = nn.Sequential(*layers)
        if init:
            init_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_image(x, self.nc, self.image_size, "DCGAN discriminator")
        return self.main(x).reshape(x.shape[0])


class DCGANEncoder(nn.Module):
    """image -> z (N, nz) in [-1, 1]: a warm start for inverting the generator.

    Shaped like the discriminator, but the last conv predicts nz values and a tanh
    bounds them to the support of our U(-1, 1) latent prior.
    """

    arch = "dcgan_encoder"

    def __init__(
        self, nz: int = 100, ndf: int = 64, nc: int = 3, image_size: int = 64, init: bool = True
    ) -> None:
        super().__init__()
        self.config = {"nz": nz, "ndf": ndf, "nc": nc, "image_size": image_size}
        self.nz, self.nc, self.image_size = nz, nc, image_size
        layers, width = _downsampling_trunk(nc, ndf, dcgan_blocks(image_size))
        layers += [nn.Conv2d(width, nz, 4, 1, 0), nn.Tanh()]
        self.main = nn.Sequential(*layers)
        if init:
            init_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_image(x, self.nc, self.image_size, "DCGAN encoder")
        return self.main(x).reshape(x.shape[0], self.nz)
