"""pix2pix at its trained scale: what the network sees, what comes back, what stays put."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from torch import nn

from ganpaint.edit.blend import blend_margin
from ganpaint.edit.trained_scale import (
    input_kind,
    shrink,
    shrunk_size,
    trained_side,
    translate_at_scale,
)


def _meta(kind: str = "pix2pix", load_size: object = 64, a: str = "edges", **extra) -> dict:
    return {
        "kind": kind,
        "domains": {"A": a, "B": "photo"},
        "direction": "AtoB",
        "training": {"config": {"load_size": load_size, "size": 56}},
        **extra,
    }


class Recording(nn.Module):
    """Inverts the picture and remembers the sizes it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[int, int]] = []
        self.conv = nn.Conv2d(3, 3, 1)
        with torch.no_grad():
            self.conv.weight.copy_(-torch.eye(3)[:, :, None, None])
            self.conv.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.seen.append((x.shape[2], x.shape[3]))
        return self.conv(x)


def _sketch(side: int = 256, width: int = 3) -> np.ndarray:
    image = np.full((side, side, 3), 255, np.uint8)
    cv2.line(image, (10, side // 2), (side - 10, side // 3), (0, 0, 0), width)
    return image


def test_the_trained_side_comes_from_the_model_file() -> None:
    assert trained_side(_meta(load_size=143)) == 143
    assert trained_side(_meta(kind="cyclegan")) is None  # fully convolutional, any size
    assert trained_side({"kind": "pix2pix", "training": {}}) is None  # imported checkpoint
    for bad in (0, -5, True, "143", None):
        assert trained_side(_meta(load_size=bad)) is None, bad


@pytest.mark.parametrize(
    ("domain", "direction", "kind"),
    [
        ("edges", "AtoB", "sketch"),
        ("Sketch", "AtoB", "sketch"),
        ("labels", "AtoB", "labels"),
        ("segmentation", "AtoB", "labels"),
        ("day", "AtoB", "photo"),
        ("edges", "BtoA", "photo"),  # BtoA reads domain B (here "photo")
    ],
)
def test_the_input_kind_comes_from_the_input_domain(domain, direction, kind) -> None:
    meta = _meta(a=domain)
    meta["direction"] = direction
    assert input_kind(meta) == kind


def test_label_maps_shrink_without_inventing_colours() -> None:
    colours = np.array([[30, 60, 200], [240, 240, 240], [20, 140, 40]], np.uint8)
    rng = np.random.default_rng(0)
    labels = colours[rng.integers(0, 3, (40, 40)).repeat(6, 0).repeat(6, 1)]
    small = shrink(labels, (72, 64), "labels")
    assert small.shape == (72, 64, 3)
    assert {tuple(c) for c in small.reshape(-1, 3)} <= {tuple(c) for c in colours}


def test_sketch_strokes_keep_their_weight_when_shrunk() -> None:
    sketch = _sketch(512, width=3)
    ours = shrink(sketch, (143, 143), "sketch")
    plain = cv2.resize(sketch, ours.shape[1::-1], interpolation=cv2.INTER_AREA)
    assert ours.shape == (143, 143, 3)
    # Plain area averaging greys a thin line out; thickened first, it stays a dark line.
    assert (ours < 128).sum() > 1.5 * (plain < 128).sum()
    assert ours.astype(int).sum() < plain.astype(int).sum()


def test_the_shrunk_size_keeps_the_short_side_near_the_trained_one_without_padding() -> None:
    assert shrunk_size((512, 512), 143, 128) == (128, 128)  # not 143, which pads to 256
    assert shrunk_size((512, 768), 143, 128) == (128, 256)
    assert shrunk_size((600, 1000), 143, 4) == (144, 240)
    assert shrunk_size((300, 5000), 20, 128) == (128, 384)  # never below one multiple


def test_a_big_picture_runs_at_the_trained_scale_and_comes_back_full_size() -> None:
    net = Recording()
    sketch = _sketch(256)
    result = translate_at_scale(sketch, net, _meta(load_size=64), tile=None, amp=False)
    assert result.image.shape == sketch.shape
    assert net.seen[-1] == (64, 64)  # the shrunk copy
    # The inverting net turns white paper black: the scaled-back result is dark overall
    # and light along the stroke.
    assert result.image.mean() < 40
    assert result.image[sketch.min(axis=2) == 0].mean() > 150


def test_full_scale_small_pictures_and_other_kinds_run_as_they_are() -> None:
    for meta, side, scale in (
        (_meta(load_size=64), 256, "full"),
        (_meta(load_size=64), 48, "trained"),  # never enlarged
        (_meta(kind="cyclegan"), 256, "trained"),
    ):
        net = Recording()
        translate_at_scale(_sketch(side), net, meta, scale=scale, tile=None, amp=False)
        assert net.seen[-1][0] >= side, (meta["kind"], side, scale)


def test_a_selection_changes_only_pixels_in_and_near_it() -> None:
    net = Recording()
    photo = np.full((200, 200, 3), 200, np.uint8)
    mask = np.zeros((200, 200), bool)
    mask[80:120, 60:140] = True
    out = translate_at_scale(
        photo, net, _meta(load_size=50, a="day"), mask=mask, tile=None, amp=False
    ).image
    assert (out[mask] < 100).all()  # translated (inverted) inside
    margin = blend_margin(mask.shape)
    far = np.ones_like(mask)
    far[80 - margin : 120 + margin, 60 - margin : 140 + margin] = False
    assert np.array_equal(out[far], photo[far])
    empty = translate_at_scale(photo, net, _meta(load_size=50), mask=np.zeros_like(mask))
    assert np.array_equal(empty.image, photo)


def test_an_unknown_scale_is_refused_in_one_sentence() -> None:
    with pytest.raises(ValueError, match=r"^Unknown scale 'half'; use trained or full\.$"):
        translate_at_scale(_sketch(64), Recording(), _meta(), scale="half")  # type: ignore[arg-type]
