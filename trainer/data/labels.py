"""The landscape label classes and their colours: re-exported from `ganpaint.labels`,
where the app's semantic brushes share them (one palette for training and painting)."""

from __future__ import annotations

from ganpaint.labels import (
    CLOUD,
    GRASS,
    LABEL_NAMES,
    LABEL_PALETTE,
    MOUNTAIN,
    SKY,
    SUN,
    TREE,
    WATER,
    colorize_labels,
    labels_from_colors,
)

__all__ = [
    "CLOUD",
    "GRASS",
    "LABEL_NAMES",
    "LABEL_PALETTE",
    "MOUNTAIN",
    "SKY",
    "SUN",
    "TREE",
    "WATER",
    "colorize_labels",
    "labels_from_colors",
]
