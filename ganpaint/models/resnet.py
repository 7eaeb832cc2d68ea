"""The ResNet image-to-image generator of CycleGAN (Johnson et al.'s style-transfer net).

Layer order and indices match pytorch-CycleGAN-and-pix2pix, so `model.<i>...` state
dict keys of its released `resnet_6blocks` / `resnet_9blocks` checkpoints load as is:
reflection padding, a 7x7 conv, two stride-2 downsamplings, n residual blocks, two
transposed-conv upsamplings and a 7x7 conv to tanh.

`upsample="resize"` (see ganpaint.models.upsample) makes each upsampling a nearest
resize and a 3x3 conv: one module more per upsampling, so the indices from the first
upsampling on move by one and two (the output conv is `model.<n_blocks + 19>`).
"""

from __future__ import annotations

import torch
from torch import nn

from ganpaint.models.init import init_weights
from ganpaint.models.norm import conv_bias, norm_layer
from ganpaint.models.upsample import DEFAULT_UPSAMPLE, check_upsample, resize_conv

N_DOWNSAMPLING = 2


class ResnetBlock(nn.Module):
    """x + F(x) with F = pad, conv3, norm, ReLU, [dropout], pad, conv3, norm.

    The optional dropout sits between the two convs, which is why the second conv
    is `conv_block.6` with dropout and `conv_block.5` without.
    """

    def __init__(self, dim: int, norm: str, use_dropout: bool) -> None:
        super().__init__()
        make_norm, bias = norm_layer(norm), conv_bias(norm)
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(1),
            nn.Conv2d(dim, dim, 3, padding=0, bias=bias),
            make_norm(dim),
            nn.ReLU(True),
        ]
        if use_dropout:
            layers.append(nn.Dropout(0.5))
        layers += [
            nn.ReflectionPad2d(1),
            nn.Conv2d(dim, dim, 3, padding=0, bias=bias),
            make_norm(dim),
        ]
        self.conv_block = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    """image (N, input_nc, H, W) -> image (N, output_nc, H, W); H and W multiples of 4."""

    arch = "resnet_generator"

    def __init__(
        self,
        input_nc: int = 3,
        output_nc: int = 3,
        ngf: int = 64,
        norm: str = "instance",
        use_dropout: bool = False,
        n_blocks: int = 9,
        init: bool = True,
        upsample: str = DEFAULT_UPSAMPLE,
    ) -> None:
        super().__init__()
        if n_blocks < 0:
            raise ValueError(f"n_blocks must be >= 0, not {n_blocks}.")
        self.config = {
            "input_nc": input_nc,
            "output_nc": output_nc,
            "ngf": ngf,
            "norm": norm,
            "use_dropout": use_dropout,
            "n_blocks": n_blocks,
        }
        if check_upsample(upsample) != DEFAULT_UPSAMPLE:
            # The reference layout stays unrecorded, as in the U-Net.
            self.config["upsample"] = upsample
        make_norm, bias = norm_layer(norm), conv_bias(norm)
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(3),
            nn.Conv2d(input_nc, ngf, 7, padding=0, bias=bias),
            make_norm(ngf),
            nn.ReLU(True),
        ]
        width = ngf
        for _ in range(N_DOWNSAMPLING):
            layers += [
                nn.Conv2d(width, width * 2, 3, stride=2, padding=1, bias=bias),
                make_norm(width * 2),
                nn.ReLU(True),
            ]
            width *= 2
        layers += [ResnetBlock(width, norm, use_dropout) for _ in range(n_blocks)]
        for _ in range(N_DOWNSAMPLING):
            if upsample == "transpose":
                layers.append(
                    nn.ConvTranspose2d(
                        width, width // 2, 3, stride=2, padding=1, output_padding=1, bias=bias
                    )
                )
            else:
                layers += resize_conv(width, width // 2, bias)
            layers += [
                make_norm(width // 2),
                nn.ReLU(True),
            ]
            width //= 2
        # The output conv always has a bias: no norm follows it.
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(width, output_nc, 7, padding=0), nn.Tanh()]
        self.model = nn.Sequential(*layers)
        if init:
            init_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)
