"""A landscape as a back-to-front list of layers, prepared once per chunk of scenes.

sky → stars → sun or moon → clouds → ridges (far to near) → far treeline → lake
(reflecting all of the above) or plain → for each hill: its trees, then the hill.

Preparing a layer computes its per-column profiles for many scenes at once (cheap,
N × W, and dominated by Python overhead if done in small batches); painting turns
them into pixels for a few scenes at a time (N × H × W, kept cache-sized).
Everything behind the lake or plain stops at `bottom`: they cover all rows below it.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from ganpaint.landscapes.palette import Palette
from ganpaint.landscapes.raster import Canvas
from ganpaint.landscapes.scene import Scene
from ganpaint.landscapes.sky import sky_layers
from ganpaint.landscapes.terrain import PLAIN_RISE, hill_layer, lake_layer, ridge_layers
from ganpaint.landscapes.trees import tree_layer

FOREST_HAZE = 0.3
HILL_TREE_HAZE = (0.12, 0.0)


class Layer(Protocol):
    def paint(self, c: Canvas, part: slice) -> None:
        """Paint the scenes `part` (indices into the prepared chunk) onto `c`."""


def prepare_layers(s: Scene, size: int, palettes: dict[str, Palette]) -> list[Layer]:
    """Every layer of the scenes `s` at `size` pixels, back to front.

    `palettes` holds the lights of the colour images wanted ("day", "night"); layers
    precompute their per-column colours under each.
    """
    bottom = float(np.max(s.horizon)) + PLAIN_RISE
    layers: list[Layer | None] = [*sky_layers(s, size, bottom)]
    layers += ridge_layers(s, size, palettes)
    layers.append(tree_layer(s, s.tree_rows[0], size, FOREST_HAZE, palettes))
    layers.append(lake_layer(s))
    layers.append(hill_layer(s, s.plain, size, palettes))
    for hill, trees, haze in zip(s.hills, s.tree_rows[1:], HILL_TREE_HAZE, strict=True):
        layers.append(tree_layer(s, trees, size, haze, palettes))
        layers.append(hill_layer(s, hill, size, palettes))
    return [layer for layer in layers if layer is not None]
