"""pix2pix training (Isola et al., CVPR 2017) on aligned pairs: a conditional GAN plus L1.

G maps the input (A, or B with --direction BtoA) to the target; D, a PatchGAN on the
input and an image concatenated, tells real pairs from G's. Per step, as the
reference: D on a fake and a real pair (vanilla GAN loss, halved), then G through a
frozen D on the GAN loss plus 100 x |G(x) - y| (--lambda-gan 0 trains G on L1 alone,
the paper's ablation baseline, and leaves D untrained). Batch norm, dropout in the U-Net,
batch 1, the linear-decay schedule of `trainer.translation`. The export is a
"pix2pix" bundle with G and D, its direction and domain names.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
from typing import Any

import torch
import torch.nn.functional as F

from ganpaint.models.bundle import DIRECTIONS, ModelBundle
from ganpaint.models.norm import image_statistics
from ganpaint.models.stars import StarHead
from trainer.config import ConfigError
from trainer.data.paired import aligned_test_set
from trainer.data.stream import mix_seed
from trainer.gan import make_adam
from trainer.losses import patch_gan_loss
from trainer.runtime import Runtime, set_requires_grad
from trainer.task import Task
from trainer.translation import (
    RunReader,
    TestSetCache,
    TranslationConfig,
    build_discriminator,
    build_generator,
    init_discriminator,
    init_generators,
    make_scheduler,
    read_init_source,
    step_losses,
)

SAMPLE_COUNT = 4


@dataclasses.dataclass
class Pix2PixConfig(TranslationConfig):
    """`ganpaint-train pix2pix`: the reference's defaults (see trainer.translation)."""

    data: str = "synthetic:landscapes:edges2photo"
    net_g: str = "unet"  # unet: log2(--size) downsamplings (unet_256 at 256 px)
    norm: str = "batch"
    dropout: bool = True
    gan_mode: str = "vanilla"
    direction: str = "AtoB"
    lambda_l1: float = 100.0
    lambda_gan: float = 1.0  # 0: the L1-only baseline of the paper's ablation (D is not trained)
    # L1 between the images averaged over l1_pool x l1_pool blocks (1: per pixel, the
    # reference), plus lambda_l1_full x the per-pixel L1: a pooled L1 holds the layout and
    # the light but leaves fine detail that no input predicts (stars) to the GAN loss
    l1_pool: int = 1
    lambda_l1_full: float = 0.0
    # a star layer (ganpaint.models.stars): L1 sees G's output, D sees it with the stars
    stars: bool = False
    # train only the star layer and D on an --init-from generator, which stays as it is
    freeze_g: bool = False

    def resolved(self) -> Pix2PixConfig:
        config = super().resolved()
        if config.direction not in DIRECTIONS:
            raise ConfigError(f"Unknown --direction {config.direction!r}; use AtoB or BtoA.")
        if config.l1_pool < 1 or config.size % config.l1_pool:
            raise ConfigError(
                f"--l1-pool must be a positive divisor of --size {config.size}, "
                f"not {config.l1_pool}."
            )
        if config.lambda_l1_full > 0 and config.l1_pool == 1:
            raise ConfigError(
                "--lambda-l1-full needs --l1-pool above 1; without pooling the L1 term is "
                "per pixel already, weighted by --lambda-l1."
            )
        if config.stars and config.lambda_gan == 0:
            raise ConfigError("--stars needs the GAN loss: only D says where stars belong.")
        if config.freeze_g and not (config.stars and config.init_from):
            raise ConfigError(
                "--freeze-g trains the star layer on a finished generator: it needs --stars "
                "and --init-from."
            )
        for name in ("lambda_l1", "lambda_gan", "lambda_l1_full"):
            if getattr(config, name) < 0:
                raise ConfigError(f"{name} must not be negative, not {getattr(config, name)}.")
        return config


def l1_loss(fake: torch.Tensor, target: torch.Tensor, config: Pix2PixConfig) -> torch.Tensor:
    """The weighted L1 term: per pixel (the reference), or over pooled blocks plus a share
    per pixel (`l1_pool`, `lambda_l1_full`)."""
    k = config.l1_pool
    if k == 1:
        return F.l1_loss(fake, target) * config.lambda_l1
    loss = F.l1_loss(F.avg_pool2d(fake, k), F.avg_pool2d(target, k)) * config.lambda_l1
    if config.lambda_l1_full > 0:
        loss = loss + F.l1_loss(fake, target) * config.lambda_l1_full
    return loss


class Pix2PixTask(Task):
    kind = "pix2pix"

    def __init__(
        self, runtime: Runtime, config: Pix2PixConfig, load_run: RunReader | None = None
    ) -> None:
        """`load_run` reads a run folder given to --init-from (see `translation.RunReader`)."""
        super().__init__(runtime)
        self.config, self.load_run = config, load_run
        self.G = runtime.place(build_generator(config))
        self.D = runtime.place(build_discriminator(config, input_nc=6))
        self.nets = {"G": self.G, "D": self.D}
        self.S: StarHead | None = None
        if config.stars:
            self.S = runtime.place(StarHead(output_nc=self.G.config["output_nc"]))
            self.nets["S"] = self.S
        self.G_train, self.D_train = runtime.parallel(self.G), runtime.parallel(self.D)
        betas, device = (config.beta1, config.beta2), runtime.device
        trained = [] if config.freeze_g else list(self.G.parameters())
        trained += list(self.S.parameters()) if self.S is not None else []
        self.optimizers = {
            "G": make_adam(trained, config.lr, betas, device),
            "D": make_adam(self.D.parameters(), config.lr, betas, device),
        }
        self.schedulers = {name: make_scheduler(o, config) for name, o in self.optimizers.items()}
        self.test_every = config.test_every
        self.latest: dict[str, torch.Tensor] = {}
        self._test_set = TestSetCache(
            lambda: aligned_test_set(config.data, config.size, config.test_n)
        )

    def _oriented(self, a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(input, target) for the run's direction."""
        return (a, b) if self.config.direction == "AtoB" else (b, a)

    def initialise(self) -> None:
        spec = self.config.init_from
        if spec:
            bundle, way = read_init_source(spec, self.load_run), self.config.direction
            init_generators(spec, {way: self.G}, bundle)
            started = "G and D" if init_discriminator(bundle, self.D, way) else "G"
            if self.runtime.ctx.is_main:
                print(f"ganpaint-train: initialised {started} from {spec}", file=sys.stderr)

    def train_step(
        self, batch: tuple[torch.Tensor, torch.Tensor], step: int
    ) -> dict[str, torch.Tensor]:
        run, config = self.runtime, self.config
        source, target = self._oriented(*(run.images(x) for x in batch))
        if config.freeze_g:  # as the finished model runs, and never changed
            self.G.eval()
            with run.autocast(), torch.no_grad():
                translation = self.G(source)
        else:
            with run.autocast():
                translation = self.G_train(source)
        # each step its own star field, from the step alone: resumed runs draw the same
        fake = self._with_stars(source, translation, mix_seed(config.seed, step))
        adversarial = config.lambda_gan > 0
        if adversarial:
            loss_D_fake, loss_D_real = self._discriminator_step(source, fake, target)
        else:
            loss_D_fake = loss_D_real = torch.zeros((), device=run.device)

        set_requires_grad(self.D, False)
        try:
            with run.autocast():
                loss_G_L1 = l1_loss(translation.float(), target.float(), config)
                if adversarial:
                    loss_G_GAN = patch_gan_loss(
                        self.D(torch.cat([source, fake], 1)), True, config.gan_mode
                    )
                else:
                    loss_G_GAN = torch.zeros((), device=run.device)
                loss_G = config.lambda_gan * loss_G_GAN + loss_G_L1
            self.optimizers["G"].zero_grad(set_to_none=True)
            loss_G.backward()
            self.optimizers["G"].step()
        finally:
            set_requires_grad(self.D, True)
        lr = self.optimizers["G"].param_groups[0]["lr"]
        for name, scheduler in self.schedulers.items():
            if adversarial or name == "G":  # an idle D's optimizer never steps
                scheduler.step()

        shown = slice(0, SAMPLE_COUNT)
        self.latest = {"input": source[shown], "output": fake[shown].detach(),
                       "target": target[shown]}  # fmt: skip
        losses = {"G_GAN": loss_G_GAN, "G_L1": loss_G_L1, "D_real": loss_D_real,
                  "D_fake": loss_D_fake}  # fmt: skip
        return step_losses(losses, lr, run.device)

    def _with_stars(
        self, source: torch.Tensor, translation: torch.Tensor, seed: int
    ) -> torch.Tensor:
        """`translation` with the star layer's stars (as it is without --stars)."""
        return translation if self.S is None else self.S.starry(source, translation, seed)

    def _discriminator_step(
        self, source: torch.Tensor, fake: torch.Tensor, target: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One D update on a fake pair, then a real one (the reference's order)."""
        run, mode = self.runtime, self.config.gan_mode
        with run.autocast():
            loss_D_fake = patch_gan_loss(
                self.D_train(torch.cat([source, fake.detach()], 1)), False, mode
            )
            loss_D_real = patch_gan_loss(self.D_train(torch.cat([source, target], 1)), True, mode)
            loss_D = 0.5 * (loss_D_fake + loss_D_real)
        self.optimizers["D"].zero_grad(set_to_none=True)
        loss_D.backward()
        self.optimizers["D"].step()
        return loss_D_fake, loss_D_real

    def sample_images(self) -> dict[str, torch.Tensor]:
        """The latest training batch: input, G's output, target."""
        return {name: image.float() for name, image in self.latest.items()}

    def test_images(self) -> dict[str, torch.Tensor]:
        pairs = self._test_set.get()
        if pairs is None:
            return {}
        run = self.runtime
        source, target = self._oriented(*(run.images(x.to(run.device)) for x in pairs))
        # As the exported model will run: a batch of one trains BatchNorm whose running
        # averages describe no image, so each image brings its own statistics.
        own = image_statistics(self.G) if self.config.batch <= 1 else contextlib.nullcontext()
        with run.autocast(), own:
            fake = self._with_stars(source, self.G(source), seed=0)
        return {"input": source.float(), "output": fake.float(), "target": target.float()}

    def bundle(self, meta: dict[str, Any]) -> ModelBundle:
        """G (and D), with the direction G translates, the domain names and the size."""
        meta = {"domains": self.config.domains(), "direction": self.config.direction, **meta}
        meta.setdefault("resolution", self.config.size)
        meta.setdefault("name", self.config.name)
        return ModelBundle.create("pix2pix", dict(self.nets), meta)
