"""Loss terms for latent optimisation, each returning one value per candidate (K,).

Per-candidate vectors keep the K restarts of one batch independent: the engine sums
them for the gradient (candidate k's loss depends only on z_k) and ranks by them.
Every mask here follows the paper's convention, 1 = known / constrained.

The inpainting terms avoid the bugs of reference ports of Yeh et al.: the weights
are 1 on known pixels near the hole (not inverted), the L1 is weighted per pixel and
only then summed (not reduced first), and the prior has the paper's sign, computed
from D's logits without a saturating sigmoid.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F

#: A loss term: (images (K, C, S, S) in [-1, 1], latents (K, nz)) -> losses (K,).
TermFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

Prior = Literal["paper", "nonsaturating", "none"]


@dataclass(frozen=True)
class Term:
    """One weighted loss term; the engine minimises the sum of weight * fn over terms."""

    name: str
    fn: TermFn
    weight: float = 1.0


# --- semantic inpainting (Yeh et al. 2017) -------------------------------------------


def importance_weights(known: torch.Tensor, window: int = 7) -> torch.Tensor:
    """Yeh et al.'s W: for known pixel i, (hole pixels in the window around i) / window².

    `known` is (H, W) or (N, 1, H, W), 1 = known. Hole pixels get weight 0; pixels
    outside the image count as not-hole (there is nothing there), and the divisor stays
    window² at the border as in the paper's 7×7 / 49. A box-filter convolution does
    the counting.
    """
    if window < 1 or window % 2 == 0:
        raise ValueError(f"The importance window must be a positive odd size, not {window}.")
    squeeze = known.dim() == 2
    m = known.to(torch.float32)
    if squeeze:
        m = m[None, None]
    hole = 1.0 - m
    box = torch.ones(1, 1, window, window, dtype=m.dtype, device=m.device)
    count = F.conv2d(hole, box, padding=window // 2)
    weights = count.round() / float(window * window) * m
    return weights[0, 0] if squeeze else weights


def contextual_loss(
    images: torch.Tensor, target: torch.Tensor, weights: torch.Tensor
) -> torch.Tensor:
    """L_c = ‖W ⊙ (G(z) − y)‖₁ per candidate: weighted per pixel first, then summed.

    Summed over pixels and channels without normalisation, as in the paper, so that
    λ = 0.003 balances it against the prior as it did there (images in [-1, 1]).
    """
    return (weights * (images - target).abs()).sum(dim=(1, 2, 3))


def prior_loss(logits: torch.Tensor, kind: Prior = "paper") -> torch.Tensor:
    """The perceptual prior from D's logits l, per candidate, before the λ weight.

    paper: log(1 − D(G(z))) = −softplus(l), which falls as D finds G(z) more real.
    nonsaturating: −log D(G(z)) = softplus(−l), the same direction with strong
    gradients where D rejects the image. none: zeros.
    """
    if kind == "paper":
        return -F.softplus(logits)
    if kind == "nonsaturating":
        return F.softplus(-logits)
    if kind == "none":
        return torch.zeros_like(logits)
    raise ValueError(f"Unknown prior {kind!r}; use paper, nonsaturating or none.")


# --- iGAN constraints (Zhu et al. 2016) ----------------------------------------------


def masked_l2(
    images: torch.Tensor, target: torch.Tensor, mask: torch.Tensor, eps: float = 1.0
) -> torch.Tensor:
    """Σ mask·(x − t)² averaged over channels, divided by the mask area, per candidate.

    `mask` is (1, 1, H, W) or (K, 1, H, W), 1 = constrained; `eps` keeps an empty mask
    from dividing by zero (its loss is then 0).
    """
    squared = (images - target).pow(2).mean(dim=1, keepdim=True)
    area = mask.sum(dim=(1, 2, 3)).clamp_min(eps)
    return (squared * mask).sum(dim=(1, 2, 3)) / area


def latent_pull(z: torch.Tensor, anchor: torch.Tensor) -> torch.Tensor:
    """Mean squared distance of each z to a kept latent, per candidate."""
    return (z - anchor).pow(2).mean(dim=1)


class OrientationFeatures(torch.nn.Module):
    """Differentiable HOG-like features: Sobel gradients, soft orientation bins, pooling.

    A fixed convolution, so it runs batched on any device and gradients reach z.
    Orientation is unsigned (0..π): a drawn line and a photographed edge point the
    same way whichever side is darker. Each bin is |g · u_b| = |g|·|cos(θ − θ_b)|,
    smooth in the gradient, so no atan2. Cells are average-pooled (stride half a cell,
    as HOG's overlapping blocks) and softly normalised per cell so a black ink line
    and a low-contrast photo edge match by direction rather than strength.
    """

    def __init__(self, bins: int = 8, cell: int = 4, eps: float = 0.1) -> None:
        super().__init__()
        self.bins, self.cell, self.eps = bins, cell, eps
        sobel_x = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]) / 8.0
        kernels = torch.stack([sobel_x, sobel_x.t()])[:, None]  # (2, 1, 3, 3)
        angles = torch.arange(bins, dtype=torch.float32) * (math.pi / bins)
        directions = torch.stack([angles.cos(), angles.sin()], dim=1)  # (bins, 2)
        self.register_buffer("sobel", kernels, persistent=False)
        self.register_buffer("directions", directions[:, :, None, None], persistent=False)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """images (N, C, H, W) in [-1, 1] -> features (N, bins, H', W')."""
        grey = (images.mean(dim=1, keepdim=True) + 1.0) / 2.0
        grad = F.conv2d(F.pad(grey, (1, 1, 1, 1), mode="replicate"), self.sobel)
        projected = F.conv2d(grad, self.directions)  # (N, bins, H, W): g · u_b
        magnitude = (projected.pow(2) + 1e-6).sqrt()
        stride = max(1, self.cell // 2)
        pooled = F.avg_pool2d(magnitude, self.cell, stride=stride, padding=self.cell // 2)
        norm = pooled.pow(2).sum(dim=1, keepdim=True).sqrt()
        return pooled / (norm + self.eps)

    def pool_mask(self, mask: torch.Tensor) -> torch.Tensor:
        """A (N, 1, H, W) pixel mask on the feature grid: a cell counts if any pixel does."""
        stride = max(1, self.cell // 2)
        return F.max_pool2d(mask, self.cell, stride=stride, padding=self.cell // 2)
