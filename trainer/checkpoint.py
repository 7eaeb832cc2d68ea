"""Training checkpoints: everything needed to continue at exactly the next step.

One file per checkpoint, `RUN/checkpoints/step-NNNNNNNN.pt`, written with `torch.save`
through `atomic_path` (temp file, fsync, rename), so a run killed mid-write leaves the
previous checkpoint intact. The content is plain dicts of tensors, numbers and strings,
so it loads with `torch.load(weights_only=True)`: no pickle of our own classes.

```
{"format": "ganpaint-checkpoint", "version": 1, "kind": "gan", "step": 1200,
 "nets": {name: state_dict}, "optimizers": {...}, "schedulers": {...},
 "extra": {...},                     # a task's own tensors (e.g. an image pool)
 "rng": [per-rank {"python", "numpy", "torch", "cuda"}], "world_size": 1,
 "data": {"epoch", "batch_in_epoch", "samples_seen"}, "elapsed_s": 81.2,
 "config": {...}}                    # the run's config, for reference
```
Nets are saved unwrapped (no DDP `module.` prefix), so a checkpoint written by a
torchrun job resumes in a single process and the other way round.
"""

from __future__ import annotations

import pickle
import random
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ganpaint.atomic import atomic_path, remove_stale_parts
from ganpaint.errors import GanpaintError
from trainer.rundir import RunDir

FORMAT = "ganpaint-checkpoint"
VERSION = 1


class CheckpointError(GanpaintError):
    """A checkpoint that is missing, unreadable or does not match the run."""


def capture_rng() -> dict[str, Any]:
    """This process's RNG states (Python, NumPy, torch CPU and CUDA) as plain data."""
    version, internal, gauss = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state()
    state: dict[str, Any] = {
        "python": [version, list(internal), gauss],
        "numpy": {
            "name": str(name),
            "keys": torch.from_numpy(np.asarray(keys, dtype=np.int64)),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "cached": float(cached),
        },
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }
    return state


def restore_rng(state: dict[str, Any]) -> None:
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    numpy_state = state["numpy"]
    np.random.set_state(
        (
            numpy_state["name"],
            numpy_state["keys"].numpy().astype(np.uint32),
            numpy_state["pos"],
            numpy_state["has_gauss"],
            numpy_state["cached"],
        )
    )
    torch.set_rng_state(state["torch"])
    cuda = state.get("cuda") or []
    if cuda and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(cuda)


def save_checkpoint(path: Path, payload: dict[str, Any]) -> None:
    """Write one checkpoint atomically (the caller builds the payload; see module doc)."""
    payload = {"format": FORMAT, "version": VERSION, **payload}
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)


def load_checkpoint(path: Path) -> dict[str, Any]:
    """Read a checkpoint with weights_only=True onto the CPU, checking it is one of ours."""
    if path.exists() and not path.is_dir() and not path.is_file():  # a FIFO would block
        raise CheckpointError(f"Checkpoint {path} is not a regular file; pass a step-N.pt file.")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise CheckpointError(f"Checkpoint {path} does not exist.") from None
    except IsADirectoryError:
        raise CheckpointError(f"Checkpoint {path} is a folder; pass a step-N.pt file.") from None
    except pickle.UnpicklingError:  # torch's six lines suggest weights_only=False: never
        raise CheckpointError(
            f"Checkpoint {path} needs pickle to load (it holds Python objects, not just "
            "tensors), which could run any code, so it is refused; pass a ganpaint-train "
            "checkpoint."
        ) from None
    except Exception as error:  # truncated zip, not a checkpoint at all, ...
        raise CheckpointError(
            f"Checkpoint {path} is unreadable ({_first_line(error)}); pass a ganpaint-train "
            "checkpoint."
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a ganpaint-train checkpoint.")
    if payload.get("version", 0) > VERSION:
        raise CheckpointError(
            f"Checkpoint {path} was written by a newer ganpaint-train; upgrade ganpaint."
        )
    return payload


def _first_line(error: BaseException) -> str:
    """One line of an exception's message (torch's run to several)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def load_latest(run: RunDir) -> tuple[Path, dict[str, Any]] | None:
    """The newest checkpoint that loads; an unreadable newer one is skipped with a warning."""
    found = run.list_checkpoints()
    for _step, path in reversed(found):
        try:
            return path, load_checkpoint(path)
        except CheckpointError as error:
            print(f"ganpaint-train: warning: {error} Using the previous one.", file=sys.stderr)
    if found:
        raise CheckpointError(f"No checkpoint in {run.checkpoints} is readable.")
    return None


def recorded_config(run: RunDir) -> tuple[Path, dict[str, Any]] | None:
    """The newest loadable checkpoint and the config it was trained with (None: no
    checkpoint, or one that predates the record), read without loading its tensors
    (memory-mapped), so that --resume can check config.toml before anything else."""
    for _step, path in reversed(run.list_checkpoints()):
        if not path.is_file():
            continue  # load_latest names what is wrong with it
        try:
            payload = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
        except Exception:
            continue  # unreadable: load_latest warns and takes the previous one, as here
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            continue
        config = payload.get("config")
        return (path, config) if isinstance(config, dict) else None
    return None


def prune_checkpoints(run: RunDir, keep: int) -> None:
    """Delete all but the newest `keep` checkpoints."""
    found = run.list_checkpoints()
    for _step, path in found[: max(0, len(found) - max(1, keep))]:
        path.unlink(missing_ok=True)


def remove_partial_writes(run: RunDir) -> None:
    """Temp files left by writes that were killed (the rename never happened), at start.

    Only stale ones (see `remove_stale_parts`): a checkpoint another process is
    writing right now is never pulled from under it.
    """
    for folder in (run.root, run.checkpoints):
        remove_stale_parts(folder)
