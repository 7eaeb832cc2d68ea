"""Architecture names to network classes, so a bundle can rebuild its nets from metadata.

A bundle stores `{"arch": name, "config": net.config}` per net; `build_net` turns
that back into a module. Adding an architecture means adding it to `ARCHITECTURES`.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from ganpaint.models.dcgan import DCGANDiscriminator, DCGANEncoder, DCGANGenerator
from ganpaint.models.mlp import MLPDiscriminator, MLPGenerator
from ganpaint.models.patchgan import NLayerDiscriminator
from ganpaint.models.resnet import ResnetGenerator
from ganpaint.models.spade import MultiscaleDiscriminator, SpadeGenerator, SpadeStyleEncoder
from ganpaint.models.stars import StarHead
from ganpaint.models.style_guess import SpadeStyleGuess
from ganpaint.models.unet import UnetGenerator

ARCHITECTURES: dict[str, type[nn.Module]] = {
    cls.arch: cls
    for cls in (
        DCGANGenerator,
        DCGANDiscriminator,
        DCGANEncoder,
        MLPGenerator,
        MLPDiscriminator,
        ResnetGenerator,
        UnetGenerator,
        NLayerDiscriminator,
        SpadeGenerator,
        SpadeStyleEncoder,
        SpadeStyleGuess,
        MultiscaleDiscriminator,
        StarHead,
    )
}


def arch_of(net: nn.Module) -> str:
    """The registered architecture name of `net` (raises ValueError for foreign modules)."""
    arch = getattr(type(net), "arch", None)
    if arch not in ARCHITECTURES or not isinstance(getattr(net, "config", None), dict):
        raise ValueError(
            f"{type(net).__name__} is not a ganpaint network (no registered `arch` and `config`)."
        )
    return arch


def build_net(arch: str, config: dict[str, Any], init: bool = True) -> nn.Module:
    """Build the network `arch` from its hyper-parameters; `init=False` skips weight init.

    Raises ValueError for an unknown arch or a config the constructor rejects;
    the bundle loader turns that into a ModelFileError naming the file.
    """
    cls = ARCHITECTURES.get(arch)
    if cls is None:
        known = ", ".join(sorted(ARCHITECTURES))
        raise ValueError(f"Unknown network architecture {arch!r}; known: {known}.")
    try:
        return cls(**config, init=init)
    except TypeError as exc:
        raise ValueError(f"Bad config for {arch}: {exc}.") from exc
