"""Data-parallel training under torchrun: process group, device per rank, DDP wrapping.

torchrun sets RANK, LOCAL_RANK and WORLD_SIZE; without them the trainer runs as one
process and every helper here is a no-op. Under torchrun even one process joins a
process group and trains through DDP, so `--nproc_per_node=1` on one GPU tries the
multi-GPU path (NCCL, DDP, SyncBatchNorm) for real. NCCL is used between GPUs, gloo between
CPU processes. Only rank 0 logs and saves; nets are saved unwrapped, so checkpoints
move freely between single-process and torchrun jobs.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

from ganpaint.device import resolve_device
from ganpaint.errors import GanpaintError


@dataclass(frozen=True)
class DistContext:
    """Who this process is: rank, world size, and the device it trains on."""

    rank: int = 0
    local_rank: int = 0
    world_size: int = 1
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    grouped: bool = False  # in a process group (torchrun), even one of a single process

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.grouped or self.world_size > 1

    def barrier(self) -> None:
        if self.enabled:
            dist.barrier()

    def gather(self, value: Any) -> list[Any]:
        """Every rank's `value` (picklable), in rank order; [value] in one process."""
        if not self.enabled:
            return [value]
        values: list[Any] = [None] * self.world_size
        dist.all_gather_object(values, value)
        return values

    def any_true(self, flag: bool) -> bool:
        """True on every rank if it is true on any (e.g. a time limit one rank hit)."""
        if not self.enabled:
            return flag
        tensor = torch.tensor([1.0 if flag else 0.0], device=self._comm_device())
        dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
        return bool(tensor.item() > 0)

    def mean(self, tensor: torch.Tensor) -> torch.Tensor:
        """The mean over ranks of a (detached) tensor, for logging."""
        if not self.enabled:
            return tensor
        tensor = tensor.detach().clone().to(self._comm_device())
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
        return tensor / self.world_size

    def _comm_device(self) -> torch.device:
        return self.device if dist.get_backend() == "nccl" else torch.device("cpu")


def env_world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def under_torchrun() -> bool:
    """Whether a launcher set what `init_process_group`'s env:// needs (torchrun does)."""
    return all(name in os.environ for name in ("RANK", "MASTER_ADDR", "MASTER_PORT"))


def setup(device_spec: str) -> DistContext:
    """Join the torchrun process group if there is one, and choose this rank's device."""
    world_size = env_world_size()
    if world_size <= 1 and not under_torchrun():
        return DistContext(device=resolve_device(device_spec))
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    wanted = resolve_device(device_spec)
    if wanted.type == "cuda":
        if local_rank >= torch.cuda.device_count():
            raise GanpaintError(
                f"torchrun started {local_rank + 1}+ processes on this machine but it has "
                f"{torch.cuda.device_count()} GPU(s); lower --nproc_per_node."
            )
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
        backend = "nccl"
    elif wanted.type == "cpu":
        device, backend = wanted, "gloo"
    else:
        raise GanpaintError(f"torchrun training needs CUDA GPUs or the CPU, not {wanted.type}.")
    if not dist.is_initialized():
        kwargs: dict[str, Any] = {"timeout": timedelta(minutes=30)}
        if backend == "nccl":
            kwargs["device_id"] = device
        dist.init_process_group(backend, **kwargs)
    return DistContext(
        rank=rank, local_rank=local_rank, world_size=world_size, device=device, grouped=True
    )


def teardown(context: DistContext) -> None:
    if context.enabled and dist.is_initialized():
        dist.destroy_process_group()


def wrap(net: nn.Module, context: DistContext, sync_bn: bool = False) -> nn.Module:
    """`net` ready for data-parallel training (DDP, optionally SyncBatchNorm) or as is."""
    if not context.enabled:
        return net
    if sync_bn:
        if context.device.type != "cuda":
            raise GanpaintError("--sync-bn needs CUDA GPUs (SyncBatchNorm has no CPU kernel).")
        net = nn.SyncBatchNorm.convert_sync_batchnorm(net)
    ids = [context.device.index] if context.device.type == "cuda" else None
    # No buffer broadcast: DDP would copy rank 0's batch-norm running statistics into
    # every replica in place at each forward, and a GAN calls D twice (real, fake) before
    # one backward. cuDNN's batch norm keeps the running statistics for its backward, so
    # the second call's copy broke the first's backward ("modified by an inplace
    # operation", seen under torchrun on an H200). Ranks keep their own running
    # statistics (with --sync-bn they agree anyway); rank 0's are the ones saved.
    return nn.parallel.DistributedDataParallel(net, device_ids=ids, broadcast_buffers=False)


def unwrap(net: nn.Module) -> nn.Module:
    """The plain module inside DDP or torch.compile wrappers (what checkpoints store)."""
    while True:
        if hasattr(net, "_orig_mod"):
            net = net._orig_mod
        elif isinstance(net, nn.parallel.DistributedDataParallel | nn.DataParallel):
            net = net.module
        else:
            return net


def parameter_hash(nets: dict[str, nn.Module]) -> str:
    """SHA-256 of every parameter: equal on all ranks iff the replicas' weights are identical.

    Buffers (batch-norm running statistics) are left out: without SyncBatchNorm each
    rank updates them from its own batches, and DDP re-broadcasts rank 0's (the ones
    saved) at every forward.
    """
    named = {
        f"{name}.{key}": value
        for name, net in nets.items()
        for key, value in unwrap(net).named_parameters()
    }
    return tensors_hash(named)


def tensors_hash(tensors: dict[str, torch.Tensor]) -> str:
    """SHA-256 over names and raw bytes of `tensors`, in name order."""
    digest = hashlib.sha256()
    for key in sorted(tensors):
        digest.update(key.encode())
        value = tensors[key].detach().cpu().contiguous().reshape(-1)
        digest.update(value.view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()
