"""Run configurations: one dataclass per command, read from TOML, written back to the run.

A run's `config.toml` is the whole truth about how it was trained: defaults, then an
optional `--config FILE`, then command-line flags, in that order. `--resume` reads the
run's own file back, so a resumed run trains exactly as it started. The writer is a
tiny TOML serializer for flat tables of scalars and lists (no extra dependency).
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any, TypeVar

from ganpaint.atomic import atomic_write_bytes
from ganpaint.errors import GanpaintError
from ganpaint.ranges import check


class ConfigError(GanpaintError):
    """A configuration file or value the trainer cannot use."""


@dataclasses.dataclass
class LoopConfig:
    """What every training command shares: length, batch, schedule of saves, device."""

    iters: int = 10_000
    batch: int = 64
    seed: int = 0
    device: str = "auto"
    amp: bool = False
    workers: int = 2
    max_minutes: float = 0.0  # 0: no time limit
    log_every: int = 50
    sample_every: int = 500
    checkpoint_every: int = 1000
    keep_checkpoints: int = 3
    sync_bn: bool = False
    channels_last: bool = True  # only takes effect on CUDA
    tensorboard: bool = True

    def for_data(self: C, samples: int, world_size: int) -> C:
        """This config with what depends on the data's size settled (e.g. epochs to steps).

        Called once the training set is open, before the config is saved with the run;
        commands whose lengths are in steps keep it as it is.
        """
        return self


C = TypeVar("C", bound=LoopConfig)

#: Settings that say how long, where and how often a run goes, not what it learns:
#: --resume may change them (and a run killed just after such a resume leaves the new
#: value in config.toml only), so they are never compared with a checkpoint's.
RUN_CONTROL = frozenset(f.name for f in dataclasses.fields(LoopConfig))


def changed_settings(
    trained: Mapping[str, Any], now: Mapping[str, Any], skip: Collection[str] = ()
) -> list[tuple[str, Any, Any]]:
    """(name, trained value, value now) of every setting of what a run learns that differs
    from the checkpoint's record; names one side lacks (older runs) are not compared."""
    names = [name for name in now if name in trained and name not in RUN_CONTROL]
    return [
        (name, trained[name], now[name])
        for name in names
        if name not in skip and not same_setting(trained[name], now[name])
    ]


def same_setting(one: Any, other: Any) -> bool:
    """Equal values of a setting, a tuple equal to the list a TOML file gives back."""
    return _plain(one) == _plain(other)


def describe_changes(changes: list[tuple[str, Any, Any]], now: str, limit: int = 3) -> str:
    """`size = 32 (NOW: 64), ...`: the trained values first, at most `limit` of them."""
    parts = [f"{name} = {was!r} ({now}: {value!r})" for name, was, value in changes[:limit]]
    more = len(changes) - limit
    return ", ".join(parts) + (f" and {more} more" if more > 0 else "")


def _plain(value: Any) -> Any:
    """Tuples as lists: a TOML file gives back a list where the config held a tuple."""
    return list(value) if isinstance(value, tuple) else value


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def dumps_toml(data: Mapping[str, Any]) -> str:
    """Serialise a mapping of scalars, lists and one level of sub-tables (None is skipped)."""
    lines: list[str] = []
    tables: list[tuple[str, Mapping[str, Any]]] = []
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, Mapping):
            tables.append((key, value))
        else:
            lines.append(f"{key} = {_toml_value(value)}")
    for name, table in tables:
        lines.append("")
        lines.append(f"[{name}]")
        lines.extend(f"{k} = {_toml_value(v)}" for k, v in table.items() if v is not None)
    return "\n".join(lines) + "\n"


def config_to_dict(config: LoopConfig) -> dict[str, Any]:
    return dataclasses.asdict(config)


def _coerce(name: str, value: Any, default: Any) -> Any:
    """Check a TOML value against the field's default type (ints widen to floats)."""
    if default is None or value is None:
        return value
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"Config key {name!r} must be true or false, not {value!r}.")
        return value
    if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(default, tuple | list) and isinstance(value, list):
        return list(value)
    if type(value) is not type(default):
        raise ConfigError(f"Config key {name!r} must be a {type(default).__name__}, not {value!r}.")
    return value


def config_from_dict(cls: type[C], data: Mapping[str, Any], source: str = "config") -> C:
    """Build `cls` from a mapping, naming any unknown key (typos must not pass silently)."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(
            f"{source}: unknown key(s) {', '.join(unknown)}; "
            f"known keys are {', '.join(sorted(fields))}."
        )
    defaults = cls()
    values = {k: _coerce(k, v, getattr(defaults, k)) for k, v in data.items()}
    for key, value in values.items():
        if value != getattr(defaults, key):  # a default (0 = "automatic" too) always passes
            check(key, value, source)
    return cls(**values)


def load_toml(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"Config file {path} does not exist.") from None
    except IsADirectoryError:
        raise ConfigError(f"Config file {path} is a folder; pass a TOML file.") from None
    except UnicodeDecodeError:  # tomllib decodes the bytes itself: a binary file lands here
        raise ConfigError(f"Config file {path} is not UTF-8 text; pass a TOML file.") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"Config file {path} is not valid TOML ({error}).") from None
    except OSError as error:
        raise ConfigError(f"Cannot read config file {path} ({error.strerror}).") from None


def load_config(cls: type[C], path: str | Path) -> C:
    return config_from_dict(cls, load_toml(path), source=str(path))


def save_config(config: LoopConfig, path: str | Path) -> None:
    """Write `config` as TOML atomically (the run folder's `config.toml`)."""
    header = f"# ganpaint-train {type(config).__name__}: edit and pass with --config FILE\n"
    atomic_write_bytes(path, (header + dumps_toml(config_to_dict(config))).encode())


def merge(config: C, overrides: Mapping[str, Any]) -> C:
    """A copy of `config` with every non-None override applied (command-line flags)."""
    fields = {f.name for f in dataclasses.fields(config)}
    changes = {k: v for k, v in overrides.items() if v is not None and k in fields}
    return dataclasses.replace(config, **changes)
