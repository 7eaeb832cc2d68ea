"""What a run reports while it trains (rank 0 only): progress bar, scalars, grids, status.

Scalars go to the tqdm bar (stderr), to `scalars.jsonl` (always) and to TensorBoard
(when installed; a missing TensorBoard is one warning, never a failure). Sample grids
go to `samples/step-N.png` and TensorBoard, test-set translations to
`test/step-N/*.png` and TensorBoard. `status.json` is what `ganpaint-train
status` reads.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import torch

from ganpaint.convert import tensor_to_image
from ganpaint.imageio import save_image
from trainer.grids import grid, save_grid
from trainer.rundir import RunDir


def _open_tensorboard(folder: Path, purge_step: int | None) -> Any:
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        print(
            "ganpaint-train: warning: TensorBoard is not installed, so only scalars.jsonl and "
            "sample PNGs are written; install it with pip install 'ganpaint[train]'.",
            file=sys.stderr,
        )
        return None
    # purge_step hides events a crashed session logged after the checkpoint we resume from.
    return SummaryWriter(log_dir=str(folder), purge_step=purge_step)


class Monitor:
    """Rank 0's outputs for one training session; a silent stand-in on other ranks."""

    def __init__(
        self,
        run: RunDir,
        total: int,
        start: int,
        enabled: bool = True,
        tensorboard: bool = True,
        progress: bool = True,
        description: str = "train",
    ) -> None:
        self.run, self.enabled, self.total = run, enabled, total
        self.writer = (
            _open_tensorboard(run.tensorboard, start or None) if enabled and tensorboard else None
        )
        self.bar = None
        if enabled and progress:
            from tqdm import tqdm

            self.bar = tqdm(
                total=total, initial=start, desc=description, unit="step", file=sys.stderr,
                dynamic_ncols=True, smoothing=0.1,
            )  # fmt: skip
        self._last_step = start

    def advance(self, step: int) -> None:
        if self.bar is not None:
            self.bar.update(step - self._last_step)
        self._last_step = step

    def scalars(self, step: int, values: dict[str, float]) -> None:
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.set_postfix({k: f"{v:.3g}" for k, v in values.items()}, refresh=False)
        record = {"step": step, "time": time.time(), **values}
        with open(self.run.scalars, "a") as handle:
            handle.write(json.dumps(record) + "\n")
        if self.writer is not None:
            for name, value in values.items():
                self.writer.add_scalar(name, value, step)

    def images(self, step: int, named: dict[str, torch.Tensor]) -> None:
        """One PNG per step (the batches stacked as rows of one grid when there are several)."""
        if not self.enabled or not named:
            return
        batches = list(named.values())
        columns = batches[0].shape[0] if len(batches) > 1 else None
        channels = max(b.shape[1] for b in batches)
        stacked = torch.cat(
            [b.detach().float().cpu().expand(-1, channels, -1, -1) for b in batches]
        )
        picture = save_grid(stacked, self.run.sample_path(step), nrow=columns)
        if self.writer is not None:
            self.writer.add_image("samples", (picture + 1) / 2, step)

    def test_images(self, step: int, named: dict[str, torch.Tensor]) -> None:
        """Every image as its own PNG (`test/step-N/0003_fake_B.png`), one grid to TensorBoard."""
        if not self.enabled or not named:
            return
        folder = self.run.test_path(step)
        for name, batch in named.items():
            for index, picture in enumerate(tensor_to_image(batch.detach().float().clamp(-1, 1))):
                save_image(folder / f"{index:04d}_{name}.png", picture)
        if self.writer is not None:
            batches = [b.detach().float().cpu() for b in named.values()]
            channels = max(b.shape[1] for b in batches)
            stacked = torch.cat([b.expand(-1, channels, -1, -1) for b in batches])
            self.writer.add_image("test", (grid(stacked, nrow=batches[0].shape[0]) + 1) / 2, step)

    def message(self, text: str) -> None:
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.write(text, file=sys.stderr)
        else:
            print(text, file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        if self.writer is not None:
            self.writer.close()
            self.writer = None
