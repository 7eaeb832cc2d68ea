"""Comparing a file's tensors with what an architecture expects, in words a user can act on.

Both the bundle loader and the reference importer need to say *what* does not fit
(missing keys, unexpected keys, wrong shapes), naming a few of each, rather than
passing on a long PyTorch traceback.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import torch
from torch import nn

Shape = tuple[int, ...]
SHOWN = 3


def _some(names: Iterable[str]) -> str:
    names = list(names)
    text = ", ".join(names[:SHOWN])
    return text + (f" (+{len(names) - SHOWN} more)" if len(names) > SHOWN else "")


def _shape(shape: Shape) -> str:
    return "x".join(map(str, shape)) or "scalar"


def shapes_of(state: Mapping[str, torch.Tensor], prefix: str = "") -> dict[str, Shape]:
    return {f"{prefix}{key}": tuple(value.shape) for key, value in state.items()}


def expected_shapes(nets: Mapping[str, nn.Module]) -> dict[str, Shape]:
    """`{"<prefix>.<key>": shape}` for every tensor the nets' state dicts hold."""
    shapes: dict[str, Shape] = {}
    for prefix, net in nets.items():
        shapes.update(shapes_of(net.state_dict(), f"{prefix}."))
    return shapes


def describe_mismatch(expected: Mapping[str, Shape], found: Mapping[str, Shape]) -> str | None:
    """None if the key sets and shapes agree, else a short clause naming a few differences."""
    missing = sorted(set(expected) - set(found))
    unexpected = sorted(set(found) - set(expected))
    wrong = sorted(k for k in set(expected) & set(found) if tuple(expected[k]) != tuple(found[k]))
    parts = []
    if missing:
        parts.append(f"missing tensors {_some(missing)}")
    if unexpected:
        parts.append(f"unexpected tensors {_some(unexpected)}")
    if wrong:
        shown = [
            f"{k} is {_shape(found[k])} but should be {_shape(expected[k])}" for k in wrong[:SHOWN]
        ]
        more = f" (+{len(wrong) - SHOWN} more)" if len(wrong) > SHOWN else ""
        parts.append("wrong shapes: " + ", ".join(shown) + more)
    return "; ".join(parts) or None


def non_finite(tensors: Mapping[str, torch.Tensor]) -> str | None:
    """None if every floating tensor is finite, else a few names of those holding NaN or inf.

    A diverged training run saves NaN weights that load fine and then paint grey images;
    refusing them at load names the problem where it is.
    """
    bad = [
        key
        for key, value in tensors.items()
        if value.is_floating_point() and not bool(torch.isfinite(value).all())
    ]
    return _some(sorted(bad)) if bad else None
