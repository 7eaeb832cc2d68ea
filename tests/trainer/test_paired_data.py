"""Image-to-image data: reference layouts, load-and-crop preprocessing, aligned transforms."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ganpaint.errors import DatasetError
from ganpaint.landscapes import as_rgb, render_landscapes
from trainer.data.paired import (
    AlignedFolderDataset,
    UnalignedDataset,
    aligned_test_set,
    data_domains,
    default_load_size,
    open_aligned,
    open_unaligned,
    split_ab,
    squash,
    unaligned_test_set,
)
from trainer.data.stream import BatchStream
from trainer.data.zoom import ZoomedDataset
from trainer.synth import write_dataset

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def aligned_same(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A|B images whose halves carry the very same random pattern (40x40 each)."""
    root = tmp_path_factory.mktemp("aligned")
    (root / "train").mkdir()
    rng = np.random.default_rng(0)
    for index in range(6):
        half = rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)
        Image.fromarray(np.concatenate([half, half], axis=1)).save(root / "train" / f"{index}.png")
    return root


def test_load_size_keeps_the_reference_margin() -> None:
    assert default_load_size(256) == 286 and default_load_size(32) == 36
    assert default_load_size(128) == 143


def test_split_ab_cuts_at_half_the_width() -> None:
    rgb = np.zeros((4, 9, 3), np.uint8)
    rgb[:, 4:] = 255
    a, b = split_ab(rgb)
    assert a.shape == (4, 4, 3) and b.shape == (4, 5, 3) and a.max() == 0 and b.min() == 255


def test_aligned_halves_are_cropped_and_flipped_alike(aligned_same: Path) -> None:
    dataset = open_aligned(str(aligned_same), load=36, show_progress=False)
    assert isinstance(dataset, AlignedFolderDataset) and len(dataset) == 6
    a, b = dataset[0]
    assert a.shape == b.shape == (3, 36, 36) and torch.equal(a, b)
    one = torch.utils.data.Subset(dataset, [0])
    stream = BatchStream(one, batch=1, seed=3, device=CPU, crop=32, joint=True)
    batches = stream.iterate(0)
    windows = set()
    for _ in range(12):
        a, b = next(batches)
        assert a.shape == b.shape == (1, 3, 32, 32)
        assert torch.equal(a, b)  # the same window and the same mirror for both halves
        windows.add(a.numpy().tobytes())
    assert len(windows) > 6  # the window (and mirror) does change from step to step


def test_unaligned_halves_get_their_own_crops_and_flips(aligned_same: Path) -> None:
    dataset = open_aligned(str(aligned_same), load=36, show_progress=False)
    stream = BatchStream(dataset, batch=2, seed=3, device=CPU, crop=32, joint=False)
    batches = stream.iterate(0)
    differ = sum(not torch.equal(*next(batches)) for _ in range(6))
    assert differ >= 4  # 1/(25*25*2) chance each of the same window and mirror


@pytest.mark.parametrize("zoom", [1.0, 3.0])
def test_crop_and_flip_are_a_function_of_the_step(aligned_same: Path, zoom: float) -> None:
    dataset = open_aligned(str(aligned_same), load=36, show_progress=False, zoom=zoom)
    stream = BatchStream(dataset, batch=2, seed=5, device=CPU, crop=32, joint=True)
    straight = [next(it) for it in [stream.iterate(0)] for _ in range(5)]
    resumed = stream.iterate(3)
    for expected in straight[3:]:
        got = next(resumed)
        assert all(torch.equal(x, y) for x, y in zip(got, expected, strict=True))


def _tensor_domain(values: range) -> list[torch.Tensor]:
    return [torch.full((3, 4, 4), float(v)) for v in values]


def test_unaligned_pairs_every_a_with_a_random_b_per_epoch() -> None:
    dataset = UnalignedDataset(_tensor_domain(range(5)), _tensor_domain(range(100, 103)), seed=0)
    assert len(dataset) == 5
    epoch0 = [float(dataset[(0, i)][1][0, 0, 0]) for i in range(5)]
    epoch1 = [float(dataset[(1, i)][1][0, 0, 0]) for i in range(5)]
    assert epoch0 != epoch1 and set(epoch0 + epoch1) <= {100.0, 101.0, 102.0}
    assert epoch0 == [float(dataset[(0, i)][1][0, 0, 0]) for i in range(5)]  # deterministic
    stream = BatchStream(dataset, batch=1, seed=0, device=CPU, flip=False)
    seen = [float(next(it)[0][0, 0, 0, 0]) for it in [stream.iterate(0)] for _ in range(5)]
    assert sorted(seen) == [0, 1, 2, 3, 4]  # an epoch visits every A once


def test_reference_folders_and_synthetic_pairs(tmp_path: Path) -> None:
    write_dataset(tmp_path / "day2night", n=4, size=24, layout="unaligned", pair="day2night")
    train = open_unaligned(str(tmp_path / "day2night"), load=20, show_progress=False)
    assert len(train) == 4 and train[(0, 1)][0].shape == (3, 20, 20)
    test_a, test_b = unaligned_test_set(str(tmp_path / "day2night"), 16, n=8)  # type: ignore[misc]
    assert test_a.shape == test_b.shape == (1, 3, 16, 16)
    assert data_domains(str(tmp_path / "day2night")) == {"A": "day", "B": "night"}

    synthetic = open_unaligned("synthetic:landscapes:day2night", load=20, synthetic_n=3)
    a, b = synthetic[(0, 0)]
    assert a.shape == b.shape == (3, 20, 20)
    aligned = aligned_test_set("synthetic:landscapes:edges2photo", 16, n=2)
    assert aligned is not None and aligned[0].shape == (2, 3, 16, 16)
    assert data_domains("synthetic:landscapes:labels2photo") == {"A": "labels", "B": "photo"}


def test_missing_layouts_and_pairs_are_one_sentence_errors(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"no trainA/ folder.*--layout unaligned"):
        open_unaligned(str(tmp_path), load=36)
    with pytest.raises(DatasetError, match=r"no train/ folder.*--layout aligned"):
        open_aligned(str(tmp_path), load=36)
    with pytest.raises(DatasetError, match="names no image pair"):
        open_aligned("synthetic:landscapes", load=36)
    assert aligned_test_set(str(tmp_path), 32, 2) is None


# -- --zoom ---------------------------------------------------------------------------------
EDGES = "synthetic:landscapes:edges2photo"


def _window(rgb: np.ndarray, view: tuple[int, int, int], load: int) -> torch.Tensor:
    """What a zoomed item must be: the image at `view`'s side, cut at its window."""
    side, top, left = view
    assert rgb.shape[:2] == (side, side)
    return torch.from_numpy(rgb[top : top + load, left : left + load].copy()).permute(2, 0, 1)


def _as_uint8(image: torch.Tensor) -> torch.Tensor:
    return ((image + 1) * 127.5).round().to(torch.uint8)


def test_zoom_1_leaves_the_data_as_it_was(aligned_same: Path) -> None:
    for spec in (EDGES, str(aligned_same)):
        plain = open_aligned(spec, load=36, synthetic_n=3, show_progress=False)
        same = open_aligned(spec, load=36, synthetic_n=3, show_progress=False, zoom=1.0, seed=4)
        assert not isinstance(same, ZoomedDataset)
        for x, y in zip(plain[1], same[1], strict=True):
            assert torch.equal(x, y)
    plain_u = open_unaligned("synthetic:landscapes:day2night", load=20, synthetic_n=3, seed=2)
    same_u = open_unaligned("synthetic:landscapes:day2night", 20, 3, 2, zoom=1.0)
    assert not isinstance(same_u.a, ZoomedDataset) and not isinstance(same_u.b, ZoomedDataset)
    for x, y in zip(plain_u[(1, 2)], same_u[(1, 2)], strict=True):
        assert torch.equal(x, y)


def test_zoomed_synthetic_pairs_are_sharp_renders_at_the_drawn_scale() -> None:
    load = 24
    dataset = open_aligned(EDGES, load=load, synthetic_n=4, zoom=4.0, seed=1)
    assert isinstance(dataset, ZoomedDataset)
    views = {(epoch, index): dataset.view(epoch, index) for epoch in range(6) for index in range(4)}
    assert all(load <= side <= 4 * load for side, _, _ in views.values())
    assert len({side for side, _, _ in views.values()}) > 10  # new scales every epoch
    assert all(len({views[(e, i)] for e in range(6)}) > 1 for i in range(4))
    key = max(views, key=lambda k: views[k][0])  # the most magnified item
    assert views[key][0] >= 2 * load
    a, b = dataset[key]
    assert a.shape == b.shape == (3, load, load)
    again = dataset[key]
    assert torch.equal(a, again[0]) and torch.equal(b, again[1])  # a function of (epoch, index)
    seed = dataset.source.seeds_a[key[1]]
    scene = render_landscapes([seed], views[key][0], kinds=("sketch", "day"))
    # both halves: the very scene rendered at that side, cut at one window (aligned, sharp)
    assert torch.equal(_as_uint8(a), _window(as_rgb(scene, "sketch")[0], views[key], load))
    assert torch.equal(_as_uint8(b), _window(scene.day[0], views[key], load))
    unzoomed = open_aligned(EDGES, load=load, synthetic_n=4)[key[1]]
    assert not torch.equal(b, unzoomed[1])  # magnified content, not the load-size scene


def test_zoomed_folders_upsample_and_keep_their_shapes(aligned_same: Path, tmp_path: Path) -> None:
    dataset = open_aligned(str(aligned_same), load=36, show_progress=False, zoom=3.0)
    assert isinstance(dataset, ZoomedDataset) and len(dataset) == 6
    cached = dataset.source.pixels(2)
    for epoch in range(3):
        a, b = dataset[(epoch, 2)]
        assert a.shape == b.shape == (3, 36, 36) and torch.equal(a, b)  # one window for both
        view = dataset.view(epoch, 2)
        assert torch.equal(_as_uint8(a), _window(squash(cached[..., :3], view[0]), view, 36))

    write_dataset(tmp_path / "day2night", n=4, size=24, layout="unaligned", pair="day2night")
    train = open_unaligned(str(tmp_path / "day2night"), load=20, show_progress=False, zoom=2.0)
    a, b = train[(3, 1)]
    assert a.shape == b.shape == (3, 20, 20)
    views_a = [train.a.view(e, i) for e in range(3) for i in range(4)]
    assert views_a != [train.b.view(e, i) for e in range(3) for i in range(4)]  # independent
