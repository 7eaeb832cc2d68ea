"""Blending a fill into a photo: seamless where asked, and never beyond the margin."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ganpaint.edit.blend import BLEND_MODES, blend, blend_footprint, blend_margin, harmonic

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


@pytest.mark.parametrize("mode", ["poisson", "mixed"])
@pytest.mark.parametrize("edge", ["top", "left", "bottom-right"])
def test_border_hole_does_not_bring_back_what_it_covered(mode: str, edge: str) -> None:
    """A bright object on the photo's edge, masked out: it must not leak into the fill.

    The photo around the hole is a flat 100 and so is the fill, so the answer is 100.
    A solver that took its boundary at the border from the pixels under the hole (or
    from their mirror image) would bring the object back.
    """
    photo = np.full((H, W, 3), 100, np.uint8)
    box = {"top": (0, 30, 10, 50), "left": (40, 0, 60, 8), "bottom-right": (108, 88, 120, 100)}
    top, left, bottom, right = box[edge]
    photo[top:bottom, left:right] = 250
    hole = _hole((max(top - 4, 0), max(left - 4, 0), bottom + 4, right + 4))
    fill = np.full_like(photo, 100)
    out = blend(photo, fill, hole, mode=mode)
    assert np.abs(out[hole].astype(int) - 100).max() <= 3


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


@pytest.mark.parametrize("mode", ["poisson", "mixed"])
def test_poisson_leaves_known_pixels_beyond_its_domain_nearly_alone(mode: str) -> None:
    """Known pixels more than 2 px from the hole keep their values, even under a fill
    of hard stripes: the solver's unknowns are the hole (and, mixed, the pixels
    touching it), not a box around it, and not the hole's mirror images."""
    yy, xx = np.mgrid[0:32, 0:32]
    photo = np.dstack([xx * 7, yy * 7, (xx + yy) * 3]).astype(np.uint8)
    fill = np.zeros_like(photo)
    fill[::2] = 255
    hole = np.zeros((32, 32), bool)
    hole[8:24, 8:24] = True
    out = blend(photo, fill, hole, mode=mode)
    change = np.abs(out.astype(int) - photo).max(axis=2)
    assert change[_far_from(hole, 2)].max() <= 2


@pytest.mark.parametrize("mode", ["poisson", "mixed"])
@pytest.mark.parametrize("where", sorted(HOLES))
def test_known_pixels_away_from_the_hole_keep_their_values(mode: str, where: str) -> None:
    """More than 2 px from the hole, known pixels stay (±2 for any fill, ±1 for a fill
    that only differs from the photo by an offset), wherever the hole is."""
    photo = _photo()
    hole = _hole(*HOLES[where])
    far = _far_from(hole, 2)
    noise = np.random.default_rng(7).integers(0, 256, photo.shape, dtype=np.uint8)
    stripes = np.zeros_like(photo)
    stripes[:, ::3] = 255
    for fill, limit in ((noise, 2), (stripes, 2), (photo + np.uint8(30), 1)):
        out = blend(photo, fill, hole, mode=mode)
        assert np.abs(out.astype(int) - photo)[far].max() <= limit


@pytest.mark.parametrize("where", sorted(HOLES))
def test_poisson_changes_only_the_hole_and_mixed_only_what_touches_it(where: str) -> None:
    """The Poisson domain: "poisson" solves for the hole alone; "mixed" also for the
    known pixels next to it (8-neighbours), where the photo's gradients may win."""
    photo = _photo()
    hole = _hole(*HOLES[where])
    fill = np.random.default_rng(8).integers(0, 256, photo.shape, dtype=np.uint8)
    out = blend(photo, fill, hole, mode="poisson")
    np.testing.assert_array_equal(out[~hole], photo[~hole])
    touching = cv2.dilate(hole.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    out = blend(photo, fill, hole, mode="mixed")
    np.testing.assert_array_equal(out[~touching], photo[~touching])
    assert (out[touching & ~hole] != photo[touching & ~hole]).any()  # mixed does reach them


def _poisson_reference(
    photo: np.ndarray, fill: np.ndarray, hole: np.ndarray, mixed: bool
) -> np.ndarray:
    """The blend worked out the slow way: one equation per unknown pixel p,

        Σ_q (u(p) - u(q)) = Σ_q v(p, q),   u(q) = photo(q) where q is known,

    over p's 4 neighbours inside the photo (none past its border: a free edge), with
    v the fill's difference, or (mixed) the photo's where larger and both are known.
    """
    unknown = hole.copy()
    if mixed:
        unknown = cv2.dilate(hole.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    pixels = list(zip(*np.nonzero(unknown), strict=True))
    number = {p: i for i, p in enumerate(pixels)}
    matrix = np.zeros((len(pixels), len(pixels)))
    rhs = np.zeros((len(pixels), 3))
    f, g = fill.astype(float), photo.astype(float)
    for i, (r, c) in enumerate(pixels):
        for q in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
            if not (0 <= q[0] < hole.shape[0] and 0 <= q[1] < hole.shape[1]):
                continue
            matrix[i, i] += 1
            v = f[r, c] - f[q]
            if mixed and not hole[r, c] and not hole[q]:
                v = np.where(np.abs(g[r, c] - g[q]) > np.abs(v), g[r, c] - g[q], v)
            rhs[i] += v
            if q in number:
                matrix[i, number[q]] -= 1
            else:
                rhs[i] += g[q]
    out = photo.astype(float)
    out[unknown] = np.linalg.solve(matrix, rhs)
    return out


@pytest.mark.parametrize("mode", ["poisson", "mixed"])
@pytest.mark.parametrize("shape", ["blob at the border", "diagonal stroke", "corner", "L"])
def test_poisson_is_the_poisson_solution(mode: str, shape: str) -> None:
    """Against a dense solve of the same equations, on a small photo with random
    colours and fill: any shape, touching the border or not (free edge there)."""
    rng = np.random.default_rng(11)
    h, w = 18, 21
    photo = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    fill = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    yy, xx = np.mgrid[:h, :w]
    hole = {
        "blob at the border": (yy - 8) ** 2 + (xx - 1) ** 2 < 30,
        "diagonal stroke": (np.abs(yy - xx) <= 1) & (yy > 2) & (yy < 16),
        "corner": (yy >= 12) & (xx >= 15),
        "L": ((xx >= 3) & (xx < 6) & (yy >= 2) & (yy < 15)) | ((yy >= 12) & (yy < 15) & (xx < 17)),
    }[shape]
    out = blend(photo, fill, hole, mode=mode).astype(float)
    expected = _poisson_reference(photo, fill, hole, mode == "mixed")
    assert np.abs(out - np.clip(expected, 0, 255)).max() <= 0.6  # rounding only


def test_mixed_with_a_hole_on_every_other_pixel() -> None:
    """Every pixel touches the hole, so mixed has no known pixel left to anchor it: it
    solves for the hole alone (like poisson) instead of failing."""
    photo = _photo()
    hole = (np.add.outer(np.arange(H), np.arange(W)) % 2).astype(bool)
    fill = photo + np.uint8(30)
    out = blend(photo, fill, hole, mode="mixed")
    np.testing.assert_array_equal(out[~hole], photo[~hole])
    assert np.abs(out.astype(int) - photo).max() <= 1


def test_harmonic_fills_a_hole_with_the_smooth_surface_its_edge_implies() -> None:
    """A linear ramp is harmonic: cut a hole in it and the ramp comes back, in floats."""
    y, x = np.mgrid[0:48, 0:64].astype(np.float32)
    ramp = np.stack([0.5 * x - 3.25, 0.25 * y, x - y], axis=2)
    hole = np.zeros((48, 64), bool)
    hole[10:30, 15:50] = True
    values = np.where(hole[:, :, None], 99.0, ramp)
    filled = harmonic(values, hole)
    np.testing.assert_allclose(filled, ramp, atol=0.1)
    assert filled.dtype == np.float32
