"""The memory a training run will hold, estimated before anything is allocated.

A run that does not fit ends in an allocator traceback after minutes of set-up or, with
Linux overcommit, in the kernel killing it without a word. So before the run folder is
made, `check_training_memory` builds the task on PyTorch's meta device (shapes, no
storage) and runs it there as the loop will: two training steps on a batch of the real
shape (Adam creates its moments at the end of the first) and one sample grid, while a
dispatch mode keeps the sum of live tensor storage. The peak counts what a real step
holds: weights, EMA copies, gradients, optimiser moments, the activations autograd keeps
for backward, the batch. Nothing model-specific is needed: any `Task` is measured
through its own `train_step`.

`SAFETY` covers what meta tensors do not show: allocator rounding and caching, kernels'
workspaces and scratch buffers (oneDNN, cuDNN), freed memory not yet returned, the
kernels' code loaded at the first step. Measured on the CPU (peak RSS growth over two or
three real steps, sample grid, checkpoint and export, against the meta peak): a bare
linear layer 1.03 to 1.06; DCGAN 1.64 / 1.59 / 1.41 at batch 16 / 64 / 128 (1.29 at
the margin, plus about 50 MiB once); WGAN-GP with EMA 1.50; MLP GAN 1.24; encoder 1.50;
pix2pix 1.27; CycleGAN 1.16; SPADE 1.27. Small runs exceed 1.5 by their fixed part,
which the budget's other half (see `ganpaint.memory`) holds; large ones, where it
matters, stay under it.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import os
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn
from torch.multiprocessing.reductions import StorageWeakRef
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

from ganpaint.memory import MEMORY_ENV, MemoryLimitError, check_memory, memory_budget
from trainer.distributed import DistContext
from trainer.runtime import Runtime
from trainer.task import Task

#: Estimate = SAFETY x the peak of live tensors on the meta device (see the module doc).
SAFETY = 1.5
#: Batches a DataLoader worker prepares ahead (torch's default prefetch factor).
PREFETCH = 2
META = torch.device("meta")


class LiveTensors(TorchDispatchMode):
    """Bytes of meta tensor storage alive now and at most, op by op.

    Each storage is counted once (views share it) and leaves the sum when the last
    tensor on it dies, which a weak reference to the storage notices. A number read
    from a meta tensor (`.item()`, `float()`: a batch norm's cumulative average) is 1,
    since its data does not exist; a branch on it takes the usual path.
    """

    def __init__(self) -> None:
        super().__init__()
        self._live: dict[int, tuple[StorageWeakRef, int]] = {}
        self.now = 0  # an upper bound: storages that died since the last sweep still count
        self.peak = 0

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        if func is torch.ops.aten._local_scalar_dense.default and args[0].device.type == "meta":
            return True if args[0].dtype == torch.bool else 1
        out = func(*args, **(kwargs or {}))
        for value in tree_flatten(out)[0]:
            if isinstance(value, torch.Tensor) and value.device.type == "meta":
                self._add(value)
        if self.now > self.peak:  # only a new peak needs the exact sum: sweep the dead
            self._forget_dead()
            self.peak = max(self.peak, self.now)
        return out

    def _add(self, tensor: torch.Tensor) -> None:
        storage = tensor.untyped_storage()
        ref = StorageWeakRef(storage)  # holds the address: no new storage can reuse it
        if ref.cdata in self._live:
            return
        self._live[ref.cdata] = (ref, storage.nbytes())
        self.now += storage.nbytes()

    def _forget_dead(self) -> None:
        expired = torch.UntypedStorage._expired  # the check StorageWeakRef.expired makes
        for key in [key for key in self._live if expired(key)]:
            self.now -= self._live.pop(key)[1]


def meta_copy(net: nn.Module) -> nn.Module:
    """`net` rebuilt on the meta device without copying its data, and without moving the
    original (a model the run loaded, possibly cached, stays as it is)."""
    memo: dict[int, Any] = {}
    for tensor in itertools.chain(net.parameters(), net.buffers()):
        if tensor.device.type != "meta":
            shell = torch.empty_like(tensor, device=META)
            if isinstance(tensor, nn.Parameter):
                shell = nn.Parameter(shell, requires_grad=tensor.requires_grad)
            memo[id(tensor)] = shell
    return copy.deepcopy(net, memo)


class MetaRuntime(Runtime):
    """A runtime that places nets on the meta device and never wraps them (no DDP)."""

    def place(self, net: nn.Module) -> nn.Module:
        on_meta = all(
            t.device.type == "meta" for t in itertools.chain(net.parameters(), net.buffers())
        )
        return net if on_meta else meta_copy(net)

    def parallel(self, net: nn.Module) -> nn.Module:
        return net


@dataclasses.dataclass(frozen=True)
class Footprint:
    """What one process of a run holds, in bytes, by the meta-device measure."""

    peak: int  # live tensors at the peak of a step (or of a sample grid)
    trainable: int  # parameters that get gradients (DDP keeps a second copy of those)
    batch: int  # one batch as the data loader delivers it

    def estimate(self, ddp: bool = False, workers: int = 0) -> int:
        """Bytes to plan for: the peak with its safety margin, DDP's gradient buckets
        under torchrun, and the batches `workers` data-loader workers prepare ahead."""
        buckets = self.trainable if ddp else 0
        return int(SAFETY * (self.peak + buckets) + workers * PREFETCH * self.batch)


def first_item(dataset: Any) -> Any:
    """The data set's first item (a tensor or a pair), as the loader would fetch it."""
    return dataset[(0, 0)] if getattr(dataset, "wants_epoch", False) else dataset[0]


def example_batch(item: Any, batch: int, channels: int | None, crop: int | None) -> tuple[Any, int]:
    """A meta batch of `batch` copies of `item`, shaped as the stream delivers it (see
    `BatchStream._prepare`), and the bytes of that batch as loaded (before cropping)."""
    paired = isinstance(item, list | tuple)
    tensors = list(item) if paired else [item]
    loaded = sum(batch * t.numel() * t.element_size() for t in tensors)
    shaped = []
    for tensor in tensors:
        shape = list(tensor.shape)
        if channels == 1 and shape[0] == 3:
            shape[0] = 1
        if crop is not None:
            shape[-2:] = [crop, crop]
        shaped.append(torch.empty((batch, *shape), dtype=tensor.dtype, device=META))
    return (tuple(shaped) if paired else shaped[0]), loaded


def measure(
    build_task: Callable[[Runtime, Any], Task],
    config: Any,
    dataset: Any,
    *,
    channels: int | None = None,
    crop: int | None = None,
) -> Footprint:
    """The footprint of `build_task(runtime, config)` training on `dataset` (see module doc).

    Nothing is allocated but the data set's first item and a few small CPU tensors; the
    global random states move (the caller seeds them afterwards, as `session.train` does).
    """
    item = first_item(dataset)  # read before the meta device becomes the default
    runtime = MetaRuntime(ctx=DistContext(device=META), amp=False, channels_last=False)
    live = LiveTensors()
    with live, torch.device(META):
        task = build_task(runtime, config)
        trainable = sum(
            p.numel() * p.element_size()
            for net in task.nets.values()
            for p in net.parameters()
            if p.requires_grad
        )
        batch, loaded = example_batch(item, config.batch * task.batch_multiple, channels, crop)
        task.train()
        for step in range(2):
            task.train_step(batch, step)
        task.train(False)
        with torch.no_grad():
            task.sample_images()
    return Footprint(peak=live.peak, trainable=trainable, batch=loaded)


def device_budget(device: torch.device) -> tuple[int | None, str]:
    """(bytes a run may plan to hold, how the message names that limit) on `device`:
    the free memory of a CUDA device, else `ganpaint.memory`'s budget (which
    `GANPAINT_MAX_MEMORY` replaces on every device)."""
    if device.type == "cuda" and not os.environ.get(MEMORY_ENV, "").strip():
        free, _total = torch.cuda.mem_get_info(device)
        return free, f"free on {device}"
    return memory_budget(), "limit"


def describe_flags(config: Any, flags: Sequence[str]) -> tuple[str, str]:
    """("--batch 64, --size 2048, --ngf 512", "lower --batch, --size or --ngf") for the
    config fields `flags` that the memory grows with."""
    names = [name for name in flags if getattr(config, name, 0)]
    shown = ", ".join(f"--{name.replace('_', '-')} {getattr(config, name)}" for name in names)
    options = [f"--{name.replace('_', '-')}" for name in names]
    lower = ", ".join(options[:-1]) + f" or {options[-1]}" if len(options) > 1 else "".join(options)
    return shown, f"lower {lower}" if lower else "free memory first"


def check_training_memory(
    command: str,
    config: Any,
    footprint: Footprint,
    ctx: DistContext,
    flags: Sequence[str],
    *,
    extra: int = 0,
) -> None:
    """Refuse a run whose estimate is over what its device has, in one sentence; under
    torchrun every rank stops if one does, so no rank waits for the others forever.

    `extra` bytes (a checkpoint being loaded) and the data loader's batches are in host
    memory: they count where the nets live there too (not on a CUDA device)."""
    host = ctx.device.type != "cuda"
    workers = int(getattr(config, "workers", 0)) if host else 0
    estimate = footprint.estimate(ctx.enabled, workers) + (extra if host else 0)
    shown, lower = describe_flags(config, flags)
    budget, limit = device_budget(ctx.device)
    refusal: MemoryLimitError | None = None
    try:
        what = f"Training {command}" + (f" with {shown}" if shown else "")
        check_memory(estimate, what, lower, budget=budget, limit=limit)
    except MemoryLimitError as error:
        refusal = error
    if ctx.any_true(refusal is not None):
        raise refusal or MemoryLimitError(
            f"Another process of this {command} run would not fit in memory; {lower}."
        )
