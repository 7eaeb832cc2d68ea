"""Minimal, independent re-creations of the reference layouts, for import tests.

Written from the published layout facts (pytorch/examples dcgan; the
pytorch-CycleGAN-and-pix2pix generators and PatchGAN), deliberately not using
ganpaint's classes, so a test that imports their state dicts checks ganpaint
against an outside description rather than against itself.
"""

from __future__ import annotations

import torch
from torch import nn


def scramble(net: nn.Module) -> nn.Module:
    """Fill every float parameter and buffer with random values (variances positive), so
    that a wrong mapping of any tensor shows up in the outputs."""
    with torch.no_grad():
        for name, tensor in net.state_dict().items():
            if not tensor.is_floating_point():
                continue
            if name.endswith("running_var"):
                tensor.copy_(torch.rand_like(tensor) + 0.5)
            else:
                tensor.copy_(torch.randn_like(tensor) * 0.2)
    return net.eval()


class ExamplesG(nn.Module):
    """pytorch/examples dcgan `Generator`, 64 px."""

    def __init__(self, nz: int, ngf: int, nc: int) -> None:
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 8),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 4),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.main(z)


class ExamplesD(nn.Module):
    """pytorch/examples dcgan `Discriminator`, 64 px, ending in a sigmoid."""

    def __init__(self, ndf: int, nc: int) -> None:
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 4),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 8),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False),
            nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x).view(-1, 1).squeeze(1)


def _norm(kind: str, channels: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "instance":
        return nn.InstanceNorm2d(channels)  # affine=False, no running stats
    return nn.Identity()


class RefResBlock(nn.Module):
    def __init__(self, dim: int, norm: str, dropout: bool) -> None:
        super().__init__()
        bias = norm == "instance"
        first = [nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=bias), _norm(norm, dim)]
        middle = [nn.ReLU(True)] + ([nn.Dropout(0.5)] if dropout else [])
        second = [nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=bias), _norm(norm, dim)]
        self.conv_block = nn.Sequential(*first, *middle, *second)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv_block(x)


class RefResnet(nn.Module):
    """CycleGAN ResnetGenerator: c7s1-ngf, d2ngf, d4ngf, n residual blocks, u2ngf, ungf, c7s1."""

    def __init__(self, cin: int, cout: int, ngf: int, blocks: int, norm: str, dropout: bool):
        super().__init__()
        bias = norm == "instance"
        c1, c2, c4 = ngf, ngf * 2, ngf * 4
        layers = [nn.ReflectionPad2d(3), nn.Conv2d(cin, c1, 7, bias=bias), _norm(norm, c1)]
        layers += [nn.ReLU(True), nn.Conv2d(c1, c2, 3, 2, 1, bias=bias), _norm(norm, c2)]
        layers += [nn.ReLU(True), nn.Conv2d(c2, c4, 3, 2, 1, bias=bias), _norm(norm, c4)]
        layers += [nn.ReLU(True)] + [RefResBlock(c4, norm, dropout) for _ in range(blocks)]
        layers += [
            nn.ConvTranspose2d(c4, c2, 3, 2, 1, 1, bias=bias),
            _norm(norm, c2),
            nn.ReLU(True),
        ]
        layers += [
            nn.ConvTranspose2d(c2, c1, 3, 2, 1, 1, bias=bias),
            _norm(norm, c1),
            nn.ReLU(True),
        ]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(c1, cout, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class RefUnetLevel(nn.Module):
    """One U-Net skip block; `inner` is the next level down (None for the innermost)."""

    def __init__(self, outer: int, mid: int, norm: str, inner: nn.Module | None, cin: int = 0):
        super().__init__()
        bias = norm == "instance"
        self.outermost = cin > 0
        down = nn.Conv2d(cin or outer, mid, 4, 2, 1, bias=bias)
        if self.outermost:
            seq = [
                down,
                inner,
                nn.ReLU(True),
                nn.ConvTranspose2d(mid * 2, outer, 4, 2, 1),
                nn.Tanh(),
            ]
        elif inner is None:
            up = nn.ConvTranspose2d(mid, outer, 4, 2, 1, bias=bias)
            seq = [nn.LeakyReLU(0.2, True), down, nn.ReLU(True), up, _norm(norm, outer)]
        else:
            up = nn.ConvTranspose2d(mid * 2, outer, 4, 2, 1, bias=bias)
            seq = [nn.LeakyReLU(0.2, True), down, _norm(norm, mid), inner, nn.ReLU(True), up]
            seq.append(_norm(norm, outer))
        self.model = nn.Sequential(*seq)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.model(x)
        return y if self.outermost else torch.cat([x, y], 1)


class RefUnet(nn.Module):
    def __init__(self, cin: int, cout: int, num_downs: int, ngf: int, norm: str) -> None:
        super().__init__()
        level = RefUnetLevel(ngf * 8, ngf * 8, norm, None)
        for _ in range(num_downs - 5):
            level = RefUnetLevel(ngf * 8, ngf * 8, norm, level)
        level = RefUnetLevel(ngf * 4, ngf * 8, norm, level)
        level = RefUnetLevel(ngf * 2, ngf * 4, norm, level)
        level = RefUnetLevel(ngf, ngf * 2, norm, level)
        self.model = RefUnetLevel(cout, ngf, norm, level, cin=cin)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class RefPatchGAN(nn.Module):
    """70x70 PatchGAN for n_layers=3: C64-C128-C256-C512(stride 1)-1."""

    def __init__(self, cin: int, ndf: int, n_layers: int, norm: str) -> None:
        super().__init__()
        bias = norm == "instance"
        widths = [ndf * min(2**i, 8) for i in range(n_layers + 1)]
        layers = [nn.Conv2d(cin, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        for i in range(1, n_layers + 1):
            stride = 1 if i == n_layers else 2
            layers.append(nn.Conv2d(widths[i - 1], widths[i], 4, stride, 1, bias=bias))
            layers += [_norm(norm, widths[i]), nn.LeakyReLU(0.2, True)]
        layers.append(nn.Conv2d(widths[-1], 1, 4, 1, 1))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)
