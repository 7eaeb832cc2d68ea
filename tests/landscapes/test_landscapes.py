"""The procedural landscapes: deterministic, varied, pixel-aligned, any size, held-out seeds."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ganpaint.errors import DatasetError
from ganpaint.labels import LABEL_NAMES, LABEL_PALETTE, colorize_labels, labels_from_colors
from ganpaint.landscapes import HELD_OUT_SEED_START, KINDS, render_landscapes, seed_range

SKY, CLOUD, MOUNTAIN, WATER, GRASS, TREE, SUN = range(7)


@pytest.fixture(scope="module")
def batch64():
    """64 held-out scenes at 64 px, every kind."""
    return render_landscapes(seed_range("test", 64, 0), 64)


def _boundaries(labels: np.ndarray) -> np.ndarray:
    """Pixels whose label differs from a 4-neighbour's."""
    edge = np.zeros(labels.shape, dtype=bool)
    horizontal = labels[..., :, 1:] != labels[..., :, :-1]
    vertical = labels[..., 1:, :] != labels[..., :-1, :]
    edge[..., :, 1:] |= horizontal
    edge[..., :, :-1] |= horizontal
    edge[..., 1:, :] |= vertical
    edge[..., :-1, :] |= vertical
    return edge


def _dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """Binary dilation by a (2r+1)² square, over the last two axes."""
    out = mask.copy()
    for axis in (-1, -2):
        grown = out.copy()
        for shift in range(1, radius + 1):
            grown |= np.roll(out, shift, axis=axis) | np.roll(out, -shift, axis=axis)
        out = grown
    return out


def _gradient(images: np.ndarray) -> np.ndarray:
    """Per-pixel colour gradient magnitude (N, H, W) of uint8 RGB images."""
    f = images.astype(np.float32)
    gx = np.zeros(f.shape[:-1], np.float32)
    gy = np.zeros(f.shape[:-1], np.float32)
    gx[:, :, 1:-1] = np.abs(f[:, :, 2:] - f[:, :, :-2]).sum(-1)
    gy[:, 1:-1, :] = np.abs(f[:, 2:, :] - f[:, :-2, :]).sum(-1)
    return np.maximum(gx, gy)


# --- determinism ----------------------------------------------------------------------------
def test_the_same_seed_gives_the_same_pixels() -> None:
    first = render_landscapes([3, 1_000_000_007, 42], 48)
    second = render_landscapes(np.array([3, 1_000_000_007, 42]), 48)
    for kind in KINDS:
        np.testing.assert_array_equal(getattr(first, kind), getattr(second, kind))


def test_a_scene_does_not_depend_on_its_batch() -> None:
    """Alone, in a large batch (several paint groups) or in another order: the same pixels."""
    seeds = np.arange(200, 260)
    batch = render_landscapes(seeds, 64)
    shuffled = np.random.default_rng(0).permutation(seeds)
    other = render_landscapes(shuffled, 64)
    where = np.argsort(shuffled)
    for i in (0, 17, 33, 59):
        alone = render_landscapes([seeds[i]], 64)
        for kind in KINDS:
            np.testing.assert_array_equal(getattr(batch, kind)[i], getattr(alone, kind)[0])
            np.testing.assert_array_equal(getattr(other, kind)[where[i]], getattr(alone, kind)[0])


def test_chunks_of_prepared_scenes_do_not_matter() -> None:
    """At 16 px more than one prepare chunk (512 scenes) is used; scenes still agree."""
    seeds = np.arange(5000, 5600)
    batch = render_landscapes(seeds, 16, kinds=("day", "labels"))
    picked = [0, 300, 511, 512, 599]
    alone = render_landscapes(seeds[picked], 16, kinds=("day", "labels"))
    np.testing.assert_array_equal(batch.day[picked], alone.day)
    np.testing.assert_array_equal(batch.labels[picked], alone.labels)


@settings(max_examples=12, deadline=None)
@given(st.lists(st.integers(0, 2**40), min_size=1, max_size=6, unique=True), st.integers(0, 5))
def test_any_batch_renders_each_seed_as_alone(seeds: list[int], pick: int) -> None:
    pick %= len(seeds)
    batch = render_landscapes(seeds, 24)
    alone = render_landscapes([seeds[pick]], 24)
    for kind in KINDS:
        np.testing.assert_array_equal(getattr(batch, kind)[pick], getattr(alone, kind)[0])


def test_only_the_requested_kinds_are_rendered_and_they_do_not_interact() -> None:
    seeds = [11, 12, 13]
    day = render_landscapes(seeds, 40, kinds=("day",))
    assert day.night is None and day.sketch is None and day.labels is None
    full = render_landscapes(seeds, 40)
    np.testing.assert_array_equal(day.day, full.day)
    night = render_landscapes(seeds, 40, kinds=("night", "labels"))
    np.testing.assert_array_equal(night.night, full.night)
    np.testing.assert_array_equal(night.labels, full.labels)


# --- variety --------------------------------------------------------------------------------
def test_every_seed_is_a_different_scene(batch64) -> None:
    digests = {hashlib.sha1(image.tobytes()).hexdigest() for image in batch64.day}
    assert len(digests) == len(batch64.day)


def test_scenes_vary_in_colour_and_content(batch64) -> None:
    means = batch64.day.reshape(64, -1, 3).mean(axis=1)
    assert means.std(axis=0).min() > 10  # every channel's mean varies from scene to scene
    warm = means[:, 0] - means[:, 2]
    assert warm.max() - warm.min() > 40  # cool blue days and warm dusks
    present = [np.any(batch64.labels == k) for k in range(len(LABEL_NAMES))]
    assert all(present), dict(zip(LABEL_NAMES, present, strict=True))
    water = (batch64.labels == WATER).mean(axis=(1, 2))
    assert 0.15 < np.mean(water > 0.02) < 0.85  # a lake in some scenes, not in others
    trees = (batch64.labels == TREE).mean(axis=(1, 2))
    assert 0.2 < np.mean(trees > 0.002) <= 1.0


# --- alignment ------------------------------------------------------------------------------
def test_labels_match_what_the_photo_shows(batch64) -> None:
    day = batch64.day.astype(np.float32)
    labels = batch64.labels
    sky_blue, grass_blue, sky_light, grass_light = [], [], [], []
    for image, lab in zip(day, labels, strict=True):
        sky, grass = image[lab == SKY], image[lab == GRASS]
        if len(sky) > 20 and len(grass) > 20:
            sky_blue.append(sky[:, 2].mean() - sky[:, 0].mean())
            grass_blue.append(grass[:, 2].mean() - grass[:, 0].mean())
            sky_light.append(sky.mean())
            grass_light.append(grass.mean())
    assert len(sky_blue) > 40
    assert np.mean(sky_blue) > np.mean(grass_blue) + 20  # sky is bluer than grass
    assert np.mean(sky_light) > np.mean(grass_light)  # and brighter
    # the photo's edges sit on the label map's boundaries
    gradient = _gradient(batch64.day)
    edges = _boundaries(labels)
    assert gradient[edges].mean() > 3 * gradient[~_dilate(edges, 1)].mean()


def test_night_is_the_same_scene_darker(batch64) -> None:
    labels = batch64.labels
    separate = render_landscapes(seed_range("test", 4, 0), 64, kinds=("night", "labels"))
    np.testing.assert_array_equal(separate.labels, labels[:4])
    day_light = batch64.day.reshape(64, -1).mean(axis=1)
    night_light = batch64.night.reshape(64, -1).mean(axis=1)
    assert np.all(night_light < 0.75 * day_light)
    night_blue = batch64.night[..., 2].astype(float) - batch64.night[..., 0]
    assert night_blue.mean() > 0  # moonlit blue
    gradient = _gradient(batch64.night)
    edges = _boundaries(labels)
    assert gradient[edges].mean() > 2 * gradient[~_dilate(edges, 1)].mean()


def test_sketch_strokes_follow_the_outlines(batch64) -> None:
    ink = batch64.sketch[..., 0] < 128
    assert np.all(batch64.sketch[..., 0] == batch64.sketch[..., 2])  # grey: dark on white
    assert 0.02 < ink.mean() < 0.2  # thin strokes on a white page
    assert (batch64.sketch > 250).mean() > 0.75
    edges = _boundaries(batch64.labels)
    # nearly every class boundary is drawn, within a pixel or two
    assert _dilate(ink, 2)[edges].mean() > 0.95
    # and strokes lie on outlines: class boundaries, or the edges between two ridges or hills
    outline = _dilate(edges | (_gradient(batch64.day) > 24), 2)
    assert outline[ink].mean() > 0.95
    assert _dilate(edges, 2)[ink].mean() > 0.6


# --- resolution -----------------------------------------------------------------------------
@pytest.mark.parametrize("size", [8, 16, 63, 64, 200])
def test_any_resolution(size: int) -> None:
    batch = render_landscapes([7, 8], size)
    for kind in ("day", "night", "sketch"):
        image = getattr(batch, kind)
        assert image.shape == (2, size, size, 3) and image.dtype == np.uint8
    assert batch.labels.shape == (2, size, size) and batch.labels.max() < len(LABEL_NAMES)


def test_a_seed_is_the_same_scene_at_every_resolution() -> None:
    seeds = seed_range("test", 6, 100)
    small = render_landscapes(seeds, 64)
    large = render_landscapes(seeds, 256)
    shrunk = large.day.reshape(6, 64, 4, 64, 4, 3).astype(np.float32).mean(axis=(2, 4))
    same = np.abs(shrunk - small.day).mean()
    other = np.abs(shrunk - np.roll(small.day, 1, axis=0)).mean()
    assert same < 6.0 and same < other / 4
    # labels agree except within a pixel of a boundary
    centre = large.labels[:, 2::4, 2::4]
    assert (centre == small.labels).mean() > 0.95


def test_bad_arguments_are_dataset_errors() -> None:
    with pytest.raises(DatasetError, match="kind"):
        render_landscapes([1], 32, kinds=("day", "photo"))
    with pytest.raises(DatasetError, match="size"):
        render_landscapes([1], 4)
    with pytest.raises(DatasetError, match="integers"):
        render_landscapes([1.5], 32)
    empty = render_landscapes([], 32)
    assert empty.day.shape == (0, 32, 32, 3)


# --- seeds ----------------------------------------------------------------------------------
def test_held_out_seeds_are_never_training_seeds() -> None:
    train = seed_range("train", 1000, 0)
    val, test = seed_range("val", 1000, 0), seed_range("test", 1000, 0)
    assert train.max() < HELD_OUT_SEED_START <= min(val.min(), test.min())
    assert not set(val) & set(test)
    assert len(set(train)) == 1000
    np.testing.assert_array_equal(seed_range("train", 3, 10), [10, 11, 12])
    last = seed_range("train", 10, HELD_OUT_SEED_START - 10)
    assert last.max() == HELD_OUT_SEED_START - 1
    with pytest.raises(DatasetError):
        seed_range("train", 10, HELD_OUT_SEED_START - 9)
    with pytest.raises(DatasetError, match="split"):
        seed_range("holdout", 10, 0)
    with pytest.raises(DatasetError):
        seed_range("val", 10, -1)


# --- labels ---------------------------------------------------------------------------------
def test_label_colours_round_trip_and_snap_to_the_nearest_class() -> None:
    assert len(LABEL_NAMES) == len(LABEL_PALETTE) == 7
    assert len({tuple(c) for c in LABEL_PALETTE}) == 7
    labels = np.arange(7, dtype=np.uint8).repeat(5).reshape(5, 7)
    colours = colorize_labels(labels)
    assert colours.shape == (5, 7, 3) and colours.dtype == np.uint8
    np.testing.assert_array_equal(labels_from_colors(colours), labels)
    painted = np.clip(
        colours.astype(int) + np.random.default_rng(1).integers(-20, 21, colours.shape), 0, 255
    )
    np.testing.assert_array_equal(labels_from_colors(painted.astype(np.uint8)), labels)
    with pytest.raises(ValueError):
        labels_from_colors(np.zeros((4, 4)))


def test_the_scene_view_is_the_day_or_the_night_view_by_seed() -> None:
    from ganpaint.landscapes.render import NIGHT_SHARE, is_night_scene, scene_light

    seeds = seed_range("train", 400)
    night = is_night_scene(seeds)
    assert abs(night.mean() - NIGHT_SHARE) < 0.08
    both = render_landscapes(seeds[:6], 32, kinds=("day", "night"))
    scene = render_landscapes(seeds[:6], 32, kinds=("scene",))
    assert scene.day is None and scene.night is None
    for i in range(6):
        assert np.array_equal(scene.scene[i], both.night[i] if night[i] else both.day[i])
    assert set(scene_light(seeds)) == {"day", "dusk", "night"}
