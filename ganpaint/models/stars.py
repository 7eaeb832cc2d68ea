"""A star layer for a day -> night translator: sparse points a small head turns on.

True nights have stars at random places that no day picture predicts, so a translator
trained with L1 paints none, and its nights look too smooth (issue 21: this was most of
the realism gap left). Noise fed to the generator did not help: the GAN loss gives faint
noise no reason to become sparse and bright. Here the points are given: a random star
field (one star per pixel with probability `density`, brightness u^2, a cone 0.7 px in
radius, as the procedural nights draw them) and the head only decides how bright they
are at each place (the sky, not the ground) from the input and the translation. Trained
by the GAN loss alone (`ganpaint-train pix2pix --stars`); L1 sees the translation
without stars, since no input predicts where they are.

The field is keyed by pixel position and a seed, so the same picture gets the same stars
every time, and any band or tile of it is the same as the whole field cut there.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ganpaint.landscapes.hashrand import as_seed_array, hash_index, hash_stream, to_unit
from ganpaint.models.init import init_weights

#: Stars per pixel in the procedural nights at the training scale (16 % of a 60-wide grid
#: of cells has a star; the scene is 143 px wide): what the head was trained against.
DEFAULT_DENSITY = 0.16 * 60 * 60 / 143**2
STAR_RADIUS = 0.7  # pixels: a star lights the pixels whose centres lie this close
STAR_COLOUR = (0.95, 0.95, 1.0)  # slightly blue, as the procedural stars
_SPREAD = 2.0  # light 0..1 in image units of [-1, 1]


def star_field(
    height: int, width: int, density: float, seed: int = 0, top: int = 0, left: int = 0
) -> np.ndarray:
    """(height, width) float32 star light in [0, 1] for the window at (`top`, `left`).

    A star sits in a pixel with probability `density`, at a random point inside it; it
    lights pixels within STAR_RADIUS of that point, falling off linearly. Each pixel's
    draw is a hash of its position and `seed`, so windows of one field agree.
    """
    if not 0 <= density <= 1:
        raise ValueError(f"star density must lie in [0, 1], not {density}")
    # one row and column of margin: a star next to the window lights pixels inside it
    ys = np.arange(top - 1, top + height + 1, dtype=np.int64)[:, None]
    xs = np.arange(left - 1, left + width + 1, dtype=np.int64)[None, :]
    cell = ys * np.int64(1 << 31) + xs
    stream = hash_stream(as_seed_array([seed]), "stars")[0]
    present = to_unit(hash_index(stream, cell * 4)) < density
    bright = to_unit(hash_index(stream, cell * 4 + 1)) ** 2 * present
    offset_y = to_unit(hash_index(stream, cell * 4 + 2))
    offset_x = to_unit(hash_index(stream, cell * 4 + 3))
    light = np.zeros((height, width), np.float64)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            # a star in the cell at (y - dy, x - dx) seen from the centre of pixel (y, x)
            source = (slice(1 - dy, 1 - dy + height), slice(1 - dx, 1 - dx + width))
            distance = np.hypot(dy + 0.5 - offset_y[source], dx + 0.5 - offset_x[source])
            light += bright[source] * np.clip(1.0 - distance / STAR_RADIUS, 0.0, 1.0)
    return np.minimum(light, 1.0).astype(np.float32)


class StarHead(nn.Module):
    """(source, translation, star light) -> the translation with the stars it lets through.

    Four small convolutions (dilated, about 15 px across) read the source and the
    translation and give each pixel a gain >= 0 for the star light there.
    """

    arch = "star_head"

    def __init__(
        self, input_nc: int = 3, output_nc: int = 3, width: int = 16,
        density: float = DEFAULT_DENSITY, init: bool = True,
    ) -> None:  # fmt: skip
        super().__init__()
        if output_nc != len(STAR_COLOUR):
            raise ValueError(
                f"a star head draws colour stars: output_nc must be 3, not {output_nc}"
            )
        if not 0 < density <= 1:
            raise ValueError(f"star density must lie in (0, 1], not {density}")
        self.config = {"input_nc": input_nc, "output_nc": output_nc, "width": width,
                       "density": float(density)}  # fmt: skip
        self.gain_net = nn.Sequential(
            nn.Conv2d(input_nc + output_nc, width, 3, padding=1),
            nn.LeakyReLU(0.2, True),
            nn.Conv2d(width, width, 3, padding=2, dilation=2),
            nn.LeakyReLU(0.2, True),
            nn.Conv2d(width, width, 3, padding=4, dilation=4),
            nn.LeakyReLU(0.2, True),
            nn.Conv2d(width, 1, 1),
        )
        if init:
            init_weights(self)
            # start with stars on everywhere at about half brightness; D then says where not
            nn.init.constant_(self.gain_net[-1].bias, 0.5)

    @property
    def density(self) -> float:
        return float(self.config["density"])

    def gain(self, source: torch.Tensor, translation: torch.Tensor) -> torch.Tensor:
        """(N, 1, H, W) how bright the stars may be at each pixel (0: none)."""
        return F.softplus(self.gain_net(torch.cat([source, translation], 1)))

    def forward(
        self, source: torch.Tensor, translation: torch.Tensor, light: torch.Tensor
    ) -> torch.Tensor:
        """`translation` plus `light` (N, 1, H, W: `star_field`) where the gain allows."""
        colour = torch.tensor(STAR_COLOUR, device=translation.device, dtype=translation.dtype)
        stars = self.gain(source, translation) * light * colour.view(1, 3, 1, 1)
        return torch.clamp(translation + _SPREAD * stars, -1.0, 1.0)

    def starry(
        self, source: torch.Tensor, translation: torch.Tensor, seed: int, top: int = 0,
        left: int = 0,
    ) -> torch.Tensor:  # fmt: skip
        """`translation` with the stars of field `seed` over the window at (`top`, `left`);
        the N images of a batch get the field's windows stacked one below the other."""
        n, _, height, width = translation.shape
        field = torch.from_numpy(star_field(n * height, width, self.density, seed, top, left))
        light = field.view(n, 1, height, width).to(translation.device, translation.dtype)
        return self(source, translation, light)
