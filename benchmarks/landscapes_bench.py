"""Procedural landscape rendering speed: batched (vectorised) vs one seed per call.

    .venv/bin/python benchmarks/landscapes_bench.py [--sizes 64 128 256] [--repeat 3]

Single-threaded (thread pools are pinned to one thread before NumPy loads), held-out
seeds, `day` kind only unless stated. The baseline, run side by side, renders the same
kind of scene one seed per call (batch size 1), as a naive per-image loader would.
Reports images/s by wall clock and by process CPU time (robust on a busy machine; the
best of `--repeat` runs), and the batched/baseline ratio.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402

from ganpaint.landscapes import HELD_OUT_SEED_START, render_landscapes  # noqa: E402
from trainer.synth import write_dataset  # noqa: E402

# images per measurement: batched, and one-per-call baseline (each takes about a second)
COUNTS = {64: (4096, 256), 128: (1024, 96), 256: (256, 24), 512: (64, 8)}


def _best(run: Callable[[int], None], images: int, repeat: int) -> tuple[float, float]:
    """Best images/s over `repeat` runs, by wall clock and by CPU time."""
    wall, cpu = [], []
    for r in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        run(r)
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return images / min(wall), images / min(cpu)


def bench_render(size: int, repeat: int, kinds: tuple[str, ...]) -> dict[str, float]:
    batched_n, single_n = COUNTS.get(size, (max(8, 2**20 // size**2), 8))
    start = HELD_OUT_SEED_START + 10_000_000

    def batched(r: int) -> None:
        render_landscapes(np.arange(batched_n) + start + r * batched_n, size, kinds=kinds)

    def one_by_one(r: int) -> None:
        for seed in range(start + r * single_n, start + (r + 1) * single_n):
            render_landscapes([seed], size, kinds=kinds)

    render_landscapes([start], size, kinds=kinds)  # warm up imports and caches
    wall_b, cpu_b = _best(batched, batched_n, repeat)
    wall_1, cpu_1 = _best(one_by_one, single_n, repeat)
    return {"batched": wall_b, "batched_cpu": cpu_b, "single": wall_1, "single_cpu": cpu_1}


def bench_write(size: int, n: int, repeat: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:

        def write(r: int) -> None:
            write_dataset(f"{folder}/{r}", n=n, size=size, seed=r * n)

        return _best(write, n, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 128, 256])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    print("landscapes: images/s on one thread (wall clock | CPU time), best of", args.repeat)
    print(f"{'size':>5} {'kinds':<10} {'batched':>17} {'1 per call':>17} {'ratio':>7}")
    every = ("day", "night", "sketch", "labels")
    rows = [(size, ("day",)) for size in args.sizes] + [(args.sizes[0], every)]
    for size, kinds in rows:
        r = bench_render(size, args.repeat, kinds)
        label = "day" if kinds == ("day",) else "all four"
        ratio = r["batched_cpu"] / r["single_cpu"]
        print(
            f"{size:>5} {label:<10} {r['batched']:>8.0f} | {r['batched_cpu']:<6.0f}"
            f" {r['single']:>8.0f} | {r['single_cpu']:<6.0f} {ratio:>6.1f}x"
        )
    wall, cpu = bench_write(64, 1024, args.repeat)
    print(f"write_dataset folder, 64 px PNGs: {wall:.0f} images/s wall ({cpu:.0f} per CPU-second)")


if __name__ == "__main__":
    main()
