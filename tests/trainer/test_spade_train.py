"""`ganpaint-train spade`: label maps become classes exactly, a run trains and exports G, D
and E, resumes bitwise, learns a trivial mapping, trains without styles, refuses bad flags."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from test_pix2pix import _crash_and_resume, _exit_status, _nets

import trainer.spade
from ganpaint.convert import image_to_tensor
from ganpaint.labels import GRASS, LABEL_PALETTE, MOUNTAIN, SKY, colorize_labels
from ganpaint.models import load as load_model
from ganpaint.models.spade import one_hot_labels
from ganpaint.paths import bundled_models_dir
from trainer.cli import main
from trainer.config import load_config
from trainer.rundir import RunDir
from trainer.spade import CLASSES, LabelPairFolder, SpadeConfig, colour_labels, label_indices

TINY = [
    "--size", "32", "--n-up", "3", "--ngf", "4", "--spade-hidden", "8", "--style-dim", "8",
    "--ndf", "4", "--n-layers-d", "3", "--batch", "2", "--workers", "0", "--device", "cpu",
    "--no-tensorboard", "--log-every", "1", "--synthetic-n", "6", "--test-n", "2",
]  # fmt: skip
LOSSES = {"G_GAN", "G_feat", "G_KLD", "G_L1", "D_real", "D_fake", "lr"}


def _spade(out: Path, *extra: str, data: str = "synthetic:landscapes:labels2photo") -> list[str]:
    return ["spade", "--data", data, "--out", str(out), *TINY, *extra]


@pytest.fixture(scope="module")
def base_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "labels2photo"
    assert main(_spade(out, "--iters", "5", "--checkpoint-every", "3", "--test-every", "5")) == 0
    return out


def test_palette_colours_become_their_classes_and_others_no_class() -> None:
    ids = np.random.default_rng(0).integers(0, CLASSES, (2, 6, 5))
    rgb = colorize_labels(ids)
    rgb[0, 0, 0] = (0, 0, 0)  # far from every class: "void"
    rgb[0, 0, 1] = np.clip(LABEL_PALETTE[MOUNTAIN] + np.array([20, -20, 10]), 0, 255)
    expected = ids.copy()
    expected[0, 0, 0], expected[0, 0, 1] = CLASSES, MOUNTAIN
    found = label_indices(image_to_tensor(rgb))
    assert torch.equal(found, torch.as_tensor(expected))
    assert one_hot_labels(found, CLASSES)[0, :, 0, 0].sum() == 0  # no class steers nothing
    shown = colour_labels(found)
    assert torch.equal(shown[1], image_to_tensor(rgb)[1])
    assert torch.all(shown[0, :, 0, 0] == -1)  # no class is shown black


def test_folder_label_maps_are_resized_without_blending(tmp_path: Path) -> None:
    ids = np.full((20, 20), SKY, np.uint8)
    ids[11:], ids[7:11, 3:9] = GRASS, MOUNTAIN
    labels, photo = colorize_labels(ids), np.random.default_rng(1).integers(0, 256, (20, 20, 3))
    (tmp_path / "train").mkdir()
    pair = np.concatenate([labels, photo.astype(np.uint8)], 1)
    Image.fromarray(pair).save(tmp_path / "train" / "0.png")
    dataset = LabelPairFolder(tmp_path / "train", 27)
    for pixels in (dataset.pixels(0), dataset.pixels_at(0, 41)):
        colours = {tuple(c) for c in pixels[..., :3].reshape(-1, 3)}
        assert colours == {tuple(LABEL_PALETTE[k]) for k in (SKY, GRASS, MOUNTAIN)}
    a, b = dataset[0]
    assert a.shape == b.shape == (3, 27, 27)
    assert set(label_indices(a[None]).unique().tolist()) == {SKY, GRASS, MOUNTAIN}


def test_a_run_logs_finite_losses_and_exports_g_d_and_e(base_run: Path) -> None:
    run = RunDir(base_run)
    status = json.loads(run.status.read_text())
    assert set(status["losses"]) == LOSSES
    assert all(math.isfinite(v) for v in status["losses"].values())
    assert status["losses"]["G_feat"] > 0 and status["losses"]["G_KLD"] > 0
    logged = [json.loads(line) for line in run.scalars.read_text().splitlines()]
    assert [row["step"] for row in logged] == [1, 2, 3, 4, 5]
    assert all(math.isfinite(row[k]) for row in logged for k in LOSSES)
    assert sorted(p.name for p in run.test_path(5).iterdir()) == sorted(
        f"{i:04d}_{name}.png" for i in range(2) for name in
        ("input", "output", "mean_style", "target")
    )  # fmt: skip
    bundle = load_model(run.model)
    assert bundle.kind == "spade" and set(bundle.nets) == {"G", "D", "E"}
    assert bundle.meta["style_dim"] == 8 and bundle.meta["channels_in"] == CLASSES
    # 3 upsamplings and the pixel shuffle's 2 (the default --out-upsample)
    assert bundle.meta["resolution"] == 32 and bundle.meta["size_multiple"] == 16
    assert bundle.meta["domains"] == {"A": "labels", "B": "photo"}
    assert bundle.meta["training"]["steps"] == 5
    assert bundle.nets["D"].config["input_nc"] == CLASSES + 3
    assert bundle.nets["E"].config["image_size"] == 32
    labels = one_hot_labels(torch.zeros(1, 16, 48, dtype=torch.long), CLASSES)
    with torch.no_grad():
        style = bundle.nets["E"](torch.zeros(1, 3, 50, 40))[0]
        assert bundle.nets["G"](labels, style).shape == (1, 3, 16, 48)


def test_interrupted_and_resumed_equals_uninterrupted(
    tmp_path: Path, base_run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed at step 4 (after the step-3 checkpoint) and resumed: the same nets, bit for
    bit, style draws and spectral-norm vectors included."""
    args = _spade(tmp_path / "run", "--iters", "5", "--checkpoint-every", "3",
                  "--test-every", "5")  # fmt: skip
    _crash_and_resume(args, monkeypatch)
    resumed, straight = _nets(tmp_path / "run"), _nets(base_run)
    assert set(resumed) == set(straight) == {"G", "D", "E"}
    for net in straight:
        for key, value in straight[net].items():
            assert torch.equal(value, resumed[net][key]), f"{net}.{key} differs"


def _trivial_pairs(root: Path) -> Path:
    """Four label|photo pairs whose photo is the label map itself."""
    (root / "train").mkdir(parents=True)
    for index, horizon in enumerate((6, 8, 9, 11)):
        ids = np.full((16, 16), SKY, np.uint8)
        ids[horizon:], ids[horizon - 3 : horizon, :8] = GRASS, MOUNTAIN
        labels = colorize_labels(ids)
        Image.fromarray(np.concatenate([labels, labels], 1)).save(root / "train" / f"{index}.png")
    return root


def _l1_to_photos(model: Path, data: Path) -> float:
    bundle = load_model(model)
    pairs = LabelPairFolder(data / "train", 16)
    labels, photos = (torch.stack(x) for x in zip(*(pairs[i] for i in range(4)), strict=True))
    with torch.no_grad():
        fake = bundle.nets["G"](one_hot_labels(label_indices(labels), CLASSES))
    return float((fake - photos).abs().mean())


def test_the_generator_learns_a_trivial_mapping(tmp_path: Path) -> None:
    data = _trivial_pairs(tmp_path / "trivial")
    small = ["--size", "16", "--load-size", "16", "--n-up", "2", "--ndf", "8", "--n-layers-d",
             "2", "--num-d", "1", "--style-dim", "4", "--batch", "4", "--no-flip", "--lr",
             "0.002", "--test-every", "1000"]  # fmt: skip
    for steps in (1, 25):
        assert main(_spade(tmp_path / f"run{steps}", *small, "--iters", str(steps),
                           data=str(data))) == 0  # fmt: skip
    before = _l1_to_photos(RunDir(tmp_path / "run1").model, data)
    after = _l1_to_photos(RunDir(tmp_path / "run25").model, data)
    assert after < 0.6 * before, (before, after)


def test_style_dim_0_trains_without_an_encoder(tmp_path: Path) -> None:
    out = tmp_path / "nostyle"
    assert main(_spade(out, "--iters", "2", "--style-dim", "0", "--test-every", "2")) == 0
    run = RunDir(out)
    assert json.loads(run.status.read_text())["losses"]["G_KLD"] == 0.0
    bundle = load_model(run.model)
    assert set(bundle.nets) == {"G", "D"} and bundle.meta["style_dim"] == 0
    assert sorted(p.name for p in run.test_path(2).iterdir())[:3] == [
        "0000_input.png", "0000_output.png", "0000_target.png",
    ]  # fmt: skip


def test_lambda_gan_0_trains_g_without_the_adversarial_term(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The feature-matching-only twin: G after a step is exactly what it is when the
    hinge term gives no gradient at all, and differs from a normal step's."""
    args = ["--iters", "1", "--test-every", "1000"]
    assert main(_spade(tmp_path / "twin", *args, "--lambda-gan", "0")) == 0
    assert main(_spade(tmp_path / "normal", *args)) == 0
    real_hinge = trainer.spade.hinge_g_loss
    monkeypatch.setattr(
        trainer.spade, "hinge_g_loss", lambda scales: real_hinge(scales).detach() * 0.0
    )
    assert main(_spade(tmp_path / "no-hinge", *args)) == 0
    twin, normal, no_hinge = (_nets(tmp_path / n)["G"] for n in ("twin", "normal", "no-hinge"))
    assert all(torch.equal(twin[k], no_hinge[k]) for k in twin)
    assert not all(torch.equal(twin[k], normal[k]) for k in twin)
    status = json.loads(RunDir(tmp_path / "twin").status.read_text())
    assert math.isfinite(status["losses"]["G_GAN"])  # still logged, to watch


def test_lambda_l1_pulls_g_to_the_photo_and_leaves_d_alone(tmp_path: Path) -> None:
    """The stand-in for the paper's VGG loss: L1 to the styled photo changes G's step and
    is logged; D's first step sees the same fake either way, so it is bitwise the same."""
    args = ["--iters", "1", "--test-every", "1000", "--seed", "3"]
    assert main(_spade(tmp_path / "paper", *args)) == 0
    assert main(_spade(tmp_path / "l1", *args, "--lambda-l1", "20")) == 0
    paper, l1 = _nets(tmp_path / "paper"), _nets(tmp_path / "l1")
    assert all(torch.equal(paper["D"][k], l1["D"][k]) for k in paper["D"])
    assert not all(torch.equal(paper["G"][k], l1["G"][k]) for k in paper["G"])
    losses = {
        n: json.loads(RunDir(tmp_path / n).status.read_text())["losses"] for n in ("paper", "l1")
    }
    assert losses["paper"]["G_L1"] == 0.0
    assert 0.0 < losses["l1"]["G_L1"] <= 20 * 2  # 20 x a mean distance in [-1, 1]


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--n-up", "9"], "--n-up"),
        (["--style-dim", "-1"], "--style-dim"),
        (["--num-d", "5"], "--num-d"),
        (["--lambda-feat", "-1"], "--lambda-feat"),
        (["--lambda-gan", "-1"], "--lambda-gan"),
        (["--lambda-l1", "-1"], "--lambda-l1"),
        (["--spade-hidden", "0"], "--spade-hidden"),
        (["--size", "40"], "multiple of 16"),
        (["--size", "16"], "at least 32"),
        (["--n-layers-d", "7"], "--n-layers-d"),
        (["--data", "synthetic:landscapes:day2night"], "label maps or sketches"),
        (["--data", "synthetic:landscapes:edges2photo", "--input-map", "labels"], "sketch maps"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], says: str
) -> None:
    assert _exit_status([*_spade(tmp_path / "bad"), *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and says in err[0], err
    assert not RunDir(tmp_path / "bad").list_checkpoints()


def test_folder_pairs_train_and_write_test_outputs(tmp_path: Path) -> None:
    from trainer.synth import write_dataset

    write_dataset(tmp_path / "pairs", n=3, size=24, layout="aligned", pair="labels2photo")
    out = tmp_path / "run"
    assert main(_spade(out, "--iters", "2", "--size", "16", "--out-upsample", "1",
                       "--test-every", "2", data=str(tmp_path / "pairs"))) == 0  # fmt: skip
    assert len(list(RunDir(out).test_path(2).iterdir())) == 4  # the one test pair, 4 views


def test_the_spade_retraining_config_is_whole_scenes_at_the_live_width() -> None:
    """configs/labels2scene-spade-v2.toml: valid, trained at the scale the app runs it
    (zoom 1) with the wider generator that scale affords."""
    path = bundled_models_dir() / "configs" / "labels2scene-spade-v2.toml"
    config = load_config(SpadeConfig, path).resolved()
    assert config.name == "labels2scene-spade-v2" and config.zoom == 1.0
    assert (config.ngf, config.spade_hidden) == (32, 32)
