"""Blending a fill into a photo: seamless where asked, and never beyond the margin."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ganpaint.edit.blend import BLEND_MODES, blend, blend_footprint, blend_margin

H, W = 120, 100


def _photo(seed: int = 0) -> np.ndarray:
    """Smooth colour gradients plus mild noise, in 40..200 so an offset of 30 never clips."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:H, :W].astype(np.float32)
    base = np.stack([40 + yy, 60 + xx, 110 + 0.4 * (xx - yy)], axis=-1)
    noise = rng.normal(0, 4, base.shape)
    return np.clip(base + noise, 40, 200).astype(np.uint8)


def _hole(*boxes: tuple[int, int, int, int]) -> np.ndarray:
    hole = np.zeros((H, W), bool)
    for top, left, bottom, right in boxes:
        hole[top:bottom, left:right] = True
    return hole


def _far_from(hole: np.ndarray, radius: int) -> np.ndarray:
    """Pixels farther than `radius` (Euclidean) from every hole pixel, by brute force."""
    rows, cols = np.nonzero(hole)
    yy, xx = np.mgrid[: hole.shape[0], : hole.shape[1]]
    far = np.ones(hole.shape, bool)
    for r, c in zip(rows, cols, strict=True):
        far &= (yy - r) ** 2 + (xx - c) ** 2 > radius * radius
    return far


HOLES = {
    "middle": [(50, 40, 70, 62)],
    "top": [(0, 30, 14, 60)],
    "bottom": [(106, 30, 120, 60)],
    "left": [(40, 0, 70, 12)],
    "right": [(40, 88, 70, 100)],
    "top-left": [(0, 0, 18, 18)],
    "bottom-right": [(100, 80, 120, 100)],
    "full-height": [(0, 45, 120, 55)],
    "one-pixel": [(60, 50, 61, 51)],
    "two-pixels": [(60, 50, 61, 52)],
    "several": [(10, 10, 16, 16), (90, 70, 100, 85), (60, 50, 61, 51), (0, 95, 5, 100)],
}


@pytest.mark.parametrize("mode", BLEND_MODES)
@pytest.mark.parametrize("where", sorted(HOLES))
def test_pixels_beyond_the_margin_are_bit_identical(mode: str, where: str) -> None:
    photo = _photo()
    fill = np.random.default_rng(1).integers(0, 256, photo.shape, dtype=np.uint8)
    hole = _hole(*HOLES[where])
    out = blend(photo, fill, hole, mode=mode)
    assert out.shape == photo.shape and out.dtype == np.uint8
    far = _far_from(hole, blend_margin(hole.shape))
    np.testing.assert_array_equal(out[far], photo[far])
    np.testing.assert_array_equal(far, ~blend_footprint(hole))


@pytest.mark.parametrize("mode", ["poisson", "mixed"])
@pytest.mark.parametrize("where", sorted(HOLES))
def test_poisson_removes_a_constant_offset(mode: str, where: str) -> None:
    """The fill is the photo plus 30: same gradients, so the seamless result is the photo."""
    photo = _photo()
    fill = photo + np.uint8(30)
    hole = _hole(*HOLES[where])
    out = blend(photo, fill, hole, mode=mode)
    error = np.abs(out.astype(int) - photo)
    assert error[hole].mean() < 1.5, error[hole].mean()
    assert error.max() <= 4
    # A hard paste keeps the offset: the test would notice a no-op blend.
    pasted = blend(photo, fill, hole, mode="none")
    assert np.abs(pasted.astype(int) - photo)[hole].min() == 30


def test_poisson_seam_is_smooth() -> None:
    """A differently lit fill meets the photo without a step at the hole's edge."""
    photo = _photo()
    fill = np.clip(_photo(seed=5).astype(int) - 35, 0, 255).astype(np.uint8)
    hole = _hole((40, 30, 80, 70))
    out = blend(photo, fill, hole, mode="poisson").astype(float)
    pasted = blend(photo, fill, hole, mode="none").astype(float)

    def edge_step(image: np.ndarray) -> float:
        # Mean jump across the hole's left and right edges, where a paste shows.
        return float(
            np.abs(image[40:80, 30] - image[40:80, 29]).mean()
            + np.abs(image[40:80, 69] - image[40:80, 70]).mean()
        )

    assert edge_step(pasted) > 50
    assert edge_step(out) < 15


def test_border_hole_does_not_bring_back_what_it_covered() -> None:
    """An object at the top edge, masked out: its colour must not leak into the fill.

    seamlessClone takes its boundary from the pixels around the region; at the photo's
    edge those would be the reflected object unless blend handles the border.
    """
    photo = np.full((H, W, 3), 100, np.uint8)
    photo[0:10, 30:50] = 250
    hole = _hole((0, 26, 14, 54))
    fill = np.full_like(photo, 100)
    out = blend(photo, fill, hole, mode="poisson")
    assert np.abs(out[hole].astype(int) - 100).max() <= 3
    # ("mixed" keeps the stronger of both gradients, so it keeps the object's edges:
    # that is what it is for, not a leak.)


def test_whole_image_hole_returns_the_fill() -> None:
    photo, fill = _photo(0), _photo(2)
    for mode in BLEND_MODES:
        out = blend(photo, fill, np.ones((H, W), bool), mode=mode)
        np.testing.assert_array_equal(out, fill)
        assert out is not fill


def test_empty_hole_returns_a_copy_of_the_photo() -> None:
    photo, fill = _photo(0), _photo(2)
    for mode in BLEND_MODES:
        out = blend(photo, fill, np.zeros((H, W), bool), mode=mode)
        np.testing.assert_array_equal(out, photo)
        assert out is not photo


def test_none_is_a_hard_paste() -> None:
    photo, fill = _photo(0), _photo(2)
    hole = _hole((20, 20, 50, 40), (0, 90, 10, 100))
    out = blend(photo, fill, hole, mode="none")
    np.testing.assert_array_equal(out[hole], fill[hole])
    np.testing.assert_array_equal(out[~hole], photo[~hole])


def test_feather_fades_out_across_the_margin() -> None:
    photo = np.full((H, W, 3), 50, np.uint8)
    fill = np.full((H, W, 3), 250, np.uint8)
    hole = _hole((50, 40, 70, 60))
    out = blend(photo, fill, hole, mode="feather")[..., 0].astype(int)
    np.testing.assert_array_equal(out[hole], 250)
    row = out[60, 60 : 60 + blend_margin(hole.shape) + 2]  # walking away from the hole
    assert (np.diff(row) <= 0).all() and row[0] > 50 and row[-1] == 50


def test_mask_may_be_any_non_zero_array() -> None:
    photo, fill = _photo(0), _photo(2)
    hole = _hole((20, 20, 50, 40))
    as_uint8 = np.where(hole, 255, 0).astype(np.uint8)
    np.testing.assert_array_equal(blend(photo, fill, hole), blend(photo, fill, as_uint8))


def test_large_photo_margin_grows_and_is_respected() -> None:
    assert blend_margin((120, 100)) == 6
    assert blend_margin((4096, 3000)) == 32
    photo = cv2.resize(_photo(), (1100, 1300), interpolation=cv2.INTER_LINEAR)
    hole = np.zeros(photo.shape[:2], bool)
    hole[600:640, 500:560] = True
    out = blend(photo, photo + np.uint8(20), hole, mode="poisson")
    assert not (~blend_footprint(hole) & (out != photo).any(axis=2)).any()


def test_bad_mode_names_the_modes() -> None:
    photo = _photo()
    with pytest.raises(ValueError, match="poisson, mixed, feather, none"):
        blend(photo, photo, _hole((1, 1, 2, 2)), mode="paste")


def test_bad_shapes() -> None:
    photo = _photo()
    with pytest.raises(ValueError, match="fill"):
        blend(photo, photo[:10], _hole((1, 1, 2, 2)))
    with pytest.raises(ValueError, match="hole"):
        blend(photo, photo, np.zeros((10, 10), bool))
    with pytest.raises(ValueError, match="photo"):
        blend(photo[..., 0], photo[..., 0], _hole((1, 1, 2, 2)))


def test_poisson_leaves_known_pixels_beyond_its_domain_nearly_alone() -> None:
    """A hole away from the border must not pull in its mirror images: known pixels 4 px
    or more from the hole keep their values (OpenCV solves over the mask's bounding box,
    so mirror copies in the window would re-solve everything between them)."""
    yy, xx = np.mgrid[0:32, 0:32]
    photo = np.dstack([xx * 7, yy * 7, (xx + yy) * 3]).astype(np.uint8)
    fill = np.zeros_like(photo)
    fill[::2] = 255
    hole = np.zeros((32, 32), bool)
    hole[8:24, 8:24] = True
    out = blend(photo, fill, hole, mode="poisson")
    distance = cv2.distanceTransform((~hole).astype(np.uint8), cv2.DIST_L2, 5)
    change = np.abs(out.astype(int) - photo).max(axis=2)
    assert change[distance > 4].max() <= 8
