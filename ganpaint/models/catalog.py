"""Finding models by name: the bundled ones, the user's own, and the default per edit.

A model name is a bundle's file stem; the user's folder is searched before the
bundled one, so a user can shadow a bundled model with their own.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ganpaint.atomic import atomic_path
from ganpaint.errors import ModelFileError
from ganpaint.models.bundle import SUFFIX, ModelBundle, PathLike, load, read_header
from ganpaint.models.knowledge import what_it_knows
from ganpaint.models.reference import import_reference
from ganpaint.paths import bundled_models_dir, user_models_dir

DEFAULT_MODELS = {
    "inpaint": "photos-dcgan64",  # it won on real photos; landscapes-dcgan64 on renders
    "generate": "landscapes-dcgan64",
    "translate": "day2night",
    "sketch": "edges2landscape",
    "labels": "labels2scene",  # SPADE with styles; it beat labels2landscape without one too
}
#: A model name: it becomes `NAME.safetensors` (and `.NAME.safetensors.XXXXXXXX.part` while
#: written), so at most 200 characters keep that within the file systems' 255 bytes.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$")


@dataclass(frozen=True)
class ModelEntry:
    """One installed model file as `ganpaint models list` shows it."""

    name: str
    path: Path
    source: str  # "bundled" or "user"
    size: int  # bytes
    kind: str | None = None
    resolution: int | None = None
    error: str | None = None  # why the file cannot be used; None when it is fine
    knows: str = ""  # what it was trained on, in a few words (`what_it_knows`)


def _entries(folder: Path, source: str) -> list[ModelEntry]:
    if not folder.is_dir():
        return []
    entries = []
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        if path.name.startswith("."):  # atomic_path's temporary files
            continue
        try:
            size = path.stat().st_size
            meta, _ = read_header(path)
        except ModelFileError as exc:
            entries.append(ModelEntry(path.stem, path, source, size, error=str(exc)))
            continue
        except OSError as exc:
            entries.append(ModelEntry(path.stem, path, source, 0, error=str(exc)))
            continue
        resolution = meta.get("resolution")
        entries.append(
            ModelEntry(
                path.stem,
                path,
                source,
                size,
                kind=meta["kind"],
                resolution=int(resolution) if isinstance(resolution, int) else None,
                knows=what_it_knows(meta),
            )
        )
    return entries


def list_models() -> list[ModelEntry]:
    """Every model in the user's folder, then every bundled one; broken files carry `error`."""
    return _entries(user_models_dir(), "user") + _entries(bundled_models_dir(), "bundled")


def _looks_like_path(text: str) -> bool:
    return "/" in text or "\\" in text or text.endswith((SUFFIX, ".pth", ".pt"))


def _find_by_name(name: str) -> Path | None:
    for folder in (user_models_dir(), bundled_models_dir()):
        candidate = folder / f"{name}{SUFFIX}"
        if candidate.is_file():
            return candidate
    return None


def _kinds(kind: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if kind is None:
        return ()
    return (kind,) if isinstance(kind, str) else tuple(kind)


def resolve_model(
    name_or_path: str | PathLike | None,
    kind: str | tuple[str, ...] | None = None,
    purpose: str | None = None,
) -> Path:
    """The model file for `--model` (a path or an installed name; None: the default for
    `purpose`), checked to be of `kind` (one kind or a tuple of acceptable kinds)."""
    if name_or_path is None:
        if purpose not in DEFAULT_MODELS:
            raise ValueError(f"purpose must be one of {', '.join(DEFAULT_MODELS)}, not {purpose!r}")
        default = DEFAULT_MODELS[purpose]
        path = _find_by_name(default)
        if path is None:
            raise ModelFileError(
                f"No bundled model is installed for {purpose} (expected {default}{SUFFIX} in "
                f"{bundled_models_dir()}); pass a model file with --model PATH."
            )
    else:
        text = str(name_or_path)
        path = _find_by_name(text) if not _looks_like_path(text) else None
        if path is None:
            path = Path(text).expanduser()
            if not path.is_file():
                if _looks_like_path(text):
                    raise ModelFileError(
                        f"Model file {path} does not exist; check the path, "
                        "or run `ganpaint models list` to see the installed models."
                    )
                raise ModelFileError(
                    f"No model named {text!r} is installed (looked in {user_models_dir()} and "
                    f"{bundled_models_dir()}); run `ganpaint models list` or pass a file path."
                )
    wanted = _kinds(kind)
    if wanted:
        found = read_header(path)[0]["kind"]
        if found not in wanted:
            raise ModelFileError(
                f"{path} is a {found} model, but this needs a {' or '.join(wanted)} model; "
                "choose another with --model (see `ganpaint models list`)."
            )
    return path


def _param_count(shapes: dict[str, tuple[int, ...]], prefix: str) -> int:
    total = 0
    for key, shape in shapes.items():
        if key.startswith(f"{prefix}.") and not key.endswith(("running_mean", "running_var")):
            count = 1
            for size in shape:
                count *= size
            total += count if shape else 0
    return total


def describe(bundle_or_path: ModelBundle | PathLike) -> str:
    """A multi-line human summary of a model for `ganpaint models info`."""
    if isinstance(bundle_or_path, ModelBundle):
        bundle = bundle_or_path
        meta, path = bundle.meta, bundle.path
        shapes = {
            f"{p}.{k}": tuple(v.shape)
            for p, net in bundle.nets.items()
            for k, v in net.state_dict().items()
        }
    else:
        path = Path(bundle_or_path)
        meta, shapes = read_header(path)
    lines = [f"{meta.get('name') or (path.stem if path else '(unnamed)')}: {meta['kind']} model"]
    if path is not None:
        size = path.stat().st_size if path.is_file() else 0
        lines.append(
            f"  file:        {path} ({size / 2**20:.1f} MiB, {meta.get('dtype', 'float32')})"
        )
    lines.append(f"  knows:       {what_it_knows(meta)}")
    lines.append(
        f"  resolution:  {meta.get('resolution')} px, images in {meta.get('normalisation')}"
    )
    if meta["kind"] == "gan":
        lines.append(f"  latent:      {meta.get('nz')} values, {meta.get('latent')} prior")
    elif meta["kind"] == "spade":
        a, b = meta.get("domains", {}).get("A"), meta.get("domains", {}).get("B")
        reads = (
            "one channel of ink"
            if meta.get("input_map") == "sketch"
            else f"{meta.get('channels_in')} classes"
        )
        lines.append(
            f"  translates:  {a} ({reads}) -> {b}, sides multiples of "
            f"{meta.get('size_multiple')}; style code of {meta.get('style_dim')} values"
        )
        if isinstance(meta.get("lights"), list):
            lights = ", ".join(str(v) for v in meta["lights"])
            lines.append(f"  lights:      {lights} (the example styles its photos showed)")
    else:
        a, b = meta.get("domains", {}).get("A"), meta.get("domains", {}).get("B")
        if meta["kind"] == "cyclegan":
            way = f"{a} <-> {b} (G_A: {a} -> {b}, G_B: {b} -> {a})"
        else:
            way = f"{a} -> {b}" if meta.get("direction") == "AtoB" else f"{b} -> {a}"
        channels = f"{meta.get('channels_in')} -> {meta.get('channels_out')} channels"
        lines.append(f"  translates:  {way}, {channels}")
    for prefix, net in meta["nets"].items():
        config = ", ".join(f"{k}={v}" for k, v in net["config"].items())
        params = _param_count(shapes, prefix)
        lines.append(f"  {prefix + ':':<12} {net['arch']} ({params:,} parameters; {config})")
    training = meta.get("training") or {}
    if training:
        shown = ", ".join(f"{k}={v}" for k, v in training.items() if not isinstance(v, dict))
        lines.append(f"  training:    {shown or '(details in metadata)'}")
    lines.append(
        f"  source:      {meta.get('source')}, ganpaint {meta.get('ganpaint_version', '?')}"
    )
    return "\n".join(lines)


def check_model_name(name: str) -> str:
    """`name` if a model may be called so (it names its file), else a ModelFileError."""
    if not NAME_PATTERN.match(name):
        raise ModelFileError(
            f"{name[:60]!r} is not a usable model name; use at most 200 letters, digits, '.', "
            "'_', '+' and '-'."
        )
    return name


def import_into_user_models(
    src: PathLike, discriminator: PathLike | None = None, name: str | None = None
) -> Path:
    """Install a model as `<name>.safetensors` in the user's models folder and return its path.

    `src` is a reference `.pth` checkpoint (imported, see `import_reference`) or a
    ganpaint `.safetensors` bundle (checked by loading it, then copied). Existing
    names are never overwritten.
    """
    src = Path(src)
    bundle: ModelBundle
    if src.suffix == SUFFIX:
        if discriminator is not None:
            raise ModelFileError(
                f"{src} is already a ganpaint model, so it takes no separate discriminator; "
                "import it without one."
            )
        bundle = load(src)
    else:
        bundle = import_reference(src, discriminator)
    name = check_model_name(name or bundle.meta.get("name") or src.stem)
    target = user_models_dir() / f"{name}{SUFFIX}"
    if target.exists():
        raise ModelFileError(
            f"A model named {name!r} already exists at {target}; choose another name with "
            "--name, or delete that file first."
        )
    if src.suffix == SUFFIX and name == bundle.meta.get("name"):
        _copy(src, target)
    else:
        bundle.meta["name"] = name
        bundle.save(target, half=bundle.meta.get("dtype") == "float16")
    return target


def _copy(src: Path, target: Path) -> None:
    with atomic_path(target) as tmp:
        shutil.copyfile(src, tmp)
