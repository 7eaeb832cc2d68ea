"""Sketch to image with a SPADE sketch model: listed in the sketch panel only, drawn in
the style picked under the model (different for day and night, the same twice), the
style picker off for pix2pix, and a labels model refused for sketches."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from ganpaint.app.window import MainWindow
from ganpaint.documents.document import Document
from ganpaint.models import ModelBundle, ResnetGenerator, resolve_model
from ganpaint.paths import user_models_dir
from ganpaint.session.semantic import STYLE_CHOICES


@pytest.fixture
def installed_sketch_spade(save_sketch_spade) -> Path:
    """A tiny edges2landscape SPADE sketch model with a style encoder, installed where it
    shadows the bundled sketch default."""
    path = user_models_dir() / "edges2landscape.safetensors"
    return save_sketch_spade(path, name="edges2landscape", seed=5)


def _listed(panel) -> list[Path]:
    return [data[0] for i in range(panel.model.count()) if (data := panel.model.itemData(i))]


def _with_a_sketch(window: MainWindow) -> None:
    window.document.sketch[20:22, 5:90] = 255  # a horizon
    window.document.sketch[5:20, 40:42] = 255  # a tree
    window.document.notify("sketch")


def _sketch_result(qtbot, window: MainWindow) -> np.ndarray:
    """Sketch to Image through the window's action; the preview it offers."""
    with qtbot.waitSignal(window.controller.runner.finished, timeout=30_000):
        window.actions_by_id["sketch_to_image"].trigger()
    assert window.results.current is not None, window.message_bar.text
    return window.results.current.candidates[0].copy()


def test_a_spade_model_is_listed_in_the_panel_of_what_it_reads(
    installed_sketch_spade: Path, window: MainWindow
) -> None:
    window.translate.refresh_translators()
    labels_spade = resolve_model(None, purpose="labels")  # the bundled labels2scene
    sketch, labels = _listed(window.sketch_panel), _listed(window.labels_panel)
    assert window.sketch_panel.model_path() == installed_sketch_spade  # the default
    assert installed_sketch_spade in sketch and installed_sketch_spade not in labels
    assert labels_spade in labels and labels_spade not in sketch
    assert installed_sketch_spade not in _listed(window.translate_panel)


def test_sketch_to_image_draws_the_sketch_in_the_style_picked_under_the_model(
    qtbot, installed_sketch_spade: Path, window: MainWindow
) -> None:
    panel = window.sketch_panel
    window.translate.refresh_translators()
    assert panel.style_box.isEnabled() and not panel.tile.isEnabled()
    _with_a_sketch(window)
    before = window.document.photo.copy()

    panel.set_style("day")
    day = _sketch_result(qtbot, window)
    assert day.shape == before.shape
    assert "day style" in window.results.current.label
    panel.set_style("night")
    night = _sketch_result(qtbot, window)
    assert "night style" in window.results.current.label
    assert not np.array_equal(day, night)
    assert np.array_equal(night, _sketch_result(qtbot, window))  # the same style repeats
    assert np.array_equal(window.document.photo, before)  # previews until accepted

    entries = len(window.results.history)
    with qtbot.waitSignal(window.controller.runner.finished, timeout=30_000):
        # another style while a sketch result is on offer: drawn again in its place, in
        # the light of the photo as it is now
        panel.styles.button(STYLE_CHOICES.index("photo")).click()
    in_photo_light = window.results.current.candidates[0].copy()
    assert "the photo's style" in window.results.current.label
    assert len(window.results.history) == entries
    window.controller.accept()
    assert window.undo_stack.undoText() == "Accept sketch to image"
    assert np.array_equal(window.document.photo, in_photo_light)
    assert window.document.sketch.any()  # the sketch stays to edit further
    assert np.array_equal(in_photo_light, _sketch_result(qtbot, window))  # the style stays
    window.controller.discard_offered()

    window.set_document(Document.from_image(before, title="new.png"))
    assert not window.translate.styles["sketch"].sources.has("photo")  # the new photo's


def test_the_style_picker_is_off_for_a_pix2pix_sketch_model(
    qtbot, installed_sketch_spade: Path, window: MainWindow, tmp_path: Path
) -> None:
    panel = window.sketch_panel
    window.translate.refresh_translators()
    panel.set_style("night")
    assert panel.style_choice() == "night"
    torch.manual_seed(2)
    pix2pix = tmp_path / "mine.safetensors"
    meta = {"name": "mine", "domains": {"A": "edges", "B": "landscape"}}
    ModelBundle.create("pix2pix", {"G": ResnetGenerator(ngf=4, n_blocks=1)}, meta).save(pix2pix)
    assert window.translate.use_translator_file("sketch", pix2pix)
    assert panel.model_path() == pix2pix
    assert not panel.style_box.isEnabled() and panel.tile.isEnabled()
    assert panel.style_choice() == "mean"
    _with_a_sketch(window)
    _sketch_result(qtbot, window)  # pix2pix still runs, as before
    assert "tile" in window.results.current.label
    assert window.results.current.accept_text == "Accept sketch to image"


def test_a_spade_model_of_the_other_input_is_refused_and_nothing_changes(
    installed_sketch_spade: Path, window: MainWindow
) -> None:
    window.translate.refresh_translators()
    labels_spade = resolve_model(None, purpose="labels")
    for purpose, panel, other, says in (
        ("sketch", window.sketch_panel, labels_spade, "draws label maps"),
        ("labels", window.labels_panel, installed_sketch_spade, "draws line sketches"),
    ):
        chosen, remembered = panel.model_path(), window.settings.action_model(purpose)
        assert not window.translate.use_translator_file(purpose, other)
        assert says in window.message_bar.text and other.name in window.message_bar.text
        assert panel.model_path() == chosen
        assert window.settings.action_model(purpose) == remembered
        assert other not in _listed(panel)


def _with_lights(save_sketch_spade, path: Path, lights: list[str]) -> Path:
    from ganpaint.models import load

    bundle = load(save_sketch_spade(path))
    bundle.meta["lights"] = lights
    return bundle.save(path)


def test_the_picker_offers_only_the_lights_the_model_learned_or_a_translator_reaches(
    qtbot, save_sketch_spade, window: MainWindow, tmp_path: Path
) -> None:
    """A sketch model trained on dusk alone: Night is off, says why, and a Night chosen
    for another model falls back to Auto. One trained on day and dusk: Night is on,
    drawn by day and translated with the bundled day2night, which its tooltip says."""
    panel = window.sketch_panel
    dusk = _with_lights(save_sketch_spade, tmp_path / "dusk.safetensors", ["dusk"])
    panel.set_style("night")
    assert window.translate.use_translator_file("sketch", dusk)
    night = panel.styles.button(STYLE_CHOICES.index("night"))
    assert not night.isEnabled() and "learned dusk light only" in night.toolTip()
    assert not panel.styles.button(STYLE_CHOICES.index("day")).isEnabled()
    assert panel.styles.button(STYLE_CHOICES.index("dusk")).isEnabled()
    assert panel.style_choice() == "mean"

    both = _with_lights(save_sketch_spade, tmp_path / "day-dusk.safetensors", ["day", "dusk"])
    assert window.translate.use_translator_file("sketch", both)
    assert night.isEnabled()
    assert "drawn by day, then translated with day2night" in night.toolTip()


def test_a_night_the_model_never_learned_is_drawn_by_day_then_translated(
    qtbot, save_sketch_spade, window: MainWindow, tmp_path: Path
) -> None:
    panel = window.sketch_panel
    both = _with_lights(save_sketch_spade, tmp_path / "day-dusk.safetensors", ["day", "dusk"])
    assert window.translate.use_translator_file("sketch", both)
    _with_a_sketch(window)
    panel.set_style("day")
    day = _sketch_result(qtbot, window)
    panel.set_style("night")
    night = _sketch_result(qtbot, window)
    assert "night style: drawn by day, then day2night" in window.results.current.label
    assert night.shape == day.shape and night.mean() < day.mean()
    assert np.array_equal(night, _sketch_result(qtbot, window))  # the same night twice
