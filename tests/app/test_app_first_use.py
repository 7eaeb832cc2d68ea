"""The defects a new user hit in a real window (issue 17): every job runs with the
default device setting, the cursor readout works up to the last pixel, a new result
starts opaque, compare-with-original is cheap and means the photo as first opened,
status text follows what is shown, semantic-brush results are shown unobstructed,
and the polish a demanding user expects (File › New / Close, mask colour, brush
size that scales with the photo, the bundled GAN's note)."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from app_photos import photo
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QImage, QKeyEvent, QUndoCommand
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLabel

from ganpaint.app.config import Settings
from ganpaint.app.files import FilesController
from ganpaint.app.window import MainWindow
from ganpaint.documents.document import Document
from ganpaint.edit.inversion import InversionConfig
from ganpaint.edit.sketch import SketchConfig
from ganpaint.labels import SKY, WATER
from ganpaint.models import ModelBundle, NLayerDiscriminator, ResnetGenerator, UnetGenerator
from ganpaint.paths import user_models_dir


def install_tiny_translators() -> None:
    """Tiny day2night, edges2landscape and labels2landscape where the defaults are found."""
    folder = user_models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(1)
    cycle = {
        "G_A": ResnetGenerator(ngf=4, n_blocks=1),
        "G_B": ResnetGenerator(ngf=4, n_blocks=1),
        "D_A": NLayerDiscriminator(ndf=4, n_layers=1),
    }
    meta = {"name": "day2night", "domains": {"A": "day", "B": "night"}}
    ModelBundle.create("cyclegan", cycle, meta).save(folder / "day2night.safetensors")
    meta = {"name": "edges2landscape", "domains": {"A": "edges", "B": "landscape"}}
    sketch = {"G": ResnetGenerator(ngf=4, n_blocks=1)}
    ModelBundle.create("pix2pix", sketch, meta).save(folder / "edges2landscape.safetensors")
    unet = UnetGenerator(input_nc=3, output_nc=3, num_downs=5, ngf=4, use_dropout=False)
    meta = {"name": "labels2landscape", "domains": {"A": "labels", "B": "landscape"}}
    ModelBundle.create("pix2pix", {"G": unet}, meta).save(folder / "labels2landscape.safetensors")


@pytest.fixture
def auto_window(
    qtbot, settings: Settings, tiny_model: Path, fast_inpaint, monkeypatch: pytest.MonkeyPatch
) -> MainWindow:
    """A window as a new user gets it: the device setting left at its default, `auto`."""
    monkeypatch.setattr(FilesController, "confirm_discard", lambda self: True)
    config = SketchConfig(
        inversion=InversionConfig(restarts=2, iters=4, log_every=2, early_stop=False),
        candidates=2,
        frames=4,
    )
    monkeypatch.setattr("ganpaint.session.igan.SketchConfig", lambda: config)
    install_tiny_translators()
    win = MainWindow(settings=settings)
    assert win.models_ctl.device == "auto"
    win.files.autosave_timer.stop()
    qtbot.addWidget(win)
    win.set_document(Document.from_image(photo(), title="test.png"))
    win.models_ctl.choose_model(tiny_model, remember=False)
    win.translate.refresh_translators()
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.controller.runner.shutdown()
    win.files.writer.wait()


def run_job(qtbot, window: MainWindow, start) -> None:
    """Start a job and wait for it: it must finish with a result, not fail."""
    runner = window.controller.runner
    failures: list = []
    runner.failed.connect(failures.append)
    with qtbot.waitSignal(runner.finished, timeout=60_000, raising=False):
        assert start() is not False, window.message_bar.text
    runner.failed.disconnect(failures.append)
    assert not failures, failures
    assert window.message_bar.kind != "error", window.message_bar.text
    assert window.results.current is not None
    window.controller.discard_offered()


def test_every_job_runs_with_the_default_device_auto(qtbot, auto_window: MainWindow) -> None:
    window = auto_window
    assert window.models_ctl.job_device() != "auto"
    document = window.document
    document.mask[20:40, 30:60] = 255
    document.notify("mask")
    run_job(qtbot, window, window.controller.inpaint_gan)
    run_job(qtbot, window, window.controller.inpaint_opencv)
    run_job(qtbot, window, window.translate.translate_image)
    document.sketch[30:32, 10:80] = 255
    document.notify("sketch")
    run_job(qtbot, window, window.translate.sketch_to_image)
    document.colour[10:20, 10:40] = (220, 30, 30, 255)
    document.notify("colour")
    run_job(qtbot, window, window.igan.generate_from_strokes)
    document.labels[:32] = SKY
    document.labels[32:] = WATER
    document.notify("labels")
    run_job(qtbot, window, window.labels.image_from_labels)


def test_the_explorer_generates_and_reseeds_with_the_default_device(
    qtbot, auto_window: MainWindow
) -> None:
    window = auto_window
    assert window.models_ctl.new_image_from_gan()
    dialog = window.models_ctl.explorer
    try:
        qtbot.waitUntil(lambda: not dialog.runner.busy, timeout=30_000)
        assert "Failed" not in dialog.status.text(), dialog.status.text()
        assert dialog.reseed()
        qtbot.waitUntil(lambda: not dialog.runner.busy, timeout=30_000)
        assert dialog.status.text() == "Done.", dialog.status.text()
        assert dialog.grid.count() == int(dialog.count.currentData())
    finally:
        dialog.runner.shutdown()
        dialog.close()


def sweep(window: MainWindow, start: QPointF, end: QPointF) -> set[str]:
    """Move the mouse, with real move events, over every screen pixel from image point
    `start` to `end`; each readout must name the pixel under the cursor (or nothing
    off the photo). Returns the readouts seen."""
    view = window.view
    view.centerOn(end)
    a, b = view.mapFromScene(start), view.mapFromScene(end)
    steps = max(abs(b.x() - a.x()), abs(b.y() - a.y()), 1)
    seen = set()
    for i in range(steps + 3):
        position = QPoint(
            a.x() + round((b.x() - a.x()) * i / steps), a.y() + round((b.y() - a.y()) * i / steps)
        )
        if not view.viewport().rect().contains(position):
            continue
        QTest.mouseMove(view.viewport(), position)
        text = window.position_label.text()
        pixel = view.pixel_at(view.map_to_image(QPointF(position)))
        assert text.startswith(f"{pixel[0]}, {pixel[1]}  #") if pixel else text == "", text
        seen.add(text.split("  ")[0])
    return seen


def test_hovering_up_to_the_last_column_and_row_updates_the_readout(
    qtbot, window: MainWindow
) -> None:
    window.set_document(Document.from_image(photo(512, 512), title="square.png"))
    view = window.view
    for zoom in (view.zoom, 1.0, 3.0):
        view.set_zoom(zoom)
        near = math.ceil(1 / min(view.zoom, 1.0))  # image pixels a screen pixel spans
        for start, end in (
            (QPointF(500.5, 100.5), QPointF(514, 100.5)),
            (QPointF(100.5, 500.5), QPointF(100.5, 514)),
            (QPointF(500.5, 500.5), QPointF(514, 514)),
        ):
            seen = sweep(window, start, end)
            last = max(int(xy) for text in seen if text for xy in text.split(", "))
            assert last >= 512 - near, seen
    assert view.pixel_at(QPointF(512.0, 10.0)) is None
    assert view.pixel_at(QPointF(10.0, 512.0)) is None
    assert view.pixel_at(QPointF(511.99, 511.99)) == (511, 511)
    assert view.pixel_at(QPointF(-0.01, 3.0)) is None
    window._on_cursor((512, 3))  # a stale position from the view of another photo
    assert window.position_label.text() == ""


def test_a_new_result_starts_at_full_opacity(qtbot, auto_window: MainWindow) -> None:
    window = auto_window
    window.document.mask[20:40, 30:60] = 255
    window.document.notify("mask")
    runner = window.controller.runner
    with qtbot.waitSignal(runner.finished, timeout=30_000):
        window.translate.translate_image()
    window.inpaint_panel.opacity.setValue(49)  # the user fades the translation
    assert window.results.opacity == pytest.approx(0.49)
    window.controller.discard_offered()
    with qtbot.waitSignal(runner.finished, timeout=30_000):
        window.controller.inpaint_opencv()
    outcome = window.results.current
    assert window.results.opacity == 1.0
    assert window.inpaint_panel.opacity.value() == 100
    assert window.inpaint_panel.opacity_label.text() == "100%"
    window.controller.accept()  # what is accepted is the candidate itself, not a mix
    assert np.array_equal(window.document.photo[outcome.box.slices], outcome.candidates[0])


def press_compare(window: MainWindow, down: bool) -> None:
    kind = QEvent.Type.KeyPress if down else QEvent.Type.KeyRelease
    event = QKeyEvent(kind, Qt.Key.Key_Backslash, Qt.KeyboardModifier.NoModifier, "\\")
    QApplication.sendEvent(window.view, event)


def test_compare_builds_the_original_once_and_shows_it_on_each_press(
    qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ganpaint.app import scene as scene_module

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    built: list = []
    real = scene_module.photo_bgra
    monkeypatch.setattr(
        scene_module, "photo_bgra", lambda rgb: built.append(rgb.shape) or real(rgb)
    )
    window.document.photo[:] = 0
    window.document.notify("photo")
    built.clear()
    for _ in range(3):
        press_compare(window, True)
        assert window.scene.comparing
        item = window.scene._original_item
        assert item is not None and item.isVisible()
        press_compare(window, False)
        assert not window.scene.comparing and not item.isVisible()
    assert built == [window.document.original.shape]  # one full-size buffer, not three


def test_after_an_autosave_restore_the_original_is_the_photo_as_first_opened(
    qtbot, window: MainWindow, settings: Settings
) -> None:
    from ganpaint.documents import recovery

    first = window.document.original.copy()
    window.document.photo[10:30, 10:30] = 0  # an edit, as an accepted result makes
    window.document.notify("photo")
    window.push(QUndoCommand("Edit"))
    assert window.files.autosave(wait=True)
    stored = recovery.recovery_dir() / recovery.ORIGINAL_NAME
    written = stored.stat().st_mtime_ns
    window.push(QUndoCommand("Another edit"))
    assert window.files.autosave(wait=True)
    assert stored.stat().st_mtime_ns == written  # the same original is written once
    other = MainWindow(settings=settings, device="cpu")
    qtbot.addWidget(other)
    assert other.files.offer_recovery()
    next(b for b in other.message_bar.buttons if b.text() == "Restore").click()
    assert np.array_equal(other.document.photo, window.document.photo)
    assert np.array_equal(other.document.original, first)
    other.close()

    # An autosave made before the original was stored still restores (photo as original).
    window.push(QUndoCommand("A third edit"))
    assert window.files.autosave(wait=True)
    stored.unlink()
    document = recovery.load_recovery(recovery.find_recovery())
    assert np.array_equal(document.original, document.photo)


def test_status_follows_the_history_entry_shown_and_discard(qtbot, auto_window: MainWindow) -> None:
    window = auto_window
    window.document.mask[20:40, 30:60] = 255
    window.document.notify("mask")
    runner = window.controller.runner
    with qtbot.waitSignal(runner.finished, timeout=30_000):
        window.controller.inpaint_opencv()
    first = window.results.current.label
    with qtbot.waitSignal(runner.finished, timeout=30_000):
        window.translate.translate_image()
    last = window.results.current.label
    assert first != last and last in window.inpaint_panel.status.text()
    panel = window.inpaint_panel
    older = panel.history.item(1)  # newest first
    panel.history.itemClicked.emit(older)
    assert window.results.current.label == first
    assert first in panel.status.text() and last not in panel.status.text()
    window.controller.discard_offered()
    assert "Discarded" in panel.status.text() and first in panel.status.text()


def test_edges_from_photo_always_reports(window: MainWindow) -> None:
    window.document.photo[16:48, 30:70] = 255
    window.document.notify("photo")
    window.layers.set_layer_visible("sketch", False)
    window.actions_by_id["edges_from_photo"].trigger()  # Ctrl+Shift+E
    message = window.statusBar().currentMessage()
    assert "Edges from photo" in message and "px of edges" in message
    assert window.document.layer("sketch").visible  # what it made is shown
    window.statusBar().clearMessage()
    window.actions_by_id["edges_from_photo"].trigger()  # again: nothing changes
    assert "already holds" in window.statusBar().currentMessage()


def test_a_long_status_message_does_not_move_the_panel(qtbot, window: MainWindow) -> None:
    panel = window.inpaint_panel
    panel.parentWidget().raise_()
    panel.set_idle("Done.")
    qtbot.wait(10)
    before = (panel.status.height(), panel.opacity.mapTo(panel, QPoint(0, 0)))
    thumbnails = panel.thumbnails.geometry()
    long = "Done: Inpainting with the GAN and photo patches. " * 6 + "Choose a candidate."
    panel.set_idle(long)
    qtbot.wait(10)
    assert (panel.status.height(), panel.opacity.mapTo(panel, QPoint(0, 0))) == before
    assert panel.thumbnails.geometry() == thumbnails
    assert panel.status.text() == long  # the whole message, for tests and the tooltip
    assert panel.status.toolTip() == long
    shown = QLabel.text(panel.status)
    assert shown.endswith("…") and long.startswith(shown[:-1])


def paint_labels(window: MainWindow, rows: slice, label: int) -> None:
    """A label stroke as the label brush makes it: one undo step, then Live's pause."""
    before = window.document.labels.copy()
    after = before.copy()
    after[rows, 8:88] = label
    window.layers.replace_layer("labels", after, "Paint labels")
    window.labels.stroked()


def test_a_labels_result_is_shown_unobstructed(qtbot, auto_window: MainWindow) -> None:
    window = auto_window
    paint_labels(window, slice(0, 32), SKY)
    paint_labels(window, slice(32, 64), WATER)
    labels = window.scene.items_by_layer["labels"]
    assert labels._buffer[16, 40, 3] == 255 and labels.opacity() == 0.5  # filled, 50 %
    with qtbot.waitSignal(window.controller.runner.finished, timeout=30_000):
        window.labels.image_from_labels()
    assert window.results.current is not None
    assert labels._buffer[16, 40, 3] == 0  # inside a class: the result shows through
    assert labels._buffer[31, 40, 3] == 255 and labels.opacity() == 1.0  # the border only
    paint_labels(window, slice(40, 50), SKY)  # strokes while it is offered: outlined too
    assert labels._buffer[45, 40, 3] == 0 and labels._buffer[40, 40, 3] == 255
    window.controller.discard_offered()
    assert labels._buffer[45, 40, 3] == 255 and labels.opacity() == 0.5


def test_live_labels_keep_one_history_entry_per_session(
    qtbot, auto_window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every stroke below waits for its live run, so live must not judge this machine too
    # slow: how fast a run is depends on the machine's load, and it is not what this test
    # is about (the speed rule has its own test in test_app_part2_labels.py).
    monkeypatch.setattr("ganpaint.app.live_labels.LIVE_MAX_SECONDS", math.inf)
    window = auto_window
    runner = window.controller.runner
    window.labels_panel.live.setChecked(True)
    for rows, label in ((slice(0, 32), SKY), (slice(32, 64), WATER), (slice(20, 30), WATER)):
        with qtbot.waitSignal(runner.finished, timeout=30_000):
            paint_labels(window, rows, label)
    assert window.inpaint_panel.history.count() == 1
    assert len(window.results.history) == 1
    assert window.results.history[-1] is window.results.current  # the latest run
    window.controller.accept()  # the session ends; the next stroke starts another
    with qtbot.waitSignal(runner.finished, timeout=30_000):
        paint_labels(window, slice(0, 10), WATER)
    assert window.inpaint_panel.history.count() == 2


def test_the_first_view_is_fitted_to_the_window(qtbot, settings: Settings) -> None:
    """A photo opened before the window is shown stays fitted once it is laid out."""
    win = MainWindow(settings=settings, device="cpu")
    win.files.autosave_timer.stop()
    qtbot.addWidget(win)
    win.set_document(Document.from_image(photo(1600, 1200), title="big.png"))
    win.show()
    qtbot.waitExposed(win)
    shown = win.view.zoom
    win.view.fit()
    assert shown == pytest.approx(win.view.zoom)
    win.view.zoom_in()  # the user's zoom is kept when the window changes size
    zoom = win.view.zoom
    win.resize(win.width() - 100, win.height() - 50)
    qtbot.wait(20)
    assert win.view.zoom == pytest.approx(zoom)


def test_file_menu_has_new_close_and_one_open_sample(
    qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    file_menu = next(
        a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "File"
    )
    titles = [a.text().replace("&", "") for a in file_menu.actions() if not a.isSeparator()]
    assert "New Image…" in titles and "Close" in titles
    assert sum("Sample" in title for title in titles) == 1
    window.files.samples_menu.aboutToShow.emit()
    samples = [a.text() for a in window.files.samples_menu.actions()]
    assert samples[0] == "Landscape" and len(samples) == len(set(samples)) >= 2
    assert window.files.samples_menu.actions()[0] is window.actions_by_id["open_sample"]

    assert window.files.new_image((300, 200), (0, 0, 0))
    assert window.document.size == (300, 200) and not window.document.photo.any()
    assert window.windowTitle().startswith("Untitled")
    monkeypatch.setattr(
        "ganpaint.app.files.NewImageDialog.exec", lambda self: QDialog.DialogCode.Accepted
    )
    QGuiApplication.clipboard().setImage(QImage(640, 480, QImage.Format.Format_RGB32))
    assert window.files.new_image()  # the dialog offers the clipboard image's size
    assert window.document.size == (640, 480)
    assert (window.document.photo == 255).all()  # white unless chosen

    assert window.files.close_document()
    assert window.windowTitle() == "ganpaint"


def test_model_manager_shows_whole_columns_and_wrapped_cards(qtbot, window: MainWindow) -> None:
    from PySide6.QtWidgets import QPlainTextEdit

    from ganpaint.app.model_manager import ModelManagerDialog

    dialog = ModelManagerDialog(window, window.models_ctl, window.translate, window.status)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    tree = dialog.tree
    for column in range(tree.columnCount()):
        assert tree.columnWidth(column) >= tree.sizeHintForColumn(column)
    assert tree.viewport().width() >= tree.header().length() - 2  # no column cut off
    assert dialog.card.lineWrapMode() == QPlainTextEdit.LineWrapMode.WidgetWidth
    dialog.close()


def test_the_chosen_candidate_is_framed_not_tinted(window: MainWindow) -> None:
    from ganpaint.app.qtimage import thumbnail_icon

    icon = thumbnail_icon(photo(40, 40), 40)
    normal = icon.pixmap(40, QIcon.Mode.Normal).toImage()
    assert icon.pixmap(40, QIcon.Mode.Selected).toImage() == normal
    assert "item:selected" in window.inpaint_panel.thumbnails.styleSheet()


def test_the_mask_colour_is_offered_and_remembered(
    qtbot, window: MainWindow, settings: Settings
) -> None:
    from ganpaint.documents.display import MASK_COLOURS

    window.document.mask[10:20, 10:20] = 255
    window.document.notify("mask")
    item = window.scene.items_by_layer["mask"]
    red = item._buffer[15, 15].copy()
    window.layers.mask_colour_actions["green"].trigger()
    assert settings.mask_colour() == "green"
    green = item._buffer[15, 15]
    assert tuple(green[2::-1]) == MASK_COLOURS["green"] and not np.array_equal(green, red)
    again = MainWindow(settings=settings, device="cpu")
    qtbot.addWidget(again)
    assert again.layers.mask_colour_actions["green"].isChecked()
    assert again.scene.mask_rgb == MASK_COLOURS["green"]


def test_brush_sizes_start_from_a_default_scaled_to_the_photo(window: MainWindow) -> None:
    window.set_document(Document.from_image(photo(3000, 2000), title="big.png"))
    window.select_tool("mask_brush")
    assert window.brush.size_spin.value() == 80  # 40 px per 1000 px of the short side
    window.brush.set_brush_size(150)  # the user's choice holds for this photo
    window.select_tool("sketch_pen")
    window.select_tool("mask_brush")
    assert window.brush.size_spin.value() == 150
    window.set_document(Document.from_image(photo(800, 500), title="small.png"))
    assert window.settings.brush_size("mask_brush") == 20


def test_the_bundled_gan_note_shows_once_on_a_photo(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    from ganpaint.app.files import BUNDLED_GAN_TEXT
    from ganpaint.imageio import save_image
    from ganpaint.paths import bundled_models_dir, samples_dir

    bundled = bundled_models_dir() / "photos-dcgan64.safetensors"  # the inpainting default
    window.models_ctl.choose_model(bundled, remember=False)
    assert window.files.open_sample()  # a landscape sample: nothing to warn about
    assert window.message_bar.text == ""
    relative = os.path.relpath(samples_dir() / "landscape-labels.png")  # as typed in a shell
    assert window.files.open_path(relative)
    assert window.message_bar.text == ""
    assert samples_dir().is_dir()
    picture = save_image(tmp_path / "holiday.png", photo(120, 80))
    assert window.files.open_path(picture)
    assert window.message_bar.text == BUNDLED_GAN_TEXT and window.message_bar.kind == "info"
    assert "ganpaint-train gan" in BUNDLED_GAN_TEXT and "patch" in BUNDLED_GAN_TEXT
    assert [b.text() for b in window.message_bar.buttons] == ["Use photo patches"]
    window.message_bar.buttons[0].click()
    assert window.inpaint_panel.selected_method() == "patch"
    assert window.files.open_path(picture)
    assert window.message_bar.text == ""  # once
    assert window.settings.note_shown("bundled_gan")
