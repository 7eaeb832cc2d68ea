"""Atomic file writes: a temporary file in the target folder, flushed, then renamed.

A reader never sees a partial file, and a crash mid-write leaves the previous
version in place. Image saves, model bundles and checkpoints all go through here.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ganpaint.destinations import check_replaceable

# The process umask, read once at import (reading it means setting it, so do it once).
_UMASK = os.umask(0o022)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success it replaces `target` atomically.

    Write the whole file to the yielded path (any library that takes a path works).
    If the block raises, the temporary file is removed and `target` is untouched.
    """
    target = Path(target)
    check_replaceable(target)  # never rename over a folder, device node or FIFO
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, _final_mode(target))
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    _fsync_dir(target.parent)


def _final_mode(target: Path) -> int:
    """The replaced file's mode, or what a plain open() would give a new file.

    mkstemp creates files readable by their owner only; without this, every saved
    image or model would silently become private.
    """
    try:
        return target.stat().st_mode & 0o7777
    except FileNotFoundError:
        return 0o666 & ~_UMASK


def atomic_write_bytes(target: str | os.PathLike[str], data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable where the OS allows opening a directory."""
    if os.name == "nt":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
