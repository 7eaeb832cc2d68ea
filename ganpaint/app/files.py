"""The document's files: open, new, paste, close, save, export, autosave and recovery.

Writes run on the writer thread; `saved_index` / `autosaved_index` remember the undo
index each file matches, so the window knows whether there are unsaved changes.
The window is reached only through `FilesHost`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication, QImage, QUndoStack
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QMenu, QMessageBox, QWidget

from ganpaint.app.config import Settings
from ganpaint.app.dialogs import NewImageDialog
from ganpaint.app.hosts import MessageHost
from ganpaint.app.qtimage import qimage_to_rgb
from ganpaint.app.writer import BackgroundWriter
from ganpaint.documents import recovery
from ganpaint.documents.docfile import ORA_SUFFIX, load_document, save_document
from ganpaint.documents.document import Document
from ganpaint.errors import GanpaintError
from ganpaint.imageio import IMAGE_EXTENSIONS, SAVE_EXTENSIONS, save_image
from ganpaint.models.catalog import DEFAULT_MODELS
from ganpaint.paths import bundled_models_dir, samples_dir
from ganpaint.session.models import ChosenModels

AUTOSAVE_MS = 60_000
BLANK_SIZE = (512, 512)
NEW_IMAGE_SIZE = (1024, 768)
DEFAULT_SAMPLE = "landscape.png"
BUNDLED_GAN_NOTE = "bundled_gan"
BUNDLED_GAN_TEXT = (
    "The bundled inpainting GAN has seen only 30 photos (nature, wallpapers, landscape "
    "panoramas, photographic stamps) at 64 px: it guides the layout and colour of a fill "
    "whose texture comes from your photo. Train one on photos like yours "
    "(ganpaint-train gan --data FOLDER --crops 0.125,1.0), or use the photo-patch "
    "method, which needs no model."
)


def blank_document() -> Document:
    """What the window shows before anything is opened: a neutral grey canvas."""
    width, height = BLANK_SIZE
    return Document.from_image(np.full((height, width, 3), 128, np.uint8), title="Untitled")


def sample_paths() -> list[Path]:
    """The installed samples, the photo first (the sketch and label map are inputs)."""
    folder = samples_dir()
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*.png"), key=lambda path: (path.name != DEFAULT_SAMPLE, path.name))


class FilesHost(MessageHost, Protocol):
    """What the files need from the window: the document and a way to show another."""

    @property
    def document(self) -> Document: ...

    def set_document(self, document: Document, has_image: bool = True) -> None: ...

    def update_title(self) -> None: ...


class FilesController(QObject):
    """Opening, saving and autosaving the window's one document."""

    def __init__(
        self,
        host: FilesHost,
        settings: Settings,
        undo_stack: QUndoStack,
        models: ChosenModels,
        use_patches: Callable[[], None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.host = host
        self.settings = settings
        self.undo_stack = undo_stack
        self.models = models
        self.use_patches = use_patches
        self.widget = parent
        self.saved_index: int | None = 0
        self.autosaved_index = 0
        self.has_image = False
        self.writer = BackgroundWriter(self)
        self.writer.done.connect(self._on_written)
        self.writer.failed.connect(self._on_write_failed)
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start()
        self.recent_menu = QMenu("Open &Recent", parent)
        self.samples_menu = QMenu("Open &Sample", parent)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)

    def document_shown(self, has_image: bool) -> None:
        """A new document is on show: it matches no file until saved."""
        self.has_image = has_image
        self.saved_index = 0
        self.autosaved_index = 0

    @property
    def modified(self) -> bool:
        return self.saved_index != self.undo_stack.index()

    def confirm_discard(self) -> bool:
        """Ask before unsaved changes are lost: Save, Discard or Cancel. True = go on."""
        if not self.modified:
            return True
        answer = QMessageBox.question(
            self.widget,
            "Unsaved changes",
            f"Save the changes to {self.host.document.title} before closing it?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save(wait=True)
        return answer == QMessageBox.StandardButton.Discard

    # -- opening ------------------------------------------------------------------------

    def open_path(self, path: str | os.PathLike[str]) -> bool:
        """Open an image or an .ora document; on failure say why and keep the current one."""
        path = Path(path)
        if not self.confirm_discard():
            return False
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            document = load_document(path)
        except GanpaintError as error:
            self.host.show_message(str(error))
            self.settings.remove_recent(str(path))
            return False
        except Exception as error:
            self.host.show_message(f"Cannot open {path}: {error}.")
            return False
        finally:
            QApplication.restoreOverrideCursor()
        self.show_opened(document, path)
        return True

    def show_opened(self, document: Document, path: str | os.PathLike[str]) -> None:
        """Show `document`, loaded from `path` here or by a caller that must fail when the
        file does not load (a `--screenshot` run, whose window nobody sees)."""
        path = Path(path)
        self.host.dismiss_message()
        self.host.set_document(document)
        self.settings.add_recent(str(path))
        self.settings.set_last_dir(str(path.parent))
        if path.resolve().parent != samples_dir().resolve():  # a sample, however named
            self.note_bundled_gan()

    def open_qimage(self, image: QImage, title: str) -> bool:
        if image.isNull():
            self.host.show_message("The clipboard has no image to paste.", "info")
            return False
        if not self.confirm_discard():
            return False
        rgb, _alpha = qimage_to_rgb(image)
        self.host.set_document(Document.from_image(rgb, title=title))
        self.note_bundled_gan()
        return True

    def open_array(self, rgb: np.ndarray, title: str) -> bool:
        """Open an image made in the app (a GAN sample) as a new, unsaved document."""
        if not self.confirm_discard():
            return False
        self.host.dismiss_message()
        self.host.set_document(Document.from_image(np.ascontiguousarray(rgb), title=title))
        return True

    def note_bundled_gan(self) -> bool:
        """Once ever, on a photo of the user's: the bundled inpainting GAN has seen few
        photos, so say so and say what works better (not a dialog)."""
        path = self.models.path
        if path is None or self.settings.note_shown(BUNDLED_GAN_NOTE):
            return False
        if path.parent != bundled_models_dir() or path.stem != DEFAULT_MODELS["inpaint"]:
            return False
        self.settings.set_note_shown(BUNDLED_GAN_NOTE)
        self.host.show_message(BUNDLED_GAN_TEXT, "info", [("Use photo patches", self.use_patches)])
        return True

    def open_dialog(self) -> None:
        patterns = " ".join(f"*{ext}" for ext in sorted(IMAGE_EXTENSIONS | {ORA_SUFFIX}))
        path, _ = QFileDialog.getOpenFileName(
            self.widget,
            "Open image or document",
            self.settings.last_dir(),
            f"Images and documents ({patterns});;ganpaint documents (*.ora);;All files (*)",
        )
        if path:
            self.open_path(path)

    def new_image(
        self, size: tuple[int, int] | None = None, fill: tuple[int, int, int] | None = None
    ) -> bool:
        """A blank canvas: asks for its size and background unless they are given."""
        if size is None:
            dialog = NewImageDialog(self.widget, self._clipboard_size() or NEW_IMAGE_SIZE)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return False
            size, fill = dialog.chosen_size(), dialog.chosen_fill()
        if not self.confirm_discard():
            return False
        width, height = size
        rgb = np.empty((height, width, 3), np.uint8)
        rgb[:] = fill or (255, 255, 255)
        self.host.dismiss_message()
        self.host.set_document(Document.from_image(rgb, title="Untitled"))
        return True

    def _clipboard_size(self) -> tuple[int, int] | None:
        """The size of the image on the clipboard: what a new canvas is usually for."""
        mime = QGuiApplication.clipboard().mimeData()
        if mime is None or not mime.hasImage():
            return None
        image = QImage(mime.imageData())
        return None if image.isNull() else (image.width(), image.height())

    def close_document(self) -> bool:
        """Close the image (asking to save changes first); the window stays open."""
        if not self.confirm_discard():
            return False
        self.host.dismiss_message()
        self.host.set_document(blank_document(), has_image=False)
        recovery.remove_recovery()
        return True

    def open_sample(self, path: str | None = None) -> bool:
        samples = sample_paths()
        if path is None:
            if not samples:
                self.host.show_message(
                    f"No sample images are installed in {samples_dir()}.", "info"
                )
                return False
            path = str(samples[0])
        return self.open_path(path)

    def paste_image(self) -> None:
        mime = QGuiApplication.clipboard().mimeData()
        if mime is not None and mime.hasImage():
            self.open_qimage(QImage(mime.imageData()), "Pasted image")
        elif mime is not None and mime.hasUrls() and mime.urls()[0].isLocalFile():
            self.open_path(mime.urls()[0].toLocalFile())
        else:
            self.host.show_message("The clipboard has no image to paste.", "info")

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self.settings.recent_files():
            self.recent_menu.addAction(path, lambda p=path: self.open_path(p))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("No recent files").setEnabled(False)

    def fill_samples_menu(self, first: QAction) -> None:
        """One entry a sample; the photo first, as the Open Sample action (its shortcut)."""
        self.samples_menu.clear()
        for index, path in enumerate(sample_paths()):
            if index == 0:
                first.setText(path.stem.replace("-", " ").capitalize())
                self.samples_menu.addAction(first)
                continue
            title = path.stem.replace("-", " ").capitalize()
            self.samples_menu.addAction(title, lambda p=str(path): self.open_sample(p))
        if self.samples_menu.isEmpty():
            self.samples_menu.addAction("No samples installed").setEnabled(False)

    # -- saving -------------------------------------------------------------------------

    def save(self, wait: bool = False) -> bool:
        path = self.host.document.path
        if path is None:
            return self.save_as(wait=wait)
        return self.save_to(path, wait=wait)

    def save_as(self, wait: bool = False) -> bool:
        stem = Path(self.host.document.title).stem or "untitled"
        folder = Path(self.settings.last_dir() or Path.home())
        path, _ = QFileDialog.getSaveFileName(
            self.widget,
            "Save document",
            str(folder / f"{stem}{ORA_SUFFIX}"),
            "OpenRaster (*.ora)",
        )
        if not path:
            return False
        if not path.lower().endswith(ORA_SUFFIX):
            path += ORA_SUFFIX
        return self.save_to(Path(path), wait=wait)

    def save_to(self, path: Path, wait: bool = False) -> bool:
        """Write the document as .ora on the writer thread (`wait` blocks until written)."""
        snapshot = self.host.document.snapshot()
        index = self.undo_stack.index()
        self.host.status(f"Saving {path}…")
        self.writer.write(("save", path, index), lambda: save_document(path, snapshot))
        if wait:
            self._wait()
            return self.saved_index == index and self.host.document.path == path
        return True

    def _wait(self) -> None:
        self.writer.wait()
        QApplication.processEvents()

    def _on_written(self, tag: tuple, _result: object) -> None:
        kind = tag[0]
        if kind == "save":
            _, path, index = tag
            document = self.host.document
            document.path = path
            document.title = path.name
            self.saved_index = index
            self.settings.add_recent(str(path))
            self.settings.set_last_dir(str(path.parent))
            self.host.status(f"Saved {path}", 4000)
            recovery.remove_recovery()
            self.host.update_title()
        elif kind == "export":
            self.host.status(f"Exported {tag[1]}", 4000)
        elif kind == "autosave":
            self.autosaved_index = tag[1]

    def _on_write_failed(self, tag: tuple, error: BaseException) -> None:
        if tag[0] == "autosave":
            print(f"ganpaint: autosave failed: {error}", file=sys.stderr)
            return
        self.host.status("")
        self.host.show_message(str(error) if isinstance(error, GanpaintError) else f"{error}")

    def export_dialog(self) -> None:
        stem = Path(self.host.document.title).stem or "untitled"
        folder = Path(self.settings.last_dir() or Path.home())
        path, chosen = QFileDialog.getSaveFileName(
            self.widget,
            "Export image",
            str(folder / f"{stem}-edited.png"),
            "PNG (*.png);;JPEG (*.jpg *.jpeg);;WebP (*.webp)",
        )
        if path:
            if Path(path).suffix.lower() not in SAVE_EXTENSIONS:
                path += {"J": ".jpg", "W": ".webp"}.get(chosen[:1], ".png")
            self.export_to(Path(path))

    def export_to(self, path: Path, wait: bool = False) -> None:
        """Write the photo (the result, without overlays) as PNG, JPEG or WebP."""
        photo = self.host.document.photo.copy()
        self.writer.write(("export", path), lambda: save_image(path, photo))
        if wait:
            self._wait()

    # -- autosave and recovery ------------------------------------------------------------

    def autosave(self, wait: bool = False) -> bool:
        """Write the recovery file if there are changes since the last one."""
        index = self.undo_stack.index()
        if not self.modified or index == self.autosaved_index or not self.has_image:
            return False
        snapshot = self.host.document.snapshot()
        self.writer.write(("autosave", index), lambda: recovery.write_recovery(snapshot))
        if wait:
            self._wait()
        return True

    def offer_recovery(self) -> bool:
        """At start-up: offer the document a crashed session left behind."""
        info = recovery.find_recovery()
        if info is None:
            return False

        def restore() -> None:
            try:
                document = recovery.load_recovery(info)
            except GanpaintError as error:
                self.host.show_message(str(error))
                return
            self.host.set_document(document)
            self.saved_index = None  # unsaved until the user saves it
            self.host.update_title()

        self.host.show_message(
            f"ganpaint did not close cleanly last time. Restore the unsaved work on "
            f"{info.title} (autosaved {info.when})?",
            "warning",
            [("Restore", restore), ("Discard", recovery.remove_recovery)],
        )
        return True

    def close(self) -> None:
        """The window closes: finish writing and leave no recovery file behind."""
        self.writer.wait()
        recovery.remove_recovery()
