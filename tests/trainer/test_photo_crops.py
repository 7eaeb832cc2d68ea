"""Random crops of a few large photos (`--crops`): what a photo-GAN run relies on —
each view is a real square of one photo, the same for a seed, new every epoch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganpaint.errors import DatasetError
from trainer.data.crops import PhotoCrops, parse_crops


def _coordinates_photo(folder: Path) -> None:
    """R = column, G = row: any crop shows where it came from."""
    y, x = np.mgrid[0:200, 0:256]
    rgb = np.stack([x, y, np.zeros_like(x)], axis=2).astype(np.uint8)
    Image.fromarray(rgb).save(folder / "grid.png")


def test_a_view_is_a_square_of_the_photo_flipped_or_not(tmp_path: Path) -> None:
    _coordinates_photo(tmp_path)
    crops = PhotoCrops(tmp_path, size=50, crops=(0.25, 0.25), seed=3)  # 50 px: no resize
    flips = 0
    for index in range(40):
        view = crops.view(epoch=index % 3, index=index).astype(int)
        columns, rows = view[0, :, 0], view[:, 0, 1]
        assert np.array_equal(rows, np.arange(rows[0], rows[0] + 50))
        step = 1 if columns[1] > columns[0] else -1
        flips += step == -1
        assert np.array_equal(columns, columns[0] + step * np.arange(50))
        assert min(columns) >= 0 and max(columns) <= 255 and max(rows) <= 199
    assert 5 < flips < 35  # about half the views are mirrored


def test_views_repeat_for_a_seed_and_change_with_the_epoch(tmp_path: Path) -> None:
    _coordinates_photo(tmp_path)
    a = PhotoCrops(tmp_path, size=32, seed=1)
    b = PhotoCrops(tmp_path, size=32, seed=1)
    assert np.array_equal(a.view(2, 7), b.view(2, 7))
    assert not np.array_equal(a.view(2, 7), a.view(3, 7))
    assert not np.array_equal(a.view(2, 7), PhotoCrops(tmp_path, size=32, seed=2).view(2, 7))
    tensor = a[(2, 7)]
    assert tuple(tensor.shape) == (3, 32, 32) and -1 <= float(tensor.min()) <= 1
    assert len(a) == 256  # views per photo and epoch


def test_photos_are_seen_in_proportion_to_their_area(tmp_path: Path) -> None:
    Image.fromarray(np.zeros((100, 100, 3), np.uint8)).save(tmp_path / "small.png")
    Image.fromarray(np.full((200, 400, 3), 255, np.uint8)).save(tmp_path / "large.png")
    crops = PhotoCrops(tmp_path, size=8, seed=0)
    large = sum(int(crops.view(0, i)[0, 0, 0]) == 255 for i in range(len(crops)))
    assert 0.83 < large / len(crops) < 0.95  # 8 parts in 9 of the pixels


def test_a_stamp_is_composited_on_a_background(tmp_path: Path) -> None:
    rgba = np.zeros((120, 120, 4), np.uint8)
    rgba[40:80, 40:80] = (200, 30, 30, 255)
    Image.fromarray(rgba, "RGBA").save(tmp_path / "stamp.png")
    crops = PhotoCrops(tmp_path, size=24, crops=(1.0, 1.0), seed=0)
    first, second = crops.view(0, 0), crops.view(0, 1)
    assert first.shape == (24, 24, 3)
    assert tuple(first[12, 12]) == (200, 30, 30)  # the stamp itself
    assert not np.array_equal(first[0, 0], second[0, 0])  # backgrounds vary


def test_bad_crop_ranges_and_empty_folders_are_one_sentence(tmp_path: Path) -> None:
    assert parse_crops("0.125,1.0") == (0.125, 1.0)
    for text in ("0,1", "0.5,0.25", "1,2", "nan,1", "a,b", "0.5"):
        with pytest.raises(ValueError, match="--crops"):
            parse_crops(text)
    with pytest.raises(DatasetError, match="No readable images"):
        PhotoCrops(tmp_path, size=32)
