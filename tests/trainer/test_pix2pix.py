"""`ganpaint-train pix2pix`: trains on aligned pairs, resumes bitwise, exports G and D."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

import trainer.session
from ganpaint.models import UnetGenerator
from ganpaint.models import load as load_model
from trainer.checkpoint import load_latest
from trainer.cli import main
from trainer.loop import fit
from trainer.rundir import RunDir

TINY = [
    "--size", "32", "--ngf", "4", "--ndf", "4", "--workers", "0", "--device", "cpu",
    "--no-tensorboard", "--log-every", "2", "--synthetic-n", "6", "--test-n", "2",
]  # fmt: skip


def _pix2pix(out: Path, *extra: str, data: str = "synthetic:landscapes:edges2photo") -> list[str]:
    return ["pix2pix", "--data", data, "--out", str(out), *TINY, *extra]


def _nets(run: Path) -> dict[str, dict[str, torch.Tensor]]:
    loaded = load_latest(RunDir(run))
    assert loaded is not None
    return loaded[1]["nets"]


@pytest.fixture(scope="module")
def base_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "edges2photo"
    assert main(_pix2pix(out, "--iters", "5", "--checkpoint-every", "3", "--test-every", "5")) == 0
    return out


def test_a_run_trains_with_finite_losses_and_a_depth_from_the_size(base_run: Path) -> None:
    run = RunDir(base_run)
    status = json.loads(run.status.read_text())
    assert set(status["losses"]) == {"G_GAN", "G_L1", "D_real", "D_fake", "lr"}
    assert all(math.isfinite(v) for v in status["losses"].values())
    assert sorted(p.name for p in run.test_path(5).iterdir()) == [
        "0000_input.png", "0000_output.png", "0000_target.png",
        "0001_input.png", "0001_output.png", "0001_target.png",
    ]  # fmt: skip
    bundle = load_model(run.model)
    assert bundle.kind == "pix2pix" and set(bundle.nets) == {"G", "D"}
    assert bundle.nets["G"].config["num_downs"] == 5  # log2(32)
    assert bundle.nets["G"].config["norm"] == "batch" and bundle.nets["G"].config["use_dropout"]
    assert bundle.nets["D"].config["input_nc"] == 6  # a conditional PatchGAN on cat(A, B)
    assert bundle.meta["direction"] == "AtoB"
    assert bundle.meta["domains"] == {"A": "edges", "B": "photo"}


def test_the_export_translates_an_odd_sized_sketch(base_run: Path) -> None:
    bundle = load_model(RunDir(base_run).model)
    sketch = np.random.default_rng(1).integers(0, 256, (45, 37, 3), dtype=np.uint8)
    translate = pytest.importorskip("ganpaint.edit.translate")
    result = translate.translate(sketch, bundle.nets["G"], device="cpu")
    assert result.image.shape == sketch.shape


def _crash_and_resume(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Run `args` until it is killed at step 4 (after the step-3 checkpoint), then resume."""

    def crash_at_step_4(*args: object, **kwargs: object) -> object:
        def hook(step: int, losses: object) -> None:
            if step == 4:
                raise RuntimeError("killed")

        return fit(*args, **{**kwargs, "hooks": (hook,)})  # type: ignore[arg-type]

    monkeypatch.setattr(trainer.session, "fit", crash_at_step_4)
    with pytest.raises(RuntimeError, match="killed"):
        main(args)
    monkeypatch.undo()
    assert main([*args, "--resume"]) == 0


def _assert_same_nets(run: Path, other: Path) -> None:
    resumed, straight = _nets(run), _nets(other)
    for net in straight:  # dropout draws and batch-norm statistics included
        for key, value in straight[net].items():
            assert torch.equal(value, resumed[net][key]), f"{net}.{key} differs"


def test_interrupted_and_resumed_equals_uninterrupted(
    tmp_path: Path, base_run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = _pix2pix(tmp_path / "run", "--iters", "5", "--checkpoint-every", "3",
                    "--test-every", "5")  # fmt: skip
    _crash_and_resume(args, monkeypatch)
    _assert_same_nets(tmp_path / "run", base_run)


def test_aligned_folders_backwards_and_init_from(tmp_path: Path, capsys) -> None:
    from trainer.synth import write_dataset

    write_dataset(tmp_path / "facades", n=3, size=24, layout="aligned", pair="labels2photo")
    reference = UnetGenerator(num_downs=5, ngf=4, use_dropout=True)
    torch.save(reference.state_dict(), tmp_path / "latest_net_G.pth")
    out = tmp_path / "run"
    args = _pix2pix(out, "--iters", "2", "--direction", "BtoA", "--lr", "0", "--domain-a",
                    "labels", "--domain-b", "photo", "--init-from",
                    str(tmp_path / "latest_net_G.pth"), data=str(tmp_path / "facades"))  # fmt: skip
    assert main(args) == 0
    bundle = load_model(RunDir(out).model)
    assert bundle.meta["direction"] == "BtoA"
    assert bundle.meta["domains"] == {"A": "labels", "B": "photo"}
    weights = bundle.nets["G"].state_dict()
    assert all(
        torch.equal(v, weights[k])
        for k, v in reference.state_dict().items()
        if not k.endswith(("running_mean", "running_var", "num_batches_tracked"))
    )
    assert len(list(RunDir(out).test_path(2).iterdir())) == 3  # the one pair in test/

    assert main(_pix2pix(tmp_path / "x", "--netG", "unet_256")) == 2
    assert "multiple of 256" in capsys.readouterr().err
    pth = str(tmp_path / "latest_net_G.pth")
    bad = _pix2pix(tmp_path / "y", "--iters", "1", "--init-from", pth, "--ngf", "8")
    assert main(bad) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--init-from" in err[0] and "does not fit" in err[0]


def test_a_fine_tune_starts_g_and_d_from_a_run_and_only_g_from_a_file_without_d(
    tmp_path: Path, base_run: Path, capsys
) -> None:
    """A trained G meeting an untrained D is pushed off course, so a run's D comes too."""
    trained = _nets(base_run)
    out = tmp_path / "tuned"
    assert main(_pix2pix(out, "--iters", "1", "--lr", "0", "--init-from", str(base_run))) == 0
    assert "initialised G and D from" in capsys.readouterr().err
    tuned = _nets(out)
    for net in ("G", "D"):
        weights = {k: v for k, v in trained[net].items() if k.endswith(".weight")}
        assert all(torch.equal(v, tuned[net][k]) for k, v in weights.items()), net

    backwards = tmp_path / "backwards"  # its D judged (target, input) pairs
    args = _pix2pix(backwards, "--iters", "1", "--lr", "0", "--direction", "BtoA",
                    "--init-from", str(base_run))  # fmt: skip
    assert main(args) == 0
    assert "initialised G from" in capsys.readouterr().err

    without_d = tmp_path / "g-only.safetensors"
    assert main(["export", str(base_run), "--without", "D", "-o", str(without_d)]) == 0
    capsys.readouterr()
    fresh = tmp_path / "fresh"
    assert main(_pix2pix(fresh, "--iters", "1", "--lr", "0", "--init-from", str(without_d))) == 0
    assert "initialised G from" in capsys.readouterr().err
    d_weights = {k: v for k, v in trained["D"].items() if k.endswith(".weight")}
    assert any(not torch.equal(v, _nets(fresh)["D"][k]) for k, v in d_weights.items())


def test_lambda_gan_zero_trains_g_on_l1_alone_and_leaves_d_untouched(
    base_run: Path, tmp_path: Path
) -> None:
    """The paper's L1-only ablation: G learns, D is never updated, its losses read 0."""
    out = tmp_path / "l1only"
    assert main(_pix2pix(out, "--iters", "3", "--lambda-gan", "0", "--seed", "0")) == 0
    run = RunDir(out)
    losses = json.loads(run.status.read_text())["losses"]
    assert losses["G_GAN"] == losses["D_real"] == losses["D_fake"] == 0.0
    assert losses["G_L1"] > 0
    started = _nets(out)
    initial = tmp_path / "initial"
    assert main(_pix2pix(initial, "--iters", "1", "--lambda-gan", "0", "--seed", "0")) == 0
    first = _nets(initial)
    for key, value in started["D"].items():  # D after 3 steps equals D after 1: untrained
        assert torch.equal(value, first["D"][key]), key
    assert any(not torch.equal(v, first["G"][k]) for k, v in started["G"].items())


def test_negative_lambda_gan_is_refused(tmp_path: Path, capsys) -> None:
    assert _exit_status(_pix2pix(tmp_path / "bad", "--lambda-gan", "-1")) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--lambda-gan" in err[0] and "from 0 to 1000000, not -1" in err[0]


def test_zoom_trains_is_recorded_and_resumes_bitwise(
    tmp_path: Path, base_run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def args(name: str) -> list[str]:
        return _pix2pix(tmp_path / name, "--iters", "5", "--checkpoint-every", "3",
                        "--test-every", "5", "--zoom", "2")  # fmt: skip

    assert main(args("straight")) == 0
    meta = load_model(RunDir(tmp_path / "straight").model).meta
    assert meta["training"]["config"]["zoom"] == 2.0
    _crash_and_resume(args("resumed"), monkeypatch)
    _assert_same_nets(tmp_path / "resumed", tmp_path / "straight")
    zoomed, plain = _nets(tmp_path / "straight")["G"], _nets(base_run)["G"]
    assert any(not torch.equal(v, plain[k]) for k, v in zoomed.items())  # other data seen


def test_a_zoom_below_1_is_refused(tmp_path: Path, capsys) -> None:
    assert _exit_status(_pix2pix(tmp_path / "bad", "--zoom", "0.5")) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--zoom" in err[0] and "from 1 to 16, not 0.5" in err[0]
    assert not RunDir(tmp_path / "bad").list_checkpoints()


def _exit_status(argv: list[str]) -> int:
    """`main`'s status, whether it returns it or argparse exits with it."""
    try:
        return main(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)


def test_test_pictures_are_what_the_exported_model_makes(base_run: Path) -> None:
    """The run's test outputs come from each image's own BatchNorm statistics, as the
    exported model runs (batches of one leave running averages that describe no image)."""
    from ganpaint.imageio import load_image

    run = RunDir(base_run)
    net = load_model(run.model).translator()
    source = load_image(run.test_path(5) / "0000_input.png").rgb
    written = load_image(run.test_path(5) / "0000_output.png").rgb.astype(np.float32)
    x = torch.from_numpy(source).permute(2, 0, 1)[None].float() / 127.5 - 1
    with torch.no_grad():
        made = ((net(x)[0].permute(1, 2, 0).numpy() + 1) * 127.5).clip(0, 255)
    assert np.abs(made - written).mean() < 2.0


def test_a_pooled_l1_trains_resumes_exactly_and_is_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The day → night recipe that leaves detail no day image predicts to the GAN loss."""

    def args(name: str) -> list[str]:
        return _pix2pix(tmp_path / name, "--netG", "resnet_6blocks", "--upsample", "resize",
                        "--l1-pool", "4", "--lambda-l1-full", "10", "--iters", "5",
                        "--checkpoint-every", "3", "--test-every", "5")  # fmt: skip

    assert main(args("straight")) == 0
    config = load_model(RunDir(tmp_path / "straight").model).meta["training"]["config"]
    assert (config["l1_pool"], config["lambda_l1_full"]) == (4, 10.0)
    _crash_and_resume(args("resumed"), monkeypatch)
    _assert_same_nets(tmp_path / "resumed", tmp_path / "straight")


def test_a_pooled_l1_ignores_detail_within_a_block_and_holds_the_layout() -> None:
    from trainer.pix2pix import Pix2PixConfig, l1_loss

    target = torch.zeros(1, 3, 8, 8)
    stars = target.clone()
    stars[..., ::2, ::2], stars[..., 1::2, 1::2] = 0.5, -0.5  # zero mean in each 2 x 2 block
    shifted = target + 0.25
    pooled = Pix2PixConfig(l1_pool=2, lambda_l1=100.0)
    assert float(l1_loss(stars, target, pooled)) == 0.0
    assert float(l1_loss(shifted, target, pooled)) == pytest.approx(25.0)
    assert float(l1_loss(stars, target, Pix2PixConfig())) == pytest.approx(25.0)  # per pixel
    both = Pix2PixConfig(l1_pool=2, lambda_l1=100.0, lambda_l1_full=10.0)
    assert float(l1_loss(stars, target, both)) == pytest.approx(2.5)


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--l1-pool", "3"], "--l1-pool must be a positive divisor of --size 32, not 3"),
        (["--l1-pool", "0"], "--l1-pool"),
        (["--lambda-l1-full", "10"], "--lambda-l1-full needs --l1-pool above 1"),
        (["--stars", "--lambda-gan", "0"], "--stars needs the GAN loss"),
        (["--freeze-g"], "--freeze-g trains the star layer"),
        (["--stars", "--freeze-g"], "needs --stars and --init-from"),
    ],
)
def test_pooling_or_stars_that_cannot_work_are_refused(
    tmp_path: Path, capsys, extra: list[str], says: str
) -> None:
    assert _exit_status(_pix2pix(tmp_path / "bad", *extra)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and says in err[0], err
    assert not RunDir(tmp_path / "bad").list_checkpoints()


def test_a_star_layer_trains_on_a_frozen_generator_resumes_exactly_and_is_exported(
    tmp_path: Path, base_run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--stars --freeze-g`: only the star layer and D learn; G stays the given one."""

    def args(name: str) -> list[str]:
        return _pix2pix(tmp_path / name, "--stars", "--freeze-g", "--init-from", str(base_run),
                        "--batch", "2", "--iters", "5", "--checkpoint-every", "3",
                        "--test-every", "5")  # fmt: skip

    assert main(args("straight")) == 0
    given = load_model(RunDir(base_run).model)
    made = load_model(RunDir(tmp_path / "straight").model)
    assert set(made.nets) == {"G", "D", "S"} and made.star_head() is made.nets["S"]
    for key, value in given.nets["G"].state_dict().items():
        assert torch.equal(value, made.nets["G"].state_dict()[key]), key
    moved = [not torch.equal(v, made.nets["D"].state_dict()[k])
             for k, v in given.nets["D"].state_dict().items()]  # fmt: skip
    assert any(moved)
    assert made.meta["training"]["config"]["stars"] is True
    _crash_and_resume(args("resumed"), monkeypatch)
    _assert_same_nets(tmp_path / "resumed", tmp_path / "straight")
