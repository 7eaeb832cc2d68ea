"""Normalisation layers by name, as the CycleGAN/pix2pix reference chooses them.

The reference's norm choice also decides which convs carry a bias (only with
instance norm, which has no affine shift of its own), so both facts live here.
"""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

NORMS = ("batch", "instance", "none")


def check_norm(norm: str) -> str:
    if norm not in NORMS:
        raise ValueError(f"Unknown norm {norm!r}; use one of {', '.join(NORMS)}.")
    return norm


def norm_layer(norm: str) -> Callable[[int], nn.Module]:
    """A factory `channels -> layer`: batch (affine, running stats), instance (neither), none."""
    check_norm(norm)
    if norm == "batch":
        return lambda channels: nn.BatchNorm2d(channels, affine=True, track_running_stats=True)
    if norm == "instance":
        return lambda channels: nn.InstanceNorm2d(channels, affine=False, track_running_stats=False)
    return lambda channels: nn.Identity()


def conv_bias(norm: str) -> bool:
    """Whether convs followed by this norm need their own bias (only instance norm)."""
    return check_norm(norm) == "instance"
