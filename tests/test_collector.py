"""The collector settings the commands and the app start with (`ganpaint.collector`)."""

from __future__ import annotations

import gc
import weakref

import pytest

from ganpaint.collector import collect_rarely, settle


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


@pytest.mark.parametrize("collect", [True, False])
def test_settling_collects_garbage_first_only_when_asked(collect: bool) -> None:
    """The app settles with a collection (it runs on; nothing dead is kept for good); a
    command about to exit freezes without one (the pass would cost what it saves)."""
    before = gc.get_threshold()
    gc.collect()
    collect_rarely()
    try:
        node = _Node()
        alive = weakref.ref(node)
        del node
        settle(collect=collect)
        assert gc.get_threshold() == before
        assert (alive() is None) is collect
    finally:
        gc.unfreeze()
        gc.collect()
    assert alive() is None
