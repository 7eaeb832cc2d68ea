"""The run folder: one place that knows where a run keeps each of its files.

```
RUN/
  config.toml          the resolved configuration (what --resume reads back)
  status.json          step, losses, elapsed time, last checkpoint, state
  scalars.jsonl        every logged scalar, one JSON object per log step
  checkpoints/         step-00001000.pt ... (the last N kept)
  samples/             step-00001000.png: fixed-z sample grids
  test/                step-00001000/0000_fake_B.png ...: test-set translations
  tensorboard/         TensorBoard event files
  model.safetensors    the exported bundle (written at the end of the run)
```
"""

from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ganpaint.atomic import atomic_write_bytes
from ganpaint.errors import GanpaintError

_CKPT = re.compile(r"^step-(\d{8,})\.pt$")

# status.json fields and the types the trainer writes (None allowed where it writes None).
_NUMBER = (int, float)
_STATUS_TYPES: dict[str, tuple[type, ...]] = {
    "state": (str,), "kind": (str,), "command": (str,), "step": (int,), "iters": (int,),
    "losses": (dict,), "elapsed_s": _NUMBER, "steps_per_s": (*_NUMBER, type(None)),
    "last_checkpoint": (str, type(None)), "world_size": (int,), "device": (str,),
    "updated": (str,), "replica_hashes": (list,),
}  # fmt: skip
# The smallest value each count or duration can take (a step of -5 is damage, not a run).
_STATUS_MINIMUM: dict[str, int] = {
    "step": 0, "iters": 0, "elapsed_s": 0, "steps_per_s": 0, "world_size": 1,
}  # fmt: skip
#: Larger than any count a run reaches (and exact in a JSON reader's float).
_STATUS_MAXIMUM = 2**53


class RunFolderError(GanpaintError):
    """A file of a run folder that is damaged: one sentence naming it and the fix."""


@dataclass(frozen=True)
class RunDir:
    root: Path

    @property
    def config(self) -> Path:
        return self.root / "config.toml"

    @property
    def status(self) -> Path:
        return self.root / "status.json"

    @property
    def scalars(self) -> Path:
        return self.root / "scalars.jsonl"

    @property
    def checkpoints(self) -> Path:
        return self.root / "checkpoints"

    @property
    def samples(self) -> Path:
        return self.root / "samples"

    @property
    def test_outputs(self) -> Path:
        return self.root / "test"

    @property
    def tensorboard(self) -> Path:
        return self.root / "tensorboard"

    @property
    def model(self) -> Path:
        return self.root / "model.safetensors"

    def checkpoint_path(self, step: int) -> Path:
        return self.checkpoints / f"step-{step:08d}.pt"

    def sample_path(self, step: int) -> Path:
        return self.samples / f"step-{step:08d}.png"

    def test_path(self, step: int) -> Path:
        return self.test_outputs / f"step-{step:08d}"

    def list_checkpoints(self) -> list[tuple[int, Path]]:
        """(step, path) of every complete checkpoint, oldest first (temp files ignored)."""
        if not self.checkpoints.is_dir():
            return []
        found = []
        for path in self.checkpoints.iterdir():
            match = _CKPT.match(path.name)
            if match:
                found.append((int(match.group(1)), path))
        return sorted(found)

    def record_files(self) -> list[Path]:
        """The files that record the run (config, status, scalars, checkpoints)."""
        checkpoints = [path for _, path in self.list_checkpoints()]
        return [self.config, self.status, self.scalars, *checkpoints]

    def own_folders(self) -> list[Path]:
        """The folders the run fills; nothing else may write into them."""
        return [self.checkpoints, self.samples, self.test_outputs, self.tensorboard]

    def occupied_by(self) -> list[Path]:
        """What already stands where a new run would write (a new run must not replace it)."""
        names = [self.config, self.status, self.scalars, self.model, *self.own_folders()]
        return [path for path in names if path.exists() or path.is_symlink()]

    def is_run(self) -> bool:
        return self.config.is_file()

    def read_status(self) -> dict[str, Any]:
        """status.json as written by the trainer ({} before the first step).

        Any damage (a folder, not UTF-8 JSON, not an object, a field of the wrong
        type, a count no run reaches such as a negative step) raises RunFolderError:
        it is only a summary, rewritten at every logged step, so the fix is to delete
        it and resume.
        """
        fix = "delete it (training rewrites it) and resume the run."
        text = _read_text(self.status, fix)
        if text is None:
            return {}
        try:
            info = json.loads(text)
        except json.JSONDecodeError as error:
            raise RunFolderError(f"{self.status} is not valid JSON ({error}); {fix}") from None
        if not isinstance(info, dict):
            raise RunFolderError(
                f"{self.status} holds a {type(info).__name__}, not a JSON object; {fix}"
            )
        for key, kinds in _STATUS_TYPES.items():
            if key in info and not _is_instance(info[key], kinds):
                raise RunFolderError(f"{self.status} has a bad {key!r} ({info[key]!r}); {fix}")
            if key in info and not _in_status_range(key, info[key]):
                raise RunFolderError(
                    f"{self.status} has an impossible {key!r} ({info[key]!r}); {fix}"
                )
        if not all(isinstance(v, _NUMBER) for v in info.get("losses", {}).values()):
            raise RunFolderError(f"{self.status} has a non-numeric loss; {fix}")
        return info

    def read_scalars(self) -> list[dict[str, Any]]:
        """The records of scalars.jsonl, oldest first ([] when there is none).

        A last line without its newline that does not parse is what a kill during the
        append leaves; it is dropped with a warning (its step is logged again when the
        run resumes from an earlier checkpoint). Any other bad line is damage a person
        should see: RunFolderError names the line instead of silently losing records.
        """
        fix = "fix or delete that line, then resume."
        text = _read_text(self.scalars, "move it away and resume (a new one is started).")
        if text is None:
            return []
        lines = text.split("\n")
        torn = lines.pop()  # "" when the file ends with its newline
        records = [_scalar_record(self.scalars, n, line, fix) for n, line in enumerate(lines, 1)]
        records = [record for record in records if record is not None]
        if torn.strip():
            try:
                record = _scalar_record(self.scalars, len(lines) + 1, torn, fix)
            except RunFolderError:
                print(
                    f"ganpaint-train: warning: dropped a torn last line of {self.scalars} "
                    "(a write was cut off; its step is logged again).",
                    file=sys.stderr,
                )
            else:
                records.append(record)
        return records

    def keep_scalars_until(self, step: int) -> None:
        """Drop scalars logged after `step` (a resumed run logs them again), atomically."""
        if not self.scalars.exists():
            return
        before = _read_text(self.scalars, "")
        kept = [record for record in self.read_scalars() if record.get("step", 0) <= step]
        text = "".join(json.dumps(record) + "\n" for record in kept)
        if text != before:
            atomic_write_bytes(self.scalars, text.encode())

    def check_resumable(self) -> None:
        """Read every file --resume reads or rewrites, so damage stops it before any write."""
        self.read_status()
        self.read_scalars()

    def write_status(self, status: dict[str, Any]) -> None:
        atomic_write_bytes(self.status, json.dumps(status, indent=2, sort_keys=True).encode())


def _read_text(path: Path, fix: str) -> str | None:
    """A run file's text; None when it does not exist; RunFolderError when unreadable."""
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise RunFolderError(f"{path} is a folder, not the run's file; {fix}") from None
    except UnicodeDecodeError:
        raise RunFolderError(f"{path} is not UTF-8 text; {fix}") from None
    except OSError as error:
        raise RunFolderError(f"Cannot read {path} ({error.strerror}); {fix}") from None


def _scalar_record(path: Path, number: int, line: str, fix: str) -> dict[str, Any] | None:
    """One line of scalars.jsonl as a record with an integer step; None for a blank line."""
    if not line.strip():
        return None
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        record = None
    if not isinstance(record, dict) or not _is_instance(record.get("step"), (int,)):
        raise RunFolderError(f"{path} line {number} is not a scalars record; {fix}")
    return record


def _in_status_range(key: str, value: Any) -> bool:
    """A count or duration of status.json within what a run can reach (None passes)."""
    if key not in _STATUS_MINIMUM or value is None:
        return True
    return _STATUS_MINIMUM[key] <= value <= _STATUS_MAXIMUM


def _is_instance(value: Any, kinds: tuple[type, ...]) -> bool:
    """isinstance without bool passing for a number, and without NaN step counts."""
    if isinstance(value, bool):
        return bool in kinds
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return isinstance(value, kinds)
