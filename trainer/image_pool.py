"""The history of generated images CycleGAN's discriminators learn from (Shrivastava et al.).

Showing D a mix of current and earlier fakes keeps it from chasing the generator's
latest mode. This is the reference ImagePool: while the pool holds fewer than `size`
images, each new image is stored and returned; once full, each new image is, with
probability 0.5, swapped for a random stored one (the stored one is returned), and
otherwise returned as is. The draws use Python's `random` (the reference does too),
whose state every checkpoint saves; the stored images go into the checkpoint through
`state`, so a resumed run continues the same sequence.
"""

from __future__ import annotations

import random
from typing import Any

import torch


class ImagePool:
    """A pool of up to `size` images (size 0: a pass-through); see the module docstring."""

    def __init__(self, size: int, rng: random.Random | None = None) -> None:
        if size < 0:
            raise ValueError(f"pool size must be >= 0, not {size}")
        self.size = size
        self.rng: Any = rng if rng is not None else random  # the global one is checkpointed
        self.images: list[torch.Tensor] = []

    def __len__(self) -> int:
        return len(self.images)

    def query(self, images: torch.Tensor) -> torch.Tensor:
        """The batch D should see for the new (N, C, H, W) `images`, detached."""
        images = images.detach()
        if self.size == 0:
            return images
        out = []
        for image in images:
            if len(self.images) < self.size:
                self.images.append(image.clone())
                out.append(image)
            elif self.rng.uniform(0, 1) > 0.5:
                index = self.rng.randint(0, self.size - 1)
                out.append(self.images[index])
                self.images[index] = image.clone()
            else:
                out.append(image)
        return torch.stack(out)

    def state(self) -> torch.Tensor:
        """The stored images as one (n, C, H, W) tensor, for a checkpoint."""
        if not self.images:
            return torch.empty(0)
        return torch.stack(self.images)

    def load_state(self, stored: torch.Tensor, device: torch.device) -> None:
        """Refill the pool from `state()`'s tensor."""
        self.images = [image.to(device) for image in stored] if stored.numel() else []
