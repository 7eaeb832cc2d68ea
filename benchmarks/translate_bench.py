"""Speed and peak memory of `ganpaint.edit.translate` against the plain reference path.

The plain path is what the reference CycleGAN test script does: the generator in eval
mode under `torch.no_grad()`, fp32, batch 1, the whole image at once (plus the same
uint8 <-> tensor conversions translate does). The model is CycleGAN's ResNet-9
(ngf 64, instance norm, random weights: speed does not depend on them). Sizes: 256²
(one tile) and 2048² (tiled by translate: 512 px tiles, 32 px overlap, 4 per batch).

Each variant runs in a fresh subprocess, so peak memory is its own:
- CPU: the growth of the process's resident set (peak `ru_maxrss` after the first run
  minus the RSS just before it). tracemalloc cannot see torch's allocations; RSS sees
  everything the run touched, including allocator slack, which is what a user pays.
- CUDA: `torch.cuda.max_memory_allocated()` minus what was allocated before the run.

Run: `.venv/bin/python benchmarks/translate_bench.py [--quick] [--devices cpu,cuda]`.
`--quick` uses 1024² for the large size and fewer repetitions. On the CPU the large
size runs once per variant (a 2048² ResNet-9 pass takes minutes on two cores).
`translate` runs with its defaults: bf16 autocast wherever the device computes bf16
natively (CUDA; CPUs with AVX512-BF16/AMX), fp32 elsewhere. `translate-fp32`
(`amp=False`, exact fp32) is timed too, at 256² only unless `--fp32-large` is given.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

VARIANTS = ("plain", "translate", "translate-fp32")


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _photo(size: int) -> np.ndarray:
    """A photo-like test image: smooth colour regions plus fine noise."""
    import cv2

    rng = np.random.default_rng(0)
    coarse = rng.integers(0, 256, (max(2, size // 64), max(2, size // 64), 3), np.uint8)
    photo = cv2.resize(coarse, (size, size), interpolation=cv2.INTER_CUBIC).astype(np.int16)
    return np.clip(photo + rng.integers(-12, 13, photo.shape), 0, 255).astype(np.uint8)


def worker(spec: dict) -> dict:
    """Run one variant in this (fresh) process; return timings and peak memory."""
    import torch

    from ganpaint.convert import image_to_tensor, tensor_to_image
    from ganpaint.edit.translate import translate
    from ganpaint.models import ResnetGenerator

    device = torch.device(spec["device"])
    cuda = device.type == "cuda"
    torch.manual_seed(0)
    net = ResnetGenerator(ngf=64, norm="instance", n_blocks=9).to(device).eval()
    photo = _photo(spec["size"])

    def plain() -> np.ndarray:
        with torch.no_grad():
            return tensor_to_image(net(image_to_tensor(photo, device=device)))[0]

    def ours(amp: bool | None) -> np.ndarray:
        return translate(photo, net, device=device, amp=amp).image

    run = {
        "plain": plain,
        "translate": lambda: ours(None),
        "translate-fp32": lambda: ours(False),
    }[spec["variant"]]

    def timed() -> tuple[float, float, np.ndarray]:
        if cuda:
            torch.cuda.synchronize(device)
        cpu0, t0 = _cpu_seconds(), time.perf_counter()
        image = run()
        if cuda:
            torch.cuda.synchronize(device)
        return time.perf_counter() - t0, _cpu_seconds() - cpu0, image

    # The first run is measured for memory (it is the one that grows the allocator) and,
    # when there is more than one repetition, not counted in the timings.
    if cuda:
        torch.cuda.reset_peak_memory_stats(device)
        base = torch.cuda.memory_allocated(device)
    rss_before, peak_before = _rss_bytes(), _peak_rss_bytes()
    wall, cpu, image = timed()
    if cuda:
        peak = torch.cuda.max_memory_allocated(device) - base
    else:
        peak = _peak_rss_bytes() - rss_before
        if _peak_rss_bytes() <= peak_before:  # the run stayed below an earlier peak
            peak = max(peak, 0)
    walls, cpus = ([wall], [cpu]) if spec["reps"] == 1 else ([], [])
    for _ in range(spec["reps"] if spec["reps"] > 1 else 0):
        wall, cpu, image = timed()
        walls.append(wall)
        cpus.append(cpu)
    np.save(spec["out"], image)
    return {
        "wall": walls,
        "cpu": cpus,
        "peak_bytes": int(peak),
        "threads": torch.get_num_threads(),
    }


def _run_variant(device: str, size: int, variant: str, reps: int, tmp: Path) -> dict:
    out = tmp / f"{device}-{size}-{variant}.npy"
    spec = {"device": device, "size": size, "variant": variant, "reps": reps, "out": str(out)}
    done = subprocess.run(
        [sys.executable, __file__, "--worker", json.dumps(spec)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{variant} on {device} at {size}² failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["image"] = np.load(out)
    return result


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1024² instead of 2048², fewer reps")
    parser.add_argument("--devices", default=None, help="comma-separated, default cpu[,cuda]")
    parser.add_argument(
        "--large", type=int, default=None, help="side of the large image (0: small size only)"
    )
    parser.add_argument(
        "--small", type=int, default=256, help="side of the small image (256; less for smoke runs)"
    )
    parser.add_argument(
        "--fp32-large", action="store_true", help="also time exact fp32 at the large size"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        print(json.dumps(worker(json.loads(args.worker))))
        return

    import torch

    devices = args.devices.split(",") if args.devices else ["cpu"]
    if args.devices is None and torch.cuda.is_available():
        devices.append("cuda")
    large = (1024 if args.quick else 2048) if args.large is None else args.large
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads, {_cpu_name()}")
    if "cuda" in devices:
        print(f"GPU: {torch.cuda.get_device_name(0)}")
    print(f"load average before: {os.getloadavg()}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for device in devices:
            on_cpu = device == "cpu"
            for size in (args.small, large) if large else (args.small,):
                if on_cpu:
                    reps = (2 if args.quick else 3) if size == args.small else 1
                else:
                    reps = 10 if size == args.small else 3
                variants = ["plain", "translate"]
                if size == args.small or args.fp32_large:
                    variants.append("translate-fp32")  # the exact path, for comparison
                results = {}
                for variant in variants:
                    results[variant] = _run_variant(device, size, variant, reps, Path(tmp))
                    r = results[variant]
                    print(
                        f"  {device} {size}² {variant}: wall {np.median(r['wall']):.3f} s, "
                        f"cpu {np.median(r['cpu']):.3f} s, peak {r['peak_bytes'] / 2**20:.0f} MiB",
                        flush=True,
                    )
                base = results["plain"]
                for variant, r in results.items():
                    wall = float(np.median(r["wall"]))
                    diff = np.abs(r["image"].astype(int) - base["image"].astype(int))
                    rows.append(
                        {
                            "device": device,
                            "size": size,
                            "variant": variant,
                            "reps": len(r["wall"]),
                            "seconds": wall,
                            "images_per_s": 1.0 / wall,
                            "cpu_seconds": float(np.median(r["cpu"])),
                            "peak_mib": r["peak_bytes"] / 2**20,
                            "speedup": float(np.median(base["wall"])) / wall,
                            "cpu_speedup": float(np.median(base["cpu"]))
                            / float(np.median(r["cpu"])),
                            "memory_ratio": r["peak_bytes"] / max(base["peak_bytes"], 1),
                            "mean_abs_diff": float(diff.mean()),
                        }
                    )
    print(f"load average after: {os.getloadavg()}\n")
    header = (
        f"{'device':6} {'size':>9} {'variant':15} {'reps':>4} {'s/img':>8} {'img/s':>7} "
        f"{'cpu s':>8} {'peak MiB':>9} {'speed×':>7} {'cpu×':>6} {'mem×':>6} {'|Δ|':>6}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['device']:6} {r['size']:>4}×{r['size']:<4} {r['variant']:15} {r['reps']:>4} "
            f"{r['seconds']:>8.3f} {r['images_per_s']:>7.3f} {r['cpu_seconds']:>8.2f} "
            f"{r['peak_mib']:>9.0f} {r['speedup']:>7.2f} {r['cpu_speedup']:>6.2f} "
            f"{r['memory_ratio']:>6.2f} {r['mean_abs_diff']:>6.2f}"
        )
    print(
        "\nspeed× / cpu× = plain's wall / CPU seconds over the variant's (higher is faster); "
        "mem× = peak memory over plain's; |Δ| = mean absolute difference from plain's "
        "output in uint8 levels (tiling normalises with thumbnail statistics; bf16 rounds)."
    )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
