"""Drive the real ganpaint window on an X display; run by tests/test_real_window.py.

A process of its own because Qt's platform (xcb here, offscreen in the rest of the
suite) cannot change inside one process. It opens a photo the way `ganpaint PHOTO`
does (default settings, device `auto`), drives the window with key and mouse events
through Qt, runs every job once, hovers every edge of the photo, and writes a JSON
summary: what ran and how it ended, what the cursor readout showed, and every
exception that reached the event loop.

    QT_QPA_PLATFORM=xcb DISPLAY=:97 python tests/realwindow_driver.py --out summary.json
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

EXCEPTIONS: list[str] = []  # every exception that reached the event loop, formatted


def _record(kind: type[BaseException], error: BaseException, tb) -> None:
    """sys.excepthook: PySide reports exceptions raised in slots and event handlers here."""
    EXCEPTIONS.append("".join(traceback.format_exception(kind, error, tb)))
    sys.__excepthook__(kind, error, tb)


def _record_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is not SystemExit:
        _record(args.exc_type, args.exc_value, args.exc_traceback)  # type: ignore[arg-type]


sys.excepthook = _record
threading.excepthook = _record_thread

from PySide6.QtCore import QEventLoop, QPoint, QPointF, QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QCursor  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget  # noqa: E402

JOB_TIMEOUT_S = 120.0
QUIT_WAIT_S = 15  # how long closing the window may take
CORNER_ZOOMS = ("fit", "actual_size", "zoom_in")  # Ctrl+0, Ctrl+1, Ctrl++ (twice)


def write_photo(folder: Path) -> Path:
    """A photo-like test image: the bundled landscape cropped to a non-square 512×384."""
    from PIL import Image

    from ganpaint.paths import resources_dir

    image = Image.open(resources_dir() / "samples" / "landscape.png").convert("RGB")
    path = folder / "photo.png"
    image.crop((0, 64, 512, 448)).save(path)
    return path


class Driver:
    """The window, its event helpers and what was seen; each step records into `summary`."""

    def __init__(self, app: QApplication, window, shots: Path | None) -> None:
        self.app = app
        self.window = window
        self.view = window.view
        self.shots = shots
        self.hovered: set[tuple[int, int]] = set()
        self._last = QPoint(-1, -1)

        self.summary: dict = {"jobs": {}, "hover": {}, "steps": []}
        self.view.cursorMoved.connect(self._on_cursor)

    def _on_cursor(self, position) -> None:
        if position is not None:
            self.hovered.add((int(position[0]), int(position[1])))

    # -- events -------------------------------------------------------------------------

    def key(self, key: Qt.Key, modifiers=Qt.KeyboardModifier.NoModifier, settle=True) -> None:
        """A key press and release at the focused widget (shortcuts fire as from a user)."""
        target = QApplication.focusWidget() or self.view
        QTest.keyClick(target, key, modifiers)
        if settle:
            self.app.processEvents()

    def wait(self, ms: int) -> None:
        """Run the event loop for `ms` (QTest.qWait holds the GIL and starves the workers)."""
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def park_pointer(self) -> None:
        """Put the X server's own pointer in a screen corner off the window.

        QTest's moves do not move it, and the crossing events X sends (when a dialog
        closes, say) would report it where it is, over the photo, between QTest's moves."""
        corner = self.window.screen().geometry().bottomRight()
        QCursor.setPos(corner)
        self.wait(150)

    def move(self, point: QPoint) -> None:
        """The cursor to a viewport point; a move to where it already is goes via a neighbour,
        since Qt drops a move that does not move (after a scroll the view would not hear)."""
        viewport = self.view.viewport()
        if point == self._last:
            QTest.mouseMove(viewport, point + QPoint(1, 1))
            self.app.processEvents()
        QTest.mouseMove(viewport, point)
        self.app.processEvents()  # one event per move: Qt would merge a burst of them
        self._last = QPoint(point)

    def to_view(self, x: float, y: float) -> QPoint:
        """The viewport point over image point (x, y), scrolling it into view first."""
        scene = QPointF(x, y)
        inner = self.view.viewport().rect().adjusted(6, 6, -6, -6)
        point = self.view.mapFromScene(scene)
        if not inner.contains(point):
            self.view.centerOn(scene)
            self.app.processEvents()
            point = self.view.mapFromScene(scene)
        return point

    def inside_pixel(self, px: int, py: int) -> QPoint | None:
        """A viewport point, clear of the viewport's edges, that maps into pixel (px, py)."""
        centre = self.to_view(px + 0.5, py + 0.5)
        inner = self.view.viewport().rect().adjusted(4, 4, -4, -4)
        for dx in (0, -1, 1):
            for dy in (0, -1, 1):
                point = centre + QPoint(dx, dy)
                scene = self.view.mapToScene(point)
                pixel = (math.floor(scene.x()), math.floor(scene.y()))
                if inner.contains(point) and pixel == (px, py):
                    return point
        return None

    def readout_at(self, point: QPoint, expected: str) -> str:
        """Hover `point` and return the status readout once it names `expected` (or after 1 s).

        A move can reach the view a moment late under X, so the readout gets that moment;
        a readout that never follows the cursor still comes back wrong."""
        self.move(point)
        label = getattr(self.window, "position_label", None)
        if label is None:
            return "<no readout>"
        deadline = time.monotonic() + 1.0
        while not label.text().startswith(expected) and time.monotonic() < deadline:
            self.wait(10)
        return label.text()

    def stroke(self, points: list[tuple[float, float]]) -> None:
        """A left-button drag through image points, as a user paints."""
        viewport = self.view.viewport()
        first = self.to_view(*points[0])
        self.move(first)
        QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, first)
        self.app.processEvents()
        last = first
        for x, y in points[1:]:
            start, end = last, self.view.mapFromScene(QPointF(x, y))
            for i in range(1, 9):
                t = i / 8
                self.move(
                    QPoint(
                        round(start.x() + (end.x() - start.x()) * t),
                        round(start.y() + (end.y() - start.y()) * t),
                    )
                )
            last = end
        QTest.mouseRelease(
            viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, last
        )
        self.app.processEvents()

    def click(self, widget: QWidget, point: QPoint | None = None) -> None:
        QTest.mouseClick(
            widget,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
            point if point is not None else widget.rect().center(),
        )
        self.app.processEvents()

    def shot(self, name: str) -> None:
        """Grab the whole X screen (the window as drawn, with its frame) when asked to."""
        if self.shots is None:
            return
        self.app.processEvents()
        self.wait(150)
        screen = self.window.screen()
        screen.grabWindow(0).save(str(self.shots / f"{name}.png"))

    # -- jobs ---------------------------------------------------------------------------

    def run_job(self, name: str, trigger: Callable[[], None], runner=None, find=None) -> dict:
        """Trigger a job, wait until its runner is idle for good, and record how it ended.

        `runner` is watched from before the trigger; a runner that the trigger creates
        (the explorer's) is found with `find` right after it, before any event is
        processed, so no queued signal of its job is missed. Follow-up jobs (a candidate
        drawn at full resolution) start as the first ends, so the runner must stay idle
        for a few polls before the job counts as done.
        """
        events: list[tuple[str, str]] = []
        hooks: list = []

        def watch(watched) -> None:
            hooks.extend(
                [
                    (watched.started, lambda n: events.append(("started", str(n)))),
                    (watched.finished, lambda _r: events.append(("finished", ""))),
                    (watched.failed, lambda e: events.append(("failed", _describe(e)))),
                    (watched.cancelled, lambda: events.append(("cancelled", ""))),
                ]
            )
            for signal, slot in hooks:
                signal.connect(slot)

        began = time.monotonic()
        status = ""
        try:
            if runner is not None:
                watch(runner)
            trigger()
            if runner is None:
                runner = find()
                if runner is None:
                    raise LookupError("the action made nothing to watch")
                watch(runner)
                if runner.busy:
                    events.append(("started", runner.name))
            idle = 0
            while True:
                self.app.processEvents()
                started = any(kind == "started" for kind, _ in events)
                waited = time.monotonic() - began
                if not started and not runner.busy and waited > 3.0:
                    status = "not started: " + self._message()
                    break
                if waited > JOB_TIMEOUT_S:
                    status = f"timed out after {JOB_TIMEOUT_S:.0f} s"
                    break
                idle = idle + 1 if started and not runner.busy else 0
                if idle >= 4:
                    break
                self.wait(50)
        except Exception as error:  # the driver's own failure: keep going, say what
            status = f"driver error: {type(error).__name__}: {error}"
        finally:
            for signal, slot in hooks:
                signal.disconnect(slot)
        ends = [(kind, text) for kind, text in events if kind != "started"]
        if not status:
            bad = [f"{kind}: {text}" if text else kind for kind, text in ends if kind != "finished"]
            status = "; ".join(bad) if bad else "ok"
        result = {
            "status": status,
            "seconds": round(time.monotonic() - began, 2),
            "runs": [text for kind, text in events if kind == "started"],
        }
        if status == "ok" and self.window.message_bar.kind == "error":
            result["status"] = "error message: " + self._message()
        self.summary["jobs"][name] = result
        return result

    def _message(self) -> str:
        bar = self.window.message_bar
        return f"{bar.kind or 'no'} message {bar.text()!r}"

    # -- hovering -----------------------------------------------------------------------

    def hover_edges(self, label: str) -> None:
        """Cross every edge and corner of the image at several zooms; note what was seen.

        Each point on an edge is crossed by a few viewport pixels either way, so the very
        last column and row (and the first pixel beyond them) are under the cursor.
        """
        document = self.window.document
        w, h = document.width, document.height
        self.hovered.clear()
        readouts: dict[str, str] = {}
        for zoom in CORNER_ZOOMS:
            self.key(Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)  # fit first
            if zoom == "actual_size":
                self.key(Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
            elif zoom == "zoom_in":
                self.key(Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
                self.key(Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
                self.key(Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
            steps = 12
            along_x = [w * i / steps for i in range(steps + 1)] + [0.5, w - 0.5]
            along_y = [h * i / steps for i in range(steps + 1)] + [0.5, h - 0.5]
            for edge_y in (0.0, float(h)):  # top and bottom: cross vertically
                for x in along_x:
                    centre = self.to_view(x, edge_y)
                    for d in range(-3, 4):
                        self.move(centre + QPoint(0, d))
            for edge_x in (0.0, float(w)):  # left and right: cross horizontally
                for y in along_y:
                    centre = self.to_view(edge_x, y)
                    for d in range(-3, 4):
                        self.move(centre + QPoint(d, 0))
            for cx, cy in ((0, 0), (w, 0), (0, h), (w, h)):  # corners: cross diagonally
                centre = self.to_view(cx, cy)
                for d in range(-3, 4):
                    self.move(centre + QPoint(d, d))
            for px, py in ((0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1)):
                at = self.inside_pixel(px, py)  # the readout must name the corner pixel
                if at is not None:
                    readouts[f"{zoom} {px},{py}"] = self.readout_at(at, f"{px}, {py}")
        self.key(Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
        self.move(QPoint(2, 2))  # park the cursor off the image
        xs = [x for x, _ in self.hovered]
        ys = [y for _, y in self.hovered]
        self.summary["hover"][label] = {
            "size": [w, h],
            "positions": len(self.hovered),
            "min": [min(xs, default=-1), min(ys, default=-1)],
            "max": [max(xs, default=-1), max(ys, default=-1)],
            "corners_seen": sorted(
                f"{x},{y}"
                for x, y in ((0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1))
                if (x, y) in self.hovered
            ),
            "outside": sorted(
                f"{x},{y}" for x, y in self.hovered if not (0 <= x < w and 0 <= y < h)
            )[:10],
            "readouts": readouts,
        }

    # -- the session ----------------------------------------------------------------------

    def paint_mask(self) -> None:
        """Mask brush (B) and a stroke across the middle of the photo."""
        w, h = self.window.document.width, self.window.document.height
        self.view.setFocus()
        self.key(Qt.Key.Key_B)
        self.stroke([(w * 0.40, h * 0.45), (w * 0.55, h * 0.50), (w * 0.60, h * 0.60)])
        self.summary["steps"].append(f"mask pixels {int((self.window.document.mask > 0).sum())}")

    def inpaint(self) -> None:
        ctrl, shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
        self.paint_mask()
        self.summary["steps"].append(f"method {self.window.inpaint_panel.selected_method()}")
        runner = self.window.controller.runner
        self.run_job("inpaint_gan", lambda: self.key(Qt.Key.Key_Return, ctrl), runner)
        self.shot("inpaint-result")
        self.view.setFocus()
        self.key(Qt.Key.Key_Return)  # Accept
        self.summary["steps"].append(f"after accept: {self.window.undo_stack.undoText()!r}")
        self.paint_mask()
        self.run_job("inpaint_opencv", lambda: self.key(Qt.Key.Key_Return, ctrl | shift), runner)
        self.view.setFocus()
        self.key(Qt.Key.Key_Return)

    def translate_and_sketch(self) -> None:
        ctrl, shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
        runner = self.window.controller.runner
        self.view.setFocus()
        self.run_job("translate", lambda: self.key(Qt.Key.Key_T, ctrl), runner)
        self.view.setFocus()
        self.key(Qt.Key.Key_Backspace)  # Discard
        self.key(Qt.Key.Key_E, ctrl | shift)  # Edges from Photo
        self.summary["steps"].append(
            f"sketch pixels {int((self.window.document.sketch > 0).sum())}"
        )
        self.run_job("sketch_to_image", lambda: self.key(Qt.Key.Key_T, ctrl | shift), runner)
        self.view.setFocus()
        self.key(Qt.Key.Key_Backspace)

    def labels(self) -> None:
        ctrl, shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
        w, h = self.window.document.width, self.window.document.height
        self.view.setFocus()
        self.key(Qt.Key.Key_S)  # Label brush
        self.stroke([(w * 0.1, h * 0.8), (w * 0.5, h * 0.85), (w * 0.9, h * 0.8)])
        self.summary["steps"].append(f"label pixels {int((self.window.document.labels > 0).sum())}")
        runner = self.window.controller.runner
        self.run_job("image_from_labels", lambda: self.key(Qt.Key.Key_L, ctrl | shift), runner)
        self.shot("labels-result")
        self.view.setFocus()
        self.key(Qt.Key.Key_Backspace)

    def explorer(self) -> None:
        """Generate › New Image from GAN (Ctrl+Shift+N), Reseed, open a sample as a new image."""
        try:
            self._explore()
        finally:
            dialog = getattr(self.window.models_ctl, "explorer", None)
            if dialog is not None and dialog.isVisible():
                dialog.reject()  # a dialog left open would keep the window from the mouse
            self.wait(100)
            self.park_pointer()

    def _explore(self) -> None:
        ctrl, shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
        self.view.setFocus()

        def explorer_runner():
            dialog = getattr(self.window.models_ctl, "explorer", None)
            return dialog.runner if dialog is not None and dialog.isVisible() else None

        self.run_job(
            "explorer",
            lambda: self.key(Qt.Key.Key_N, ctrl | shift, settle=False),
            find=explorer_runner,
        )
        dialog = getattr(self.window.models_ctl, "explorer", None)
        if dialog is None:
            return
        self.wait(100)
        self.summary["steps"].append(f"explorer says {dialog.status.text()!r}")
        reseed = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Reseed")
        self.run_job("explorer_reseed", lambda: self.click(reseed), dialog.runner)
        self.summary["steps"].append(f"explorer says {dialog.status.text()!r}")
        self.shot("explorer")
        if dialog.grid.count() == 0:
            self.summary["jobs"]["explorer_open"] = {"status": "no samples to open"}
            return
        item_rect = dialog.grid.visualItemRect(dialog.grid.item(0))
        self.click(dialog.grid.viewport(), item_rect.center())
        before = (self.window.document.width, self.window.document.height)
        with self.answering_discard() as answered:
            self.click(dialog.open_button)
        after = (self.window.document.width, self.window.document.height)
        opened = after != before and not dialog.isVisible()
        self.summary["jobs"]["explorer_open"] = {
            "status": "ok" if opened else "not opened: " + dialog.status.text(),
            "size": list(after),
            "answered": answered,
        }

    @contextlib.contextmanager
    def answering_discard(self):
        """Answer "Discard" to the unsaved-changes question if it comes up, as a user would.

        It is asked in a nested event loop, so a timer clicks the button from inside it."""
        answered: list[str] = []

        def answer() -> None:
            box = QApplication.activeModalWidget()
            if isinstance(box, QMessageBox):
                button = box.button(QMessageBox.StandardButton.Discard)
                if button is not None:
                    answered.append(box.text())
                    QTest.mouseClick(button, Qt.MouseButton.LeftButton)

        timer = QTimer(self.window)
        timer.setInterval(50)
        timer.timeout.connect(answer)
        timer.start()
        try:
            yield answered
        finally:
            timer.stop()
            timer.deleteLater()

    def quit(self) -> None:
        """File › Quit (Ctrl+Q) on the main window, discarding the session's edits."""
        # The shortcut acts in the active window only, and the window manager activates
        # it asynchronously (after the explorer closed, under load, that took a while).
        for attempt in range(50):
            if QApplication.activeWindow() is self.window:
                break
            if attempt % 5 == 0:
                self.window.activateWindow()
            self.wait(100)
        self.view.setFocus()
        with self.answering_discard() as answered:
            self.key(Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
            # Closing stops the workers and flushes the autosave: on a loaded 2-core CI
            # machine that took longer than the 0.2 s first allowed here.
            for _ in range(QUIT_WAIT_S * 10):
                self.wait(100)
                if not self.window.isVisible():
                    break
        self.summary["closed"] = not self.window.isVisible()
        if not self.summary["closed"]:  # say what held it open
            modal = QApplication.activeModalWidget()
            held = "none" if modal is None else type(modal).__name__
            if isinstance(modal, QMessageBox):
                held += f" {modal.text()!r}"
            focus = QApplication.focusWidget()
            self.summary["steps"].append(f"after quit: modal {held}; focus {focus}")
        self.summary["steps"].append(f"quit answered {answered}")


def _describe(error: BaseException) -> str:
    """The failure in one line, plus the worker's traceback when the runner kept it."""
    trace = getattr(error, "__ganpaint_traceback__", "")
    return f"{type(error).__name__}: {error}" + (f"\n{trace}" if trace else "")


def run(out: Path, device: str, shots: Path | None) -> dict:
    """Start the app and run every step; the summary is written even when one fails."""
    summary: dict = {"driver_errors": [], "jobs": {}, "hover": {}}
    try:
        summary = _session(device, shots, summary)
    except Exception:
        summary["driver_errors"].append(f"start: {traceback.format_exc()}")
    summary["exceptions"] = list(EXCEPTIONS)
    out.write_text(json.dumps(summary, indent=1))
    return summary


def _session(device: str, shots: Path | None, summary: dict) -> dict:
    from ganpaint.app import main as app_main
    from ganpaint.app.config import Settings

    began = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="ganpaint-realwindow-"))
    os.environ["GANPAINT_DATA_DIR"] = str(work / "data")  # no user models, no recovery
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(work / "cfg"))
    photo = write_photo(work)

    app = app_main._application([])
    app_main._leave_a_core_for_the_gui()
    settings = Settings(QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat))
    window = app_main.create_window(image=str(photo), device=device, settings=settings)
    window.show()
    driver = Driver(app, window, shots)
    driver.summary.update(summary)
    summary = driver.summary
    summary.update(
        platform=QApplication.platformName(),
        exposed=QTest.qWaitForWindowExposed(window, 10_000),
        device_setting=window.models_ctl.device,
    )
    window.activateWindow()
    summary["active"] = QTest.qWaitForWindowActive(window, 10_000)
    summary["photo"] = [window.document.width, window.document.height]
    summary["model"] = window.models.name
    driver.park_pointer()
    steps: list[tuple[str, Callable[[], None]]] = [
        ("hover photo", lambda: driver.hover_edges("photo")),
        ("inpaint", driver.inpaint),
        ("translate and sketch", driver.translate_and_sketch),
        ("labels", driver.labels),
        ("hover result", lambda: driver.hover_edges("photo after edits")),
        ("explorer", driver.explorer),
        ("hover after the explorer", lambda: driver.hover_edges("after the explorer")),
        ("quit", driver.quit),
    ]
    for name, step in steps:
        try:
            step()
        except Exception:
            summary["driver_errors"].append(f"{name}: {traceback.format_exc()}")
    summary["seconds"] = round(time.monotonic() - began, 1)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="where to write the summary")
    parser.add_argument("--device", default="auto", help="the app's device setting")
    parser.add_argument("--shots", type=Path, help="a folder for screen grabs of the results")
    args = parser.parse_args(argv)
    if args.shots is not None:
        args.shots.mkdir(parents=True, exist_ok=True)
    summary = run(args.out, args.device, args.shots)
    print(json.dumps({k: summary.get(k) for k in ("jobs", "seconds")}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
