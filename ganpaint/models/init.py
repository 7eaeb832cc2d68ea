"""The weight initialisation every ganpaint network starts from.

DCGAN (Radford et al.) and the CycleGAN/pix2pix reference both draw conv weights
from N(0, 0.02) and batch-norm scales from N(1, 0.02); using one function keeps
our freshly built nets statistically identical to theirs.
"""

from __future__ import annotations

from torch import nn

INIT_STD = 0.02


def init_weights(net: nn.Module, std: float = INIT_STD) -> nn.Module:
    """Initialise `net` in place (conv/linear N(0, std), batch norm N(1, std)); return it."""
    for module in net.modules():
        if isinstance(module, nn.modules.conv._ConvNd | nn.Linear):
            nn.init.normal_(module.weight, 0.0, std)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.modules.batchnorm._BatchNorm) and module.affine:
            nn.init.normal_(module.weight, 1.0, std)
            nn.init.zeros_(module.bias)
    return net
