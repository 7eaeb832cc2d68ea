"""SPADE: label maps to images with spatially-adaptive normalisation and a style code.

Park et al., "Semantic Image Synthesis with Spatially-Adaptive Normalization" (CVPR
2019, GauGAN / NVIDIA Canvas). A pix2pix U-Net sees the label map once, at its input,
and its normalisation layers wash the labels out of flat regions; SPADE instead feeds
the label map, resized, to every normalisation layer, which predicts a per-pixel scale
and shift from it. So a big flat "sky" region still knows it is sky at every scale.

What follows the paper: the SPADE layer (parameter-free norm, a shared 3x3 conv with
ReLU on the label map, 3x3 convs to gamma and beta, `x̂ · (1 + gamma) + beta`); the
residual block (SPADE, LeakyReLU 0.2, 3x3 conv twice, a learned 1x1 shortcut when the
width changes); the channel schedule 16·ngf halving to ngf over the upsamplings; the
style encoder (3x3 stride-2 convs with instance norm to mu and log-variance); the
multi-scale PatchGAN discriminators with spectral norm that return their features for
the feature-matching loss.

Where it differs, and why:
- The generator starts from the label map shrunk to 1/2^n_up of the output (the
  paper's non-VAE head) rather than from a fully connected layer of z, so it is fully
  convolutional: any size that is a multiple of 2^n_up, any aspect ratio.
- `out_upsample` 2 runs the last block at half the output's size, then doubles its
  features by nearest neighbours and draws the picture with one 3x3 convolution at full
  size (resize-convolution): the full-size block did two thirds of the work. Not a pixel
  shuffle: its four sub-pixel filters drift apart into a fixed 2x2 pattern (measured:
  the power at (pi, pi) a thousand times the spectrum's median after 2000 steps).
- The style code reaches every SPADE layer, as a learned per-channel shift of its
  shared hidden layer (the code is constant over the image, so this is what a conv
  over label map plus broadcast code would compute, for the price of a matrix
  product), and the head. Style 0 (all zeros) is the mean style: without a style
  picture the result is still deterministic.
- One block per scale (the paper has two at 1/16), and the hidden width of the SPADE
  layers is a setting (`hidden`, the paper's 128), so a model fits a CPU's live mode.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import spectral_norm

from ganpaint.models.init import INIT_STD
from ganpaint.models.init import init_weights as _plain_init

NORMS = ("instance", "batch")
#: What a generator reads: a one-hot label map, or a line sketch as one channel of ink
#: (1 on a line, 0 on paper); a model file says which as `input_map`.
INPUT_MAPS = ("labels", "sketch")
TOP_MULT = 16  # the widest block is 16·ngf, as in the paper
MAX_UP = 8
#: 1: the last SPADE block works at the output's size (the paper); 2: at half of it, and
#: one 3x3 convolution draws the picture from its features doubled by nearest neighbours
#: (Odena et al. 2016): a quarter of the work where nearly all of it is, which is what
#: lets a CPU keep up with live painting, without a checkerboard.
OUT_UPSAMPLES = (1, 2)


def size_multiple(config: dict) -> int:
    """What a SPADE generator's sides must be multiples of, from its config."""
    return 2 ** int(config["n_up"]) * int(config.get("out_upsample", 1))


def init_weights(net: nn.Module) -> nn.Module:
    """The project's N(0, 0.02) start, reaching the weights under spectral norm too (the
    plain init would fill a computed copy and leave the stored weight as it was)."""
    _plain_init(net)
    for module in net.modules():
        if parametrize.is_parametrized(module, "weight"):
            nn.init.normal_(module.parametrizations.weight.original, 0.0, INIT_STD)
    return net


def _param_free_norm(kind: str, channels: int) -> nn.Module:
    if kind not in NORMS:
        raise ValueError(f"Unknown SPADE norm {kind!r}; use one of {', '.join(NORMS)}.")
    if kind == "batch":
        return nn.BatchNorm2d(channels, affine=False)
    return nn.InstanceNorm2d(channels, affine=False)


def _conv(fin: int, fout: int, kernel: int, spectral: bool, bias: bool = True) -> nn.Module:
    conv = nn.Conv2d(fin, fout, kernel, padding=kernel // 2, bias=bias)
    return spectral_norm(conv) if spectral else conv


class Spade(nn.Module):
    """norm(x) · (1 + gamma(labels, style)) + beta(labels, style)."""

    def __init__(self, channels: int, label_nc: int, hidden: int, style_dim: int, norm: str):
        super().__init__()
        self.norm = _param_free_norm(norm, channels)
        self.shared = nn.Conv2d(label_nc, hidden, 3, padding=1)
        self.style = nn.Linear(style_dim, hidden, bias=False) if style_dim else None
        self.gamma = nn.Conv2d(hidden, channels, 3, padding=1)
        self.beta = nn.Conv2d(hidden, channels, 3, padding=1)

    def forward(self, x: torch.Tensor, labels: torch.Tensor, style: torch.Tensor | None):
        if labels.shape[2:] != x.shape[2:]:
            labels = F.interpolate(labels, size=x.shape[2:], mode="nearest")
        hidden = self.shared(labels)
        if self.style is not None and style is not None:
            hidden = hidden + self.style(style)[:, :, None, None]
        hidden = F.relu(hidden)
        return self.norm(x) * (1 + self.gamma(hidden)) + self.beta(hidden)


class SpadeBlock(nn.Module):
    """x_s + conv(act(SPADE(conv(act(SPADE(x)))))), x_s learned when the width changes."""

    def __init__(
        self, fin: int, fout: int, label_nc: int, hidden: int, style_dim: int, norm: str,
        spectral: bool,
    ) -> None:  # fmt: skip
        super().__init__()
        middle = min(fin, fout)
        self.conv_0 = _conv(fin, middle, 3, spectral)
        self.conv_1 = _conv(middle, fout, 3, spectral)
        self.norm_0 = Spade(fin, label_nc, hidden, style_dim, norm)
        self.norm_1 = Spade(middle, label_nc, hidden, style_dim, norm)
        self.learned_shortcut = fin != fout
        if self.learned_shortcut:
            self.conv_s = _conv(fin, fout, 1, spectral, bias=False)
            self.norm_s = Spade(fin, label_nc, hidden, style_dim, norm)

    def forward(self, x: torch.Tensor, labels: torch.Tensor, style: torch.Tensor | None):
        shortcut = self.conv_s(self.norm_s(x, labels, style)) if self.learned_shortcut else x
        dx = self.conv_0(F.leaky_relu(self.norm_0(x, labels, style), 0.2))
        dx = self.conv_1(F.leaky_relu(self.norm_1(dx, labels, style), 0.2))
        return shortcut + dx


class SpadeGenerator(nn.Module):
    """(one-hot labels (N, label_nc, H, W), style (N, style_dim) or None) -> image
    (N, output_nc, H, W) in [-1, 1]; H and W multiples of 2^n_up · out_upsample."""

    arch = "spade_generator"

    def __init__(
        self,
        label_nc: int = 7,
        output_nc: int = 3,
        ngf: int = 16,
        n_up: int = 5,
        style_dim: int = 64,
        spade_hidden: int = 64,
        norm: str = "instance",
        spectral: bool = True,
        out_upsample: int = 1,
        init: bool = True,
    ) -> None:
        super().__init__()
        hidden = spade_hidden
        if out_upsample not in OUT_UPSAMPLES:
            raise ValueError(f"out_upsample must be 1 or 2, not {out_upsample}.")
        if not 1 <= n_up <= MAX_UP:
            raise ValueError(f"n_up must be from 1 to {MAX_UP}, not {n_up}.")
        for name, value in (("label_nc", label_nc), ("output_nc", output_nc), ("ngf", ngf),
                            ("spade_hidden", hidden)):  # fmt: skip
            if value < 1:
                raise ValueError(f"{name} must be at least 1, not {value}.")
        if style_dim < 0:
            raise ValueError(f"style_dim must be 0 (no style) or more, not {style_dim}.")
        _param_free_norm(norm, 1)
        self.config = {
            "label_nc": label_nc, "output_nc": output_nc, "ngf": ngf, "n_up": n_up,
            "style_dim": style_dim, "spade_hidden": hidden, "norm": norm, "spectral": spectral,
            "out_upsample": out_upsample,
        }  # fmt: skip
        self.label_nc, self.style_dim = label_nc, style_dim
        self.out_upsample, self.multiple = out_upsample, 2**n_up * out_upsample
        widths = [ngf * min(TOP_MULT, 2 ** (n_up - i)) for i in range(n_up + 1)]
        widths[0] = ngf * TOP_MULT
        self.head = nn.Conv2d(label_nc, widths[0], 3, padding=1)
        self.head_style = nn.Linear(style_dim, widths[0], bias=False) if style_dim else None
        block = dict(label_nc=label_nc, hidden=hidden, style_dim=style_dim, norm=norm,
                     spectral=spectral)  # fmt: skip
        self.blocks = nn.ModuleList(
            [SpadeBlock(widths[0], widths[0], **block)]
            + [SpadeBlock(widths[i], widths[i + 1], **block) for i in range(n_up)]
        )
        self.to_image = nn.Conv2d(widths[-1], output_nc, 3, padding=1)
        if init:
            init_weights(self)

    def forward(self, labels: torch.Tensor, style: torch.Tensor | None = None) -> torch.Tensor:
        height, width = labels.shape[2:]
        if height % self.multiple or width % self.multiple:
            raise ValueError(
                f"SPADE needs sides that are multiples of {self.multiple}, not {height}x{width}."
            )
        if style is not None and style.shape != (labels.shape[0], self.style_dim):
            raise ValueError(
                f"style must be (N, {self.style_dim}) for N = {labels.shape[0]}, "
                f"not {tuple(style.shape)}."
            )
        small = (height // self.multiple, width // self.multiple)
        x = self.head(F.interpolate(labels, size=small, mode="nearest"))
        if self.head_style is not None and style is not None:
            x = x + self.head_style(style)[:, :, None, None]
        x = self.blocks[0](x, _resized(labels, x), style)
        for block in self.blocks[1:]:
            x = F.interpolate(x, scale_factor=2.0, mode="nearest")
            x = block(x, _resized(labels, x), style)  # once per block, not per SPADE layer
        x = F.leaky_relu(x, 0.2)
        if self.out_upsample > 1:
            x = F.interpolate(x, scale_factor=float(self.out_upsample), mode="nearest")
        return torch.tanh(self.to_image(x))


def _resized(labels: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return F.interpolate(labels, size=like.shape[2:], mode="nearest")


def fold_spectral_norm(net: nn.Module) -> nn.Module:
    """`net` with each spectrally normalised weight replaced by its value, for inference.

    Out of training the normalised weight W / sigma is a constant, yet the
    parametrisation recomputes it on every pass: 20 of the 150 ms of a live 512 px run.
    Only for a net in eval mode that will not train again (its file keeps the form it
    was saved in); folding twice does nothing."""
    if net.training:
        raise ValueError("Fold spectral norm only in eval mode: training would change it.")
    for module in net.modules():
        if parametrize.is_parametrized(module, "weight"):
            parametrize.remove_parametrizations(module, "weight", leave_parametrized=True)
    return net


class SpadeStyleEncoder(nn.Module):
    """image (N, input_nc, H, W) in [-1, 1] -> (mu, logvar), each (N, style_dim).

    The picture is resized to `image_size` first, so any photo can give a style."""

    arch = "spade_style_encoder"

    def __init__(
        self,
        input_nc: int = 3,
        ndf: int = 16,
        style_dim: int = 64,
        image_size: int = 128,
        n_layers: int = 5,
        init: bool = True,
    ) -> None:
        super().__init__()
        if style_dim < 1 or ndf < 1 or input_nc < 1:
            raise ValueError("style_dim, ndf and input_nc must be at least 1.")
        if not 1 <= n_layers <= MAX_UP or image_size % 2**n_layers:
            raise ValueError(
                f"image_size {image_size} must be a multiple of 2^n_layers (n_layers {n_layers})."
            )
        self.config = {"input_nc": input_nc, "ndf": ndf, "style_dim": style_dim,
                       "image_size": image_size, "n_layers": n_layers}  # fmt: skip
        self.image_size = image_size
        layers: list[nn.Module] = []
        width = input_nc
        for i in range(n_layers):
            out = ndf * min(8, 2**i)
            layers += [
                nn.Conv2d(width, out, 3, stride=2, padding=1),
                nn.InstanceNorm2d(out, affine=True),
                nn.LeakyReLU(0.2),
            ]
            width = out
        self.features = nn.Sequential(*layers)
        cells = (image_size // 2**n_layers) ** 2
        self.mu = nn.Linear(width * cells, style_dim)
        self.logvar = nn.Linear(width * cells, style_dim)
        if init:
            init_weights(self)

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if image.shape[2:] != (self.image_size, self.image_size):
            image = F.interpolate(
                image, size=(self.image_size, self.image_size), mode="bilinear",
                align_corners=False, antialias=True,
            )  # fmt: skip
        features = self.features(image).flatten(1)
        return self.mu(features), self.logvar(features)


class MultiscaleDiscriminator(nn.Module):
    """(labels ⊕ image) -> for each of `num_d` scales, the list of its layer outputs
    (the last is the patch logits): the features feed the feature-matching loss."""

    arch = "multiscale_discriminator"

    def __init__(
        self,
        input_nc: int = 10,
        ndf: int = 32,
        n_layers: int = 4,
        num_d: int = 2,
        init: bool = True,
    ) -> None:
        super().__init__()
        if input_nc < 1 or ndf < 1 or not 1 <= n_layers <= 6 or not 1 <= num_d <= 4:
            raise ValueError(
                "input_nc and ndf must be at least 1, n_layers 1 to 6 and num_d 1 to 4."
            )
        self.config = {"input_nc": input_nc, "ndf": ndf, "n_layers": n_layers, "num_d": num_d}
        self.scales = nn.ModuleList(
            [self._patch_discriminator(input_nc, ndf, n_layers) for _ in range(num_d)]
        )
        if init:
            init_weights(self)

    @staticmethod
    def _patch_discriminator(input_nc: int, ndf: int, n_layers: int) -> nn.ModuleList:
        stages: list[nn.Module] = [
            nn.Sequential(
                spectral_norm(nn.Conv2d(input_nc, ndf, 4, stride=2, padding=2)),
                nn.LeakyReLU(0.2),
            )
        ]
        width = ndf
        for n in range(1, n_layers):
            previous, width = width, min(width * 2, 8 * ndf)
            stride = 1 if n == n_layers - 1 else 2
            stages.append(
                nn.Sequential(
                    spectral_norm(
                        nn.Conv2d(previous, width, 4, stride=stride, padding=2, bias=False)
                    ),
                    nn.InstanceNorm2d(width, affine=False),
                    nn.LeakyReLU(0.2),
                )
            )
        stages.append(nn.Conv2d(width, 1, 4, stride=1, padding=2))
        return nn.ModuleList(stages)

    def forward(self, x: torch.Tensor) -> list[list[torch.Tensor]]:
        outputs = []
        for i, stages in enumerate(self.scales):
            if i:
                x = F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)
            features, h = [], x
            for stage in stages:
                h = stage(h)
                features.append(h)
            outputs.append(features)
        return outputs


def one_hot_labels(labels: torch.Tensor, label_nc: int) -> torch.Tensor:
    """Class indices (N, H, W) -> one-hot (N, label_nc, H, W) float; indices out of
    range (unlabelled pixels) get no class at all, so they steer nothing."""
    valid = (labels >= 0) & (labels < label_nc)
    safe = torch.where(valid, labels, torch.zeros_like(labels)).long()
    hot = F.one_hot(safe, label_nc).permute(0, 3, 1, 2).to(torch.float32)
    return hot * valid[:, None].to(torch.float32)
