"""Reading a reference network's architecture from the key names and shapes of its state dict.

Reference checkpoints (pytorch-CycleGAN-and-pix2pix, pytorch/examples DCGAN) hold
bare state dicts with no hyper-parameters, so the importer infers them: the layout
family from the key pattern, then depth, widths, channels, norm kind and dropout
from which keys exist and their shapes. Anything not covered by the rules below is
refused rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import torch

from ganpaint.models.dcgan import DCGAN_SIZES

State = dict[str, torch.Tensor]


@dataclass(frozen=True)
class Recognised:
    """What a state dict holds: the arch to build, its config, and a phrase for messages."""

    arch: str
    config: dict[str, Any]
    role: str  # "generator" or "discriminator"
    summary: str


def _indices(state: State, prefix: str) -> list[int]:
    """Sorted i for which `<prefix>.<i>.weight` is a conv weight (4-D)."""
    pattern = re.compile(rf"^{re.escape(prefix)}\.(\d+)\.weight$")
    found = {
        int(m.group(1))
        for key, value in state.items()
        if (m := pattern.match(key)) and value.dim() == 4
    }
    return sorted(found)


def _norm_kind(state: State, norm_prefix: str, conv_prefix: str) -> str:
    """Batch norm has affine weights and running stats; instance norm (affine=False) has
    neither, and the reference then gives the convs a bias; otherwise there is no norm."""
    if f"{norm_prefix}.weight" in state and f"{norm_prefix}.running_mean" in state:
        return "batch"
    if f"{conv_prefix}.bias" in state:
        return "instance"
    return "none"


def _dcgan(state: State) -> Recognised:
    convs = _indices(state, "main")
    if not convs:
        raise ValueError("its `main.*` keys hold no convolution weights")
    n_blocks = len(convs) - 1
    image_size = 4 * 2**n_blocks
    if image_size not in DCGAN_SIZES:
        sizes = ", ".join(map(str, DCGAN_SIZES))
        raise ValueError(
            f"it is a DCGAN for {image_size} px images, and only {sizes} are supported"
        )
    first, last = state[f"main.{convs[0]}.weight"], state[f"main.{convs[-1]}.weight"]
    if "main.1.running_mean" in state:  # G: a batch norm right after the first transposed conv
        ngf = state[f"main.{convs[-1] - 2}.weight"].shape[0]
        config = {"nz": first.shape[0], "ngf": ngf, "nc": last.shape[1], "image_size": image_size}
        summary = f"DCGAN generator for {image_size} px (nz {config['nz']}, ngf {ngf})"
        return Recognised("dcgan_generator", config, "generator", summary)
    ndf = first.shape[0]
    config = {"ndf": ndf, "nc": first.shape[1], "image_size": image_size}
    summary = f"DCGAN discriminator for {image_size} px (ndf {ndf})"
    return Recognised("dcgan_discriminator", config, "discriminator", summary)


def _unet(state: State) -> Recognised:
    outermost = state["model.model.0.weight"]
    upconv = state.get("model.model.3.weight")
    if upconv is None:
        raise ValueError("it has a U-Net's first layer but no outermost upconv (model.model.3)")
    num_downs, block = 1, "model.model.1.model"
    while any(k.startswith(f"{block}.") for k in state):
        num_downs += 1
        block += ".3.model"
    if num_downs < 5:
        raise ValueError(f"it is a U-Net with {num_downs} levels, and at least 5 are needed")
    norm = _norm_kind(state, "model.model.1.model.2", "model.model.1.model.1")
    config = {
        "input_nc": outermost.shape[1],
        "output_nc": upconv.shape[1],
        "num_downs": num_downs,
        "ngf": outermost.shape[0],
        "norm": norm,
        # Dropout has no weights, so a file cannot say; it is inactive in eval mode anyway.
        "use_dropout": False,
    }
    summary = f"U-Net generator with {num_downs} downsamplings ({norm} norm, ngf {config['ngf']})"
    return Recognised("unet_generator", config, "generator", summary)


def _resnet(state: State) -> Recognised:
    blocks = sorted(
        {int(m.group(1)) for k in state if (m := re.match(r"^model\.(\d+)\.conv_block\.", k))}
    )
    n_blocks = len(blocks)
    if blocks != list(range(10, 10 + n_blocks)):
        raise ValueError(f"its residual blocks sit at model.{blocks}, not at model.10 onwards")
    # Dropout shifts the block's second conv from index 5 to 6 (with batch norm, index 6
    # holds the second norm instead, whose weight is 1-D).
    second = state.get(f"model.{blocks[0]}.conv_block.6.weight")
    dropout = second is not None and second.dim() == 4
    output = state.get(f"model.{17 + n_blocks}.weight")
    if output is None:
        raise ValueError(
            f"it has {n_blocks} residual blocks but no output conv model.{17 + n_blocks}"
        )
    first = state["model.1.weight"]
    norm = _norm_kind(state, "model.2", "model.1")
    config = {
        "input_nc": first.shape[1],
        "output_nc": output.shape[0],
        "ngf": first.shape[0],
        "norm": norm,
        "use_dropout": dropout,
        "n_blocks": n_blocks,
    }
    extra = ", dropout" if dropout else ""
    summary = f"ResNet generator with {n_blocks} blocks ({norm} norm{extra}, ngf {config['ngf']})"
    return Recognised("resnet_generator", config, "generator", summary)


def _patchgan(state: State) -> Recognised:
    convs = _indices(state, "model")
    if len(convs) < 3:
        raise ValueError("it has too few convolutions for a PatchGAN discriminator")
    first = state["model.0.weight"]
    norm = _norm_kind(state, "model.3", "model.2")
    config = {
        "input_nc": first.shape[1],
        "ndf": first.shape[0],
        "n_layers": len(convs) - 2,
        "norm": norm,
    }
    summary = f"PatchGAN discriminator with {config['n_layers']} layers ({norm} norm)"
    return Recognised("nlayer_discriminator", config, "discriminator", summary)


def recognise(state: State) -> Recognised:
    """The architecture of a reference state dict; ValueError (a clause) if it is none we know."""
    keys = set(state)
    try:
        if keys and all(k.startswith("main.") for k in keys):
            return _dcgan(state)
        if "model.model.0.weight" in keys:
            return _unet(state)
        if "model.1.weight" in keys and any(".conv_block." in k for k in keys):
            return _resnet(state)
        if "model.0.weight" in keys:
            return _patchgan(state)
    except (KeyError, IndexError) as exc:
        raise ValueError(f"it lacks the key {exc} that its layout needs") from exc
    shown = ", ".join(sorted(keys)[:3]) or "no keys at all"
    raise ValueError(
        "its keys match none of the layouts ganpaint can import (DCGAN, ResNet, U-Net, "
        f"PatchGAN): it starts with {shown}"
    )
