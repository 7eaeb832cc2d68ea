"""The array <-> tensor and hole <-> known conversions: exact, bounded, and inverse."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image

from ganpaint.convert import (
    grey_to_rgb,
    hole_to_known,
    image_to_tensor,
    known_to_hole,
    rgb_to_grey,
    tensor_to_image,
)


def all_values() -> np.ndarray:
    return np.arange(256 * 3, dtype=np.int64).reshape(16, 16, 3).astype(np.uint8)


def test_every_uint8_value_round_trips_exactly() -> None:
    rgb = all_values()
    t = image_to_tensor(rgb)
    assert t.shape == (1, 3, 16, 16) and t.dtype == torch.float32 and t.is_contiguous()
    np.testing.assert_array_equal(tensor_to_image(t[0]), rgb)
    np.testing.assert_array_equal(tensor_to_image(t), rgb[None])


def test_range_is_minus_one_to_one() -> None:
    t = image_to_tensor(np.array([[[0, 255, 128]]], np.uint8))
    assert t[0, :, 0, 0].tolist() == pytest.approx([-1.0, 1.0, 128 / 127.5 - 1], abs=1e-6)
    t = image_to_tensor(all_values())
    assert t.min().item() == -1.0 and t.max().item() == 1.0


def test_layout_is_nchw() -> None:
    rgb = np.zeros((2, 5, 3), np.uint8)
    rgb[1, 4] = (255, 0, 0)
    t = image_to_tensor(rgb)
    assert t.shape == (1, 3, 2, 5)
    assert t[0, 0, 1, 4] == 1.0 and t[0, 1, 1, 4] == -1.0 and t[0, 0, 0, 0] == -1.0


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16])
def test_other_float_dtypes_round_trip(dtype: torch.dtype) -> None:
    t = image_to_tensor(all_values(), dtype=dtype)
    assert t.dtype == dtype
    np.testing.assert_array_equal(tensor_to_image(t[0]), all_values())


def test_batches_round_trip() -> None:
    batch = np.random.default_rng(0).integers(0, 256, (4, 6, 7, 3), dtype=np.uint8)
    t = image_to_tensor(batch)
    assert t.shape == (4, 3, 6, 7)
    np.testing.assert_array_equal(tensor_to_image(t), batch)


def test_device_argument() -> None:
    assert image_to_tensor(all_values(), device="cpu").device.type == "cpu"
    assert hole_to_known(np.zeros((2, 2), bool), device=torch.device("cpu")).device.type == "cpu"


def test_grey_inputs_and_channel_requests() -> None:
    grey = np.arange(6, dtype=np.uint8).reshape(2, 3) * 40
    t = image_to_tensor(grey)
    assert t.shape == (1, 1, 2, 3)
    assert image_to_tensor(grey[..., None]).shape == (1, 1, 2, 3)
    as_rgb = image_to_tensor(grey, channels=3)
    assert as_rgb.shape == (1, 3, 2, 3) and torch.equal(as_rgb[:, 0], as_rgb[:, 2])
    # A grey model's output comes back as grey RGB, because edge arrays are RGB.
    out = tensor_to_image(t[0])
    assert out.shape == (2, 3, 3) and out.flags.c_contiguous
    np.testing.assert_array_equal(out[..., 1], grey)


def test_rgb_to_one_channel_matches_pillow_luma() -> None:
    rgb = np.random.default_rng(1).integers(0, 256, (9, 13, 3), dtype=np.uint8)
    pillow = np.asarray(Image.fromarray(rgb).convert("L"))
    np.testing.assert_array_equal(rgb_to_grey(rgb), pillow)
    t = image_to_tensor(rgb, channels=1)
    assert t.shape == (1, 1, 9, 13)
    np.testing.assert_array_equal(tensor_to_image(t[0])[..., 0], pillow)
    np.testing.assert_array_equal(grey_to_rgb(pillow)[..., 2], pillow)


def test_read_only_arrays_are_copied_not_wrapped(monkeypatch: pytest.MonkeyPatch) -> None:
    # torch warns (once per process, so a warning check would be flaky) when it wraps
    # a read-only array such as np.asarray(PIL image); make sure it never has to.
    rgb = np.asarray(Image.fromarray(all_values()))
    assert not rgb.flags.writeable
    wrap = torch.from_numpy

    def strict_from_numpy(array: np.ndarray) -> torch.Tensor:
        assert array.flags.writeable
        return wrap(array)

    monkeypatch.setattr(torch, "from_numpy", strict_from_numpy)
    np.testing.assert_array_equal(tensor_to_image(image_to_tensor(rgb)), rgb[None])


def test_tensor_to_image_rounds_and_clamps() -> None:
    t = torch.tensor([-3.0, -1.0, 1.0, 5.0, float("nan"), 0.0, 1 / 127.5 - 1 + 0.003])
    out = tensor_to_image(t.view(1, 1, 7))
    assert out[..., 0].tolist() == [[0, 0, 255, 255, 128, 128, 1]]


def test_tensor_to_image_accepts_grad_and_returns_a_copy() -> None:
    t = torch.zeros(3, 2, 2, requires_grad=True)
    out = tensor_to_image(t * 1)
    out[0, 0, 0] = 7  # the caller owns the array
    assert out.dtype == np.uint8 and out.shape == (2, 2, 3)


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((2, 2, 3), np.float32),
        np.zeros((2, 2, 4), np.uint8),
        np.zeros((2,), np.uint8),
        np.zeros((1, 1, 2, 2, 3), np.uint8),
        [[0]],
    ],
)
def test_image_to_tensor_rejects_bad_arrays(bad: object) -> None:
    with pytest.raises(ValueError):
        image_to_tensor(bad)  # type: ignore[arg-type]


def test_image_to_tensor_rejects_bad_options() -> None:
    with pytest.raises(ValueError):
        image_to_tensor(all_values(), dtype=torch.int32)
    with pytest.raises(ValueError):
        image_to_tensor(all_values(), channels=2)


@pytest.mark.parametrize(
    "bad", [torch.zeros(3, 2, 2, dtype=torch.uint8), torch.zeros(2, 2), torch.zeros(1, 4, 2, 2)]
)
def test_tensor_to_image_rejects_bad_tensors(bad: torch.Tensor) -> None:
    with pytest.raises(ValueError):
        tensor_to_image(bad)


def test_hole_to_known_inverts_and_shapes() -> None:
    hole = np.array([[True, False, False], [False, False, True]])
    known = hole_to_known(hole)
    assert known.shape == (1, 1, 2, 3) and known.dtype == torch.float32
    assert known[0, 0].tolist() == [[0.0, 1.0, 1.0], [1.0, 1.0, 0.0]]
    np.testing.assert_array_equal(known_to_hole(known), hole)
    np.testing.assert_array_equal(known_to_hole(known[0]), hole)
    np.testing.assert_array_equal(known_to_hole(known[0, 0]), hole)
    np.testing.assert_array_equal(known_to_hole(known[0, 0] > 0.5), hole)


def test_user_masks_as_0_255_bytes() -> None:
    painted = np.array([[0, 255], [1, 0]], np.uint8)
    assert hole_to_known(painted)[0, 0].tolist() == [[1.0, 0.0], [0.0, 1.0]]


def test_batched_masks() -> None:
    holes = np.random.default_rng(2).random((3, 4, 5)) > 0.5
    known = hole_to_known(holes)
    assert known.shape == (3, 1, 4, 5)
    np.testing.assert_array_equal(known_to_hole(known), holes)


def test_soft_known_masks_threshold_at_half() -> None:
    known = torch.tensor([[0.0, 0.49, 0.5, 1.0]])
    assert known_to_hole(known).tolist() == [[True, True, False, False]]


@pytest.mark.parametrize(
    "bad", [np.zeros((2, 2), np.float32), np.zeros((2,), bool), np.zeros((1, 1, 2, 2), bool)]
)
def test_hole_to_known_rejects_bad_masks(bad: np.ndarray) -> None:
    with pytest.raises(ValueError):
        hole_to_known(bad)


@pytest.mark.parametrize("bad", [torch.zeros(1, 3, 2, 2), torch.zeros(2, 2, 2), torch.zeros(5)])
def test_known_to_hole_rejects_bad_tensors(bad: torch.Tensor) -> None:
    with pytest.raises(ValueError):
        known_to_hole(bad)


@settings(max_examples=60, deadline=None)
@given(
    arrays(
        np.uint8,
        st.tuples(st.integers(1, 9), st.integers(1, 9), st.sampled_from([1, 3])),
    )
)
def test_property_round_trip_is_exact_and_bounded(rgb: np.ndarray) -> None:
    t = image_to_tensor(rgb)
    assert t.min() >= -1.0 and t.max() <= 1.0
    back = tensor_to_image(t[0])
    np.testing.assert_array_equal(back, grey_to_rgb(rgb) if rgb.shape[2] == 1 else rgb)


@settings(max_examples=60, deadline=None)
@given(arrays(np.bool_, st.tuples(st.integers(1, 9), st.integers(1, 9))))
def test_property_hole_known_inverse(hole: np.ndarray) -> None:
    known = hole_to_known(hole)
    assert bool(((known == 0) | (known == 1)).all())
    np.testing.assert_array_equal(known_to_hole(known), hole)
