"""Training data for ganpaint-train: the procedural landscapes and their label classes."""

from trainer.data.landscapes import (
    HELD_OUT_SEED_START,
    KINDS,
    LABEL_NAMES,
    LABEL_PALETTE,
    SPLITS,
    LandscapeBatch,
    colorize_labels,
    labels_from_colors,
    render_landscapes,
    seed_range,
)

__all__ = [
    "HELD_OUT_SEED_START",
    "KINDS",
    "LABEL_NAMES",
    "LABEL_PALETTE",
    "SPLITS",
    "LandscapeBatch",
    "colorize_labels",
    "labels_from_colors",
    "render_landscapes",
    "seed_range",
]
