"""How often Python's cyclic garbage collector runs while ganpaint starts and works.

Why: importing torch (and PySide6) creates hundreds of thousands of objects, and with
Python's defaults the collector walks them again and again during the imports, again in
every full pass while the app runs, and once more while the interpreter shuts down.
Measured on a 2-core machine: a 1 MP inpaint from the command line spent 0.6 of its
3.1 s on that (a 12 MP one 0.9 s), the app's start 0.7 of 2.8 s, and a full pass in the
running app walked 212,000 objects (90 ms, a visible hitch). The fix is the usual one
for a program with a big, long-lived start: collect rarely while starting, then freeze
what the start built (`gc.freeze`), so later passes and the shutdown skip it. Nothing
that matters is left uncollected: images and tensors are freed by reference counting,
not by the collector.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# A young-generation pass every 100,000 new objects (Python's default: 700); the older
# generations keep the default ratios to it, so a long batch still collects old cycles.
_RARE = (100_000, 10, 10)
_before: tuple[int, ...] | None = None


def collect_rarely() -> None:
    """From now on until `settle()`, few collector passes (for a start-up or a command)."""
    global _before
    if _before is None:
        _before = gc.get_threshold()
    gc.set_threshold(*_RARE)


def settle(*, collect: bool = False) -> None:
    """Back to the collector's previous thresholds, with every object alive now frozen:
    later full passes, and the interpreter's shutdown, no longer walk them.

    `collect=True` first collects what is garbage already, so that a process that goes
    on (the app) does not keep it for good; a command about to exit skips that pass.
    """
    global _before
    if _before is not None:
        gc.set_threshold(*_before)
        _before = None
    if collect:
        gc.collect()
    gc.freeze()


@contextmanager
def rare_collections() -> Iterator[None]:
    """Run a headless command with few collector passes and none over its objects at exit."""
    collect_rarely()
    try:
        yield
    finally:
        settle()
