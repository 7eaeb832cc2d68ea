"""Inpainting jobs in the window: worker thread, progress, cancel, candidates, undo."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
import torch
from PySide6.QtCore import QSettings

from ganpaint.app.config import Settings
from ganpaint.app.window import MainWindow


def masked(window: MainWindow) -> np.ndarray:
    window.document.mask[20:40, 30:60] = 255
    window.document.notify("mask")
    return window.document.photo.copy()


def test_gan_inpaint_runs_in_a_worker_and_accept_is_undoable(
    qtbot,
    window: MainWindow,
    tiny_model: Path,
    fast_inpaint,
) -> None:
    window.models_ctl.choose_model(tiny_model, "tiny")
    before = masked(window)
    runner = window.controller.runner
    seen: list = []
    threads: set[int] = set()
    runner.progress.connect(lambda payload: seen.append(payload[0]))
    original_get = window.models.get

    def get():
        threads.add(threading.get_ident())
        return original_get()

    window.models.get = get  # type: ignore[method-assign]
    with qtbot.waitSignal(runner.finished, timeout=60_000):
        assert window.controller.start("gan", candidates=3)
        assert runner.busy and window.actions_by_id["cancel_job"].isEnabled()
    assert threading.get_ident() not in threads  # the model loaded off the GUI thread
    assert seen and seen[-1].step == seen[-1].total and seen[-1].total > 1
    outcome = window.results.current
    assert outcome is not None and 1 <= len(outcome.candidates) <= 3
    assert window.inpaint_panel.thumbnails.count() == len(outcome.candidates)
    assert window.scene.preview_box is not None
    assert np.array_equal(window.document.photo, before)  # only previewed so far
    assert window.inpaint_panel.history.count() == 1

    window.controller.next_candidate()
    assert window.results.candidate == (1 if len(outcome.candidates) > 1 else 0)
    window.controller.accept()
    assert not np.array_equal(window.document.photo, before)
    assert not window.document.mask.any()
    assert window.undo_stack.undoText() == "Accept inpainting"
    window.undo_stack.undo()
    assert np.array_equal(window.document.photo, before)
    assert window.document.mask[30, 40] == 255
    window.undo_stack.redo()
    assert not np.array_equal(window.document.photo, before)


@pytest.mark.parametrize("fit", [True, False])
def test_fit_to_photo_decides_whether_the_gan_is_tuned_and_is_remembered(
    qtbot, window: MainWindow, tiny_model: Path, fast_inpaint, monkeypatch, fit: bool
) -> None:
    import ganpaint.session.inpainting as inpainting

    used: list = []
    original = inpainting.inpaint

    def spy(*args, **kwargs):
        used.append(args[3])
        return original(*args, **kwargs)

    monkeypatch.setattr(inpainting, "inpaint", spy)
    window.models_ctl.choose_model(tiny_model, "tiny")
    masked(window)
    window.inpaint_panel.fit.setChecked(fit)
    assert window.settings.fit_to_photo() is fit
    window.settings.store.sync()
    reread = Settings(QSettings(window.settings.store.fileName(), QSettings.Format.IniFormat))
    assert reread.fit_to_photo() is fit  # the next session starts the way this one ended
    with qtbot.waitSignal(window.controller.runner.finished, timeout=60_000):
        assert window.controller.start("gan", candidates=2)
    assert used[0].refine.steps == (fast_inpaint.refine.steps if fit else 0)
    assert window.results.current is not None


def test_inpaint_can_be_cancelled(qtbot, window: MainWindow, tiny_model: Path, monkeypatch) -> None:
    from ganpaint.edit.inpaint import InpaintConfig
    from ganpaint.edit.inversion import InversionConfig

    slow = InpaintConfig(
        inversion=InversionConfig(restarts=2, iters=100_000, log_every=1, early_stop=False)
    )
    monkeypatch.setattr("ganpaint.session.inpainting.InpaintConfig", lambda: slow)
    window.models_ctl.choose_model(tiny_model, "tiny")
    before = masked(window)
    runner = window.controller.runner
    with qtbot.waitSignal(runner.progress, timeout=30_000):
        window.controller.start("gan", candidates=1)
    with qtbot.waitSignal(runner.cancelled, timeout=10_000):
        window.controller.cancel()
    assert not runner.busy
    assert window.results.current is None
    assert window.scene.preview_box is None
    assert np.array_equal(window.document.photo, before)
    assert "Cancelled" in window.inpaint_panel.status.text()


def test_opencv_inpaint_needs_no_model(qtbot, window: MainWindow) -> None:
    window.models_ctl.choose_model(None, remember=False)
    before = masked(window)
    window.controller.inpaint_gan()  # no model: a clear message, no crash
    assert "No GAN model is installed" in window.message_bar.label.text()
    assert "Open model file…" in [b.text() for b in window.message_bar.buttons]
    with qtbot.waitSignal(window.controller.runner.finished, timeout=30_000):
        window.controller.inpaint_opencv()
    window.controller.accept()
    assert not np.array_equal(window.document.photo[20:40, 30:60], before[20:40, 30:60])
    assert np.array_equal(window.document.photo[:10], before[:10])


def _textured(height: int, width: int) -> np.ndarray:
    rng = np.random.default_rng(1)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 0.8, y * 0.9, 120 + 60 * np.sin(x / 5.0)], axis=2)
    return np.clip(base + rng.normal(0, 15, (height, width, 3)), 0, 255).astype(np.uint8)


def test_the_panel_method_runs_and_is_remembered(qtbot, window: MainWindow) -> None:
    window.models_ctl.choose_model(None, remember=False)
    before = masked(window)
    window.inpaint_panel.select_method("patch")
    assert window.settings.inpaint_method() == "patch"
    assert not window.inpaint_panel.candidates.isEnabled()  # GAN settings do not apply
    with qtbot.waitSignal(window.controller.runner.finished, timeout=60_000):
        # the Inpaint action runs the panel's method: no model needed
        window.controller.inpaint_gan()
    assert window.results.current is not None and window.results.current.method == "patch"
    window.controller.accept()
    assert not np.array_equal(window.document.photo[20:40, 30:60], before[20:40, 30:60])
    assert np.array_equal(window.document.photo[:15], before[:15])


def test_other_candidates_are_drawn_at_full_resolution_when_chosen(
    qtbot, window: MainWindow, tiny_model: Path, fast_inpaint, monkeypatch
) -> None:
    import dataclasses

    from ganpaint.documents.document import Document

    every = dataclasses.replace(fast_inpaint, distinct=0.0)  # the tiny GAN's fills look alike
    monkeypatch.setattr("ganpaint.session.inpainting.InpaintConfig", lambda: every)

    window.set_document(Document.from_image(_textured(192, 256), title="big.png"))
    window.document.mask[60:130, 80:160] = 255  # scaled up > 1.5× to the 32 px model
    window.document.notify("mask")
    before = window.document.photo.copy()
    window.models_ctl.choose_model(tiny_model, "tiny")
    controller, runner = window.controller, window.controller.runner
    with qtbot.waitSignal(runner.finished, timeout=120_000):
        assert controller.start("gan", candidates=3)
    outcome = window.results.current
    assert outcome is not None and len(outcome.candidates) >= 2
    assert 0 not in outcome.pending  # the best one is finished in the job
    assert set(outcome.pending) == set(range(1, len(outcome.candidates)))
    rough = outcome.candidates[1].copy()

    with qtbot.waitSignal(runner.finished, timeout=120_000):
        controller.choose(1)  # starts drawing candidate 2
        assert runner.busy and window.results.pending(1)
        assert not controller.accept()  # not while it is being drawn
        assert "still being drawn" in window.message_bar.label.text()
    assert not window.results.pending(1) and 1 not in outcome.pending
    drawn = outcome.candidates[1]
    assert drawn.shape == rough.shape and not np.array_equal(drawn, rough)
    assert "Candidate 2 drawn" in window.inpaint_panel.status.text()
    assert controller.accept()
    hole = window.document.mask == 0  # accepting cleared the mask: compare outside it
    outside = np.ones(before.shape[:2], bool)
    outside[60:130, 80:160] = False
    assert np.array_equal(window.document.photo[outside], before[outside])
    assert hole.all()


def test_without_a_model_the_message_offers_the_photo_patches(qtbot, window: MainWindow) -> None:
    window.models_ctl.choose_model(None, remember=False)
    masked(window)
    window.controller.inpaint_gan()
    buttons = {b.text(): b for b in window.message_bar.buttons}
    with qtbot.waitSignal(window.controller.runner.finished, timeout=60_000):
        buttons["Use photo patches"].click()
    assert window.results.current is not None and window.results.current.method == "patch"


def test_a_bad_model_is_a_message(qtbot, window: MainWindow, tmp_path: Path) -> None:
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not a model")
    window.models_ctl.choose_model(bad, "bad")
    masked(window)
    with qtbot.waitSignal(window.controller.runner.failed, timeout=30_000):
        window.controller.inpaint_gan()
    assert window.message_bar.isVisible() and "bad.safetensors" in window.message_bar.label.text()
    assert not window.controller.runner.busy


def test_out_of_memory_offers_a_retry(qtbot, window: MainWindow, monkeypatch) -> None:
    oom = getattr(torch.cuda, "OutOfMemoryError", RuntimeError)

    def explode(*args, **kwargs):
        raise oom("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr("ganpaint.session.inpainting.inpaint", explode)
    window.models_ctl.device = "cuda"
    masked(window)
    window.models_ctl.choose_model(Path("whatever.safetensors"), "x")
    monkeypatch.setattr(window.models, "get", lambda: None)
    with qtbot.waitSignal(window.controller.runner.failed, timeout=30_000):
        window.controller.start("gan", candidates=4)
    texts = [b.text() for b in window.message_bar.buttons]
    assert "out of memory" in window.message_bar.label.text()
    assert "Retry with 2 candidates" in texts and "Retry on the CPU" in texts
    with qtbot.waitSignal(window.controller.runner.failed, timeout=30_000):
        next(b for b in window.message_bar.buttons if b.text() == "Retry on the CPU").click()
    assert window.results.last_request.device == "cpu"


def test_one_job_at_a_time(qtbot, window: MainWindow, tiny_model: Path, monkeypatch) -> None:
    from ganpaint.edit.inpaint import InpaintConfig
    from ganpaint.edit.inversion import InversionConfig

    slow = InpaintConfig(
        inversion=InversionConfig(restarts=1, iters=100_000, log_every=1, early_stop=False)
    )
    monkeypatch.setattr("ganpaint.session.inpainting.InpaintConfig", lambda: slow)
    window.models_ctl.choose_model(tiny_model, "tiny")
    masked(window)
    with qtbot.waitSignal(window.controller.runner.progress, timeout=30_000):
        assert window.controller.start("gan", candidates=1)
    assert not window.controller.start("telea")
    assert "still running" in window.message_bar.label.text()
    with qtbot.waitSignal(window.controller.runner.cancelled, timeout=10_000):
        window.controller.cancel()


@pytest.mark.parametrize("method", ["telea", "ns"])
def test_history_brings_back_earlier_results(qtbot, window: MainWindow, method: str) -> None:
    masked(window)
    for _ in range(2):
        with qtbot.waitSignal(window.controller.runner.finished, timeout=30_000):
            window.controller.start(method)
    assert window.inpaint_panel.history.count() == 2
    window.controller.discard_offered()
    assert window.results.current is None and window.scene.preview_box is None
    window.controller.show_history(0)
    assert window.results.current is window.results.history[0]


def test_the_cycle_collector_is_paused_only_while_jobs_run() -> None:
    """A collection on a worker thread could destroy GUI-thread Qt objects, so none runs there."""
    import gc

    from ganpaint.app.jobs import _pause_gc, _resume_gc

    assert gc.isenabled()
    _pause_gc()  # the inpaint job starts
    _pause_gc()  # and the explorer's
    assert not gc.isenabled()
    _resume_gc()
    assert not gc.isenabled()  # one is still running
    _resume_gc()
    assert gc.isenabled()


def test_live_previews_show_on_a_photo_bigger_than_1024_pixels(qtbot, window: MainWindow) -> None:
    """The job crops its previews to the box the window shows them in; on photos whose
    blend reaches further than the preview margin the two boxes differed and every
    live preview was dropped."""
    photo = np.random.default_rng(1).integers(0, 255, (900, 1400, 3), dtype=np.uint8)
    assert window.files.open_array(photo, "big")
    window.document.mask[400:460, 600:700] = 255
    window.document.notify("mask")
    shown_while_running: list = []
    original = window.scene.show_preview

    def show_preview(box, rgb):
        if window.results.current is None:  # not yet the offered result
            shown_while_running.append(box)
        original(box, rgb)

    window.scene.show_preview = show_preview  # type: ignore[method-assign]
    with qtbot.waitSignal(window.controller.runner.finished, timeout=60_000):
        assert window.controller.start("telea")
    assert shown_while_running
