"""`ganpaint-train join`: two one-way pix2pix models become one model the app translates
with both ways; models that do not undo each other are refused and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ganpaint.edit.translate import translate
from ganpaint.models import load as load_model
from ganpaint.models.bundle import ModelBundle
from ganpaint.models.resnet import ResnetGenerator
from trainer.cli import main

DATA = "synthetic:landscapes:day2night"


def _pix2pix(path: Path, direction: str, seed: int, domains: tuple[str, str] = ("day", "night"),
             channels: tuple[int, int] = (3, 3)) -> Path:  # fmt: skip
    torch.manual_seed(seed)
    G = ResnetGenerator(*channels, ngf=4, n_blocks=1, upsample="resize")
    meta = {
        "name": path.stem,
        "domains": {"A": domains[0], "B": domains[1]},
        "direction": direction,
        "training": {"data": DATA, "config": {"name": path.stem, "load_size": 36}, "steps": 7},
    }
    ModelBundle.create("pix2pix", {"G": G}, meta).save(path)
    return path


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    return (
        _pix2pix(tmp_path / "day2night.safetensors", "AtoB", 1),
        _pix2pix(tmp_path / "night2day.safetensors", "BtoA", 2),
    )


def test_the_joined_model_translates_each_way_with_its_own_generator(
    pair: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    forward, backward = pair
    out = tmp_path / "joined.safetensors"
    assert main(["join", str(forward), str(backward), "-o", str(out), "--name", "day2night"]) == 0
    assert "day <-> night" in capsys.readouterr().out
    joined = load_model(out)
    assert joined.kind == "cyclegan" and joined.name == "day2night"
    assert joined.meta["domains"] == {"A": "day", "B": "night"}
    assert joined.meta["training"]["data"] == DATA and "pix2pix" in joined.meta["joined"]
    assert joined.meta["training"]["reverse"]["config"]["name"] == "night2day"
    photo = torch.rand(40, 36, 3).mul(255).to(torch.uint8).numpy()
    for way, source in (("AtoB", forward), ("BtoA", backward)):
        expected = translate(photo, load_model(source).translator(way), tile=None).image
        got = translate(photo, joined.translator(way), tile=None).image
        assert (got == expected).all(), way
    other = translate(photo, load_model(forward).translator("AtoB"), tile=None).image
    assert not (translate(photo, joined.translator("BtoA"), tile=None).image == other).all()


def test_models_that_do_not_undo_each_other_are_refused_in_one_line(
    pair: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    forward, _ = pair
    out = tmp_path / "joined.safetensors"
    same_way = _pix2pix(tmp_path / "also-day2night.safetensors", "AtoB", 3)
    other_pair = _pix2pix(tmp_path / "sketch.safetensors", "BtoA", 4, ("edges", "photo"))
    grey = _pix2pix(tmp_path / "grey.safetensors", "BtoA", 5, channels=(1, 3))
    for backward, said in (
        (same_way, "translates day -> night, not night -> day"),
        (other_pair, "translates photo -> edges"),
        (grey, "channels do not match"),
    ):
        assert main(["join", str(forward), str(backward), "-o", str(out)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and said in err[0], err
        assert not out.exists()


def test_a_model_of_another_kind_is_refused(
    pair: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    forward, backward = pair
    two_way = tmp_path / "cyclegan.safetensors"
    assert main(["join", str(forward), str(backward), "-o", str(two_way)]) == 0
    out = tmp_path / "joined-again.safetensors"
    assert main(["join", str(two_way), str(backward), "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "is a cyclegan model; join takes two one-way pix2pix models" in err[-1]
    assert not out.exists()


def test_neither_input_is_ever_written_over(
    pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    forward, backward = pair
    before = forward.read_bytes(), backward.read_bytes()
    for target in (forward, backward):
        assert main(["join", str(forward), str(backward), "-o", str(target)]) == 2
        assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert (forward.read_bytes(), backward.read_bytes()) == before


def test_a_star_layer_goes_with_its_generator(pair: tuple[Path, Path], tmp_path: Path) -> None:
    from ganpaint.models.stars import StarHead

    forward, backward = pair
    with_stars = load_model(forward)
    with_stars.nets["S"] = StarHead(width=4)
    starry = tmp_path / "starry.safetensors"
    ModelBundle.create("pix2pix", with_stars.nets, with_stars.meta).save(starry)
    out = tmp_path / "joined.safetensors"
    assert main(["join", str(starry), str(backward), "-o", str(out)]) == 0
    joined = load_model(out)
    assert isinstance(joined.star_head("AtoB"), StarHead) and joined.star_head("BtoA") is None
    for key, value in with_stars.nets["S"].state_dict().items():
        assert torch.equal(value, joined.nets["S_A"].state_dict()[key]), key
