"""The training commands by name, in one table, and the models their runs hold.

A checkpoint records the command that wrote it, so `export`, `eval` and `encoder` can
rebuild any run's model from its last checkpoint without knowing the model: they look
the command up in `COMMANDS`. Reading a run's model needs the table, and two commands
read models (the encoder its GAN, CycleGAN and pix2pix their `--init-from`), so the
table and `load_model` live together here; the translation tasks receive `load_model`
as their run reader instead of importing it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from torch.utils.data import Dataset

from ganpaint.errors import GanpaintError, ModelFileError
from ganpaint.models.bundle import ModelBundle
from ganpaint.models.bundle import load as load_bundle
from trainer.checkpoint import CheckpointError, load_checkpoint, load_latest
from trainer.config import LoopConfig, config_from_dict
from trainer.cyclegan import CycleGanConfig, CycleGanTask
from trainer.data.crops import PhotoCrops, parse_crops
from trainer.data.paired import open_aligned, open_unaligned
from trainer.data.source import open_images
from trainer.distributed import DistContext
from trainer.encoder import EncoderConfig, EncoderTask, check_source
from trainer.gan import GanConfig, GanTask
from trainer.pix2pix import Pix2PixConfig, Pix2PixTask
from trainer.rundir import RunDir
from trainer.runtime import Runtime
from trainer.session import MEMORY_FLAGS, training_meta
from trainer.spade import SpadeConfig, SpadeTask, open_label_pairs
from trainer.task import Task


@dataclass(frozen=True)
class TrainingCommand:
    name: str
    config_cls: type[LoopConfig]
    build_task: Callable[[Runtime, Any], Task]
    build_data: Callable[[Any, DistContext], Dataset[Any]]
    #: channels the stream converts images to (1: grey), or None to leave them.
    channels: Callable[[Any], int | None] = lambda config: None
    #: extra bundle metadata for the export (beyond name, data, steps, config).
    meta: Callable[[Any], dict[str, Any]] = field(default=lambda config: {})
    #: how the batch stream transforms images: {"flip", "crop", "joint"} (see BatchStream).
    transforms: Callable[[Any], dict[str, Any]] = field(default=lambda config: {})
    #: the config fields its memory grows with, named when a run does not fit.
    memory_flags: Callable[[Any], tuple[str, ...]] = field(default=lambda config: MEMORY_FLAGS)


# -- gan --------------------------------------------------------------------------------
def _gan_data(config: GanConfig, ctx: DistContext) -> Dataset[Any]:
    if config.crops:  # a few large photos: a new random crop on every draw
        return PhotoCrops(config.data, config.size, parse_crops(config.crops), seed=config.seed)
    return open_images(config.data, config.size, config.synthetic_n, show_progress=ctx.is_main)


GAN = TrainingCommand(
    name="gan",
    config_cls=GanConfig,
    build_task=GanTask,
    build_data=_gan_data,
    channels=lambda config: config.channels,
    meta=lambda config: {"latent": "uniform"},
    transforms=lambda config: {"flip": config.flip},
    # the MLP GAN's widths are fixed: only the batch and the size change its memory
    memory_flags=lambda config: MEMORY_FLAGS if config.arch == "dcgan" else ("batch", "size"),
)


# -- encoder ----------------------------------------------------------------------------
def _encoder_source(config: EncoderConfig) -> ModelBundle:
    """The DCGAN to invert (checked first: every encoder step reads it)."""
    return check_source(load_model(config.model), config.model)


def _encoder_task(runtime: Runtime, config: EncoderConfig) -> Task:
    return EncoderTask(runtime, config, _encoder_source(config))


def _encoder_data(config: EncoderConfig, ctx: DistContext) -> Dataset[Any]:
    meta = _encoder_source(config).meta
    data = config.data or meta.get("training", {}).get("data", "")
    if not data:
        raise GanpaintError(
            f"{config.model} does not say what it was trained on; pass --data with real images."
        )
    crops = config.crops
    if not crops and not config.data:  # the GAN's own photos: cropped as it saw them
        crops = meta.get("training", {}).get("config", {}).get("crops") or ""
    size = int(meta["resolution"])
    if crops:
        return PhotoCrops(data, size, parse_crops(crops), seed=config.seed)
    return open_images(data, size, config.synthetic_n, show_progress=ctx.is_main)


ENCODER = TrainingCommand(
    name="encoder",
    config_cls=EncoderConfig,
    build_task=_encoder_task,
    build_data=_encoder_data,
    channels=lambda config: _encoder_source(config).meta.get("channels_out", 3),
    memory_flags=lambda config: ("batch", "ndf"),
)


# -- cyclegan, pix2pix -------------------------------------------------------------------
def _unaligned_data(config: CycleGanConfig, ctx: DistContext) -> Dataset[Any]:
    return open_unaligned(
        config.data, config.load_size, config.synthetic_n, config.seed, show_progress=ctx.is_main,
        zoom=config.zoom,
    )  # fmt: skip


def _aligned_data(config: Pix2PixConfig, ctx: DistContext) -> Dataset[Any]:
    return open_aligned(
        config.data, config.load_size, config.synthetic_n, ctx.is_main, zoom=config.zoom,
        seed=config.seed,
    )  # fmt: skip


CYCLEGAN = TrainingCommand(
    name="cyclegan",
    config_cls=CycleGanConfig,
    build_task=lambda runtime, config: CycleGanTask(runtime, config, load_run=load_model),
    build_data=_unaligned_data,
    transforms=lambda c: {"flip": c.flip, "crop": c.size, "joint": False},
)
PIX2PIX = TrainingCommand(
    name="pix2pix",
    config_cls=Pix2PixConfig,
    build_task=lambda runtime, config: Pix2PixTask(runtime, config, load_run=load_model),
    build_data=_aligned_data,
    transforms=lambda c: {"flip": c.flip, "crop": c.size, "joint": True},
)


# -- spade ----------------------------------------------------------------------------------
SPADE = TrainingCommand(
    name="spade",
    config_cls=SpadeConfig,
    build_task=SpadeTask,
    build_data=open_label_pairs,
    transforms=lambda c: {"flip": c.flip, "crop": c.size, "joint": True},
)

COMMANDS: dict[str, TrainingCommand] = {c.name: c for c in (GAN, ENCODER, CYCLEGAN, PIX2PIX, SPADE)}


def get_command(name: str) -> TrainingCommand:
    """The training command `name`, or a CheckpointError for a run of an unknown one."""
    if name not in COMMANDS:
        raise CheckpointError(
            f"This run was written by the training command {name!r}, which this "
            "ganpaint-train does not have; update ganpaint."
        )
    return COMMANDS[name]


# -- models from runs ---------------------------------------------------------------------
_MODEL_CACHE: dict[tuple[str, float], ModelBundle] = {}


def task_from_checkpoint(payload: dict[str, Any], source: str) -> tuple[Task, LoopConfig, str]:
    """Rebuild a run's task on the CPU from a checkpoint and load its state."""
    name = payload.get("command") or "gan"
    command = get_command(name)
    config = config_from_dict(command.config_cls, payload.get("config", {}), source=source)
    runtime = Runtime(ctx=DistContext())
    task = command.build_task(runtime, config)
    task.load_state_dict(payload, source)
    return task, config, name


def bundle_from_checkpoint(run: RunDir, path: Path | None = None) -> ModelBundle:
    """The model of a run as of its last checkpoint (or `path`), as `export` writes it."""
    if path is not None:
        payload = load_checkpoint(path)
    else:
        loaded = load_latest(run)
        if loaded is None:
            raise CheckpointError(f"{run.root} has no checkpoint yet; train it first.")
        path, payload = loaded
    task, config, name = task_from_checkpoint(payload, str(path))
    meta = training_meta(run, config, get_command(name).meta(config))
    meta["training"]["steps"] = int(payload["step"])
    return task.bundle(meta)


def load_model(spec: str | Path) -> ModelBundle:
    """A model from a bundle file, or from a run folder (its newest checkpoint)."""
    path = Path(spec).expanduser()
    key = (str(path.resolve()), path.stat().st_mtime if path.exists() else 0.0)
    if key in _MODEL_CACHE:
        return _MODEL_CACHE[key]
    if path.is_dir():
        run = RunDir(path)
        if run.list_checkpoints():
            bundle = bundle_from_checkpoint(run)
        elif run.model.is_file():
            bundle = load_bundle(run.model)
        else:
            raise ModelFileError(f"{path} holds neither checkpoints nor a model.safetensors.")
    else:
        bundle = load_bundle(path)
    bundle.eval()
    if not _on_meta(bundle):  # a run's model rebuilt while memory is measured is no model
        _MODEL_CACHE[key] = bundle
    return bundle


def _on_meta(bundle: ModelBundle) -> bool:
    """Whether the bundle's nets were built on the meta device (shapes without data)."""
    return any(p.is_meta for net in bundle.nets.values() for p in net.parameters())
