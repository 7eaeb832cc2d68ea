"""The one latent-optimisation engine behind inpainting and sketching.

It optimises K candidate latents as one batch (so a GPU runs the restarts at once)
against a weighted sum of per-candidate loss terms, with Adam, a warm-up plus
cosine learning-rate schedule, z kept in bounds (clip in place after each step, as
Yeh et al., or a tanh parameterisation), the best-so-far z of every candidate,
optional early stopping, progress reports with a preview, a cancel check every step,
and a local torch.Generator so a seed gives the same result bit for bit.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from ganpaint.convert import tensor_to_image
from ganpaint.edit.gan import GanModel
from ganpaint.edit.gan_settings import InversionConfig
from ganpaint.edit.losses import Term
from ganpaint.edit.progress import CancelToken, Progress, ProgressFn, check, report

#: Turns the current best image (C, S, S) in [-1, 1] into the uint8 HWC preview.
PreviewFn = Callable[[torch.Tensor], np.ndarray]

_TANH_LIMIT = 1.0 - 1e-6  # atanh(±1) is infinite: start tanh-bounded z just inside
_POOL_CHUNK = 64  # latents scored per forward pass when screening the initial pool


@dataclass
class Candidate:
    """One optimised latent: its best z, the image G(z) (C, S, S) in [-1, 1], its losses."""

    z: torch.Tensor
    image: torch.Tensor
    loss: float
    terms: dict[str, float]
    history: list[float]  # total loss at each logged step (see InversionResult.log_steps)
    z_init: torch.Tensor  # where this candidate started
    index: int  # its position in the optimised batch


@dataclass
class InversionResult:
    """Candidates sorted by final best loss (best first), with how long it took."""

    candidates: list[Candidate]
    steps: int  # optimiser steps run
    stopped_early: bool
    log_steps: list[int]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def best(self) -> Candidate:
        return self.candidates[0]


class Adam:
    """Adam (Kingma & Ba) on one tensor, the same update as torch.optim.Adam.

    Written out because the first torch.optim optimiser in a process imports
    torch._dynamo (seconds on a CPU), which would make the first edit of a session
    slow and skew side-by-side timings; each element's state is its own, so the K
    candidates stay independent.
    """

    def __init__(self, param: torch.Tensor, betas: tuple[float, float], eps: float = 1e-8) -> None:
        self.param, self.betas, self.eps = param, betas, eps
        self.m = torch.zeros_like(param)
        self.v = torch.zeros_like(param)
        self.t = 0

    @torch.no_grad()
    def step(self, grad: torch.Tensor, lr: float) -> None:
        beta1, beta2 = self.betas
        self.t += 1
        self.m.lerp_(grad, 1 - beta1)
        self.v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        correction1 = 1 - beta1**self.t
        correction2 = 1 - beta2**self.t
        denom = (self.v.sqrt() / math.sqrt(correction2)).add_(self.eps)
        self.param.addcdiv_(self.m, denom, value=-lr / correction1)


def initial_latents(
    model: GanModel,
    config: InversionConfig,
    generator: torch.Generator,
    device: torch.device,
    *,
    init_image: torch.Tensor | None = None,
    start_z: torch.Tensor | None = None,
) -> tuple[torch.Tensor, int]:
    """The K starting latents and how many lead rows are fixed (given or E's estimate).

    A given start z, else E's estimate, else prior samples. Given latents fill the
    first rows; with fewer than K, the rest are copies of the first jittered by
    `config.spread`. All noise comes from `generator`.
    """
    k, bound = config.restarts, model.z_bound
    anchor: torch.Tensor | None = None
    if start_z is not None:
        anchor = start_z.detach().reshape(-1, model.nz).to(torch.float32).cpu()
    elif config.init == "encoder" and model.E is not None and init_image is not None:
        with torch.no_grad():
            anchor = model.encode(init_image.to(device)).to(torch.float32).cpu()
    if anchor is None:
        return model.sample_z(k, generator, device), 0
    anchor = anchor[:k].clamp(-bound, bound)
    fixed = anchor.shape[0]
    missing = k - fixed
    if missing > 0:
        noise = torch.randn(missing, model.nz, generator=generator) * config.spread
        jittered = (anchor[:1] + noise).clamp(-bound, bound)
        anchor = torch.cat([anchor, jittered])
    return anchor.to(device), fixed


def _default_preview(image: torch.Tensor) -> np.ndarray:
    return tensor_to_image(image.detach().cpu())


def invert(
    model: GanModel,
    terms: Sequence[Term],
    config: InversionConfig | None = None,
    *,
    init_image: torch.Tensor | None = None,
    start_z: torch.Tensor | None = None,
    device: torch.device | str = "cpu",
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    preview: PreviewFn | None = None,
    message: str = "Optimising",
) -> InversionResult:
    """Minimise Σ weight·term over K latents; return them ranked, best first.

    `init_image` (1, C, S, S) feeds the encoder start; `start_z` (nz,) or (n, nz)
    starts from given latents (iGAN's kept result). Progress goes out every
    `config.log_every` steps and at the end with the best candidate's terms and a
    preview; `cancel` is checked before every step and raises Cancelled.
    """
    config = config or InversionConfig()
    device = torch.device(device)
    t_start = time.perf_counter()
    generator = torch.Generator().manual_seed(config.seed)
    bound = model.z_bound
    make_preview = preview or _default_preview

    model.to(device)
    with model.frozen():
        z_init, fixed = initial_latents(
            model, config, generator, device, init_image=init_image, start_z=start_z
        )
        k = z_init.shape[0]

        def evaluate(z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
            images = model.generate(z)
            values = [term.weight * term.fn(images, z) for term in terms]
            stacked = torch.stack(values, dim=1) if values else images.new_zeros(len(z), 0)
            return images, stacked.sum(dim=1), stacked

        if config.init_pool > 0 and terms and k > fixed:
            # Screening prior samples costs forward passes only: the free candidates
            # start from the best of them instead of wherever one draw lands.
            pool = torch.cat([z_init[fixed:], model.sample_z(config.init_pool, generator, device)])
            with torch.no_grad():
                scores = torch.cat([evaluate(chunk)[1] for chunk in pool.split(_POOL_CHUNK)])
            best_first = torch.argsort(scores, stable=True)[: k - fixed]
            z_init = torch.cat([z_init[:fixed], pool[best_first]])
        if config.bound == "tanh":
            param = torch.atanh((z_init / bound).clamp(-_TANH_LIMIT, _TANH_LIMIT)).clone()
        else:
            param = z_init.clone()
        param.requires_grad_(True)
        adam = Adam(param, config.betas)

        def latents() -> torch.Tensor:
            return bound * torch.tanh(param) if config.bound == "tanh" else param

        best_loss = torch.full((k,), math.inf, device=device)
        best_z = z_init.detach().clone()
        best_images: torch.Tensor | None = None
        best_terms = torch.zeros(k, len(terms), device=device)
        histories: list[list[float]] = [[] for _ in range(k)]
        log_steps: list[int] = []
        t_setup = time.perf_counter()

        def keep_best(
            z: torch.Tensor, images: torch.Tensor, total: torch.Tensor, stacked: torch.Tensor
        ) -> None:
            nonlocal best_images
            better = total < best_loss
            best_loss.copy_(torch.where(better, total, best_loss))
            best_z.copy_(torch.where(better[:, None], z, best_z))
            best_terms.copy_(torch.where(better[:, None], stacked, best_terms))
            if best_images is None:
                best_images = images.clone()
            else:
                best_images.copy_(torch.where(better[:, None, None, None], images, best_images))

        def log(step: int, total: torch.Tensor) -> None:
            log_steps.append(step)
            for i, value in enumerate(total.tolist()):
                histories[i].append(value)
            leader = int(torch.argmin(best_loss))
            losses = {t.name: float(best_terms[leader, j]) for j, t in enumerate(terms)}
            losses["total"] = float(best_loss[leader])
            assert best_images is not None
            report(
                progress,
                Progress(
                    step=step,
                    total=config.iters,
                    message=message,
                    losses=losses,
                    preview=make_preview(best_images[leader]),
                ),
            )

        steps = 0
        stopped_early = False
        reference = math.inf  # best total when the patience window last restarted
        since_improved = 0
        for step in range(config.iters):
            check(cancel)
            z = latents()
            images, total, stacked = evaluate(z)
            if total.requires_grad:
                (grad,) = torch.autograd.grad(total.sum(), [param], allow_unused=True)
            else:  # no term depends on z (e.g. nothing known, no prior): nothing to follow
                grad = None
            if grad is None:
                grad = torch.zeros_like(param)
            with torch.no_grad():
                keep_best(z.detach(), images.detach(), total.detach(), stacked.detach())
            if step % config.log_every == 0:
                log(step, total.detach())
            adam.step(grad, config.lr_at(step))
            if config.bound == "clip":
                with torch.no_grad():
                    param.clamp_(-bound, bound)
            steps += 1
            if config.early_stop:
                current = float(best_loss.min())
                if current < reference - config.tol * abs(reference) or math.isinf(reference):
                    reference, since_improved = current, 0
                else:
                    since_improved += 1
                if steps >= config.min_iters and since_improved >= config.patience:
                    stopped_early = True
                    break

        # The last step's update has not been scored yet (nor anything when iters == 0).
        check(cancel)
        with torch.no_grad():
            z = latents()
            images, total, stacked = evaluate(z)
            keep_best(z, images, total, stacked)
        log(steps, total)
        t_end = time.perf_counter()

    order = torch.argsort(best_loss, stable=True).tolist()
    assert best_images is not None
    candidates = [
        Candidate(
            z=best_z[i].detach().cpu(),
            image=best_images[i].detach().cpu(),
            loss=float(best_loss[i]),
            terms={t.name: float(best_terms[i, j]) for j, t in enumerate(terms)},
            history=histories[i],
            z_init=z_init[i].detach().cpu(),
            index=i,
        )
        for i in order
    ]
    timings = {
        "setup": t_setup - t_start,
        "optimise": t_end - t_setup,
        "total": time.perf_counter() - t_start,
    }
    return InversionResult(candidates, steps, stopped_early, log_steps, timings)
