"""Gaussian Parzen-window log-likelihood of test images under a GAN's samples.

The estimate of Goodfellow et al. (2014), section 5: fit isotropic Gaussians of
width sigma on generated samples, choose sigma by the mean log-likelihood of a
validation set, report the mean (and standard error) on a test set, with pixels in
[0, 1]. Known to be a poor measure in high dimension, so it is computed for small
images only; it is here to compare with the original paper's tables.
"""

from __future__ import annotations

import math

import torch

SIGMAS = torch.logspace(-1, 0, 10).tolist()  # the grid of the paper's code (0.1 .. 1)


def log_likelihood(
    samples: torch.Tensor, points: torch.Tensor, sigma: float, batch: int = 256
) -> torch.Tensor:
    """log p(x) per row of `points` under the Parzen window on `samples` (rows in [0, 1])."""
    samples, points = samples.double(), points.double()
    n, d = samples.shape
    constant = -math.log(n) - d / 2 * math.log(2 * math.pi * sigma**2)
    out = []
    for start in range(0, points.shape[0], batch):
        distances = torch.cdist(points[start : start + batch], samples).square()
        out.append(torch.logsumexp(-distances / (2 * sigma**2), dim=1) + constant)
    return torch.cat(out)


def parzen(samples: torch.Tensor, validation: torch.Tensor, test: torch.Tensor) -> dict[str, float]:
    """Choose sigma on `validation`, report on `test` (NCHW in [-1, 1], flattened here)."""

    def flat(x: torch.Tensor) -> torch.Tensor:
        return ((x.double() + 1) / 2).flatten(1)

    samples, validation, test = flat(samples), flat(validation), flat(test)
    scores = {s: float(log_likelihood(samples, validation, s).mean()) for s in SIGMAS}
    sigma = max(scores, key=lambda s: scores[s])
    values = log_likelihood(samples, test, sigma)
    return {
        "parzen_log_likelihood": float(values.mean()),
        "parzen_std_error": float(values.std() / math.sqrt(values.numel())),
        "parzen_sigma": sigma,
    }
