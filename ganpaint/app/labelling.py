"""The semantic brushes' label layer as a labels2landscape model's input (no Qt).

The label layer holds class ids of `ganpaint.labels` and UNLABELLED (255) where the
user has not painted. A pix2pix labels2photo model was trained on complete label
maps, so before it runs every unpainted pixel takes the class of the nearest painted
pixel (a Voronoi fill by Euclidean distance): a few strokes already make a whole
landscape, and painting more only refines it. The layer itself is left as painted.
"""

from __future__ import annotations

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
