"""Generation from strokes (iGAN) in the window: a worker job with progress and live
thumbnails, cancel, undoable accept on the whole canvas or inside the mask, Keep and
Restart, the morph slider (start at one end, result at the other), Play and Export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganpaint.app.window import MainWindow
from ganpaint.documents.animation import save_animation
from ganpaint.edit.inversion import InversionConfig
from ganpaint.edit.sketch import SketchConfig
from ganpaint.session.igan import IganOutcome, frame_patch


@pytest.fixture
def fast_igan(monkeypatch: pytest.MonkeyPatch) -> SketchConfig:
    """Few latents and steps, so that a job takes a moment on the CPU."""
    config = SketchConfig(
        inversion=InversionConfig(restarts=4, iters=8, log_every=2, early_stop=False),
        candidates=3,
        frames=16,
    )
    monkeypatch.setattr("ganpaint.session.igan.SketchConfig", lambda: config)
    return config


@pytest.fixture
def igan_window(window: MainWindow, tiny_model: Path, fast_igan: SketchConfig) -> MainWindow:
    window.models_ctl.choose_model(tiny_model, remember=False)
    window.igan_panel.candidates.setValue(3)
    return window


def paint_strokes(window: MainWindow) -> None:
    """A red colour stroke and an edge line, straight into the layers."""
    document = window.document
    document.colour[10:30, 10:40] = (220, 30, 30, 255)
    document.sketch[40:42, 20:80] = 255
    document.notify("colour")
    document.notify("sketch")


def run(qtbot, window: MainWindow, start=None) -> IganOutcome:
    runner = window.controller.runner
    with qtbot.waitSignal(runner.finished, timeout=60_000):
        assert (start or window.igan.generate_from_strokes)()
    outcome = window.results.current
    assert isinstance(outcome, IganOutcome)
    return outcome


def test_whole_canvas_runs_previews_and_accepts_undoably(qtbot, igan_window: MainWindow) -> None:
    window = igan_window
    paint_strokes(window)
    before = window.document.photo.copy()
    seen: list = []
    window.controller.runner.progress.connect(lambda payload: seen.append(payload))
    outcome = run(qtbot, window)
    assert any(preview is not None for _update, preview in seen)  # live previews
    assert not window.igan_panel.live.pixmap().isNull()  # the live thumbnail
    assert outcome.area.region is None
    document = window.document
    assert (outcome.box.width, outcome.box.height) == (document.width, document.height)
    assert len(outcome.candidates) == 3 and len(outcome.latents) == 3
    assert window.inpaint_panel.thumbnails.count() == 3
    assert np.array_equal(window.document.photo, before)  # only a preview so far
    assert window.actions_by_id["igan_keep"].isEnabled()
    window.controller.accept()
    assert np.array_equal(window.document.photo, outcome.candidates[0])
    assert window.undo_stack.undoText() == "Accept generation from strokes"
    window.undo_stack.undo()
    assert np.array_equal(window.document.photo, before)


def test_morph_slider_goes_from_the_start_to_the_result(qtbot, igan_window: MainWindow) -> None:
    window = igan_window
    paint_strokes(window)
    outcome = run(qtbot, window)
    controller, slider = window.controller, window.igan_panel.frame
    controller.choose(1)
    assert slider.isEnabled() and (slider.minimum(), slider.maximum()) == (0, 15)
    assert slider.value() == 15
    assert np.array_equal(window.results.blended(window.document, 1), outcome.candidates[1])
    slider.setValue(0)
    start = frame_patch(outcome, 1, 0)
    assert np.array_equal(window.results.blended(window.document, 1), start)
    assert not np.array_equal(start, outcome.candidates[1])
    # frame 0 is the image the optimisation started from (its own random start)
    assert outcome.frames[1][0].shape == outcome.images[1].shape
    slider.setValue(15)
    assert np.array_equal(window.results.blended(window.document, 1), outcome.candidates[1])
    # Play runs the morph from the start to the end, then stops.
    window.igan.play_morph()
    timer = window.igan.morph_timer
    assert timer.isActive() and slider.value() == 0
    ticks = 0  # the timer's ticks, one by one: on a busy machine real ones come late
    while timer.isActive() and ticks < 100:
        timer.timeout.emit()
        ticks += 1
    assert not timer.isActive() and slider.value() == 15
    assert ticks == 16  # one tick a frame to the last, then one that stops it
    # Accept takes the frame shown.
    slider.setValue(0)
    before = window.document.photo.copy()
    window.controller.accept()
    assert np.array_equal(window.document.photo, start)
    window.undo_stack.undo()
    assert np.array_equal(window.document.photo, before)


def test_inside_the_mask_blends_in_and_clears_the_mask(qtbot, igan_window: MainWindow) -> None:
    window = igan_window
    paint_strokes(window)
    document = window.document
    document.mask[20:44, 30:60] = 255
    document.notify("mask")
    before = document.photo.copy()
    outcome = run(qtbot, window)
    assert outcome.area.region is not None
    box = outcome.box
    assert box.x0 <= 30 and box.x1 >= 60 and box.y0 <= 20 and box.y1 >= 44
    window.controller.accept()
    changed = (document.photo != before).any(axis=2)
    assert changed[20:44, 30:60].any()
    assert not changed[:, : max(box.x0, 0)].any()  # nothing outside the region's box
    assert not document.mask.any()
    window.undo_stack.undo()
    assert np.array_equal(document.photo, before)
    assert document.mask[20:44, 30:60].all()


def test_cancel_leaves_the_photo(qtbot, igan_window: MainWindow) -> None:
    window = igan_window
    paint_strokes(window)
    before = window.document.photo.copy()
    runner = window.controller.runner
    with qtbot.waitSignal(runner.cancelled, timeout=30_000):
        assert window.igan.generate_from_strokes()
        assert window.actions_by_id["cancel_job"].isEnabled()
        window.controller.cancel()
    assert window.results.current is None
    assert np.array_equal(window.document.photo, before)
    assert window.inpaint_panel.status.text() == "Cancelled."


def test_keep_and_restart(qtbot, igan_window: MainWindow, monkeypatch) -> None:
    window = igan_window
    paint_strokes(window)
    outcome = run(qtbot, window)
    window.controller.choose(2)
    assert window.igan.keep_igan_result()
    assert np.array_equal(window.igan.keep_z.numpy(), outcome.latents[2].numpy())
    requests: list = []
    import ganpaint.app.igan_controller as window_module

    real = window_module.make_igan_job
    monkeypatch.setattr(
        window_module, "make_igan_job", lambda r, s: requests.append(r) or real(r, s)
    )
    run(qtbot, window)
    assert requests[-1].keep_z is not None and requests[-1].seed == 0
    run(qtbot, window, window.igan.restart_igan)
    assert requests[-1].keep_z is None and requests[-1].seed == 1
    assert window.igan.keep_z is None


def test_messages_without_strokes_or_model(window: MainWindow, tiny_model: Path) -> None:
    assert not window.igan.generate_from_strokes()
    assert "model" in window.message_bar.text
    window.models_ctl.choose_model(tiny_model, remember=False)
    assert not window.igan.generate_from_strokes()
    assert "no strokes" in window.message_bar.text
    assert not window.controller.runner.busy
    assert not window.actions_by_id["igan_keep"].isEnabled()
    assert not window.actions_by_id["igan_export"].isEnabled()


def test_export_morph_as_gif_and_frames(qtbot, igan_window: MainWindow, tmp_path: Path) -> None:
    window = igan_window
    paint_strokes(window)
    outcome = run(qtbot, window)
    gif = tmp_path / "morph.gif"
    assert window.igan.export_morph(str(gif))
    with Image.open(gif) as image:
        assert image.n_frames == 16
        assert image.size[0] == 32 * 8  # the 32 px frames enlarged to 256
    written = save_animation(outcome.frames[0], tmp_path / "frames.png")
    assert len(written) == 16 and all(path.is_file() for path in written)
    assert np.array_equal(np.asarray(Image.open(written[0])), outcome.frames[0][0])
