"""Atomic file writes: a temporary file in the target folder, flushed, then renamed.

A reader never sees a partial file, and a crash mid-write leaves the previous
version in place. Image saves, model bundles and checkpoints all go through here.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from ganpaint.destinations import check_replaceable

# The process umask, read once at import (reading it means setting it, so do it once).
_UMASK = os.umask(0o022)
os.umask(_UMASK)

# Our temp names exactly: "." + the target's name + "." + mkstemp's 8 random characters
# + ".part". Nothing else is ever removed by the stale-file cleanup.
_PART = re.compile(r"^\.(?P<name>.+)\.[a-z0-9_]{8}\.part$")
_CLEANED: set[str] = set()  # folders already swept by this process


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success it replaces `target` atomically.

    Write the whole file to the yielded path (any library that takes a path works).
    If the block raises, the temporary file is removed and `target` is untouched.
    """
    target = Path(target)
    check_replaceable(target)  # never rename over a folder, device node or FIFO
    target.parent.mkdir(parents=True, exist_ok=True)
    _sweep_once(target.parent)
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


def remove_stale_parts(folder: str | os.PathLike[str]) -> list[Path]:
    """Remove temp files that a killed earlier write left in `folder`; return them.

    A kill between mkstemp and the rename leaves `.NAME.XXXXXXXX.part` behind (a whole
    checkpoint's worth of bytes). One is stale, and removed, only when all hold: its name
    is exactly our pattern, it is a regular file (not a link), it belongs to this user,
    and it was last written before this process started; a live writer (this process or
    another one started earlier that is still writing) touches it later than that.
    """
    folder = Path(folder)
    start, uid = _PROCESS_START, os.getuid() if hasattr(os, "getuid") else None
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not _PART.match(entry.name):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode) or info.st_mtime >= start:
            continue
        if uid is not None and info.st_uid != uid:
            continue
        with contextlib.suppress(OSError):
            os.unlink(entry.path)
            removed.append(Path(entry.path))
    return removed


def _sweep_once(folder: Path) -> None:
    """Sweep each folder at this process's first write into it: stale files predate it."""
    key = os.path.abspath(folder)
    if key not in _CLEANED:
        _CLEANED.add(key)
        remove_stale_parts(folder)


def _process_start() -> float:
    """When this process started (epoch seconds); the import time where /proc is missing."""
    try:
        with open("/proc/self/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        ticks = int(fields[19])  # field 22, starttime, counted after the ")" of comm
        with open("/proc/stat", "rb") as handle:
            boot = next(int(line.split()[1]) for line in handle if line.startswith(b"btime "))
        started = boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return time.time()
    return min(started, time.time())  # never later than now: a late start would sweep more


_PROCESS_START = _process_start()


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
