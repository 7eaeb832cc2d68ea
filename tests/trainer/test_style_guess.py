"""`ganpaint-train style-guess`: a SPADE model learns to guess the light from the map,
its generator and encoder untouched; bad input is refused and nothing is overwritten."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from test_pix2pix import _exit_status
from test_spade_train import _spade

from ganpaint.labels import LABEL_NAMES, SUN, WATER
from ganpaint.models import load as load_model
from ganpaint.models.bundle import ModelBundle
from ganpaint.models.spade import SpadeGenerator
from trainer.cli import main
from trainer.rundir import RunDir
from trainer.style_guess import fit_style_guess, style_pairs


@pytest.fixture(scope="module")
def spade_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "spade"
    assert main(_spade(out, "--iters", "2", "--test-every", "1000")) == 0
    return RunDir(out).model


def test_the_guess_is_added_and_g_and_e_stay_as_trained(
    spade_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = spade_model.read_bytes()
    out = tmp_path / "guessing.safetensors"
    args = ["style-guess", str(spade_model), "-o", str(out), "--scenes", "20", "--steps", "5"]
    assert main(args) == 0
    assert "mean squared error" in capsys.readouterr().out
    assert spade_model.read_bytes() == before
    source, guessing = load_model(spade_model), load_model(out)
    assert set(guessing.nets) == {*source.nets, "S"}
    for prefix in source.nets:
        trained, kept = source.nets[prefix].state_dict(), guessing.nets[prefix].state_dict()
        assert all(torch.equal(trained[k], kept[k]) for k in trained)


def test_the_guess_learns_a_light_that_the_layout_tells(spade_model: Path) -> None:
    """Codes that follow the map (how high the sun stands, how much is water), as a dusk
    follows a low sun: held-out scenes are guessed far better than by the codes' mean."""
    ids, photos = style_pairs("synthetic:landscapes", 200, 32)
    assert photos.shape == (200, 3, 32, 32) and ids.shape == (200, 32, 32)
    rows = torch.arange(32.0)[None, :, None].expand_as(ids)
    sun = ids == SUN
    sun_row = (rows * sun).sum((1, 2)) / sun.sum((1, 2)).clamp(min=1) / 32
    water = (ids == WATER).float().mean((1, 2))
    codes = torch.stack([sun_row, water, sun_row - water], 1) * 2
    fit = fit_style_guess(ids, codes, classes=len(LABEL_NAMES), steps=300, batch=32)
    assert fit.held_out == 20 and fit.net.config["style_dim"] == 3
    assert fit.held_out_error < 0.5 * fit.mean_code_error, fit


def test_a_model_without_a_style_encoder_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "nostyle.safetensors"
    G = SpadeGenerator(ngf=4, n_up=3, style_dim=0, spade_hidden=8)
    ModelBundle.create("spade", {"G": G}, {"name": "nostyle"}).save(model)
    out = tmp_path / "out.safetensors"
    assert main(["style-guess", str(model), "-o", str(out), "--steps", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "has no style encoder" in err[0], err
    assert not out.exists()


def test_the_model_is_never_written_over(
    spade_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = spade_model.read_bytes()
    assert main(["style-guess", str(spade_model), "-o", str(spade_model), "--steps", "1"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert spade_model.read_bytes() == before


@pytest.mark.parametrize("scenes", ["1", "10001"])
def test_a_scene_count_that_cannot_split_or_would_fill_memory_is_refused(
    spade_model: Path, tmp_path: Path, scenes: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.safetensors"
    args = ["style-guess", str(spade_model), "-o", str(out), "--scenes", scenes]
    assert _exit_status(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--scenes" in err[0] and "from 2 to 10000" in err[0], err
    assert not out.exists()
