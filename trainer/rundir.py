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
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ganpaint.atomic import atomic_write_bytes

_CKPT = re.compile(r"^step-(\d{8,})\.pt$")


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
        try:
            return json.loads(self.status.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def write_status(self, status: dict[str, Any]) -> None:
        atomic_write_bytes(self.status, json.dumps(status, indent=2, sort_keys=True).encode())
