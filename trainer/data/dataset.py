"""LandscapeDataset: procedural landscapes as a map-style torch Dataset, rendered on demand.

The trainer can train on the built-in data without writing files: item `i` is always
the same scene (its seed comes from `seed_range`), and DataLoader's batched fetch
(`__getitems__`) renders a whole batch in one vectorised call.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch.utils.data import Dataset

from ganpaint.convert import image_to_tensor
from ganpaint.errors import DatasetError
from ganpaint.landscapes import as_rgb, check_pair, render_landscapes, seed_range

Sample = torch.Tensor | tuple[torch.Tensor, torch.Tensor]


class LandscapeDataset(Dataset[Sample]):
    """`n` landscapes of `size` pixels: the photo, or a tuple (A, B) for a `pair`.

    `aligned=False` draws B from other scenes than A (unpaired data, as CycleGAN wants).
    """

    def __init__(
        self,
        n: int,
        size: int,
        pair: str | None = None,
        split: str = "train",
        seed: int = 0,
        aligned: bool = True,
    ) -> None:
        if not isinstance(n, int | np.integer) or n < 1:
            raise DatasetError(f"A landscape data set needs at least one image, not {n!r}.")
        self.n, self.size, self.pair, self.aligned = int(n), size, pair, aligned
        self.kinds = check_pair(pair) if pair is not None else ("day",)
        seeds = seed_range(split, self.n if aligned or pair is None else 2 * self.n, seed)
        self.seeds_a = seeds[: self.n]
        self.seeds_b = self.seeds_a if aligned or pair is None else seeds[self.n :]

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: int) -> Sample:
        return self.__getitems__([index])[0]

    def __getitems__(self, indices: Sequence[int]) -> list[Sample]:
        """Render every requested scene at once (DataLoader calls this for a batch)."""
        index = np.asarray(indices, dtype=np.int64)
        if index.size and (index.min() < -self.n or index.max() >= self.n):
            raise IndexError(f"landscape index out of range for {self.n} images")
        index %= self.n
        if self.pair is None:
            photos = image_to_tensor(
                render_landscapes(self.seeds_a[index], self.size, kinds=("day",)).day
            )
            return list(photos)
        kind_a, kind_b = self.kinds
        if self.aligned:
            batch = render_landscapes(self.seeds_a[index], self.size, kinds=self.kinds)
            a, b = as_rgb(batch, kind_a), as_rgb(batch, kind_b)
        else:
            a = as_rgb(render_landscapes(self.seeds_a[index], self.size, kinds=(kind_a,)), kind_a)
            b = as_rgb(render_landscapes(self.seeds_b[index], self.size, kinds=(kind_b,)), kind_b)
        return list(zip(image_to_tensor(a), image_to_tensor(b), strict=True))

    def pixels_at(self, index: int, side: int) -> np.ndarray:
        """Scene `index` rendered at `side` pixels, its kinds stacked on the channels.

        For --zoom (trainer.data.zoom): the scene is drawn at that scale, sharp, and the
        two kinds of an aligned pair come from one render, so they stay pixel-aligned.
        """
        index %= self.n
        if self.aligned or self.pair is None:
            batch = render_landscapes(self.seeds_a[[index]], side, kinds=self.kinds)
            images = [as_rgb(batch, kind) for kind in self.kinds]
        else:
            pairs = zip((self.seeds_a, self.seeds_b), self.kinds, strict=True)
            images = [as_rgb(render_landscapes(s[[index]], side, kinds=(k,)), k) for s, k in pairs]
        return np.concatenate(images, axis=3)[0]
