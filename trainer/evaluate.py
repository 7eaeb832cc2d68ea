"""`ganpaint-train eval`: a report folder on a trained GAN (metrics.json plus PNGs).

- samples.png: a grid of samples from fixed latents;
- interpolation.png: rows of linear paths between pairs of latents (straight lines
  stay inside the U(-1, 1) cube the prior lives in);
- nearest.png: each sample (left) beside its nearest training images in pixel space,
  the memorisation check; metrics compare those distances with held-out images'
  (`--held-out DIR`: photos the model never saw; otherwise a third of the data);
- a model trained on random crops of photos (`--crops`) is compared with crops drawn
  the same way, not with whole photos squeezed to its size;
- sliced Wasserstein distance on Laplacian-pyramid patches (no pretrained network);
- FID when --inception-weights names a local file (otherwise a clear note);
- the Parzen-window log-likelihood for small images, sigma chosen on validation data.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import Dataset

from ganpaint.atomic import atomic_write_bytes
from ganpaint.device import resolve_device
from ganpaint.errors import DatasetError, GanpaintError
from ganpaint.models.bundle import ModelBundle
from trainer.data.crops import PhotoCrops, parse_crops
from trainer.data.source import is_synthetic, open_images
from trainer.data.stream import mix_seed, to_grey
from trainer.gan import uniform_latent
from trainer.grids import save_grid
from trainer.metrics.fid import (
    MISSING_WEIGHTS,
    frechet_distance,
    inception_features,
    load_inception,
)
from trainer.metrics.parzen import parzen
from trainer.metrics.swd import MIN_RESOLUTION, swd

NEIGHBOURS = 5
NEIGHBOUR_ROWS = 8
INTERPOLATION_ROWS, INTERPOLATION_STEPS = 8, 10


@dataclass
class EvalOptions:
    samples: int = 1024
    inception_weights: str | None = None
    parzen_max_size: int = 32
    device: str = "auto"
    seed: int = 0
    batch: int = 64
    held_out: str | None = None  # a folder of photos the model was not trained on
    crops: str | None = None  # "MIN,MAX"; None: as the model was trained ("" = whole images)


def _stack(dataset: Dataset[torch.Tensor], count: int, seed: int, channels: int) -> torch.Tensor:
    n = len(dataset)  # type: ignore[arg-type]
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))[:count]
    images = torch.stack([dataset[int(i)] for i in order])
    return to_grey(images) if channels == 1 and images.shape[1] == 3 else images


def _real_sets(
    data: str, bundle: ModelBundle, count: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(training images, validation images, test images) for the comparisons."""
    size, channels = bundle.resolution, int(bundle.meta.get("channels_out", 3))
    if is_synthetic(data):
        train = _stack(
            open_images(data, size, count, "train", show_progress=False), count, seed, channels
        )
        val = _stack(
            open_images(data, size, count, "val", show_progress=False), count, seed, channels
        )
        test = _stack(
            open_images(data, size, count, "test", show_progress=False), count, seed, channels
        )
        return train, val, test
    everything = _stack(open_images(data, size), 3 * count, seed, channels)
    if everything.shape[0] < 4:
        raise DatasetError(f"--data {data} has fewer than 4 usable images; add images.")
    # A folder has no held-out split of its own: thirds for train / validation / test.
    third = max(1, everything.shape[0] // 3)
    return everything[:third], everything[third : 2 * third], everything[2 * third :]


def _crop_views(photos: PhotoCrops, count: int, epoch: int) -> torch.Tensor:
    order = torch.randperm(len(photos), generator=torch.Generator().manual_seed(epoch))[:count]
    return torch.stack([photos[(epoch, int(i))] for i in order])


def _crop_sets(
    data: str, held_out: str | None, crops: tuple[float, float], size: int, count: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(train, validation, test) crop views. Whole photos go to one side only, so a
    held-out view never shares pixels with a training view."""
    train = PhotoCrops(data, size, crops, seed=seed)
    if held_out:
        held = PhotoCrops(held_out, size, crops, seed=seed + 1)
    else:  # the last third of the photos stands in for unseen ones
        if len(train.photos) < 3:
            raise DatasetError(f"--data {data} has fewer than 3 photos to split; pass --held-out.")
        held = PhotoCrops(data, size, crops, seed=seed + 1)
        cut = len(train.photos) * 2 // 3
        train.photos, held.photos = train.photos[:cut], held.photos[cut:]
    return _crop_views(train, count, 0), _crop_views(held, count, 1), _crop_views(held, count, 2)


@torch.no_grad()
def _generate(bundle: ModelBundle, z: torch.Tensor, batch: int) -> torch.Tensor:
    generator = bundle.nets["G"]
    device = next(generator.parameters()).device
    return torch.cat(
        [generator(z[i : i + batch].to(device)).float().cpu() for i in range(0, len(z), batch)]
    )


def _nearest(
    queries: torch.Tensor, pool: torch.Tensor, k: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """(distances, indices) of the k nearest rows of `pool`, RMS per pixel in [-1, 1] units."""
    distances = torch.cdist(queries.flatten(1).double(), pool.flatten(1).double())
    distances = distances / queries[0].numel() ** 0.5
    values, indices = distances.topk(min(k, pool.shape[0]), largest=False)
    return values, indices


def run_evaluation(
    bundle: ModelBundle, data: str | None, out: Path, options: EvalOptions
) -> dict[str, Any]:
    """Write the report into `out` and return the metrics (also in out/metrics.json)."""
    started = time.monotonic()
    if bundle.kind != "gan":
        raise GanpaintError(f"eval measures GANs; {bundle.name} is a {bundle.kind} model.")
    data = data or bundle.meta.get("training", {}).get("data", "")
    if not data:
        raise DatasetError(f"{bundle.name} does not say what it was trained on; pass --data.")
    device = resolve_device(options.device)
    bundle.to(device).eval()
    # Every input that can fail (data, Inception weights) is read before the first write.
    weights = options.inception_weights
    inception = load_inception(weights, device) if weights else None
    nz, size = int(bundle.meta["nz"]), bundle.resolution
    count = options.samples
    crops = options.crops
    if crops is None:
        crops = bundle.meta.get("training", {}).get("config", {}).get("crops") or ""
    if crops and not is_synthetic(data):
        if int(bundle.meta.get("channels_out", 3)) != 3:
            raise DatasetError("--crops compares colour photos; this model draws grey images.")
        train, val, test = _crop_sets(
            data, options.held_out, parse_crops(crops), size, count, options.seed
        )
    elif options.held_out:
        train, val, test = _real_sets(data, bundle, count, options.seed)
        held = _stack(open_images(options.held_out, size), 2 * count, options.seed,
                      int(bundle.meta.get("channels_out", 3)))  # fmt: skip
        half = max(1, held.shape[0] // 2)
        train, val, test = torch.cat([train, val, test]), held[:half], held[half:]
    else:
        train, val, test = _real_sets(data, bundle, count, options.seed)
    latents = torch.Generator().manual_seed(mix_seed(options.seed, 5))
    z = uniform_latent(count, nz, torch.device("cpu"), latents)
    fake = _generate(bundle, z, options.batch)
    out.mkdir(parents=True, exist_ok=True)
    metrics: dict[str, Any] = {
        "model": str(bundle.path or bundle.name),
        "data": data,
        "held_out": options.held_out,
        "crops": crops or None,
        "samples": count,
        "real_images": int(test.shape[0]),
        "resolution": size,
        "steps": bundle.meta.get("training", {}).get("steps"),
    }

    save_grid(fake[:64], out / "samples.png")
    ends = uniform_latent(2 * INTERPOLATION_ROWS, nz, torch.device("cpu"), latents)
    weights = torch.linspace(0, 1, INTERPOLATION_STEPS).view(1, -1, 1)
    path = ends[0::2, None] * (1 - weights) + ends[1::2, None] * weights
    save_grid(_generate(bundle, path.reshape(-1, nz), options.batch), out / "interpolation.png",
              nrow=INTERPOLATION_STEPS)  # fmt: skip

    queries = fake[:NEIGHBOUR_ROWS]
    _, indices = _nearest(queries, train, NEIGHBOURS)
    rows = [torch.cat([q[None], train[i]]) for q, i in zip(queries, indices, strict=True)]
    save_grid(torch.cat(rows), out / "nearest.png", nrow=indices.shape[1] + 1)
    fake_nn, _ = _nearest(fake[: min(count, 256)], train, 1)
    held_nn, _ = _nearest(test[: min(count, 256)], train, 1)
    metrics["nn_distance_samples"] = float(fake_nn.mean())
    metrics["nn_distance_heldout"] = float(held_nn.mean())
    metrics["nn_ratio"] = metrics["nn_distance_samples"] / max(
        metrics["nn_distance_heldout"], 1e-12
    )

    n = min(fake.shape[0], test.shape[0])
    if size >= MIN_RESOLUTION:
        metrics.update(swd(test[:n], fake[:n], seed=options.seed))
    else:
        metrics["swd_note"] = f"SWD needs images of at least {MIN_RESOLUTION} px."

    if inception is not None:
        metrics["fid"] = frechet_distance(
            inception_features(inception, test[:n], options.batch),
            inception_features(inception, fake[:n], options.batch),
        )
    else:
        metrics["fid"] = None
        metrics["fid_note"] = MISSING_WEIGHTS
        print(f"ganpaint-train: {MISSING_WEIGHTS}", file=sys.stderr)

    if size <= options.parzen_max_size:
        metrics.update(parzen(fake, val, test))
    else:
        metrics["parzen_note"] = (
            f"Parzen estimate skipped above {options.parzen_max_size} px "
            "(--parzen-max-size); it is meaningless for large images."
        )
    metrics["time_s"] = round(time.monotonic() - started, 3)
    atomic_write_bytes(out / "metrics.json", json.dumps(metrics, indent=2).encode())
    return metrics
