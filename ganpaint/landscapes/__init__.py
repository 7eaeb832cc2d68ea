"""The procedural landscapes: ganpaint's built-in scenes, their paired views, and the
patch realism score that measures generated pixels against them.

Plain numpy (no torch, no Qt), so the trainer, the tests and the benchmarks all draw
the same scenes from here: `render_landscapes(seeds, size)` renders them,
`seed_range(split, n)` names the seeds of a split (held-out seeds are never trained
on), `PAIRS` and `as_rgb` say which views an image-to-image model learns from, and
`ganpaint.landscapes.patches` scores realism.
"""

from ganpaint.landscapes.pairs import PAIRS, as_rgb, check_pair
from ganpaint.landscapes.render import (
    HELD_OUT_SEED_START,
    KINDS,
    MIN_SIZE,
    SPLITS,
    LandscapeBatch,
    render_landscapes,
    seed_range,
)

__all__ = [
    "HELD_OUT_SEED_START",
    "KINDS",
    "MIN_SIZE",
    "PAIRS",
    "SPLITS",
    "LandscapeBatch",
    "as_rgb",
    "check_pair",
    "render_landscapes",
    "seed_range",
]
