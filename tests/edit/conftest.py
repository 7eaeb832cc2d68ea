"""Tiny deterministic stand-in GANs (16 px, a few channels) so edit tests run in seconds.

The nets are DCGAN-shaped (transposed convs with batch norm in G, strided convs in D
and E) with fixed seeded weights; targets in the tests are made by G itself, so an
inversion that works can reach them exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pytest
import torch
from torch import nn

from ganpaint.convert import tensor_to_image
from ganpaint.edit.gan import GanModel

NZ = 8
SIZE = 16


class TinyG(nn.Module):
    """z (N, nz) or (N, nz, 1, 1) -> (N, nc, 16, 16) in [-1, 1]."""

    def __init__(self, nz: int = NZ, nc: int = 3, width: int = 16) -> None:
        super().__init__()
        self.nz, self.nc = nz, nc
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, width, 4, 1, 0, bias=False),  # 4x4
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.ConvTranspose2d(width, width // 2, 4, 2, 1, bias=False),  # 8x8
            nn.BatchNorm2d(width // 2),
            nn.ReLU(),
            nn.ConvTranspose2d(width // 2, nc, 4, 2, 1, bias=False),  # 16x16
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.main(z.reshape(z.shape[0], self.nz, 1, 1))


class TinyD(nn.Module):
    """(N, nc, 16, 16) -> logits (N,)."""

    def __init__(self, nc: int = 3, width: int = 8) -> None:
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(nc, width, 4, 2, 1),  # 8x8
            nn.LeakyReLU(0.2),
            nn.Conv2d(width, width * 2, 4, 2, 1),  # 4x4
            nn.LeakyReLU(0.2),
            nn.Conv2d(width * 2, 1, 4, 1, 0),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x).reshape(x.shape[0])


class TinyE(nn.Module):
    """(N, nc, 16, 16) -> z (N, nz) in [-1, 1]."""

    def __init__(self, nz: int = NZ, nc: int = 3, width: int = 8) -> None:
        super().__init__()
        self.nz = nz
        self.main = nn.Sequential(
            nn.Conv2d(nc, width, 4, 2, 1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(width, width * 2, 4, 2, 1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(width * 2, nz, 4, 1, 0),
            nn.Tanh(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x).reshape(x.shape[0], self.nz)


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    """The stand-ins are tiny: one thread is fastest, and immune to a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _seeded(module: nn.Module, seed: int, std: float = 0.25) -> nn.Module:
    """Fixed weights from a local generator (never the global RNG); eval mode."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in module.named_parameters():
            if "weight" in name and param.dim() > 1:
                param.copy_(torch.randn(param.shape, generator=generator) * std)
            elif "weight" in name:  # batch-norm scale
                param.fill_(1.0)
            else:
                param.zero_()
    return module.eval()


def make_gan(channels: int = 3, with_d: bool = True, with_e: bool = True) -> GanModel:
    """A fresh tiny GAN; every call gives the same weights."""
    return GanModel(
        G=_seeded(TinyG(nc=channels), 1),
        D=_seeded(TinyD(nc=channels), 2, std=0.1) if with_d else None,
        E=_seeded(TinyE(nc=channels), 3, std=0.1) if with_e else None,
        nz=NZ,
        resolution=SIZE,
        channels=channels,
    )


@pytest.fixture
def gan() -> GanModel:
    return make_gan()


@pytest.fixture
def gan_no_encoder() -> GanModel:
    return make_gan(with_e=False)


@pytest.fixture
def grey_gan() -> GanModel:
    return make_gan(channels=1)


def _sample_image(model: GanModel, seed: int = 7) -> tuple[torch.Tensor, np.ndarray]:
    z = torch.rand(1, model.nz, generator=torch.Generator().manual_seed(seed)) * 2 - 1
    with torch.no_grad():
        image = model.generate(z)
    return z[0], tensor_to_image(image[0])


@pytest.fixture
def reachable() -> Callable[..., tuple[torch.Tensor, np.ndarray]]:
    """`reachable(model, seed)`: a latent and the uint8 HxWx3 image G makes from it."""
    return _sample_image


@pytest.fixture
def gan_factory() -> Callable[..., GanModel]:
    """`gan_factory(channels=3, with_d=True, with_e=True)`: a fresh tiny GAN."""
    return make_gan
