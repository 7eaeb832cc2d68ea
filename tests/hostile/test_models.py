"""Hostile model files: lying metadata and non-finite weights are refused once, at load.

Each model is a tiny net saved with the project's own saver, then given a lie: a
metadata field that disagrees with the tensors or is absurd, or NaN weights. Every
case asserts a one-sentence ModelFileError (exit 2, at most three lines and no
traceback through the CLI), the file unchanged, and nothing installed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from byte_flips import flipped
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from safetensors import safe_open
from safetensors.torch import save_file

from ganpaint.cli import main
from ganpaint.errors import ModelFileError
from ganpaint.models import (
    DCGANDiscriminator,
    DCGANGenerator,
    ModelBundle,
    ResnetGenerator,
    describe,
    load,
    read_metadata,
)
from ganpaint.models.bundle import METADATA_KEY


@pytest.fixture(autouse=True)
def user_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("GANPAINT_DATA_DIR", str(folder))
    return folder


def _gan(path: Path) -> Path:
    torch.manual_seed(0)
    nets = {
        "G": DCGANGenerator(nz=8, ngf=4, image_size=32),
        "D": DCGANDiscriminator(ndf=4, image_size=32),
    }
    return ModelBundle("gan", nets, {"name": path.stem}).save(path)


def _translator(path: Path) -> Path:
    torch.manual_seed(0)
    net = ResnetGenerator(ngf=4, n_blocks=1)
    return ModelBundle("pix2pix", {"G": net}, {"name": path.stem}).save(path)


def _rewrite(path: Path, edit: Callable[[dict[str, Any], dict[str, torch.Tensor]], None]) -> Path:
    """Re-save `path` after `edit(meta, tensors)`, as a file with a lie would be written."""
    with safe_open(str(path), framework="pt") as handle:
        meta = json.loads(handle.metadata()[METADATA_KEY])
        tensors = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118
    edit(meta, tensors)
    save_file(tensors, str(path), metadata={METADATA_KEY: json.dumps(meta)})
    return path


def _set(key: str, value: Any) -> Callable[[dict[str, Any], dict[str, torch.Tensor]], None]:
    def edit(meta: dict[str, Any], _: dict[str, torch.Tensor]) -> None:
        if "." in key:
            prefix, field = key.split(".")
            meta["nets"][prefix]["config"][field] = value
        else:
            meta[key] = value

    return edit


def _one_sentence(message: str, path: Path) -> None:
    assert "\n" not in message and len(message) < 600, message
    assert str(path) in message and message.endswith("."), message


def _refused_everywhere(
    path: Path, capsys: pytest.CaptureFixture[str], *words: str, info: bool = True
) -> None:
    """load, `models import` and (for the header) `models info` all refuse `path` alike."""
    before = path.read_bytes()
    with pytest.raises(ModelFileError) as caught:
        load(path)
    _one_sentence(str(caught.value), path)
    for word in words:
        assert word in str(caught.value), str(caught.value)
    commands = [["models", "import", str(path)]] + ([["models", "info", str(path)]] * info)
    for command in commands:
        capsys.readouterr()
        assert main(command) == 2, command
        captured = capsys.readouterr()
        lines = captured.err.strip().splitlines()
        assert 1 <= len(lines) <= 3 and "Traceback" not in captured.err, captured.err
        assert "Traceback" not in captured.out
    assert path.read_bytes() == before
    assert not list((path.parent / "data").rglob("*.safetensors")), "something was installed"


# --------------------------------------------------------------------------- metadata


@pytest.mark.parametrize(
    ("key", "value", "word"),
    [
        ("nz", 50, "nz"),
        ("nz", 0, "nz"),
        ("nz", "8", "nz"),
        ("nz", True, "nz"),
        ("resolution", 0, "resolution"),
        ("resolution", -64, "resolution"),
        ("resolution", 64, "resolution"),
        ("resolution", 1e300, "resolution"),
        ("resolution", math.nan, "resolution"),
        ("channels_out", 1, "channels_out"),
        ("channels", 4, "channels"),
        ("latent", "cauchy", "latent"),
        ("dtype", "int8", "dtype"),
        ("training", [1, 2], "training"),
        ("name", {"a": 1}, "name"),
        ("G.ngf", 8, "wrong shapes"),
        ("G.ngf", 10**12, "G.ngf"),
        ("G.nz", 2**62, "G.nz"),
        ("G.nz", math.inf, "G.nz"),
        ("G.image_size", 64, "missing tensors"),
        ("G.bogus", 1, "cannot be built"),
        ("D.nc", 1, "wrong shapes"),
    ],
)
def test_gan_metadata_that_lies_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str, value: Any, word: str
) -> None:
    path = _rewrite(_gan(tmp_path / "liar.safetensors"), _set(key, value))
    _refused_everywhere(path, capsys, word)


@pytest.mark.parametrize(
    ("key", "value", "word"),
    [
        ("domains", ["day", "night"], "domains"),
        ("domains", {"A": 1, "B": "night"}, "domains"),
        ("domains", {"A": "day"}, "domains"),
        ("resolution", 0, "resolution"),
        ("resolution", 10**9, "resolution"),
        ("size_multiple", 3, "size_multiple"),
        ("channels_in", 1, "channels_in"),
        ("channels_out", 0, "channels_out"),
        ("direction", "sideways", "direction"),
        ("G.n_blocks", 10**6, "G.n_blocks"),
        ("G.use_dropout", [], "G.use_dropout"),
    ],
)
def test_translator_metadata_that_lies_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str, value: Any, word: str
) -> None:
    path = _rewrite(_translator(tmp_path / "liar.safetensors"), _set(key, value))
    _refused_everywhere(path, capsys, word)


def test_valid_models_still_load_and_describe(tmp_path: Path) -> None:
    gan = load(_gan(tmp_path / "gan.safetensors"))
    assert gan.meta["nz"] == 8 and gan.resolution == 32
    translator = _translator(tmp_path / "day2night.safetensors")
    assert "translates" in describe(translator)
    assert main(["models", "import", str(translator)]) == 0


# --------------------------------------------------------------------------- weights


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_weights_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: float
) -> None:
    def poison(_: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        tensors["G.main.0.weight"][0, 0, 0, 0] = value

    path = _rewrite(_gan(tmp_path / "nan.safetensors"), poison)
    # `models info` reads only the header, so it may describe the file; loading refuses it.
    _refused_everywhere(path, capsys, "not finite", "G.main.0.weight", info=False)


def test_non_finite_running_stats_are_refused(tmp_path: Path) -> None:
    def poison(_: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        tensors["G.main.1.running_var"][:] = math.nan

    path = _rewrite(_gan(tmp_path / "stats.safetensors"), poison)
    with pytest.raises(ModelFileError, match="running_var"):
        load(path)


def test_a_reference_checkpoint_with_nan_weights_is_not_imported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = DCGANGenerator(nz=8, ngf=4, image_size=32).state_dict()
    state["main.0.weight"][0, 0, 0, 0] = math.nan
    torch.save(state, tmp_path / "netG.pth")
    assert main(["models", "import", str(tmp_path / "netG.pth")]) == 2
    err = capsys.readouterr().err
    assert "not finite" in err and len(err.strip().splitlines()) <= 3
    assert not list((tmp_path / "data").rglob("*.safetensors"))


# --------------------------------------------------------------------------- properties

_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.lists(st.integers(-3, 300), max_size=3),
    st.dictionaries(st.sampled_from(["A", "B", "C"]), st.text(max_size=3), max_size=3),
)
_FIELDS = st.sampled_from(
    [
        "nz",
        "resolution",
        "channels_out",
        "latent",
        "domains",
        "name",
        "G.nz",
        "G.ngf",
        "G.nc",
        "G.image_size",
        "D.ndf",
        "D.norm",
    ]
)


@pytest.fixture(scope="module")
def gan_file(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return _gan(tmp_path_factory.mktemp("gan") / "gan.safetensors").read_bytes()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(key=_FIELDS, value=_VALUES)
def test_random_metadata_loads_consistently_or_is_refused(
    tmp_path: Path, gan_file: bytes, key: str, value: Any
) -> None:
    path = tmp_path / "random.safetensors"
    path.write_bytes(gan_file)
    _rewrite(path, _set(key, value))
    try:
        bundle = load(path)
    except ModelFileError as exc:
        _one_sentence(str(exc), path)
        return
    config = bundle.meta["nets"]["G"]["config"]
    assert bundle.meta["nz"] == config["nz"] == bundle.nets["G"].nz
    assert bundle.resolution == config["image_size"]
    assert read_metadata(path) == bundle.meta or read_metadata(path)["nz"] == bundle.meta["nz"]
    describe(path)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_random_byte_flips_load_or_fail_in_one_sentence(
    tmp_path: Path, gan_file: bytes, data: st.DataObject
) -> None:
    damaged = flipped(data, gan_file)
    path = tmp_path / "flipped.safetensors"
    path.write_bytes(damaged)
    try:
        bundle = load(path)
    except ModelFileError as exc:
        _one_sentence(str(exc), path)
    else:
        z = torch.zeros(1, bundle.meta["nz"])
        assert bundle.nets["G"](z).shape[-1] == bundle.resolution
    assert path.read_bytes() == damaged


def test_a_model_name_too_long_for_a_file_name_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--name` becomes NAME.safetensors and a temp file beside it: at most 200 characters."""
    path = _translator(tmp_path / "day2night.safetensors")
    assert main(["models", "import", str(path), "--name", "x" * 300]) == 2
    err = capsys.readouterr().err
    assert "200" in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not list((tmp_path / "data").rglob("*.safetensors"))
    assert main(["models", "import", str(path), "--name", "y" * 200]) == 0
