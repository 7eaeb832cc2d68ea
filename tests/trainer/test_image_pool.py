"""The CycleGAN image pool behaves as the reference's ImagePool."""

from __future__ import annotations

import random

import torch

from trainer.image_pool import ImagePool


def _images(*values: float) -> torch.Tensor:
    return torch.stack([torch.full((1, 2, 2), float(value)) for value in values])


def _values(batch: torch.Tensor) -> list[float]:
    return [float(image[0, 0, 0]) for image in batch]


class ScriptedRandom:
    """uniform() and randint() answers given in advance, to pin each decision."""

    def __init__(self, uniforms: list[float], indices: list[int]) -> None:
        self.uniforms, self.indices = list(uniforms), list(indices)
        self.randint_ranges: list[tuple[int, int]] = []

    def uniform(self, low: float, high: float) -> float:
        return self.uniforms.pop(0)

    def randint(self, low: int, high: int) -> int:
        self.randint_ranges.append((low, high))
        return self.indices.pop(0)


def test_a_pool_fills_to_capacity_returning_each_new_image() -> None:
    pool = ImagePool(3, rng=ScriptedRandom([], []))  # no draw may happen while filling
    assert _values(pool.query(_images(1, 2))) == [1, 2]
    assert _values(pool.query(_images(3))) == [3]
    assert len(pool) == 3 and _values(pool.state()) == [1, 2, 3]


def test_a_full_pool_swaps_above_one_half_and_passes_through_otherwise() -> None:
    rng = ScriptedRandom(uniforms=[0.7, 0.3, 0.51, 0.5], indices=[1, 0])
    pool = ImagePool(2, rng=rng)
    pool.query(_images(1, 2))
    # 0.7 > 0.5: returns stored[1] (= 2) and stores 10 there; 0.3: returns 11 as is.
    assert _values(pool.query(_images(10, 11))) == [2, 11]
    assert _values(pool.state()) == [1, 10]
    # 0.51: returns stored[0] (= 1), stores 12; exactly 0.5 is not above one half.
    assert _values(pool.query(_images(12, 13))) == [1, 13]
    assert _values(pool.state()) == [12, 10]
    assert rng.randint_ranges == [(0, 1), (0, 1)]  # inclusive, as random.randint(0, size - 1)


def test_the_exact_sequence_for_a_seeded_rng() -> None:
    pool = ImagePool(2, rng=random.Random(0))
    out = [_values(pool.query(_images(v)))[0] for v in range(1, 9)]
    # The reference algorithm, written out, drawing from the same seeded generator:
    expected_rng = random.Random(0)
    stored, expected = [], []
    for value in range(1, 9):
        if len(stored) < 2:
            stored.append(value)
            expected.append(value)
        elif expected_rng.uniform(0, 1) > 0.5:
            index = expected_rng.randint(0, 1)
            expected.append(stored[index])
            stored[index] = value
        else:
            expected.append(value)
    assert out == expected == [1, 2, 2, 4, 3, 6, 5, 7]


def test_half_of_the_queries_of_a_full_pool_return_an_older_image() -> None:
    pool = ImagePool(50, rng=random.Random(1))
    pool.query(_images(*range(50)))
    returned = _values(pool.query(_images(*range(1000, 3000))))
    fresh = range(1000, 3000)
    older = sum(value != new for value, new in zip(returned, fresh, strict=True))
    assert 900 < older < 1100  # binomial(2000, 0.5): mean 1000, sd 22


def test_size_zero_passes_through_and_state_round_trips() -> None:
    images = _images(1, 2).requires_grad_(True)
    out = ImagePool(0).query(images)
    assert torch.equal(out, images) and not out.requires_grad
    pool = ImagePool(2, rng=random.Random(0))
    pool.query(_images(5, 6))
    other = ImagePool(2)
    other.load_state(pool.state(), torch.device("cpu"))
    assert _values(other.state()) == [5, 6]
    empty = ImagePool(2)
    empty.load_state(ImagePool(2).state(), torch.device("cpu"))
    assert len(empty) == 0
