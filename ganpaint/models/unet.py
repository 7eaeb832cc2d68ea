"""The U-Net generator of pix2pix, nested exactly like pytorch-CycleGAN-and-pix2pix.

Each UnetSkipConnectionBlock wraps the next one as its `model[1]` (outermost) or
`model[3]` (middle), so keys read `model.model.1.model.3.model.3...`, matching the
reference's `unet_128` (num_downs 7) and `unet_256` (num_downs 8) checkpoints.
Inputs must be multiples of 2**num_downs pixels (the bottleneck is 1x1 there).

`upsample="resize"` (see ganpaint.models.upsample) replaces each transposed conv by a
nearest resize and a 3x3 conv, one module more per block: the nesting stays as above
(the inner block is still `model[1]` or `model[3]`), only the up conv and what follows
it in each block move one index on.
"""

from __future__ import annotations

import torch
from torch import nn

from ganpaint.models.init import init_weights
from ganpaint.models.norm import conv_bias, norm_layer
from ganpaint.models.upsample import DEFAULT_UPSAMPLE, check_upsample, resize_conv

MIN_DOWNS = 5


class UnetSkipConnectionBlock(nn.Module):
    """down -> submodule -> up, concatenated with its input unless it is the outermost."""

    def __init__(
        self,
        outer_nc: int,
        inner_nc: int,
        norm: str,
        input_nc: int | None = None,
        submodule: nn.Module | None = None,
        outermost: bool = False,
        innermost: bool = False,
        use_dropout: bool = False,
        upsample: str = DEFAULT_UPSAMPLE,
    ) -> None:
        super().__init__()
        self.outermost = outermost
        make_norm, bias = norm_layer(norm), conv_bias(norm)
        input_nc = outer_nc if input_nc is None else input_nc
        downconv = nn.Conv2d(input_nc, inner_nc, 4, stride=2, padding=1, bias=bias)
        up_in = inner_nc if innermost else inner_nc * 2
        # The outermost upconv feeds tanh directly, so it always has a bias.
        up_bias = True if outermost else bias
        if check_upsample(upsample) == "transpose":
            up = [nn.ConvTranspose2d(up_in, outer_nc, 4, stride=2, padding=1, bias=up_bias)]
        else:
            up = resize_conv(up_in, outer_nc, up_bias)
        if outermost:
            assert submodule is not None
            layers = [downconv, submodule, nn.ReLU(True), *up, nn.Tanh()]
        elif innermost:
            layers = [nn.LeakyReLU(0.2, True), downconv, nn.ReLU(True), *up, make_norm(outer_nc)]
        else:
            assert submodule is not None
            layers = [
                nn.LeakyReLU(0.2, True),
                downconv,
                make_norm(inner_nc),
                submodule,
                nn.ReLU(True),
                *up,
                make_norm(outer_nc),
            ]
            if use_dropout:
                layers.append(nn.Dropout(0.5))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.outermost:
            return self.model(x)
        return torch.cat([x, self.model(x)], 1)


class UnetGenerator(nn.Module):
    """image (N, input_nc, H, W) -> image (N, output_nc, H, W), H, W multiples of 2**num_downs."""

    arch = "unet_generator"

    def __init__(
        self,
        input_nc: int = 3,
        output_nc: int = 3,
        num_downs: int = 8,
        ngf: int = 64,
        norm: str = "batch",
        use_dropout: bool = False,
        init: bool = True,
        upsample: str = DEFAULT_UPSAMPLE,
    ) -> None:
        super().__init__()
        if num_downs < MIN_DOWNS:
            raise ValueError(f"num_downs must be >= {MIN_DOWNS}, not {num_downs}.")
        self.config = {
            "input_nc": input_nc,
            "output_nc": output_nc,
            "num_downs": num_downs,
            "ngf": ngf,
            "norm": norm,
            "use_dropout": use_dropout,
        }
        if check_upsample(upsample) != DEFAULT_UPSAMPLE:
            # The reference layout stays unrecorded, so files older ganpaints wrote (and
            # transpose files this one writes) read the same everywhere.
            self.config["upsample"] = upsample
        self.size_multiple = 2**num_downs
        up = {"upsample": upsample}
        block = UnetSkipConnectionBlock(ngf * 8, ngf * 8, norm, innermost=True, **up)
        for _ in range(num_downs - MIN_DOWNS):
            block = UnetSkipConnectionBlock(
                ngf * 8, ngf * 8, norm, submodule=block, use_dropout=use_dropout, **up
            )
        for mult in (4, 2, 1):
            block = UnetSkipConnectionBlock(ngf * mult, ngf * mult * 2, norm, submodule=block, **up)
        self.model = UnetSkipConnectionBlock(
            output_nc, ngf, norm, input_nc=input_nc, submodule=block, outermost=True, **up
        )
        if init:
            init_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] % self.size_multiple or x.shape[-2] % self.size_multiple:
            raise ValueError(
                f"U-Net with {self.config['num_downs']} downsamplings needs height and width "
                f"that are multiples of {self.size_multiple}, got {tuple(x.shape[-2:])}."
            )
        return self.model(x)
