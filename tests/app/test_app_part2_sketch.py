"""Sketch to image with pix2pix: edges from the photo (undoable), the sketch through the
model in a worker, the result as a preview to accept, and clear messages without a model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from ganpaint.app.window import MainWindow
from ganpaint.edit.inputs import drawing_strokes
from ganpaint.imageio import load_image
from ganpaint.models import ModelBundle, ResnetGenerator
from ganpaint.paths import samples_dir, user_models_dir


def save_pix2pix(path: Path) -> Path:
    torch.manual_seed(2)
    meta = {"name": path.stem, "domains": {"A": "edges", "B": "landscape"}}
    ModelBundle.create("pix2pix", {"G": ResnetGenerator(ngf=4, n_blocks=1)}, meta).save(path)
    return path


@pytest.fixture
def installed_edges2landscape() -> Path:
    """The default sketch model, installed in the (isolated) user models folder."""
    folder = user_models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return save_pix2pix(folder / "edges2landscape.safetensors")


def with_a_shape(window: MainWindow) -> None:
    """Give the smooth test photo a hard-edged square, so that it has edges to find."""
    window.document.photo[16:48, 30:70] = 255
    window.document.notify("photo")


def test_edges_from_photo_is_one_undo_step(window: MainWindow) -> None:
    with_a_shape(window)
    assert not window.document.sketch.any()
    window.translate.edges_from_photo()
    assert window.document.sketch.any()
    assert window.undo_stack.undoText() == "Edges from photo"
    assert window.current_tool.name == "sketch_pen"
    window.undo_stack.undo()
    assert not window.document.sketch.any()


def test_sketch_to_image_runs_and_accepts(
    qtbot, installed_edges2landscape: Path, window: MainWindow
) -> None:
    window.translate.refresh_translators()
    assert window.sketch_panel.model_path() == installed_edges2landscape  # the default
    with_a_shape(window)
    window.translate.edges_from_photo()
    before = window.document.photo.copy()
    sketch = window.document.sketch.copy()
    runner = window.controller.runner
    seen: list = []
    runner.progress.connect(lambda payload: seen.append(payload[0]))
    with qtbot.waitSignal(runner.finished, timeout=30_000):
        assert window.translate.sketch_to_image()
    assert seen
    assert window.results.current is not None
    assert np.array_equal(window.document.photo, before)
    window.controller.accept()
    assert not np.array_equal(window.document.photo, before)
    assert np.array_equal(window.document.sketch, sketch)  # the sketch stays to edit further
    assert window.undo_stack.undoText() == "Accept sketch to image"
    window.undo_stack.undo()
    assert np.array_equal(window.document.photo, before)


def test_no_sketch_model_says_so_and_offers_a_file(window: MainWindow) -> None:
    window.sketch_panel.set_models([])
    with_a_shape(window)
    window.translate.edges_from_photo()
    assert not window.translate.sketch_to_image()
    assert "edges2landscape" in window.message_bar.text
    assert not window.controller.runner.busy


def test_an_empty_sketch_is_a_message(window: MainWindow, tmp_path: Path) -> None:
    assert window.translate.use_translator_file(
        "sketch", save_pix2pix(tmp_path / "mine.safetensors")
    )
    assert not window.translate.sketch_to_image()
    assert "sketch layer is empty" in window.message_bar.text


def test_a_photo_without_edges_says_so(window: MainWindow) -> None:
    window.translate.edges_from_photo()  # the smooth test photo
    assert "no clear edges" in window.message_bar.text
    assert not window.undo_stack.canUndo()


def test_a_line_drawing_is_its_own_sketch_and_photos_are_not_drawings() -> None:
    drawing = load_image(samples_dir() / "landscape-sketch.png").rgb
    strokes = drawing_strokes(drawing)
    assert strokes is not None and strokes.shape == drawing.shape[:2]
    dark = drawing.min(axis=2) < 64
    assert (strokes[dark] == 255).all()  # every stroke core is in the sketch
    assert 0.01 < (strokes > 0).mean() < 0.1
    for name in ("landscape.png", "landscape-labels.png"):
        assert drawing_strokes(load_image(samples_dir() / name).rgb) is None, name


def test_the_sketch_sample_turns_into_an_image_in_one_click(
    qtbot, installed_edges2landscape: Path, window: MainWindow
) -> None:
    """Opening the sketch sample and pressing Sketch to image works: its strokes become
    the sketch layer (one undo step), not Canny's double outline of every stroke."""
    window.translate.refresh_translators()
    assert window.files.open_path(str(samples_dir() / "landscape-sketch.png"))
    assert not window.document.sketch.any()
    with qtbot.waitSignal(window.controller.runner.finished, timeout=30_000):
        assert window.translate.sketch_to_image()
    assert np.array_equal(window.document.sketch, drawing_strokes(window.document.photo))
    assert window.results.current is not None
    window.controller.discard_offered()
    assert window.undo_stack.undoText() == "Sketch from the drawing"
    window.undo_stack.undo()
    assert not window.document.sketch.any()
    window.translate.edges_from_photo()  # the same strokes, the same way
    assert window.undo_stack.undoText() == "Sketch from the drawing"
