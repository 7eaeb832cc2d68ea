"""benchmarks/model_quality.py judges a SPADE model end to end: a tiny one trained here
gets its rows (with the true render's style, with the mean style, the L1-only twin,
today's labels2landscape, the mean image), finite scores, issue 21's targets and grids;
today's labels2landscape gets its artefact score too."""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path

import cv2
import pytest
import torch

from trainer.cli import main as train

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
TINY_SPADE = [
    "spade", "--size", "32", "--n-up", "3", "--ngf", "4", "--spade-hidden", "8",
    "--style-dim", "8", "--ndf", "4", "--n-layers-d", "3", "--batch", "2", "--iters", "2",
    "--workers", "0", "--device", "cpu", "--no-tensorboard", "--synthetic-n", "4",
    "--test-n", "2",
]  # fmt: skip


def _load(name: str):
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tiny_spade(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SPADE model with a style encoder, trained for 2 steps at 32 px."""
    out = tmp_path_factory.mktemp("runs") / "spade"
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        assert train([*TINY_SPADE, "--out", str(out)]) == 0
    finally:
        torch.set_num_threads(threads)
    return out / "model.safetensors"


def test_the_spade_path_scores_every_row_and_writes_grids(
    tiny_spade: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bench = _load("model_quality")
    threads = torch.get_num_threads()
    try:
        status = bench.main([
            "--only", "labels2landscape,spade", "--spade", str(tiny_spade),
            "--spade-l1-only", str(tiny_spade), "--spade-name", "tiny-spade",
            "--images", "2", "--size", "64",
            "--grids", str(tmp_path / "grids"), "--json", str(tmp_path / "scores.json"),
        ])  # fmt: skip
    finally:
        torch.set_num_threads(threads)
    printed = capsys.readouterr().out
    assert status in (0, 1)  # a 2-step model is not expected to meet the targets
    scores = json.loads((tmp_path / "scores.json").read_text())
    today = scores["labels2landscape"]  # its outputs are reused in SPADE's table
    assert math.isfinite(today["rows"][0]["artefact"]) and len(today["targets"]) == 1
    result = scores["spade"]
    names = [row["name"] for row in result["rows"]]
    assert names == [
        "tiny-spade, style of the true render",
        "tiny-spade, mean style (no style input)",
        "tiny-spade, L1 / feature matching only, style of the true render",
        "tiny-spade, L1 / feature matching only, mean style (no style input)",
        "labels2landscape (today's pix2pix)",
        "mean training image",
    ]
    for row in result["rows"]:
        assert all(math.isfinite(row[key]) for key in ("l1", "realism", "artefact")), row
        assert f"| {row['name']} |" in printed
    assert len(result["targets"]) == 6  # L1 and SWD with style, both without, 2 artefacts
    assert "Issue 21 targets" in printed and "0.6× today's" in printed
    assert (tmp_path / "grids" / "tiny-spade.png").is_file()
    assert (tmp_path / "grids" / "labels-side-by-side.png").is_file()


def test_spade_options_without_a_model_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    bench = _load("model_quality")
    for argv in (
        ["--only", "spade"],
        ["--spade-l1-only", "x.safetensors"],
        ["--only", "nope"],
        ["--size", "32"],
    ):
        with pytest.raises(SystemExit) as exit_info:
            bench.parse_args(argv)
        assert exit_info.value.code == 2
    assert "--only spade needs --spade MODEL" in capsys.readouterr().err


def test_a_retrained_translator_is_judged_beside_the_bundled_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--candidate NAME=MODEL`: the retrained model's row, its targets against today's
    model (here the bundled file itself, so its ratios are 1.00) and a grid column."""
    bench = _load("model_quality")
    bundled = Path(__file__).resolve().parent.parent / "resources" / "models"
    threads = torch.get_num_threads()
    try:
        bench.main([
            "--only", "day2night", "--images", "2", "--size", "64",
            "--candidate", f"day2night={bundled / 'day2night.safetensors'}",
            "--day2night-l1-only", str(bundled / "day2night.safetensors"),
            "--grids", str(tmp_path / "grids"), "--json", str(tmp_path / "scores.json"),
        ])  # fmt: skip
    finally:
        torch.set_num_threads(threads)
    result = json.loads((tmp_path / "scores.json").read_text())["day2night"]
    names = [row["name"] for row in result["rows"]]
    assert names[-2:] == ["L1 only, λ_GAN 0 (day2night)", "day2night retrained (day2night)"]
    assert result["rows"][-1]["l1"] == pytest.approx(result["rows"][0]["l1"])
    assert any("1.00 × today's ≤ 0.75" in target for target in result["targets"])
    assert not all(result["targets"].values())  # the same model is not 0.75 × itself
    reverse = {row["name"]: row["l1"] for row in result["night2day"]}  # the other way, G_B
    assert reverse["retrained G_B (day2night)"] == pytest.approx(
        reverse["day2night G_B (night -> day)"]
    )
    assert "mean training image" in reverse
    assert "| day2night retrained (day2night) |" in capsys.readouterr().out
    grid = cv2.imread(str(tmp_path / "grids" / "day2night.png"))
    assert grid.shape[1] == 5 * 64 + 4 * 4  # day | bundled | L1 only | retrained | night


@pytest.mark.parametrize("argv", [["--candidate", "spade=x"], ["--candidate", "day2night"]])
def test_a_bad_candidate_is_a_usage_error(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    bench = _load("model_quality")
    with pytest.raises(SystemExit) as exit_info:
        bench.parse_args(argv)
    assert exit_info.value.code == 2
    assert "--candidate takes NAME=MODEL" in capsys.readouterr().err
