"""Writing the landscapes as data sets (folder, CycleGAN, pix2pix) and reading them on the fly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ganpaint.errors import DatasetError
from ganpaint.labels import colorize_labels
from ganpaint.landscapes import HELD_OUT_SEED_START, PAIRS, render_landscapes, seed_range
from trainer.data.dataset import LandscapeDataset
from trainer.synth import LAYOUTS, SyntheticSpec, parse_synthetic_spec, write_dataset


def _read(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        assert image.mode == "RGB"
        return np.asarray(image)


def _pngs(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_folder_layout_writes_n_photos(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    summary = write_dataset(
        tmp_path / "ds", n=5, size=32, progress=lambda d, t: calls.append((d, t))
    )
    assert summary["counts"] == {"train": 5}
    assert _pngs(tmp_path / "ds") == [f"{i:08d}.png" for i in range(5)]
    expected = render_landscapes(seed_range("train", 5, 0), 32, kinds=("day",)).day
    for i in range(5):
        np.testing.assert_array_equal(_read(tmp_path / "ds" / f"{i:08d}.png"), expected[i])
    assert calls[-1] == (5, 5)
    # writing the same data set again is fine; other files in the folder are not
    write_dataset(tmp_path / "ds", n=5, size=32)
    (tmp_path / "ds" / "notes.txt").write_text("mine")
    with pytest.raises(DatasetError, match=r"notes\.txt"):
        write_dataset(tmp_path / "ds", n=5, size=32)


def test_unaligned_layout_draws_a_and_b_from_different_scenes(tmp_path: Path) -> None:
    summary = write_dataset(tmp_path, n=12, size=24, seed=7, layout="unaligned", pair="day2night")
    assert summary["counts"] == {"trainA": 12, "trainB": 12, "testA": 1, "testB": 1}
    for folder, count in summary["counts"].items():
        names = _pngs(tmp_path / folder)
        assert len(names) == count
        assert _read(tmp_path / folder / names[0]).shape == (24, 24, 3)
    seeds = seed_range("train", 24, 7)
    rendered = render_landscapes(seeds[[0, 12]], 24, kinds=("day", "night"))
    np.testing.assert_array_equal(_read(tmp_path / "trainA/00000000.png"), rendered.day[0])
    np.testing.assert_array_equal(_read(tmp_path / "trainB/00000000.png"), rendered.night[1])
    test_seeds = seed_range("test", 2, 7)
    assert test_seeds.min() >= HELD_OUT_SEED_START
    held_out = render_landscapes(test_seeds, 24, kinds=("day", "night"))
    np.testing.assert_array_equal(_read(tmp_path / "testA/00000000.png"), held_out.day[0])
    np.testing.assert_array_equal(_read(tmp_path / "testB/00000000.png"), held_out.night[1])


@pytest.mark.parametrize("pair", sorted(PAIRS))
def test_aligned_layout_puts_a_and_b_of_one_scene_side_by_side(tmp_path: Path, pair: str) -> None:
    summary = write_dataset(tmp_path, n=20, size=16, layout="aligned", pair=pair)
    assert summary["counts"] == {"train": 20, "val": 2, "test": 2}
    image = _read(tmp_path / "val" / "00000001.png")
    assert image.shape == (16, 32, 3)
    batch = render_landscapes(seed_range("val", 2, 0)[1:], 16)
    kind_a, kind_b, _ = PAIRS[pair]
    views = {
        "day": batch.day[0],
        "night": batch.night[0],
        "sketch": batch.sketch[0],
        "labels": colorize_labels(batch.labels[0]),
        "scene": batch.scene[0],
    }
    np.testing.assert_array_equal(image[:, :16], views[kind_a])
    np.testing.assert_array_equal(image[:, 16:], views[kind_b])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"layout": "mosaic"}, "aligned, folder, unaligned|folder, unaligned, aligned"),
        ({"layout": "aligned"}, "needs a pair"),
        ({"layout": "unaligned", "pair": "cats2dogs"}, "day2night"),
        ({"layout": "folder", "pair": "day2night"}, "photos only"),
        ({"n": 0}, "positive"),
        ({"size": 4}, "at least"),
    ],
)
def test_bad_requests_are_dataset_errors(tmp_path: Path, kwargs: dict, match: str) -> None:
    args = {"n": 3, "size": 16, **kwargs}
    with pytest.raises(DatasetError, match=match):
        write_dataset(tmp_path / "out", **args)
    assert not (tmp_path / "out").exists()


def test_layouts_and_pairs_are_listed() -> None:
    assert set(LAYOUTS) == {"folder", "unaligned", "aligned"}
    assert set(PAIRS) == {
        "day2night", "edges2photo", "edges2scene", "labels2photo", "labels2scene",
    }  # fmt: skip


def test_synthetic_specs_parse() -> None:
    assert parse_synthetic_spec("synthetic:landscapes") == ("landscapes", None)
    spec = parse_synthetic_spec("synthetic:landscapes:day2night")
    assert spec == SyntheticSpec("landscapes", "day2night") and spec.pair == "day2night"
    for bad in (
        "landscapes",
        "synthetic:faces",
        "synthetic:landscapes:x2y",
        "synthetic:landscapes:a:b",
    ):
        with pytest.raises(DatasetError):
            parse_synthetic_spec(bad)


def test_the_dataset_renders_deterministic_items_on_demand() -> None:
    data = LandscapeDataset(10, 32, seed=3)
    assert len(data) == 10
    item = data[4]
    assert item.shape == (3, 32, 32) and item.dtype == torch.float32
    assert -1.0 <= item.min() < item.max() <= 1.0
    torch.testing.assert_close(item, LandscapeDataset(10, 32, seed=3)[4])
    expected = render_landscapes(seed_range("train", 10, 3)[4:5], 32, kinds=("day",)).day[0]
    torch.testing.assert_close(item, torch.from_numpy(expected).permute(2, 0, 1) / 127.5 - 1.0)
    batch = data.__getitems__([4, 0, -1])
    torch.testing.assert_close(batch[0], item)
    torch.testing.assert_close(batch[2], data[9])
    with pytest.raises(IndexError):
        data[10]
    assert LandscapeDataset(5, 16, split="test").seeds_a.min() >= HELD_OUT_SEED_START


def test_the_dataset_gives_pairs_for_the_data_loader() -> None:
    aligned = LandscapeDataset(8, 16, pair="labels2photo")
    a, b = aligned[2]
    assert a.shape == b.shape == (3, 16, 16)
    loader = torch.utils.data.DataLoader(aligned, batch_size=4)
    first = next(iter(loader))
    assert [t.shape for t in first] == [(4, 3, 16, 16), (4, 3, 16, 16)]
    torch.testing.assert_close(first[0][2], a)
    unaligned = LandscapeDataset(8, 16, pair="day2night", aligned=False)
    _, night = unaligned[0]
    same_scene_night = LandscapeDataset(8, 16, pair="day2night")[0][1]
    assert not torch.equal(night, same_scene_night)
    with pytest.raises(DatasetError):
        LandscapeDataset(8, 16, pair="x2y")
    with pytest.raises(DatasetError):
        LandscapeDataset(0, 16)
