"""`ganpaint-train style-guess`: teach a trained SPADE model to guess the light from a map.

A SPADE model with a style encoder E draws a label map in the light of a style picture.
With no picture it drew style code 0, which lies between its day, dusk and night codes
and looks like none of them. The guess S (`ganpaint.models.style_guess`) is fitted after
G and E are trained, and changes neither: for training scenes, E reads the style code of
the photo (its mean, as the app reads a style picture) and S learns to predict that code
from the label map alone, by mean squared error. G then draws the map in the light it
suggests, as a pix2pix model guesses it (a low sun: dusk).

The scenes are those the light is to be guessed among: `synthetic:landscapes` renders
training-split scenes by day or at dusk (night is what a user asks for with the night
style, and a map does not show it), a folder holds aligned label map | photo pairs as
`ganpaint-train spade --data` reads them. A tenth is held out and the fit is reported
against predicting every scene's code with their mean, so a guess that learned nothing
shows as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ganpaint.errors import DatasetError, GanpaintError
from ganpaint.landscapes import as_rgb, render_landscapes, seed_range
from ganpaint.models.bundle import ModelBundle
from ganpaint.models.spade import one_hot_labels
from ganpaint.models.style_guess import SpadeStyleGuess

SYNTHETIC = "synthetic:landscapes"
HELD_OUT_SHARE = 0.1
ENCODE_BATCH = 64


@dataclass(frozen=True)
class GuessFit:
    """The fitted guess and how well it predicts held-out scenes' style codes."""

    net: SpadeStyleGuess
    held_out: int  # scenes kept out of the fit
    held_out_error: float  # mean squared error of the guess on the held-out scenes
    mean_code_error: float  # the same when every scene gets the training codes' mean


def style_pairs(
    data: str, n: int, size: int, input_map: str = "labels"
) -> tuple[torch.Tensor, torch.Tensor]:
    """(inputs, photos (n, 3, size, size) in [-1, 1]) to fit on. The inputs are what G
    reads, kept small: class ids (n, size, size) int64 for a labels model, the sketches'
    ink (n, 1, size, size) for a sketch model (see `input_maps`)."""
    from trainer.spade import label_indices, sketch_ink

    sketch = input_map == "sketch"
    if data == SYNTHETIC:
        kind = "sketch" if sketch else "labels"
        batch = render_landscapes(seed_range("train", n), size, kinds=(kind, "day"))
        assert batch.day is not None
        photos = torch.from_numpy(batch.day).permute(0, 3, 1, 2).float() / 127.5 - 1
        if sketch:
            assert batch.sketch is not None
            drawn = torch.from_numpy(as_rgb(batch, "sketch")).permute(0, 3, 1, 2)
            return sketch_ink(drawn.float() / 127.5 - 1), photos
        assert batch.labels is not None
        return torch.from_numpy(batch.labels.astype(np.int64)), photos
    folder = Path(data) / "train" if (Path(data) / "train").is_dir() else Path(data)
    pairs = _pair_folder(folder, size, sketch)
    if len(pairs) < 2:
        raise DatasetError(f"{data} holds {len(pairs)} input | photo pairs; fit needs 2.")
    chosen = [pairs[i] for i in range(min(n, len(pairs)))]
    inputs = torch.stack([a for a, _ in chosen])
    maps = sketch_ink(inputs) if sketch else label_indices(inputs)
    return maps, torch.stack([photo for _, photo in chosen])


def _pair_folder(folder: Path, size: int, sketch: bool) -> Any:
    """The A|B pairs of `folder` at `size`: label maps by nearest neighbours, sketches as
    the translators read them."""
    if sketch:
        from trainer.data.paired import AlignedFolderDataset

        return AlignedFolderDataset(folder, size)
    from trainer.spade import LabelPairFolder

    return LabelPairFolder(folder, size)


def input_maps(inputs: torch.Tensor, channels: int) -> torch.Tensor:
    """What G and S read from `style_pairs`' inputs: the one-hot map of class ids, or the
    ink as it is."""
    return one_hot_labels(inputs, channels) if inputs.dim() == 3 else inputs.float()


def check_style_model(bundle: ModelBundle) -> None:
    """Refuse a model that takes no style: there is nothing for a guess to predict."""
    if "E" not in bundle.nets or bundle.kind != "spade":
        raise GanpaintError(
            f"{bundle.name!r} has no style encoder, so there is no style to guess; "
            "style-guess needs a SPADE model trained with --style-dim above 0."
        )


def style_codes(bundle: ModelBundle, photos: torch.Tensor) -> torch.Tensor:
    """E's code (its mean, as the app reads a style picture) of each photo, (n, style_dim)."""
    check_style_model(bundle)
    encoder = bundle.nets["E"].float().eval()
    with torch.inference_mode():
        parts = [
            encoder(photos[i : i + ENCODE_BATCH])[0] for i in range(0, len(photos), ENCODE_BATCH)
        ]
    return torch.cat(parts).float()


def fit_style_guess(
    inputs: torch.Tensor,
    codes: torch.Tensor,
    classes: int,
    steps: int = 2000,
    batch: int = 64,
    lr: float = 1e-3,
    seed: int = 0,
) -> GuessFit:
    """S fitted to predict each scene's style code from its input (class ids or ink, as
    `style_pairs` gives them; `classes` is G's input channels)."""
    held = max(1, round(len(inputs) * HELD_OUT_SHARE))
    train_ids, test_ids = inputs[held:], inputs[:held]
    train_codes, test_codes = codes[held:].clone(), codes[:held].clone()
    torch.manual_seed(seed)
    net = SpadeStyleGuess(label_nc=classes, style_dim=codes.shape[1])
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, steps))
    generator = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        pick = torch.randint(len(train_ids), (min(batch, len(train_ids)),), generator=generator)
        semantics = input_maps(train_ids[pick], classes)
        if torch.rand((), generator=generator) < 0.5:  # a mirrored map has the same light
            semantics = semantics.flip(3)
        loss = F.mse_loss(net(semantics), train_codes[pick])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
    net.eval()
    with torch.inference_mode():
        guessed = net(input_maps(test_ids, classes))
        error = F.mse_loss(guessed, test_codes).item()
        mean = train_codes.mean(0, keepdim=True).expand_as(test_codes)
        baseline = F.mse_loss(mean, test_codes).item()
    return GuessFit(net, held, error, baseline)


def with_style_guess(bundle: ModelBundle, net: SpadeStyleGuess) -> ModelBundle:
    """`bundle` with S added (or replaced); its other nets and metadata as they were."""
    nets = {prefix: model for prefix, model in bundle.nets.items() if prefix != "S"}
    return ModelBundle(bundle.kind, {**nets, "S": net}, bundle.meta)
