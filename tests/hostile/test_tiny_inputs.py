"""Hostile sizes for translation: photos of a pixel or a sliver, and tiles of a few pixels.

A photo smaller than a generator's smallest input is padded up to it (and the result cut
back to the photo's size); a --tile below the model's minimum is refused in one line; a
batch is checked photo by photo before the first output is written.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from test_destinations import (  # noqa: F401 (fixtures: _isolated, work)
    SKETCH,
    TRANSLATE,
    _isolated,
    assert_refused,
    picture,
    work,
)
from test_numbers import GANPAINT

from ganpaint import ranges
from ganpaint.edit.translate import minimum_side, translate
from ganpaint.imageio import load_image
from ganpaint.memory import MEMORY_ENV
from ganpaint.models import ResnetGenerator, UnetGenerator

SIZES = [(1, 1), (2, 300), (300, 2), (3, 3), (9, 9)]


@pytest.fixture
def folder(work: Path) -> Path:  # noqa: F811 (the fixture imported above)
    """test_destinations' folder with tiny photos (and sketches) of every hostile size."""
    for height, width in SIZES:
        picture(work / f"tiny-{height}x{width}.png", size=(height, width))
    return work


@pytest.mark.parametrize(("height", "width"), SIZES)
@pytest.mark.parametrize("command", [TRANSLATE, SKETCH], ids=["cyclegan", "pix2pix"])
def test_a_tiny_photo_translates_to_its_own_size(
    folder: Path, command: list[str], height: int, width: int
) -> None:
    argv = [command[0], f"tiny-{height}x{width}.png", *command[2:], "-o", "out.png"]
    assert GANPAINT([*argv, "--tile", "16"]) == 0
    assert load_image(folder / "out.png").size == (width, height)


@pytest.mark.parametrize("tile", ["1", "2", "3", "7", "0", "-1"])
def test_a_tile_of_a_few_pixels_is_refused(
    folder: Path, capsys: pytest.CaptureFixture[str], tile: str
) -> None:
    argv = [*TRANSLATE, "-o", "out.png", "--tile", tile]
    assert_refused(GANPAINT, argv, capsys, folder, "--tile", "16")


def test_a_tile_below_the_models_minimum_is_refused(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inside the option's range but below what the network runs on (ResNet: 8 px)."""
    monkeypatch.setitem(ranges.RANGES, "tile", ranges.Range(1, 4096))
    argv = [*TRANSLATE, "-o", "out.png", "--tile", "7"]
    assert_refused(GANPAINT, argv, capsys, folder, "--tile 7", "--tile 8")


def test_a_batch_of_tiny_photos_is_translated_whole(folder: Path) -> None:
    (folder / "photos").mkdir()
    for height, width in SIZES:
        (folder / f"tiny-{height}x{width}.png").rename(folder / "photos" / f"{height}x{width}.png")
    argv = ["translate", "photos", *TRANSLATE[2:], "-o", "out", "--tile", "16"]
    assert GANPAINT(argv) == 0
    for height, width in SIZES:
        assert load_image(folder / "out" / f"{height}x{width}.png").size == (width, height)


def test_a_batch_with_one_photo_over_the_limit_writes_nothing(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The photo that cannot be translated sorts last; the others are not written first."""
    (folder / "photos").mkdir()
    for name, size in (("a", (1, 1)), ("b", (2, 300)), ("z", (400, 400))):
        picture(folder / "photos" / f"{name}.png", size=size)
    monkeypatch.setenv(MEMORY_ENV, "0.001")  # 1 MiB: a 400² photo needs about 7 MiB
    argv = ["translate", "photos", *TRANSLATE[2:], "-o", "out"]
    assert_refused(GANPAINT, argv, capsys, folder, "z.png")


@pytest.mark.parametrize(("height", "width"), SIZES)
@pytest.mark.parametrize("tile", [1, 4, 8, None])
def test_translate_pads_any_photo_and_tile_to_the_networks_minimum(
    height: int, width: int, tile: int | None
) -> None:
    torch.manual_seed(0)
    photo = np.random.default_rng(0).integers(0, 255, (height, width, 3), dtype=np.uint8)
    for net in (ResnetGenerator(ngf=4, n_blocks=2), UnetGenerator(3, 3, num_downs=5, ngf=4)):
        result = translate(photo, net, tile=tile, amp=False)
        assert result.image.shape == photo.shape


def test_the_minimum_side_is_what_the_network_needs() -> None:
    assert minimum_side(ResnetGenerator(ngf=4, n_blocks=2)) == 8  # a 2×2 bottleneck
    assert minimum_side(UnetGenerator(3, 3, num_downs=5, ngf=4)) == 32  # its multiple


def test_a_one_pixel_photo_is_the_middle_of_its_padded_square() -> None:
    """Padding is cut away again: one pixel comes back as the net computes it on the
    8×8 square that reflect-padding makes of it (offset 3: half of the 7 added)."""
    torch.manual_seed(0)
    net = ResnetGenerator(ngf=4, n_blocks=2)
    pixel = np.array([[[200, 40, 90]]], np.uint8)
    square = np.broadcast_to(pixel, (8, 8, 3)).copy()
    one = translate(pixel, net, amp=False).image
    assert one.shape == (1, 1, 3)
    assert (one[0, 0] == translate(square, net, amp=False).image[3, 3]).all()
