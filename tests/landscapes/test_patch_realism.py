"""The patch realism score the benchmarks and model cards report."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ganpaint.landscapes import render_landscapes, seed_range
from ganpaint.landscapes.patches import patches_at, realism, sliced_wasserstein, unit_projections


def test_patches_are_centred_on_the_chosen_pixels_and_fully_inside() -> None:
    image = np.arange(10 * 12 * 3, dtype=np.uint8).reshape(10, 12, 3)
    where = np.zeros((10, 12), bool)
    where[5, 6] = True
    where[0, 0] = True  # too close to the edge for a whole 7×7 patch
    (patch,) = patches_at(image, where)
    np.testing.assert_array_equal(patch.reshape(3, 7, 7).transpose(1, 2, 0), image[2:9, 3:10])
    assert len(patches_at(image)) == 4 * 6 and len(patches_at(image, stride=2)) == 2 * 3


def test_identical_sets_score_zero_and_order_does_not_matter() -> None:
    photos = list(render_landscapes(seed_range("test", 3), 48, kinds=("day",)).day)
    assert realism(photos, photos) == 0.0
    assert realism(photos[::-1], photos) == pytest.approx(0.0, abs=1e-9)


def test_the_score_grows_with_blur() -> None:
    """What L1 forgives, this does not: a blurrier image of the same scene scores worse."""
    truth = list(render_landscapes(seed_range("test", 4), 64, kinds=("day",)).day)
    scores = [realism([cv2.GaussianBlur(t, (0, 0), s) for t in truth], truth) for s in (1, 2, 4)]
    assert 0 < scores[0] < scores[1] < scores[2]


def test_sets_of_different_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="same size"):
        sliced_wasserstein(np.zeros((3, 147)), np.zeros((4, 147)), unit_projections())
