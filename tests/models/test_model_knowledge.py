"""What each model knows, as the model list, the manager and the status bar say it."""

from __future__ import annotations

import pytest

from ganpaint.models.catalog import describe, list_models
from ganpaint.models.knowledge import UNKNOWN, what_it_knows
from ganpaint.models.metacheck import check_fields


def test_every_bundled_model_says_what_it_knows() -> None:
    bundled = {e.name: e.knows for e in list_models() if e.source == "bundled"}
    assert bundled["landscapes-dcgan64"] == "procedural landscapes"
    assert bundled["day2night"] == "procedural landscapes, day and night"
    assert bundled["edges2landscape"] == "line sketches of procedural landscapes"
    assert all(knows and knows != UNKNOWN for knows in bundled.values())
    assert "knows:       procedural landscapes" in describe(
        next(e.path for e in list_models() if e.name == "landscapes-dcgan64")
    )


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ({"knows": "real photos: nature", "training": {"data": "x"}}, "real photos: nature"),
        ({"training": {"data": "/home/me/holiday-photos/"}}, "images like those in holiday-photos"),
        ({"training": {"data": "synthetic:clouds"}}, "procedural images (clouds)"),
        ({"training": {}}, UNKNOWN),
        ({"training": "damaged"}, UNKNOWN),
        ({}, UNKNOWN),
    ],
)
def test_the_phrase_comes_from_the_model_or_its_training_data(meta, expected) -> None:
    assert what_it_knows(meta) == expected


def test_a_knows_field_that_is_not_a_short_text_is_refused() -> None:
    meta = {"kind": "gan", "knows": ["a", "list"]}
    with pytest.raises(ValueError, match="knows must be a short text"):
        check_fields(meta)
