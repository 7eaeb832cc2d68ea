"""The semantic brushes' label layer as a labels2landscape model's input (no Qt).

The label layer holds class ids of `ganpaint.labels` and UNLABELLED (255) where the
user has not painted. A pix2pix labels2photo model was trained on complete label
maps, so before it runs every unpainted pixel takes the class of the nearest painted
pixel (a Voronoi fill by Euclidean distance): a few strokes already make a whole
landscape, and painting more only refines it. The layer itself is left as painted.
"""

from __future__ import annotations

import numpy as np

from ganpaint.labels import LABEL_NAMES, colorize_labels, fill_unlabelled

NO_LABELS_MODEL_MESSAGE = (
    "No labels model is installed (labels2landscape, a pix2pix model, is the default), so "
    "the labels cannot become an image yet: choose a pix2pix model file (.safetensors), "
    "or import a reference .pth with Model → Model Manager…."
)

EMPTY_LABELS_MESSAGE = (
    "The label layer is empty: pick a class under Semantic brushes and paint with the "
    "label brush (S)."
)

#: Live mode re-runs after a stroke only while a run takes less than this.
LIVE_MAX_SECONDS = 0.5
#: The pause after the last stroke before a live run starts.
LIVE_DEBOUNCE_MS = 300


def labels_input(labels: np.ndarray) -> np.ndarray | None:
    """The label layer as the model's input (the pix2pix A image): the filled map in the
    palette's colours, uint8 H×W×3; None when nothing is labelled."""
    filled = fill_unlabelled(labels)
    return None if filled is None else np.ascontiguousarray(colorize_labels(filled))


def is_empty(labels: np.ndarray) -> bool:
    return not (np.asarray(labels) < len(LABEL_NAMES)).any()
