"""Multi-scale random crops of a few large photos as an endless training set (`--crops`).

Why: a GAN for photos has a few dozen real photos to learn from here, each many
megapixels. Shrinking each to one 64 px square throws almost all of it away and gives
a few dozen training images, which D memorises at once. Cropping a random square of
a random size (a log-uniform fraction of the short side, so fine texture and whole
scenes are seen equally often), flipping it half the time and scaling it to the
training size gives a new view on every draw.

Items are `(epoch, index)` pairs from `ResumableSampler(with_epoch=True)`: the view is
a pure function of (seed, epoch, index), so a resumed run sees what an uninterrupted
one would. A view's photo is drawn in proportion to the photo's area (after the
`MAX_SIDE` cap): every pixel is as likely to be seen as any other, so a few small
stamps on a plain background do not weigh as much as a 12-megapixel landscape, and
DataLoader workers share no state. Photos with transparency (Tux Paint's
stamps) are composited on a background colour drawn with the view.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

from ganpaint.convert import image_to_tensor
from ganpaint.errors import DatasetError, ImageFileError
from ganpaint.imageio import list_images, load_image
from trainer.data.stream import mix_seed

MAX_SIDE = 2048  # photos are kept at most this long: a crop of 1/8 is still 170 px
VIEWS_PER_PHOTO = 256  # items per photo and epoch


def parse_crops(text: str) -> tuple[float, float]:
    """`"0.125,1.0"` -> (0.125, 1.0): the smallest and largest crop, × the short side."""
    parts = [p.strip() for p in text.split(",")]
    try:
        low, high = (float(p) for p in parts)
    except ValueError:
        raise ValueError(
            f"--crops takes MIN,MAX (fractions of the short side, e.g. 0.125,1.0), not {text!r}."
        ) from None
    if not (math.isfinite(low) and math.isfinite(high) and 0 < low <= high <= 1):
        raise ValueError(f"--crops needs 0 < MIN ≤ MAX ≤ 1, not {low},{high}.")
    return low, high


def _shrunk(rgb: np.ndarray, max_side: int) -> np.ndarray:
    scale = max_side / max(rgb.shape[:2])
    if scale >= 1:
        return rgb
    size = (max(1, round(rgb.shape[1] * scale)), max(1, round(rgb.shape[0] * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


class PhotoCrops(Dataset[torch.Tensor]):
    """`(epoch, index)` -> float CHW tensor in [-1, 1]: a random crop of a photo drawn
    by area, `size` × `size` pixels."""

    wants_epoch = True  # the training stream passes (epoch, index): a new view each epoch

    def __init__(
        self,
        folder: str | Path,
        size: int,
        crops: tuple[float, float] = (0.125, 1.0),
        seed: int = 0,
        max_side: int = MAX_SIDE,
        views_per_photo: int = VIEWS_PER_PHOTO,
    ) -> None:
        self.size, self.crops, self.seed = size, crops, seed
        self.views_per_photo = views_per_photo
        if not str(folder).strip():  # Path("") is the current folder: never by accident
            raise DatasetError("--data is empty; pass a folder of photos to crop.")
        try:
            paths = list_images(Path(folder), recursive=True)
        except ImageFileError as error:
            raise DatasetError(str(error)) from None
        self.photos: list[np.ndarray] = []  # uint8 H×W×3, or H×W×4 with alpha
        skipped = 0
        for path in paths:
            try:
                loaded = load_image(path)
            except ImageFileError:
                skipped += 1
                continue
            pixels = loaded.rgb
            if loaded.has_transparency and loaded.alpha is not None:
                pixels = np.dstack([loaded.rgb, loaded.alpha])
            self.photos.append(_shrunk(pixels, max_side))
        if not self.photos:
            raise DatasetError(
                f"No readable images in {folder} (or its subfolders) to crop; put PNG, JPEG, "
                "WebP, BMP or TIFF photos there."
            )
        areas = np.array([p.shape[0] * p.shape[1] for p in self.photos], np.float64)
        self.cumulative_area = np.cumsum(areas / areas.sum())
        if skipped:
            print(
                f"ganpaint-train: warning: skipped {skipped} unreadable image(s) in {folder}.",
                file=sys.stderr,
            )

    def __len__(self) -> int:
        return len(self.photos) * self.views_per_photo

    def view(self, epoch: int, index: int) -> np.ndarray:
        """The uint8 size × size × 3 crop for (epoch, index)."""
        rng = np.random.default_rng(mix_seed(self.seed, epoch, index))
        # index keeps views of one epoch apart; the photo is drawn by area, as is the crop
        pick = int(np.searchsorted(self.cumulative_area, rng.random(), side="right"))
        photo = self.photos[min(pick, len(self.photos) - 1)]
        height, width = photo.shape[:2]
        low, high = self.crops
        fraction = math.exp(rng.uniform(math.log(low), math.log(high)))
        side = max(1, min(round(fraction * min(height, width)), height, width))
        top = int(rng.integers(0, height - side + 1))
        left = int(rng.integers(0, width - side + 1))
        crop = photo[top : top + side, left : left + side]
        if crop.shape[2] == 4:  # a stamp: over a background colour of this view
            background = rng.uniform(0, 255, 3)
            alpha = crop[:, :, 3:].astype(np.float32) / 255
            crop = crop[:, :, :3] * alpha + background * (1 - alpha)
            crop = np.clip(np.rint(crop), 0, 255).astype(np.uint8)
        if rng.random() < 0.5:
            crop = crop[:, ::-1]
        shrink = side >= self.size
        interpolation = cv2.INTER_AREA if shrink else cv2.INTER_CUBIC
        out = cv2.resize(np.ascontiguousarray(crop), (self.size, self.size), interpolation)
        return np.ascontiguousarray(out, dtype=np.uint8)

    def __getitem__(self, item: tuple[int, int] | int) -> torch.Tensor:
        epoch, index = item if isinstance(item, tuple) else (0, item)
        return image_to_tensor(self.view(epoch, index))[0]
