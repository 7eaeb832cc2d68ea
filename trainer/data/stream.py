"""Training batches as a pure function of (seed, step, rank): resumable at any step.

The order of the data is an epoch-seeded shuffle, sharded across ranks like
DistributedSampler, and the random flips are drawn from a generator seeded by the
step. So the stream's position *is* the step: a resumed run starts the sampler at
the right batch of the right epoch and sees exactly the batches an uninterrupted run
would have seen, without any iterator state in the checkpoint, and DataLoader workers
(whose own seeds come from a private generator) never touch the global RNGs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sized
from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from ganpaint.errors import DatasetError


def mix_seed(*parts: int) -> int:
    """A 63-bit seed from integers (SplitMix64 steps), so nearby steps get unrelated seeds."""
    state = 0x9E3779B97F4A7C15
    for part in parts:
        state = (state ^ (part & 0xFFFFFFFFFFFFFFFF)) * 0xBF58476D1CE4E5B9 & 0xFFFFFFFFFFFFFFFF
        state = (state ^ (state >> 31)) * 0x94D049BB133111EB & 0xFFFFFFFFFFFFFFFF
    return state >> 1


class ResumableSampler(Sampler[Any]):
    """This rank's indices of epoch `epoch`, starting at position `start` of its shard.

    With `with_epoch` it yields `(epoch, index)` pairs instead, for data sets whose
    items vary with the epoch (unaligned data draws a new random B for every A each
    epoch, as the CycleGAN reference does) without any state in the data set itself,
    which DataLoader workers could not share.
    """

    def __init__(
        self, n: int, seed: int, rank: int = 0, world_size: int = 1, with_epoch: bool = False
    ) -> None:
        self.n, self.seed, self.rank, self.world_size = n, seed, rank, world_size
        self.per_rank = n // world_size
        self.epoch, self.start = 0, 0
        self.with_epoch = with_epoch

    def set_position(self, epoch: int, start: int) -> None:
        self.epoch, self.start = epoch, start

    def __len__(self) -> int:
        return self.per_rank - self.start

    def __iter__(self) -> Iterator[int]:
        generator = torch.Generator().manual_seed(mix_seed(self.seed, self.epoch))
        order = torch.randperm(self.n, generator=generator)[: self.per_rank * self.world_size]
        shard = order[self.rank :: self.world_size][self.start :].tolist()
        if self.with_epoch:
            return iter([(self.epoch, index) for index in shard])
        return iter(shard)


def to_grey(batch: torch.Tensor) -> torch.Tensor:
    """RGB in [-1, 1] -> one channel (ITU-R 601 luma), for grey models such as the MLP GAN."""
    weights = torch.tensor([0.299, 0.587, 0.114], device=batch.device, dtype=batch.dtype)
    return (batch * weights.view(1, 3, 1, 1)).sum(1, keepdim=True)


def crop_corners(batch: torch.Tensor, crop: int, generator: torch.Generator) -> torch.Tensor:
    """(N, 2) random top-left corners of `crop` x `crop` windows in each image of `batch`."""
    height, width = batch.shape[-2:]
    if height < crop or width < crop:
        raise DatasetError(
            f"Training images of {height}x{width} pixels cannot be cropped to {crop}; "
            "the load size must be at least the crop size."
        )
    tops = torch.randint(0, height - crop + 1, (batch.shape[0],), generator=generator)
    lefts = torch.randint(0, width - crop + 1, (batch.shape[0],), generator=generator)
    return torch.stack([tops, lefts], 1)


def random_crop(batch: torch.Tensor, crop: int, corners: torch.Tensor) -> torch.Tensor:
    """Each image of `batch` cut to its `crop` x `crop` window at `corners` (see crop_corners)."""
    if tuple(batch.shape[-2:]) == (crop, crop):
        return batch
    return torch.stack(
        [image[:, top : top + crop, left : left + crop] for image, (top, left) in
         zip(batch, corners.tolist(), strict=True)]
    )  # fmt: skip


class BatchStream:
    """Batches of one rank for steps `start_step`, `start_step + 1`, ... (forever).

    Each batch is a tensor (or tuple of tensors for paired data) on `device`,
    randomly cropped to `crop` pixels (when given) and mirrored left-right. With
    `joint` every tensor of a pair gets the same crop and flip (aligned pairs stay
    aligned); without, each its own (unaligned data, as the reference transforms A
    and B independently). A data set with `wants_epoch = True` gets `(epoch, index)`.
    """

    def __init__(
        self,
        dataset: Dataset[Any],
        batch: int,
        seed: int,
        device: torch.device,
        rank: int = 0,
        world_size: int = 1,
        workers: int = 0,
        flip: bool = True,
        channels: int | None = None,
        memory_format: torch.memory_format = torch.contiguous_format,
        crop: int | None = None,
        joint: bool = True,
    ) -> None:
        n = len(dataset) if isinstance(dataset, Sized) else 0
        self.per_rank = n // world_size
        self.batches_per_epoch = self.per_rank // batch
        if self.batches_per_epoch == 0:
            raise DatasetError(
                f"The data set has {n} images, fewer than one batch of {batch} per process "
                f"({world_size} process(es)); add images or lower --batch."
            )
        self.batch, self.seed, self.device = batch, seed, device
        self.rank, self.world_size, self.flip, self.channels = rank, world_size, flip, channels
        self.memory_format, self.crop, self.joint = memory_format, crop, joint
        with_epoch = bool(getattr(dataset, "wants_epoch", False))
        self.sampler = ResumableSampler(n, seed, rank, world_size, with_epoch=with_epoch)
        loader_rng = torch.Generator().manual_seed(mix_seed(seed, rank, 1))
        self.loader = DataLoader(
            dataset,
            batch_size=batch,
            sampler=self.sampler,
            drop_last=True,
            num_workers=workers,
            pin_memory=device.type == "cuda",
            persistent_workers=workers > 0,
            generator=loader_rng,
        )

    def position(self, step: int) -> dict[str, int]:
        """Where step `step` (0-based count of finished steps) lies in the data."""
        epoch, index = divmod(step, self.batches_per_epoch)
        return {
            "epoch": epoch,
            "batch_in_epoch": index,
            "samples_seen": step * self.batch * self.world_size,
        }

    def iterate(self, start_step: int = 0) -> Iterator[Any]:
        step = start_step
        while True:
            position = self.position(step)
            self.sampler.set_position(position["epoch"], position["batch_in_epoch"] * self.batch)
            for batch in self.loader:
                yield self._prepare(batch, step)
                step += 1

    def _prepare(self, batch: Any, step: int) -> Any:
        """To the device first (a pinned, asynchronous copy), then crop, flip and convert there."""
        tensors = list(batch) if isinstance(batch, list | tuple) else [batch]
        tensors = [t.to(self.device, non_blocking=True) for t in tensors]
        draws = 1 if self.joint else len(tensors)
        if self.crop is not None:
            generator = torch.Generator().manual_seed(mix_seed(self.seed, step, self.rank, 3))
            corners = [crop_corners(tensors[k], self.crop, generator) for k in range(draws)]
            tensors = [
                random_crop(t, self.crop, corners[min(k, draws - 1)]) for k, t in enumerate(tensors)
            ]
        if self.flip:
            generator = torch.Generator().manual_seed(mix_seed(self.seed, step, self.rank, 2))
            mirrors = torch.rand(draws, tensors[0].shape[0], generator=generator) < 0.5
            mirrors = mirrors.view(draws, -1, 1, 1, 1).to(self.device, non_blocking=True)
            tensors = [
                torch.where(mirrors[min(k, draws - 1)], t.flip(-1), t)
                for k, t in enumerate(tensors)
            ]
        out = []
        for tensor in tensors:
            if self.channels == 1 and tensor.shape[1] == 3:
                tensor = to_grey(tensor)
            out.append(tensor.contiguous(memory_format=self.memory_format))
        return tuple(out) if isinstance(batch, list | tuple) else out[0]
