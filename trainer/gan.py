"""Unconditional GAN training: DCGAN or the MLP GAN, with the GAN or the WGAN-GP loss.

Defaults follow the papers: DCGAN (Radford et al.) Adam 2e-4, beta1 0.5, batch 64,
z ~ U(-1, 1); WGAN-GP (Gulrajani et al.) gradient penalty 10, five critic updates
per generator update, Adam 1e-4, betas (0, 0.9). One loop step is one generator
update, so with WGAN-GP a step consumes n_critic batches.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from ganpaint.models.bundle import ModelBundle
from ganpaint.models.dcgan import DCGAN_SIZES
from ganpaint.models.registry import build_net
from trainer.config import ConfigError, LoopConfig
from trainer.data.crops import parse_crops
from trainer.data.source import is_synthetic
from trainer.data.stream import mix_seed
from trainer.diffaugment import diff_augment, parse_policy
from trainer.ema import average_copy, standing_stats, update_average
from trainer.losses import (
    LOSSES,
    gan_d_loss,
    gan_g_loss,
    gradient_penalty,
    wgan_d_loss,
    wgan_g_loss,
)
from trainer.runtime import Runtime, set_requires_grad
from trainer.task import Task

ARCHS = ("dcgan", "mlp")
SAMPLE_COUNT = 64
# Per-loss optimiser defaults from the papers: (learning rate, beta1, beta2).
ADAM_DEFAULTS = {"gan": (2e-4, 0.5, 0.999), "wgan-gp": (1e-4, 0.0, 0.9)}


@dataclasses.dataclass
class GanConfig(LoopConfig):
    """`ganpaint-train gan`: what to train, on what, and how."""

    arch: str = "dcgan"
    loss: str = "gan"
    data: str = "synthetic:landscapes"
    size: int = 64
    synthetic_n: int = 50_000  # procedural images in the training set
    channels: int = 0  # 0: 3 for DCGAN, 1 (grey) for the MLP GAN
    nz: int = 100
    ngf: int = 64
    ndf: int = 64
    lr: float = 0.0  # 0: the loss's default (2e-4 GAN, 1e-4 WGAN-GP)
    beta1: float = -1.0  # negative: the loss's default (0.5 GAN, 0 WGAN-GP)
    beta2: float = -1.0  # negative: the loss's default (0.999 GAN, 0.9 WGAN-GP)
    n_critic: int = 5
    gp_weight: float = 10.0
    flip: bool = True
    ema: float = 0.0  # decay of G's weight average (e.g. 0.999), exported instead of G; 0: off
    # DiffAugment (Zhao et al. 2020) on every image D sees, in both steps: "" = off, or a
    # comma-separated list of color, translation, cutout (few-shot data: all three).
    diffaugment: str = ""
    # Random crops of the --data photos instead of one centre crop each: "MIN,MAX"
    # fractions of the short side (log-uniform), e.g. "0.125,1.0"; "" = off.
    crops: str = ""
    name: str = ""  # the exported model's name (default: the run folder's name)

    def resolved(self) -> GanConfig:
        """Check the values and fill in the per-loss and per-arch defaults."""
        if self.arch not in ARCHS:
            raise ConfigError(f"Unknown --arch {self.arch!r}; use {' or '.join(ARCHS)}.")
        if self.loss not in LOSSES:
            raise ConfigError(f"Unknown --loss {self.loss!r}; use {' or '.join(LOSSES)}.")
        if self.arch == "dcgan" and self.size not in DCGAN_SIZES:
            sizes = ", ".join(map(str, DCGAN_SIZES))
            raise ConfigError(f"DCGAN trains at --size {sizes}, not {self.size}.")
        if self.size < 8:
            raise ConfigError(f"--size must be at least 8 pixels, not {self.size}.")
        for name in ("iters", "batch", "nz", "ngf", "ndf", "n_critic", "synthetic_n"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive, not {getattr(self, name)}.")
        for name in ("log_every", "sample_every", "checkpoint_every", "keep_checkpoints"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive, not {getattr(self, name)}.")
        if not 0.0 <= self.ema < 1.0:
            raise ConfigError(f"--ema must lie in [0, 1) (0 = off), not {self.ema}.")
        try:
            parse_policy(self.diffaugment)
            if self.crops:
                parse_crops(self.crops)
        except ValueError as error:
            raise ConfigError(str(error)) from None
        if self.crops and is_synthetic(self.data):
            raise ConfigError("--crops needs --data FOLDER of photos, not procedural images.")
        if self.channels not in (0, 1, 3):
            raise ConfigError(f"channels must be 1 (grey) or 3 (RGB), not {self.channels}.")
        lr, beta1, beta2 = ADAM_DEFAULTS[self.loss]
        return dataclasses.replace(
            self,
            channels=self.channels or (1 if self.arch == "mlp" else 3),
            lr=self.lr if self.lr > 0 else lr,
            beta1=self.beta1 if self.beta1 >= 0 else beta1,
            beta2=self.beta2 if self.beta2 >= 0 else beta2,
        )


def build_gan_nets(config: GanConfig) -> tuple[torch.nn.Module, torch.nn.Module]:
    """A freshly initialised (N(0, 0.02)) generator and discriminator for `config`."""
    nc = config.channels
    if config.arch == "dcgan":
        g_config = {"nz": config.nz, "ngf": config.ngf, "nc": nc, "image_size": config.size}
        d_config = {"ndf": config.ndf, "nc": nc, "image_size": config.size}
        if config.loss == "wgan-gp":  # a per-sample penalty needs a per-sample norm
            d_config["norm"] = "layer"
        return build_net("dcgan_generator", g_config), build_net("dcgan_discriminator", d_config)
    g_config = {"nz": config.nz, "image_size": config.size, "nc": nc}
    d_config = {"image_size": config.size, "nc": nc}
    return build_net("mlp_generator", g_config), build_net("mlp_discriminator", d_config)


def make_adam(
    params: Any, lr: float, betas: tuple[float, float], device: torch.device
) -> torch.optim.Adam:
    """Adam, fused into one kernel on CUDA (the same maths, fewer launches)."""
    return torch.optim.Adam(params, lr=lr, betas=betas, fused=device.type == "cuda")


def uniform_latent(n: int, nz: int, device: torch.device, generator: Any = None) -> torch.Tensor:
    """z ~ U(-1, 1): the prior our GANs use, since inversion clips z to [-1, 1]."""
    z = torch.rand(n, nz, generator=generator, device="cpu" if generator else device)
    return (z * 2 - 1).to(device)


class GanTask(Task):
    kind = "gan"

    def __init__(self, runtime: Runtime, config: GanConfig) -> None:
        super().__init__(runtime)
        self.config = config
        generator, discriminator = build_gan_nets(config)
        self.G = runtime.place(generator)
        self.D = runtime.place(discriminator)
        self.nets = {"G": self.G, "D": self.D}
        self.G_train = runtime.parallel(self.G)
        self.D_train = runtime.parallel(self.D)
        betas = (config.beta1, config.beta2)
        self.optimizers = {
            "G": make_adam(self.G.parameters(), config.lr, betas, runtime.device),
            "D": make_adam(self.D.parameters(), config.lr, betas, runtime.device),
        }
        self.batch_multiple = config.n_critic if config.loss == "wgan-gp" else 1
        fixed = torch.Generator().manual_seed(mix_seed(config.seed, 3))
        self.fixed_z = uniform_latent(SAMPLE_COUNT, config.nz, runtime.device, fixed)
        self.augment = parse_policy(config.diffaugment)
        self.G_ema: torch.nn.Module | None = None
        if config.ema > 0:
            self.G_ema = average_copy(self.G)
            self.nets["G_ema"] = self.G_ema

    def load_state_dict(self, state: dict[str, Any], source: str) -> None:
        """Also resumes a run with `--ema` switched on (the average starts at G) or off."""
        nets = dict(state.get("nets", {}))
        if self.G_ema is not None and "G_ema" not in nets and "G" in nets:
            nets["G_ema"] = nets["G"]
        if self.G_ema is None:
            nets.pop("G_ema", None)
        super().load_state_dict({**state, "nets": nets}, source)

    def train(self, mode: bool = True) -> None:
        super().train(mode)
        if self.G_ema is not None:
            self.G_ema.eval()  # it is never trained; its batch norms are measured on export

    def generator(self) -> torch.nn.Module:
        """The generator to sample and export: G, or with --ema its average (with stats
        measured on the average itself, from a fixed seed)."""
        if self.G_ema is None:
            return self.G

        def latents(n: int, rng: torch.Generator) -> torch.Tensor:
            return uniform_latent(n, self.config.nz, self.runtime.device, rng)

        return standing_stats(self.G_ema, latents, seed=mix_seed(self.config.seed, 4))

    def _seen(self, images: torch.Tensor) -> torch.Tensor:
        """What D sees of real or generated images: with --diffaugment, an augmented
        copy (fresh draws each call; the gradient passes through to G)."""
        return diff_augment(images, self.augment) if self.augment else images

    def _z(self, n: int) -> torch.Tensor:
        return uniform_latent(n, self.config.nz, self.runtime.device)

    def train_step(self, batch: torch.Tensor, step: int) -> dict[str, torch.Tensor]:
        if self.config.loss == "wgan-gp":
            return self._wgan_gp_step(batch)
        return self._gan_step(batch)

    def _generator_update(self, fake: torch.Tensor, loss_fn: Any) -> torch.Tensor:
        """Update G through a frozen D (its plain module: no gradients, no DDP traffic)."""
        set_requires_grad(self.D, False)
        try:
            with self.runtime.autocast():
                loss = loss_fn(self.D(self._seen(fake)))
            self.optimizers["G"].zero_grad(set_to_none=True)
            loss.backward()
            self.optimizers["G"].step()
        finally:
            set_requires_grad(self.D, True)
        if self.G_ema is not None:
            update_average(self.G_ema, self.G, self.config.ema)
        return loss.detach()

    def _gan_step(self, real: torch.Tensor) -> dict[str, torch.Tensor]:
        run = self.runtime
        with run.autocast():
            fake = self.G_train(self._z(real.shape[0]))
            real_logits = self.D_train(self._seen(real))
            fake_logits = self.D_train(self._seen(fake.detach()))
            loss_d = gan_d_loss(real_logits, fake_logits)
        self.optimizers["D"].zero_grad(set_to_none=True)
        loss_d.backward()
        self.optimizers["D"].step()
        loss_g = self._generator_update(fake, gan_g_loss)
        return {
            "loss_D": loss_d.detach(),
            "loss_G": loss_g,
            "D_x": torch.sigmoid(real_logits.detach().float()).mean(),
            "D_G_z": torch.sigmoid(fake_logits.detach().float()).mean(),
        }

    def _wgan_gp_step(self, batch: torch.Tensor) -> dict[str, torch.Tensor]:
        run, config = self.runtime, self.config
        for real in batch.chunk(config.n_critic):
            real = run.images(real)
            with torch.no_grad(), run.autocast():
                fake = self.G(self._z(real.shape[0]))
            real, fake = self._seen(real), self._seen(fake)
            with run.autocast():
                real_scores = self.D_train(real)
                fake_scores = self.D_train(fake)
                distance = real_scores.float().mean() - fake_scores.float().mean()
                penalty = gradient_penalty(self.D_train, real, fake)
                loss_d = wgan_d_loss(real_scores, fake_scores) + config.gp_weight * penalty
            self.optimizers["D"].zero_grad(set_to_none=True)
            loss_d.backward()
            self.optimizers["D"].step()
        with run.autocast():
            fake = self.G_train(self._z(batch.shape[0] // config.n_critic))
        loss_g = self._generator_update(fake, wgan_g_loss)
        return {
            "loss_D": loss_d.detach(),
            "loss_G": loss_g,
            "wasserstein": distance.detach(),
            "gradient_penalty": penalty.detach(),
        }

    def sample_images(self) -> dict[str, torch.Tensor]:
        return {"samples": self.generator()(self.fixed_z)}

    def bundle(self, meta: dict[str, Any]) -> ModelBundle:
        meta = {"latent": "uniform", **meta}
        meta.setdefault("name", self.config.name)
        return ModelBundle.create("gan", {"G": self.generator(), "D": self.D}, meta)
