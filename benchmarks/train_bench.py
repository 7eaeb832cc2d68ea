"""DCGAN-64 training speed: ganpaint's training step against a pytorch/examples-style loop.

Both train the same DCGAN (64 px, ngf = ndf = 64, nz = 100, batch 64, Adam 2e-4) on
the same in-memory batch, on the same device, in the same process, alternating
rounds so that clock drift and thermal state hit both alike. The reference is the
structure of pytorch/examples' dcgan/main.py: fp32, default memory format, Sigmoid +
BCELoss, D's real and fake halves backpropagated separately, D's gradients computed
in the G step, and `.item()` on three statistics per step. ganpaint's step is
`trainer.gan.GanTask.train_step` plus the loop's on-device loss bookkeeping, with the
runtime flags the trainer uses on that device (CUDA: bf16 autocast, channels_last,
cudnn.benchmark, fused Adam; CPU: none of them apply).

    python benchmarks/train_bench.py --quick          # CPU, under 2 minutes
    python benchmarks/train_bench.py --device cuda    # a GPU
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ganpaint.device import resolve_device
from trainer.distributed import DistContext
from trainer.gan import GanConfig, GanTask
from trainer.loop import _Losses
from trainer.runtime import Runtime

NZ, NGF, NDF, NC = 100, 64, 64, 3


# -- the reference: pytorch/examples dcgan/main.py, as written there --------------------
def weights_init(m: nn.Module) -> None:
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        torch.nn.init.normal_(m.weight, 0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        torch.nn.init.normal_(m.weight, 1.0, 0.02)
        torch.nn.init.zeros_(m.bias)


class Generator(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(NZ, NGF * 8, 4, 1, 0, bias=False),
            nn.BatchNorm2d(NGF * 8),
            nn.ReLU(True),
            nn.ConvTranspose2d(NGF * 8, NGF * 4, 4, 2, 1, bias=False),
            nn.BatchNorm2d(NGF * 4),
            nn.ReLU(True),
            nn.ConvTranspose2d(NGF * 4, NGF * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(NGF * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(NGF * 2, NGF, 4, 2, 1, bias=False),
            nn.BatchNorm2d(NGF),
            nn.ReLU(True),
            nn.ConvTranspose2d(NGF, NC, 4, 2, 1, bias=False),
            nn.Tanh(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x)


class Discriminator(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(NC, NDF, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(NDF, NDF * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(NDF * 2),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(NDF * 2, NDF * 4, 4, 2, 1, bias=False),
            nn.BatchNorm2d(NDF * 4),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(NDF * 4, NDF * 8, 4, 2, 1, bias=False),
            nn.BatchNorm2d(NDF * 8),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(NDF * 8, 1, 4, 1, 0, bias=False),
            nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x).view(-1, 1).squeeze(1)


def reference_step(device: torch.device, real_cpu: torch.Tensor) -> Callable[[], None]:
    netG, netD = Generator().to(device), Discriminator().to(device)
    netG.apply(weights_init)
    netD.apply(weights_init)
    criterion = nn.BCELoss()
    optimizerD = torch.optim.Adam(netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optimizerG = torch.optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
    real_label, fake_label = 1, 0

    def step() -> None:
        netD.zero_grad()
        real = real_cpu.to(device)
        batch_size = real.size(0)
        label = torch.full((batch_size,), real_label, dtype=real.dtype, device=device)
        output = netD(real)
        errD_real = criterion(output, label)
        errD_real.backward()
        output.mean().item()
        noise = torch.randn(batch_size, NZ, 1, 1, device=device)
        fake = netG(noise)
        label.fill_(fake_label)
        output = netD(fake.detach())
        errD_fake = criterion(output, label)
        errD_fake.backward()
        output.mean().item()
        optimizerD.step()
        netG.zero_grad()
        label.fill_(real_label)
        output = netD(fake)
        errG = criterion(output, label)
        errG.backward()
        output.mean().item()
        optimizerG.step()

    return step


# -- ganpaint ---------------------------------------------------------------------------
def ganpaint_step(device: torch.device, real_cpu: torch.Tensor, amp: bool) -> Callable[[], None]:
    runtime = Runtime.create(DistContext(device=device), amp=amp, channels_last=True, sync_bn=False)
    config = GanConfig(size=64, nz=NZ, ngf=NGF, ndf=NDF, batch=real_cpu.shape[0]).resolved()
    task = GanTask(runtime, config)
    task.train()
    losses = _Losses(device)
    counter = [0]

    def step() -> None:
        real = runtime.images(real_cpu.to(device, non_blocking=True))
        counter[0] += 1
        losses.add(counter[0], task.train_step(real, counter[0]))

    return step


def _time(step: Callable[[], None], steps: int, device: torch.device) -> float:
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return steps / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--quick", action="store_true", help="a short CPU-sized run")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, help="timed steps per round")
    parser.add_argument("--rounds", type=int, help="alternating rounds (median reported)")
    parser.add_argument("--warmup", type=int, help="untimed steps first")
    parser.add_argument("--no-amp", action="store_true", help="ganpaint without bf16 autocast")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args()
    device = resolve_device(args.device)
    cuda = device.type == "cuda"
    steps = args.steps or (3 if args.quick else (50 if cuda else 10))
    rounds = args.rounds or (3 if args.quick else 5)
    warmup = args.warmup or (2 if args.quick else (20 if cuda else 3))
    torch.manual_seed(0)
    real = torch.rand(args.batch, NC, 64, 64) * 2 - 1
    if cuda:
        real = real.pin_memory()
    candidates = {
        "reference": reference_step(device, real),
        "ganpaint": ganpaint_step(device, real, amp=cuda and not args.no_amp),
    }
    for step in candidates.values():
        for _ in range(warmup):
            step()
    rates: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, step in candidates.items():
            rates[name].append(_time(step, steps, device))
    median = {name: statistics.median(values) for name, values in rates.items()}
    ratio = median["ganpaint"] / median["reference"]
    where = torch.cuda.get_device_name(device) if cuda else platform.processor() or "cpu"
    print(f"DCGAN-64, batch {args.batch}, {device} ({where}), torch {torch.__version__}, "
          f"{torch.get_num_threads()} CPU threads")  # fmt: skip
    print(f"  reference (pytorch/examples, fp32): {median['reference']:.2f} steps/s")
    flags = "bf16 autocast, channels_last, fused Adam" if cuda and not args.no_amp else "fp32"
    print(f"  ganpaint ({flags}): {median['ganpaint']:.2f} steps/s")
    print(f"  ratio ganpaint / reference: {ratio:.2f}x  ({rounds} rounds x {steps} steps, median)")
    if args.json:
        figures = {"device": str(device), "name": where, "batch": args.batch, "rates": rates}
        figures.update(median=median, ratio=ratio, torch=torch.__version__)
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
