"""The document's layers as the edits' inputs: one place that turns what the user drew
into what a model reads (no Qt, no files).

A sketch layer holds ink (255 = stroke), pix2pix reads dark strokes on white; a colour
layer is RGBA with alpha where stroked, iGAN reads colours and a stroke mask; a label
layer holds class ids with gaps, a labels2photo model reads a complete map in the
palette's colours. The app's jobs and the command line both call these.
"""

from __future__ import annotations

import cv2
import numpy as np

from ganpaint.labels import colorize_labels, fill_unlabelled


def edges_from_photo(photo: np.ndarray, low: int = 100, high: int = 200) -> np.ndarray:
    """The photo's edges as a sketch layer (uint8 H×W, 255 where there is an edge), Canny."""
    grey = cv2.cvtColor(np.ascontiguousarray(photo), cv2.COLOR_RGB2GRAY)
    grey = cv2.GaussianBlur(grey, (3, 3), 0)
    return cv2.Canny(grey, low, high)


def drawing_strokes(photo: np.ndarray) -> np.ndarray | None:
    """A line drawing's strokes as a sketch layer (uint8 H×W, 255 = stroke), else None.

    A line drawing (the sketch sample, a scanned pen drawing) is mostly white paper with
    dark lines, and its dark pixels already are the sketch; Canny would outline every
    stroke twice. A photo is not taken for a drawing: it needs nine tenths near-white,
    nearly grey paper.
    """
    rgb = np.asarray(photo)
    grey = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
    spread = rgb.max(axis=2).astype(np.int16) - rgb.min(axis=2)
    paper = (grey >= 200) & (spread < 40)
    ink = grey < 128
    if paper.mean() < 0.9 or not ink.any():
        return None
    return np.where(ink, 255, 0).astype(np.uint8)


def sketch_input(sketch: np.ndarray) -> np.ndarray:
    """The sketch layer (255 = stroke) as pix2pix's input: dark strokes on white, H×W×3."""
    ink = np.where(np.asarray(sketch) > 0, 0, 255).astype(np.uint8)
    return np.repeat(ink[:, :, None], 3, axis=2)


def stroke_inputs(
    colour: np.ndarray, sketch: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The colour layer (RGBA, alpha > 0 = stroked) and the sketch layer as iGAN reads
    them: colours H×W×3, the colour mask (bool H×W) and the edges dark on white (H×W)."""
    colours = np.ascontiguousarray(colour[:, :, :3])
    stroked = colour[:, :, 3] > 0
    edges = np.where(np.asarray(sketch) > 0, 0, 255).astype(np.uint8)
    return colours, stroked, edges


def labels_input(labels: np.ndarray) -> np.ndarray | None:
    """The label layer as a labels2photo model's input (the pix2pix A image): every
    unpainted pixel takes the class of the nearest painted one (so a few strokes make a
    whole landscape), in the palette's colours, uint8 H×W×3; None when nothing is labelled."""
    filled = fill_unlabelled(labels)
    return None if filled is None else np.ascontiguousarray(colorize_labels(filled))
