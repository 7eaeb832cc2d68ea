"""Importing reference PyTorch checkpoints (.pth) into ganpaint bundles, without pickle.

Supported: pytorch-CycleGAN-and-pix2pix generators (`latest_net_G_A.pth`,
`latest_net_G.pth`, released files such as `horse2zebra.pth`) with an optional
PatchGAN discriminator, and pytorch/examples DCGAN `netG_epoch_N.pth` with an
optional `netD_epoch_N.pth`. Files are read with `torch.load(weights_only=True)`,
which cannot run code; anything that needs real unpickling is refused.

What kind of bundle an import makes (and `meta["kind"]` says so truthfully):
- a DCGAN generator -> kind "gan" (nets G and optionally D), latent "normal",
  because pytorch/examples samples z ~ N(0, 1);
- a translator generator -> kind "pix2pix", i.e. a one-way translator with one
  generator G (and optionally D). This holds for a CycleGAN generator too: a
  single file only translates one way. Its direction comes from the file name
  (`..._G_B.pth` -> "BtoA", anything else "AtoB") and its domains from an
  `x2y` pattern in the file or folder name (`horse2zebra` -> A horse, B zebra);
- `..._net_G_A.pth` or `..._net_G_B.pth` whose sibling (`_G_B` / `_G_A`) is in the
  same folder -> kind "cyclegan" with both generators (G_A: A->B, G_B: B->A), as a
  CycleGAN training run leaves them.
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ganpaint.errors import ModelFileError
from ganpaint.models.bundle import SUFFIX, ModelBundle, PathLike
from ganpaint.models.recognise import Recognised, recognise
from ganpaint.models.registry import build_net
from ganpaint.models.statecheck import describe_mismatch, non_finite, shapes_of

RUNNING_STATS = ("running_mean", "running_var", "num_batches_tracked")
SAVE_HINT = "re-save it from PyTorch as a plain state dict with torch.save(net.state_dict(), path)"


def read_state_dict(path: PathLike) -> dict[str, torch.Tensor]:
    """The tensors of a `.pth` file, loaded without unpickling arbitrary objects.

    Unwraps a dict that clearly wraps one state dict (e.g. {"state_dict": ..., "epoch": 3})
    and strips DataParallel's `module.` prefixes.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(
            f"Checkpoint {path} does not exist or is not a file; check the path and try again."
        )
    if path.suffix == SUFFIX:
        raise ModelFileError(
            f"{path} is already a safetensors model, not a reference .pth checkpoint; "
            "open it directly with --model."
        )
    _check_checkpoint_format(path)
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise ModelFileError(
            f"{path} contains Python objects that only unpickling could create, which can run "
            f"arbitrary code, so ganpaint refuses to load it; {SAVE_HINT}."
        ) from exc
    except Exception as exc:  # torch raises RuntimeError, EOFError, ... for non-checkpoints
        raise ModelFileError(
            f"{path} is not a PyTorch checkpoint ganpaint can read ({type(exc).__name__}); "
            "pass a .pth file saved with torch.save(net.state_dict(), path)."
        ) from exc
    state = _unwrap_state_dict(path, obj)
    return {key.removeprefix("module."): value for key, value in state.items()}


ZIP_MAGIC = b"PK\x03\x04"  # torch.save since PyTorch 1.6
PICKLE_PROTOCOL = b"\x80"  # the legacy format: a pickle with a protocol header


def _check_checkpoint_format(path: Path) -> None:
    """Refuse a file that is not what torch.save writes before unpickling it.

    Any bytes can start a pickle, so a text file renamed `.pth` reached the
    unpickler and came back as "contains Python objects ... re-save it": a message
    about the wrong problem. Checkpoints are a zip archive or a protocol-2+ pickle."""
    try:
        with path.open("rb") as file:
            head = file.read(512)
    except OSError as exc:
        raise ModelFileError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    if head.startswith(ZIP_MAGIC) or head.startswith(PICKLE_PROTOCOL):
        return
    raise ModelFileError(
        f"{path} is not a PyTorch checkpoint: it is {_what_it_is(head)}, not the file "
        "torch.save writes; choose the .pth file saved with "
        "torch.save(net.state_dict(), path)."
    )


def _what_it_is(head: bytes) -> str:
    if not head:
        return "empty"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "binary data of another kind"
    return "a text file"


def _is_state_dict(obj: Any) -> bool:
    return (
        isinstance(obj, Mapping)
        and len(obj) > 0
        and all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in obj.items())
    )


def _unwrap_state_dict(path: Path, obj: Any) -> Mapping[str, torch.Tensor]:
    if _is_state_dict(obj):
        return obj
    if isinstance(obj, Mapping):
        inner = [key for key, value in obj.items() if _is_state_dict(value)]
        loose = [key for key, value in obj.items() if isinstance(value, torch.Tensor)]
        if len(inner) == 1 and not loose:
            return obj[inner[0]]
        if len(inner) > 1:
            raise ModelFileError(
                f"{path} holds several networks ({', '.join(map(str, inner[:4]))}); "
                "save each network's state dict to its own file and import the generator."
            )
    raise ModelFileError(
        f"{path} does not hold a network's state dict (it holds a {type(obj).__name__}); "
        f"{SAVE_HINT}."
    )


def _fit_state(path: Path, state: dict[str, torch.Tensor], net: nn.Module, what: str) -> dict:
    """`state` adapted to `net`, or a ModelFileError naming what does not fit.

    Drops the InstanceNorm running stats that older reference code saved (and the
    current reference code deletes on load), fills BatchNorm's `num_batches_tracked`
    that files from before PyTorch 0.4.1 lack, and makes floats float32.
    """
    expected = net.state_dict()
    modules = dict(net.named_modules())
    fitted = {}
    for key, value in state.items():
        owner, _, leaf = key.rpartition(".")
        stale = key not in expected and leaf in RUNNING_STATS
        if stale and isinstance(modules.get(owner), nn.InstanceNorm2d):
            continue
        fitted[key] = value
    for key, like in expected.items():
        if key.endswith(".num_batches_tracked") and key not in fitted:
            fitted[key] = torch.zeros_like(like)
    problem = describe_mismatch(shapes_of(expected), shapes_of(fitted))
    if problem:
        raise ModelFileError(
            f"{path} looks like a {what} but does not fit one ({problem}); "
            "it may come from modified reference code, which ganpaint cannot import."
        )
    bad = non_finite(fitted)
    if bad:
        raise ModelFileError(
            f"{path} holds weights that are not finite numbers (NaN or infinity in {bad}) "
            "and would only make grey images; import an earlier checkpoint instead."
        )
    return {k: v.to(expected[k].dtype) if v.is_floating_point() else v for k, v in fitted.items()}


def _import_net(path: Path) -> tuple[nn.Module, Recognised]:
    state = read_state_dict(path)
    try:
        found = recognise(state)
    except ValueError as exc:
        raise ModelFileError(
            f"{path} is not a network ganpaint can import ({exc}); ganpaint imports "
            "pytorch-CycleGAN-and-pix2pix and pytorch/examples DCGAN checkpoints."
        ) from exc
    net = build_net(found.arch, found.config, init=False)
    net.load_state_dict(_fit_state(path, state, net, found.summary), strict=True)
    return net.eval(), found


def _domains(path: Path) -> dict[str, str]:
    """Domain names from an `x2y` pattern in the file or folder name, else A and B."""
    for name in (path.stem, path.parent.name):
        match = re.search(r"([A-Za-z]+)2([A-Za-z]+)", name)
        if match:
            return {"A": match.group(1), "B": match.group(2)}
    return {"A": "A", "B": "B"}


def _model_name(path: Path) -> str:
    """`horse2zebra` for horse2zebra.pth; the run folder's name for `latest_net_G_A.pth`."""
    if re.match(r"^(latest|best|\d+)_net_", path.stem) and path.parent.name:
        return path.parent.name
    return path.stem


def import_reference(path: PathLike, discriminator: PathLike | None = None) -> ModelBundle:
    """Import a reference generator checkpoint (and optionally its discriminator) as a bundle.

    The architecture is read from the keys; the imported nets give exactly the
    reference code's outputs in eval mode (the DCGAN discriminator returns logits
    where the reference applies a sigmoid). See the module docstring for the kind.
    """
    path = Path(path)
    generator, found = _import_net(path)
    if found.role != "generator":
        raise ModelFileError(
            f"{path} holds a {found.summary}, not a generator; import the generator file "
            "and pass this one as its discriminator."
        )
    disc = None
    if discriminator is not None:
        discriminator = Path(discriminator)
        disc, disc_found = _import_net(discriminator)
        dcgan = found.arch == "dcgan_generator"
        wanted = "dcgan_discriminator" if dcgan else "nlayer_discriminator"
        if disc_found.arch != wanted:
            raise ModelFileError(
                f"{discriminator} holds a {disc_found.summary}, which does not pair with the "
                f"{found.summary} in {path}; pass the discriminator trained with it."
            )
    source = f"imported from {path.name}"
    meta: dict[str, Any] = {"name": _model_name(path), "source": source}
    meta["training"] = {"reference_checkpoint": path.name, "architecture": found.summary}
    if found.arch == "dcgan_generator":
        nets = {"G": generator, **({"D": disc} if disc is not None else {})}
        meta["latent"] = "normal"
        return ModelBundle("gan", nets, meta)
    meta["domains"] = _domains(path)
    sibling = _cyclegan_sibling(path)
    if sibling is not None:
        if disc is not None:
            raise ModelFileError(
                f"{path} imports as a two-way CycleGAN together with {sibling.name}, which "
                "takes no single discriminator; import it without a discriminator."
            )
        other, other_found = _import_net(sibling)
        if other_found.role != "generator":
            raise ModelFileError(
                f"{sibling} holds a {other_found.summary}, not a generator; "
                "remove it or import the generator files one at a time from another folder."
            )
        pair = (
            {"G_A": generator, "G_B": other}
            if "_G_A" in path.stem
            else {"G_A": other, "G_B": generator}
        )
        meta["source"] = f"imported from {path.name} and {sibling.name}"
        meta["training"]["reference_checkpoint"] = [path.name, sibling.name]
        return ModelBundle("cyclegan", pair, meta)
    meta["direction"] = "BtoA" if path.stem.endswith("_G_B") else "AtoB"
    if meta["direction"] == "BtoA" and meta["name"] != path.stem:
        meta["name"] += "_BtoA"  # a run folder's name; keep it apart from its G_A import
    nets = {"G": generator, **({"D": disc} if disc is not None else {})}
    return ModelBundle("pix2pix", nets, meta)


def _cyclegan_sibling(path: Path) -> Path | None:
    """The other generator of a CycleGAN run (`x_G_A.pth` <-> `x_G_B.pth`) if it is there."""
    for mine, other in (("_G_A", "_G_B"), ("_G_B", "_G_A")):
        if path.stem.endswith(mine):
            sibling = path.with_name(path.stem.removesuffix(mine) + other + path.suffix)
            return sibling if sibling.is_file() else None
    return None
