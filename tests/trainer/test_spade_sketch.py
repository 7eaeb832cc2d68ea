"""`ganpaint-train spade` on line sketches (`--data synthetic:landscapes:edges2photo` or a
folder with `--input-map sketch`): G reads one channel of ink, the file says so, and the
style guess learns from sketches too."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from test_spade_train import _spade

from ganpaint.edit.semantic import image_from_sketch, reads_sketches
from ganpaint.models import load as load_model
from trainer.cli import main
from trainer.rundir import RunDir
from trainer.spade import sketch_ink
from trainer.style_guess import fit_style_guess, style_pairs

SKETCHES = "synthetic:landscapes:edges2photo"


@pytest.fixture(scope="module")
def sketch_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "edges"
    assert main(_spade(out, "--iters", "3", "--test-every", "3", data=SKETCHES)) == 0
    return out


def test_ink_is_one_on_a_black_line_and_zero_on_white_paper() -> None:
    page = torch.ones(1, 3, 4, 4)
    page[:, :, 1] = -1  # a black line
    ink = sketch_ink(page)
    assert ink.shape == (1, 1, 4, 4)
    assert torch.equal(ink[0, 0, 1], torch.ones(4)) and not ink[0, 0, [0, 2, 3]].any()


def test_a_sketch_run_exports_a_model_that_reads_one_channel_of_ink(sketch_model: Path) -> None:
    bundle = load_model(RunDir(sketch_model).model)
    assert reads_sketches(bundle.meta) and bundle.meta["domains"] == {"A": "sketch", "B": "photo"}
    assert "classes" not in bundle.meta and set(bundle.nets) == {"G", "D", "E"}
    assert bundle.meta["lights"] == ["day", "dusk"]  # edges2photo's photos: no night
    assert bundle.nets["G"].config["label_nc"] == 1
    assert bundle.nets["D"].config["input_nc"] == 4  # ink + photo
    sketch = np.full((32, 48, 3), 255, np.uint8)
    sketch[12] = 0
    assert image_from_sketch(bundle, sketch).image.shape == (32, 48, 3)
    tests = sorted((sketch_model / "test").rglob("*.png"))
    assert tests, "a sketch run writes its held-out outputs like a labels run"


def test_sketches_of_scenes_day_to_night_give_a_model_that_knows_the_night(
    tmp_path: Path,
) -> None:
    """edges2scene: the sketches of scenes rendered by day, at dusk or at night, so the
    style picker's Night is one the model has learned."""
    out = tmp_path / "scenes"
    args = ["--iters", "2", "--test-every", "2"]
    assert main(_spade(out, *args, data="synthetic:landscapes:edges2scene")) == 0
    meta = load_model(RunDir(out).model).meta
    assert reads_sketches(meta) and meta["lights"] == ["day", "dusk", "night"]


def test_folder_sketches_train_with_input_map_sketch(tmp_path: Path) -> None:
    from trainer.synth import write_dataset

    write_dataset(tmp_path / "pairs", n=3, size=40, layout="aligned", pair="edges2photo")
    out = tmp_path / "run"
    args = ["--iters", "2", "--input-map", "sketch", "--test-every", "2"]
    assert main(_spade(out, *args, data=str(tmp_path / "pairs"))) == 0
    assert reads_sketches(load_model(RunDir(out).model).meta)


def test_the_guess_learns_a_light_that_the_sketch_tells() -> None:
    """Codes that follow the sketch (how much ink in the top and the bottom half) are
    guessed far better than by the codes' mean on held-out scenes."""
    ink, photos = style_pairs("synthetic:landscapes", 200, 32, "sketch")
    assert ink.shape == (200, 1, 32, 32) and photos.shape == (200, 3, 32, 32)
    assert float(ink.min()) >= 0 and float(ink.max()) <= 1 and ink.mean() < 0.5
    top, bottom = ink[:, 0, :16].mean((1, 2)), ink[:, 0, 16:].mean((1, 2))
    codes = torch.stack([top, bottom, top - bottom], 1) * 10
    fit = fit_style_guess(ink, codes, classes=1, steps=300, batch=32)
    assert fit.net.config["label_nc"] == 1
    assert fit.held_out_error < 0.5 * fit.mean_code_error, fit


def test_style_guess_adds_s_to_a_sketch_model(sketch_model: Path, tmp_path: Path) -> None:
    out = tmp_path / "guessing.safetensors"
    args = ["style-guess", str(RunDir(sketch_model).model), "-o", str(out), "--scenes", "20",
            "--steps", "3"]  # fmt: skip
    assert main(args) == 0
    guessing = load_model(out)
    assert "S" in guessing.nets and guessing.nets["S"].config["label_nc"] == 1
