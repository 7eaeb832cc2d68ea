"""One training command from flags to finished run, the same for every model.

`resolve_config` decides the configuration (defaults, `--config FILE`, flags; or the
run's own `config.toml` on `--resume`) and `train` sets up torchrun, the device and
the data stream, builds the task and hands both to `trainer.loop.fit`. A new model
(CycleGAN, pix2pix) supplies a config dataclass, a task factory and a data factory.

Memory is planned before the run folder is made (`trainer.footprint`: the task measured
on the meta device), and an allocator failure that happens anyway, in set-up or in a
step, ends in one sentence like every user error: a new run without a checkpoint is
removed, an existing run keeps its last checkpoint untouched.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from torch.utils.data import Dataset

from ganpaint.destinations import check_writes
from ganpaint.errors import DestinationError, GanpaintError
from ganpaint.memory import MemoryLimitError, failed_allocation, is_allocation_failure
from trainer import distributed
from trainer.checkpoint import CheckpointError, load_latest, recorded_config
from trainer.config import (
    ConfigError,
    LoopConfig,
    changed_settings,
    config_to_dict,
    describe_changes,
    load_config,
    merge,
    same_setting,
    save_config,
)
from trainer.data.source import is_synthetic
from trainer.data.stream import BatchStream
from trainer.footprint import check_training_memory, describe_flags, measure
from trainer.loop import FitResult, ResumePoint, StepHook, StepOutOfMemory, fit, seed_process
from trainer.rundir import RunDir
from trainer.runtime import Runtime
from trainer.task import Task

C = TypeVar("C", bound=LoopConfig)


def resolve_config(
    cls: type[C],
    out: str | Path,
    overrides: dict[str, Any],
    config_file: str | Path | None = None,
    resume: bool = False,
) -> tuple[RunDir, C]:
    """The run folder and its configuration; refuses to start over an existing run."""
    run = RunDir(Path(out))
    cwd = Path.cwd()
    if resume:
        if not run.is_run():
            what = "config.toml is not a file" if run.config.exists() else "no config.toml"
            raise ConfigError(
                f"{run.root} is not a run folder ({what}); start it without --resume."
            )
        run.check_resumable()
        stored = load_config(cls, run.config)
        check_config_matches_checkpoint(run, stored, overrides)
        # Run folders before 0.x stored paths as typed: relative to where the run started.
        config = absolute_paths(stored, [cwd, run.root.absolute().parent], skip=overrides)
    else:
        _check_new_run(run)
        config = load_config(cls, config_file) if config_file else cls()
    config = absolute_paths(merge(config, overrides), [cwd])
    resolved = getattr(config, "resolved", None)
    if resolved is not None:
        config = resolved()
    return run, config


# Config fields that name files or folders (a data spec may also be synthetic:...).
PATH_FIELDS = ("data", "init_from", "model")
# Settings --resume does not hold against the checkpoint: where files are (data moves
# with its disk, old runs stored paths relative) and the exported model's name.
UNCHECKED_FIELDS = (*PATH_FIELDS, "name")


def check_config_matches_checkpoint(run: RunDir, stored: LoopConfig, flags: dict[str, Any]) -> None:
    """Every setting of what the run learns in config.toml is the one its last checkpoint
    was trained with, or one a flag of this command confirms: an edited value (a size, a
    learning rate) would otherwise resume another run silently, or fail late."""
    recorded = recorded_config(run)
    now = _resolved(stored)
    if recorded is None or now is None:  # a value that does not resolve is named later
        return
    path, trained = recorded
    changes = [
        (name, was, value)
        for name, was, value in changed_settings(
            trained, config_to_dict(now), skip=UNCHECKED_FIELDS
        )
        if name not in flags or not same_setting(flags[name], value)
    ]
    if changes:
        raise ConfigError(
            f"{run.config} no longer matches the run's checkpoint {path.name}, trained with "
            f"{describe_changes(changes, 'config.toml')}; put the trained values back in "
            "config.toml, or confirm a change by passing it as a flag too."
        )


def _resolved(config: C) -> C | None:
    """`config` with its automatic values filled in, as the run stored them (None when
    it does not resolve)."""
    resolve = getattr(config, "resolved", None)
    if resolve is None:
        return config
    try:
        return resolve()
    except GanpaintError:
        return None


def absolute_paths(config: C, bases: Sequence[Path], skip: dict[str, Any] | None = None) -> C:
    """`config` with every relative path field made absolute, so a run resumes from anywhere.

    A relative path is taken from the first of `bases` where it exists (the first base
    when it exists nowhere, so that the data error names a full path); fields in
    `skip` (flags that replace them) are left alone.
    """
    changes = {}
    for name in PATH_FIELDS:
        value = getattr(config, name, None)
        if not isinstance(value, str) or not value or is_synthetic(value) or name in (skip or {}):
            continue
        path = Path(value).expanduser()
        if not path.is_absolute():
            found = [base / path for base in bases if (base / path).exists()]
            path = found[0] if found else bases[0] / path
        changes[name] = str(path.resolve())
    return dataclasses.replace(config, **changes) if changes else config


def _check_new_run(run: RunDir) -> None:
    """A new run never replaces what is in its folder: another run's files, or a model."""
    existing = run.list_checkpoints()
    if existing:
        raise ConfigError(
            f"{run.root} already holds a run (step {existing[-1][0]}); add --resume to "
            "continue it, or choose another --out."
        )
    occupied = run.occupied_by()
    if occupied:
        raise ConfigError(
            f"{run.root} already holds {occupied[0].name}; pick an empty folder for --out, "
            "or add --resume to continue the run there."
        )


def _check_run_destination(run: RunDir, config: LoopConfig) -> None:
    """The run folder is a folder that can be written, and not inside the data it reads
    (image folders are read with their subfolders: samples would become training data)."""
    data = str(getattr(config, "data", "") or "")
    trees = [data] if data and not is_synthetic(data) and Path(data).expanduser().is_dir() else []
    check_writes(folders=[run.root], read_trees=[Path(t).expanduser() for t in trees])
    for folder in run.own_folders():  # a file where the run keeps its checkpoints, ...
        if folder.exists() and not folder.is_dir():
            raise DestinationError(
                f"{folder} is not a folder, but the run keeps its {folder.name} there; move "
                "it away or train into another --out folder."
            )


def training_meta(run: RunDir, config: LoopConfig, extra: dict[str, Any] | None = None) -> dict:
    """Bundle metadata every trained model carries: name, training data and config."""
    meta = dict(extra or {})
    meta.setdefault("name", getattr(config, "name", "") or run.root.name)
    training = dict(meta.get("training", {}))
    training.setdefault("data", getattr(config, "data", ""))
    training.setdefault("config", config_to_dict(config))
    meta["training"] = training
    return meta


def load_resume_point(task: Task, run: RunDir, config: LoopConfig) -> ResumePoint | None:
    """The run's last checkpoint, loaded into `task` before any file of the run is
    rewritten: a flag that changes the networks' shapes stops here, naming the setting."""
    loaded = load_latest(run)
    if loaded is None:
        return None
    path, payload = loaded
    try:
        task.load_state_dict(payload, str(path))
    except CheckpointError:
        trained = payload.get("config")
        if not isinstance(trained, dict):
            raise
        changes = changed_settings(trained, config_to_dict(config), skip=UNCHECKED_FIELDS)
        if not changes:
            raise
        raise CheckpointError(
            f"Checkpoint {path} was trained with {describe_changes(changes, 'now')}, and "
            "its networks do not fit the new settings; resume with the trained values, or "
            "start a new run in another --out folder."
        ) from None
    return loaded


def _forget_fresh_run(run: RunDir, created: bool) -> None:
    """A new run that stops before its first checkpoint leaves nothing: the files and
    folders it wrote go (none was there before it: `_check_new_run`), and its folder
    too when this run made it (and nothing else is in it)."""
    for path in (run.config, run.status, run.scalars, run.model):
        path.unlink(missing_ok=True)
    for folder in run.own_folders():
        shutil.rmtree(folder, ignore_errors=True)
    if created:
        with contextlib.suppress(OSError):  # something else is there now: leave it
            run.root.rmdir()


#: The config fields a run's memory grows with, named when it does not fit.
MEMORY_FLAGS = ("batch", "size", "ngf", "ndf")


def _check_memory_fits(
    command: str,
    run: RunDir,
    config: LoopConfig,
    build_task: Callable[[Runtime, Any], Task],
    dataset: Dataset[Any],
    ctx: distributed.DistContext,
    *,
    channels: int | None,
    crop: int | None,
    flags: Sequence[str],
    resume: bool,
) -> None:
    """Refuse a run that would not fit in memory, before any file of it is written; a
    resumed run also holds its checkpoint while loading it.

    A task the meta device cannot run (an operation without a meta kernel) trains
    unmeasured, with a warning: the estimate guards the run, it must not stop it."""
    try:
        footprint = measure(build_task, config, dataset, channels=channels, crop=crop)
    except GanpaintError:
        raise
    except Exception as error:
        if is_allocation_failure(error):
            raise
        if ctx.is_main:
            first = (str(error).strip().splitlines() or [""])[0][:200]
            print(
                f"ganpaint-train: warning: memory not estimated ({type(error).__name__}: "
                f"{first}); training anyway.",
                file=sys.stderr,
            )
        return
    checkpoints = run.list_checkpoints() if resume else []
    extra = checkpoints[-1][1].stat().st_size if checkpoints else 0
    check_training_memory(command, config, footprint, ctx, flags, extra=extra)


@dataclasses.dataclass
class _Start:
    """How far `train` got, for the message when memory runs out."""

    config: LoopConfig
    written: bool = False  # the run folder holds files of this command
    fresh: bool = False  # a new run (not --resume) on rank 0
    created: bool = False  # this run made the folder


def _out_of_memory(
    error: BaseException, command: str, run: RunDir, start: _Start, flags: Sequence[str]
) -> MemoryLimitError:
    """The one sentence for an allocation that failed although the estimate let the run
    start; a new run without a checkpoint is removed first (see `_forget_fresh_run`)."""
    if isinstance(error, StepOutOfMemory):
        where, detail = f"at step {error.step}", error.detail
    else:
        where, detail = "while setting up", failed_allocation(error)
    _shown, lower = describe_flags(start.config, flags)
    kept = run.list_checkpoints() if start.written else []
    if not start.written:
        outcome = f"nothing was written; {lower}"
    elif start.fresh and not kept:
        _forget_fresh_run(run, start.created)
        outcome = f"the new run in {run.root} was removed; {lower} and start it again"
    else:
        last = f"its last checkpoint (step {kept[-1][0]})" if kept else "its files"
        outcome = f"{run.root} keeps {last}; free memory, or --resume with a smaller --batch"
    return MemoryLimitError(f"Training {command} ran out of memory {where} ({detail}); {outcome}.")


def _train(
    ctx: distributed.DistContext,
    start: _Start,
    command: str,
    run: RunDir,
    config: C,
    build_task: Callable[[Runtime, C], Task],
    build_data: Callable[[C, distributed.DistContext], Dataset[Any]],
    *,
    resume: bool,
    meta: dict[str, Any] | None,
    channels: int | None,
    flip: bool,
    description: str,
    hooks: tuple[StepHook, ...],
    transforms: dict[str, Any] | None,
    memory_flags: Sequence[str],
) -> FitResult:
    """`train` within its process group, recording in `start` how far it got."""
    dataset = build_data(config, ctx)  # data errors first: they say what the data lacks
    _check_run_destination(run, config)
    config = config.for_data(len(dataset), ctx.world_size)  # type: ignore[arg-type]
    start.config = config
    options = {"flip": flip, **(transforms or {})}
    _check_memory_fits(
        command, run, config, build_task, dataset, ctx, channels=channels,
        crop=options.get("crop"), flags=memory_flags, resume=resume,
    )  # fmt: skip
    fresh = ctx.is_main and not resume and not run.config.exists()
    created = not run.root.exists()
    start.fresh, start.created, start.written = fresh, created, True
    if ctx.is_main:
        run.root.mkdir(parents=True, exist_ok=True)
        if not resume:  # a resumed run's config is rewritten once its checkpoint fits
            save_config(config, run.config)
    try:
        seed_process(config.seed, ctx.rank)
        runtime = Runtime.create(ctx, config.amp, config.channels_last, config.sync_bn)
        task = build_task(runtime, config)
        if fresh:  # inputs a task reads at its start (--init-from) are checked now
            task.initialise()
    except GanpaintError:
        if fresh:
            _forget_fresh_run(run, created)
        raise
    resumed = load_resume_point(task, run, config) if resume else None
    if ctx.is_main and resume:
        save_config(config, run.config)
    stream = BatchStream(
        dataset,
        batch=config.batch * task.batch_multiple,
        seed=config.seed,
        device=ctx.device,
        rank=ctx.rank,
        world_size=ctx.world_size,
        workers=config.workers,
        channels=channels,
        memory_format=runtime.memory_format,
        **options,
    )
    return fit(
        task, stream, run, config, ctx,
        resume=resume, meta=training_meta(run, config, meta), hooks=hooks,
        description=description, command=command, initialised=fresh, resumed=resumed,
    )  # fmt: skip


def train(
    command: str,
    run: RunDir,
    config: C,
    build_task: Callable[[Runtime, C], Task],
    build_data: Callable[[C, distributed.DistContext], Dataset[Any]],
    *,
    resume: bool = False,
    meta: dict[str, Any] | None = None,
    channels: int | None = None,
    flip: bool = True,
    description: str = "train",
    hooks: tuple[StepHook, ...] = (),
    transforms: dict[str, Any] | None = None,
    memory_flags: Sequence[str] = MEMORY_FLAGS,
) -> FitResult:
    """Train one run to its end (or its time limit); see the module docstring.

    `transforms` overrides the stream's `flip` and adds its `crop` and `joint` options;
    `memory_flags` are the config fields to lower when the run does not fit in memory.
    """
    ctx = distributed.setup(config.device)
    start = _Start(config)
    try:
        result = _train(
            ctx, start, command, run, config, build_task, build_data, resume=resume, meta=meta,
            channels=channels, flip=flip, description=description, hooks=hooks,
            transforms=transforms, memory_flags=memory_flags,
        )  # fmt: skip
    except (MemoryError, RuntimeError, StepOutOfMemory) as error:
        if not (isinstance(error, StepOutOfMemory) or is_allocation_failure(error)):
            raise
        raise _out_of_memory(error, command, run, start, memory_flags) from None
    finally:
        distributed.teardown(ctx)
    if ctx.is_main:
        where = f"; model: {run.model}" if run.model.exists() else ""
        print(
            f"ganpaint-train: {result.state} at step {result.step} in {run.root}{where}",
            file=sys.stderr,
        )
    return result
