"""CycleGAN training (Zhu et al., ICCV 2017) on unaligned domains A and B.

G_A translates A -> B and G_B translates B -> A; D_A tells real B from G_A's fakes
and D_B real A from G_B's (the reference's naming). Per step, as the reference's
`optimize_parameters`: the generators are updated through frozen discriminators on
the LSGAN loss, the cycle losses |G_B(G_A(a)) - a| and |G_A(G_B(b)) - b| (lambda 10
each) and the identity losses |G_A(b) - b|, |G_B(a) - a| (0.5 x lambda); then the
discriminators on real images and on fakes drawn from a 50-image pool per direction,
their loss halved. Both optimisers follow the linear-decay schedule of
`trainer.translation`. The export is a "cyclegan" bundle with G_A and G_B.
"""

from __future__ import annotations

import dataclasses
import sys
from typing import Any

import torch
import torch.nn.functional as F

from ganpaint.models.bundle import ModelBundle
from trainer.config import ConfigError
from trainer.data.paired import unaligned_test_set
from trainer.gan import make_adam
from trainer.image_pool import ImagePool
from trainer.losses import patch_gan_loss
from trainer.runtime import Runtime, set_requires_grad
from trainer.task import Task
from trainer.translation import (
    RunReader,
    TestSetCache,
    TranslationConfig,
    build_discriminator,
    build_generator,
    init_generators,
    make_scheduler,
    read_init_source,
    step_losses,
)

#: Training images shown per sample grid (of the latest batch).
SAMPLE_COUNT = 4


@dataclasses.dataclass
class CycleGanConfig(TranslationConfig):
    """`ganpaint-train cyclegan`: the reference's defaults (see trainer.translation)."""

    data: str = "synthetic:landscapes:day2night"
    lambda_a: float = 10.0  # cycle loss A -> B -> A
    lambda_b: float = 10.0  # cycle loss B -> A -> B
    lambda_identity: float = 0.5  # identity loss, as a fraction of lambda_a / lambda_b
    pool_size: int = 50  # generated images each discriminator's pool holds

    def resolved(self) -> CycleGanConfig:
        config = super().resolved()
        for name in ("lambda_a", "lambda_b", "lambda_identity", "pool_size"):
            if getattr(config, name) < 0:
                raise ConfigError(f"{name} must not be negative, not {getattr(config, name)}.")
        return config


def _l1(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return F.l1_loss(output.float(), target.float())


class CycleGanTask(Task):
    kind = "cyclegan"

    def __init__(
        self, runtime: Runtime, config: CycleGanConfig, load_run: RunReader | None = None
    ) -> None:
        """`load_run` reads a run folder given to --init-from (see `translation.RunReader`)."""
        super().__init__(runtime)
        self.config, self.load_run = config, load_run
        self.G_A = runtime.place(build_generator(config))
        self.G_B = runtime.place(build_generator(config))
        self.D_A = runtime.place(build_discriminator(config))
        self.D_B = runtime.place(build_discriminator(config))
        self.nets = {"G_A": self.G_A, "G_B": self.G_B, "D_A": self.D_A, "D_B": self.D_B}
        self.G_A_train, self.G_B_train = runtime.parallel(self.G_A), runtime.parallel(self.G_B)
        self.D_A_train, self.D_B_train = runtime.parallel(self.D_A), runtime.parallel(self.D_B)
        betas, device = (config.beta1, config.beta2), runtime.device
        generators = [*self.G_A.parameters(), *self.G_B.parameters()]
        discriminators = [*self.D_A.parameters(), *self.D_B.parameters()]
        self.optimizers = {
            "G": make_adam(generators, config.lr, betas, device),
            "D": make_adam(discriminators, config.lr, betas, device),
        }
        self.schedulers = {name: make_scheduler(o, config) for name, o in self.optimizers.items()}
        self.pool_A, self.pool_B = ImagePool(config.pool_size), ImagePool(config.pool_size)
        self.test_every = config.test_every
        self.latest: dict[str, torch.Tensor] = {}
        self._test_set = TestSetCache(
            lambda: unaligned_test_set(config.data, config.size, config.test_n)
        )

    def initialise(self) -> None:
        spec = self.config.init_from
        if spec:
            targets = {"AtoB": self.G_A, "BtoA": self.G_B}
            loaded = init_generators(spec, targets, read_init_source(spec, self.load_run))
            if self.runtime.ctx.is_main:
                names = " and ".join("G_A" if way == "AtoB" else "G_B" for way in loaded)
                print(f"ganpaint-train: initialised {names} from {spec}", file=sys.stderr)

    def train_step(
        self, batch: tuple[torch.Tensor, torch.Tensor], step: int
    ) -> dict[str, torch.Tensor]:
        run, config = self.runtime, self.config
        real_A, real_B = (run.images(x) for x in batch)
        with run.autocast():
            fake_B = self.G_A_train(real_A)
            rec_A = self.G_B_train(fake_B)
            fake_A = self.G_B_train(real_B)
            rec_B = self.G_A_train(fake_A)

        # Generators, through discriminators that neither learn nor sync here.
        set_requires_grad(self.D_A, False)
        set_requires_grad(self.D_B, False)
        try:
            with run.autocast():
                weight_a = config.lambda_a * config.lambda_identity
                weight_b = config.lambda_b * config.lambda_identity
                if config.lambda_identity > 0:
                    loss_idt_A = _l1(self.G_A_train(real_B), real_B) * weight_b
                    loss_idt_B = _l1(self.G_B_train(real_A), real_A) * weight_a
                else:
                    loss_idt_A = loss_idt_B = torch.zeros((), device=run.device)
                loss_G_A = patch_gan_loss(self.D_A(fake_B), True, config.gan_mode)
                loss_G_B = patch_gan_loss(self.D_B(fake_A), True, config.gan_mode)
                loss_cycle_A = _l1(rec_A, real_A) * config.lambda_a
                loss_cycle_B = _l1(rec_B, real_B) * config.lambda_b
                loss_G = loss_G_A + loss_G_B + loss_cycle_A + loss_cycle_B + loss_idt_A + loss_idt_B
            self.optimizers["G"].zero_grad(set_to_none=True)
            loss_G.backward()
            self.optimizers["G"].step()
        finally:
            set_requires_grad(self.D_A, True)
            set_requires_grad(self.D_B, True)

        # Discriminators, on real images and on pooled earlier fakes.
        with run.autocast():
            pooled_B, pooled_A = self.pool_B.query(fake_B), self.pool_A.query(fake_A)
            loss_D_A = 0.5 * (
                patch_gan_loss(self.D_A_train(real_B), True, config.gan_mode)
                + patch_gan_loss(self.D_A_train(pooled_B), False, config.gan_mode)
            )
            loss_D_B = 0.5 * (
                patch_gan_loss(self.D_B_train(real_A), True, config.gan_mode)
                + patch_gan_loss(self.D_B_train(pooled_A), False, config.gan_mode)
            )
        self.optimizers["D"].zero_grad(set_to_none=True)
        (loss_D_A + loss_D_B).backward()
        self.optimizers["D"].step()
        lr = self.optimizers["G"].param_groups[0]["lr"]
        for scheduler in self.schedulers.values():
            scheduler.step()

        shown = slice(0, SAMPLE_COUNT)
        self.latest = {
            name: image[shown].detach()
            for name, image in (("real_A", real_A), ("fake_B", fake_B), ("rec_A", rec_A),
                                ("real_B", real_B), ("fake_A", fake_A), ("rec_B", rec_B))
        }  # fmt: skip
        losses = {
            "D_A": loss_D_A, "G_A": loss_G_A, "cycle_A": loss_cycle_A, "idt_A": loss_idt_A,
            "D_B": loss_D_B, "G_B": loss_G_B, "cycle_B": loss_cycle_B, "idt_B": loss_idt_B,
        }  # fmt: skip
        return step_losses(losses, lr, run.device)

    def sample_images(self) -> dict[str, torch.Tensor]:
        """The latest training batch: each domain, its translation and its reconstruction."""
        return {name: image.float() for name, image in self.latest.items()}

    def test_images(self) -> dict[str, torch.Tensor]:
        pairs = self._test_set.get()
        if pairs is None:
            return {}
        run = self.runtime
        real_A, real_B = (run.images(x.to(run.device)) for x in pairs)
        with run.autocast():
            fake_B, fake_A = self.G_A(real_A), self.G_B(real_B)
            rec_A, rec_B = self.G_B(fake_B), self.G_A(fake_A)
        named = {"real_A": real_A, "fake_B": fake_B, "rec_A": rec_A,
                 "real_B": real_B, "fake_A": fake_A, "rec_B": rec_B}  # fmt: skip
        return {name: image.float() for name, image in named.items()}

    def extra_state(self) -> dict[str, Any]:
        return {"pool_A": self.pool_A.state(), "pool_B": self.pool_B.state()}

    def load_extra_state(self, state: dict[str, Any]) -> None:
        for name, pool in (("pool_A", self.pool_A), ("pool_B", self.pool_B)):
            if name in state:
                pool.load_state(state[name], self.runtime.device)

    def bundle(self, meta: dict[str, Any]) -> ModelBundle:
        """G_A (A -> B) and G_B (B -> A), with the domain names and the training size."""
        meta = {"domains": self.config.domains(), "direction": "AtoB", **meta}
        meta.setdefault("resolution", self.config.size)
        meta.setdefault("name", self.config.name)
        return ModelBundle.create("cyclegan", {"G_A": self.G_A, "G_B": self.G_B}, meta)
