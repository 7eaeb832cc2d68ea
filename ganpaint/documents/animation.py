"""A morph (a list of frames) as an animated GIF or as numbered PNG frames."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ganpaint.atomic import atomic_path


def save_animation(
    frames: Sequence[np.ndarray], path: str | Path, fps: float = 8.0, scale: int = 1
) -> list[Path]:
    """Write a morph as an animated GIF (`.gif`) or as numbered PNG frames (any other name).

    Every file is written atomically; returns the paths written. `scale` enlarges the
    model-size frames (nearest neighbour) so a 64 px morph is visible.
    """
    from PIL import Image

    if not frames:
        raise ValueError("There are no frames to export.")
    path = Path(path)
    scale = max(int(scale), 1)
    images = [
        Image.fromarray(np.ascontiguousarray(frame)).resize(
            (frame.shape[1] * scale, frame.shape[0] * scale), Image.Resampling.NEAREST
        )
        for frame in frames
    ]
    if path.suffix.lower() == ".gif":
        with atomic_path(path) as tmp:
            images[0].save(
                tmp,
                format="GIF",
                save_all=True,
                append_images=images[1:],
                duration=max(round(1000 / fps), 20),
                loop=0,
            )
        return [path]
    written = []
    stem = path.with_suffix("")
    for index, image in enumerate(images):
        target = Path(f"{stem}_{index:02d}.png")
        with atomic_path(target) as tmp:
            image.save(tmp, format="PNG")
        written.append(target)
    return written
