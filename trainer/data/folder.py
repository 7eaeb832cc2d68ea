"""A folder of the user's images as a training set: every image resized and cropped once.

The folder is read recursively. Each file is decoded, its shorter side resized to the
training size and its centre cropped, once, up front: unreadable files are found at
that moment (skipped, counted and reported in one warning) instead of crashing a run
hours in, and training then reads small uint8 arrays instead of decoding photos every
epoch. Above `MAX_CACHE_BYTES` the crops are not kept and are decoded again on use.
`prepare` replaces the resize-and-crop (the image-to-image data sets squash each
image, or each half of an A|B image, to a square load size instead).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset

from ganpaint.convert import image_to_tensor
from ganpaint.errors import DatasetError, ImageFileError
from ganpaint.imageio import list_images, load_image

MAX_CACHE_BYTES = 4 * 2**30


def resize_crop(rgb: np.ndarray, size: int) -> np.ndarray:
    """uint8 HxWx3 -> size x size x 3: shorter side to `size` (antialiased), centre crop."""
    height, width = rgb.shape[:2]
    scale = size / min(height, width)
    new_w, new_h = max(size, round(width * scale)), max(size, round(height * scale))
    image = Image.fromarray(rgb)
    if (new_w, new_h) != (width, height):
        image = image.resize((new_w, new_h), Image.Resampling.BICUBIC, reducing_gap=3.0)
    left, top = (new_w - size) // 2, (new_h - size) // 2
    return np.asarray(image.crop((left, top, left + size, top + size)), dtype=np.uint8)


@dataclass(frozen=True)
class ScanReport:
    found: int
    usable: int
    skipped: list[tuple[Path, str]]


class ImageFolderDataset(Dataset[torch.Tensor]):
    """Map-style: index -> float CHW tensor in [-1, 1] of `size` x `size` pixels."""

    def __init__(
        self,
        folder: str | Path,
        size: int,
        progress: Callable[[int, int], None] | None = None,
        threads: int = 4,
        prepare: Callable[[np.ndarray], np.ndarray] | None = None,
        channels: int = 3,
    ) -> None:
        self.folder, self.size = Path(folder), size
        self.prepare = prepare or (lambda rgb: resize_crop(rgb, size))
        try:
            paths = list_images(self.folder, recursive=True)
        except ImageFileError as error:
            raise DatasetError(str(error)) from None
        if not paths:
            raise DatasetError(
                f"No images found in {self.folder} (or its subfolders); put PNG, JPEG, WebP, "
                "BMP or TIFF files there, or use --data synthetic:landscapes."
            )
        keep = len(paths) * size * size * channels <= MAX_CACHE_BYTES
        crops: list[np.ndarray | None] = [None] * len(paths)
        errors: list[str | None] = [None] * len(paths)

        def scan(index: int) -> None:
            try:
                crops[index] = self.prepare(load_image(paths[index]).rgb)
            except ImageFileError as error:
                errors[index] = str(error)

        with ThreadPoolExecutor(max(1, threads)) as pool:
            for done, _ in enumerate(pool.map(scan, range(len(paths))), start=1):
                if progress is not None:
                    progress(done, len(paths))
        self.paths = [p for p, e in zip(paths, errors, strict=True) if e is None]
        self.cache = np.stack([c for c in crops if c is not None]) if keep and self.paths else None
        skipped = [(p, e) for p, e in zip(paths, errors, strict=True) if e is not None]
        self.report = ScanReport(found=len(paths), usable=len(self.paths), skipped=skipped)
        if not self.paths:
            raise DatasetError(
                f"None of the {len(paths)} image files in {self.folder} could be read "
                f"(first: {skipped[0][1]}); check the files."
            )
        if skipped:
            print(
                f"ganpaint-train: warning: skipped {len(skipped)} unreadable image(s) of "
                f"{len(paths)} in {self.folder} (first: {skipped[0][0].name}).",
                file=sys.stderr,
            )

    def __len__(self) -> int:
        return len(self.paths)

    def pixels(self, index: int) -> np.ndarray:
        """Image `index` as prepared (uint8, from the cache when there is one)."""
        if self.cache is not None:
            return self.cache[index]
        return self.prepare(load_image(self.paths[index]).rgb)

    def __getitem__(self, index: int) -> torch.Tensor:
        return image_to_tensor(self.pixels(index))[0]
