"""What a model knows, in a few words, for the model list, the model manager and the
status bar: a GAN for procedural landscapes draws horizon bands into a photo of moss,
so the user should see what each model has seen before choosing it.

A bundle may say it itself (`knows`, set by `ganpaint-train export --knows TEXT`);
otherwise it is read from the training data recorded in the metadata.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

#: What the built-in procedural data sets show (`synthetic:landscapes[:pairs]`).
SYNTHETIC = {
    "synthetic:landscapes": "procedural landscapes",
    "synthetic:landscapes:day2night": "procedural landscapes, day and night",
    "synthetic:landscapes:edges2photo": "line sketches of procedural landscapes",
    "synthetic:landscapes:edges2scene": "line sketches of procedural landscapes, day to night",
    "synthetic:landscapes:labels2photo": "label maps of procedural landscapes",
    "synthetic:landscapes:labels2scene": "label maps of procedural landscapes, day to night",
}
UNKNOWN = "not recorded"


def what_it_knows(meta: dict[str, Any]) -> str:
    """A short phrase: "procedural landscapes", "real photos: nature, …", or "not recorded"."""
    said = meta.get("knows")
    if isinstance(said, str) and said.strip():
        return said.strip()
    training = meta.get("training")
    data = training.get("data") if isinstance(training, dict) else None
    if not isinstance(data, str) or not data.strip():
        return UNKNOWN
    if data in SYNTHETIC:
        return SYNTHETIC[data]
    if data.startswith("synthetic:"):
        return "procedural images (" + data.removeprefix("synthetic:") + ")"
    name = PurePath(data.rstrip("/\\")).name or data
    return f"images like those in {name}"
