"""How the translators' generators double their resolution: by name, like the norms.

"transpose" is the reference's stride-2 transposed convolution, kept as the default so
that imported pytorch-CycleGAN-and-pix2pix checkpoints load unchanged. Its output
pixels fall into 2x2 phases computed by disjoint subsets of the kernel, so even a flat
input comes out as a checkerboard wherever the subsets' sums differ, and training has
to cancel that everywhere (Odena, Dumoulin and Olah, "Deconvolution and Checkerboard
Artifacts", Distill 2016). "resize" is their fix: a nearest-neighbour ×2 resize, then
a stride-1 3x3 convolution; every output phase then sums the whole kernel on a flat
input, so the net starts free of the pattern instead of having to learn it away.

The resize conv pads by reflection, as the ResNet generator's other stride-1 convs do:
zero padding would put a dark frame round every upsampled map, which the net must learn
to undo and which the translator's tiling would show as seams between tiles.
"""

from __future__ import annotations

from torch import nn

UPSAMPLES = ("transpose", "resize")
DEFAULT_UPSAMPLE = "transpose"
SHOWN = 40


def check_upsample(upsample: str) -> str:
    """`upsample` if it is a known way to upsample, else one ValueError naming them."""
    if upsample not in UPSAMPLES:
        shown = repr(upsample)  # a model file's text may be long: keep the sentence short
        shown = shown if len(shown) <= SHOWN else shown[: SHOWN - 3] + "..."
        raise ValueError(f"Unknown upsample {shown}; use one of {', '.join(UPSAMPLES)}.")
    return upsample


def resize_conv(in_channels: int, out_channels: int, bias: bool) -> list[nn.Module]:
    """Nearest ×2, then a reflection-padded 3x3 conv: two modules, one with weights."""
    return [
        nn.Upsample(scale_factor=2, mode="nearest"),
        nn.Conv2d(in_channels, out_channels, 3, padding=1, padding_mode="reflect", bias=bias),
    ]
