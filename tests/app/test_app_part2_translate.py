"""Translation in the window: a CycleGAN / pix2pix model over the whole photo or the
selection, in a worker, with progress, cancel, an opacity-controlled preview and undo."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import torch

from ganpaint.app.window import MainWindow
from ganpaint.edit.inputs import edges_from_photo, sketch_input
from ganpaint.edit.progress import Progress
from ganpaint.models import ModelBundle, NLayerDiscriminator, ResnetGenerator
from ganpaint.session.translating import directions


@pytest.fixture(scope="module")
def tiny_cyclegan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.manual_seed(1)
    nets = {
        "G_A": ResnetGenerator(ngf=4, n_blocks=1),
        "G_B": ResnetGenerator(ngf=4, n_blocks=1),
        "D_A": NLayerDiscriminator(ndf=4, n_layers=1),
    }
    path = tmp_path_factory.mktemp("cyclegan") / "day2night.safetensors"
    meta = {"name": "day2night", "domains": {"A": "day", "B": "night"}}
    ModelBundle.create("cyclegan", nets, meta).save(path)
    return path


def use_model(window: MainWindow, path: Path, direction: str = "AtoB") -> None:
    assert window.translate.use_translator_file("translate", path)
    panel = window.translate_panel
    assert panel.model_path() == path
    panel.direction.setCurrentIndex(panel.direction.findData(direction))


def test_directions_come_from_the_model_card() -> None:
    meta = {"kind": "cyclegan", "domains": {"A": "day", "B": "night"}}
    assert directions(meta) == [("day → night", "AtoB"), ("night → day", "BtoA")]
    assert directions({"kind": "pix2pix", "domains": {"A": "edges", "B": "photo"}}) == [
        ("edges → photo", "AtoB")
    ]


def test_translate_whole_image_preview_opacity_and_undo(
    qtbot, window: MainWindow, tiny_cyclegan: Path
) -> None:
    use_model(window, tiny_cyclegan, "BtoA")
    assert window.translate_panel.direction.count() == 2
    window.translate_panel.tile.setValue(64)  # 96×64 photo: two tiles
    before = window.document.photo.copy()
    runner = window.controller.runner
    seen: list = []
    runner.progress.connect(lambda payload: seen.append(payload[0]))
    with qtbot.waitSignal(runner.finished, timeout=30_000):
        assert window.translate.translate_image()
        assert runner.busy
    assert seen and seen[-1].step == seen[-1].total
    outcome = window.results.current
    assert outcome is not None and window.scene.preview_box is not None
    assert np.array_equal(window.document.photo, before)  # only a preview so far

    window.inpaint_panel.opacity.setValue(50)
    assert window.results.opacity == pytest.approx(0.5)
    window.controller.accept()
    result = window.document.photo.copy()
    full = np.zeros_like(before)
    full[outcome.box.slices] = outcome.candidates[0]
    expected = np.clip(np.rint(before + (full.astype(float) - before) * 0.5), 0, 255)
    assert np.abs(result.astype(int) - expected.astype(int)).max() <= 1
    assert window.undo_stack.undoText() == "Accept translation"
    window.undo_stack.undo()
    assert np.array_equal(window.document.photo, before)
    window.inpaint_panel.opacity.setValue(100)


def test_translate_only_the_selection(qtbot, window: MainWindow, tiny_cyclegan: Path) -> None:
    use_model(window, tiny_cyclegan)
    window.translate_panel.scope.setCurrentIndex(1)
    window.document.mask[:, :20] = 255
    window.document.notify("mask")
    before = window.document.photo.copy()
    with qtbot.waitSignal(window.controller.runner.finished, timeout=30_000):
        assert window.translate.translate_image()
    window.controller.accept()
    after = window.document.photo
    assert not np.array_equal(after[:, :20], before[:, :20])
    assert np.array_equal(after[:, 70:], before[:, 70:])  # far from the selection
    assert not window.document.mask.any()  # the selection was used up


def test_translate_can_be_cancelled(
    qtbot, window: MainWindow, tiny_cyclegan: Path, monkeypatch
) -> None:
    use_model(window, tiny_cyclegan)
    window.translate_panel.tile.setValue(64)
    started = []

    def slow_translate(*args, progress=None, cancel=None, **kwargs):
        started.append(True)
        while not cancel.cancelled:
            progress(Progress(0, 10, "tile"))
            time.sleep(0.01)
        cancel.raise_if_cancelled()

    monkeypatch.setattr("ganpaint.session.translating.translate_at_scale", slow_translate)
    runner = window.controller.runner
    with qtbot.waitSignal(runner.progress, timeout=30_000):
        assert window.translate.translate_image()
    # the first progress may be the model loading: cancel once the tiles have begun
    qtbot.waitUntil(lambda: bool(started), timeout=30_000)
    with qtbot.waitSignal(runner.cancelled, timeout=10_000):
        window.controller.cancel()
    assert started and not runner.busy and window.results.current is None


def test_no_translator_is_a_message_with_a_way_out(window: MainWindow) -> None:
    window.translate_panel.set_models([])
    assert not window.translate.translate_image()
    assert "No CycleGAN or pix2pix model" in window.message_bar.text


def test_a_gan_model_is_refused_for_translation(window: MainWindow, tiny_model: Path) -> None:
    assert not window.translate.use_translator_file("translate", tiny_model)
    assert "gan model" in window.message_bar.text


def test_empty_selection_is_a_message(window: MainWindow, tiny_cyclegan: Path) -> None:
    use_model(window, tiny_cyclegan)
    window.translate_panel.scope.setCurrentIndex(1)
    assert not window.translate.translate_image()
    assert "selection is empty" in window.message_bar.text


def test_edges_and_sketch_helpers() -> None:
    photo = np.zeros((32, 32, 3), np.uint8)
    photo[:, 16:] = 255
    edges = edges_from_photo(photo)
    assert edges.shape == (32, 32) and edges[:, 15:17].any() and not edges[:, :8].any()
    ink = sketch_input(edges)
    assert ink.shape == (32, 32, 3) and ink[0, 0, 0] == 255 and ink[edges > 0].max() == 0


def test_stars_are_offered_only_for_a_way_with_a_star_layer_and_can_be_left_out(
    qtbot, window: MainWindow, tiny_cyclegan: Path, tmp_path: Path
) -> None:
    from ganpaint.models import load
    from ganpaint.models.stars import StarHead

    use_model(window, tiny_cyclegan, "AtoB")
    panel = window.translate_panel
    assert not panel.form.isRowVisible(panel.stars)  # no star layer in this file
    bundle = load(tiny_cyclegan)
    head = StarHead(width=4)
    with torch.no_grad():  # a gain high everywhere: stars wherever they fall
        head.gain_net[-1].bias.fill_(4.0)
    starry = tmp_path / "starry.safetensors"
    ModelBundle.create("cyclegan", {**bundle.nets, "S_A": head}, bundle.meta).save(starry)
    use_model(window, starry, "AtoB")
    assert panel.form.isRowVisible(panel.stars) and panel.stars.isChecked()
    panel.direction.setCurrentIndex(panel.direction.findData("BtoA"))
    assert not panel.form.isRowVisible(panel.stars)  # G_B has none
    panel.direction.setCurrentIndex(panel.direction.findData("AtoB"))

    results = {}
    for ticked in (True, False):
        panel.stars.setChecked(ticked)
        with qtbot.waitSignal(window.controller.runner.finished, timeout=30_000):
            assert window.translate.translate_image()
        results[ticked] = window.results.current.candidates[0].astype(int)
        window.controller.discard()
    assert (results[True] - results[False] > 40).mean() > 0.005  # stars, only with the box
    panel.stars.setChecked(True)
