"""Starting the desktop app, and rendering its window headless for docs and checks."""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from ganpaint.app.config import Settings
from ganpaint.app.theme import apply_style
from ganpaint.app.window import MainWindow
from ganpaint.collector import settle
from ganpaint.documents.docfile import load_document
from ganpaint.documents.document import Document
from ganpaint.errors import GanpaintError, ImageFileError
from ganpaint.paths import resources_dir

APP_ICON = "icons/ganpaint.svg"


def _application(argv: list[str]) -> QApplication:
    """The QApplication (created once), styled and named for QSettings."""
    QCoreApplication.setOrganizationName("ganpaint")
    QCoreApplication.setApplicationName("ganpaint")
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv else "ganpaint", *argv])
    apply_style(app)  # type: ignore[arg-type]
    icon_path = resources_dir() / APP_ICON
    if icon_path.is_file():
        app.setWindowIcon(QIcon(str(icon_path)))
    app.setDesktopFileName("io.github.ganpaint.ganpaint")  # packaging/*.desktop
    return app  # type: ignore[return-value]


def _leave_a_core_for_the_gui() -> None:
    """Torch would use every core and starve the GUI thread; keep one free."""
    try:
        import torch

        cores = os.cpu_count() or 1
        if cores > 1 and torch.get_num_threads() >= cores:
            torch.set_num_threads(cores - 1)
    except Exception:
        pass


def create_window(
    image: str | None = None,
    model: str | None = None,
    device: str = "auto",
    settings: Settings | None = None,
    offer_recovery: bool = True,
    loaded: Document | None = None,
) -> MainWindow:
    """A main window with the model chosen (by name, path, the last used or the default)
    and `image` opened; problems are shown in the window, never raised.

    `loaded`: `image` already loaded by a caller that had to stop when it does not load.
    """
    settings = settings or Settings()
    window = MainWindow(settings=settings, device=device if device != "auto" else None)
    if device != "auto":
        window.models_ctl.set_device(device)
    _choose_initial_model(window, model, settings)
    recovered = offer_recovery and window.files.offer_recovery()
    if image and loaded is not None:
        window.files.show_opened(loaded, image)
    elif image:
        window.files.open_path(image)
    elif not recovered and not window.document.mask.any():
        window.files.open_sample()
    return window


def _choose_initial_model(window: MainWindow, model: str | None, settings: Settings) -> None:
    from ganpaint.models import resolve_model

    candidates: list[str | None] = [model] if model else [settings.model() or None, None]
    for candidate in candidates:
        try:
            path = resolve_model(candidate, kind="gan", purpose="inpaint")
        except GanpaintError as error:
            if model:  # the user asked for this one: say why it is not used
                window.show_message(str(error))
                return
            continue
        window.models_ctl.choose_model(Path(path), remember=bool(model))
        return
    window.models_ctl.choose_model(None, remember=False)


def run_app(
    argv: list[str], image: str | None = None, model: str | None = None, device: str = "auto"
) -> int:
    """Open the editor window and run until it closes; returns the exit status."""
    app = _application(argv)
    _leave_a_core_for_the_gui()
    window = create_window(image=image, model=model, device=device)
    window.show()
    settle(collect=True)  # what the start built is frozen: later passes skip it
    threading.Thread(target=_warm_up, name="ganpaint-warm-up", daemon=True).start()
    return int(app.exec())


def _warm_up() -> None:
    """The first inpaint's one-time costs, paid while the user paints the mask."""
    try:
        from ganpaint.edit.synthesis import load_kernels

        load_kernels()
        settle(collect=True)  # numba's registries join what the collector's passes skip
    except Exception:  # a warm-up that fails costs the first fill its time, nothing else
        pass


def screenshot(out_path: str | os.PathLike[str], image: str | None = None) -> int:
    """Render the real window offscreen (with the sample image when none is given) to a PNG.

    The window starts from default settings (a throwaway store), not the user's saved
    layout and model, so the same command gives the same picture on every machine. An
    image that does not load raises its one-sentence GanpaintError before any window:
    nobody would see the window's message, and the run must not pass as a success.
    """
    loaded = load_document(image) if image else None
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = _application([])
    with tempfile.TemporaryDirectory(prefix="ganpaint-shot-") as folder:
        store = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
        ok = _render_window(app, Settings(store), out_path, image, loaded)
    if not ok:
        raise ImageFileError(
            f"Cannot write the screenshot {out_path}; check that its folder exists and is "
            "writable and that the name ends in .png."
        )
    return 0


def _render_window(
    app: QApplication,
    settings: Settings,
    out_path: str | os.PathLike[str],
    image: str | None,
    loaded: Document | None,
) -> bool:
    window = create_window(image=image, settings=settings, offer_recovery=False, loaded=loaded)
    window.resize(1280, 820)
    window.show()
    for _ in range(5):
        app.processEvents()
    window.view.fit()
    app.processEvents()
    pixmap = window.grab()
    ok = pixmap.save(str(out_path), "PNG")
    window.setWindowModified(False)
    window.files.saved_index = window.undo_stack.index()  # nothing to ask about on close
    QTimer.singleShot(0, window.close)
    app.processEvents()
    window.close()
    return ok
