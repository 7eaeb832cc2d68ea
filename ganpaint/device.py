"""Choosing the compute device (`--device auto|cpu|cuda[:N]|mps`) and seeding every RNG."""

from __future__ import annotations

import random
import re
from typing import TYPE_CHECKING

from ganpaint.errors import DeviceError

if TYPE_CHECKING:  # torch is imported on use, so `ganpaint --help` starts at once
    import torch

DEVICE_CHOICES_HELP = "auto (CUDA, then MPS, then CPU), cpu, cuda, cuda:N or mps"
_PATTERN = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")


def _mps_available() -> bool:
    import torch

    backend = getattr(torch.backends, "mps", None)
    return bool(backend and backend.is_available())


def check_device_name(spec: str | None) -> str:
    """The normalised device string, or DeviceError for one that names no device kind.

    Needs no torch: a command that will not use the device still refuses a typo."""
    if spec is not None and not spec.strip():  # `--device ""`: a slip, not a choice of auto
        raise DeviceError(f"--device is empty; use {DEVICE_CHOICES_HELP}.")
    text = (spec or "auto").strip().lower()
    if not _PATTERN.match(text):
        raise DeviceError(f"Unknown device {spec!r}; use {DEVICE_CHOICES_HELP}.")
    return text


def resolve_device(spec: str | torch.device | None = "auto") -> torch.device:
    """Turn a user's device string into a torch.device that exists on this machine."""
    import torch

    if isinstance(spec, torch.device):
        return spec
    text = check_device_name(spec)
    if text == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if text == "cpu":
        return torch.device("cpu")
    if text == "mps":
        if not _mps_available():
            raise DeviceError("Device 'mps' is not available on this machine; use --device cpu.")
        return torch.device("mps")
    if not torch.cuda.is_available():
        raise DeviceError(
            f"Device {text!r} needs a CUDA GPU and a CUDA build of PyTorch, and this machine "
            "has neither in working order; use --device cpu."
        )
    device = torch.device(text)
    if device.index is not None and device.index >= torch.cuda.device_count():
        raise DeviceError(
            f"Device {text!r} does not exist: this machine has {torch.cuda.device_count()} "
            f"CUDA device(s), numbered from 0."
        )
    return device


def available_devices() -> list[str]:
    """Every device string `resolve_device` accepts here, for menus and `--help`."""
    import torch

    names = ["auto", "cpu"]
    if torch.cuda.is_available():
        names += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if _mps_available():
        names.append("mps")
    return names


def describe_device(device: torch.device) -> str:
    """A short human description, e.g. 'cuda:0 (NVIDIA H100, 79.1 GiB free)'."""
    import torch

    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        free, _total = torch.cuda.mem_get_info(index)
        name = torch.cuda.get_device_name(index)
        return f"cuda:{index} ({name}, {free / 2**30:.1f} GiB free)"
    return str(device)


def fast_bf16(device: torch.device) -> bool:
    """Whether bf16 arithmetic is faster than fp32 on `device`, so inference should use it.

    CUDA: yes on GPUs that support bf16 (Ampere and later). CPU: only where oneDNN has
    native bf16 instructions (AVX512-BF16 or AMX); elsewhere it emulates them and bf16
    is slower than fp32. MPS: no.
    """
    import torch

    if device.type == "cuda":
        return bool(torch.cuda.is_bf16_supported())
    if device.type != "cpu":
        return False
    try:  # a private but long-standing probe; any failure means "no"
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch (all devices); return a CPU generator seeded alike."""
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    generator = torch.Generator()
    generator.manual_seed(seed)
    return generator
