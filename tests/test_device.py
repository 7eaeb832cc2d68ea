"""Device choice and seeding behave the same on every machine (tests run on the CPU)."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from ganpaint.device import available_devices, resolve_device, seed_everything
from ganpaint.errors import DeviceError


def test_auto_picks_an_existing_device() -> None:
    device = resolve_device("auto")
    if torch.cuda.is_available():
        assert device.type == "cuda"
    else:
        assert device.type in {"mps", "cpu"}


def test_cpu_always_works_and_is_listed() -> None:
    assert resolve_device("CPU") == torch.device("cpu")
    assert resolve_device(None) == resolve_device("auto")
    assert {"auto", "cpu"} <= set(available_devices())


@pytest.mark.parametrize("spec", ["gpu", "cuda:x", "tpu", "cuda:-1", ""])
def test_unknown_device_names_the_choices(spec: str) -> None:
    """An empty name too: `--device ""` is a slip, not a choice of auto."""
    with pytest.raises(DeviceError, match="use auto"):
        resolve_device(spec)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_a_gpu_says_to_use_the_cpu() -> None:
    with pytest.raises(DeviceError, match="--device cpu"):
        resolve_device("cuda:0")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_missing_cuda_index_is_refused() -> None:
    with pytest.raises(DeviceError):
        resolve_device("cuda:7")


def test_seed_everything_makes_every_rng_repeat() -> None:
    def draw() -> tuple[float, float, float, float]:
        generator = seed_everything(1234)
        return (
            random.random(),
            float(np.random.rand()),
            float(torch.rand(1)),
            float(torch.rand(1, generator=generator)),
        )

    assert draw() == draw()
