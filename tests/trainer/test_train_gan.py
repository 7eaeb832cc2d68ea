"""`ganpaint-train gan`: runs, resumes bitwise, survives torn checkpoints, stops on NaN,
and with --ema exports the average of G's weights."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
from torch import nn

import trainer.session
from ganpaint.models import load as load_model
from trainer.checkpoint import load_checkpoint, load_latest
from trainer.cli import main
from trainer.ema import average_copy, standing_stats, update_average
from trainer.gan import GanTask
from trainer.loop import fit
from trainer.rundir import RunDir

TINY = [
    "--size", "32", "--ngf", "8", "--ndf", "8", "--nz", "16", "--batch", "8", "--workers", "0",
    "--device", "cpu", "--no-tensorboard", "--log-every", "2",
]  # fmt: skip


def _gan(folder: Path, out: Path, *extra: str) -> list[str]:
    return ["gan", "--data", str(folder), "--out", str(out), *TINY, *extra]


def _nets(run: Path) -> dict[str, dict[str, torch.Tensor]]:
    loaded = load_latest(RunDir(run))
    assert loaded is not None
    return loaded[1]["nets"]


def _assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for net in a:
        for key, value in a[net].items():
            assert torch.equal(value, b[net][key]), f"{net}.{key} differs"


@pytest.fixture(scope="module")
def base_run(image_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "base"
    args = _gan(image_folder, out, "--iters", "6", "--checkpoint-every", "3", "--sample-every", "3")
    assert main(args) == 0
    return out


def test_a_run_writes_its_folder_and_finite_losses(base_run: Path) -> None:
    run = RunDir(base_run)
    assert run.config.is_file() and run.model.is_file()
    assert [step for step, _ in run.list_checkpoints()] == [3, 6]
    samples = sorted(p.name for p in run.samples.iterdir())
    assert samples == ["step-00000003.png", "step-00000006.png"]
    status = json.loads(run.status.read_text())
    assert status["state"] == "finished" and status["step"] == 6
    assert set(status["losses"]) == {"loss_D", "loss_G", "D_x", "D_G_z"}
    assert all(math.isfinite(v) for v in status["losses"].values())
    records = [json.loads(line) for line in run.scalars.read_text().splitlines()]
    assert [r["step"] for r in records] == [2, 3, 4, 6]


def test_checkpoints_load_without_pickle(base_run: Path) -> None:
    payload = load_checkpoint(RunDir(base_run).checkpoint_path(6))  # weights_only=True inside
    assert payload["step"] == 6 and payload["command"] == "gan"
    assert set(payload["nets"]) == {"G", "D"} and set(payload["optimizers"]) == {"G", "D"}
    assert payload["data"] == {"epoch": 2, "batch_in_epoch": 0, "samples_seen": 48}
    assert {"python", "numpy", "torch", "cuda"} <= set(payload["rng"][0])


def test_the_exported_bundle_carries_steps_and_config(base_run: Path) -> None:
    bundle = load_model(RunDir(base_run).model)
    assert bundle.kind == "gan" and set(bundle.nets) == {"G", "D"}
    meta = bundle.meta
    assert meta["resolution"] == 32 and meta["nz"] == 16 and meta["latent"] == "uniform"
    assert meta["training"]["steps"] == 6
    assert meta["training"]["config"]["arch"] == "dcgan"
    assert meta["training"]["data"] == str(Path(meta["training"]["config"]["data"]))
    assert meta["name"] == "base"
    image = bundle.nets["G"](torch.rand(2, 16) * 2 - 1)
    assert image.shape == (2, 3, 32, 32)


def test_interrupted_and_resumed_equals_uninterrupted(
    image_folder: Path, tmp_path: Path, base_run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash_at_step_5(*args: object, **kwargs: object) -> object:
        def hook(step: int, losses: object) -> None:
            if step == 5:
                raise RuntimeError("killed")

        return fit(*args, **{**kwargs, "hooks": (hook,)})  # type: ignore[arg-type]

    args = _gan(image_folder, tmp_path / "run", "--iters", "6", "--checkpoint-every", "3",
                "--sample-every", "3")  # fmt: skip
    monkeypatch.setattr(trainer.session, "fit", crash_at_step_5)
    with pytest.raises(RuntimeError, match="killed"):
        main(args)
    monkeypatch.undo()
    assert [s for s, _ in RunDir(tmp_path / "run").list_checkpoints()] == [3]
    assert main([*args, "--resume"]) == 0
    _assert_same(_nets(tmp_path / "run"), _nets(base_run))


def test_resume_with_more_iters_continues_the_same_run(
    image_folder: Path, tmp_path: Path, base_run: Path
) -> None:
    args = _gan(image_folder, tmp_path / "run", "--checkpoint-every", "3", "--sample-every", "3")
    assert main([*args, "--iters", "3"]) == 0
    assert main([*args, "--iters", "6", "--resume"]) == 0
    _assert_same(_nets(tmp_path / "run"), _nets(base_run))


def test_a_torn_checkpoint_falls_back_to_the_previous_one(
    base_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = RunDir(tmp_path / "copy")
    run.checkpoints.mkdir(parents=True)
    for step, path in RunDir(base_run).list_checkpoints():
        (run.checkpoint_path(step)).write_bytes(path.read_bytes())
    latest = run.checkpoint_path(6)
    latest.write_bytes(latest.read_bytes()[: latest.stat().st_size // 2])  # cut mid-write
    (run.checkpoints / ".step-00000009.pt.x.part").write_bytes(b"PK\x03\x04 partial")
    path, payload = load_latest(run)  # type: ignore[misc]
    assert path == run.checkpoint_path(3) and payload["step"] == 3
    assert "unreadable" in capsys.readouterr().err


def test_an_existing_run_needs_resume(image_folder: Path, base_run: Path, capsys) -> None:
    assert main(_gan(image_folder, base_run, "--iters", "2")) == 2
    err = capsys.readouterr().err.strip()
    assert "already holds a run" in err and "--resume" in err and len(err.splitlines()) == 1


def test_nan_loss_stops_naming_the_step_and_keeps_good_checkpoints(
    image_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    original = GanTask.train_step

    def poisoned(self: GanTask, batch: torch.Tensor, step: int) -> dict[str, torch.Tensor]:
        losses = original(self, batch, step)
        if step + 1 >= 3:
            losses["loss_D"] = torch.tensor(float("nan"))
        return losses

    monkeypatch.setattr(GanTask, "train_step", poisoned)
    out = tmp_path / "run"
    assert main(_gan(image_folder, out, "--iters", "8", "--checkpoint-every", "2")) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "loss_D" in err and "step 3" in err and "step-00000002.pt" in err
    assert [s for s, _ in RunDir(out).list_checkpoints()] == [2]
    assert json.loads(RunDir(out).status.read_text())["state"] == "diverged"


def test_max_minutes_stops_cleanly_with_a_checkpoint(image_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(_gan(image_folder, out, "--iters", "1000", "--max-minutes", "0.0001")) == 0
    status = json.loads(RunDir(out).status.read_text())
    assert status["state"] == "stopped" and status["step"] < 1000
    assert RunDir(out).list_checkpoints()[-1][0] == status["step"]
    assert RunDir(out).model.is_file()


@pytest.mark.parametrize(
    ("extra", "losses"),
    [
        (
            ["--loss", "wgan-gp", "--n-critic", "2"],
            {"loss_D", "loss_G", "wasserstein", "gradient_penalty"},
        ),
        (["--arch", "mlp", "--size", "16"], {"loss_D", "loss_G", "D_x", "D_G_z"}),
    ],
)  # fmt: skip
def test_other_losses_and_archs_train(
    image_folder: Path, tmp_path: Path, extra: list[str], losses: set[str]
) -> None:
    out = tmp_path / "run"
    assert main(_gan(image_folder, out, "--iters", "3", *extra)) == 0
    status = json.loads(RunDir(out).status.read_text())
    assert set(status["losses"]) == losses
    assert all(math.isfinite(v) for v in status["losses"].values())
    bundle = load_model(RunDir(out).model)
    if "mlp" in extra:
        assert bundle.meta["channels_out"] == 1 and bundle.meta["resolution"] == 16


def test_config_file_and_flags(image_folder: Path, tmp_path: Path) -> None:
    config = tmp_path / "run.toml"
    config.write_text(f'data = "{image_folder}"\nsize = 32\nngf = 8\nndf = 8\nnz = 8\niters = 2\n')
    out = tmp_path / "run"
    args = ["gan", "--config", str(config), "--out", str(out), "--iters", "1", "--workers", "0",
            "--device", "cpu", "--no-tensorboard", "--batch", "4"]  # fmt: skip
    assert main(args) == 0
    saved = RunDir(out).config.read_text()
    assert "iters = 1\n" in saved and "nz = 8\n" in saved and "lr = 0.0002\n" in saved


def test_the_procedural_data_trains_on_the_fly(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["gan", "--data", "synthetic:landscapes", "--synthetic-n", "32", "--out", str(out),
            *TINY, "--iters", "2"]  # fmt: skip
    assert main(args) == 0
    assert load_model(RunDir(out).model).meta["training"]["data"] == "synthetic:landscapes"


def test_wgan_gp_critic_uses_layer_norm_not_batch_norm() -> None:
    """The gradient penalty is per sample; batch norm would couple the samples it scores."""
    from trainer.gan import GanConfig, build_gan_nets

    _, critic = build_gan_nets(GanConfig(loss="wgan-gp", size=32, ngf=4, ndf=4))
    kinds = {type(m).__name__ for m in critic.modules()}
    assert "GroupNorm" in kinds
    assert "BatchNorm2d" not in kinds


# --- --ema: the weight average of G ----------------------------------------------------


def _latest(run: Path) -> dict:
    loaded = load_latest(RunDir(run))
    assert loaded is not None
    return loaded[1]


def _params(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v for k, v in state.items() if "running" not in k and "num_batches" not in k}


def test_update_average_is_the_exponential_moving_average() -> None:
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    average = average_copy(net)
    start = [p.detach().clone() for p in average.parameters()]
    with torch.no_grad():
        for p in net.parameters():
            p.add_(1.0)
        net[1].running_mean.fill_(0.5)
    update_average(average, net, decay=0.9)
    for kept, before, now in zip(average.parameters(), start, net.parameters(), strict=True):
        torch.testing.assert_close(kept, 0.9 * before + 0.1 * now.detach())
        assert not kept.requires_grad
    assert torch.equal(average[1].running_mean, net[1].running_mean)


def test_standing_stats_measure_the_generator_without_touching_it() -> None:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    before = {k: v.clone() for k, v in net.state_dict().items()}
    seen: list[torch.Tensor] = []

    def latents(n: int, rng: torch.Generator) -> torch.Tensor:
        z = torch.rand(n, 2, generator=rng) * 2 - 1
        seen.append(z)
        return z

    measured = standing_stats(net, latents, seed=3, batches=5, batch_size=16)
    assert not measured.training
    with torch.no_grad():
        activations = [net[0](z) for z in seen]
    expected = torch.stack([a.mean(0) for a in activations]).mean(0)
    torch.testing.assert_close(measured[1].running_mean, expected)
    for key, value in net.state_dict().items():
        assert torch.equal(value, before[key]), f"{key} changed"


def test_an_ema_run_exports_the_average_not_g(image_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "ema"
    assert main(_gan(image_folder, out, "--iters", "6", "--ema", "0.5")) == 0
    nets = _latest(out)["nets"]
    assert set(nets) == {"G", "D", "G_ema"}
    exported = load_model(RunDir(out).model)
    assert set(exported.nets) == {"G", "D"}
    assert exported.meta["training"]["config"]["ema"] == 0.5
    g = exported.nets["G"].state_dict()
    for key, value in _params(nets["G_ema"]).items():
        assert torch.equal(g[key], value), key
    assert any(not torch.equal(g[k], v) for k, v in _params(nets["G"]).items())
    assert any(not torch.equal(g[k], nets["G_ema"][k]) for k in g if "running_mean" in k)


def test_resuming_with_ema_starts_the_average_at_g(image_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = _gan(image_folder, out, "--checkpoint-every", "3")
    assert main([*args, "--iters", "3"]) == 0
    g_at_3 = _params(_latest(out)["nets"]["G"])
    assert main([*args, "--iters", "4", "--resume", "--ema", "0.25"]) == 0
    nets = _latest(out)["nets"]
    g_at_4 = _params(nets["G"])
    for key, value in _params(nets["G_ema"]).items():
        torch.testing.assert_close(value, 0.25 * g_at_3[key] + 0.75 * g_at_4[key])
    assert main([*args, "--iters", "5", "--resume", "--ema", "0"]) == 0
    assert set(_latest(out)["nets"]) == {"G", "D"}


@pytest.mark.parametrize("decay", ["1", "-0.1"])
def test_an_ema_decay_outside_0_1_is_refused(
    image_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], decay: str
) -> None:
    out = tmp_path / "bad"
    assert _exit_status(_gan(image_folder, out, "--iters", "2", "--ema", decay)) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert len(errors) == 1 and "--ema" in errors[0]  # the range, or [0, 1) for 1 itself
    assert not RunDir(out).list_checkpoints()


def test_few_shot_options_resume_exactly(image_folder: Path, tmp_path: Path) -> None:
    """DiffAugment and random crops draw from the run's seeded streams: an interrupted
    and resumed run equals an uninterrupted one."""
    few_shot = ("--diffaugment", "color,translation,cutout", "--crops", "0.25,1.0")
    whole = _gan(image_folder, tmp_path / "whole", "--iters", "4", *few_shot)
    assert main([*whole, "--checkpoint-every", "2"]) == 0
    parts = _gan(image_folder, tmp_path / "parts", *few_shot, "--checkpoint-every", "2")
    assert main([*parts, "--iters", "2"]) == 0
    assert main([*parts, "--iters", "4", "--resume"]) == 0
    _assert_same(_nets(tmp_path / "parts"), _nets(tmp_path / "whole"))
    plain = _gan(image_folder, tmp_path / "plain", "--iters", "4", "--checkpoint-every", "2")
    assert main(plain) == 0
    assert not torch.equal(
        _nets(tmp_path / "plain")["G"]["main.0.weight"],
        _nets(tmp_path / "whole")["G"]["main.0.weight"],
    )


@pytest.mark.parametrize(
    ("flag", "value", "needle"),
    [("--diffaugment", "color,zoom", "Unknown DiffAugment policy 'zoom'"),
     ("--crops", "0.5,0.25", "--crops needs 0 < MIN ≤ MAX ≤ 1")],
)  # fmt: skip
def test_bad_few_shot_options_are_one_line(
    flag: str, value: str, needle: str, image_folder: Path, tmp_path: Path, capsys
) -> None:
    assert main(_gan(image_folder, tmp_path / "run", "--iters", "2", flag, value)) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert len(errors) == 1 and needle in errors[0]
    assert not (tmp_path / "run").exists()


def _exit_status(argv: list[str]) -> int:
    """`main`'s status, whether it returns it or argparse exits with it."""
    try:
        return main(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
