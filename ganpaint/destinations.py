"""Where a command may write: every destination checked once, before anything is written.

Each command lists what it reads (files, folders) and what it will write (files,
folders it fills), and calls `check_writes` before its first write. One place
decides, for every command of `ganpaint` and `ganpaint-train`, that

- no output is an input (same resolved path, or `os.path.samefile`: symlinks, hard
  links and case-insensitive file systems), and no output folder is an input folder;
- no two outputs are the same file (a batch with `a.png` and `a.jpg` is refused,
  naming both: outputs are named by the input's stem, and so are masks, so a
  careful user wants to rename one rather than find `a-1.png` they never asked for);
- an existing output is a regular file (a folder, device node such as /dev/full,
  FIFO or socket is refused, never replaced) and an output folder is a folder;
- the folder an output file goes into exists and is writable (a typo in it would
  otherwise create stray folders), and an output folder can be created;
- nothing is written inside a protected folder (a training run's own checkpoints).

Failing any of these raises DestinationError, so a command either writes all of its
outputs or none. No Qt, no torch: the check costs a few `stat` calls.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from ganpaint.errors import DestinationError, EmptyPathError

PathLike = str | os.PathLike[str]

# File systems that fold case by default: a.PNG and a.png are one file there.
_FOLDS_CASE = sys.platform in ("darwin", "win32")

__all__ = ["check_replaceable", "check_writes", "distinct_outputs", "refuse_empty_paths"]


#: The longest file name (one path component, in bytes) and whole path that Linux, macOS
#: and Windows file systems accept; longer ones fail in every `stat` with ENAMETOOLONG.
NAME_MAX, PATH_MAX = 255, 4096


def refuse_empty_paths(paths: Mapping[str, str | None]) -> None:
    """Refuse a path option given as "" (`--data ""`): Path("") is the current folder;
    and one that no file system can hold (a name over 255 bytes, a path over 4096),
    which would otherwise end in an OSError from the first `is_dir()` that meets it."""
    for flag, value in paths.items():
        if value is None:
            continue
        if not str(value).strip():
            raise EmptyPathError(f"{flag} is empty; pass a file or folder path.")
        raw = os.fsencode(value)
        if len(raw) > PATH_MAX or any(len(part) > NAME_MAX for part in raw.split(b"/")):
            raise EmptyPathError(
                f"{flag} {str(value)[:40]}… is too long (at most {NAME_MAX} bytes a name, "
                f"{PATH_MAX} a path); pass a shorter path."
            )


def distinct_outputs(pairs: Iterable[tuple[PathLike, PathLike]]) -> None:
    """Refuse two sources that would be written to the same output file.

    `pairs` are (source, output); the message names both sources and the output.
    """
    seen: dict[str, Path] = {}
    for source, output in pairs:
        key = _key(Path(output))
        if key in seen:
            raise DestinationError(
                f"{seen[key]} and {source} would both be written to {output}; rename one "
                "of them (outputs are named after the input without its extension)."
            )
        seen[key] = Path(source)


def check_writes(
    files: Iterable[PathLike] = (),
    *,
    folders: Iterable[PathLike] = (),
    reads: Iterable[PathLike] = (),
    read_folders: Iterable[PathLike] = (),
    read_trees: Iterable[PathLike] = (),
    protected: Iterable[PathLike] = (),
) -> None:
    """Raise DestinationError unless every output can be written without harm.

    `files`: files the command will write (created or replaced); `folders`: folders
    it will create or write into. `reads`: files it reads; `read_folders`: folders
    whose images it reads (an output folder must not be one); `read_trees`: folders
    it reads recursively (an output folder must not be inside one either);
    `protected`: folders nothing may be written into.
    """
    files = [Path(p) for p in files]
    folders = [Path(p) for p in folders]
    reads = [Path(p) for p in reads]
    read_dirs = [Path(p) for p in read_folders]
    trees = [Path(p) for p in read_trees]
    guarded = [Path(p) for p in protected]
    distinct_outputs((path, path) for path in files)
    as_files = {_key(path): path for path in files}
    for folder in folders:
        if _key(folder) in as_files:
            raise DestinationError(
                f"{folder} is both an output file and an output folder; give each output "
                "its own name."
            )
        _check_folder(folder, [*read_dirs, *trees], trees, guarded)
    for path in files:
        _check_file(path, reads, folders, guarded)


def check_replaceable(path: PathLike) -> None:
    """Refuse a destination that exists and is not a regular file (folder, device, FIFO).

    The atomic writer calls this too: renaming over /dev/full as root would replace
    the device node with a file.
    """
    path = Path(path)
    info = _stat(path)
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise DestinationError(f"{path} is a folder; pass a file name for the output.")
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise DestinationError(
            f"{path} is not a regular file (a device, pipe or socket) and is never replaced; "
            "pass an ordinary file name for the output."
        )


def _check_file(path: Path, reads: list[Path], folders: list[Path], guarded: list[Path]) -> None:
    check_replaceable(path)
    source = _first(reads, lambda read: _same(path, read))
    if source is not None:
        raise DestinationError(
            f"{path} is also an input ({source}); writing it would destroy the input, "
            "so choose another output name."
        )
    _check_not_inside(path, guarded)
    parent = path.parent
    if any(_same(parent, folder) for folder in folders):
        return  # a folder of outputs: checked (and created on write) as such
    parent_info = _stat(parent)
    if parent_info is None:
        raise DestinationError(
            f"The folder {_shown(parent)} for {path} does not exist; create it first or "
            "write elsewhere."
        )
    _check_writable_folder(parent, parent_info, path)


def _check_folder(folder: Path, inputs: list[Path], trees: list[Path], guarded: list[Path]) -> None:
    info = _stat(folder)
    if info is not None and not stat.S_ISDIR(info.st_mode):
        raise DestinationError(
            f"{folder} exists and is not a folder; pass a folder (new or existing) for it."
        )
    if _first(inputs, lambda source: _same(folder, source)) is not None:
        raise DestinationError(
            f"{folder} is also an input folder; write to another folder so that the "
            "inputs stay as they are."
        )
    tree = _first(trees, lambda tree: _inside(folder, tree))
    if tree is not None:
        raise DestinationError(
            f"{folder} is inside {tree}, which is read with its subfolders; write "
            "outside it so that outputs are never read back as inputs."
        )
    _check_not_inside(folder, guarded)
    resolved = _resolved(folder)
    existing = _first([resolved, *resolved.parents], lambda p: _stat(p) is not None) or resolved
    existing_info = _stat(existing)
    if existing_info is None or not stat.S_ISDIR(existing_info.st_mode):
        raise DestinationError(
            f"Cannot create {folder}: {existing} is not a folder; choose another path."
        )
    _check_writable_folder(existing, existing_info, folder)


def _check_writable_folder(folder: Path, info: os.stat_result, target: Path) -> None:
    if not stat.S_ISDIR(info.st_mode):
        raise DestinationError(
            f"Cannot write {target}: {folder} is not a folder; choose another path."
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DestinationError(
            f"Cannot write {target}: no permission to write in {_shown(folder)}; choose a "
            "folder you can write to."
        )


def _check_not_inside(path: Path, guarded: list[Path]) -> None:
    folder = _first(guarded, lambda folder: _inside(path, folder))
    if folder is not None:
        raise DestinationError(
            f"{path} is inside {folder}, which holds files this command reads or keeps; "
            "choose an output outside it."
        )


def _first(paths: Iterable[Path], test: Callable[[Path], bool]) -> Path | None:
    return next((path for path in paths if test(path)), None)


def _stat(path: Path) -> os.stat_result | None:
    """The file's stat (links followed), or None when nothing usable is there."""
    try:
        return path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:  # a dangling link loop, a name too long: not writable either
        raise DestinationError(
            f"Cannot use {path} ({error.strerror}); choose another path."
        ) from None


def _same(a: Path, b: Path) -> bool:
    """One file or folder under two names: samefile where both exist, else the path."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return _key(a) == _key(b)


def _inside(path: Path, folder: Path) -> bool:
    """`path` is `folder` or lies below it (links and `..` resolved)."""
    if _stat(folder) is None:
        return False
    resolved = _resolved(path)
    return any(_same(candidate, folder) for candidate in (resolved, *resolved.parents))


def _resolved(path: Path) -> Path:
    """`path` with links and `..` resolved; a link loop stays as it is (Path.resolve
    raises RuntimeError on one, os.path.realpath leaves it)."""
    return Path(os.path.realpath(path))


def _key(path: Path) -> str:
    """A comparable name for a path that may not exist yet."""
    text = os.path.normcase(str(_resolved(path)))
    return text.casefold() if _FOLDS_CASE else text


def _shown(folder: Path) -> str:
    return str(folder) if str(folder) not in ("", ".") else "the current folder"
