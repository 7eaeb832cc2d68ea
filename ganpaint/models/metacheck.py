"""Checking a bundle's metadata once, at load, so no later command trusts a lying field.

A model file's JSON says how to rebuild its nets (arch + config per net) and what
the model makes (kind, nz, resolution, channels, domains). The shape check in the
loader catches a config that disagrees with the tensors; this module catches what
shapes cannot: wrong types, absurd or non-finite numbers (which would build nets of
astronomical size before any shape is compared), and top-level fields that
disagree with the nets' own configs (`nz` 50 beside a generator built for 100).
Every problem is a ValueError clause; the loader turns it into one sentence.
"""

from __future__ import annotations

import math
from typing import Any

from ganpaint.models.spade import INPUT_MAPS

#: Inclusive ranges of the integer hyper-parameters the architectures take.
INT_RANGES: dict[str, tuple[int, int]] = {
    "nz": (1, 4096),
    "ngf": (1, 4096),
    "ndf": (1, 4096),
    "nc": (1, 256),
    "input_nc": (1, 256),
    "output_nc": (1, 256),
    "image_size": (4, 4096),
    "n_blocks": (0, 64),
    "num_downs": (1, 12),
    "n_layers": (0, 12),
    "n_up": (1, 8),
    "out_upsample": (1, 2),
    "label_nc": (1, 256),
    "style_dim": (0, 4096),
    "num_d": (1, 4),
}
#: Config keys that hold a list of layer widths.
LIST_KEYS = frozenset({"hidden"})
#: Any other integer in a config, or in `hidden` layer widths.
OTHER_INT_RANGE = (0, 65536)
MAX_HIDDEN_LAYERS = 32
MAX_TEXT = 1000
MAX_RESOLUTION = 8192
LATENTS = ("uniform", "normal")
DIRECTIONS = ("AtoB", "BtoA")
DTYPES = ("float32", "float16")
RESNET_MULTIPLE = 4


def check_configs(meta: dict[str, Any]) -> None:
    """Raise ValueError for a net config value of the wrong type or absurd size: run
    before the nets are built, which an astronomical width would make overflow."""
    for prefix, description in meta["nets"].items():
        for key, value in description["config"].items():
            _check_config_value(f"{prefix}.{key}", key, value)


def check_fields(meta: dict[str, Any]) -> None:
    """Raise ValueError naming the first top-level field of the wrong type, absurd, or at
    odds with the nets' configs. `meta` has passed the loader's kind/arch checks."""
    for key in ("name", "normalisation", "source", "ganpaint_version", "knows"):
        _text(meta, key, required=False)
    if meta.get("dtype", "float32") not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, not {meta['dtype']!r}")
    if not isinstance(meta.get("training", {}), dict):
        raise ValueError("training must be a JSON object")
    if meta["kind"] == "gan":
        _check_gan(meta)
    elif meta["kind"] == "spade":
        _check_spade(meta)
    else:
        _check_translator(meta)


def _check_config_value(where: str, key: str, value: Any) -> None:
    if key in INT_RANGES:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{where} is {_short(value)}, not a whole number")
        _in_range(where, value, *INT_RANGES[key])
    elif key in LIST_KEYS:
        if not isinstance(value, list) or len(value) > MAX_HIDDEN_LAYERS:
            raise ValueError(f"{where} is {_short(value)}, not a short list of widths")
        for item in value:
            if isinstance(item, bool) or not isinstance(item, int):
                raise ValueError(f"{where} holds {_short(item)}, not a whole number")
            _in_range(where, item, 1, OTHER_INT_RANGE[1])
    elif value is None or isinstance(value, bool):
        return
    elif isinstance(value, int):
        _in_range(where, value, *OTHER_INT_RANGE)
    elif isinstance(value, float):
        if not math.isfinite(value) or not 0 <= value <= 1:
            raise ValueError(f"{where} is {value!r}, not a number from 0 to 1")
    elif not isinstance(value, str) or len(value) > MAX_TEXT:
        raise ValueError(f"{where} is {_short(value)}, which no architecture takes")


def _in_range(where: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise ValueError(f"{where} is {_short(value)}, outside {low} to {high}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _text(meta: dict[str, Any], key: str, required: bool) -> str | None:
    value = meta.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise ValueError(f"{key} must be a short text, not {_short(value)}")
    return value


def _whole(meta: dict[str, Any], key: str, expected: int | None = None) -> int:
    """meta[key] as a positive int (not a bool or float), equal to `expected` if given."""
    value = meta.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{key} must be a positive whole number, not {_short(value)}")
    if expected is not None and value != expected:
        raise ValueError(f"{key} is {value} but the networks are built for {expected}")
    return value


def _config(meta: dict[str, Any], prefix: str) -> dict[str, Any]:
    return meta["nets"][prefix]["config"] if prefix in meta["nets"] else {}


def _check_gan(meta: dict[str, Any]) -> None:
    generator = _config(meta, "G")
    nz, size, nc = generator.get("nz"), generator.get("image_size"), generator.get("nc")
    _whole(meta, "nz", nz)
    _whole(meta, "resolution", size)
    for key in ("channels_out", "channels"):
        if key in meta:
            _whole(meta, key, nc)
    if meta.get("latent", "uniform") not in LATENTS:
        raise ValueError(f"latent must be one of {', '.join(LATENTS)}, not {meta['latent']!r}")
    for prefix in ("D", "E"):
        config = _config(meta, prefix)
        for key, value in (("image_size", size), ("nc", nc), ("nz", nz)):
            if key in config and config[key] != value:
                raise ValueError(f"{prefix}'s {key} is {config[key]!r} but G's is {value!r}")


def _check_spade(meta: dict[str, Any]) -> None:
    generator = _config(meta, "G")
    n_up, up = generator.get("n_up"), generator.get("out_upsample", 1)
    whole = all(isinstance(v, int) and not isinstance(v, bool) for v in (n_up, up))
    multiple = 2**n_up * up if whole else 1
    resolution = _whole(meta, "resolution")
    if resolution % multiple or resolution > MAX_RESOLUTION:
        raise ValueError(
            f"resolution is {resolution}, not a multiple of {multiple} up to {MAX_RESOLUTION}"
        )
    _whole(meta, "size_multiple", multiple)
    for key, config_key in (("channels_in", "label_nc"), ("channels_out", "output_nc")):
        _whole(meta, key, generator.get(config_key))
    style = generator.get("style_dim")
    if meta.get("style_dim") != style:
        raise ValueError(f"style_dim is {_short(meta.get('style_dim'))} but G's is {style!r}")
    for prefix in ("E", "S"):
        config = _config(meta, prefix)
        if config and config.get("style_dim") != style:
            raise ValueError(
                f"{prefix}'s style_dim is {config.get('style_dim')!r} but G's is {style!r}"
            )
    input_map = meta.get("input_map", "labels")
    if input_map not in INPUT_MAPS:
        raise ValueError(
            f"input_map must be one of {', '.join(INPUT_MAPS)}, not {_short(input_map)}"
        )
    if input_map == "sketch" and generator.get("label_nc") != 1:
        raise ValueError(
            f"a sketch model's G reads one channel of ink, not {generator.get('label_nc')!r}"
        )
    lights = meta.get("lights", [])
    if not isinstance(lights, list) or not all(isinstance(v, str) for v in lights):
        raise ValueError(f"lights must be a list of light names, not {_short(lights)}")
    guess = _config(meta, "S")
    if guess and guess.get("label_nc") != generator.get("label_nc"):
        raise ValueError(
            f"S's label_nc is {guess.get('label_nc')!r} but G's is {generator.get('label_nc')!r}"
        )
    _check_domains(meta.get("domains", {"A": "A", "B": "B"}))


def _check_domains(domains: Any) -> None:
    if (
        not isinstance(domains, dict)
        or set(domains) != {"A", "B"}
        or not all(isinstance(v, str) and len(v) <= MAX_TEXT for v in domains.values())
    ):
        raise ValueError(f"domains must name A and B as texts, not {_short(domains)}")


def _check_translator(meta: dict[str, Any]) -> None:
    generator = _config(meta, "G" if meta["kind"] == "pix2pix" else "G_A")
    num_downs = generator.get("num_downs")
    multiple = 2**num_downs if isinstance(num_downs, int) else RESNET_MULTIPLE
    resolution = _whole(meta, "resolution")
    if not multiple <= resolution <= MAX_RESOLUTION:
        raise ValueError(
            f"resolution is {resolution}, outside {multiple} to {MAX_RESOLUTION} for this network"
        )
    if "size_multiple" in meta and _whole(meta, "size_multiple") % multiple:
        raise ValueError(
            f"size_multiple is {meta['size_multiple']} but must be a multiple of {multiple}"
        )
    for key, config_key in (("channels_in", "input_nc"), ("channels_out", "output_nc")):
        if key in meta:
            _whole(meta, key, generator.get(config_key))
    if meta["kind"] == "cyclegan":
        backward = _config(meta, "G_B")
        if (backward.get("input_nc"), backward.get("output_nc")) != (
            generator.get("output_nc"),
            generator.get("input_nc"),
        ):
            raise ValueError("G_B's channels are not G_A's reversed")
    if meta.get("direction", "AtoB") not in DIRECTIONS:
        raise ValueError(
            f"direction must be one of {', '.join(DIRECTIONS)}, not {_short(meta['direction'])}"
        )
    _check_domains(meta.get("domains", {"A": "A", "B": "B"}))
