"""The bundle file format: round trips, metadata, and one-sentence errors for bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

import ganpaint
from ganpaint.errors import ModelFileError
from ganpaint.models import (
    DCGANDiscriminator,
    DCGANEncoder,
    DCGANGenerator,
    ModelBundle,
    NLayerDiscriminator,
    ResnetGenerator,
    UnetGenerator,
    load,
    read_metadata,
)


def small_gan() -> ModelBundle:
    nets = {
        "G": DCGANGenerator(nz=8, ngf=4, image_size=32),
        "D": DCGANDiscriminator(ndf=4, image_size=32),
        "E": DCGANEncoder(nz=8, ndf=4, image_size=32),
    }
    for net in nets.values():  # non-trivial running stats, as after training
        for module in net.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.5, 0.5)
                module.running_var.uniform_(0.5, 1.5)
    meta = {"name": "tiny", "training": {"data": "procedural", "steps": 12, "config": {"lr": 2e-4}}}
    return ModelBundle.create("gan", nets, meta)


def small_cyclegan() -> ModelBundle:
    nets = {
        "G_A": ResnetGenerator(3, 3, 4, "instance", n_blocks=2),
        "G_B": ResnetGenerator(3, 3, 4, "instance", n_blocks=2),
        "D_A": NLayerDiscriminator(3, 4, 2, "instance"),
    }
    return ModelBundle("cyclegan", nets, {"domains": {"A": "day", "B": "night"}})


def outputs(bundle: ModelBundle) -> dict[str, torch.Tensor]:
    torch.manual_seed(1)
    z = torch.rand(2, 8) * 2 - 1
    image = torch.rand(2, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        return {
            "G": bundle.nets["G"](z),
            "D": bundle.nets["D"](image),
            "E": bundle.nets["E"](image),
        }


def test_round_trip_fp32_gives_identical_outputs(tmp_path: Path) -> None:
    bundle = small_gan().eval()
    path = bundle.save(tmp_path / "tiny.safetensors")
    loaded = load(path)
    assert loaded.kind == "gan" and loaded.path == path
    assert all(not net.training for net in loaded.nets.values())
    params = [p for net in loaded.nets.values() for p in net.parameters()]
    assert all(not p.is_meta and p.requires_grad for p in params)  # usable for fine-tuning
    expected, got = outputs(bundle), outputs(loaded)
    for name in expected:
        assert torch.equal(expected[name], got[name]), name
    for prefix, net in bundle.nets.items():
        for key, value in net.state_dict().items():
            assert torch.equal(loaded.nets[prefix].state_dict()[key], value), key


def test_round_trip_fp16_halves_storage_and_loads_float32(tmp_path: Path) -> None:
    bundle = small_gan().eval()
    full = bundle.save(tmp_path / "full.safetensors")
    half = bundle.save(tmp_path / "half.safetensors", half=True)
    assert half.stat().st_size < 0.6 * full.stat().st_size
    with safe_open(str(half), framework="pt") as handle:
        assert handle.get_tensor("G.main.0.weight").dtype == torch.float16
        assert handle.get_tensor("G.main.1.num_batches_tracked").dtype == torch.int64
    loaded = load(half)
    assert loaded.meta["dtype"] == "float16"
    assert all(p.dtype == torch.float32 for net in loaded.nets.values() for p in net.parameters())
    expected, got = outputs(bundle), outputs(loaded)
    for name in expected:
        torch.testing.assert_close(got[name], expected[name], atol=2e-2, rtol=2e-2)


def test_metadata_is_complete_and_in_the_file(tmp_path: Path) -> None:
    path = small_gan().save(tmp_path / "tiny.safetensors")
    with safe_open(str(path), framework="pt") as handle:
        meta = json.loads(handle.metadata()["ganpaint"])
        keys = set(handle.keys())
    assert meta["format_version"] == 1
    assert meta["kind"] == "gan" and meta["name"] == "tiny"
    assert meta["nets"]["G"] == {
        "arch": "dcgan_generator",
        "config": {"nz": 8, "ngf": 4, "nc": 3, "image_size": 32},
    }
    assert set(meta["nets"]) == {"G", "D", "E"}
    assert meta["resolution"] == 32 and meta["nz"] == 8 and meta["latent"] == "uniform"
    assert meta["normalisation"] == "[-1, 1]" and meta["channels_out"] == 3
    assert meta["training"] == {"data": "procedural", "steps": 12, "config": {"lr": 2e-4}}
    assert meta["ganpaint_version"] == ganpaint.__version__
    assert meta["source"] == "trained by ganpaint" and meta["dtype"] == "float32"
    assert "G.main.0.weight" in keys and "D.main.11.weight" not in keys  # 32 px: one block fewer
    assert "E.main.8.bias" in keys
    assert read_metadata(path) == meta


def test_translator_metadata(tmp_path: Path) -> None:
    path = small_cyclegan().save(tmp_path / "day2night.safetensors")
    loaded = load(path)
    meta = loaded.meta
    assert loaded.kind == "cyclegan" and set(loaded.nets) == {"G_A", "G_B", "D_A"}
    assert meta["domains"] == {"A": "day", "B": "night"} and meta["direction"] == "AtoB"
    assert meta["channels_in"] == 3 and meta["channels_out"] == 3
    assert meta["resolution"] == 256 and meta["size_multiple"] == 4
    assert meta["name"] == "day2night"
    unet = ModelBundle("pix2pix", {"G": UnetGenerator(1, 3, 7, 4)})
    assert unet.meta["resolution"] == 128 and unet.meta["size_multiple"] == 128
    assert unet.meta["channels_in"] == 1


def test_create_rejects_wrong_nets_for_kind() -> None:
    g = DCGANGenerator(nz=8, ngf=4, image_size=32)
    with pytest.raises(ValueError, match="needs nets G_A, G_B"):
        ModelBundle("cyclegan", {"G": g})
    with pytest.raises(ValueError, match="G of a pix2pix model"):
        ModelBundle("pix2pix", {"G": g})
    with pytest.raises(ValueError, match="unknown model kind"):
        ModelBundle("vae", {"G": g})
    with pytest.raises(ValueError, match="latent"):
        ModelBundle("gan", {"G": g}, {"latent": "cauchy"})
    with pytest.raises(ValueError, match="not a ganpaint network"):
        ModelBundle("gan", {"G": torch.nn.Linear(2, 2)})


def test_save_is_atomic_and_leaves_old_file_on_failure(tmp_path: Path) -> None:
    path = small_gan().save(tmp_path / "tiny.safetensors")
    before = path.read_bytes()
    broken = small_gan()
    broken.meta["training"]["callback"] = object()  # not JSON-serialisable
    with pytest.raises(TypeError):
        broken.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["tiny.safetensors"]


def test_load_to_device_string(tmp_path: Path) -> None:
    path = small_gan().save(tmp_path / "tiny.safetensors")
    assert load(path, device="auto").device.type in {"cpu", "cuda", "mps"}
    assert load(path, device=torch.device("cpu")).device == torch.device("cpu")


# --- Errors: one sentence naming the file and the fix ------------------------------------


def one_sentence(message: str) -> bool:
    return message.endswith(".") and ". " not in message.rstrip(".").replace("e.g. ", "")


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nothing.safetensors"
    with pytest.raises(ModelFileError, match="does not exist") as info:
        load(path)
    assert str(path) in str(info.value) and one_sentence(str(info.value))


def test_text_file_named_safetensors(tmp_path: Path) -> None:
    path = tmp_path / "notes.safetensors"
    path.write_text("these are my notes, not a model\n" * 20)
    with pytest.raises(ModelFileError, match="not a valid safetensors file") as info:
        load(path)
    assert str(path) in str(info.value) and one_sentence(str(info.value))


def test_pth_passed_to_load_suggests_import(tmp_path: Path) -> None:
    path = tmp_path / "latest_net_G.pth"
    torch.save(DCGANGenerator(nz=8, ngf=4, image_size=32).state_dict(), path)
    with pytest.raises(ModelFileError, match="ganpaint models import") as info:
        load(path)
    assert str(path) in str(info.value) and one_sentence(str(info.value))


def test_safetensors_without_ganpaint_metadata(tmp_path: Path) -> None:
    path = tmp_path / "foreign.safetensors"
    save_file({"w": torch.zeros(2)}, str(path), metadata={"format": "pt"})
    with pytest.raises(ModelFileError, match="without ganpaint metadata") as info:
        load(path)
    assert str(path) in str(info.value)


def rewrite(path: Path, change_meta=None, change_tensors=None) -> None:
    with safe_open(str(path), framework="pt") as handle:
        meta = json.loads(handle.metadata()["ganpaint"])
        tensors = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118
    if change_meta:
        change_meta(meta)
    if change_tensors:
        change_tensors(tensors)
    save_file(tensors, str(path), metadata={"ganpaint": json.dumps(meta)})


def test_tensors_not_matching_metadata_name_the_keys(tmp_path: Path) -> None:
    path = small_gan().save(tmp_path / "tiny.safetensors")

    def damage(tensors: dict[str, torch.Tensor]) -> None:
        del tensors["G.main.3.weight"]
        tensors["D.main.0.weight"] = torch.zeros(5, 3, 4, 4)
        tensors["X.extra"] = torch.zeros(1)

    rewrite(path, change_tensors=damage)
    with pytest.raises(ModelFileError) as info:
        load(path)
    message = str(info.value)
    assert str(path) in message and "does not match its own metadata" in message
    assert "missing tensors G.main.3.weight" in message
    assert "unexpected tensors X.extra" in message
    assert "D.main.0.weight is 5x3x4x4 but should be 4x3x4x4" in message
    assert one_sentence(message)


def test_config_that_disagrees_with_tensors(tmp_path: Path) -> None:
    path = small_gan().save(tmp_path / "tiny.safetensors")
    rewrite(path, change_meta=lambda meta: meta["nets"]["G"]["config"].update(ngf=8))
    with pytest.raises(ModelFileError, match=r"wrong shapes: G\.main\.0\.weight"):
        load(path)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda m: m.update(format_version=2), "newer ganpaint .*update ganpaint"),
        (lambda m: m.update(kind="diffusion"), "unknown kind 'diffusion'"),
        (lambda m: m["nets"]["G"].update(arch="stylegan9"), "architecture 'stylegan9' for G"),
        (lambda m: m["nets"]["G"]["config"].update(image_size=48), "cannot be built"),
        (lambda m: m.update(latent="cauchy"), "invalid ganpaint metadata"),
        (lambda m: m.pop("format_version"), "damaged ganpaint metadata"),
    ],
)
def test_bad_metadata(tmp_path: Path, change, match: str) -> None:
    path = small_gan().save(tmp_path / "tiny.safetensors")
    rewrite(path, change_meta=change)
    with pytest.raises(ModelFileError, match=match) as info:
        load(path)
    assert str(path) in str(info.value) and one_sentence(str(info.value))


def test_translator_picks_the_generator_for_a_direction() -> None:
    g_a, g_b = ResnetGenerator(ngf=4, n_blocks=1), ResnetGenerator(ngf=4, n_blocks=1)
    cyclegan = ModelBundle.create("cyclegan", {"G_A": g_a, "G_B": g_b}, {"name": "c"})
    assert cyclegan.translator() is g_a and cyclegan.translator("AtoB") is g_a
    assert cyclegan.translator("BtoA") is g_b
    g = ResnetGenerator(ngf=4, n_blocks=1)
    one_way = ModelBundle.create("pix2pix", {"G": g}, {"name": "p", "direction": "BtoA"})
    assert one_way.translator() is g and one_way.translator("BtoA") is g
    with pytest.raises(ModelFileError, match="one-way pix2pix model that translates BtoA"):
        one_way.translator("AtoB")
    gan = ModelBundle.create("gan", {"G": DCGANGenerator(nz=4, ngf=4, image_size=32)}, {})
    with pytest.raises(ModelFileError, match="translation needs a CycleGAN or pix2pix"):
        gan.translator()
