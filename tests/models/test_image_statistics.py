"""pix2pix BatchNorm run as its authors run it: each image normalised by its own statistics.

A pix2pix generator trained one image per batch is loaded so that its BatchNorm uses
the statistics of the image at hand (the reference's default test mode), not running
averages that describe no image. Files trained with bigger batches keep their running
statistics; the file format does not change either way.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from ganpaint.edit.translate import translate
from ganpaint.models import ModelBundle, NLayerDiscriminator, UnetGenerator, load
from ganpaint.models.norm import ImageStatisticsBatchNorm2d, use_image_statistics


def trained_unet(seed: int = 0) -> UnetGenerator:
    torch.manual_seed(seed)
    net = UnetGenerator(3, 3, 5, ngf=4, norm="batch")
    for module in net.modules():  # running stats as after training, far from any image's
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-2.0, 2.0)
            module.running_var.uniform_(4.0, 9.0)
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.uniform_(-0.3, 0.3)
    outermost = net.model.model[3]  # the last up-convolution: a visible picture, not grey
    outermost.weight.data.mul_(40.0)
    return net.eval()


def pix2pix_file(tmp_path: Path, batch: int | None) -> tuple[UnetGenerator, Path]:
    net = trained_unet()
    meta: dict = {"name": "tiny", "resolution": 32, "domains": {"A": "edges", "B": "photo"}}
    if batch is not None:
        meta["training"] = {"config": {"batch": batch}}
    nets = {"G": net, "D": NLayerDiscriminator(6, 4, 2, "batch")}
    return net, ModelBundle.create("pix2pix", nets, meta).save(tmp_path / "tiny.safetensors")


def images(n: int = 2, side: int = 32) -> torch.Tensor:
    torch.manual_seed(5)
    return torch.rand(n, 3, side, side) * 2 - 1


def test_the_layer_is_instance_norm_with_batchnorms_scale_and_shift() -> None:
    layer = nn.BatchNorm2d(6)
    layer.weight.data.uniform_(0.5, 1.5)
    layer.bias.data.uniform_(-1, 1)
    layer.running_mean.fill_(3.0)
    layer.eval()
    x = torch.randn(3, 6, 8, 8) * 4 + 2
    assert use_image_statistics(layer) == 1 and isinstance(layer, ImageStatisticsBatchNorm2d)
    expected = F.instance_norm(x, eps=layer.eps) * layer.weight.view(1, -1, 1, 1)
    expected = expected + layer.bias.view(1, -1, 1, 1)
    assert torch.allclose(layer(x), expected, atol=1e-5)
    # Each image on its own: a batch gives what its images give one by one.
    assert torch.allclose(layer(x), torch.cat([layer(x[i : i + 1]) for i in range(3)]), atol=1e-6)


@pytest.mark.parametrize("batch", [1, None], ids=["batch-1", "reference-file"])
def test_one_image_per_batch_normalises_each_image_by_itself(tmp_path: Path, batch) -> None:
    net, path = pix2pix_file(tmp_path, batch)
    loaded = load(path).translator()
    x = images()
    converted = trained_unet()
    assert use_image_statistics(converted) == 7  # every BatchNorm of the 5-level U-Net
    with torch.no_grad():
        assert torch.allclose(loaded(x), converted(x), atol=1e-5)
        assert not torch.allclose(loaded(x), net(x), atol=1e-3)  # running stats unused
        # Deterministic (dropout stays off) and independent of the other images in a batch.
        assert torch.equal(loaded(x), loaded(x))
        assert torch.allclose(loaded(x[:1]), loaded(x)[:1], atol=1e-5)


def test_bigger_training_batches_keep_the_running_statistics(tmp_path: Path) -> None:
    net, path = pix2pix_file(tmp_path, batch=8)
    loaded = load(path).translator()
    assert not any(isinstance(m, ImageStatisticsBatchNorm2d) for m in loaded.modules())
    with torch.no_grad():
        assert torch.equal(loaded(images()), net(images()))


def test_a_loaded_file_saves_back_unchanged(tmp_path: Path) -> None:
    _, path = pix2pix_file(tmp_path, batch=1)
    bundle = load(path)
    again = bundle.save(tmp_path / "again.safetensors")
    before = load(path).nets["G"].state_dict()
    after = load(again).nets["G"].state_dict()
    assert before.keys() == after.keys()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert "model.model.1.running_mean" not in before  # outermost down conv has no norm
    assert any(k.endswith("running_var") for k in before)


def test_tiles_share_one_set_of_statistics(tmp_path: Path) -> None:
    """Tiled, the layers take the thumbnail's statistics as instance norm does, so the
    tiles do not each get their own tone (a patchwork); random weights, so the bound
    is what they honestly give (patchiness 1.59 against 1.93 per tile)."""
    _, path = pix2pix_file(tmp_path, batch=1)
    net = load(path).translator()
    rng = np.random.default_rng(0)
    coarse = rng.integers(0, 256, (8, 8, 3), np.uint8)
    photo = np.kron(coarse, np.ones((16, 16, 1), np.uint8))
    whole = translate(photo, net, tile=None).image.astype(np.float32)
    tiled = translate(photo, net, tile=64, overlap=16)
    per_tile = translate(photo, net, tile=64, overlap=16, norm_stats="tile").image

    def patchiness(image: np.ndarray) -> float:
        low = cv2.GaussianBlur(image.astype(np.float32) - whole, (0, 0), 8)
        return float(low.reshape(-1, 3).std(axis=0).mean())

    assert tiled.tiles == 9
    # Without the layers in the thumbnail pass both ways would give the same picture.
    assert np.abs(tiled.image.astype(np.float32) - per_tile).mean() > 1.0
    # A U-Net sees all of a tile, so a tile still differs from the whole picture there.
    assert patchiness(tiled.image) < 0.9 * patchiness(per_tile)
