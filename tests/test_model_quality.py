"""benchmarks/model_quality.py judges a SPADE model end to end: a tiny one trained here
gets its rows (with the true render's style, with the mean style, the L1-only twin,
today's labels2landscape, the mean image), finite scores, issue 21's targets and grids;
today's labels2landscape gets its artefact score too."""

from __future__ import annotations

import importlib.util
import json
import math
import shutil
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


def _bench(argv: list[str]) -> int:
    """model_quality.py's main on `argv`, the torch thread count restored afterwards."""
    threads = torch.get_num_threads()
    try:
        return _load("model_quality").main(argv)
    finally:
        torch.set_num_threads(threads)


def _train_tiny(out: Path, *extra: str) -> Path:
    """A SPADE model with a style encoder, trained for 2 steps at 32 px on one thread."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        assert train([*TINY_SPADE, *extra, "--out", str(out)]) == 0
    finally:
        torch.set_num_threads(threads)
    return out / "model.safetensors"


@pytest.fixture(scope="module")
def tiny_spade(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SPADE model for label maps."""
    return _train_tiny(tmp_path_factory.mktemp("runs") / "spade")


def test_the_spade_path_scores_every_row_and_writes_grids(
    tiny_spade: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = _bench([
        "--only", "labels2landscape,spade", "--spade", str(tiny_spade),
        "--spade-l1-only", str(tiny_spade), "--spade-name", "tiny-spade",
        "--images", "2", "--size", "64",
        "--grids", str(tmp_path / "grids"), "--json", str(tmp_path / "scores.json"),
    ])  # fmt: skip
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
    bundled = Path(__file__).resolve().parent.parent / "resources" / "models"
    _bench([
        "--only", "day2night", "--images", "2", "--size", "64",
        "--candidate", f"day2night={bundled / 'day2night.safetensors'}",
        "--day2night-l1-only", str(bundled / "day2night.safetensors"),
        "--grids", str(tmp_path / "grids"), "--json", str(tmp_path / "scores.json"),
    ])  # fmt: skip
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


@pytest.fixture(scope="module")
def tiny_sketch_spade(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SPADE model that reads sketches."""
    out = tmp_path_factory.mktemp("runs") / "edges"
    return _train_tiny(out, "--data", "synthetic:landscapes:edges2photo")


def test_a_sketch_spade_candidate_is_judged_with_and_without_the_true_style(
    tiny_sketch_spade: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A SPADE model that reads sketches, retrained in place of edges2landscape: rows
    with the true render's style and without a style input, its twin's rows, issue 21's
    targets for both of its rows, and grid columns for the candidate and its twin."""
    model = tiny_sketch_spade
    _bench([
        "--only", "edges2landscape", "--images", "2", "--size", "64",
        "--candidate", f"edges2landscape={model}",
        "--candidate-l1-only", f"edges2landscape={model}",
        "--grids", str(tmp_path / "grids"), "--json", str(tmp_path / "scores.json"),
    ])  # fmt: skip
    result = json.loads((tmp_path / "scores.json").read_text())["edges2landscape"]
    names = [row["name"] for row in result["rows"]]
    assert names[-4:] == [
        "edges2landscape retrained (model), style of the true render",
        "edges2landscape retrained (model), mean style (no style input)",
        "retrained, L1 / feature matching only (model), style of the true render",
        "retrained, L1 / feature matching only (model), mean style (no style input)",
    ]
    assert result["rows"][-4]["l1"] == pytest.approx(result["rows"][-2]["l1"])  # same file
    assert all(math.isfinite(row["realism"]) for row in result["rows"])
    mine = [t for t in result["targets"] if "retrained (model)" in t]
    assert len(mine) == 6  # L1, SWD and artefacts, with and without a style input
    assert "| edges2landscape retrained (model), style of the true render |" in (
        capsys.readouterr().out
    )
    grid = cv2.imread(str(tmp_path / "grids" / "edges2landscape.png"))
    assert grid.shape[1] == 5 * 64 + 4 * 4  # sketch | bundled | retrained | twin | truth


def test_a_bundled_sketch_spade_model_is_judged_as_the_pix2pix_one_was(
    tiny_sketch_spade: Path, tmp_path: Path
) -> None:
    """Once edges2landscape is a SPADE model, the default run judges it (and its twin)
    with and without the true render's style against the mean image."""
    models = tmp_path / "models"
    models.mkdir()
    shutil.copy(tiny_sketch_spade, models / "edges2landscape.safetensors")
    status = _bench([
        "--models", str(models), "--only", "edges2landscape", "--images", "2",
        "--size", "64", "--edges-l1-only", str(tiny_sketch_spade),
        "--json", str(tmp_path / "scores.json"),
    ])  # fmt: skip
    assert status in (0, 1)
    result = json.loads((tmp_path / "scores.json").read_text())["edges2landscape"]
    names = [row["name"] for row in result["rows"]]
    assert names == [
        "edges2landscape, style of the true render",
        "edges2landscape, mean style (no style input)",
        "mean training image",
        "same network, L1 only (λ_GAN 0), style of the true render",
        "same network, L1 only (λ_GAN 0), mean style (no style input)",
    ]
    assert len(result["targets"]) == 2  # the artefact score with and without a style


@pytest.mark.parametrize(
    "argv",
    [
        ["--candidate", "spade=x"],
        ["--candidate", "day2night"],
        ["--candidate-l1-only", "day2night=x"],
    ],
)
def test_a_bad_candidate_is_a_usage_error(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    bench = _load("model_quality")
    with pytest.raises(SystemExit) as exit_info:
        bench.parse_args(argv)
    assert exit_info.value.code == 2
    assert "takes NAME=MODEL" in capsys.readouterr().err


def test_a_twin_without_its_candidate_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    bench = _load("model_quality")
    with pytest.raises(SystemExit) as exit_info:
        bench.parse_args(["--candidate-l1-only", "edges2landscape=x.safetensors"])
    assert exit_info.value.code == 2
    assert "needs --candidate edges2landscape=MODEL" in capsys.readouterr().err
