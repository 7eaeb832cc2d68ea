"""The ganpaint model file: one self-describing `.safetensors` bundle per model.

Every net of a model is stored under a prefix (`G.main.0.weight`, `D...`, `E...`),
and a JSON string under the safetensors metadata key "ganpaint" says what they are
(kind, each net's arch and config, resolution, latent prior, domains, training).
Safetensors never runs code on load, and the metadata lets `load` rebuild the
nets without any Python class names in the file.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from torch import nn

import ganpaint
from ganpaint.atomic import atomic_path
from ganpaint.device import resolve_device
from ganpaint.errors import ModelFileError
from ganpaint.models.metacheck import DIRECTIONS, LATENTS, check_configs, check_fields
from ganpaint.models.norm import use_image_statistics
from ganpaint.models.registry import ARCHITECTURES, arch_of, build_net
from ganpaint.models.spade import size_multiple
from ganpaint.models.statecheck import Shape, describe_mismatch, expected_shapes, non_finite

FORMAT_VERSION = 1
METADATA_KEY = "ganpaint"
SUFFIX = ".safetensors"
GAN_GENERATORS = ("dcgan_generator", "mlp_generator")
GAN_DISCRIMINATORS = ("dcgan_discriminator", "mlp_discriminator")
ENCODERS = ("dcgan_encoder",)
TRANSLATORS = ("resnet_generator", "unet_generator")
# The nets that translate, per kind of model file.
_TRANSLATING_NETS = {"cyclegan": ("G_A", "G_B"), "pix2pix": ("G",)}
PATCH_DISCRIMINATORS = ("nlayer_discriminator",)
STAR_HEADS = ("star_head",)  # a translator's optional star layer (ganpaint.models.stars)
# kind -> {net prefix: archs it may be}; the first REQUIRED[kind] prefixes must be present.
KINDS: dict[str, dict[str, tuple[str, ...]]] = {
    "gan": {"G": GAN_GENERATORS, "D": GAN_DISCRIMINATORS, "E": ENCODERS},
    "cyclegan": {
        "G_A": TRANSLATORS,
        "G_B": TRANSLATORS,
        "D_A": PATCH_DISCRIMINATORS,
        "D_B": PATCH_DISCRIMINATORS,
        "S_A": STAR_HEADS,
        "S_B": STAR_HEADS,
    },
    "pix2pix": {"G": TRANSLATORS, "D": PATCH_DISCRIMINATORS, "S": STAR_HEADS},
    # label map (+ style code) -> image; E gives a picture's style code, S guesses one
    # from the label map when there is no picture
    "spade": {
        "G": ("spade_generator",),
        "D": ("multiscale_discriminator",),
        "E": ("spade_style_encoder",),
        "S": ("spade_style_guess",),
    },
}
REQUIRED = {"gan": ("G",), "cyclegan": ("G_A", "G_B"), "pix2pix": ("G",), "spade": ("G",)}
SPADE_TILES = 8  # a SPADE model's default training size: this many size multiples
DTYPES = {"float32": torch.float32, "float16": torch.float16}
NORMALISATION = "[-1, 1]"
# Translators are fully convolutional; this is the tile size they were trained on.
RESNET_TRAIN_SIZE = 256
IMPORT_HINT = "ganpaint models import"
# Nets whose construction registers spectral norm, which runs 15 power iterations per
# conv: on the meta device each op goes through Python decompositions, so the bundled
# SPADE generator took 2.2 s to build there against 0.09 s on the CPU, paid by every
# header read (the app's model lists read each file's header on every refresh).
BUILT_ON_CPU = frozenset({"spade_generator", "multiscale_discriminator"})

PathLike = str | os.PathLike[str]


def _unwrap(net: nn.Module) -> nn.Module:
    """The plain module inside DataParallel/DDP or torch.compile wrappers."""
    while True:
        if hasattr(net, "_orig_mod"):
            net = net._orig_mod
        elif isinstance(net, nn.DataParallel | nn.parallel.DistributedDataParallel):
            net = net.module
        else:
            return net


def _translator_geometry(generator: nn.Module) -> tuple[int, int]:
    """(native resolution, size multiple) of a ResNet or U-Net generator."""
    num_downs = generator.config.get("num_downs")
    if num_downs is not None:
        return 2**num_downs, 2**num_downs
    return RESNET_TRAIN_SIZE, 4


def complete_meta(kind: str, nets: dict[str, nn.Module], meta: dict[str, Any]) -> dict[str, Any]:
    """`meta` with the nets' archs/configs filled in and defaults for what a kind needs.

    Raises ValueError for a kind, net set or field value that no reader could use.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown model kind {kind!r}; use one of {', '.join(KINDS)}")
    allowed, required = KINDS[kind], REQUIRED[kind]
    if any(p not in nets for p in required) or any(p not in allowed for p in nets):
        optional = [p for p in allowed if p not in required]
        raise ValueError(
            f"a {kind} model needs nets {', '.join(required)} (optional: {', '.join(optional)}), "
            f"got {', '.join(nets) or 'none'}"
        )
    for prefix, net in nets.items():
        if arch_of(net) not in allowed[prefix]:
            raise ValueError(
                f"{prefix} of a {kind} model must be one of {', '.join(allowed[prefix])}, "
                f"not {arch_of(net)}"
            )
    meta = copy.deepcopy(dict(meta))
    meta.update(
        format_version=FORMAT_VERSION,
        kind=kind,
        nets={p: {"arch": arch_of(n), "config": copy.deepcopy(n.config)} for p, n in nets.items()},
    )
    meta.setdefault("name", "")
    meta.setdefault("normalisation", NORMALISATION)
    meta.setdefault("training", {})
    meta.setdefault("source", "trained by ganpaint")
    meta.setdefault("dtype", "float32")
    if kind == "gan":
        config = nets["G"].config
        meta.setdefault("resolution", config["image_size"])
        meta.setdefault("nz", config["nz"])
        meta.setdefault("latent", "uniform")
        meta.setdefault("channels_out", config["nc"])
        if meta["latent"] not in LATENTS:
            raise ValueError(f"latent must be one of {', '.join(LATENTS)}, not {meta['latent']!r}")
    elif kind == "spade":
        config = nets["G"].config
        multiple = size_multiple(config)
        meta.setdefault("resolution", SPADE_TILES * multiple)
        meta.setdefault("size_multiple", multiple)
        meta.setdefault("channels_in", config["label_nc"])
        meta.setdefault("channels_out", config["output_nc"])
        meta.setdefault("style_dim", config["style_dim"])
        meta.setdefault("domains", {"A": "labels", "B": "photo"})
    else:
        generator = nets["G" if kind == "pix2pix" else "G_A"]
        resolution, multiple = _translator_geometry(generator)
        meta.setdefault("resolution", resolution)
        meta.setdefault("size_multiple", multiple)
        meta.setdefault("channels_in", generator.config["input_nc"])
        meta.setdefault("channels_out", generator.config["output_nc"])
        meta.setdefault("domains", {"A": "A", "B": "B"})
        meta.setdefault("direction", "AtoB")
        if meta["direction"] not in DIRECTIONS:
            raise ValueError(
                f"direction must be one of {', '.join(DIRECTIONS)}, not {meta['direction']!r}"
            )
        domains = meta["domains"]
        if not isinstance(domains, dict) or set(domains) != {"A", "B"}:
            raise ValueError(f"domains must name A and B, not {domains!r}")
    if not isinstance(meta["training"], dict):
        raise ValueError("training must be a dict")
    try:
        json.dumps(meta)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"metadata must be JSON-serialisable ({exc})") from exc
    return meta


def translator_ways(meta: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """The ways a translator goes, by its metadata: direction -> (from, to) domain names;
    both for a CycleGAN, its own direction for any other kind (pix2pix)."""
    domains = meta.get("domains") or {}
    a, b = str(domains.get("A", "A")), str(domains.get("B", "B"))
    if meta.get("kind") == "cyclegan":
        return {"AtoB": (a, b), "BtoA": (b, a)}
    if meta.get("direction", "AtoB") == "BtoA":
        return {"BtoA": (b, a)}
    return {"AtoB": (a, b)}


def _star_layer_prefix(kind: str, direction: str | None) -> str:
    """The net prefix of the star layer that goes with a translator's `direction`."""
    if kind == "cyclegan":
        return "S_A" if (direction or "AtoB") == "AtoB" else "S_B"
    return "S"


def has_star_layer(meta: dict[str, Any], direction: str) -> bool:
    """Whether a model file (by its metadata) draws stars when it translates `direction`."""
    return _star_layer_prefix(str(meta.get("kind")), direction) in (meta.get("nets") or {})


class ModelBundle:
    """A loaded or freshly trained model: its kind, metadata and networks by prefix.

    `ModelBundle(kind, nets, meta)` (or `ModelBundle.create`) fills each net's arch and
    config into the metadata, so a trainer only supplies what it knows (name,
    training data, steps). Loaded bundles have their nets in eval mode.
    """

    def __init__(
        self,
        kind: str,
        nets: dict[str, nn.Module],
        meta: dict[str, Any] | None = None,
        path: Path | None = None,
    ) -> None:
        nets = {prefix: _unwrap(net) for prefix, net in nets.items()}
        self.meta = complete_meta(kind, nets, meta or {})
        self.kind = kind
        self.nets = nets
        self.path = path

    @classmethod
    def create(
        cls, kind: str, nets: dict[str, nn.Module], meta: dict[str, Any] | None = None
    ) -> ModelBundle:
        """A new bundle from trained nets; the same as calling the class."""
        return cls(kind, nets, meta)

    @property
    def name(self) -> str:
        return self.meta.get("name") or (self.path.stem if self.path else "")

    @property
    def resolution(self) -> int:
        return int(self.meta["resolution"])

    @property
    def device(self) -> torch.device:
        first = next(iter(self.nets.values()))
        return next(first.parameters()).device

    def to(self, device: str | torch.device) -> ModelBundle:
        """Move every net to `device` (a torch device or a `--device` string); return self."""
        device = resolve_device(device)
        for net in self.nets.values():
            net.to(device)
        return self

    def eval(self) -> ModelBundle:
        for net in self.nets.values():
            net.eval()
        return self

    def translator(self, direction: str | None = None) -> nn.Module:
        """The generator that translates `direction` (None: the model's own direction).

        CycleGAN: G_A for AtoB, G_B for BtoA. pix2pix: G, which only goes the way it
        was trained; asking for the other way, or a GAN, is a one-line ModelFileError.
        """
        if self.kind == "cyclegan":
            return self.nets["G_A" if (direction or "AtoB") == "AtoB" else "G_B"]
        if self.kind != "pix2pix":
            raise ModelFileError(
                f"{self.path or self.name} is a {self.kind} model; translation needs a "
                "CycleGAN or pix2pix model."
            )
        stored = self.meta.get("direction", "AtoB")
        if direction is not None and direction != stored:
            raise ModelFileError(
                f"{self.name} is a one-way {self.kind} model that translates {stored}; "
                f"it cannot translate {direction} (use a CycleGAN model for both directions)."
            )
        return self.nets["G"]

    def star_head(self, direction: str | None = None) -> nn.Module | None:
        """The star layer that goes with `translator(direction)`, or None when it has none."""
        self.translator(direction)  # the same refusal for a way the model does not go
        return self.nets.get(_star_layer_prefix(self.kind, direction))

    def save(self, path: PathLike, half: bool = False) -> Path:
        """Write the bundle atomically; `half=True` stores float tensors as float16.

        Half precision halves the file (handy for bundled models); `load` turns the
        weights back into float32.
        """
        path = Path(path)
        if not self.meta.get("name"):
            self.meta["name"] = path.stem
        tensors: dict[str, torch.Tensor] = {}
        for prefix, net in self.nets.items():
            for key, value in net.state_dict().items():
                value = value.detach().to("cpu")
                if half and value.is_floating_point():
                    value = value.half()
                tensors[f"{prefix}.{key}"] = value.contiguous().clone()
        meta = dict(
            self.meta, dtype="float16" if half else "float32", ganpaint_version=ganpaint.__version__
        )
        text = json.dumps(meta)
        with atomic_path(path) as tmp:
            save_file(tensors, str(tmp), metadata={METADATA_KEY: text})
        self.path = path
        return path

    def __repr__(self) -> str:
        nets = ", ".join(f"{p}={d['arch']}" for p, d in self.meta["nets"].items())
        return f"ModelBundle({self.kind!r}, {self.name!r}, {nets})"


def _looks_like_torch_checkpoint(path: Path) -> bool:
    """True for what `torch.save` writes: a zip archive (torch>=1.6) or a raw pickle (older)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(2)
    except OSError:
        return False
    return head == b"PK" or (len(head) == 2 and head[0] == 0x80 and head[1] in (2, 3, 4, 5))


def read_header(path: PathLike) -> tuple[dict[str, Any], dict[str, Shape]]:
    """The ganpaint metadata and tensor shapes of a bundle, without loading any weights.

    Checks everything that can be checked from the header (every metadata field, and
    the nets it describes against the tensors' shapes) and raises ModelFileError with
    one sentence naming the file and the fix.
    """
    meta, shapes, _ = _read_checked_header(Path(path))
    return meta, shapes


def _read_checked_header(
    path: Path,
) -> tuple[dict[str, Any], dict[str, Shape], dict[str, nn.Module]]:
    """The one place a model file's header is validated: `read_header` and `load` share it.

    Returns the nets built from the metadata on the meta device, ready for the weights.
    """
    meta, shapes = _read_raw_header(path)
    _check_meta(path, check_configs, meta)
    nets = _build_nets(path, meta)
    problem = describe_mismatch(expected_shapes(nets), shapes)
    if problem:
        raise ModelFileError(
            f"{path} does not match its own metadata ({problem}); the file is damaged or was "
            "written by other software, so re-save or re-import the model."
        )
    _check_meta(path, check_fields, meta)
    return meta, shapes, nets


def _check_meta(path: Path, check: Callable[[dict[str, Any]], None], meta: dict[str, Any]) -> None:
    try:
        check(meta)
    except ValueError as exc:
        raise ModelFileError(
            f"{path} has invalid ganpaint metadata ({exc}); re-save or re-import the model."
        ) from exc


def _read_raw_header(path: Path) -> tuple[dict[str, Any], dict[str, Shape]]:
    """The parsed metadata and the tensor shapes, with only the file format checked."""
    if not path.exists():
        raise ModelFileError(
            f"Model file {path} does not exist; check the path, "
            "or run `ganpaint models list` to see the installed models."
        )
    if not path.is_file():
        raise ModelFileError(f"{path} is a folder, not a model file; pass a .safetensors file.")
    try:
        with open(path, "rb") as handle:
            handle.read(1)
    except OSError as exc:
        raise ModelFileError(
            f"Cannot read model file {path} ({exc.strerror}); check that you may read it."
        ) from exc
    try:
        with safe_open(str(path), framework="pt") as handle:
            header = handle.metadata() or {}
            shapes = {key: tuple(handle.get_slice(key).get_shape()) for key in handle.keys()}  # noqa: SIM118
    except Exception as exc:  # safetensors raises its own error types for every bad header
        if _looks_like_torch_checkpoint(path):
            raise ModelFileError(
                f"{path} is a PyTorch checkpoint, not a ganpaint model; "
                f"import it first with `{IMPORT_HINT} {path}`."
            ) from exc
        raise ModelFileError(
            f"{path} is not a ganpaint model file (not a valid safetensors file: {exc}); "
            f"pass a .safetensors model, or import a reference .pth with `{IMPORT_HINT}`."
        ) from exc
    if METADATA_KEY not in header:
        raise ModelFileError(
            f"{path} is a safetensors file without ganpaint metadata, so ganpaint cannot tell "
            f"what network it holds; import reference checkpoints with `{IMPORT_HINT}`."
        )
    return _parse_meta(path, header[METADATA_KEY]), shapes


def _parse_meta(path: Path, text: str) -> dict[str, Any]:
    damaged = f"{path} has damaged ganpaint metadata"
    try:
        meta = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"{damaged} (invalid JSON); re-save or re-import the model.") from exc
    if not isinstance(meta, dict):
        raise ModelFileError(f"{damaged} (not a JSON object); re-save or re-import the model.")
    version = meta.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise ModelFileError(f"{damaged} (no format_version); re-save or re-import the model.")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{path} was written by a newer ganpaint (model format {version}, this version reads "
            f"format {FORMAT_VERSION}); update ganpaint to open it."
        )
    kind = meta.get("kind")
    if kind not in KINDS:
        raise ModelFileError(
            f"{path} is a model of unknown kind {kind!r} (this ganpaint knows "
            f"{', '.join(KINDS)}); update ganpaint or choose another model."
        )
    nets = meta.get("nets")
    if not isinstance(nets, dict) or not all(
        isinstance(d, dict) and isinstance(d.get("config"), dict) for d in nets.values()
    ):
        raise ModelFileError(f"{damaged} (no nets); re-save or re-import the model.")
    for prefix, description in nets.items():
        arch = description.get("arch")
        if arch not in ARCHITECTURES:
            raise ModelFileError(
                f"{path} uses network architecture {arch!r} for {prefix}, which this ganpaint "
                "does not know; update ganpaint or choose another model."
            )
    return meta


def read_metadata(path: PathLike) -> dict[str, Any]:
    """Only the metadata of a bundle (cheap: reads the header), validated like `load`."""
    return read_header(path)[0]


def _build_nets(path: Path, meta: dict[str, Any]) -> dict[str, nn.Module]:
    nets = {}
    for prefix, description in meta["nets"].items():
        arch = description["arch"]
        # On the meta device: no memory and no random init for weights about to be replaced;
        # but nets with spectral norm are built on the CPU, see BUILT_ON_CPU.
        device = "cpu" if arch in BUILT_ON_CPU else "meta"
        try:
            with torch.device(device):
                nets[prefix] = build_net(arch, description["config"], init=False)
        except (ValueError, TypeError, RuntimeError, OverflowError, ZeroDivisionError) as exc:
            raise ModelFileError(
                f"{path} describes a {description['arch']} for {prefix} that cannot be built "
                f"({str(exc).rstrip('.')}); re-save or re-import the model."
            ) from exc
    return nets


def load(path: PathLike, device: str | torch.device = "cpu") -> ModelBundle:
    """Read a bundle, check its tensors against its metadata, and return it in eval mode."""
    path = Path(path)
    meta, _, nets = _read_checked_header(path)
    tensors = load_file(str(path), device="cpu")
    bad = non_finite(tensors)
    if bad:
        raise ModelFileError(
            f"{path} holds weights that are not finite numbers (NaN or infinity in {bad}) "
            "and would only make grey images; use an earlier checkpoint or re-train "
            "(training diverged or the file is damaged)."
        )
    for prefix, net in nets.items():
        expected = net.state_dict()
        state = {}
        for key, like in expected.items():
            value = tensors[f"{prefix}.{key}"]
            state[key] = value.to(like.dtype) if like.is_floating_point() else value
        net.load_state_dict(state, strict=True, assign=True)
    try:
        bundle = ModelBundle(meta["kind"], nets, meta, path=path)
    except ValueError as exc:
        raise ModelFileError(
            f"{path} has invalid ganpaint metadata ({exc}); re-save or re-import the model."
        ) from exc
    if _trained_one_image_per_batch(meta):
        for name in _TRANSLATING_NETS.get(bundle.kind, ()):
            use_image_statistics(bundle.nets[name])
    return bundle.to(device).eval()


def _trained_one_image_per_batch(meta: dict[str, Any]) -> bool:
    """Whether a translator's BatchNorm saw one image per batch (or the file does not
    say, as with reference checkpoints, whose default is one): its running averages
    then describe no image, and each image is normalised by its own statistics."""
    training = meta.get("training")
    config = training.get("config") if isinstance(training, dict) else None
    batch = config.get("batch") if isinstance(config, dict) else None
    return not isinstance(batch, int) or isinstance(batch, bool) or batch <= 1
