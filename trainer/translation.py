"""What CycleGAN and pix2pix training share: config, networks, LR schedule, --init-from.

Both follow the reference implementation's defaults (Adam 2e-4, beta1 0.5, batch 1,
286 -> 256 random crops and mirrors, a 70x70 PatchGAN, weights N(0, 0.02)), and its
learning-rate policy: constant for `n_epochs`, then linear decay towards 0 over
`n_epochs_decay`. Runs are measured in epochs by default (`iters` 0 is settled from
the data set's size once it is open); with `--iters` the same schedule is spread over
the given steps, the epochs becoming `iters / (n_epochs + n_epochs_decay)` steps long.
"""

from __future__ import annotations

import dataclasses
import math
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ganpaint.errors import GanpaintError
from ganpaint.models.bundle import ModelBundle
from ganpaint.models.norm import NORMS
from ganpaint.models.patchgan import NLayerDiscriminator
from ganpaint.models.registry import build_net
from ganpaint.models.statecheck import describe_mismatch, shapes_of
from ganpaint.models.unet import MIN_DOWNS
from ganpaint.models.upsample import DEFAULT_UPSAMPLE, UPSAMPLES
from trainer.config import ConfigError, LoopConfig
from trainer.data.paired import data_domains, default_load_size
from trainer.losses import PATCH_LOSSES

#: Epochs between test-set outputs when --test-every is not given.
TEST_EVERY_EPOCHS = 5
_RESNET = re.compile(r"^resnet_(\d+)blocks$")
MAX_RESNET_BLOCKS = 64  # as the model file check allows
_UNET = re.compile(r"^unet(?:_(\d+))?$")


def settle_epochs(config: Any, samples: int, world_size: int) -> Any:
    """`config` with `iters` (whole epochs of `n_epochs + n_epochs_decay`) and
    `test_every` settled from the training set's size: the translators' and SPADE's
    epoch schedule."""
    epochs = config.n_epochs + config.n_epochs_decay
    iters = config.iters or epochs * max(1, samples // max(1, world_size) // config.batch)
    test_every = config.test_every or max(1, round(TEST_EVERY_EPOCHS * iters / epochs))
    return dataclasses.replace(config, iters=iters, test_every=test_every)


@dataclasses.dataclass
class TranslationConfig(LoopConfig):
    """Flags both translators share; see `CycleGanConfig` and `Pix2PixConfig` for defaults."""

    data: str = ""
    size: int = 256  # the crop the nets train on
    load_size: int = 0  # 0: round(size * 286 / 256)
    flip: bool = True
    # scale augmentation: each training image seen at a random scale from 1 to `zoom` x the
    # load size (log-uniform), cut back to it; 1 = off. Synthetic scenes are rendered at
    # that scale, folder images upsampled (bicubic). See trainer.data.zoom.
    zoom: float = 1.0
    synthetic_n: int = 1000  # procedural training images (per domain)
    net_g: str = "resnet_9blocks"
    ngf: int = 64
    ndf: int = 64
    n_layers_d: int = 3  # 3: the 70x70 PatchGAN ("basic")
    norm: str = "instance"
    dropout: bool = False
    # how G doubles its resolution: "transpose" (the reference's transposed convs, so its
    # checkpoints fit --init-from) or "resize" (nearest x2 + 3x3 conv: no checkerboard
    # artefacts to unlearn; see ganpaint.models.upsample)
    upsample: str = DEFAULT_UPSAMPLE
    gan_mode: str = "lsgan"
    lr: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    n_epochs: int = 100  # epochs at the initial learning rate
    n_epochs_decay: int = 100  # epochs of linear decay to 0
    iters: int = 0  # 0: (n_epochs + n_epochs_decay) epochs of the training set
    batch: int = 1
    log_every: int = 100
    checkpoint_every: int = 2000
    test_every: int = 0  # steps between test-set outputs; 0: every 5 epochs
    test_n: int = 8  # test images translated each time
    init_from: str = ""  # reference .pth, bundle or run folder to start the generator(s) from
    domain_a: str = ""  # names of the domains in the exported model (default: from --data)
    domain_b: str = ""
    name: str = ""

    def resolved(self: Any) -> Any:
        """Check the values; fill in the load size (but not yet the epoch-based lengths)."""
        if not self.data:
            raise ConfigError("Pass --data DIR or --data synthetic:landscapes:PAIR.")
        for name in ("size", "batch", "ngf", "ndf", "n_layers_d", "synthetic_n", "test_n"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive, not {getattr(self, name)}.")
        for name in ("log_every", "sample_every", "checkpoint_every", "keep_checkpoints"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive, not {getattr(self, name)}.")
        for name in ("iters", "test_every", "load_size", "n_epochs", "n_epochs_decay"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must not be negative, not {getattr(self, name)}.")
        if not 1 <= self.zoom < math.inf:
            raise ConfigError(f"--zoom must be at least 1 (1 = off), not {self.zoom}.")
        if self.n_epochs + self.n_epochs_decay <= 0:
            raise ConfigError("n_epochs + n_epochs_decay must be at least 1.")
        if self.norm not in NORMS:
            raise ConfigError(f"Unknown --norm {self.norm!r}; use {', '.join(NORMS)}.")
        if self.upsample not in UPSAMPLES:
            raise ConfigError(
                f"Unknown --upsample {self.upsample!r}; use {' or '.join(UPSAMPLES)}."
            )
        if self.gan_mode not in PATCH_LOSSES:
            raise ConfigError(
                f"Unknown --gan-mode {self.gan_mode!r}; use {' or '.join(PATCH_LOSSES)}."
            )
        arch, extra = generator_spec(self.net_g, self.size)
        multiple = 4 if arch == "resnet_generator" else 2 ** extra["num_downs"]
        if self.size % multiple:
            raise ConfigError(
                f"--netG {self.net_g} needs --size to be a multiple of {multiple}, not {self.size}."
            )
        load = self.load_size or default_load_size(self.size)
        if load < self.size:
            raise ConfigError(f"--load-size {load} is smaller than --size {self.size}.")
        return dataclasses.replace(self, load_size=load)

    def for_data(self: Any, samples: int, world_size: int) -> Any:
        return settle_epochs(self, samples, world_size)

    def domains(self) -> dict[str, str]:
        """The exported model's domain names: the flags, else what --data implies."""
        implied = data_domains(self.data)
        return {"A": self.domain_a or implied["A"], "B": self.domain_b or implied["B"]}


def generator_spec(net_g: str, size: int) -> tuple[str, dict[str, Any]]:
    """`resnet_9blocks` / `unet_256` / `unet` (depth log2(size)) -> (arch, its config part)."""
    resnet, unet = _RESNET.match(net_g), _UNET.match(net_g)
    if resnet:
        blocks = int(resnet.group(1))
        if not 1 <= blocks <= MAX_RESNET_BLOCKS:
            raise ConfigError(
                f"--netG {net_g}: a ResNet generator needs 1 to {MAX_RESNET_BLOCKS} blocks "
                f"(resnet_6blocks, resnet_9blocks), not {blocks}."
            )
        return "resnet_generator", {"n_blocks": blocks}
    if unet:
        side = int(unet.group(1)) if unet.group(1) else size
        num_downs = int(math.log2(side)) if side > 0 else 0
        if 2**num_downs != side or num_downs < MIN_DOWNS:
            raise ConfigError(
                f"--netG {net_g}: a U-Net needs a power-of-two size of at least {2**MIN_DOWNS}"
                f" (unet_128, unet_256, or unet with such a --size), not {side}."
            )
        return "unet_generator", {"num_downs": num_downs}
    raise ConfigError(
        f"Unknown --netG {net_g!r}; use resnet_9blocks, resnet_6blocks, unet_256, unet_128 or unet."
    )


def build_generator(config: TranslationConfig, input_nc: int = 3, output_nc: int = 3) -> nn.Module:
    """A freshly initialised (N(0, 0.02)) ResNet or U-Net generator for `config`."""
    arch, extra = generator_spec(config.net_g, config.size)
    return build_net(
        arch,
        {"input_nc": input_nc, "output_nc": output_nc, "ngf": config.ngf, "norm": config.norm,
         "use_dropout": config.dropout, "upsample": config.upsample, **extra},
    )  # fmt: skip


def build_discriminator(config: TranslationConfig, input_nc: int = 3) -> nn.Module:
    """The PatchGAN (70x70 receptive field with the default 3 layers)."""
    return build_net(
        NLayerDiscriminator.arch,
        {"input_nc": input_nc, "ndf": config.ndf, "n_layers": config.n_layers_d,
         "norm": config.norm},
    )  # fmt: skip


def linear_decay(config: TranslationConfig) -> Callable[[int], float]:
    """The reference's LR factor per step: epoch e trains at 1 - max(0, e + 1 - n) / (d + 1).

    Epoch e of step s is s * (n + d) // iters: exactly the data epoch when `iters` is a
    whole number of epochs, and an equal share of `iters` otherwise.
    """
    n, d, iters = config.n_epochs, config.n_epochs_decay, max(1, config.iters)

    def factor(step: int) -> float:
        epoch = step * (n + d) // iters
        return 1.0 - max(0, epoch + 1 - n) / float(d + 1)

    return factor


def make_scheduler(optimizer: torch.optim.Optimizer, config: TranslationConfig) -> Any:
    return torch.optim.lr_scheduler.LambdaLR(optimizer, linear_decay(config))


# -- --init-from ----------------------------------------------------------------------------
#: Reads a run folder's model; ganpaint-train passes `trainer.registry.load_model`, which
#: needs the table of commands (this one among them), so it comes in as an argument.
RunReader = Callable[[Path], ModelBundle]


def read_init_source(spec: str, load_run: RunReader | None) -> ModelBundle:
    """A reference `.pth` (imported without pickle), a ganpaint bundle or a run folder,
    read once for the generators and (pix2pix) the discriminator it starts; errors are
    one ConfigError worded as --init-from's."""
    path = Path(spec).expanduser()
    read: Callable[[Path], ModelBundle]
    if path.is_dir():
        if load_run is None:
            raise ConfigError(
                f"--init-from {spec}: this task was built without a run reader; "
                "start it with ganpaint-train, or pass a model file."
            )
        read = load_run
    elif path.suffix in (".pth", ".pt"):
        from ganpaint.models.reference import import_reference as read
    else:
        from ganpaint.models.bundle import load as read
    try:
        return read(path)
    except GanpaintError as error:
        raise ConfigError(f"--init-from: {error}") from None


def _describe(net: nn.Module) -> str:
    config = getattr(net, "config", {})
    shown = ", ".join(f"{k}={v}" for k, v in config.items() if k not in ("input_nc", "output_nc"))
    return f"{type(net).__name__}({shown})"


def copy_generator(source: nn.Module, target: nn.Module, spec: str, role: str) -> None:
    """Load `source`'s weights into `target`, or one ConfigError naming what differs."""
    mismatch = describe_mismatch(shapes_of(target.state_dict()), shapes_of(source.state_dict()))
    if type(source) is not type(target) or mismatch:
        detail = f" ({mismatch})" if type(source) is type(target) else ""
        raise ConfigError(
            f"--init-from {spec}: its {_describe(source)} does not fit this run's {role} "
            f"{_describe(target)}{detail}; pass matching --netG/--ngf/--norm/--upsample flags "
            "or another file."
        )
    with torch.no_grad():
        target.load_state_dict(source.state_dict())


def init_discriminator(bundle: ModelBundle, target: nn.Module, direction: str) -> bool:
    """Start `target` from a pix2pix file's D when it has one of the same layout that
    judged pairs the same way round (a run's model keeps it; a bundled model ships
    without), so a fine-tune does not begin with an untrained D pushing a trained G off
    course. False: D starts fresh."""
    same_way = bundle.kind == "pix2pix" and bundle.meta.get("direction", "AtoB") == direction
    source = bundle.nets.get("D") if same_way else None
    if source is None or type(source) is not type(target):
        return False
    if describe_mismatch(shapes_of(target.state_dict()), shapes_of(source.state_dict())):
        return False
    with torch.no_grad():
        target.load_state_dict(source.state_dict())
    return True


def init_generators(spec: str, targets: dict[str, nn.Module], bundle: ModelBundle) -> list[str]:
    """Initialise the run's generators from `spec`; return the directions loaded.

    `targets` maps "AtoB" / "BtoA" to the generators translating that way. A CycleGAN
    source fills both; a one-way source (pix2pix, one reference file) fills the one of
    its direction, or a one-way run's only generator whatever the direction (a
    reference pix2pix trained B->A is saved as a plain `latest_net_G.pth`). `bundle` is
    what `read_init_source(spec, ...)` read.
    """
    if bundle.kind == "cyclegan":
        sources = {"AtoB": bundle.nets["G_A"], "BtoA": bundle.nets["G_B"]}
    elif bundle.kind == "pix2pix":
        sources = {bundle.meta.get("direction", "AtoB"): bundle.nets["G"]}
    else:
        raise ConfigError(
            f"--init-from {spec} is a {bundle.kind} model; pass a CycleGAN or pix2pix generator."
        )
    if len(sources) == 1 and len(targets) == 1:
        sources = {next(iter(targets)): next(iter(sources.values()))}
    loaded = []
    for way, target in targets.items():
        if way in sources:
            copy_generator(sources[way], target, spec, f"{way} generator")
            loaded.append(way)
    if not loaded:
        raise ConfigError(
            f"--init-from {spec} translates {', '.join(sources)}, but this run trains "
            f"{', '.join(targets)}; pass a generator of that direction."
        )
    return loaded


class TestSetCache:
    """A run's test pairs, read once on first use; without any, warn once and go on.

    Test-set outputs are a courtesy during training: a data folder without test
    images must not stop the run.
    """

    def __init__(self, read: Callable[[], tuple[torch.Tensor, torch.Tensor]]) -> None:
        self._read = read
        self._pairs: tuple[torch.Tensor, torch.Tensor] | None = None
        self._tried = False

    def get(self) -> tuple[torch.Tensor, torch.Tensor] | None:
        if not self._tried:
            self._tried = True
            try:
                self._pairs = self._read()
            except GanpaintError as error:
                print(f"ganpaint-train: warning: no test-set outputs ({error})", file=sys.stderr)
        return self._pairs


def step_losses(
    losses: dict[str, torch.Tensor], lr: float, device: torch.device
) -> dict[str, torch.Tensor]:
    """What a translation step reports: its losses, detached, and the learning rate."""
    out = {name: value.detach() for name, value in losses.items()}
    out["lr"] = torch.full((), lr, device=device)
    return out
