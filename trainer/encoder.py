"""Training a latent encoder E for a trained GAN, so that G(E(x)) is close to x.

Inversion (inpainting, sketching) then starts from E(x) instead of random restarts.
Two phases: first on G's own samples, where the true z is known (a latent loss
||E(G(z)) - z||^2 plus an image loss |G(E(G(z))) - G(z)|); then on real images,
where only the image loss |G(E(x)) - x| exists. G and D stay frozen (eval mode);
the export is a gan bundle with G, D and E.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch
import torch.nn.functional as F

from ganpaint.models.bundle import ModelBundle
from ganpaint.models.registry import build_net
from trainer.config import ConfigError, LoopConfig
from trainer.data.crops import parse_crops
from trainer.data.stream import mix_seed
from trainer.gan import make_adam, uniform_latent
from trainer.runtime import Runtime, set_requires_grad
from trainer.task import Task

SAMPLE_COUNT = 8


@dataclasses.dataclass
class EncoderConfig(LoopConfig):
    """`ganpaint-train encoder`: the GAN to invert and how to train its encoder."""

    model: str = ""  # a gan run folder or bundle
    data: str = ""  # real images; empty: the model's own training data
    # Random crops of the --data photos, "MIN,MAX" (as `gan --crops`); empty: as the GAN
    # was trained when it is the GAN's own data, whole images otherwise.
    crops: str = ""
    synthetic_n: int = 50_000
    ndf: int = 0  # encoder width; 0: the discriminator's
    lr: float = 1e-4
    beta1: float = 0.9
    beta2: float = 0.999
    fake_fraction: float = 0.5
    z_weight: float = 1.0
    image_weight: float = 1.0
    name: str = ""
    iters: int = 5_000

    def resolved(self) -> EncoderConfig:
        if not self.model:
            raise ConfigError("encoder needs --model RUN|BUNDLE (the GAN to invert).")
        if not 0.0 <= self.fake_fraction <= 1.0:
            raise ConfigError(f"--fake-fraction must lie in [0, 1], not {self.fake_fraction}.")
        if self.crops:
            try:
                parse_crops(self.crops)
            except ValueError as error:
                raise ConfigError(str(error)) from None
        return self


def check_source(source: ModelBundle, spec: str) -> ModelBundle:
    """Refuse a model an encoder cannot invert (a CycleGAN, pix2pix or MLP GAN) in one line."""
    nets = source.meta.get("nets", {})
    arch = nets.get("G", {}).get("arch") if isinstance(nets, dict) else None
    if source.kind != "gan" or arch != "dcgan_generator" or "G" not in source.nets:
        what = f"a {source.kind} model" + (f" with a {arch} G" if arch else "")
        raise ConfigError(
            f"encoder training needs a DCGAN model (ganpaint-train gan --arch dcgan); "
            f"{spec} is {what}."
        )
    return source


class EncoderTask(Task):
    kind = "gan"

    def __init__(self, runtime: Runtime, config: EncoderConfig, source: ModelBundle) -> None:
        super().__init__(runtime)
        check_source(source, config.model)
        self.config, self.source_meta = config, source.meta
        g_config = source.nets["G"].config
        d_ndf = source.nets["D"].config.get("ndf", 64) if "D" in source.nets else 64
        e_config = {
            "nz": g_config["nz"],
            "ndf": config.ndf or d_ndf,
            "nc": g_config["nc"],
            "image_size": g_config["image_size"],
        }
        self.G = runtime.place(source.nets["G"]).eval()
        self.nets = {"G": self.G}
        if "D" in source.nets:
            self.D = runtime.place(source.nets["D"]).eval()
            self.nets["D"] = self.D
            set_requires_grad(self.D, False)
        set_requires_grad(self.G, False)
        self.E = runtime.place(build_net("dcgan_encoder", e_config))
        self.nets["E"] = self.E
        self.E_train = runtime.parallel(self.E)
        self.optimizers = {
            "E": make_adam(
                self.E.parameters(), config.lr, (config.beta1, config.beta2), runtime.device
            )
        }
        self.nz = g_config["nz"]
        self.fake_steps = round(config.fake_fraction * config.iters)
        fixed = torch.Generator().manual_seed(mix_seed(config.seed, 4))
        self.fixed_z = uniform_latent(SAMPLE_COUNT, self.nz, runtime.device, fixed)
        self.fixed_real: torch.Tensor | None = None

    def train(self, mode: bool = True) -> None:
        self.E.train(mode)  # G and D stay in eval mode: frozen, batch norm on running stats

    def train_step(self, batch: torch.Tensor, step: int) -> dict[str, torch.Tensor]:
        run, config = self.runtime, self.config
        if self.fixed_real is None:
            self.fixed_real = batch[:SAMPLE_COUNT].detach().clone()
        losses: dict[str, torch.Tensor] = {}
        with run.autocast():
            if step < self.fake_steps:
                z = uniform_latent(batch.shape[0], self.nz, run.device)
                with torch.no_grad():
                    target = run.images(self.G(z))
                z_hat = self.E_train(target)
                z_loss = F.mse_loss(z_hat.float(), z)
                image_loss = F.l1_loss(self.G(z_hat).float(), target.float())
                loss = config.z_weight * z_loss + config.image_weight * image_loss
                losses["z_loss"] = z_loss.detach()
            else:
                image_loss = F.l1_loss(self.G(self.E_train(batch)).float(), batch.float())
                loss = config.image_weight * image_loss
        self.optimizers["E"].zero_grad(set_to_none=True)
        loss.backward()
        self.optimizers["E"].step()
        losses["image_loss"] = image_loss.detach()
        return losses

    def sample_images(self) -> dict[str, torch.Tensor]:
        fakes = self.G(self.fixed_z)
        named = {"G(z)": fakes, "G(E(G(z)))": self.G(self.E(fakes))}
        if self.fixed_real is not None:
            named["x"] = self.fixed_real
            named["G(E(x))"] = self.G(self.E(self.fixed_real))
        return named

    def extra_state(self) -> dict[str, Any]:
        return {"fixed_real": self.fixed_real} if self.fixed_real is not None else {}

    def load_extra_state(self, state: dict[str, Any]) -> None:
        if state.get("fixed_real") is not None:
            self.fixed_real = state["fixed_real"].to(self.runtime.device)

    def bundle(self, meta: dict[str, Any]) -> ModelBundle:
        """G and D as trained, plus E; the encoder's own training under training.encoder."""
        training = {**self.source_meta.get("training", {}), "encoder": meta.get("training", {})}
        meta = {**meta, "latent": self.source_meta.get("latent", "uniform"), "training": training}
        return ModelBundle.create("gan", dict(self.nets), meta)
