"""The range of every numeric option, in one table shared by `ganpaint`, `ganpaint-train`
and the trainer's config files.

An unbounded number is a way to run forever or to exhaust memory (`--restarts 100000`,
`sample -n 100000000`, `--seed 2**70`), so every number a user can give is checked
against this table before any work starts: argparse through `number()`, config files
through `check()`. The limits are generous (far above any default or any value a
published recipe uses) but finite; each entry says why it stops where it does.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

from ganpaint.errors import GanpaintError

__all__ = [
    "RANGES",
    "CommandParser",
    "Range",
    "RangeError",
    "add_number",
    "check",
    "number",
    "with_range",
]

#: Seeds go to torch's 64-bit generators (signed on some paths): 0 … 2**63 - 1.
MAX_SEED = 2**63 - 1


class RangeError(GanpaintError):
    """A number outside its documented range."""


@dataclass(frozen=True)
class Range:
    """Inclusive bounds of one option; `whole` = an integer, else a finite float."""

    low: float
    high: float
    whole: bool = True

    def describe(self) -> str:
        """'1 to 256' (or '0 to 1' for a float), as the help and the errors say it."""
        kind = "a whole number" if self.whole else "a number"
        return f"{kind} from {_show(self.low)} to {_show(self.high)}"

    def contains(self, value: object) -> bool:
        """Whether `value` has the right type and lies within the bounds (NaN never does)."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if self.whole and not isinstance(value, int):
            return False
        return math.isfinite(value) and self.low <= value <= self.high


def _show(bound: float) -> str:
    if bound == MAX_SEED:
        return "2**63-1"
    return f"{bound:g}" if isinstance(bound, float) and not bound.is_integer() else f"{bound:.0f}"


def _workers_limit() -> int:
    """DataLoader workers: more than 4 per core only queue up and each holds a batch."""
    return 4 * (os.cpu_count() or 1)


# Why each limit stops where it does (defaults in parentheses).
RANGES: dict[str, Range] = {
    # --- ganpaint -------------------------------------------------------------------------
    # Candidates optimised as one batch (inpaint 8, generate 64 as in iGAN): memory and time
    # grow with each one; 256 is four times iGAN's batch.
    "restarts": Range(1, 256),
    # Optimisation steps (1500 in Yeh et al.): 100000 already takes hours on a CPU.
    "iters": Range(1, 100_000),
    # Tuning steps of G on the photo (100): 10000 is a hundred times the default.
    "refine_steps": Range(0, 10_000),
    "seed": Range(0, MAX_SEED),
    # Samples in one grid (64): 4096 is a 64×64 grid; memory is also estimated per model.
    "sample_n": Range(1, 4096),
    # Translation tiles (512): below 16 px a tile is all overlap; a 4096² tile through
    # ResNet-9 already needs gigabytes of activations.
    "tile": Range(16, 4096),
    # --- ganpaint-train ---------------------------------------------------------------------
    # Training steps (10000): ten million is weeks of training on one GPU.
    "train_iters": Range(1, 10_000_000),
    "batch": Range(1, 4096),
    "every": Range(1, 10_000_000),  # steps between logs, samples, checkpoints, tests
    "keep_checkpoints": Range(1, 1000),
    "workers": Range(0, _workers_limit()),
    # Minutes before a clean stop (0 = none): a year is the longest plausible run.
    "max_minutes": Range(0.0, 525_600.0, whole=False),
    # Image sides: training crops and renders up to 8192 px (8192² RGB is 192 MiB).
    "size": Range(8, 8192),
    # Procedural images (50000 for GANs): rendered on demand, but listed in memory.
    "synthetic_n": Range(1, 10_000_000),
    "synth_n": Range(1, 10_000_000),
    # Scenes a style guess is fitted on (2000): all are held in memory with their photos,
    # about 0.3 MB each at 128 px, so 10000 is some 3 GB; two is the least that splits.
    "guess_scenes": Range(2, 10_000),
    # Network widths (64): at 1024 a DCGAN's largest layer alone has half a billion
    # weights; wider nets only end in an allocator error.
    "width": Range(1, 1024),
    "nz": Range(1, 4096),
    "n_layers_d": Range(1, 8),  # 3 = 70 px patches; 8 already sees more than 2000 px
    "n_critic": Range(1, 100),  # WGAN-GP critic steps (5)
    # SPADE (n_up 5, num_d 2, style_dim 64): at 8 upsamplings every side is a multiple of
    # 256 px; the reference uses 2 or 3 discriminator scales; a style code longer than
    # 4096 only adds weights (the paper's is 256; 0 = no style).
    "n_up": Range(1, 8),
    "out_upsample": Range(1, 2),  # 2: G's last block at half size, then a full-size conv
    "num_d": Range(1, 4),
    "style_dim": Range(0, 4096),
    "epochs": Range(0, 100_000),
    "test_n": Range(1, 1024),
    "pool_size": Range(0, 10_000),  # images each pool holds in memory (50)
    "eval_samples": Range(1, 100_000),  # images generated and compared (1024)
    "parzen_max_size": Range(1, 1024),
    # Loss weights and rates: positive or zero, finite, far above any published value.
    "lr": Range(0.0, 1.0, whole=False),
    "fraction": Range(0.0, 1.0, whole=False),  # beta1, EMA decay, shares of steps
    "weight": Range(0.0, 1e6, whole=False),
    "zoom": Range(1.0, 16.0, whole=False),
    # pix2pix's L1 over N x N blocks (1 = per pixel); 64 leaves only a 4 x 4 layout at 256 px
    "l1_pool": Range(1, 64),
}

# Config-file keys (dataclass fields) that share a row of the table under another name.
CONFIG_KEYS: dict[str, str] = {
    "iters": "train_iters",
    "log_every": "every",
    "sample_every": "every",
    "checkpoint_every": "every",
    "test_every": "every",
    "load_size": "size",
    "ngf": "width",
    "ndf": "width",
    "n_epochs": "epochs",
    "n_epochs_decay": "epochs",
    "beta1": "fraction",
    "beta2": "fraction",
    "ema": "fraction",
    "fake_fraction": "fraction",
    "gp_weight": "weight",
    "z_weight": "weight",
    "image_weight": "weight",
    "lambda_a": "weight",
    "lambda_b": "weight",
    "lambda_identity": "weight",
    "lambda_l1": "weight",
    "lambda_gan": "weight",
    "lambda_feat": "weight",
    "lambda_kld": "weight",
    "lambda_l1_full": "weight",
    "spade_hidden": "width",
}


def number(key: str) -> Callable[[str], int | float]:
    """An argparse `type=` that parses and range-checks one option against `RANGES[key]`."""
    bounds = RANGES[key]

    def parse(text: str) -> int | float:
        try:
            value: int | float = int(text) if bounds.whole else float(text)
        except ValueError:
            value = math.nan
        if not bounds.contains(value):
            raise argparse.ArgumentTypeError(f"must be {bounds.describe()}, not {text}")
        return value

    parse.__name__ = key  # argparse names the type in some messages
    return parse


def with_range(key: str, text: str) -> str:
    """A help text with its range appended, so `--help` documents every bound."""
    bounds = RANGES[key]
    return f"{text}; {_show(bounds.low)} to {_show(bounds.high)}"


def check(name: str, value: object, source: str) -> None:
    """Refuse a config value outside its range (names without a row pass unchecked)."""
    key = CONFIG_KEYS.get(name, name)
    bounds = RANGES.get(key)
    if bounds is not None and not bounds.contains(value):
        raise RangeError(f"{source}: {name} = {value!r} must be {bounds.describe()}.")


def add_number(
    parser: argparse.ArgumentParser, *flags: str, key: str, help: str, **options: object
) -> None:
    """Add a numeric option checked against `RANGES[key]`, its range shown in `--help`."""
    parser.add_argument(*flags, type=number(key), help=with_range(key, help), **options)  # type: ignore[arg-type]


class CommandParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors read like every other error of the command.

    argparse names the subcommand (`ganpaint inpaint: error: …`) after a usage of up to
    twenty lines; this names the program (`ganpaint: error: …`, as a GanpaintError does)
    and points to the subcommand's help instead, so an option out of range is one line
    like any other refusal. Only the program's own short usage (the list of commands)
    is still shown. Subparsers inherit the class.
    """

    def error(self, message: str) -> None:  # type: ignore[override]
        program = self.prog.split()[0]
        if self.prog == program:
            self.print_usage(sys.stderr)
        self.exit(2, f"{program}: error: {message} (see `{self.prog} --help`)\n")
