"""Image folders as training data: recursive, corrupt files skipped and counted, clear errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from ganpaint.errors import DatasetError
from trainer.cli import main
from trainer.data.folder import ImageFolderDataset, resize_crop
from trainer.data.stream import BatchStream, ResumableSampler


def test_corrupt_images_are_skipped_and_counted(image_folder: Path, tmp_path: Path, capsys) -> None:
    folder = tmp_path / "data"
    shutil.copytree(image_folder, folder)
    (folder / "junk.png").write_bytes(b"not a png at all")
    good = (folder / "01.png").read_bytes()
    (folder / "sub" / "torn.png").write_bytes(good[: len(good) // 2])
    dataset = ImageFolderDataset(folder, 16)
    assert dataset.report.found == 26 and dataset.report.usable == 24
    assert len(dataset) == 24 and len(dataset.report.skipped) == 2
    assert "skipped 2 unreadable image(s) of 26" in capsys.readouterr().err
    image = dataset[0]
    assert image.shape == (3, 16, 16) and image.min() >= -1 and image.max() <= 1


def test_an_empty_folder_is_one_line_and_exit_2(tmp_path: Path, capsys) -> None:
    (tmp_path / "empty").mkdir()
    args = ["gan", "--data", str(tmp_path / "empty"), "--out", str(tmp_path / "run"),
            "--size", "32", "--device", "cpu", "--workers", "0"]  # fmt: skip
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "No images found" in err and "empty" in err
    with pytest.raises(DatasetError):
        ImageFolderDataset(tmp_path / "empty", 32)


def test_resize_crop_keeps_the_centre() -> None:
    wide = np.zeros((20, 60, 3), np.uint8)
    wide[:, 20:40] = 255
    out = resize_crop(wide, 10)
    assert out.shape == (10, 10, 3) and out.min() > 200


def test_the_sampler_shards_ranks_and_resumes_mid_epoch() -> None:
    ranks = [list(ResumableSampler(10, seed=1, rank=r, world_size=2)) for r in (0, 1)]
    assert not set(ranks[0]) & set(ranks[1]) and len(ranks[0]) == len(ranks[1]) == 5
    sampler = ResumableSampler(10, seed=1)
    full = list(sampler)
    sampler.set_position(0, 4)
    assert list(sampler) == full[4:]


def test_the_batch_stream_is_a_function_of_the_step() -> None:
    data = torch.arange(40, dtype=torch.float32).view(10, 1, 2, 2).repeat(1, 3, 1, 1)
    dataset = torch.utils.data.TensorDataset(data)

    def stream() -> BatchStream:
        return BatchStream(dataset, batch=3, seed=5, device=torch.device("cpu"))

    whole = stream().iterate(0)
    batches = [next(whole)[0] for _ in range(7)]
    resumed = stream().iterate(4)
    for expected in batches[4:]:
        assert torch.equal(next(resumed)[0], expected)
