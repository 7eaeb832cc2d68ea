"""Network layouts: reference key names and shapes, output shapes, init, rebuild from config."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from ganpaint.models import (
    ARCHITECTURES,
    DCGANDiscriminator,
    DCGANEncoder,
    DCGANGenerator,
    MLPDiscriminator,
    MLPGenerator,
    NLayerDiscriminator,
    ResnetGenerator,
    UnetGenerator,
    build_net,
    init_weights,
)


def layout(net: nn.Module) -> list[tuple[str, tuple[int, ...]]]:
    return [(key, tuple(value.shape)) for key, value in net.state_dict().items()]


def bn(prefix: str, channels: int) -> list[tuple[str, tuple[int, ...]]]:
    """The five state-dict entries of a BatchNorm2d."""
    return [
        (f"{prefix}.weight", (channels,)),
        (f"{prefix}.bias", (channels,)),
        (f"{prefix}.running_mean", (channels,)),
        (f"{prefix}.running_var", (channels,)),
        (f"{prefix}.num_batches_tracked", ()),
    ]


# --- Expected layouts, written out from the reference facts ------------------------------

DCGAN64_G = [
    ("main.0.weight", (100, 512, 4, 4)),
    *bn("main.1", 512),
    ("main.3.weight", (512, 256, 4, 4)),
    *bn("main.4", 256),
    ("main.6.weight", (256, 128, 4, 4)),
    *bn("main.7", 128),
    ("main.9.weight", (128, 64, 4, 4)),
    *bn("main.10", 64),
    ("main.12.weight", (64, 3, 4, 4)),
]

DCGAN64_D = [
    ("main.0.weight", (64, 3, 4, 4)),
    ("main.2.weight", (128, 64, 4, 4)),
    *bn("main.3", 128),
    ("main.5.weight", (256, 128, 4, 4)),
    *bn("main.6", 256),
    ("main.8.weight", (512, 256, 4, 4)),
    *bn("main.9", 512),
    ("main.11.weight", (1, 512, 4, 4)),
]


def resblock(index: int, second_conv: int) -> list[tuple[str, tuple[int, ...]]]:
    return [
        (f"model.{index}.conv_block.1.weight", (256, 256, 3, 3)),
        (f"model.{index}.conv_block.1.bias", (256,)),
        (f"model.{index}.conv_block.{second_conv}.weight", (256, 256, 3, 3)),
        (f"model.{index}.conv_block.{second_conv}.bias", (256,)),
    ]


RESNET9_INSTANCE = [
    ("model.1.weight", (64, 3, 7, 7)),
    ("model.1.bias", (64,)),
    ("model.4.weight", (128, 64, 3, 3)),
    ("model.4.bias", (128,)),
    ("model.7.weight", (256, 128, 3, 3)),
    ("model.7.bias", (256,)),
    *[entry for index in range(10, 19) for entry in resblock(index, 5)],
    ("model.19.weight", (256, 128, 3, 3)),
    ("model.19.bias", (128,)),
    ("model.22.weight", (128, 64, 3, 3)),
    ("model.22.bias", (64,)),
    ("model.26.weight", (3, 64, 7, 7)),
    ("model.26.bias", (3,)),
]

RESNET6_DROPOUT = [
    ("model.1.weight", (64, 3, 7, 7)),
    ("model.1.bias", (64,)),
    ("model.4.weight", (128, 64, 3, 3)),
    ("model.4.bias", (128,)),
    ("model.7.weight", (256, 128, 3, 3)),
    ("model.7.bias", (256,)),
    *[entry for index in range(10, 16) for entry in resblock(index, 6)],
    ("model.16.weight", (256, 128, 3, 3)),
    ("model.16.bias", (128,)),
    ("model.19.weight", (128, 64, 3, 3)),
    ("model.19.bias", (64,)),
    ("model.23.weight", (3, 64, 7, 7)),
    ("model.23.bias", (3,)),
]

L1 = "model.model.1.model"
L2 = L1 + ".3.model"
L3 = L2 + ".3.model"
L4 = L3 + ".3.model"
L5 = L4 + ".3.model"
L6 = L5 + ".3.model"
L7 = L6 + ".3.model"  # innermost


def unet_middle(prefix: str, outer: int, inner: int) -> list[tuple[str, tuple[int, ...]]]:
    return [
        (f"{prefix}.1.weight", (inner, outer, 4, 4)),
        *bn(f"{prefix}.2", inner),
        (f"{prefix}.5.weight", (inner * 2, outer, 4, 4)),
        *bn(f"{prefix}.6", outer),
    ]


UNET256_BATCH = [
    ("model.model.0.weight", (64, 3, 4, 4)),
    *unet_middle(L1, 64, 128),
    *unet_middle(L2, 128, 256),
    *unet_middle(L3, 256, 512),
    *unet_middle(L4, 512, 512),
    *unet_middle(L5, 512, 512),
    *unet_middle(L6, 512, 512),
    (f"{L7}.1.weight", (512, 512, 4, 4)),
    (f"{L7}.3.weight", (512, 512, 4, 4)),
    *bn(f"{L7}.4", 512),
    ("model.model.3.weight", (128, 3, 4, 4)),
    ("model.model.3.bias", (3,)),
]

PATCHGAN3_BATCH = [
    ("model.0.weight", (64, 6, 4, 4)),
    ("model.0.bias", (64,)),
    ("model.2.weight", (128, 64, 4, 4)),
    *bn("model.3", 128),
    ("model.5.weight", (256, 128, 4, 4)),
    *bn("model.6", 256),
    ("model.8.weight", (512, 256, 4, 4)),
    *bn("model.9", 512),
    ("model.11.weight", (1, 512, 4, 4)),
    ("model.11.bias", (1,)),
]


@pytest.mark.parametrize(
    ("net", "expected"),
    [
        (lambda: DCGANGenerator(nz=100, ngf=64, nc=3, image_size=64, init=False), DCGAN64_G),
        (lambda: DCGANDiscriminator(ndf=64, nc=3, image_size=64, init=False), DCGAN64_D),
        (lambda: ResnetGenerator(3, 3, 64, "instance", False, 9, init=False), RESNET9_INSTANCE),
        (lambda: ResnetGenerator(3, 3, 64, "instance", True, 6, init=False), RESNET6_DROPOUT),
        (lambda: UnetGenerator(3, 3, 8, 64, "batch", init=False), UNET256_BATCH),
        (lambda: NLayerDiscriminator(6, 64, 3, "batch", init=False), PATCHGAN3_BATCH),
    ],
    ids=["dcgan64-G", "dcgan64-D", "resnet9-instance", "resnet6-dropout", "unet256", "patchgan"],
)
def test_state_dict_keys_match_reference_layout(net, expected) -> None:
    got = layout(net())
    assert sorted(got) == sorted(expected)


def test_unet_dropout_does_not_change_keys() -> None:
    plain = UnetGenerator(3, 3, 8, 4, "batch", use_dropout=False, init=False)
    dropout = UnetGenerator(3, 3, 8, 4, "batch", use_dropout=True, init=False)
    assert layout(plain) == layout(dropout)
    assert any(isinstance(m, nn.Dropout) for m in dropout.modules())


def test_instance_norm_has_no_parameters_or_buffers() -> None:
    net = ResnetGenerator(3, 3, 8, "instance", n_blocks=1, init=False)
    norms = [m for m in net.modules() if isinstance(m, nn.InstanceNorm2d)]
    assert norms
    assert all(not list(m.parameters()) and not list(m.buffers()) for m in norms)


def test_norm_none_has_no_bias_except_output_conv() -> None:
    net = ResnetGenerator(3, 3, 8, "none", n_blocks=2, init=False)
    keys = list(net.state_dict())
    assert [k for k in keys if k.endswith(".bias")] == ["model.19.bias"]


@pytest.mark.parametrize("size", [32, 64, 128])
def test_dcgan_shapes_at_every_size(size: int) -> None:
    g = DCGANGenerator(nz=8, ngf=4, image_size=size).eval()
    d = DCGANDiscriminator(ndf=4, image_size=size).eval()
    e = DCGANEncoder(nz=8, ndf=4, image_size=size).eval()
    z = torch.rand(2, 8) * 2 - 1
    image = g(z)
    assert image.shape == (2, 3, size, size)
    assert torch.equal(image, g(z[:, :, None, None]))
    assert image.abs().max() <= 1
    assert d(image).shape == (2,)
    code = e(image * 50)
    assert code.shape == (2, 8) and code.abs().max() <= 1
    # ngf * 2**(n_blocks - 1): 4 blocks at 64 px, one fewer at 32, one more at 128.
    assert g.main[0].out_channels == {32: 4 * 4, 64: 4 * 8, 128: 4 * 16}[size]
    assert d.main[-1].in_channels == {32: 4 * 4, 64: 4 * 8, 128: 4 * 16}[size]


def test_dcgan_rejects_wrong_input_shapes() -> None:
    with pytest.raises(ValueError, match="image_size"):
        DCGANGenerator(image_size=48)
    with pytest.raises(ValueError, match="z of shape"):
        DCGANGenerator(nz=8, ngf=4, image_size=32)(torch.zeros(1, 7))
    with pytest.raises(ValueError, match="32, 32"):
        DCGANDiscriminator(ndf=4, image_size=32)(torch.zeros(1, 3, 64, 64))


def test_mlp_gan_shapes_and_dropout() -> None:
    g = MLPGenerator(nz=10, hidden=[16, 32]).eval()
    d = MLPDiscriminator(hidden=[32, 16]).eval()
    image = g(torch.rand(3, 10, 1, 1))
    assert image.shape == (3, 1, 28, 28) and image.abs().max() <= 1
    assert isinstance(g.main[-1], nn.Tanh)
    assert d(image).shape == (3,)
    assert any(isinstance(m, nn.Dropout) for m in d.modules())


def test_translators_keep_image_size() -> None:
    x = torch.randn(1, 3, 32, 32)
    assert ResnetGenerator(3, 1, 4, n_blocks=2).eval()(x).shape == (1, 1, 32, 32)
    assert UnetGenerator(3, 2, 5, 4).eval()(x).shape == (1, 2, 32, 32)
    with pytest.raises(ValueError, match="multiples of 32"):
        UnetGenerator(3, 2, 5, 4)(torch.randn(1, 3, 48, 40))


def test_patchgan_is_70px_patches() -> None:
    d = NLayerDiscriminator(3, 4, 3).eval()
    assert d(torch.randn(1, 3, 256, 256)).shape == (1, 1, 30, 30)


def test_init_weights_statistics() -> None:
    net = nn.Sequential(nn.Conv2d(64, 64, 3), nn.BatchNorm2d(512), nn.Linear(300, 300))
    init_weights(net)
    conv, norm, linear = net
    assert abs(conv.weight.std().item() - 0.02) < 0.002 and conv.bias.abs().max() == 0
    assert abs(norm.weight.mean().item() - 1) < 0.005 and norm.bias.abs().max() == 0
    assert abs(linear.weight.std().item() - 0.02) < 0.002 and linear.bias.abs().max() == 0


def test_constructors_init_unless_told_not_to() -> None:
    net = DCGANGenerator(nz=8, ngf=8, image_size=32)
    assert abs(net.main[0].weight.std().item() - 0.02) < 0.004
    raw = DCGANGenerator(nz=8, ngf=8, image_size=32, init=False)
    assert abs(raw.main[0].weight.std().item() - 0.02) > 0.004  # PyTorch's default init


SMALL_CONFIGS = {
    "dcgan_generator": {"nz": 8, "ngf": 4, "nc": 3, "image_size": 32},
    "dcgan_discriminator": {"ndf": 4, "nc": 3, "image_size": 32},
    "dcgan_encoder": {"nz": 8, "ndf": 4, "nc": 3, "image_size": 32},
    "mlp_generator": {"nz": 8, "hidden": [16], "image_size": 8, "nc": 1},
    "mlp_discriminator": {"hidden": [16], "image_size": 8, "nc": 1, "dropout": 0.2},
    "resnet_generator": {
        "input_nc": 3,
        "output_nc": 3,
        "ngf": 4,
        "norm": "instance",
        "use_dropout": True,
        "n_blocks": 2,
    },
    "unet_generator": {
        "input_nc": 1,
        "output_nc": 3,
        "num_downs": 5,
        "ngf": 4,
        "norm": "batch",
        "use_dropout": False,
    },
    "nlayer_discriminator": {"input_nc": 6, "ndf": 4, "n_layers": 2, "norm": "instance"},
    "spade_generator": {
        "label_nc": 7,
        "output_nc": 3,
        "ngf": 4,
        "n_up": 3,
        "style_dim": 8,
        "spade_hidden": 8,
        "norm": "instance",
        "spectral": True,
        "out_upsample": 2,
    },
    "spade_style_encoder": {
        "input_nc": 3,
        "ndf": 4,
        "style_dim": 8,
        "image_size": 32,
        "n_layers": 3,
    },
    "multiscale_discriminator": {"input_nc": 10, "ndf": 4, "n_layers": 3, "num_d": 2},
    "spade_style_guess": {"label_nc": 7, "style_dim": 8, "ndf": 4},
    "star_head": {"input_nc": 3, "output_nc": 3, "width": 4, "density": 0.05},
}


@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
def test_build_net_round_trips_config(arch: str) -> None:
    net = build_net(arch, SMALL_CONFIGS[arch])
    assert net.arch == arch
    assert net.config == SMALL_CONFIGS[arch]
    assert json.loads(json.dumps(net.config)) == net.config
    rebuilt = build_net(arch, json.loads(json.dumps(net.config)), init=False)
    assert layout(rebuilt) == layout(net)


def test_build_net_rejects_unknown_arch_and_bad_config() -> None:
    with pytest.raises(ValueError, match="Unknown network architecture"):
        build_net("stylegan9", {})
    with pytest.raises(ValueError, match="Bad config"):
        build_net("dcgan_generator", {"nz": 8, "colour": "blue"})


def test_wgan_critic_norms_keep_key_names_and_treat_samples_independently() -> None:
    """Layer norm (WGAN-GP's critic) sits where batch norm was; each sample is scored alone."""
    from ganpaint.models import build_net

    batch = build_net("dcgan_discriminator", {"ndf": 4, "nc": 3, "image_size": 32})
    layer = build_net("dcgan_discriminator", {"ndf": 4, "nc": 3, "image_size": 32, "norm": "layer"})
    plain = build_net("dcgan_discriminator", {"ndf": 4, "nc": 3, "image_size": 32, "norm": "none"})
    conv_keys = {k for k in batch.state_dict() if k.endswith(".weight") and "main.0" in k}
    assert conv_keys <= set(layer.state_dict()) and conv_keys <= set(plain.state_dict())
    assert "norm" not in batch.config and layer.config["norm"] == "layer"
    layer.train()
    x = torch.randn(4, 3, 32, 32)
    alone = torch.cat([layer(x[i : i + 1]) for i in range(4)])
    assert torch.allclose(layer(x), alone, atol=1e-5)
    with pytest.raises(ValueError, match="layer"):
        build_net("dcgan_discriminator", {"ndf": 4, "nc": 3, "image_size": 32, "norm": "group"})
