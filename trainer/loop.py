"""The training loop every model shares: resume, step, log, sample, checkpoint, stop.

`fit` drives a `Task` (see trainer.task) over a `BatchStream` for `config.iters`
steps. It is written so that a run interrupted anywhere and resumed ends with
bitwise the same weights on the CPU as one that never stopped: the data position is
a function of the step, RNG states are saved with every checkpoint, and nothing
outside the step (sample grids, logging, saving) draws from the training RNGs.
"""

from __future__ import annotations

import contextlib
import datetime
import math
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ganpaint.device import describe_device, seed_everything
from ganpaint.errors import GanpaintError
from ganpaint.memory import MemoryLimitError, failed_allocation, is_allocation_failure
from trainer.checkpoint import (
    capture_rng,
    load_latest,
    prune_checkpoints,
    remove_partial_writes,
    restore_rng,
    save_checkpoint,
)
from trainer.config import LoopConfig, config_to_dict
from trainer.data.stream import BatchStream, mix_seed
from trainer.distributed import DistContext, parameter_hash
from trainer.monitor import Monitor
from trainer.rundir import RunDir
from trainer.task import Task

StepHook = Callable[[int, dict[str, torch.Tensor]], None]
#: A checkpoint's path and content, as `load_latest` returns them.
ResumePoint = tuple[Path, dict[str, Any]]


class TrainingDiverged(GanpaintError):
    """A loss became NaN or infinite; the last good checkpoint is kept."""


class StepOutOfMemory(MemoryLimitError):
    """An allocation failed in a step (or in saving one); the last checkpoint is kept.
    `session.train` rephrases it with what happened to the run."""

    def __init__(self, step: int, detail: str) -> None:
        super().__init__(f"Training ran out of memory at step {step} ({detail}).")
        self.step, self.detail = step, detail


@dataclass
class FitResult:
    step: int
    state: str  # finished | stopped (time limit) | interrupted (Ctrl-C, SIGTERM)
    last_checkpoint: str | None
    losses: dict[str, float] = field(default_factory=dict)


def seed_process(seed: int, rank: int) -> None:
    """Seed every RNG: rank 0 with `seed` itself (so one process and rank 0 agree)."""
    seed_everything(seed if rank == 0 else mix_seed(seed, rank) % 2**62)


@contextlib.contextmanager
def _graceful_interrupt() -> Iterator[dict[str, bool]]:
    """Ctrl-C or SIGTERM (a scheduler's preemption) stops after this step with a checkpoint.

    A second Ctrl-C aborts at once. Under torchrun the ranks agree on the stop at the
    next log step, so every rank saves the same step.
    """
    flag = {"stop": False}
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum: int, frame: Any) -> None:
        if flag["stop"] and signum == signal.SIGINT:
            raise KeyboardInterrupt
        flag["stop"] = True
        print("\nganpaint-train: stopping after this step (Ctrl-C again to abort)", file=sys.stderr)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield flag
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


class _Losses:
    """Loss sums kept on the device (no per-step sync) plus the first non-finite step."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.sums: dict[str, torch.Tensor] = {}
        self.count = 0
        self.first_bad = torch.full((), -1, dtype=torch.int64, device=device)

    def add(self, step: int, losses: dict[str, torch.Tensor]) -> None:
        finite = torch.ones((), dtype=torch.bool, device=self.device)
        for name, value in losses.items():
            value = value.detach().float()
            self.sums[name] = self.sums[name] + value if name in self.sums else value.clone()
            finite = finite & torch.isfinite(value).all()
        bad_now = (~finite) & (self.first_bad < 0)
        self.first_bad = torch.where(bad_now, torch.full_like(self.first_bad, step), self.first_bad)
        self.count += 1

    def bad_names(self) -> list[str]:
        return [k for k, v in self.sums.items() if not math.isfinite(float(v))]

    def means(self, ctx: DistContext) -> dict[str, float]:
        if not self.count:
            return {}
        means = {k: float(ctx.mean(v / self.count)) for k, v in sorted(self.sums.items())}
        self.sums, self.count = {}, 0
        return means


def _check_and_sync(ctx: DistContext, losses: _Losses, want_stop: bool) -> tuple[int, bool]:
    """(first non-finite step or -1, stop?) agreed by every rank (one small all-reduce)."""
    flags = torch.stack(
        [losses.first_bad.to(torch.float64), torch.tensor(float(want_stop), dtype=torch.float64,
                                                          device=losses.first_bad.device)]
    )  # fmt: skip
    if ctx.enabled:
        import torch.distributed as dist

        flags = flags.to(ctx._comm_device())
        dist.all_reduce(flags, op=dist.ReduceOp.MAX)
    bad, stop = flags.tolist()
    return int(bad), bool(stop)


def fit(
    task: Task,
    stream: BatchStream,
    run: RunDir,
    config: LoopConfig,
    ctx: DistContext,
    *,
    resume: bool = False,
    meta: dict[str, Any] | None = None,
    hooks: tuple[StepHook, ...] = (),
    description: str = "train",
    command: str = "",
    initialised: bool = False,
    resumed: ResumePoint | None = None,
) -> FitResult:
    """Train `task` until `config.iters` steps, a time limit or Ctrl-C; see module doc.

    `initialised`: the caller ran `task.initialise()` already (a fresh run checks its
    start-up inputs before anything is written, see `session.train`). `resumed`: the
    checkpoint the caller loaded into `task` already (it checks that the checkpoint fits
    before rewriting the run's config); otherwise `resume` loads the latest here."""
    start_step, elapsed_before = 0, 0.0
    last_checkpoint: str | None = None
    if ctx.is_main:
        remove_partial_writes(run)
    if resume:
        loaded = resumed or load_latest(run)
        if loaded is not None:
            path, payload = loaded
            if resumed is None:
                task.load_state_dict(payload, str(path))
            start_step = int(payload["step"])
            elapsed_before = float(payload.get("elapsed_s", 0.0))
            states = payload.get("rng", [])
            if len(states) == ctx.world_size:
                restore_rng(states[ctx.rank])
            else:  # a different number of processes: a fresh, still deterministic stream
                seed_process(mix_seed(config.seed, start_step), ctx.rank)
            last_checkpoint = str(path)
            if ctx.is_main:
                print(f"ganpaint-train: resuming {run.root} at step {start_step}", file=sys.stderr)

    if start_step == 0 and not initialised:
        task.initialise()
    if ctx.is_main and resume:
        _forget_after(run, start_step)
    monitor = Monitor(
        run,
        total=config.iters,
        start=start_step,
        enabled=ctx.is_main,
        tensorboard=config.tensorboard,
        description=description,
    )
    if ctx.is_main and start_step == 0:
        monitor.message(
            f"ganpaint-train: {description} on {describe_device(ctx.device)}"
            + (f" x {ctx.world_size} processes" if ctx.enabled else "")
        )
    losses = _Losses(ctx.device)
    session_start = time.monotonic()
    deadline = session_start + config.max_minutes * 60 if config.max_minutes > 0 else math.inf
    step = start_step
    latest: dict[str, float] = {}
    state = "finished"

    def elapsed() -> float:
        return elapsed_before + time.monotonic() - session_start

    def checkpoint() -> str:
        payload = {
            "kind": task.kind,
            "command": command,
            "step": step,
            **task.state_dict(),
            "rng": ctx.gather(capture_rng()),
            "world_size": ctx.world_size,
            "data": stream.position(step),
            "elapsed_s": elapsed(),
            "config": config_to_dict(config),
        }
        path = run.checkpoint_path(step)
        if ctx.is_main:
            save_checkpoint(path, payload)
            prune_checkpoints(run, config.keep_checkpoints)
        ctx.barrier()
        return str(path)

    def write_status(status_state: str) -> None:
        if not ctx.is_main:
            return
        session = time.monotonic() - session_start
        run.write_status(
            {
                "state": status_state,
                "kind": task.kind,
                "command": command,
                "step": step,
                "iters": config.iters,
                "losses": latest,
                "elapsed_s": round(elapsed(), 3),
                "steps_per_s": round((step - start_step) / session, 4) if session > 0 else None,
                "last_checkpoint": last_checkpoint,
                "world_size": ctx.world_size,
                "device": str(ctx.device),
                "updated": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            }
        )

    task.train()
    batches = stream.iterate(start_step)
    write_status("running")
    try:
        with _graceful_interrupt() as interrupt:
            while step < config.iters:
                batch = next(batches)
                step_losses = task.train_step(batch, step)
                step += 1
                losses.add(step, step_losses)
                for hook in hooks:
                    hook(step, step_losses)
                monitor.advance(step)
                saving = step % config.checkpoint_every == 0 or step == config.iters
                logging = step % config.log_every == 0 or saving
                local_stop = interrupt["stop"] or time.monotonic() >= deadline
                if not ctx.enabled and local_stop:
                    logging = True
                if logging:
                    bad, stop = _check_and_sync(ctx, losses, local_stop)
                    if bad >= 0:
                        names = ", ".join(losses.bad_names()) or "a loss"
                        state = "diverged"
                        raise TrainingDiverged(
                            f"{names} became NaN or infinite at step {bad}; stopped, keeping "
                            f"the last good checkpoint ({last_checkpoint or 'none yet'}); "
                            "lower --lr or try --loss wgan-gp, then --resume."
                        )
                    latest = losses.means(ctx)
                    monitor.scalars(step, latest)
                    if stop:
                        saving = True
                        state = "interrupted" if interrupt["stop"] else "stopped"
                    if step % config.sample_every == 0:
                        _sample(task, monitor, step)
                    if saving:
                        last_checkpoint = checkpoint()
                    write_status("running" if state == "finished" else state)
                    if stop:
                        why = "stop request" if interrupt["stop"] else "time limit"
                        monitor.message(
                            f"ganpaint-train: {why}: stopped at step {step}; continue with --resume"
                        )
                        break
                if ctx.is_main and task.test_every and step % task.test_every == 0:
                    _test_output(task, monitor, step)
        if ctx.is_main and state == "finished" and step % config.sample_every != 0:
            _sample(task, monitor, step)
        if ctx.is_main and state == "finished" and task.test_every and step % task.test_every:
            _test_output(task, monitor, step)
        hashes = ctx.gather(parameter_hash(task.nets)) if ctx.enabled else None
        if ctx.is_main:
            if hashes is not None and len(set(hashes)) != 1:
                monitor.message("ganpaint-train: warning: the ranks' networks differ at the end.")
            if step > 0:
                _export(task, run, step, meta or {})
            status_extra = {"replica_hashes": hashes} if hashes is not None else {}
            write_status(state)
            if status_extra:
                run.write_status({**run.read_status(), **status_extra})
    except TrainingDiverged:
        write_status("diverged")
        raise
    except KeyboardInterrupt:
        write_status("interrupted")
        raise
    except (MemoryError, RuntimeError) as error:
        if not is_allocation_failure(error):
            raise
        write_status("out of memory")
        raise StepOutOfMemory(step + 1, failed_allocation(error)) from None
    finally:
        monitor.close()
    return FitResult(step=step, state=state, last_checkpoint=last_checkpoint, losses=latest)


def _forget_after(run: RunDir, step: int) -> None:
    """Drop scalars logged after the checkpoint we resume from (they will be logged again)."""
    run.keep_scalars_until(step)


def _sample(task: Task, monitor: Monitor, step: int) -> None:
    if not monitor.enabled:
        return
    task.train(False)
    try:
        with torch.no_grad():
            images = task.sample_images()
    finally:
        task.train(True)
    monitor.images(step, images)


def _test_output(task: Task, monitor: Monitor, step: int) -> None:
    task.train(False)
    try:
        with torch.no_grad():
            images = task.test_images()
    finally:
        task.train(True)
    monitor.test_images(step, images)


def _export(task: Task, run: RunDir, step: int, meta: dict[str, Any]) -> None:
    meta = dict(meta)
    training = dict(meta.get("training", {}))
    training["steps"] = step
    meta["training"] = training
    task.bundle(meta).save(run.model)
