"""Finding, describing and installing models by name."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from models_reference_layouts import RefResnet, scramble

from ganpaint.errors import ModelFileError
from ganpaint.models import (
    DEFAULT_MODELS,
    DCGANDiscriminator,
    DCGANGenerator,
    ModelBundle,
    ResnetGenerator,
    describe,
    import_into_user_models,
    list_models,
    load,
    resolve_model,
)


def gan(name: str = "") -> ModelBundle:
    nets = {
        "G": DCGANGenerator(nz=8, ngf=4, image_size=32),
        "D": DCGANDiscriminator(ndf=4, image_size=32),
    }
    return ModelBundle("gan", nets, {"name": name, "training": {"steps": 100, "data": "x"}})


def translator() -> ModelBundle:
    return ModelBundle(
        "cyclegan",
        {"G_A": ResnetGenerator(3, 3, 4, n_blocks=1), "G_B": ResnetGenerator(3, 3, 4, n_blocks=1)},
        {"domains": {"A": "day", "B": "night"}},
    )


def test_list_models_user_then_bundled_with_broken_files(
    user_models: Path, bundled_models: Path
) -> None:
    gan().save(bundled_models / "landscapes-dcgan64.safetensors")
    translator().save(user_models / "day2night.safetensors")
    (user_models / "broken.safetensors").write_text("not a model")
    (user_models / ".day2night.safetensors.x.part").write_text("temporary")
    entries = list_models()
    assert [(e.name, e.source) for e in entries] == [
        ("broken", "user"),
        ("day2night", "user"),
        ("landscapes-dcgan64", "bundled"),
    ]
    broken, day2night, landscapes = entries
    assert broken.error and "broken.safetensors" in broken.error and broken.kind is None
    assert day2night.kind == "cyclegan" and day2night.resolution == 256 and not day2night.error
    assert landscapes.kind == "gan" and landscapes.resolution == 32
    assert landscapes.size == landscapes.path.stat().st_size > 0


def test_list_models_with_no_folders(user_models: Path, bundled_models: Path) -> None:
    assert list_models() == []


def test_resolve_by_name_user_shadows_bundled(user_models: Path, bundled_models: Path) -> None:
    gan().save(bundled_models / "mine.safetensors")
    assert resolve_model("mine") == bundled_models / "mine.safetensors"
    gan().save(user_models / "mine.safetensors")
    assert resolve_model("mine") == user_models / "mine.safetensors"


def test_resolve_path_and_kind_check(
    tmp_path: Path, user_models: Path, bundled_models: Path
) -> None:
    path = translator().save(tmp_path / "elsewhere.safetensors")
    assert resolve_model(str(path), kind=("cyclegan", "pix2pix")) == path
    assert resolve_model(path, kind="cyclegan") == path
    with pytest.raises(ModelFileError, match="is a cyclegan model, but this needs a gan model"):
        resolve_model(str(path), kind="gan")
    with pytest.raises(ModelFileError, match="does not exist"):
        resolve_model(str(tmp_path / "gone.safetensors"))


def test_resolve_unknown_name(user_models: Path, bundled_models: Path) -> None:
    with pytest.raises(ModelFileError, match="No model named 'nope' is installed") as info:
        resolve_model("nope")
    assert "ganpaint models list" in str(info.value)


def test_resolve_default_for_purpose(user_models: Path, bundled_models: Path) -> None:
    with pytest.raises(ModelFileError, match="No bundled model is installed for inpaint") as info:
        resolve_model(None, kind="gan", purpose="inpaint")
    assert "--model" in str(info.value)
    gan().save(bundled_models / f"{DEFAULT_MODELS['inpaint']}.safetensors")
    assert resolve_model(None, kind="gan", purpose="inpaint").stem == "photos-dcgan64"
    with pytest.raises(ValueError, match="purpose"):
        resolve_model(None)


def test_describe_bundle_and_path(tmp_path: Path) -> None:
    path = gan("tiny").save(tmp_path / "tiny.safetensors", half=True)
    text = describe(path)
    assert text.splitlines()[0] == "tiny: gan model"
    assert "float16" in text and "uniform prior" in text and "dcgan_generator" in text
    assert (
        "steps=100" in text and f"{sum(p.numel() for p in gan().nets['G'].parameters()):,}" in text
    )
    assert describe(load(path)).splitlines()[0] == "tiny: gan model"
    assert "day <-> night (G_A: day -> night, G_B: night -> day)" in describe(translator())


def test_import_reference_into_user_models(tmp_path: Path, user_models: Path) -> None:
    reference = scramble(RefResnet(3, 3, 4, 2, "instance", False))
    source = tmp_path / "horse2zebra.pth"
    torch.save(reference.state_dict(), source)
    target = import_into_user_models(source)
    assert target == user_models / "horse2zebra.safetensors"
    bundle = load(target)
    assert bundle.kind == "pix2pix" and bundle.meta["name"] == "horse2zebra"
    x = torch.randn(1, 3, 16, 16)
    with torch.no_grad():
        assert torch.allclose(bundle.nets["G"](x), reference(x), atol=1e-6)
    with pytest.raises(ModelFileError, match="already exists") as info:
        import_into_user_models(source)
    assert "--name" in str(info.value)
    renamed = import_into_user_models(source, name="h2z")
    assert load(renamed).meta["name"] == "h2z"
    with pytest.raises(ModelFileError, match="not a usable model name"):
        import_into_user_models(source, name="../evil")


def test_import_bundle_into_user_models(tmp_path: Path, user_models: Path) -> None:
    source = gan("tiny").save(tmp_path / "tiny.safetensors")
    target = import_into_user_models(source)
    assert target.read_bytes() == source.read_bytes()
    assert load(import_into_user_models(source, name="copy")).meta["name"] == "copy"
