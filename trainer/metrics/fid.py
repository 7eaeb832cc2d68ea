"""Fréchet Inception distance with torchvision's Inception v3 and weights from a local file.

Nothing is downloaded: `--inception-weights FILE` must be an inception_v3 state dict
(torchvision's `inception_v3_google-*.pth`, or the same tensors as .safetensors).
Features are the 2048-d pool3 activations of 299x299 inputs. These weights are not
the TensorFlow graph of the original FID, so values compare with each other, not
with numbers in papers.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ganpaint.errors import GanpaintError

MISSING_WEIGHTS = (
    "FID skipped: it needs --inception-weights FILE, a local torchvision inception_v3 state "
    "dict (such as inception_v3_google-0cc3c7bd.pth); ganpaint downloads nothing."
)


class InceptionWeightsError(GanpaintError):
    """An --inception-weights file that is missing or is not an inception_v3 state dict."""


def load_inception(path: str | Path, device: torch.device) -> nn.Module:
    """torchvision's inception_v3 with the weights in `path`, returning pool3 features."""
    from torchvision.models import inception_v3

    path = Path(path)
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            state = load_file(str(path))
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise InceptionWeightsError(f"Inception weights {path} do not exist.") from None
    except pickle.UnpicklingError:  # torch's message is six lines and suggests unsafe loading
        raise InceptionWeightsError(
            f"Cannot read Inception weights {path}: it is not a state dict that loads without "
            "running pickled code; pass an inception_v3 state dict."
        ) from None
    except Exception as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise InceptionWeightsError(
            f"Cannot read Inception weights {path} ({first}); pass an inception_v3 state dict."
        ) from None
    if isinstance(state, dict) and "state_dict" in state:
        state = state["state_dict"]
    aux = any(str(k).startswith("AuxLogits.") for k in state)
    model = inception_v3(weights=None, aux_logits=aux, init_weights=False, transform_input=False)
    try:
        model.load_state_dict(state)
    except (RuntimeError, TypeError) as error:
        first = str(error).strip().splitlines()[0]
        raise InceptionWeightsError(
            f"{path} is not a torchvision inception_v3 state dict ({first})."
        ) from None
    model.fc = nn.Identity()
    return model.to(device).eval()


@torch.no_grad()
def inception_features(model: nn.Module, images: torch.Tensor, batch: int = 64) -> torch.Tensor:
    """(N, 2048) float64 features of NCHW images in [-1, 1] (grey repeated to RGB)."""
    device = next(model.parameters()).device
    features = []
    for start in range(0, images.shape[0], batch):
        x = images[start : start + batch].to(device).float()
        if x.shape[1] == 1:
            x = x.repeat(1, 3, 1, 1)
        x = F.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False)
        features.append(model(x).double().cpu())
    return torch.cat(features)


def frechet_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """||mu_a - mu_b||^2 + tr(S_a + S_b - 2 (S_a S_b)^1/2), via a symmetric square root."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = torch.cov(a.T), torch.cov(b.T)
    values, vectors = torch.linalg.eigh(cov_a)
    root_a = vectors @ torch.diag(values.clamp_min(0).sqrt()) @ vectors.T
    middle = root_a @ cov_b @ root_a
    trace_root = torch.linalg.eigvalsh((middle + middle.T) / 2).clamp_min(0).sqrt().sum()
    value = (mu_a - mu_b).square().sum() + cov_a.trace() + cov_b.trace() - 2 * trace_root
    return float(value)
