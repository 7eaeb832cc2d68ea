"""`--upsample resize` for pix2pix and CycleGAN: trained, recorded, resumed, refused, and
worth it: at initialisation a resize generator paints no checkerboard, a transposed one does.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from ganpaint.models import ResnetGenerator, UnetGenerator
from ganpaint.models import load as load_model
from ganpaint.paths import bundled_models_dir
from trainer.cli import main
from trainer.config import load_config, load_toml
from trainer.cyclegan import CycleGanConfig
from trainer.metrics.artefacts import artefact_score
from trainer.pix2pix import Pix2PixConfig
from trainer.rundir import RunDir

TINY = [
    "--size", "32", "--ngf", "4", "--ndf", "4", "--workers", "0", "--device", "cpu",
    "--no-tensorboard", "--log-every", "2", "--synthetic-n", "4", "--test-n", "1",
]  # fmt: skip
CYCLEGAN = ["--netG", "resnet_6blocks", "--pool-size", "2"]


def _args(command: str, out: Path, *extra: str) -> list[str]:
    more = CYCLEGAN if command == "cyclegan" else []
    return [command, "--out", str(out), *TINY, *more, *extra]


def _exit_status(argv: list[str]) -> int:
    """`main`'s status, whether it returns it or argparse exits with it."""
    try:
        return main(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)


def _generators(run: Path) -> dict[str, dict]:
    bundle = load_model(RunDir(run).model)
    return {p: net.config for p, net in bundle.nets.items() if p.startswith("G")}


@pytest.mark.parametrize("command", ["pix2pix", "cyclegan"])
def test_resize_trains_is_recorded_and_a_resume_keeps_it(
    tmp_path: Path, command: str, capsys
) -> None:
    out = tmp_path / "run"
    assert main(_args(command, out, "--iters", "2", "--upsample", "resize")) == 0
    assert load_toml(RunDir(out).config)["upsample"] == "resize"
    configs = _generators(out)
    assert configs and all(config["upsample"] == "resize" for config in configs.values())
    status = RunDir(out).status.read_text()
    assert "nan" not in status.lower()

    # --resume reads config.toml: the run goes on with the resize nets of its checkpoint.
    assert main(_args(command, out, "--iters", "3", "--resume")) == 0
    assert all(config["upsample"] == "resize" for config in _generators(out).values())
    # Asking a resize run to go on with transposed convs is one line naming the setting.
    capsys.readouterr()
    status = _exit_status(_args(command, out, "--iters", "4", "--resume", "--upsample",
                                "transpose"))  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1
    assert "upsample = 'resize' (now: 'transpose')" in err[0]


def test_transpose_stays_the_default_and_unrecorded_in_the_model(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(_args("pix2pix", out, "--iters", "1")) == 0
    assert load_toml(RunDir(out).config)["upsample"] == "transpose"
    assert "upsample" not in _generators(out)["G"]


def test_an_unknown_upsample_is_refused_in_one_line(tmp_path: Path, capsys) -> None:
    assert _exit_status(_args("pix2pix", tmp_path / "a", "--upsample", "bilinear")) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--upsample" in err[0] and "'bilinear'" in err[0]
    config = tmp_path / "config.toml"
    config.write_text('upsample = "bilinear"\n')
    assert _exit_status(_args("cyclegan", tmp_path / "b", "--config", str(config))) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Unknown --upsample 'bilinear'; use transpose or resize" in err[0]
    assert not RunDir(tmp_path / "b").list_checkpoints()


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("edges2landscape-v2", Pix2PixConfig),
        ("labels2landscape-v2", Pix2PixConfig),
        ("day2night-v2", CycleGanConfig),
        ("day2night-v3", CycleGanConfig),
    ],
)
def test_the_retraining_configs_resolve_with_resize(name: str, cls) -> None:
    """Issue 21's retraining configs: valid, and with the resize generator."""
    config = load_config(cls, bundled_models_dir() / "configs" / f"{name}.toml").resolved()
    assert config.upsample == "resize" and config.name == name


# --- The point of it: no checkerboard to unlearn ------------------------------------------
SIDE = 64
SEEDS = range(5)


def _smooth_picture() -> torch.Tensor:
    """A 1x3xSIDExSIDE picture in [-1, 1] of slow waves and ramps: no periodic detail."""
    y, x = torch.meshgrid(torch.linspace(0, 1, SIDE), torch.linspace(0, 1, SIDE), indexing="ij")
    channels = [torch.sin(2 * math.pi * (x + 0.3 * y)), 0.8 * torch.cos(3 * math.pi * y),
                2 * x - 1 - 0.2 * y]  # fmt: skip
    return torch.stack(channels)[None].clamp(-1, 1)


def _grey_levels(image: torch.Tensor) -> np.ndarray:
    """HxWx3 in 0-255, not rounded: rounding a smooth ramp to 8 bits makes steps the
    score would count as a pattern of their own."""
    return ((image[0].permute(1, 2, 0).clamp(-1, 1) + 1) * 127.5).numpy().astype(np.float64)


def _scores(make) -> list[float]:
    """The artefact score of a freshly initialised generator's output on the smooth
    picture, against that picture, for each seed (train mode: batch norm normalises by
    the picture's own statistics, as in training, so the output is not near-flat)."""
    picture = _smooth_picture()
    truth = _grey_levels(picture)
    scores = []
    for seed in SEEDS:
        torch.manual_seed(seed)
        net = make().train()
        with torch.no_grad():
            scores.append(artefact_score([_grey_levels(net(picture))], [truth]))
    return scores


def _geometric_mean(values: list[float]) -> float:
    return float(np.exp(np.mean(np.log(values))))


@pytest.mark.parametrize(
    "make",
    [
        lambda up: UnetGenerator(3, 3, 6, 8, "batch", upsample=up),
        lambda up: ResnetGenerator(3, 3, 8, "instance", n_blocks=2, upsample=up),
    ],
    ids=["unet", "resnet"],
)
def test_resize_starts_free_of_checkerboards_and_transpose_does_not(make) -> None:
    """Odena et al.'s point: a transposed conv's output phases use disjoint parts of its
    kernel, so even a smooth input comes out checkered; a resize conv's phases share the
    kernel and do not. Measured over 20 seeds: U-Net 8.2 to 65 (transpose) against 0.6
    to 2.0 (resize), ResNet 4.6 to 30 against 0.6 to 1.3; 1 is as clean as the input."""
    transpose, resize = _scores(lambda: make("transpose")), _scores(lambda: make("resize"))
    assert _geometric_mean(resize) <= 1.5  # issue 21's target, at initialisation
    assert _geometric_mean(transpose) >= 5 * _geometric_mean(resize)
    assert max(resize) < min(transpose)
