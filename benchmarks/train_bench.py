"""Training speed: ganpaint's steps against plain reference-style steps, side by side.

Two models, each timed against a baseline written here in the style of its reference:

DCGAN-64 against a pytorch/examples-style loop.

Both train the same DCGAN (64 px, ngf = ndf = 64, nz = 100, batch 64, Adam 2e-4) on
the same in-memory batch, on the same device, in the same process, alternating
rounds so that clock drift and thermal state hit both alike. The reference is the
structure of pytorch/examples' dcgan/main.py: fp32, default memory format, Sigmoid +
BCELoss, D's real and fake halves backpropagated separately, D's gradients computed
in the G step, and `.item()` on three statistics per step. ganpaint's step is
`trainer.gan.GanTask.train_step` plus the loop's on-device loss bookkeeping, with the
runtime flags the trainer uses on that device (CUDA: bf16 autocast, channels_last,
cudnn.benchmark, fused Adam; CPU: none of them apply).

CycleGAN with ResNet-9 generators (256 px, batch 1) against a plain step in the
style of pytorch-CycleGAN-and-pix2pix's `optimize_parameters`: fp32, default memory
format, `torch.optim.Adam` over chained parameters, MSELoss/L1Loss modules, the pool
in Python, D_A and D_B backpropagated separately. Both use the same networks
(ganpaint's nets have the reference's layout) and the same global cuDNN settings
(the reference also turns on cudnn.benchmark; TF32 convolutions are PyTorch's default).
ganpaint's step is `trainer.cyclegan.CycleGanTask.train_step` plus the loop's loss
bookkeeping, with the trainer's flags for the device (CUDA: bf16 autocast,
channels_last, fused Adam). On a CPU a 256 px step costs about 2 TFLOP (a minute on
two cores), so `--quick` there measures the same nets at 64 px unless --size is given.

    python benchmarks/train_bench.py --quick          # CPU, under 2 minutes
    python benchmarks/train_bench.py --device cuda    # a GPU
    python benchmarks/train_bench.py --model cyclegan --size 256 --steps 1 --rounds 2
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ganpaint.device import resolve_device
from ganpaint.models import NLayerDiscriminator, ResnetGenerator
from trainer.cyclegan import CycleGanConfig, CycleGanTask
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


# -- CycleGAN: a plain reference-style step ---------------------------------------------------
class PlainPool:
    """The reference pool's algorithm, as plainly as it can be written."""

    def __init__(self, size: int = 50) -> None:
        self.size, self.images = size, []

    def query(self, images: torch.Tensor) -> torch.Tensor:
        out = []
        for image in images.data:
            image = image.unsqueeze(0)
            if len(self.images) < self.size:
                self.images.append(image)
                out.append(image)
            elif random.uniform(0, 1) > 0.5:
                index = random.randint(0, self.size - 1)
                out.append(self.images[index].clone())
                self.images[index] = image
            else:
                out.append(image)
        return torch.cat(out, 0)


def reference_cyclegan_step(
    device: torch.device, real_a: torch.Tensor, real_b: torch.Tensor
) -> Callable[[], None]:
    netG_A, netG_B = ResnetGenerator().to(device), ResnetGenerator().to(device)
    netD_A, netD_B = (
        NLayerDiscriminator(norm="instance").to(device),
        NLayerDiscriminator(norm="instance").to(device),
    )
    optimizer_G = torch.optim.Adam(
        itertools.chain(netG_A.parameters(), netG_B.parameters()), lr=2e-4, betas=(0.5, 0.999)
    )
    optimizer_D = torch.optim.Adam(
        itertools.chain(netD_A.parameters(), netD_B.parameters()), lr=2e-4, betas=(0.5, 0.999)
    )
    mse, l1 = nn.MSELoss(), nn.L1Loss()
    pool_A, pool_B = PlainPool(), PlainPool()

    def gan_loss(prediction: torch.Tensor, real: bool) -> torch.Tensor:
        target = torch.tensor(1.0 if real else 0.0, device=device).expand_as(prediction)
        return mse(prediction, target)

    def set_requires_grad(nets: list[nn.Module], flag: bool) -> None:
        for net in nets:
            for param in net.parameters():
                param.requires_grad = flag

    def backward_D(netD: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> None:
        loss = (gan_loss(netD(real), True) + gan_loss(netD(fake.detach()), False)) * 0.5
        loss.backward()

    def step() -> None:
        A, B = real_a.to(device), real_b.to(device)
        fake_B = netG_A(A)
        rec_A = netG_B(fake_B)
        fake_A = netG_B(B)
        rec_B = netG_A(fake_A)
        set_requires_grad([netD_A, netD_B], False)
        optimizer_G.zero_grad()
        loss_idt_A = l1(netG_A(B), B) * 10 * 0.5
        loss_idt_B = l1(netG_B(A), A) * 10 * 0.5
        loss_G = (
            gan_loss(netD_A(fake_B), True) + gan_loss(netD_B(fake_A), True)
            + l1(rec_A, A) * 10 + l1(rec_B, B) * 10 + loss_idt_A + loss_idt_B
        )  # fmt: skip
        loss_G.backward()
        optimizer_G.step()
        set_requires_grad([netD_A, netD_B], True)
        optimizer_D.zero_grad()
        backward_D(netD_A, B, pool_B.query(fake_B))
        backward_D(netD_B, A, pool_A.query(fake_A))
        optimizer_D.step()

    return step


def ganpaint_cyclegan_step(
    device: torch.device, real_a: torch.Tensor, real_b: torch.Tensor, amp: bool
) -> Callable[[], None]:
    runtime = Runtime.create(DistContext(device=device), amp=amp, channels_last=True, sync_bn=False)
    config = CycleGanConfig(size=real_a.shape[-1], iters=10_000).resolved()
    task = CycleGanTask(runtime, config)
    task.train()
    losses = _Losses(device)
    counter = [0]

    def step() -> None:
        batch = tuple(x.to(device, non_blocking=True) for x in (real_a, real_b))
        counter[0] += 1
        losses.add(counter[0], task.train_step(batch, counter[0]))

    return step


def _race(
    candidates: dict[str, Callable[[], None]],
    device: torch.device,
    steps: int,
    rounds: int,
    warmup: int,
) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Warm both up, then alternate timed rounds; (all rates, median rate) per candidate."""
    for step in candidates.values():
        for _ in range(warmup):
            step()
    rates: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, step in candidates.items():
            rates[name].append(_time(step, steps, device))
    return rates, {name: statistics.median(values) for name, values in rates.items()}


def bench_dcgan(args: argparse.Namespace, device: torch.device, where: str) -> dict:
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
    rates, median = _race(candidates, device, steps, rounds, warmup)
    ratio = median["ganpaint"] / median["reference"]
    print(f"DCGAN-64, batch {args.batch}, {device} ({where}), torch {torch.__version__}, "
          f"{torch.get_num_threads()} CPU threads")  # fmt: skip
    print(f"  reference (pytorch/examples, fp32): {median['reference']:.2f} steps/s")
    flags = "bf16 autocast, channels_last, fused Adam" if cuda and not args.no_amp else "fp32"
    print(f"  ganpaint ({flags}): {median['ganpaint']:.2f} steps/s")
    print(f"  ratio ganpaint / reference: {ratio:.2f}x  ({rounds} rounds x {steps} steps, median)")
    return {"batch": args.batch, "rates": rates, "median": median, "ratio": ratio}


def bench_cyclegan(args: argparse.Namespace, device: torch.device, where: str) -> dict:
    cuda = device.type == "cuda"
    size = args.size or (64 if args.quick and not cuda else 256)
    steps = args.steps or (20 if cuda else (2 if args.quick else 3))
    rounds = args.rounds or (3 if args.quick or not cuda else 5)
    warmup = args.warmup or (10 if cuda else 1)
    generator = torch.Generator().manual_seed(0)
    real_a, real_b = (torch.rand(1, 3, size, size, generator=generator) * 2 - 1 for _ in "ab")
    if cuda:
        real_a, real_b = real_a.pin_memory(), real_b.pin_memory()
    random.seed(0)
    candidates = {
        "reference": reference_cyclegan_step(device, real_a, real_b),
        "ganpaint": ganpaint_cyclegan_step(device, real_a, real_b, amp=cuda and not args.no_amp),
    }
    rates, median = _race(candidates, device, steps, rounds, warmup)
    ratio = median["ganpaint"] / median["reference"]
    print(f"CycleGAN ResNet-9, {size} px, batch 1, {device} ({where}), torch {torch.__version__}, "
          f"{torch.get_num_threads()} CPU threads")  # fmt: skip
    print(f"  reference-style step (fp32): {median['reference']:.3f} steps/s")
    flags = "bf16 autocast, channels_last, fused Adam" if cuda and not args.no_amp else "fp32"
    print(f"  ganpaint ({flags}): {median['ganpaint']:.3f} steps/s")
    print(f"  ratio ganpaint / reference: {ratio:.2f}x  ({rounds} rounds x {steps} steps, median)")
    return {"size": size, "rates": rates, "median": median, "ratio": ratio}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--model", choices=("dcgan", "cyclegan", "all"), default="all")
    parser.add_argument("--quick", action="store_true", help="a short CPU-sized run")
    parser.add_argument("--batch", type=int, default=64, help="DCGAN batch")
    parser.add_argument("--size", type=int, help="CycleGAN image side (default 256; CPU quick 64)")
    parser.add_argument("--steps", type=int, help="timed steps per round")
    parser.add_argument("--rounds", type=int, help="alternating rounds (median reported)")
    parser.add_argument("--warmup", type=int, help="untimed steps first")
    parser.add_argument("--no-amp", action="store_true", help="ganpaint without bf16 autocast")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args()
    device = resolve_device(args.device)
    cuda = device.type == "cuda"
    where = torch.cuda.get_device_name(device) if cuda else platform.processor() or "cpu"
    figures: dict = {"device": str(device), "name": where, "torch": torch.__version__}
    if args.model in ("dcgan", "all"):
        figures["dcgan"] = bench_dcgan(args, device, where)
    if args.model in ("cyclegan", "all"):
        figures["cyclegan"] = bench_cyclegan(args, device, where)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
