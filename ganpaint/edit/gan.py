"""The GAN an edit works with: generator, optional discriminator and encoder, latent facts.

Edits take a `GanModel` rather than a bundle so that tests (and the trainer's
previews) can hand in bare modules; `GanModel.from_bundle` is the one bridge from a
model file. The helpers here are the only places that reshape z, flatten D's logits
or sample the latent prior, so every edit treats the nets the same way.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import torch
from torch import nn

from ganpaint.errors import ModelFileError

Latent = Literal["uniform", "normal"]

#: Where the optimised latent is kept. DCGAN-style models sample z ~ U(-1, 1), so the
#: paper clips to [-1, 1]; a normal prior is truncated at 3 sigma, which keeps z where
#: the generator was trained without cutting off plausible samples.
LATENT_BOUNDS: dict[str, float] = {"uniform": 1.0, "normal": 3.0}


@dataclass
class GanModel:
    """A generator G (z -> image in [-1, 1]) with an optional D (logits) and E (image -> z)."""

    G: nn.Module
    D: nn.Module | None = None
    E: nn.Module | None = None
    nz: int = 100
    resolution: int = 64
    channels: int = 3
    latent: Latent = "uniform"

    def __post_init__(self) -> None:
        if self.latent not in LATENT_BOUNDS:
            raise ValueError(f"Unknown latent distribution {self.latent!r}; use uniform or normal.")

    @property
    def z_bound(self) -> float:
        """z is kept in [-z_bound, z_bound] while optimising."""
        return LATENT_BOUNDS[self.latent]

    @property
    def device(self) -> torch.device:
        param = next(self.G.parameters(), None)
        return param.device if param is not None else torch.device("cpu")

    def to(self, device: torch.device | str) -> GanModel:
        """Move every net to `device` (in place, like nn.Module.to) and return self."""
        for net in (self.G, self.D, self.E):
            if net is not None:
                net.to(device)
        return self

    def generate(self, z: torch.Tensor) -> torch.Tensor:
        """G(z) for z of shape (N, nz): images (N, C, S, S) in [-1, 1]."""
        return self.G(z.reshape(z.shape[0], self.nz, 1, 1))

    def logits(self, images: torch.Tensor) -> torch.Tensor:
        """D's realness logits, one per image (N,); needs a discriminator."""
        if self.D is None:
            raise ValueError("This GAN has no discriminator.")
        return self.D(images).reshape(images.shape[0])

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """E's latent estimate (N, nz) for images (N, C, S, S); needs an encoder."""
        if self.E is None:
            raise ValueError("This GAN has no encoder.")
        return self.E(images).reshape(images.shape[0], self.nz)

    def sample_z(
        self, n: int, generator: torch.Generator, device: torch.device | str = "cpu"
    ) -> torch.Tensor:
        """n latents from the prior, drawn on the CPU from `generator` so any device agrees."""
        if self.latent == "uniform":
            z = torch.rand(n, self.nz, generator=generator) * 2 - 1
        else:
            z = torch.randn(n, self.nz, generator=generator).clamp(-self.z_bound, self.z_bound)
        return z.to(device)

    @contextlib.contextmanager
    def frozen(self) -> Iterator[GanModel]:
        """Eval mode for the duration (batch norm must not couple the candidates), then restore."""
        nets = [net for net in (self.G, self.D, self.E) if net is not None]
        modes = [[m.training for m in net.modules()] for net in nets]
        for net in nets:
            net.eval()
        try:
            yield self
        finally:
            for net, flags in zip(nets, modes, strict=True):
                for module, flag in zip(net.modules(), flags, strict=True):
                    module.training = flag

    @classmethod
    def from_bundle(cls, bundle: Any) -> GanModel:
        """The GAN held by a loaded model bundle; a bundle of another kind is a ModelFileError."""
        meta = dict(getattr(bundle, "meta", {}) or {})
        kind = getattr(bundle, "kind", None) or meta.get("kind")
        name = str(getattr(bundle, "path", None) or meta.get("name") or "The model")
        if kind != "gan":
            raise ModelFileError(
                f"{name} is a {kind or 'unknown'} model, not a GAN; open a GAN model "
                "(kind 'gan') to inpaint or sketch."
            )
        nets = getattr(bundle, "nets", {}) or {}
        if "G" not in nets:
            raise ModelFileError(f"{name} has no generator 'G'; re-export it from the trainer.")
        try:
            nz = int(meta["nz"])
            resolution = int(meta["resolution"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(
                f"{name} lacks the 'nz' or 'resolution' metadata a GAN needs; re-export it."
            ) from exc
        generator = nets["G"]
        channels = meta.get("channels_out", meta.get("channels"))
        if channels is None:
            channels = getattr(generator, "nc", None)
        if channels is None:
            config = getattr(generator, "config", {}) or {}
            channels = config.get("nc", 3)
        latent = meta.get("latent", "uniform")
        if latent not in LATENT_BOUNDS:
            raise ModelFileError(f"{name} has an unknown latent distribution {latent!r}.")
        return cls(
            G=generator,
            D=nets.get("D"),
            E=nets.get("E"),
            nz=nz,
            resolution=resolution,
            channels=int(channels),
            latent=latent,
        )

    def replace(self, **changes: Any) -> GanModel:
        """A copy with some fields changed (e.g. `E=None` to start from random latents)."""
        return dataclasses.replace(self, **changes)
