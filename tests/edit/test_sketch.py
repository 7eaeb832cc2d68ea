"""iGAN-style sketching: colour and edge constraints, keep, ranking and interpolation."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from ganpaint.convert import image_to_tensor
from ganpaint.edit.inversion import InversionConfig
from ganpaint.edit.latents import interpolate_latents, interpolation
from ganpaint.edit.losses import OrientationFeatures, masked_l2
from ganpaint.edit.sketch import SketchConfig, generate
from ganpaint.errors import MaskError

CONFIG = SketchConfig(
    inversion=InversionConfig(restarts=12, iters=50, lr=0.05, early_stop=False, log_every=10),
    candidates=4,
)


def _stroke_error(image: np.ndarray, target: np.ndarray, mask: np.ndarray) -> float:
    return float(np.abs(image.astype(int) - target.astype(int))[mask].mean())


def test_colour_strokes_pull_the_stroked_area_toward_their_colour(gan, reachable) -> None:
    _, target = reachable(gan, 11)  # colours the generator can make
    mask = np.zeros((16, 16), bool)
    mask[3:9, 2:10] = True
    result = generate(gan, target, mask, None, CONFIG)
    best = result.best
    assert best.frames is not None
    before = _stroke_error(best.frames[0], target, mask)
    after = _stroke_error(best.image, target, mask)
    assert after < 0.5 * before
    costs = [c.cost for c in result.candidates]
    assert costs == sorted(costs)
    assert len(result.candidates) == 4
    assert set(best.terms) == {"color"}
    assert result.history[-1] < result.history[0]


def test_inputs_of_any_size_are_resized_to_the_model(gan) -> None:
    colors = np.zeros((50, 70, 3), np.uint8)
    colors[:] = (200, 60, 40)
    mask = np.zeros((50, 70), bool)
    mask[10:30, 5:40] = True
    edges = np.full((90, 60, 3), 255, np.uint8)
    edges[:, 28:31] = 0
    config = SketchConfig(inversion=InversionConfig(restarts=4, iters=5), frames=0)
    result = generate(gan, colors, mask, edges, config)
    assert result.best.image.shape == (16, 16, 3)
    assert result.best.frames is None
    assert set(result.best.terms) == {"color", "edge"}


def test_edge_sketch_lowers_the_edge_cost(gan) -> None:
    edges = np.full((64, 64), 255, np.uint8)
    edges[:, 30:33] = 0  # one vertical line
    result = generate(gan, None, None, edges, CONFIG)
    assert set(result.best.terms) == {"edge"}
    assert result.history[-1] < result.history[0]


def test_orientation_features_see_the_direction_of_a_line() -> None:
    features = OrientationFeatures(bins=4, cell=4)
    vertical = np.full((16, 16), 255, np.uint8)
    vertical[:, 7:9] = 0
    horizontal = vertical.T.copy()
    f_vertical = features(image_to_tensor(vertical))
    f_horizontal = features(image_to_tensor(horizontal))
    assert f_vertical.shape[:2] == (1, 4)
    # Bin 0 is the x gradient (a vertical line), bin 2 the y gradient (a horizontal one).
    centre = f_vertical.shape[2] // 2
    assert f_vertical[0, 0, centre, centre] > f_vertical[0, 2, centre, centre]
    assert f_horizontal[0, 2, centre, centre] > f_horizontal[0, 0, centre, centre]
    # A darker-on-lighter edge and its inverse have the same (unsigned) features.
    inverse = 255 - vertical
    torch.testing.assert_close(features(image_to_tensor(inverse)), f_vertical)
    # Differentiable: gradients reach the image.
    image = image_to_tensor(vertical).requires_grad_(True)
    masked_l2(
        features(image), f_horizontal, torch.ones(1, 1, *f_vertical.shape[2:])
    ).sum().backward()
    assert image.grad is not None and image.grad.abs().sum() > 0


def test_keep_pulls_toward_the_kept_latent(gan, reachable) -> None:
    _, target = reachable(gan, 11)
    mask = np.zeros((16, 16), bool)
    mask[3:9, 2:10] = True
    kept = torch.full((8,), 0.5)
    free = generate(gan, target, mask, None, CONFIG)
    pulled = generate(
        gan,
        target,
        mask,
        None,
        SketchConfig(inversion=CONFIG.inversion, candidates=4, keep_weight=50.0),
        keep_z=kept,
    )
    assert set(pulled.best.terms) == {"color", "keep"}

    def distance(z: torch.Tensor) -> float:
        return float((z - kept).pow(2).mean())

    assert distance(pulled.best.z) < 0.5 * distance(free.best.z)


def test_start_z_starts_candidate_zero_and_the_morphs(gan) -> None:
    start = torch.full((8,), -0.3)
    colors = np.full((16, 16, 3), 128, np.uint8)
    config = SketchConfig(inversion=InversionConfig(restarts=4, iters=0), frames=5)
    result = generate(gan, colors, None, None, config, start_z=start)
    with torch.no_grad():
        start_image = interpolation(gan, start, start, frames=1).images[0]
    for candidate in result.candidates:
        assert candidate.frames is not None and len(candidate.frames) == 5
        assert np.abs(candidate.frames[0].astype(int) - start_image).max() <= 1
    assert any(torch.equal(c.z, start) for c in result.candidates)


def test_interpolation_runs_from_the_start_image_to_the_result(gan) -> None:
    colors = np.full((16, 16, 3), 90, np.uint8)
    result = generate(gan, colors, None, None, CONFIG)
    for candidate in result.candidates:
        frames = candidate.frames
        assert frames is not None and len(frames) == 16
        assert all(f.shape == (16, 16, 3) and f.dtype == np.uint8 for f in frames)
        assert np.abs(frames[-1].astype(int) - candidate.image).max() <= 1
    frames = interpolation(gan, torch.zeros(8), torch.ones(8), frames=16, mode="slerp").images
    with torch.no_grad():
        ends = interpolation(gan, torch.zeros(8), torch.ones(8), frames=2, mode="linear").images
    assert np.abs(frames[0].astype(int) - ends[0]).max() <= 1
    assert np.abs(frames[-1].astype(int) - ends[-1]).max() <= 1


@pytest.mark.parametrize("mode", ["linear", "slerp"])
def test_interpolated_latents_hit_both_ends_exactly(mode) -> None:
    generator = torch.Generator().manual_seed(0)
    a, b = torch.rand(2, 8, generator=generator) * 2 - 1
    path = interpolate_latents(a, b, 16, mode)
    assert path.shape == (16, 8)
    assert torch.equal(path[0], a)
    assert torch.equal(path[-1], b)
    if mode == "slerp":  # the norm does not sag in the middle as a linear mix's does
        linear = interpolate_latents(a, b, 16, "linear")
        assert path[8].norm() >= linear[8].norm()


def test_same_seed_same_candidates(gan) -> None:
    colors = np.full((16, 16, 3), 90, np.uint8)
    config = SketchConfig(inversion=InversionConfig(restarts=6, iters=10, seed=5), frames=0)
    first = generate(gan, colors, None, None, config)
    second = generate(gan, colors, None, None, config)
    assert all(
        torch.equal(a.z, b.z) and a.cost == b.cost
        for a, b in zip(first.candidates, second.candidates, strict=True)
    )


def test_a_greyscale_model_follows_colour_strokes(grey_gan) -> None:
    colors = np.full((16, 16, 3), 200, np.uint8)
    config = SketchConfig(inversion=InversionConfig(restarts=4, iters=5), frames=2)
    result = generate(grey_gan, colors, None, None, config)
    assert result.best.image.shape == (16, 16, 3)


def test_no_strokes_at_all_is_a_clear_error(gan) -> None:
    message = r"There are no strokes to follow"
    with pytest.raises(MaskError, match=message):
        generate(gan, None, None, None, CONFIG)
    with pytest.raises(MaskError, match=message):
        generate(gan, np.zeros((16, 16, 3), np.uint8), np.zeros((16, 16), bool), None, CONFIG)
    with pytest.raises(MaskError, match=message):
        generate(gan, None, None, np.full((16, 16), 255, np.uint8), CONFIG)


def test_a_colour_mask_of_another_size_names_both_sizes(gan) -> None:
    with pytest.raises(MaskError, match=r"20×10.*16×16"):
        generate(gan, np.zeros((16, 16, 3), np.uint8), np.ones((10, 20), bool), None, CONFIG)


def test_thin_strokes_survive_shrinking(gan) -> None:
    """A 1 px line drawn on a big canvas still constrains the model-sized image."""
    from ganpaint.edit.sketch import _edge_target

    edges = np.full((256, 256), 255, np.uint8)
    edges[:, 100] = 0
    sketch, mask = _edge_target(edges, 16, dilate=1)
    assert (sketch == 0).any()
    assert mask.sum() >= 16
    small = cv2.resize(edges, (16, 16), interpolation=cv2.INTER_AREA)
    assert (small > 200).all()  # plain resizing would have lost it


def test_strokes_in_region_are_cut_and_scaled_to_the_model() -> None:
    from ganpaint.edit.region import Region
    from ganpaint.edit.sketch import strokes_in_region

    colors = np.zeros((64, 64, 3), np.uint8)
    colors[:, :32] = (200, 40, 40)
    stroked = np.zeros((64, 64), bool)
    stroked[:, :32] = True
    edges = np.zeros((64, 64), bool)
    edges[32, :] = True
    c, m, e = strokes_in_region(colors, stroked, edges, Region(0, 0, 64), 16)
    assert c.shape == (16, 16, 3) and m.shape == (16, 16) and e.shape == (16, 16)
    assert m[:, :7].all() and not m[:, 9:].any()
    assert tuple(c[0, 0]) == (200, 40, 40)
    assert e.dtype == np.uint8 and (e[8] == 0).any() and (e[0] == 255).all()  # dark on white


def test_generate_in_mask_without_a_mask_scales_to_the_whole_photo(gan) -> None:
    from ganpaint.edit.sketch import generate_in_mask

    photo = np.full((40, 60, 3), 120, np.uint8)
    colors = np.full((40, 60, 3), 200, np.uint8)
    config = SketchConfig(inversion=InversionConfig(restarts=2, iters=2), candidates=2, frames=0)
    done = generate_in_mask(gan, photo, None, colors, None, None, config)
    assert done.area.region is None and tuple(done.area.box.slices[0].indices(40)[:2]) == (0, 40)
    assert [patch.shape for patch in done.patches] == [(40, 60, 3)] * 2
    assert done.image(photo).shape == photo.shape


def test_generate_in_mask_refuses_strokes_of_another_size(gan) -> None:
    from ganpaint.edit.sketch import generate_in_mask

    photo = np.zeros((40, 60, 3), np.uint8)
    with pytest.raises(MaskError, match=r"20×10.*60×40"):
        generate_in_mask(gan, photo, None, np.zeros((10, 20, 3), np.uint8), None, None, CONFIG)
