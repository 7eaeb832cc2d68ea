"""Full-resolution patch synthesis: what a user relies on when a hole is refilled from the
photo's own texture (with or without the GAN's guide)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from itertools import pairwise

import cv2
import numpy as np
import pytest

from ganpaint.edit import synthesis
from ganpaint.edit.gan_fill import hole_settings
from ganpaint.edit.inpaint import InpaintConfig, inpaint
from ganpaint.edit.inversion import InversionConfig
from ganpaint.edit.progress import Cancelled, CancelToken, Progress
from ganpaint.edit.refine import RefineConfig
from ganpaint.edit.synthesis import SynthesisConfig, synthesis_boxes, synthesize

FAST_GAN = InpaintConfig(
    inversion=InversionConfig(restarts=2, iters=6, early_stop=False, init="encoder", log_every=2),
    refine=RefineConfig(steps=4, report_every=2),
)


def _periodic(height: int = 160, width: int = 192) -> np.ndarray:
    """A colourful texture that repeats every 48 pixels both ways: patches can restore it
    exactly."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    turn = 2 * np.pi
    image = np.stack(
        [
            128 + 100 * np.sin(turn * x / 16),
            128 + 100 * np.sin(turn * y / 12),
            128 + 60 * np.sin(turn * (x + y) / 48),
        ],
        axis=2,
    )
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def _box(shape: tuple[int, int], top: int, left: int, bottom: int, right: int) -> np.ndarray:
    hole = np.zeros(shape, bool)
    hole[top:bottom, left:right] = True
    return hole


def _error(image: np.ndarray, truth: np.ndarray, hole: np.ndarray) -> float:
    return float(np.abs(image.astype(int) - truth)[hole].mean())


def test_a_periodic_texture_is_restored_almost_exactly() -> None:
    truth = _periodic()
    hole = _box(truth.shape[:2], 50, 60, 100, 130)
    filled = synthesize(truth, hole, seed=0).image
    telea = cv2.inpaint(truth, hole.astype(np.uint8), 3, cv2.INPAINT_TELEA)
    assert _error(filled, truth, hole) < 6  # grey levels, of 255
    assert _error(filled, truth, hole) < 0.2 * _error(telea, truth, hole)


def test_known_pixels_never_change_with_or_without_a_guide() -> None:
    truth = _periodic()
    hole = _box(truth.shape[:2], 40, 30, 90, 100)
    guide = np.full_like(truth, 17)
    for result in (synthesize(truth, hole), synthesize(truth, hole, guide, guide_scale=8)):
        assert np.array_equal(result.image[~hole], truth[~hole])
        assert result.image.dtype == np.uint8 and result.image.shape == truth.shape


def test_the_same_seed_gives_the_same_fill() -> None:
    truth = _periodic()
    hole = _box(truth.shape[:2], 30, 40, 90, 110)
    first = synthesize(truth, hole, seed=3).image
    assert np.array_equal(first, synthesize(truth, hole, seed=3).image)


def test_holes_at_the_border_several_holes_and_a_hole_on_a_dark_edge() -> None:
    truth = _periodic(128, 160)
    truth[:, :40] = 0  # a black band: the hole touches it
    hole = np.zeros(truth.shape[:2], bool)
    hole[0:20, 100:160] = True  # the top-right corner
    hole[60:90, 30:60] = True  # over the dark edge
    hole[100:120, 90:120] = True  # and a third, apart
    result = synthesize(truth, hole, seed=0)
    assert np.array_equal(result.image[~hole], truth[~hole])
    assert _error(result.image, truth, hole) < 25
    # The black band stays black inside the hole, and the texture beside it textured.
    dark = hole.copy()
    dark[:, 36:] = False
    assert result.image[dark].mean() < 20


def test_the_guide_decides_the_structure() -> None:
    """Two textures side by side; the guide says which one goes where in the hole."""
    height, width = 128, 128
    left = _periodic(height, width)
    right = np.roll(left[:, :, ::-1], 3, axis=1)  # the same texture in other colours
    truth = left.copy()
    truth[:, width // 2 :] = right[:, width // 2 :]
    hole = _box((height, width), 34, 34, 94, 94)
    # A guide that is the wrong way round inside the hole: right texture on the left.
    guide = truth.copy()
    guide[:, : width // 2] = right[:, : width // 2]
    guide[:, width // 2 :] = left[:, width // 2 :]
    blurred = cv2.GaussianBlur(guide, (0, 0), 4)  # a guide is blurry: a scaled-up GAN fill
    trusted = SynthesisConfig(start_from_guide=True)  # the default only leans on the guide
    followed = synthesize(truth, hole, blurred, trusted, guide_scale=8).image
    swapped = np.where(hole[..., None], guide, truth)
    assert _error(followed, swapped, hole) < _error(followed, truth, hole)


def _stem_photo(size: int = 400, width: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """A light stem crossing a mottled green background (a blade of grass, a wire) and
    where it runs."""
    rng = np.random.default_rng(0)
    noise = cv2.GaussianBlur(rng.normal(0, 1, (size, size)).astype(np.float32), (0, 0), 6)
    noise /= noise.std()
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    base = np.stack([60 + 15 * noise + 0.1 * y, 110 + 20 * noise, 50 + 10 * noise], axis=2)
    distance = np.abs((y - size / 2) - 0.4 * (x - size / 2)) / np.hypot(1, 0.4)
    stem = np.clip(width / 2 + 0.5 - distance, 0, 1)[..., None]
    image = base * (1 - stem) + np.array([170, 220, 120], np.float32) * stem
    return np.clip(np.rint(image), 0, 255).astype(np.uint8), distance < width / 2 - 1


def _disc(shape: tuple[int, int], centre: tuple[int, int], radius: int) -> np.ndarray:
    hole = np.zeros(shape, np.uint8)
    cv2.circle(hole, centre, radius, 1, -1)
    return hole > 0


@pytest.mark.parametrize("seed", [0, 1])
def test_a_thin_line_across_the_hole_is_continued(seed: int) -> None:
    """A stem crossing the hole is bridged, not painted over with the background: the
    hole's coarse structure comes from a wider view where the stem is a short line."""
    photo, on_stem = _stem_photo()
    hole = _disc(photo.shape[:2], (200, 200), 60)
    filled = synthesize(photo, hole, seed=seed).image
    stem = filled[hole & on_stem].astype(int)
    assert (stem[:, 1] > 180).mean() > 0.8  # stem green, not the background's (~110)
    assert np.array_equal(filled[~hole], photo[~hole])


def _object_on_grey(seed: int, size: int = 240) -> np.ndarray:
    """A mottled orange object under a wavy outline on a flat grey background (a Tux
    Paint stamp, a fruit on a table)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    bumps = 60 * cv2.GaussianBlur(rng.normal(0, 1, (size, size)).astype(np.float32), (0, 0), 2)
    grey = np.repeat(128 + rng.normal(0, 4, (size, size, 1)), 3, axis=2)
    orange = np.stack([230 + bumps, 120 + 0.7 * bumps, 20 + 0.2 * bumps], axis=2)
    inside = (y > 130 + 10 * np.sin(x / 20))[..., None]
    return np.clip(np.where(inside, orange, grey), 0, 255).astype(np.uint8)


def _masked_psnr(image: np.ndarray, truth: np.ndarray, hole: np.ndarray) -> float:
    error = ((image.astype(np.float64) - truth) ** 2)[hole].mean()
    return float(10 * np.log10(255**2 / error))


@pytest.mark.parametrize("seed", [0, 1])
def test_a_long_thin_stroke_across_an_outline_keeps_both_sides_apart(seed: int) -> None:
    """A brush stroke is long but thin: it is synthesised where it is a few pixels thick
    (no coarse level, `levels` has only full resolution), not shrunk by its length to a
    line of coarse pixels that mixed the object's colour into the background along it
    (23.8-24.1 dB then; PatchMatch 26.0-26.2)."""
    photo = _object_on_grey(seed)
    hole = np.zeros(photo.shape[:2], np.uint8)
    cv2.line(hole, (10, 40), (230, 220), 1, 9)
    result = synthesize(photo, hole > 0, seed=seed)
    assert [len(levels) for levels in result.levels] == [1]
    assert _masked_psnr(result.image, photo, hole > 0) > 25.0


def test_a_deep_pyramid_stops_where_there_is_still_something_to_copy() -> None:
    """A coarsest level too small to hold a whole known patch is not built (it used to
    hand the whole hole to OpenCV's blur)."""
    truth = _periodic()
    hole = _box(truth.shape[:2], 50, 60, 100, 130)
    filled = synthesize(truth, hole, config=SynthesisConfig(coarsest=4), seed=0).image
    assert _error(filled, truth, hole) < 6


def test_cancel_stops_the_synthesis_between_iterations() -> None:
    truth = _periodic()
    hole = _box(truth.shape[:2], 40, 40, 110, 140)
    token = CancelToken()
    seen: list[Progress] = []

    def on_progress(update: Progress) -> None:
        seen.append(update)
        token.cancel()

    with pytest.raises(Cancelled):
        synthesize(truth, hole, progress=on_progress, cancel=token)
    assert len(seen) == 1


def test_progress_is_monotone_and_ends_at_the_total() -> None:
    truth = _periodic(160, 480)
    hole = _box(truth.shape[:2], 20, 20, 70, 80) | _box(truth.shape[:2], 100, 400, 140, 460)
    seen: list[Progress] = []
    synthesize(truth, hole, progress=seen.append)
    steps = [p.step for p in seen]
    assert steps == sorted(steps)
    assert all(later - earlier <= 1 for earlier, later in pairwise(steps))  # no jumps
    assert steps[-1] == seen[-1].total > 1
    assert seen[-1].preview is not None
    assert {"part 1 of 2", "part 2 of 2"} <= {p.message.split(": ")[-1] for p in seen}


def test_a_big_photo_is_worked_on_around_the_hole_only() -> None:
    """12 megapixels with a small hole: every stage sees a box of the hole, not the photo."""
    photo = np.zeros((3000, 4000, 3), np.uint8)
    photo[..., 1] = 90
    tile = _periodic(200, 200)
    photo[1400:1600, 1900:2100] = tile
    hole = _box(photo.shape[:2], 1470, 1970, 1530, 2030)
    result = synthesize(photo, hole)
    assert len(result.boxes) == 1
    box = result.boxes[0]
    assert (box.y1 - box.y0) * (box.x1 - box.x0) < 0.01 * hole.size
    assert all(max(h, w) <= 300 for h, w in result.levels[0])
    assert np.array_equal(result.image[~hole], photo[~hole])


def test_a_hole_with_nothing_to_copy_falls_back_to_the_guide() -> None:
    photo = _periodic(32, 32)
    hole = np.ones((32, 32), bool)
    hole[0, 0] = False
    guide = np.full_like(photo, 99)
    assert (synthesize(photo, hole, guide).image[hole] == 99).all()
    plain = synthesize(photo, hole).image  # without a guide: OpenCV's fill
    assert plain.shape == photo.shape


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("patch", 4, "odd"),
        ("patch_fine", 1, "odd"),
        ("context", -1.0, "context"),
        ("coarsest", 2, "coarsest"),
        ("em_max", 0, "at least 1"),
        ("em_finest", 0, "at least 1"),
        ("passes_finest", 0, "at least 1"),
        ("guide_decay", 2.0, "decay"),
        ("structure_patch", 6, "odd"),
        ("structure_context", -0.5, "structure context"),
        ("structure_coarsest", 1, "coarsest"),
        ("structure_shrink", -1.0, "shrink"),
        ("texture_anchor", -0.1, "texture anchor"),
        ("texture_anchor", 1.5, "texture anchor"),
        ("texture_anchor", float("nan"), "texture anchor"),
    ],
)
def test_bad_settings_are_refused_in_one_sentence(field: str, value: object, needle: str) -> None:
    with pytest.raises(ValueError, match=needle) as error:
        SynthesisConfig(**{field: value})
    assert str(error.value).count(". ") == 0 and str(error.value).endswith(".")


def test_synthesis_boxes_hold_each_hole_with_its_context() -> None:
    hole = _box((400, 600), 100, 200, 140, 260)
    (box,) = synthesis_boxes(hole, SynthesisConfig(context=1.0))
    assert box.y0 <= 100 - 40 and box.y1 >= 140 + 40
    assert box.x0 <= 200 - 60 and box.x1 >= 260 + 60


# --- through inpaint ------------------------------------------------------------------


def test_patch_method_fills_without_a_model() -> None:
    truth = _periodic()
    hole = _box(truth.shape[:2], 50, 60, 100, 130)
    result = inpaint(truth, hole, None, method="patch")
    assert result.method == "patch"
    assert _error(result.image, truth, hole) < 6
    assert len(result.candidates) == 1 and result.synthesis_boxes


def test_gan_method_synthesises_scaled_up_holes_and_reports_every_stage(gan) -> None:
    truth = _periodic(200, 240)  # the 16 px test GAN: this region is scaled up > 1.5×
    hole = _box(truth.shape[:2], 60, 80, 130, 160)
    seen: list[Progress] = []
    result = inpaint(truth, hole, gan, FAST_GAN, progress=seen.append)
    assert result.synthesis_boxes and result.timings["synthesis"] > 0
    assert np.array_equal(result.image[~hole], truth[~hole])
    assert _error(result.image, truth, hole) < 15  # the photo's texture, not G's blur
    pasted = inpaint(truth, hole, gan, dataclasses.replace(FAST_GAN, synthesis=None))
    assert _error(result.image, truth, hole) < 0.5 * _error(pasted.image, truth, hole)
    steps = [p.step for p in seen]
    assert steps == sorted(steps) and steps[-1] == seen[-1].total
    stages = {p.message.split(" hole")[0] for p in seen}
    assert {"Inpainting", "Refining", "Drawing"} <= stages


def test_a_redrawn_hole_is_searched_and_tuned_briefly_and_without_the_prior(gan) -> None:
    truth = _periodic(200, 240)  # scaled up: G's fill only guides the synthesis
    hole = _box(truth.shape[:2], 60, 80, 130, 160)
    config = dataclasses.replace(
        FAST_GAN,
        inversion=dataclasses.replace(FAST_GAN.inversion, iters=9),
        refine=dataclasses.replace(FAST_GAN.refine, steps=6, report_every=1),
        guide_effort=1 / 3,
    )
    seen: list[Progress] = []
    redrawn = inpaint(truth, hole, gan, config, progress=seen.append)
    assert redrawn.synthesis_boxes and redrawn.steps == 3
    assert "prior" not in redrawn.losses and "context" in redrawn.losses
    tuned = [p.step for p in seen if p.message.startswith("Refining")]
    assert max(tuned) == 3 + 2
    steps = [p.step for p in seen]
    assert steps == sorted(steps) and steps[-1] == seen[-1].total
    # Where G's pixels are the fill, or at full effort: every step and the prior.
    for other in (
        dataclasses.replace(config, synthesis=None),
        dataclasses.replace(config, guide_effort=1.0),
    ):
        result = inpaint(truth, hole, gan, other)
        assert result.steps == 9 and "prior" in result.losses


@pytest.mark.parametrize("effort", [0.0, -0.5, 1.5, float("nan")])
def test_a_guide_effort_outside_0_to_1_is_refused(effort: float) -> None:
    with pytest.raises(ValueError, match="guide_effort must be in"):
        InpaintConfig(guide_effort=effort)


def test_only_the_best_candidate_is_finished_until_another_is_asked_for(gan) -> None:
    truth = _periodic(200, 240)
    hole = _box(truth.shape[:2], 60, 80, 130, 160)
    config = dataclasses.replace(FAST_GAN, candidates=2, distinct=0.0)
    result = inpaint(truth, hole, gan, config)
    assert len(result.candidates) == 2
    assert result.candidates.ready(0) and not result.candidates.ready(1)
    rough = result.candidates.rough(1)
    assert rough.shape == truth.shape and not result.candidates.ready(1)
    second = result.candidates[1]
    assert result.candidates.ready(1)
    assert np.array_equal(second[~hole], truth[~hole])
    assert second is result.candidates[1]  # made once, then kept


def test_a_candidate_not_yet_drawn_is_previewed_in_the_photos_own_colours(gan) -> None:
    """The untrained test GAN draws colours the photo does not have, as a photo GAN draws
    a removed object's ghost: the preview of a redrawn hole shows the photo's colours."""
    truth = np.zeros((200, 240, 3), np.uint8)
    truth[:100], truth[100:] = (200, 40, 40), (30, 60, 200)  # red over blue
    hole = _box(truth.shape[:2], 60, 80, 140, 160)  # scaled up: the synthesis redraws it
    config = dataclasses.replace(FAST_GAN, candidates=2, distinct=0.0)
    result = inpaint(truth, hole, gan, config)
    preview = result.candidates.rough(1)
    assert not result.candidates.ready(1)
    assert np.array_equal(preview[~hole], truth[~hole])
    nearest = np.minimum(
        np.abs(preview[hole].astype(int) - (200, 40, 40)).max(axis=1),
        np.abs(preview[hole].astype(int) - (30, 60, 200)).max(axis=1),
    )
    assert np.mean(nearest <= 12) > 0.9  # all but the edge between them
    assert np.array_equal(preview, result.candidates.rough(1))  # the same each time


def test_a_redrawn_holes_other_candidates_are_tuned_when_first_finished(gan) -> None:
    truth = _periodic(200, 240)  # scaled up: the synthesis redraws the hole
    hole = _box(truth.shape[:2], 60, 80, 130, 160)
    config = dataclasses.replace(FAST_GAN, candidates=2, distinct=0.0)
    seen: list[Progress] = []
    result = inpaint(truth, hole, gan, config, progress=seen.append)
    tuning = [p for p in seen if p.message.startswith("Refining")]
    # In the job only the search's best is tuned: its steps, not twice as many.
    guide = hole_settings(config, redrawn=True)
    assert guide.refine.steps > 0
    assert tuning and max(p.step for p in tuning) == guide.inversion.iters + guide.refine.steps
    finishing: list[Progress] = []
    result.candidates.finish(1, finishing.append)
    messages = [p.message for p in finishing]
    assert messages[0] == "Tuning the GAN for candidate 2"
    assert any(m.startswith("Drawing hole") for m in messages)
    steps = [p.step for p in finishing]
    assert steps == sorted(steps) and steps[-1] == finishing[-1].total == guide.refine.steps + 100
    # Asked again, nothing is tuned or drawn twice.
    again: list[Progress] = []
    result.candidates.finish(1, again.append)
    assert again == []


def test_a_pasted_holes_candidates_are_all_finished_in_the_job(gan) -> None:
    truth = _periodic(20, 24)  # no bigger than the 16 px GAN's region: G's pixels are the fill
    hole = _box(truth.shape[:2], 6, 8, 13, 16)
    config = dataclasses.replace(FAST_GAN, candidates=2, distinct=0.0)
    result = inpaint(truth, hole, gan, config)
    assert not result.synthesis_boxes
    assert result.candidates.ready(0) and result.candidates.ready(1)


def _stochastic_on_a_ramp(height: int = 160, width: int = 192) -> np.ndarray:
    """Fine random texture on a brightness ramp: no copied patch has quite the brightness
    of the place it is copied to."""
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    texture = cv2.GaussianBlur(rng.normal(0, 25, (height, width)).astype(np.float32), (0, 0), 1)
    base = 40 + 85 * x / width + 85 * y / height
    channels = [base + texture, 0.9 * base + texture, 0.7 * base + texture]
    return np.clip(np.stack(channels, axis=2), 0, 255).astype(np.uint8)


def test_what_is_under_the_mask_does_not_matter() -> None:
    """The object being removed must not leak into its replacement (texture channels,
    lowpass, seam: all read known pixels only)."""
    image = _stochastic_on_a_ramp()
    hole = _box(image.shape[:2], 50, 60, 110, 130)
    other = image.copy()
    other[hole] = 255 - other[hole]
    guide = cv2.GaussianBlur(image, (0, 0), 3)
    for with_guide in (None, guide):
        first = synthesize(image, hole, with_guide, seed=3, guide_scale=4).image
        second = synthesize(other, hole, with_guide, seed=3, guide_scale=4).image
        np.testing.assert_array_equal(first, second)


def _edge_error(filled: np.ndarray, truth: np.ndarray, hole: np.ndarray) -> float:
    """How far the fill's colour (blurred, σ 4 px: brightness, not texture) is from the
    photo's in a 7 px ring inside the hole's edge, where a seam would show."""
    inside = hole.astype(np.float32)
    error = (filled.astype(np.float32) - truth) * inside[:, :, None]
    blurred = cv2.GaussianBlur(error, (0, 0), 4)
    blurred /= np.maximum(cv2.GaussianBlur(inside, (0, 0), 4), 1e-3)[:, :, None]
    ring = hole & ~(cv2.erode(hole.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0)
    return float(np.abs(blurred[ring]).mean())


def test_the_fill_takes_its_brightness_from_the_holes_edge() -> None:
    """On a brightness ramp no copied patch has the brightness of where it lands: the
    seam's membrane brings the fill's colour next to the edge to the photo's, and the
    whole fill is within a grey level of the photo's brightness (four seeds: one alone
    differs by tenths of a grey level either way)."""
    image = _stochastic_on_a_ramp()
    hole = _box(image.shape[:2], 50, 60, 110, 130)
    edge = {False: 0.0, True: 0.0}
    for seed in range(4):
        for seam in (False, True):
            filled = synthesize(image, hole, config=SynthesisConfig(seam=seam), seed=seed).image
            edge[seam] += _edge_error(filled, image, hole) / 4
            if seam:
                assert np.abs((filled.astype(float) - image)[hole].mean(axis=0)).max() < 1.0
    assert edge[True] < 0.95 * edge[False]


def test_loading_the_kernels_ahead_compiles_what_a_fill_runs() -> None:
    """The app loads them while the user paints, so the first fill does not wait."""
    code = (
        "from ganpaint.edit import patch_kernels as k, synthesis\n"
        "kernels = (k.patchmatch, k.vote, k.refresh_costs, k.coordinates)\n"
        "assert not any(kernel.signatures for kernel in kernels)\n"
        "synthesis.load_kernels()\n"
        "assert all(kernel.signatures for kernel in kernels)\n"
        "print('ok')"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.stdout.strip() == "ok", run.stderr


@pytest.mark.parametrize("share", [0.0, 0.5, 1.0])
def test_a_holes_texture_estimate_is_held_towards_its_start_after_a_vote(share: float) -> None:
    """Voted freely, the hole's texture channels follow the patches copied so far, and a
    few flat ones make the estimate say "flat" everywhere (a wood floor's grain filled
    with the blurred background): each vote's channels are pulled back towards the
    level's start by `texture_anchor`; colours and known pixels are the vote's."""
    rng = np.random.default_rng(0)
    image = rng.uniform(0, 255, (20, 20, 5)).astype(np.float32)
    hole = _box((20, 20), 5, 5, 15, 15)
    level = synthesis._level(image, hole, None, 0.0, 0.0, 2)
    start = image[hole, 3:].copy()
    level.anchor = start
    voted = image.copy()
    voted[hole] = rng.uniform(0, 255, (int(hole.sum()), 5))
    level.image[:] = voted
    synthesis._hold_texture(level, SynthesisConfig(texture_anchor=share))
    expected = share * start + (1 - share) * voted[hole, 3:]
    assert np.allclose(level.image[hole, 3:], expected, atol=1e-3)
    assert np.array_equal(level.image[hole, :3], voted[hole, :3])
    assert np.array_equal(level.image[~hole], voted[~hole])
