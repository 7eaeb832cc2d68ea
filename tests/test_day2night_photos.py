"""The real-photo day -> night benchmark runs each model as the app does and scores
what can be said without a true night (no network: a fake photo cache)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from test_photo_bench import _load, _photo

from ganpaint.models.bundle import ModelBundle
from ganpaint.models.resnet import ResnetGenerator

sources = _load("photo_sources")
bench = _load("day2night_photos")


def _cache(root: Path) -> Path:
    """Two report-split landscapes and a tune-split one the benchmark must leave out."""
    (root / "photos" / "mate-backgrounds").mkdir(parents=True)
    entries = []
    for name, split in (("dune", "report"), ("storm", "report"), ("meadow", "tune")):
        file = f"photos/mate-backgrounds/{name}.png"
        cv2.imwrite(str(root / file), _photo(96, 128, seed=len(entries)))
        entries.append({
            "id": f"mate-backgrounds/{name}", "file": file, "package": "mate-backgrounds",
            "version": "1", "original": f"usr/{name}.jpg", "crop": None, "width": 128,
            "height": 96, "split": split, "license": "GPL-2+", "copyright": "someone",
        })  # fmt: skip
    manifest = {"setup_version": sources.SETUP_VERSION, "photos": entries}
    (root / "manifest.json").write_text(json.dumps(manifest))
    return root


def _cyclegan(path: Path, upsample: str) -> Path:
    torch.manual_seed(0)
    nets = {way: ResnetGenerator(ngf=4, n_blocks=1, upsample=upsample) for way in ("G_A", "G_B")}
    ModelBundle.create("cyclegan", nets, {"domains": {"A": "day", "B": "night"}}).save(path)
    return path


def test_each_model_and_the_filter_are_scored_side_by_side(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = _cache(tmp_path / "cache")
    model = _cyclegan(tmp_path / "resize.safetensors", "resize")
    baseline = _cyclegan(tmp_path / "transpose.safetensors", "transpose")
    grid, out = tmp_path / "grid.png", tmp_path / "out"
    argv = ["--model", str(model), "--baseline", str(baseline), "--cache", str(cache),
            "--grid", str(grid), "--out", str(out), "--threads", "1"]  # fmt: skip
    assert bench.main(argv) == 0
    printed = capsys.readouterr().out
    assert "on 2 real photos (report split" in printed
    rows = {
        match[0]: float(match[1])
        for match in re.findall(r"^\| (.+?) \| ([0-9.]+) \| [0-9.]+ \| [0-9.]+ \|$", printed, re.M)
    }
    assert set(rows) == {
        "transpose (bundled)", "resize (retrained)", "colour transfer to the night set"
    }  # fmt: skip
    # a transposed-convolution net draws its checkerboard from the start, a resize one not
    assert rows["transpose (bundled)"] > 1.5 > rows["resize (retrained)"], rows
    assert cv2.imread(str(grid)).shape[0] == 2 * bench.CELL + 4
    assert len(list(out.glob("*.png"))) == 6
    with pytest.raises(SystemExit):  # never over an earlier run's outputs
        bench.main(argv)
    assert len(list(out.glob("*.png"))) == 6


def test_brightness_is_the_mean_grey_level() -> None:
    image = np.zeros((4, 4, 3), np.uint8)
    image[..., 1] = 100
    assert bench.brightness(image) == pytest.approx(58.7)


@pytest.mark.parametrize("flag", ["--max-side", "--photos", "--threads"])
def test_a_nonsense_count_is_a_usage_error(flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        bench.main(["--model", "m.safetensors", flag, "-1"])
    assert exit_.value.code == 2
    assert f"{flag} must be at least" in capsys.readouterr().err
