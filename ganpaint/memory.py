"""The memory a command may plan to use, checked before it allocates.

Options and inputs multiply memory (`sample -n`, a 16000² photo through `translate`), and
running out ends in an allocator traceback or the kernel killing the process after
minutes of work. So a command estimates what it will hold and refuses up front, in one
sentence that names the estimate and how to lower it. The limit is half the machine's
memory, or of the process's address-space limit when one is set (the rest is the model,
the framework and everything else running);
`GANPAINT_MAX_MEMORY` (GiB, `0` = none) replaces it.

An estimate can be wrong, so an allocator failure that still happens is named the same
way (`is_allocation_failure`, `failed_allocation`) instead of ending in a traceback.
"""

from __future__ import annotations

import os
import re

from ganpaint.errors import GanpaintError

__all__ = [
    "MEMORY_ENV",
    "MemoryLimitError",
    "check_memory",
    "failed_allocation",
    "format_size",
    "is_allocation_failure",
    "memory_budget",
]

MEMORY_ENV = "GANPAINT_MAX_MEMORY"
GIB = 2**30


class MemoryLimitError(GanpaintError):
    """Work whose estimated memory is over the limit."""


def _physical_memory() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not on this platform
        return None


def memory_budget() -> int | None:
    """Bytes a command may plan to hold (None = no limit): the environment's, else half RAM."""
    raw = os.environ.get(MEMORY_ENV, "").strip()
    if raw:
        try:
            gib = float(raw)
        except ValueError:
            gib = -1.0
        if not 0 <= gib < 2**40:  # also refuses nan and inf
            raise GanpaintError(
                f"{MEMORY_ENV}={raw!r} is not a size in GiB; set it to a number such as 16 "
                "(0 for no limit) or unset it."
            )
        return int(gib * GIB) or None
    limits = [size // 2 for size in (_physical_memory(), _address_space_limit()) if size]
    return min(limits) if limits else None


def _address_space_limit() -> int | None:
    """The process's address-space limit (`ulimit -v`), when one is set."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    return None if soft == resource.RLIM_INFINITY else soft


def format_size(count: float) -> str:
    """Bytes as GiB, or MiB below one GiB."""
    return f"{count / GIB:.1f} GiB" if count >= GIB else f"{count / 2**20:.0f} MiB"


def check_memory(
    estimate: int, what: str, lower: str, *, budget: int | None = None, limit: str = "limit"
) -> None:
    """Refuse `what` when its `estimate` in bytes is over the budget; `lower` says how.

    `budget` replaces `memory_budget()` where another memory is the limit (a GPU's free
    memory), and `limit` names it in the message ("free on cuda:0").
    """
    if budget is None:
        budget = memory_budget()
    if budget is not None and estimate > budget:
        raise MemoryLimitError(
            f"{what} would need about {format_size(estimate)}, over the "
            f"{format_size(budget)} {limit}; {lower}, or raise the limit with "
            f"{MEMORY_ENV}=GiB."
        )


# What allocators say when they fail: the CPU's ("can't allocate memory", "not enough
# memory" on Windows), CUDA's and MPS's ("out of memory"), C++'s bad_alloc.
_ALLOCATOR_WORDS = re.compile(
    r"can't allocate memory|cannot allocate memory|not enough memory|out of memory|bad_alloc",
    re.IGNORECASE,
)
_TRIED = re.compile(r"tried to allocate ([0-9.]+) ?([KMGT]?i?B|bytes)?", re.IGNORECASE)
_UNITS = {"b": 1, "bytes": 1, "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def is_allocation_failure(error: BaseException) -> bool:
    """Whether `error` is an allocator that ran out of memory (torch raises RuntimeError or
    its subclass torch.OutOfMemoryError; Python raises MemoryError)."""
    if isinstance(error, MemoryError):
        return True
    return isinstance(error, RuntimeError) and bool(_ALLOCATOR_WORDS.search(str(error)))


def failed_allocation(error: BaseException) -> str:
    """What could not be allocated, in a few words ("1.0 GiB could not be allocated"),
    instead of the allocator's multi-line message."""
    found = _TRIED.search(str(error))
    if found:
        scale = _UNITS.get((found.group(2) or "bytes").lower())
        if scale is not None:
            return f"{format_size(float(found.group(1)) * scale)} could not be allocated"
    return "an allocation failed"
