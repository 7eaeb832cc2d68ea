"""Hole regions: one square per hole with context, crop to model size and paste back."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ganpaint.edit.blend import blend_margin
from ganpaint.edit.region import (
    Region,
    crop_mask,
    crop_region,
    hole_regions,
    paste_into,
    paste_region,
    reflect_indices,
)


def _hole(shape: tuple[int, int], *boxes: tuple[int, int, int, int]) -> np.ndarray:
    hole = np.zeros(shape, bool)
    for top, left, bottom, right in boxes:
        hole[top:bottom, left:right] = True
    return hole


def _smooth_photo(height: int, width: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    coarse = rng.integers(30, 220, (max(2, height // 16), max(2, width // 16), 3), np.uint8)
    return cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)


def _contains(region: Region, top: int, left: int, bottom: int, right: int) -> bool:
    return (
        region.top <= top
        and region.left <= left
        and bottom <= region.bottom
        and right <= region.right
    )


def _bbox(hole: np.ndarray) -> tuple[int, int, int, int]:
    rows, cols = np.nonzero(hole)
    return int(rows.min()), int(cols.min()), int(rows.max()) + 1, int(cols.max()) + 1


BORDER_HOLES = {
    "top": (0, 60, 12, 90),
    "bottom": (188, 60, 200, 90),
    "left": (80, 0, 110, 10),
    "right": (80, 150, 110, 160),
    "top-left": (0, 0, 15, 15),
    "top-right": (0, 140, 15, 160),
    "bottom-left": (185, 0, 200, 15),
    "bottom-right": (185, 140, 200, 160),
}


@pytest.mark.parametrize("where", sorted(BORDER_HOLES))
def test_border_and_corner_holes_get_a_square_inside_the_photo(where: str) -> None:
    shape = (200, 160)
    box = BORDER_HOLES[where]
    (region,) = hole_regions(_hole(shape, box), context=0.5)
    top, left, bottom, right = box
    side = max(bottom - top, right - left)
    assert _contains(region, *box)
    assert region.top >= 0 and region.bottom <= shape[0]
    assert region.left >= 0 and region.right <= shape[1]
    assert region.size >= 2 * side  # the box plus half its side on each side
    # Context on the sides away from the border is at least half the box's side.
    if top > 0:
        assert top - region.top >= side // 2
    if bottom < shape[0]:
        assert region.bottom - bottom >= side // 2


def test_context_is_at_least_the_requested_fraction_on_every_side() -> None:
    hole = _hole((400, 400), (180, 170, 220, 230))  # 40×60 box in the middle
    (region,) = hole_regions(hole, context=0.5)
    assert region.top <= 180 - 30 and region.bottom >= 220 + 30
    assert region.left <= 170 - 30 and region.right >= 230 + 30
    (wider,) = hole_regions(hole, context=1.0)
    assert wider.size >= 60 + 2 * 60


def test_two_far_holes_give_two_regions() -> None:
    hole = _hole((200, 300), (20, 20, 30, 30), (160, 260, 170, 270))
    regions = hole_regions(hole)
    assert len(regions) == 2
    assert not regions[0].overlaps(regions[1])
    assert _contains(regions[0], 20, 20, 30, 30)
    assert _contains(regions[1], 160, 260, 170, 270)


def test_two_near_holes_are_merged_into_one_region() -> None:
    hole = _hole((200, 300), (90, 100, 110, 120), (90, 126, 110, 146))
    (region,) = hole_regions(hole)
    assert _contains(region, 90, 100, 110, 146)


def test_a_whole_image_hole_gives_one_region_covering_the_image() -> None:
    for shape in [(64, 64), (80, 300), (300, 80)]:
        (region,) = hole_regions(np.ones(shape, bool))
        assert _contains(region, 0, 0, *shape)
        assert region.size == max(shape)  # no reflected copies beyond the long side


def test_empty_hole_gives_no_regions() -> None:
    assert hole_regions(np.zeros((30, 40), bool)) == []


def test_one_pixel_hole() -> None:
    hole = _hole((120, 100), (50, 40, 51, 41))
    (region,) = hole_regions(hole)
    assert _contains(region, 50, 40, 51, 41)
    # Enough room around it for everything `blend` may change.
    margin = blend_margin(hole.shape)
    assert _contains(region, 50 - margin, 40 - margin, 51 + margin, 41 + margin)
    for size in (8, 64):
        cells = crop_mask(hole, region, size)
        assert cells.shape == (size, size) and cells.dtype == bool
        assert 1 <= cells.sum() <= 4 * max(1, size // region.size + 1) ** 2


def test_min_size_is_honoured() -> None:
    (region,) = hole_regions(_hole((200, 200), (100, 100, 101, 101)), min_size=64)
    assert region.size == 64


def test_non_square_photo_300_by_80() -> None:
    photo = _smooth_photo(80, 300)
    hole = _hole((80, 300), (30, 10, 50, 30), (20, 200, 70, 260))
    regions = hole_regions(hole)
    assert len(regions) == 2
    for region in regions:
        crop = crop_region(photo, region, 64)
        assert crop.shape == (64, 64, 3) and crop.dtype == np.uint8
        patch, box = paste_region(crop, region, photo.shape)
        assert patch.shape[:2] == (box.y1 - box.y0, box.x1 - box.x0)
        assert 0 <= box.y0 < box.y1 <= 80 and 0 <= box.x0 < box.x1 <= 300
    # The big hole's square is taller than the photo: it overhangs evenly.
    big = max(regions, key=lambda r: r.size)
    assert big.size > 80
    assert big.top < 0 and big.bottom > 80
    assert abs(-big.top - (big.bottom - 80)) <= 1


def test_round_trip_of_an_unchanged_photo() -> None:
    photo = _smooth_photo(90, 140)
    hole = _hole((90, 140), (0, 0, 20, 25), (40, 70, 60, 95))
    for region in hole_regions(hole):
        # Same size: exact.
        same = paste_into(np.zeros_like(photo), crop_region(photo, region, region.size), region)
        box = region.box_in(photo.shape)
        np.testing.assert_array_equal(same[box.slices], photo[box.slices])
        # Enlarge to the model (cubic) and shrink back (area): within interpolation error.
        for size in (region.size * 2 + 3, 128):
            back, box = paste_region(crop_region(photo, region, size), region, photo.shape)
            error = np.abs(back.astype(int) - photo[box.slices])
            assert error.mean() < 1.0 and error.max() <= 6


def test_crop_reflects_past_the_border() -> None:
    photo = np.arange(5 * 6 * 3, dtype=np.uint8).reshape(5, 6, 3)
    region = Region(top=-2, left=-3, size=8)
    crop = crop_region(photo, region, 8)
    padded = np.pad(photo, ((2, 5), (3, 3), (0, 0)), mode="reflect")
    np.testing.assert_array_equal(crop, padded[:8, :8])


def test_crop_of_single_channel_keeps_its_channel_axis() -> None:
    grey = np.zeros((20, 20, 1), np.uint8)
    assert crop_region(grey, Region(0, 0, 20), 10).shape == (10, 10, 1)
    assert crop_region(grey[..., 0], Region(0, 0, 20), 40).shape == (40, 40)


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_reflect_indices_match_numpy_reflect(n: int) -> None:
    if n == 1:
        assert (reflect_indices(-5, 9, 1) == 0).all()
        return
    data = np.arange(n)
    width = 3 * n
    expected = np.pad(data, width, mode="reflect")
    np.testing.assert_array_equal(reflect_indices(-width, n + width, n), expected)


@settings(max_examples=60, deadline=None)
@given(
    size=st.integers(1, 40),
    out=st.integers(1, 70),
    pixels=st.lists(st.tuples(st.integers(0, 39), st.integers(0, 39)), min_size=1, max_size=5),
)
def test_crop_mask_never_drops_a_hole_pixel(
    size: int, out: int, pixels: list[tuple[int, int]]
) -> None:
    hole = np.zeros((40, 40), bool)
    region = Region(0, 0, size)
    inside = [(r, c) for r, c in pixels if r < size and c < size]
    for r, c in inside:
        hole[r, c] = True
    cells = crop_mask(hole, region, out)
    for r, c in inside:
        # The output cell whose footprint holds this pixel is marked as hole.
        assert cells[r * out // size, c * out // size]
    if not inside:
        assert not cells.any()


@settings(max_examples=40, deadline=None)
@given(
    shape=st.tuples(st.integers(8, 90), st.integers(8, 90)),
    seed=st.integers(0, 2**31),
    density=st.floats(0.001, 0.05),
    context=st.sampled_from([0.0, 0.5, 1.0]),
)
def test_regions_cover_every_hole_and_never_overlap(
    shape: tuple[int, int], seed: int, density: float, context: float
) -> None:
    hole = np.random.default_rng(seed).random(shape) < density
    regions = hole_regions(hole, context=context)
    if not hole.any():
        assert regions == []
        return
    for i, a in enumerate(regions):
        for b in regions[i + 1 :]:
            assert not a.overlaps(b)
    covered = np.zeros(shape, bool)
    for region in regions:
        covered[region.box_in(shape).slices] = True
    assert covered[hole].all()
    # Every connected hole lies inside one region.
    count, labels = cv2.connectedComponents(hole.astype(np.uint8), connectivity=8)
    for k in range(1, count):
        box = _bbox(labels == k)
        assert any(_contains(r, *box) for r in regions)


def test_speckle_masks_stay_fast_enough() -> None:
    hole = np.random.default_rng(3).random((600, 600)) < 0.01  # thousands of components
    regions = hole_regions(hole)
    assert regions  # merged into few regions, without a quadratic blow-up in memory
    covered = np.zeros(hole.shape, bool)
    for region in regions:
        covered[region.box_in(hole.shape).slices] = True
    assert covered[hole].all()


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="2-D"):
        hole_regions(np.zeros((4, 4, 3), bool))
    with pytest.raises(ValueError, match="context"):
        hole_regions(np.ones((4, 4), bool), context=-1)
    with pytest.raises(ValueError, match="square"):
        paste_region(np.zeros((4, 5, 3), np.uint8), Region(0, 0, 4), (10, 10, 3))


def test_covering_region_is_one_square_around_every_part_of_the_mask() -> None:
    from ganpaint.edit.region import covering_region
    from ganpaint.errors import MaskError

    hole = np.zeros((100, 120), bool)
    hole[10:20, 10:20] = True
    hole[70:80, 90:100] = True  # far apart: hole_regions would give two squares
    region = covering_region(hole)
    assert region.top <= 10 and region.left <= 10
    assert region.top + region.size >= 80 and region.left + region.size >= 100
    with pytest.raises(MaskError, match="empty"):
        covering_region(np.zeros((10, 10), bool))
