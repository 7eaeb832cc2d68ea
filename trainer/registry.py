"""Training commands by name: how to build each one's config, task and data.

A checkpoint records the command that wrote it, so `export`, `eval` and `encoder`
can rebuild any run's model from its last checkpoint without knowing the model.
CycleGAN and pix2pix register here the same way the GAN and the encoder do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from torch.utils.data import Dataset

from trainer.config import LoopConfig
from trainer.distributed import DistContext
from trainer.runtime import Runtime
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


COMMANDS: dict[str, TrainingCommand] = {}


def register(command: TrainingCommand) -> TrainingCommand:
    COMMANDS[command.name] = command
    return command


def get_command(name: str) -> TrainingCommand:
    """The registered command `name` (the built-in ones are registered on first use)."""
    import trainer.commands  # noqa: F401  (registers gan, encoder, cyclegan and pix2pix)

    if name not in COMMANDS:
        from trainer.checkpoint import CheckpointError

        raise CheckpointError(
            f"This run was written by the training command {name!r}, which this "
            "ganpaint-train does not have; update ganpaint."
        )
    return COMMANDS[name]
