"""`upsample="resize"` in the translators' generators: layouts, shapes, the bundle format.

"transpose" must stay the reference layout, unrecorded in the config, so imported
checkpoints and older model files read as before; "resize" must be recorded, rebuilt
from a file, and refused in one sentence when a file names an unknown way to upsample.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from test_models_bundle import one_sentence, rewrite
from test_models_networks import L1, L2, L3, L4, bn, layout
from torch import nn

from ganpaint.errors import ModelFileError
from ganpaint.models import (
    ModelBundle,
    NLayerDiscriminator,
    ResnetGenerator,
    UnetGenerator,
    build_net,
    load,
)

Layout = list[tuple[str, tuple[int, ...]]]

# --- Expected resize layouts, written out -------------------------------------------------
# U-Net, 5 downsamplings, ngf 4, batch norm: each block's up conv is its `model.<i>` after
# an Upsample, so it sits one index later than the transposed conv, and so does the norm;
# L4 is the innermost block.


def unet_middle_resize(prefix: str, outer: int, inner: int) -> Layout:
    return [
        (f"{prefix}.1.weight", (inner, outer, 4, 4)),
        *bn(f"{prefix}.2", inner),
        (f"{prefix}.6.weight", (outer, inner * 2, 3, 3)),  # 5 is the Upsample
        *bn(f"{prefix}.7", outer),
    ]


UNET32_RESIZE = [
    ("model.model.0.weight", (4, 3, 4, 4)),
    *unet_middle_resize(L1, 4, 8),
    *unet_middle_resize(L2, 8, 16),
    *unet_middle_resize(L3, 16, 32),
    (f"{L4}.1.weight", (32, 32, 4, 4)),
    (f"{L4}.4.weight", (32, 32, 3, 3)),
    *bn(f"{L4}.5", 32),
    ("model.model.4.weight", (3, 8, 3, 3)),
    ("model.model.4.bias", (3,)),
]

# ResNet, ngf 4, 2 blocks, instance norm: Upsample at 12 and 16, the output conv at 21.
RESNET2_RESIZE = [
    ("model.1.weight", (4, 3, 7, 7)),
    ("model.1.bias", (4,)),
    ("model.4.weight", (8, 4, 3, 3)),
    ("model.4.bias", (8,)),
    ("model.7.weight", (16, 8, 3, 3)),
    ("model.7.bias", (16,)),
    *[
        (f"model.{block}.conv_block.{conv}.{name}", shape)
        for block in (10, 11)
        for conv in (1, 5)
        for name, shape in (("weight", (16, 16, 3, 3)), ("bias", (16,)))
    ],
    ("model.13.weight", (8, 16, 3, 3)),
    ("model.13.bias", (8,)),
    ("model.17.weight", (4, 8, 3, 3)),
    ("model.17.bias", (4,)),
    ("model.21.weight", (3, 4, 7, 7)),
    ("model.21.bias", (3,)),
]


def small_unet(upsample: str) -> UnetGenerator:
    return UnetGenerator(3, 3, 5, 4, "batch", upsample=upsample)


def small_resnet(upsample: str) -> ResnetGenerator:
    return ResnetGenerator(3, 3, 4, "instance", n_blocks=2, upsample=upsample)


def test_resize_layouts_are_the_written_ones() -> None:
    assert sorted(layout(small_unet("resize"))) == sorted(UNET32_RESIZE)
    assert sorted(layout(small_resnet("resize"))) == sorted(RESNET2_RESIZE)


@pytest.mark.parametrize("make", [small_unet, small_resnet], ids=["unet", "resnet"])
def test_transpose_is_the_unrecorded_reference_default(make) -> None:
    """An explicit "transpose" builds exactly the default net and leaves no trace in the
    config, so files written before the setting existed, and imported reference
    checkpoints, describe the same net as ever; "resize" is recorded."""
    default = make("transpose")
    plain = type(default)(**default.config)
    assert layout(default) == layout(plain)
    assert "upsample" not in default.config and "upsample" not in plain.config
    assert any(isinstance(m, nn.ConvTranspose2d) for m in default.modules())
    resized = make("resize")
    assert resized.config["upsample"] == "resize"
    assert not any(isinstance(m, nn.ConvTranspose2d) for m in resized.modules())
    # 3x3 kernels against 4x4 (U-Net) or the same 3x3 (ResNet): never more weights.
    assert sum(p.numel() for p in resized.parameters()) <= sum(
        p.numel() for p in default.parameters()
    )


@pytest.mark.parametrize("upsample", ["transpose", "resize"])
def test_both_settings_keep_the_image_size(upsample: str) -> None:
    unet, resnet = small_unet(upsample).eval(), small_resnet(upsample).eval()
    with torch.no_grad():
        assert unet(torch.zeros(1, 3, 64, 96)).shape == (1, 3, 64, 96)
        assert resnet(torch.zeros(2, 3, 36, 44)).shape == (2, 3, 36, 44)
        # The smallest maps: a 1x1 U-Net bottleneck and a 2x2 ResNet one still upsample
        # (the resize conv pads by reflection, which needs 2 px after the resize).
        assert unet(torch.zeros(1, 3, 32, 32)).shape == (1, 3, 32, 32)
        assert resnet(torch.zeros(1, 3, 8, 8)).shape == (1, 3, 8, 8)


def test_build_net_rebuilds_resize_from_its_config() -> None:
    for net in (small_unet("resize"), small_resnet("resize")):
        config = json.loads(json.dumps(net.config))
        rebuilt = build_net(net.arch, config, init=False)
        assert rebuilt.config == net.config and layout(rebuilt) == layout(net)


def test_an_unknown_upsample_is_refused_when_built() -> None:
    with pytest.raises(ValueError, match=r"Unknown upsample 'bilinear'; use one of transpose, r"):
        UnetGenerator(upsample="bilinear")
    with pytest.raises(ValueError, match="Unknown upsample 2"):
        build_net("resnet_generator", {"ngf": 4, "n_blocks": 1, "upsample": 2})


# --- The bundle format --------------------------------------------------------------------


def pix2pix(upsample: str) -> ModelBundle:
    nets = {"G": small_unet(upsample), "D": NLayerDiscriminator(6, 4, 2, "batch")}
    for module in nets["G"].modules():  # running stats as after training
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 1.5)
    # Trained with batches of 4, so loading keeps BatchNorm's running statistics.
    training = {"config": {"batch": 4}}
    meta = {"name": f"tiny-{upsample}", "resolution": 32, "training": training}
    return ModelBundle.create("pix2pix", nets, meta)


def cyclegan(upsample: str) -> ModelBundle:
    nets = {"G_A": small_resnet(upsample), "G_B": small_resnet(upsample)}
    return ModelBundle.create("cyclegan", nets, {"name": f"tiny-{upsample}", "resolution": 32})


@pytest.mark.parametrize("upsample", ["transpose", "resize"])
@pytest.mark.parametrize("make", [pix2pix, cyclegan], ids=["pix2pix", "cyclegan"])
def test_bundles_round_trip_both_settings(tmp_path: Path, make, upsample: str) -> None:
    bundle = make(upsample).eval()
    loaded = load(bundle.save(tmp_path / "tiny.safetensors"))
    image = torch.rand(1, 3, 32, 32) * 2 - 1
    for prefix, net in bundle.nets.items():
        assert loaded.nets[prefix].config == net.config
        if prefix.startswith("G"):
            recorded = loaded.meta["nets"][prefix]["config"].get("upsample")
            assert recorded == ("resize" if upsample == "resize" else None)
            with torch.no_grad():
                assert torch.equal(loaded.nets[prefix](image), net(image))


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ("bilinear", r"cannot be built \(Unknown upsample 'bilinear'; use one of transpose, "),
        (2, r"cannot be built \(Unknown upsample 2;"),
        ("x" * 900, r"cannot be built \(Unknown upsample 'xxx.*\.\.\.; use one of"),
        ([1], r"invalid ganpaint metadata \(G\.upsample is \[1\], which no architecture takes"),
    ],
    ids=["unknown", "number", "long", "list"],
)
def test_a_file_naming_an_unknown_upsample_is_one_sentence(
    tmp_path: Path, value: object, match: str
) -> None:
    path = pix2pix("resize").save(tmp_path / "tiny.safetensors")
    rewrite(path, change_meta=lambda meta: meta["nets"]["G"]["config"].update(upsample=value))
    with pytest.raises(ModelFileError, match=match) as info:
        load(path)
    message = str(info.value)
    assert str(path) in message and one_sentence(message) and len(message) < 400
    assert "\n" not in message


def test_a_file_whose_upsample_disagrees_with_its_tensors_names_them(tmp_path: Path) -> None:
    resized = pix2pix("resize").save(tmp_path / "resize.safetensors")
    rewrite(resized, change_meta=lambda meta: meta["nets"]["G"]["config"].pop("upsample"))
    with pytest.raises(ModelFileError, match="does not match its own metadata") as info:
        load(resized)
    message = str(info.value)
    assert "missing tensors G.model" in message and "is 32x32x3x3 but should be" in message
    assert one_sentence(message)


def test_an_explicit_transpose_in_a_file_loads(tmp_path: Path) -> None:
    """Other writers may record the default; it reads as the reference layout."""
    path = cyclegan("transpose").save(tmp_path / "tiny.safetensors")
    rewrite(
        path, change_meta=lambda meta: meta["nets"]["G_A"]["config"].update(upsample="transpose")
    )
    assert "upsample" not in load(path).nets["G_A"].config
