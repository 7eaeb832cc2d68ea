"""export, status, encoder and eval on a tiny trained GAN."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from ganpaint.models.bundle import load as load_model
from ganpaint.models.bundle import read_header
from ganpaint.models.knowledge import what_it_knows
from trainer.cli import main
from trainer.metrics.fid import frechet_distance
from trainer.metrics.swd import swd
from trainer.rundir import RunDir


@pytest.fixture(scope="module")
def gan_run(image_folder: Path, tiny: list[str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "gan"
    assert main(["gan", "--data", str(image_folder), "--out", str(out), *tiny, "--iters", "4"]) == 0
    return out


def test_export_writes_the_bundle_of_the_last_checkpoint(gan_run: Path, tmp_path: Path) -> None:
    target = tmp_path / "model.safetensors"
    assert main(["export", str(gan_run), "-o", str(target)]) == 0
    bundle = load_model(target)
    assert bundle.kind == "gan" and bundle.meta["training"]["steps"] == 4
    assert bundle.meta["training"]["config"]["ngf"] == 8
    exported = dict(bundle.nets["G"].state_dict())
    auto = load_model(RunDir(gan_run).model).nets["G"].state_dict()
    assert all(torch.equal(v, auto[k]) for k, v in exported.items())


def test_export_says_what_the_model_knows(gan_run: Path, tmp_path: Path) -> None:
    target = tmp_path / "model.safetensors"
    knows = ["--knows", "real photos:  nature,\n stamps"]
    assert main(["export", str(gan_run), "-o", str(target), *knows]) == 0
    assert what_it_knows(read_header(target)[0]) == "real photos: nature, stamps"


@pytest.mark.parametrize("knows", ["", "   ", "x" * 121])
def test_export_refuses_an_empty_or_long_knows(
    gan_run: Path, tmp_path: Path, knows: str, capsys
) -> None:
    target = tmp_path / "model.safetensors"
    assert main(["export", str(gan_run), "-o", str(target), "--knows", knows]) == 2
    assert "--knows takes a few words" in capsys.readouterr().err
    assert not target.exists()


def test_export_names_the_model_and_keeps_what_it_was_trained_as(
    gan_run: Path, tmp_path: Path
) -> None:
    """A retrain exported under the name of the bundled model it replaces."""
    target = tmp_path / "model.safetensors"
    assert main(["export", str(gan_run), "-o", str(target), "--name", "landscapes-v2"]) == 0
    meta = load_model(target).meta
    assert meta["name"] == meta["training"]["config"]["name"] == "landscapes-v2"
    assert meta["training"]["trained_as"] == load_model(RunDir(gan_run).model).meta["name"]


@pytest.mark.parametrize("name", ["", "a b", "../up", "x" * 201])
def test_export_refuses_a_name_no_model_file_can_have(
    gan_run: Path, tmp_path: Path, name: str, capsys
) -> None:
    target = tmp_path / "model.safetensors"
    assert main(["export", str(gan_run), "-o", str(target), "--name", name]) == 2
    err = capsys.readouterr().err
    assert "is not a usable model name" in err and err.count("\n") == 1
    assert not target.exists()


def test_export_without_d_keeps_the_generator_and_drops_the_discriminator(
    gan_run: Path, tmp_path: Path
) -> None:
    """A bundled model need not carry D; G is the trained one, bit for bit."""
    full, slim = tmp_path / "full.safetensors", tmp_path / "slim.safetensors"
    assert main(["export", str(gan_run), "-o", str(full)]) == 0
    assert main(["export", str(gan_run), "-o", str(slim), "--without", "D"]) == 0
    bundle = load_model(slim)
    assert set(bundle.nets) == {"G"} and set(bundle.meta["nets"]) == {"G"}
    kept, trained = bundle.nets["G"].state_dict(), load_model(full).nets["G"].state_dict()
    assert all(torch.equal(v, trained[k]) for k, v in kept.items())
    assert slim.stat().st_size < full.stat().st_size


@pytest.mark.parametrize(("without", "says"), [("G", "cannot be written without G"),
                                                ("D,X", "not X"), (",", "not ','")])  # fmt: skip
def test_export_refuses_to_leave_out_the_generator_or_an_unknown_net(
    gan_run: Path, tmp_path: Path, without: str, says: str, capsys
) -> None:
    target = tmp_path / "model.safetensors"
    assert main(["export", str(gan_run), "-o", str(target), "--without", without]) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1, err
    assert not target.exists()


def test_status_reports_step_losses_and_checkpoint(gan_run: Path, capsys) -> None:
    assert main(["status", str(gan_run)]) == 0
    out = capsys.readouterr().out
    assert "step 4 / 4" in out and "loss_D" in out and "step-00000004.pt" in out


def test_status_of_a_non_run_is_a_user_error(tmp_path: Path, capsys) -> None:
    assert main(["status", str(tmp_path)]) == 2
    assert "not a run folder" in capsys.readouterr().err


def test_encoder_trains_and_exports_g_d_and_e(
    gan_run: Path, image_folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "enc"
    args = ["encoder", "--model", str(gan_run), "--out", str(out), "--iters", "4",
            "--batch", "8", "--workers", "0", "--device", "cpu", "--no-tensorboard",
            "--log-every", "1"]  # fmt: skip
    assert main(args) == 0
    records = [json.loads(line) for line in RunDir(out).scalars.read_text().splitlines()]
    assert "z_loss" in records[0] and "z_loss" not in records[-1]  # G's samples, then real
    bundle = load_model(RunDir(out).model)
    assert set(bundle.nets) == {"G", "D", "E"}
    assert bundle.meta["training"]["encoder"]["steps"] == 4
    assert bundle.meta["training"]["steps"] == 4  # the GAN's own steps
    z = bundle.nets["E"](torch.zeros(2, 3, 32, 32))
    assert z.shape == (2, 16) and z.abs().max() <= 1


def test_eval_writes_metrics_and_pictures(gan_run: Path, tmp_path: Path, capsys) -> None:
    report = tmp_path / "report"
    assert main(["eval", str(gan_run), "-o", str(report), "-n", "16", "--device", "cpu"]) == 0
    metrics = json.loads((report / "metrics.json").read_text())
    for name in ("samples.png", "interpolation.png", "nearest.png"):
        assert (report / name).stat().st_size > 0
    assert metrics["fid"] is None and "--inception-weights" in metrics["fid_note"]
    assert "--inception-weights" in capsys.readouterr().err
    assert {"swd_32px", "swd_16px", "swd_avg", "parzen_log_likelihood", "nn_ratio"} <= set(metrics)


def test_eval_with_bad_inception_weights_is_one_line(gan_run: Path, tmp_path: Path, capsys) -> None:
    bogus = tmp_path / "inception.pth"
    torch.save({"fc.weight": torch.zeros(2, 2)}, bogus)
    args = ["eval", str(gan_run), "-o", str(tmp_path / "r"), "-n", "8", "--device", "cpu",
            "--inception-weights", str(bogus)]  # fmt: skip
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "not a torchvision inception_v3 state dict" in err


def test_metrics_tell_same_from_different() -> None:
    gen = torch.Generator().manual_seed(0)
    a, b = torch.rand(64, 3, 32, 32, generator=gen), torch.rand(64, 3, 32, 32, generator=gen)
    smooth = torch.nn.functional.avg_pool2d(b, 5, 1, 2)
    assert swd(a, b)["swd_avg"] < swd(a, smooth)["swd_avg"]
    x = torch.randn(500, 8, generator=gen, dtype=torch.float64)
    assert frechet_distance(x, x) == pytest.approx(0, abs=1e-6)
    assert frechet_distance(x, x + 1) == pytest.approx(8, rel=1e-6)


def _solid_photos(folder: Path, colours: list[int]) -> Path:
    import cv2
    import numpy as np

    folder.mkdir()
    for value in colours:
        cv2.imwrite(str(folder / f"{value}.png"), np.full((90, 120, 3), value, np.uint8))
    return folder


def test_crop_views_keep_held_out_photos_apart(tmp_path: Path) -> None:
    from trainer.evaluate import _crop_sets

    data = _solid_photos(tmp_path / "train", [0, 40, 80, 120, 160, 200])
    train, val, test = _crop_sets(str(data), None, (0.25, 1.0), 16, 64, seed=0)
    seen = set(train.mean((1, 2, 3)).round(decimals=3).tolist())
    unseen = set(torch.cat([val, test]).mean((1, 2, 3)).round(decimals=3).tolist())
    assert len(seen) == 4 and len(unseen) == 2 and not seen & unseen
    held = _solid_photos(tmp_path / "held", [250])
    _, val, test = _crop_sets(str(data), str(held), (0.25, 1.0), 16, 8, seed=0)
    assert torch.allclose(torch.cat([val, test]), torch.tensor(250 / 127.5 - 1))


def test_eval_of_a_crops_model_compares_crops_of_held_out_photos(
    image_folder: Path, tiny: list[str], tmp_path: Path
) -> None:
    run = tmp_path / "crops"
    args = ["gan", "--data", str(image_folder), "--out", str(run), *tiny, "--iters", "2",
            "--crops", "0.5,1.0"]  # fmt: skip
    assert main(args) == 0
    held = _solid_photos(tmp_path / "held", [30, 220])
    report = tmp_path / "report"
    args = ["eval", str(run), "--held-out", str(held), "-o", str(report), "-n", "16",
            "--device", "cpu"]  # fmt: skip
    assert main(args) == 0
    metrics = json.loads((report / "metrics.json").read_text())
    assert metrics["crops"] == "0.5,1.0" and metrics["held_out"] == str(held)
    assert metrics["nn_ratio"] > 0


def test_eval_refuses_bad_crops_in_one_line(gan_run: Path, tmp_path: Path, capsys) -> None:
    args = ["eval", str(gan_run), "-o", str(tmp_path / "r"), "--crops", "2,1"]
    assert main(args) == 2
    assert "--crops needs 0 < MIN" in capsys.readouterr().err.strip().splitlines()[-1]
    assert not (tmp_path / "r").exists()


def test_an_encoder_of_a_crops_gan_sees_crops_like_the_gan(
    image_folder: Path, tiny: list[str], tmp_path: Path, capsys
) -> None:
    from trainer.data.crops import PhotoCrops
    from trainer.distributed import DistContext
    from trainer.encoder import EncoderConfig
    from trainer.registry import ENCODER

    run = tmp_path / "crops"
    args = ["gan", "--data", str(image_folder), "--out", str(run), *tiny, "--iters", "2",
            "--crops", "0.5,1.0"]  # fmt: skip
    assert main(args) == 0
    data = ENCODER.build_data(EncoderConfig(model=str(run)), DistContext())
    assert isinstance(data, PhotoCrops) and data.crops == (0.5, 1.0)
    whole = ENCODER.build_data(EncoderConfig(model=str(run), data=str(image_folder)), DistContext())
    assert not isinstance(whole, PhotoCrops)  # other photos: whole, unless --crops says so
    out = tmp_path / "enc"
    args = ["encoder", "--model", str(run), "--out", str(out), "--crops", "0,1"]
    assert main(args) == 2
    assert "--crops needs 0 < MIN" in capsys.readouterr().err
