"""The artefact score: high for checkerboards and scan lines, 1 for the truth itself, not
raised by blur or noise, and a clear sentence for inputs it cannot score."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ganpaint.landscapes import render_landscapes, seed_range
from trainer.metrics.artefacts import artefact_score, checkerboard_level

SIDE = 128


@pytest.fixture(scope="module")
def renders() -> np.ndarray:
    """Four held-out landscapes, uint8 (4, 128, 128, 3): textured, natural-looking spectra."""
    return render_landscapes(seed_range("test", 4), SIDE, kinds=("day",)).day


def _uint8(x: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def _smooth() -> np.ndarray:
    ys, xs = np.mgrid[0:SIDE, 0:SIDE].astype(np.float64)
    grey = 120 + 60 * np.sin(xs / 20) + 40 * np.cos(ys / 15)
    return _uint8(np.repeat(grey[..., None], 3, axis=2))


def test_a_checkerboard_on_a_smooth_picture_scores_high() -> None:
    smooth = _smooth()
    ys, xs = np.mgrid[0:SIDE, 0:SIDE]
    board = _uint8(smooth + 8.0 * (-1.0) ** (xs + ys)[..., None])
    assert artefact_score([board], [smooth]) > 100
    assert checkerboard_level(board) > 100 * checkerboard_level(smooth)


def test_phase_gains_and_scan_lines_on_landscapes_score_high(renders: np.ndarray) -> None:
    """What an upsampling leaves: output phases with gains 5 % apart (period 2 and 4),
    and rows alternately lighter and darker (the scan lines seen in the app)."""
    ys, xs = np.mgrid[0:SIDE, 0:SIDE]
    period2 = 1 + 0.05 * (-1.0) ** (xs + ys)
    period4 = 1 + 0.05 * np.cos(np.pi / 2 * xs)
    for gains in (period2, period4):
        assert artefact_score(_uint8(renders * gains[..., None]), renders) > 10
    lines = np.where(ys % 2 == 0, 4.0, -4.0)[..., None]
    assert artefact_score(_uint8(renders + lines), renders) > 10


def test_identical_pictures_score_one(renders: np.ndarray) -> None:
    assert artefact_score(renders, renders) == pytest.approx(1.0)
    assert artefact_score(list(renders), renders.astype(np.float32)) == pytest.approx(1.0)
    grey = renders[..., 1]
    assert artefact_score(grey, grey) == pytest.approx(1.0)


def test_blur_and_noise_are_not_artefacts(renders: np.ndarray) -> None:
    blurred = [cv2.GaussianBlur(r, (0, 0), 1.5) for r in renders]
    assert artefact_score(blurred, renders) <= 1.0
    noise = np.random.default_rng(0).normal(0, 8, renders.shape)
    assert artefact_score(_uint8(renders + noise), renders) <= 1.0


def test_a_perfectly_smooth_truth_divides_nothing_by_zero() -> None:
    flat = np.full((64, 64), 100.0)
    assert artefact_score([flat], [flat]) == pytest.approx(1.0)
    board = flat + 2.0 * (-1.0) ** np.add.outer(np.arange(64), np.arange(64))
    assert np.isfinite(artefact_score([board], [flat])) and artefact_score([board], [flat]) > 100


@pytest.mark.parametrize(
    ("outputs", "truths", "message"),
    [
        ([np.zeros((64, 64, 3))], [], "1 outputs but 0 true pictures"),
        ([], [], "at least one output"),
        ([np.zeros((64, 64, 3))], [np.zeros((64, 80, 3))], "Output 0 is 64×64 pixels"),
        ([np.zeros((64, 64, 4))], [np.zeros((64, 64, 4))], "H×W×3 RGB picture"),
        ([np.zeros(64)], [np.zeros(64)], "H×W×3 RGB picture"),
        ([np.zeros((16, 16))], [np.zeros((16, 16))], "at least 40×40"),
        ([np.full((64, 64), np.nan)], [np.zeros((64, 64))], "not finite"),
        ([np.full((64, 64), "a")], [np.zeros((64, 64))], "must hold numbers"),
    ],
)
def test_inputs_it_cannot_score_are_refused_in_a_sentence(
    outputs: list[np.ndarray], truths: list[np.ndarray], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        artefact_score(outputs, truths)


def test_bad_periods_are_refused() -> None:
    picture = np.zeros((64, 64))
    for periods in ((), (1,), (2.5,), (True,)):
        with pytest.raises(ValueError, match="Periods must be whole numbers"):
            checkerboard_level(picture, periods)
