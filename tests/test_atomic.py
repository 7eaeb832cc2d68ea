"""Atomic writes: all or nothing, and files come out with the permissions a user expects."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ganpaint.atomic import atomic_path, atomic_write_bytes


def test_a_failed_write_keeps_the_previous_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "model.bin"
    target.write_bytes(b"previous")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["model.bin"]


def test_a_new_file_gets_the_umask_mode_not_mkstemps_private_one(tmp_path: Path) -> None:
    old = os.umask(0o022)
    os.umask(old)
    atomic_write_bytes(tmp_path / "export.png", b"x")
    mode = stat.S_IMODE((tmp_path / "export.png").stat().st_mode)
    assert mode == 0o666 & ~old


def test_a_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "shared.png"
    target.write_bytes(b"old")
    target.chmod(0o640)
    atomic_write_bytes(target, b"new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.read_bytes() == b"new"


def test_missing_folders_are_created(tmp_path: Path) -> None:
    atomic_write_bytes(tmp_path / "a" / "b" / "c.txt", b"ok")
    assert (tmp_path / "a" / "b" / "c.txt").read_bytes() == b"ok"
