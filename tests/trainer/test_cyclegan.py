"""`ganpaint-train cyclegan`: trains, resumes bitwise, exports a translator, fine-tunes."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

import trainer.session
from ganpaint.models import ResnetGenerator
from ganpaint.models import load as load_model
from trainer.checkpoint import load_latest
from trainer.cli import main
from trainer.cyclegan import CycleGanConfig
from trainer.loop import fit
from trainer.rundir import RunDir
from trainer.translation import linear_decay

TINY = [
    "--size", "32", "--ngf", "4", "--ndf", "4", "--netG", "resnet_6blocks", "--workers", "0",
    "--device", "cpu", "--no-tensorboard", "--log-every", "2", "--synthetic-n", "6",
    "--test-n", "2", "--pool-size", "2",
]  # fmt: skip
DATA = "synthetic:landscapes:day2night"


def _cyclegan(out: Path, *extra: str, data: str = DATA) -> list[str]:
    return ["cyclegan", "--data", data, "--out", str(out), *TINY, *extra]


def _nets(run: Path) -> dict[str, dict[str, torch.Tensor]]:
    loaded = load_latest(RunDir(run))
    assert loaded is not None
    return loaded[1]["nets"]


@pytest.fixture(scope="module")
def base_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "day2night"
    args = _cyclegan(out, "--iters", "5", "--checkpoint-every", "3", "--test-every", "3",
                     "--sample-every", "2")  # fmt: skip
    assert main(args) == 0
    return out


def test_a_run_trains_with_finite_losses_and_writes_test_outputs(base_run: Path) -> None:
    run = RunDir(base_run)
    status = json.loads(run.status.read_text())
    assert status["state"] == "finished" and status["step"] == 5
    names = {"D_A", "G_A", "cycle_A", "idt_A", "D_B", "G_B", "cycle_B", "idt_B", "lr"}
    assert set(status["losses"]) == names
    assert all(math.isfinite(v) for v in status["losses"].values())
    assert sorted(p.name for p in run.test_outputs.iterdir()) == ["step-00000003", "step-00000005"]
    written = sorted(p.name for p in run.test_path(3).iterdir())
    assert "0001_fake_B.png" in written and "0000_rec_A.png" in written and len(written) == 12
    assert (run.samples / "step-00000002.png").is_file()
    payload = load_latest(run)[1]  # type: ignore[index]
    assert set(payload["nets"]) == {"G_A", "G_B", "D_A", "D_B"}
    assert payload["extra"]["pool_A"].shape == (2, 3, 32, 32)  # the pools are checkpointed


def test_the_export_translates_an_odd_sized_photo(base_run: Path, tmp_path: Path) -> None:
    target = tmp_path / "d2n.safetensors"
    assert main(["export", str(base_run), "-o", str(target)]) == 0
    bundle = load_model(target)
    assert bundle.kind == "cyclegan" and set(bundle.nets) == {"G_A", "G_B"}
    assert bundle.meta["domains"] == {"A": "day", "B": "night"}
    assert bundle.meta["resolution"] == 32 and bundle.meta["training"]["steps"] == 5
    photo = np.random.default_rng(0).integers(0, 256, (45, 37, 3), dtype=np.uint8)
    translate = pytest.importorskip("ganpaint.edit.translate")
    result = translate.translate(photo, bundle.nets["G_A"], device="cpu")
    assert result.image.shape == photo.shape and result.image.dtype == np.uint8


def test_interrupted_and_resumed_equals_uninterrupted(
    tmp_path: Path, base_run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash_at_step_4(*args: object, **kwargs: object) -> object:
        def hook(step: int, losses: object) -> None:
            if step == 4:
                raise RuntimeError("killed")

        return fit(*args, **{**kwargs, "hooks": (hook,)})  # type: ignore[arg-type]

    args = _cyclegan(tmp_path / "run", "--iters", "5", "--checkpoint-every", "3",
                     "--test-every", "3", "--sample-every", "2")  # fmt: skip
    monkeypatch.setattr(trainer.session, "fit", crash_at_step_4)
    with pytest.raises(RuntimeError, match="killed"):
        main(args)
    monkeypatch.undo()
    assert main([*args, "--resume"]) == 0
    resumed, straight = _nets(tmp_path / "run"), _nets(base_run)
    for net in straight:
        for key, value in straight[net].items():
            assert torch.equal(value, resumed[net][key]), f"{net}.{key} differs"


def test_init_from_a_reference_pth_and_a_mismatched_one(tmp_path: Path, capsys) -> None:
    reference = ResnetGenerator(ngf=4, n_blocks=6)
    torch.save(reference.state_dict(), tmp_path / "latest_net_G_A.pth")
    out = tmp_path / "tuned"
    args = _cyclegan(out, "--iters", "1", "--lr", "0", "--init-from",
                     str(tmp_path / "latest_net_G_A.pth"))  # fmt: skip
    assert main(args) == 0
    assert "initialised G_A from" in capsys.readouterr().err
    tuned = load_model(RunDir(out).model).nets["G_A"].state_dict()
    assert all(torch.equal(v, tuned[k]) for k, v in reference.state_dict().items())

    torch.save(ResnetGenerator(ngf=8, n_blocks=9).state_dict(), tmp_path / "other.pth")
    bad = _cyclegan(tmp_path / "bad", "--iters", "1", "--init-from", str(tmp_path / "other.pth"))
    assert main(bad) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--init-from" in err[0] and "ngf=8" in err[0] and "ngf=4" in err[0]


def test_init_from_a_run_folder_starts_from_its_last_checkpoint(
    base_run: Path, tmp_path: Path, capsys
) -> None:
    """A run folder is read through the commands table, which the task receives."""
    out = tmp_path / "continued"
    assert main(_cyclegan(out, "--iters", "1", "--lr", "0", "--init-from", str(base_run))) == 0
    assert "initialised G_A and G_B from" in capsys.readouterr().err
    source, tuned = _nets(base_run), load_model(RunDir(out).model).nets
    for name in ("G_A", "G_B"):
        state = tuned[name].state_dict()
        assert all(torch.equal(value, state[key]) for key, value in source[name].items()), name


def test_folder_data_and_bad_flags(tmp_path: Path, capsys) -> None:
    from trainer.synth import write_dataset

    write_dataset(tmp_path / "apple2orange", n=3, size=24, layout="unaligned", pair="day2night")
    out = tmp_path / "run"
    assert main(_cyclegan(out, "--iters", "2", data=str(tmp_path / "apple2orange"))) == 0
    meta = load_model(RunDir(out).model).meta
    assert meta["domains"] == {"A": "apple", "B": "orange"}
    assert meta["training"]["config"]["iters"] == 2
    assert main(_cyclegan(tmp_path / "x", "--size", "30")) == 2
    assert "multiple of 4" in capsys.readouterr().err
    assert main(_cyclegan(tmp_path / "y", data=str(tmp_path))) == 2
    assert "trainA" in capsys.readouterr().err


def test_zoom_on_folders_trains_and_a_zoom_below_1_is_refused(tmp_path: Path, capsys) -> None:
    from trainer.synth import write_dataset

    write_dataset(tmp_path / "day2night", n=3, size=24, layout="unaligned", pair="day2night")
    out, data = tmp_path / "run", str(tmp_path / "day2night")
    assert main(_cyclegan(out, "--iters", "2", "--zoom", "3", data=data)) == 0
    assert load_model(RunDir(out).model).meta["training"]["config"]["zoom"] == 3.0
    assert _exit_status(_cyclegan(tmp_path / "bad", "--zoom", "0.5")) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert len(errors) == 1 and "--zoom" in errors[0] and "from 1 to 16, not 0.5" in errors[0]
    assert not RunDir(tmp_path / "bad").list_checkpoints()


def test_epochs_set_the_length_and_the_linear_decay() -> None:
    config = CycleGanConfig(n_epochs=2, n_epochs_decay=3).resolved().for_data(10, 1)
    assert config.iters == 50 and config.test_every == 50  # 5 epochs of 10 steps
    factor = linear_decay(config)
    per_epoch = [factor(step) for step in range(0, 50, 10)]
    # The reference: epoch e (from 0) trains at 1 - max(0, e + 1 - n_epochs) / (n_decay + 1).
    assert per_epoch == pytest.approx([1, 1, 0.75, 0.5, 0.25])
    assert factor(19) == 1 and factor(20) == 0.75
    stepped = CycleGanConfig(iters=400).resolved().for_data(10, 1)
    assert stepped.iters == 400 and stepped.test_every == 10
    assert linear_decay(stepped)(199) == 1 and linear_decay(stepped)(399) == pytest.approx(1 / 101)


def _exit_status(argv: list[str]) -> int:
    """`main`'s status, whether it returns it or argparse exits with it."""
    try:
        return main(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
