"""The main window: painting and undo, brush shortcuts, files, recovery, jobs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from app_photos import photo
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage

from ganpaint.app.commands import PatchCommand
from ganpaint.app.dialogs import shortcut_rows
from ganpaint.app.window import MainWindow
from ganpaint.documents import recovery
from ganpaint.documents.document import Document
from ganpaint.session.actions import ACTIONS
from ganpaint.session.tools import scaled_brush_size


def viewport_point(window: MainWindow, x: float, y: float) -> QPoint:
    return window.view.mapFromScene(QPointF(x, y))


def stroke(qtbot, window: MainWindow, points, button=Qt.MouseButton.LeftButton) -> None:
    viewport = window.view.viewport()
    first, *rest = [viewport_point(window, x, y) for x, y in points]
    qtbot.mousePress(viewport, button, pos=first)
    for point in rest:
        qtbot.mouseMove(viewport, point)
    qtbot.mouseRelease(viewport, button, pos=rest[-1] if rest else first)


def test_stroke_paints_the_mask_and_undo_restores_it(qtbot, window: MainWindow) -> None:
    window.select_tool("mask_brush")
    window.brush.set_brush_size(8)
    stroke(qtbot, window, [(20, 20), (40, 30), (60, 30)])
    assert window.document.mask[30, 40] == 255
    assert window.undo_stack.count() == 1
    assert window.files.modified
    window.undo_stack.undo()
    assert not window.document.mask.any()
    window.undo_stack.redo()
    assert window.document.mask[30, 40] == 255
    # The right button erases, as one more undo step.
    stroke(qtbot, window, [(30, 25), (50, 30)], Qt.MouseButton.RightButton)
    assert window.document.mask[30, 40] == 0
    assert window.undo_stack.count() == 2


def test_tools_paint_their_own_layers(qtbot, window: MainWindow) -> None:
    window.select_tool("rectangle")
    stroke(qtbot, window, [(10, 10), (30, 20)])
    assert window.document.mask[15, 20] == 255 and window.document.mask[25, 20] == 0
    window.select_tool("lasso")
    stroke(qtbot, window, [(50, 10), (80, 10), (80, 40), (50, 40)])
    assert window.document.mask[25, 65] == 255
    window.select_tool("sketch_pen")
    stroke(qtbot, window, [(10, 50), (80, 50)])
    assert window.document.sketch[50, 40] > 0
    window.settings.set_colour((10, 200, 30))
    window.select_tool("colour_brush")
    stroke(qtbot, window, [(10, 58), (80, 58)])
    assert tuple(window.document.colour[58, 40]) == (10, 200, 30, 255)
    # Eraser works on the selected layer; Clear layer empties it in one step.
    window.select_tool("eraser")
    window.layers_panel.select("sketch")
    stroke(qtbot, window, [(10, 50), (80, 50)])
    assert window.document.sketch[50, 40] == 0
    window.layers_panel.select("mask")
    window.layers.clear_layer()
    assert not window.document.mask.any()
    window.undo_stack.undo()
    assert window.document.mask.any()
    # Alt+click picks a colour from the photo.
    window.select_tool("colour_brush")
    viewport = window.view.viewport()
    qtbot.mouseClick(
        viewport,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.AltModifier,
        viewport_point(window, 5.5, 7.5),
    )
    assert window.settings.colour() == tuple(int(v) for v in window.document.photo[7, 5])


def test_mask_operations_are_undoable(window: MainWindow) -> None:
    window.document.write("mask", window.document.full_box, np.zeros((64, 96), np.uint8))
    window.document.mask[20:40, 30:60] = 255
    before = window.document.mask.copy()
    window.layers.grow_mask()
    assert window.document.mask.sum() > before.sum()
    window.undo_stack.undo()
    assert np.array_equal(window.document.mask, before)
    window.layers.shrink_mask()
    assert window.document.mask.sum() < before.sum()
    window.undo_stack.undo()
    window.layers.invert_mask()
    assert np.array_equal(window.document.mask, 255 - before)
    window.undo_stack.undo()
    assert np.array_equal(window.document.mask, before)


def test_brush_size_shortcuts_slider_and_spin_box(qtbot, window: MainWindow) -> None:
    window.select_tool("mask_brush")
    window.brush.set_brush_size(20)
    window.activateWindow()
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_BracketRight)
    assert window.settings.brush_size("mask_brush") == 25
    assert window.brush.size_spin.value() == 25 and window.brush.size_slider.value() == 25
    qtbot.keyClick(window.view, Qt.Key.Key_BracketLeft)
    qtbot.keyClick(window.view, Qt.Key.Key_BracketLeft)
    assert window.settings.brush_size("mask_brush") == 16
    window.brush.size_spin.setValue(123)
    assert window.settings.brush_size("mask_brush") == 123
    assert window.view.brush_size_for_cursor == 123
    # Each tool keeps its own size (its default for this photo's size, untouched).
    window.select_tool("sketch_pen")
    assert window.brush.size_spin.value() == scaled_brush_size("sketch_pen", 64) == 2


def test_undo_memory_is_bounded_by_the_stroke(qtbot, window: MainWindow) -> None:
    big = np.zeros((4000, 6000, 3), np.uint8)  # 24 megapixels
    window.set_document(Document.from_image(big, title="big"))
    window.select_tool("mask_brush")
    window.brush.set_brush_size(30)
    window.view.actual_size()
    centre = window.view.mapToScene(window.view.viewport().rect().center())
    x, y = centre.x(), centre.y()
    stroke(qtbot, window, [(x, y), (x + 40, y + 10), (x + 80, y)])
    command = window.undo_stack.command(0)
    assert isinstance(command, PatchCommand)
    assert 0 < command.nbytes < 50_000  # a stroke-sized patch, not a 24 MB layer
    window.undo_stack.undo()
    assert not window.document.mask.any()


def test_opening_a_corrupt_file_keeps_the_document(tmp_path: Path, window: MainWindow) -> None:
    before = window.document
    window.document.mask[5:10, 5:10] = 255
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20)
    assert window.files.open_path(bad) is False
    assert window.document is before
    assert window.message_bar.isVisible()
    assert "broken.png" in window.message_bar.label.text()
    bad_ora = tmp_path / "broken.ora"
    bad_ora.write_bytes(b"nonsense")
    assert window.files.open_path(bad_ora) is False
    assert window.document is before and window.document.mask[7, 7] == 255


def test_open_save_and_reopen_a_document(tmp_path: Path, window: MainWindow) -> None:
    from PIL import Image

    source = tmp_path / "photo.png"
    Image.fromarray(photo(80, 50)).save(source)
    assert window.files.open_path(source)
    assert window.document.size == (80, 50)
    window.document.write("mask", window.document.full_box, np.zeros((50, 80), np.uint8))
    window.document.mask[10:20, 10:30] = 255
    window.push(PatchCommand(window.document, [], "edit"))
    assert window.files.modified
    target = tmp_path / "doc.ora"
    assert window.files.save_to(target, wait=True)
    assert not window.files.modified
    assert window.document.path == target
    assert str(target) in window.settings.recent_files()
    assert window.files.open_path(target)
    assert window.document.mask[15, 20] == 255
    exported = tmp_path / "out.webp"
    window.files.export_to(exported, wait=True)
    assert exported.is_file()


def test_paste_opens_the_clipboard_image(window: MainWindow) -> None:
    from PySide6.QtGui import QGuiApplication

    from ganpaint.app.qtimage import rgb_to_qimage

    QGuiApplication.clipboard().setImage(rgb_to_qimage(photo(30, 20)))
    window.files.paste_image()
    assert window.document.size == (30, 20)
    assert window.document.title == "Pasted image"


def test_recovery_file_is_written_and_offered(
    qtbot,
    tmp_path: Path,
    window: MainWindow,
    settings,
) -> None:
    window.select_tool("mask_brush")
    stroke(qtbot, window, [(20, 20), (60, 30)])
    assert window.files.autosave(wait=True)
    info = recovery.find_recovery()
    assert info is not None and info.title == "test.png"

    other = MainWindow(settings=settings, device="cpu")
    qtbot.addWidget(other)
    assert other.files.offer_recovery()
    assert "Restore" in [b.text() for b in other.message_bar.buttons]
    restore = next(b for b in other.message_bar.buttons if b.text() == "Restore")
    restore.click()
    assert np.array_equal(other.document.mask, window.document.mask)
    assert other.files.modified  # restored work is unsaved
    # A clean save removes the recovery file.
    other.files.save_to(tmp_path / "saved.ora", wait=True)
    assert recovery.find_recovery() is None


def test_shortcuts_dialog_lists_every_action() -> None:
    rows = shortcut_rows()
    commands = {row[1] for row in rows}
    for spec in ACTIONS:
        assert spec.shortcuts, spec.id
        assert spec.text.replace("&", "").rstrip("…") in commands
    assert any("Compare" in row[1] for row in rows)
    keys = [s for spec in ACTIONS for s in spec.shortcuts]
    assert len(keys) == len(set(keys)), "a shortcut is bound twice"


def test_compare_key_shows_the_original(qtbot, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.waitActive(window)
    qtbot.keyPress(window.view, Qt.Key.Key_Backslash)
    assert window.scene.comparing
    qtbot.keyRelease(window.view, Qt.Key.Key_Backslash)
    assert not window.scene.comparing


def test_screenshot_writes_a_png(tmp_path: Path) -> None:
    from ganpaint.app.main import screenshot

    out = tmp_path / "shot.png"
    assert screenshot(out) == 0
    image = QImage(str(out))
    assert image.width() > 600 and image.height() > 400


def _damaged(folder: Path, name: str) -> Path:
    path = folder / name
    if name.endswith(".ora"):
        path.write_bytes(b"PK\x03\x04 not a whole zip")
    else:
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20)
    return path


@pytest.mark.parametrize("name", ["broken.png", "broken.ora"])
def test_a_screenshot_of_a_file_that_does_not_open_fails_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    """Nobody sees the window of a --screenshot run: the error goes to stderr, exit 2."""
    from ganpaint.cli import main

    bad = _damaged(tmp_path, name)
    before = bad.read_bytes()
    assert main([str(bad), "--screenshot", str(tmp_path / "shot.png")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ganpaint: error:") and name in err[0]
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == [name]
    assert bad.read_bytes() == before


def test_an_interactive_launch_shows_a_file_that_does_not_open_in_the_window(
    qtbot, tmp_path: Path, settings
) -> None:
    from ganpaint.app.main import create_window

    bad = _damaged(tmp_path, "broken.png")
    window = create_window(image=str(bad), device="cpu", settings=settings, offer_recovery=False)
    window.files.autosave_timer.stop()
    qtbot.addWidget(window)
    window.show()
    assert window.message_bar.isVisible()
    assert "broken.png" in window.message_bar.label.text()


def test_zoom_keeps_the_point_under_the_cursor(window: MainWindow) -> None:
    view = window.view
    view.set_zoom(12.0)  # larger than the window, so the view can scroll
    anchor = QPointF(view.viewport().width() / 2 + 30, view.viewport().height() / 2 + 10)
    before = view.map_to_image(anchor)
    view.zoom_by(2.0, anchor)
    after = view.map_to_image(anchor)
    assert abs(after.x() - before.x()) < 1 and abs(after.y() - before.y()) < 1
    window.view.actual_size()
    assert view.zoom == pytest.approx(1.0)


@pytest.fixture
def no_torch_cuda_oom(monkeypatch: pytest.MonkeyPatch) -> type[BaseException]:
    return getattr(torch.cuda, "OutOfMemoryError", RuntimeError)
