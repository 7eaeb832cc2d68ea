"""The crash-recovery file: the open document, autosaved, offered back at the next start.

One recovery document (`user_data_dir()/recovery/autosave.ora`) with a JSON note of
what it was (title, source file, time), and the photo as first opened (so that
compare-with-original still means that photo after a restore). It is written while
there are unsaved
changes and removed after a clean save or close, so finding one at start-up means
the last session did not end cleanly. No Qt: the window schedules, this writes.
"""

from __future__ import annotations

import io
import json
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from ganpaint.atomic import atomic_write_bytes
from ganpaint.documents.docfile import load_document, save_document
from ganpaint.documents.document import Document
from ganpaint.paths import user_data_dir

RECOVERY_NAME = "autosave.ora"
NOTE_NAME = "autosave.json"
ORIGINAL_NAME = "autosave-original.png"  # older autosaves have none: the photo stands in


def recovery_dir() -> Path:
    return user_data_dir() / "recovery"


@dataclass(frozen=True)
class RecoveryInfo:
    """What a recovery file holds, for the offer to restore it."""

    path: Path
    title: str
    source: str | None
    saved_at: float

    @property
    def when(self) -> str:
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(self.saved_at))


def write_recovery(document: Document, folder: Path | None = None) -> Path:
    """Autosave `document` (fast PNG compression); returns the recovery file."""
    folder = folder or recovery_dir()
    path = save_document(folder / RECOVERY_NAME, document, compress_level=1)
    note = {
        "title": document.title,
        "source": str(document.path or document.source or "") or None,
        "saved_at": time.time(),
        "original_crc": _write_original(folder, document.original),
    }
    atomic_write_bytes(folder / NOTE_NAME, json.dumps(note).encode("utf-8"))
    return path


def _write_original(folder: Path, original: np.ndarray) -> int:
    """Write the photo as first opened next to the autosave, unless the last autosave
    already wrote this very one (it never changes while a document is open)."""
    crc = zlib.crc32(np.ascontiguousarray(original).data)
    if (folder / ORIGINAL_NAME).is_file() and _read_note(folder).get("original_crc") == crc:
        return crc
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(original), "RGB").save(buffer, "PNG", compress_level=1)
    atomic_write_bytes(folder / ORIGINAL_NAME, buffer.getvalue())
    return crc


def _read_note(folder: Path) -> dict:
    try:
        note = json.loads((folder / NOTE_NAME).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return note if isinstance(note, dict) else {}


def _read_original(folder: Path, shape: tuple[int, ...]) -> np.ndarray | None:
    """The autosaved original, or None (an older autosave, or one that does not fit)."""
    try:
        with Image.open(folder / ORIGINAL_NAME) as image:
            original = np.asarray(image.convert("RGB"))
    except (OSError, ValueError):
        return None
    return original if original.shape == shape else None


def find_recovery(folder: Path | None = None) -> RecoveryInfo | None:
    """The recovery file left by a session that did not end cleanly, if any."""
    folder = folder or recovery_dir()
    path = folder / RECOVERY_NAME
    if not path.is_file():
        return None
    note = _read_note(folder)
    return RecoveryInfo(
        path=path,
        title=str(note.get("title") or "Untitled"),
        source=note.get("source"),
        saved_at=float(note.get("saved_at") or path.stat().st_mtime),
    )


def load_recovery(info: RecoveryInfo) -> Document:
    """The recovered document, marked as unsaved (it has no file of its own)."""
    document = load_document(info.path)
    original = _read_original(info.path.parent, document.photo.shape)
    if original is not None:
        document.original = original
    document.path = None
    document.title = info.title
    document.source = Path(info.source) if info.source else None
    if document.source is not None and document.source.suffix.lower() == ".ora":
        document.path = document.source
    return document


def remove_recovery(folder: Path | None = None) -> None:
    folder = folder or recovery_dir()
    for name in (RECOVERY_NAME, NOTE_NAME, ORIGINAL_NAME):
        (folder / name).unlink(missing_ok=True)
