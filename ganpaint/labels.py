"""The landscape label classes, their display colours, and conversion both ways.

A base module (no Qt, no trainer): the trainer renders label maps with it for
labels2landscape models, and the app's semantic brushes paint with the same palette,
so `labels_from_colors` maps any painted colour back to the nearest class.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = [
    "CLOUD",
    "GRASS",
    "LABEL_NAMES",
    "LABEL_PALETTE",
    "MOUNTAIN",
    "SKY",
    "SUN",
    "TREE",
    "UNLABELLED",
    "WATER",
    "colorize_labels",
    "fill_unlabelled",
    "label_map_in",
    "labels_from_colors",
]

LABEL_NAMES: tuple[str, ...] = ("sky", "cloud", "mountain", "water", "grass", "tree", "sun/moon")
SKY, CLOUD, MOUNTAIN, WATER, GRASS, TREE, SUN = range(len(LABEL_NAMES))
#: A pixel of a painted label map that no class was painted on.
UNLABELLED = 255

LABEL_PALETTE: np.ndarray = np.array(
    [
        (120, 180, 250),  # sky
        (240, 240, 240),  # cloud
        (140, 90, 60),  # mountain
        (20, 50, 190),  # water
        (110, 200, 60),  # grass
        (10, 90, 40),  # tree
        (255, 210, 0),  # sun/moon
    ],
    dtype=np.uint8,
)
LABEL_PALETTE.setflags(write=False)


def colorize_labels(labels: np.ndarray) -> np.ndarray:
    """Class ids (..., H, W) to display colours (..., H, W, 3) uint8; ids out of range clip."""
    ids = np.clip(np.asarray(labels), 0, len(LABEL_NAMES) - 1).astype(np.intp)
    return LABEL_PALETTE[ids]


def labels_from_colors(rgb: np.ndarray) -> np.ndarray:
    """Colours (..., H, W, 3) to class ids (..., H, W) uint8, by nearest palette colour."""
    rgb = np.asarray(rgb)
    if rgb.shape[-1:] != (3,):
        raise ValueError(f"expected RGB colours with a last axis of 3, got shape {rgb.shape}")
    flat = rgb.reshape(-1, 3).astype(np.int32)
    palette = LABEL_PALETTE.astype(np.int32)
    best = np.zeros(flat.shape[0], dtype=np.uint8)
    best_dist = np.full(flat.shape[0], np.iinfo(np.int32).max, dtype=np.int32)
    for k in range(len(palette)):  # a loop over 7 classes keeps memory at O(pixels)
        diff = flat - palette[k]
        dist = np.einsum("ij,ij->i", diff, diff)
        closer = dist < best_dist
        best[closer] = k
        best_dist[closer] = dist[closer]
    return best.reshape(rgb.shape[:-1])


def label_map_in(rgb: np.ndarray, tolerance: int = 8, share: float = 0.98) -> np.ndarray | None:
    """Class ids (H, W) when `rgb` is a label map drawn in the palette, else None.

    A label map (the label sample, or one exported from the trainer) is nearly all
    palette colours; a photo of a landscape has a few per cent of such pixels at most.
    """
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.size == 0:
        return None
    flat = rgb.reshape(-1, 3).astype(np.int16)
    near = np.zeros(len(flat), bool)
    for colour in LABEL_PALETTE.astype(np.int16):
        near |= np.abs(flat - colour).max(axis=1) <= tolerance
    if near.mean() < share:
        return None
    return labels_from_colors(rgb)


def fill_unlabelled(labels: np.ndarray) -> np.ndarray | None:
    """`labels` with every unlabelled pixel given the class of the nearest labelled one.

    uint8 H×W in and out; None when nothing at all is labelled. Ties between equally
    near pixels go to the one OpenCV meets first; ids past the palette count as unlabelled.
    """
    labels = np.asarray(labels, dtype=np.uint8)
    painted = labels < len(LABEL_NAMES)
    if not painted.any():
        return None
    if painted.all():
        return labels.copy()
    # distanceTransformWithLabels measures to the zero pixels of its input; with
    # DIST_LABEL_PIXEL each zero pixel gets its own index, 1, 2, … in row-major order.
    unpainted = np.where(painted, np.uint8(0), np.uint8(1))
    _distance, nearest = cv2.distanceTransformWithLabels(
        unpainted, cv2.DIST_L2, cv2.DIST_MASK_5, labelType=cv2.DIST_LABEL_PIXEL
    )
    classes = np.concatenate([[UNLABELLED], labels[painted]]).astype(np.uint8)
    return classes[nearest]
