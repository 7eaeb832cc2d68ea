"""Importing reference checkpoints: architecture inference, exact outputs, refusing pickle."""

from __future__ import annotations

import os
import pathlib
from pathlib import Path

import pytest
import torch
from models_reference_layouts import (
    ExamplesD,
    ExamplesG,
    RefPatchGAN,
    RefResnet,
    RefUnet,
    scramble,
)
from torch import nn

from ganpaint.errors import ModelFileError
from ganpaint.models import describe, import_reference, load, read_state_dict


def assert_same_outputs(ours: nn.Module, reference: nn.Module, x: torch.Tensor) -> None:
    with torch.no_grad():
        expected, got = reference.eval()(x), ours(x)
    torch.testing.assert_close(got, expected, atol=1e-6, rtol=0)


def instance_norm_extras(net: nn.Module) -> dict[str, torch.Tensor]:
    """The running-stat buffers that 2017-era InstanceNorm layers carried into saved files."""
    extras = {}
    for name, module in net.named_modules():
        if isinstance(module, nn.InstanceNorm2d):
            extras[f"{name}.running_mean"] = torch.randn(module.num_features)
            extras[f"{name}.running_var"] = torch.rand(module.num_features) + 0.5
            extras[f"{name}.num_batches_tracked"] = torch.tensor(7)
    return extras


# --- CycleGAN / pix2pix generators ----------------------------------------------------------


@pytest.mark.parametrize(
    ("blocks", "norm", "dropout", "style"),
    [
        (9, "instance", False, "plain"),
        (9, "instance", False, "released-2017"),  # InstanceNorm running stats in the file
        (6, "instance", True, "plain"),
        (6, "batch", False, "dataparallel"),  # `module.` prefixes
        (6, "none", True, "wrapped"),  # {"state_dict": ..., "epoch": ...}
    ],
)
def test_resnet_generator_import_reproduces_reference(
    tmp_path: Path, blocks: int, norm: str, dropout: bool, style: str
) -> None:
    reference = scramble(RefResnet(3, 3, 8, blocks, norm, dropout))
    state = dict(reference.state_dict())
    if style == "released-2017":
        state.update(instance_norm_extras(reference))
    path = tmp_path / "horse2zebra.pth"
    if style == "dataparallel":
        torch.save({f"module.{k}": v for k, v in state.items()}, path)
    elif style == "wrapped":
        torch.save({"state_dict": state, "epoch": 200, "note": "x"}, path)
    else:
        torch.save(state, path)

    bundle = import_reference(path)

    assert bundle.kind == "pix2pix"  # one generator: a one-way translator
    config = bundle.meta["nets"]["G"]["config"]
    assert bundle.meta["nets"]["G"]["arch"] == "resnet_generator"
    assert config == {
        "input_nc": 3,
        "output_nc": 3,
        "ngf": 8,
        "norm": norm,
        "use_dropout": dropout,
        "n_blocks": blocks,
    }
    assert bundle.meta["domains"] == {"A": "horse", "B": "zebra"}
    assert bundle.meta["direction"] == "AtoB" and bundle.meta["name"] == "horse2zebra"
    assert bundle.meta["source"] == "imported from horse2zebra.pth"
    assert_same_outputs(bundle.nets["G"], reference, torch.randn(1, 3, 16, 16))


@pytest.mark.parametrize(("num_downs", "norm"), [(8, "batch"), (7, "instance"), (5, "none")])
def test_unet_generator_import_reproduces_reference(
    tmp_path: Path, num_downs: int, norm: str
) -> None:
    reference = scramble(RefUnet(3, 2, num_downs, 4, norm))
    path = tmp_path / "latest_net_G.pth"
    torch.save(reference.state_dict(), path)
    bundle = import_reference(path)
    assert bundle.kind == "pix2pix"
    assert bundle.meta["nets"]["G"] == {
        "arch": "unet_generator",
        "config": {
            "input_nc": 3,
            "output_nc": 2,
            "num_downs": num_downs,
            "ngf": 4,
            "norm": norm,
            "use_dropout": False,
        },
    }
    assert bundle.meta["resolution"] == 2**num_downs
    assert bundle.meta["channels_in"] == 3 and bundle.meta["channels_out"] == 2
    size = 2**num_downs
    assert_same_outputs(bundle.nets["G"], reference, torch.randn(1, 3, size, size))


def test_pix2pix_with_patchgan_discriminator(tmp_path: Path) -> None:
    generator = scramble(RefUnet(3, 3, 5, 4, "batch"))
    discriminator = scramble(RefPatchGAN(6, 4, 3, "batch"))
    run = tmp_path / "facades_label2photo"
    run.mkdir()
    torch.save(generator.state_dict(), run / "latest_net_G.pth")
    torch.save(discriminator.state_dict(), run / "latest_net_D.pth")
    bundle = import_reference(run / "latest_net_G.pth", discriminator=run / "latest_net_D.pth")
    assert bundle.kind == "pix2pix" and set(bundle.nets) == {"G", "D"}
    assert bundle.meta["name"] == "facades_label2photo"
    assert bundle.meta["domains"] == {"A": "label", "B": "photo"}
    assert bundle.meta["nets"]["D"]["config"] == {
        "input_nc": 6,
        "ndf": 4,
        "n_layers": 3,
        "norm": "batch",
    }
    assert_same_outputs(bundle.nets["D"], discriminator, torch.randn(1, 6, 64, 64))


def test_cyclegan_run_folder_imports_both_directions(tmp_path: Path) -> None:
    run = tmp_path / "day2night_cyclegan"
    run.mkdir()
    g_a = scramble(RefResnet(3, 3, 4, 2, "instance", False))
    g_b = scramble(RefResnet(3, 3, 4, 2, "instance", False))
    torch.save(g_a.state_dict(), run / "latest_net_G_A.pth")
    torch.save(g_b.state_dict(), run / "latest_net_G_B.pth")
    for name in ("latest_net_G_A.pth", "latest_net_G_B.pth"):
        bundle = import_reference(run / name)
        assert bundle.kind == "cyclegan" and set(bundle.nets) == {"G_A", "G_B"}
        assert bundle.meta["domains"] == {"A": "day", "B": "night"}
        x = torch.randn(1, 3, 16, 16)
        assert_same_outputs(bundle.nets["G_A"], g_a, x)
        assert_same_outputs(bundle.nets["G_B"], g_b, x)


def test_single_g_b_file_imports_as_b_to_a(tmp_path: Path) -> None:
    run = tmp_path / "horse2zebra"
    run.mkdir()
    path = run / "latest_net_G_B.pth"
    torch.save(scramble(RefResnet(3, 3, 4, 1, "instance", False)).state_dict(), path)
    bundle = import_reference(path)
    assert bundle.kind == "pix2pix" and bundle.meta["direction"] == "BtoA"
    assert bundle.meta["domains"] == {"A": "horse", "B": "zebra"}
    assert bundle.meta["name"] == "horse2zebra_BtoA"
    assert "translates:  zebra -> horse" in describe(bundle)


# --- DCGAN (pytorch/examples) ---------------------------------------------------------------


def test_dcgan_generator_and_discriminator_import(tmp_path: Path) -> None:
    g, d = scramble(ExamplesG(nz=10, ngf=4, nc=3)), scramble(ExamplesD(ndf=4, nc=3))
    torch.save(g.state_dict(), tmp_path / "netG_epoch_24.pth")
    torch.save(d.state_dict(), tmp_path / "netD_epoch_24.pth")
    bundle = import_reference(tmp_path / "netG_epoch_24.pth", tmp_path / "netD_epoch_24.pth")
    assert bundle.kind == "gan" and set(bundle.nets) == {"G", "D"}
    assert bundle.meta["latent"] == "normal"  # pytorch/examples samples z ~ N(0, 1)
    assert bundle.meta["nz"] == 10 and bundle.meta["resolution"] == 64
    assert bundle.meta["nets"]["G"]["config"] == {"nz": 10, "ngf": 4, "nc": 3, "image_size": 64}
    z = torch.randn(3, 10, 1, 1)
    assert_same_outputs(bundle.nets["G"], g, z)
    image = torch.randn(3, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(
            torch.sigmoid(bundle.nets["D"](image)), d(image), atol=1e-6, rtol=0
        )


def test_imported_bundle_survives_save_and_load(tmp_path: Path) -> None:
    g = scramble(ExamplesG(nz=10, ngf=4, nc=3))
    torch.save(g.state_dict(), tmp_path / "netG_epoch_1.pth")
    saved = import_reference(tmp_path / "netG_epoch_1.pth").save(tmp_path / "imported.safetensors")
    loaded = load(saved)
    assert loaded.meta["source"] == "imported from netG_epoch_1.pth"
    assert_same_outputs(loaded.nets["G"], g, torch.randn(2, 10, 1, 1))


# --- Refusals ---------------------------------------------------------------------------------


class CreatesFile:
    """Unpickling this calls Path.touch: what a malicious checkpoint could do."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self):
        return (pathlib.Path.touch, (self.target,))


class RunsCommand:
    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self):
        return (os.system, (f"touch {self.target}",))


@pytest.mark.parametrize("payload", [CreatesFile, RunsCommand])
def test_pickle_payload_is_refused_and_never_runs(tmp_path: Path, payload: type) -> None:
    witness = tmp_path / "pwned"
    path = tmp_path / "latest_net_G.pth"
    state = scramble(RefResnet(3, 3, 4, 1, "instance", False)).state_dict()
    torch.save({**state, "extra": payload(witness)}, path)

    with pytest.raises(ModelFileError, match="refuses to load it") as info:
        import_reference(path)
    assert str(path) in str(info.value)
    assert not witness.exists()

    # The payload is real: unrestricted unpickling would have run it.
    torch.load(path, weights_only=False)
    assert witness.exists()


def test_unrecognised_keys_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "classifier.pth"
    torch.save(nn.Sequential(nn.Linear(4, 4)).state_dict(), path)
    with pytest.raises(ModelFileError, match="match none of the layouts") as info:
        import_reference(path)
    assert str(path) in str(info.value)


def test_modified_reference_layout_names_the_problem(tmp_path: Path) -> None:
    state = dict(scramble(RefResnet(3, 3, 4, 2, "instance", False)).state_dict())
    state["model.10.conv_block.1.weight"] = torch.zeros(16, 16, 5, 5)
    path = tmp_path / "odd.pth"
    torch.save(state, path)
    with pytest.raises(ModelFileError, match=r"model\.10\.conv_block\.1\.weight is 16x16x5x5"):
        import_reference(path)


def test_discriminator_alone_or_mismatched_is_refused(tmp_path: Path) -> None:
    torch.save(scramble(ExamplesD(4, 3)).state_dict(), tmp_path / "netD.pth")
    torch.save(scramble(RefResnet(3, 3, 4, 1, "instance", False)).state_dict(), tmp_path / "g.pth")
    with pytest.raises(ModelFileError, match="not a generator"):
        import_reference(tmp_path / "netD.pth")
    with pytest.raises(ModelFileError, match="does not pair"):
        import_reference(tmp_path / "g.pth", discriminator=tmp_path / "netD.pth")


def test_not_a_checkpoint_and_several_networks(tmp_path: Path) -> None:
    text = tmp_path / "notes.pth"
    text.write_text("hello")
    with pytest.raises(ModelFileError, match="not a PyTorch checkpoint"):
        read_state_dict(text)
    both = tmp_path / "both.pth"
    g, d = ExamplesG(4, 4, 3), ExamplesD(4, 3)
    torch.save({"netG": g.state_dict(), "netD": d.state_dict()}, both)
    with pytest.raises(ModelFileError, match="several networks"):
        read_state_dict(both)
    with pytest.raises(ModelFileError, match="does not exist"):
        read_state_dict(tmp_path / "missing.pth")


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"These are my notes about the model, not weights.\n", "a text file"),
        (b"hello", "a text file"),
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data of another kind"),
    ],
)
def test_a_file_renamed_pth_is_not_a_checkpoint(tmp_path: Path, content: bytes, what: str) -> None:
    """Not "contains Python objects ... re-save it": the file is not a checkpoint at all."""
    path = tmp_path / "latest_net_G.pth"
    path.write_bytes(content)
    with pytest.raises(ModelFileError) as info:
        import_reference(path)
    message = str(info.value)
    assert f"{path} is not a PyTorch checkpoint: it is {what}" in message
    assert "unpickling" not in message


def test_the_legacy_pickle_format_still_imports(tmp_path: Path) -> None:
    path = tmp_path / "latest_net_G.pth"
    net = scramble(RefResnet(3, 3, 4, 1, "instance", False))
    torch.save(net.state_dict(), path, _use_new_zipfile_serialization=False)
    assert path.read_bytes()[:1] == b"\x80"
    assert set(read_state_dict(path)) == set(net.state_dict())
