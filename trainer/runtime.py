"""How a task runs its maths: device, mixed precision, memory format, data parallelism.

A task asks the runtime to place and wrap its nets and to open an autocast context;
it never checks for CUDA or torchrun itself. That keeps every model's step function
the same on a laptop CPU, one GPU and eight.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import torch
from torch import nn

from trainer.distributed import DistContext, unwrap, wrap


@dataclass
class Runtime:
    ctx: DistContext
    amp: bool = False
    channels_last: bool = True
    sync_bn: bool = False

    @classmethod
    def create(cls, ctx: DistContext, amp: bool, channels_last: bool, sync_bn: bool) -> Runtime:
        """Settle the flags for this device (bf16 autocast and channels_last: CUDA only)."""
        cuda = ctx.device.type == "cuda"
        if amp and not cuda and ctx.is_main:
            print(
                "ganpaint-train: warning: --amp only takes effect on CUDA; ignored.",
                file=sys.stderr,
            )
        if cuda:
            torch.backends.cudnn.benchmark = True
            torch.backends.cuda.matmul.allow_tf32 = True
            torch.backends.cudnn.allow_tf32 = True
        return cls(ctx=ctx, amp=amp and cuda, channels_last=channels_last and cuda, sync_bn=sync_bn)

    @property
    def device(self) -> torch.device:
        return self.ctx.device

    @property
    def memory_format(self) -> torch.memory_format:
        return torch.channels_last if self.channels_last else torch.contiguous_format

    def place(self, net: nn.Module) -> nn.Module:
        """Move a plain net to the device (in channels_last where that is faster)."""
        net = net.to(self.device)
        if self.channels_last:
            net = net.to(memory_format=torch.channels_last)
        return net

    def parallel(self, net: nn.Module) -> nn.Module:
        """The net to call in training: DDP-wrapped under torchrun, the net itself otherwise."""
        return wrap(net, self.ctx, sync_bn=self.sync_bn)

    def images(self, x: torch.Tensor) -> torch.Tensor:
        return x.contiguous(memory_format=self.memory_format) if x.dim() == 4 else x

    @contextlib.contextmanager
    def autocast(self) -> Iterator[None]:
        """bf16 autocast on CUDA when --amp is on (no loss scaling needed for bf16)."""
        if self.amp:
            with torch.autocast(device_type="cuda", dtype=torch.bfloat16):
                yield
        else:
            yield


def set_requires_grad(net: nn.Module, flag: bool) -> None:
    """Freeze or unfreeze a net (on the plain module, so DDP hooks stay quiet)."""
    for parameter in unwrap(net).parameters():
        parameter.requires_grad_(flag)
