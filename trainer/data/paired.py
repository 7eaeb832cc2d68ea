"""Image-to-image training data in the reference layouts, with the reference preprocessing.

- Unaligned (CycleGAN): `DIR/trainA`, `DIR/trainB` (optional `testA`, `testB`), or
  `synthetic:landscapes:PAIR` rendered on the fly. An epoch visits every A once (or
  every B, whichever domain is larger) and pairs it with a random B drawn afresh each
  epoch, as the reference does.
- Aligned (pix2pix): side-by-side `A|B` images in `DIR/train` (and `val`, `test`), or
  `synthetic:landscapes:PAIR` rendered as pairs.

Preprocessing follows the reference's `resize_and_crop`: each image (each half of an
A|B image) is squashed to a square load size (286 for a 256 crop) here, once, and
the batch stream then takes a random crop and a random mirror on the device, with
the same window and mirror for both halves of an aligned pair. With `--zoom` (see
trainer.data.zoom) each training image is first seen at a random larger scale and cut
back to the load size. Test images are squashed straight to the crop size, as the
reference's test phase does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset

from ganpaint.convert import image_to_tensor
from ganpaint.errors import DatasetError
from ganpaint.landscapes import as_rgb, check_pair, render_landscapes, seed_range
from trainer.data.folder import ImageFolderDataset
from trainer.data.source import is_synthetic, read_folder
from trainer.data.stream import mix_seed
from trainer.data.zoom import ZOOM_SALT, zoomed

#: The reference's default load size for its 256-pixel crops.
REFERENCE_LOAD, REFERENCE_CROP = 286, 256
Pair = tuple[torch.Tensor, torch.Tensor]


def default_load_size(size: int) -> int:
    """The load size that keeps the reference's 286/256 margin for random crops."""
    return round(size * REFERENCE_LOAD / REFERENCE_CROP)


def squash(rgb: np.ndarray, side: int) -> np.ndarray:
    """uint8 HxWx3 -> side x side x 3, bicubic, ignoring the aspect ratio (as the reference)."""
    if rgb.shape[:2] == (side, side):
        return rgb
    image = Image.fromarray(rgb).resize((side, side), Image.Resampling.BICUBIC)
    return np.asarray(image, dtype=np.uint8)


def squash_stacked(pixels: np.ndarray, side: int) -> np.ndarray:
    """Each image of HxWx(3k) stacked pixels (an A|B pair: 6 channels) squashed to `side`."""
    return np.concatenate(
        [squash(np.ascontiguousarray(pixels[..., k : k + 3]), side)
         for k in range(0, pixels.shape[2], 3)], axis=2,
    )  # fmt: skip


def split_ab(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An `A|B` image -> (A, B): the left half and the rest, split at width // 2."""
    half = rgb.shape[1] // 2
    if half == 0:
        raise ValueError("an A|B image needs a width of at least 2 pixels")
    return rgb[:, :half], rgb[:, half:]


def domains_from_name(name: str) -> dict[str, str] | None:
    """{"A": "horse", "B": "zebra"} from an `x2y` name such as horse2zebra, else None."""
    match = re.search(r"([A-Za-z]+)2([A-Za-z]+)", name)
    return {"A": match.group(1), "B": match.group(2)} if match else None


def data_domains(spec: str) -> dict[str, str]:
    """The domain names a data source implies (its pair or folder name), else A and B."""
    name = spec.rsplit(":", 1)[-1] if is_synthetic(spec) else Path(spec).expanduser().name
    return domains_from_name(name) or {"A": "A", "B": "B"}


# -- data sets ------------------------------------------------------------------------------
class _ZoomableFolder(ImageFolderDataset):
    """Folder items at any side (for --zoom): the cached load-size image, resized bicubic."""

    def pixels_at(self, index: int, side: int) -> np.ndarray:
        return squash_stacked(self.pixels(index), side)


class AlignedFolderDataset(_ZoomableFolder):
    """`A|B` images -> (A, B) tensors, each half squashed to `load` pixels (cached together)."""

    def __init__(self, folder: str | Path, load: int, **kwargs: Any) -> None:
        def prepare(rgb: np.ndarray) -> np.ndarray:
            a, b = split_ab(rgb)
            return np.concatenate([squash(a, load), squash(b, load)], axis=2)

        super().__init__(folder, load, prepare=prepare, channels=6, **kwargs)

    def __getitem__(self, index: int) -> Pair:  # type: ignore[override]
        pixels = self.pixels(index)
        return image_to_tensor(pixels[..., :3])[0], image_to_tensor(pixels[..., 3:])[0]


class SquashedFolderDataset(_ZoomableFolder):
    """One domain's images (e.g. `trainA/`), each squashed to `load` pixels."""

    def __init__(self, folder: str | Path, load: int, **kwargs: Any) -> None:
        super().__init__(folder, load, prepare=lambda rgb: squash(rgb, load), **kwargs)


class LandscapeDomain(Dataset[torch.Tensor]):
    """One rendered kind (day, night, sketch, labels) of the scenes `seeds`, on demand."""

    def __init__(self, seeds: np.ndarray, size: int, kind: str) -> None:
        self.seeds, self.size, self.kind = np.asarray(seeds), size, kind

    def __len__(self) -> int:
        return len(self.seeds)

    def __getitem__(self, index: int) -> torch.Tensor:
        return self.__getitems__([index])[0]

    def __getitems__(self, indices: Sequence[int]) -> list[torch.Tensor]:
        return list(image_to_tensor(self._render(self.seeds[np.asarray(indices)], self.size)))

    def pixels_at(self, index: int, side: int) -> np.ndarray:
        """Scene `index` rendered at `side` pixels (for --zoom: sharp at any scale)."""
        return self._render(self.seeds[[index]], side)[0]

    def _render(self, seeds: np.ndarray, side: int) -> np.ndarray:
        return as_rgb(render_landscapes(seeds, side, kinds=(self.kind,)), self.kind)


def _fetch(dataset: Dataset[Any], indices: list[int], epoch: list[int] | None = None) -> list[Any]:
    """Items `indices` (keyed by `(epoch, index)` for data sets that want the epoch)."""
    if epoch is not None and getattr(dataset, "wants_epoch", False):
        return [dataset[key] for key in zip(epoch, indices, strict=True)]
    getitems = getattr(dataset, "__getitems__", None)
    return getitems(indices) if getitems is not None else [dataset[i] for i in indices]


class UnalignedDataset(Dataset[Pair]):
    """(A, B) pairs of two unrelated domains; B is drawn at random per (epoch, index).

    Keyed by `(epoch, index)` (the stream's sampler yields those, see `wants_epoch`), so
    the draw is a pure function of the seed and the position: resumable, and the same
    in every DataLoader worker.
    """

    wants_epoch = True

    def __init__(self, a: Dataset[torch.Tensor], b: Dataset[torch.Tensor], seed: int) -> None:
        self.a, self.b, self.seed = a, b, seed
        self.n_a, self.n_b = len(a), len(b)  # type: ignore[arg-type]

    def __len__(self) -> int:
        return max(self.n_a, self.n_b)

    def _b_index(self, epoch: int, index: int) -> int:
        return mix_seed(self.seed, epoch, index, 5) % self.n_b

    def __getitem__(self, key: int | tuple[int, int]) -> Pair:
        return self.__getitems__([key])[0]

    def __getitems__(self, keys: Sequence[int | tuple[int, int]]) -> list[Pair]:
        pairs = [key if isinstance(key, tuple) else (0, int(key)) for key in keys]
        epochs = [epoch for epoch, _ in pairs]
        a = _fetch(self.a, [index % self.n_a for _, index in pairs], epochs)
        b = _fetch(self.b, [self._b_index(epoch, index) for epoch, index in pairs], epochs)
        return list(zip(a, b, strict=True))


# -- opening --data -------------------------------------------------------------------------
def _synthetic_pair(spec: str, command: str) -> str:
    from trainer.synth import parse_synthetic_spec

    pair = parse_synthetic_spec(spec).pair
    if pair is None:
        raise DatasetError(
            f"--data {spec} names no image pair; {command} translates between two kinds, so "
            "use synthetic:landscapes:day2night (or edges2photo, labels2photo)."
        )
    return pair


def _subfolder(spec: str, name: str, layout: str, required: bool = True) -> Path | None:
    root = Path(spec).expanduser()
    if not root.is_dir():
        raise DatasetError(
            f"--data {spec}: no such folder; pass a data set in the {layout} layout or "
            "synthetic:landscapes:PAIR."
        )
    folder = root / name
    if folder.is_dir():
        return folder
    if required:
        raise DatasetError(
            f"--data {spec} has no {name}/ folder; the {layout} layout needs it (write an "
            f"example with ganpaint-train synth landscapes --layout {layout} --pair day2night)."
        )
    return None


def open_unaligned(
    spec: str,
    load: int,
    synthetic_n: int = 1000,
    seed: int = 0,
    show_progress: bool = True,
    *,
    zoom: float = 1.0,
) -> UnalignedDataset:
    """CycleGAN's training set: trainA/trainB (or a synthetic pair) squashed to `load`.

    With `zoom` > 1 each domain is seen at its own random scales (see trainer.data.zoom).
    """
    a, b = _unaligned_domains(spec, load, synthetic_n, show_progress)
    return UnalignedDataset(
        zoomed(a, load, zoom, seed, ZOOM_SALT), zoomed(b, load, zoom, seed, ZOOM_SALT + 1), seed
    )


def _unaligned_domains(
    spec: str, load: int, synthetic_n: int, show_progress: bool
) -> tuple[Dataset[torch.Tensor], Dataset[torch.Tensor]]:
    if is_synthetic(spec):
        kind_a, kind_b = check_pair(_synthetic_pair(spec, "cyclegan"))
        seeds = seed_range("train", 2 * synthetic_n)  # as `synth --layout unaligned` writes them
        a = LandscapeDomain(seeds[:synthetic_n], load, kind_a)
        return a, LandscapeDomain(seeds[synthetic_n:], load, kind_b)
    domains = []
    for name in ("trainA", "trainB"):
        folder = _subfolder(spec, name, "unaligned")
        assert folder is not None
        domains.append(
            read_folder(
                folder,
                lambda progress, f=folder: SquashedFolderDataset(f, load, progress=progress),
                show_progress,
            )
        )
    return domains[0], domains[1]


def open_aligned(
    spec: str,
    load: int,
    synthetic_n: int = 1000,
    show_progress: bool = True,
    *,
    zoom: float = 1.0,
    seed: int = 0,
) -> Dataset[Pair]:
    """pix2pix's training set: train/ A|B images (or a synthetic pair) squashed to `load`.

    With `zoom` > 1 both images of a pair share each random scale and window.
    """
    if is_synthetic(spec):
        from trainer.data.dataset import LandscapeDataset

        dataset: Any = LandscapeDataset(synthetic_n, load, pair=_synthetic_pair(spec, "pix2pix"))
    else:
        folder = _subfolder(spec, "train", "aligned")
        assert folder is not None
        dataset = read_folder(
            folder,
            lambda progress: AlignedFolderDataset(folder, load, progress=progress),
            show_progress,
        )
    return zoomed(dataset, load, zoom, seed)


def _first(dataset: Dataset[Any], n: int) -> list[Any]:
    return _fetch(dataset, list(range(min(n, len(dataset)))))  # type: ignore[arg-type]


def unaligned_test_set(spec: str, size: int, n: int) -> tuple[torch.Tensor, torch.Tensor] | None:
    """The first `n` test images of each domain (testA/testB) squashed to `size`, or None."""
    if is_synthetic(spec):
        kind_a, kind_b = check_pair(_synthetic_pair(spec, "cyclegan"))
        seeds = seed_range("test", 2 * n)
        sets = [LandscapeDomain(seeds[:n], size, kind_a), LandscapeDomain(seeds[n:], size, kind_b)]
    else:
        folders = [
            _subfolder(spec, name, "unaligned", required=False) for name in ("testA", "testB")
        ]
        if any(folder is None for folder in folders):
            return None
        sets = [SquashedFolderDataset(folder, size) for folder in folders]  # type: ignore[arg-type]
    a, b = (_first(dataset, n) for dataset in sets)
    count = min(len(a), len(b))
    return torch.stack(a[:count]), torch.stack(b[:count])


def aligned_test_set(spec: str, size: int, n: int) -> tuple[torch.Tensor, torch.Tensor] | None:
    """The first `n` test pairs (test/, else val/) squashed to `size`, or None."""
    if is_synthetic(spec):
        from trainer.data.dataset import LandscapeDataset

        dataset: Dataset[Any] = LandscapeDataset(
            n, size, pair=_synthetic_pair(spec, "pix2pix"), split="test"
        )
    else:
        folder = _subfolder(spec, "test", "aligned", required=False)
        folder = folder or _subfolder(spec, "val", "aligned", required=False)
        if folder is None:
            return None
        dataset = AlignedFolderDataset(folder, size)
    pairs = _first(dataset, n)
    return torch.stack([a for a, _ in pairs]), torch.stack([b for _, b in pairs])
