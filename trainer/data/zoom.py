"""Scale augmentation (`--zoom`): each training image seen at a random scale.

Translators train on small crops but run fully convolutionally on big images, where
every feature is several times larger than anything seen in training. With zoom Z,
item i of epoch e is brought to a side s = round(load * Z**u), u ~ U(0, 1) (log-uniform
between the load size and Z times it), and a random load x load window of it is kept;
the stream's random crop and mirror then run as usual. The draws are a pure function
of (seed, epoch, index), so a resumed run sees exactly the data an uninterrupted one
would. The source does the resizing: the procedural landscapes render the scene at s
(sharp lines, not an upsampled image), image folders upsample their cached image.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import torch
from torch.utils.data import Dataset

from ganpaint.convert import image_to_tensor
from trainer.data.stream import mix_seed

#: mix_seed salt of the zoom draws of aligned pairs and of domain A (B adds one).
ZOOM_SALT = 7


class Zoomable(Protocol):
    """A data set that can produce item `index` at any side: uint8 HxWx(3k), k images."""

    def __len__(self) -> int: ...

    def pixels_at(self, index: int, side: int) -> np.ndarray: ...


def zoom_view(load: int, zoom: float, seed: int, epoch: int, index: int) -> tuple[int, int, int]:
    """(side, top, left): the scale item `index` of `epoch` is seen at, and its window."""
    rng = np.random.default_rng(mix_seed(seed, epoch, index))
    side = max(load, round(load * zoom ** rng.random()))
    top, left = (int(v) for v in rng.integers(0, side - load + 1, size=2))
    return side, top, left


class ZoomedDataset(Dataset[Any]):
    """`source`'s items at a random scale up to `zoom` x, cut back to `load` pixels.

    Keyed by `(epoch, index)` (see `wants_epoch` in trainer.data.stream) so that every
    epoch draws new scales and windows. Items are a tensor, or a tuple of tensors when
    the source stacks several images (an aligned pair, which gets one scale and window).
    """

    wants_epoch = True

    def __init__(
        self, source: Zoomable, load: int, zoom: float, seed: int, salt: int = ZOOM_SALT
    ) -> None:
        self.source, self.load, self.zoom, self.seed = source, load, zoom, mix_seed(seed, salt)

    def __len__(self) -> int:
        return len(self.source)

    def view(self, epoch: int, index: int) -> tuple[int, int, int]:
        return zoom_view(self.load, self.zoom, self.seed, epoch, index)

    def __getitem__(self, key: int | tuple[int, int]) -> torch.Tensor | tuple[torch.Tensor, ...]:
        epoch, index = key if isinstance(key, tuple) else (0, int(key))
        side, top, left = self.view(epoch, index)
        pixels = self.source.pixels_at(index, side)[top : top + self.load, left : left + self.load]
        images = [image_to_tensor(np.ascontiguousarray(pixels[..., k : k + 3]))[0]
                  for k in range(0, pixels.shape[2], 3)]  # fmt: skip
        return images[0] if len(images) == 1 else tuple(images)


def zoomed(dataset: Any, load: int, zoom: float, seed: int, salt: int = ZOOM_SALT) -> Any:
    """`dataset` seen at random scales up to `zoom` x; unchanged (bit for bit) at zoom 1."""
    return dataset if zoom == 1 else ZoomedDataset(dataset, load, zoom, seed, salt)
