"""What a model brings to the training loop: its nets, optimisers and one step.

The loop (`trainer.loop.fit`) owns everything generic: resume, data position, RNG
states, checkpoints, logging, sample grids, test-set outputs, NaN checks, time limits,
export. A model (DCGAN, the encoder, CycleGAN, pix2pix) subclasses `Task`, fills
`nets`, `optimizers` and `schedulers`, and implements `train_step`, `sample_images`
and `bundle`; optionally `initialise` (a fresh run only) and `test_images` (every
`test_every` steps). Everything in those dicts is checkpointed and restored by name.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ganpaint.models.bundle import ModelBundle
from trainer.checkpoint import CheckpointError
from trainer.runtime import Runtime


class Task:
    """Base class of a trainable model; see the module docstring for the contract."""

    kind: str = ""
    #: Batches of `--batch` images one step consumes (WGAN-GP: n_critic critic batches).
    batch_multiple: int = 1
    #: Steps between test-set outputs (`test_images`); 0: none.
    test_every: int = 0

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.nets: dict[str, nn.Module] = {}  # plain modules: what is saved and exported
        self.optimizers: dict[str, torch.optim.Optimizer] = {}
        self.schedulers: dict[str, Any] = {}

    # -- what a model implements ----------------------------------------------------
    def train_step(self, batch: Any, step: int) -> dict[str, torch.Tensor]:
        """One optimisation step on `batch`; return detached scalar losses (no .item())."""
        raise NotImplementedError

    def sample_images(self) -> dict[str, torch.Tensor]:
        """Named image batches in [-1, 1] from fixed inputs, for the progress grids."""
        return {}

    def bundle(self, meta: dict[str, Any]) -> ModelBundle:
        """The model file the app loads, with `meta` (training data, steps, config)."""
        raise NotImplementedError

    def initialise(self) -> None:
        """One-off set-up of a fresh run (e.g. weights from --init-from); never on resume,
        where the checkpoint already holds the result."""

    def test_images(self) -> dict[str, torch.Tensor]:
        """Named batches (in [-1, 1], equal lengths) of held-out inputs and their translations.

        Called on rank 0 every `test_every` steps in eval mode without gradients; it must
        not draw from the training RNGs (resumed runs stay bitwise the same).
        """
        return {}

    def extra_state(self) -> dict[str, Any]:
        """Task state beyond nets/optimisers/schedulers (tensors and numbers only)."""
        return {}

    def load_extra_state(self, state: dict[str, Any]) -> None:
        """Restore what `extra_state` returned."""

    # -- generic state handling -----------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {
            "nets": {name: net.state_dict() for name, net in self.nets.items()},
            "optimizers": {name: opt.state_dict() for name, opt in self.optimizers.items()},
            "schedulers": {name: s.state_dict() for name, s in self.schedulers.items()},
            "extra": self.extra_state(),
        }

    def load_state_dict(self, state: dict[str, Any], source: str) -> None:
        """Load a checkpoint's state, naming the file when it does not fit this task."""
        for group in ("nets", "optimizers", "schedulers"):
            have, saved = set(getattr(self, group)), set(state.get(group, {}))
            if have != saved:
                raise CheckpointError(
                    f"Checkpoint {source} holds {group} {sorted(saved)}, but this run has "
                    f"{sorted(have)}; resume with the run's own config.toml."
                )
        try:
            for name, net in self.nets.items():
                net.load_state_dict(state["nets"][name])
            for name, opt in self.optimizers.items():
                opt.load_state_dict(state["optimizers"][name])
            for name, scheduler in self.schedulers.items():
                scheduler.load_state_dict(state["schedulers"][name])
        except (RuntimeError, ValueError, KeyError) as error:
            first = str(error).strip().splitlines()[0]
            raise CheckpointError(
                f"Checkpoint {source} does not match this run's networks ({first}); "
                "resume with the run's own config.toml."
            ) from None
        self.load_extra_state(state.get("extra", {}))

    def train(self, mode: bool = True) -> None:
        for net in self.nets.values():
            net.train(mode)
