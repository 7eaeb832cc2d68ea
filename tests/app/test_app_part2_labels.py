"""Semantic brushes: the label brush paints class ids (undoable, erasable), unpainted
pixels take the nearest painted class, Image from Labels runs the labels2landscape
pix2pix model in the worker, and Live re-runs after strokes while it is fast enough."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import torch
from app_photos import photo

from ganpaint.app.window import MainWindow
from ganpaint.documents.display import labels_bgra
from ganpaint.documents.docfile import load_document, save_document
from ganpaint.documents.document import UNLABELLED, Document
from ganpaint.edit.inputs import labels_input
from ganpaint.edit.progress import Progress
from ganpaint.imageio import load_image, save_image
from ganpaint.labels import GRASS, LABEL_PALETTE, SKY, WATER, fill_unlabelled, label_map_in
from ganpaint.models import ModelBundle, UnetGenerator, resolve_model
from ganpaint.paths import samples_dir, user_models_dir
from ganpaint.session.semantic import STYLE_CHOICES


@pytest.fixture
def installed_labels2landscape() -> Path:
    """A tiny labels2landscape pix2pix U-Net in the user's folder (it shadows the bundled
    one; the labels default is the bundled SPADE labels2scene)."""
    torch.manual_seed(3)
    net = UnetGenerator(
        input_nc=3, output_nc=3, num_downs=5, ngf=4, norm="batch", use_dropout=False
    )
    meta = {"name": "labels2landscape", "domains": {"A": "labels", "B": "landscape"}}
    folder = user_models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "labels2landscape.safetensors"
    ModelBundle.create("pix2pix", {"G": net}, meta).save(path)
    return path


def stroke(window: MainWindow, points: list[tuple[float, float]], button: str = "left") -> None:
    tool = window.current_tool
    tool.press(*points[0], button)
    for point in points[1:]:
        tool.move(*point)
    tool.release(*points[-1])


def paint_sky_and_water(window: MainWindow) -> None:
    window.labels_panel.classes.button(SKY).click()
    stroke(window, [(5.0, 10.0), (90.0, 10.0)])
    window.labels_panel.classes.button(WATER).click()
    stroke(window, [(5.0, 55.0), (90.0, 55.0)])


def test_label_stroke_paints_the_class_and_undo_restores(window: MainWindow) -> None:
    assert (window.document.labels == UNLABELLED).all()
    window.labels_panel.classes.button(WATER).click()  # a class button picks the brush
    assert window.current_tool.name == "label_brush"
    assert window.layers_panel.current() == "labels"
    window.brush.set_brush_size(9)
    stroke(window, [(20.0, 30.0), (60.0, 30.0)])
    labels = window.document.labels
    assert set(np.unique(labels)) == {WATER, UNLABELLED}  # hard edges: no blends
    assert labels[30, 40] == WATER and labels[5, 5] == UNLABELLED
    assert window.undo_stack.undoText() == "Paint labels"
    painted = labels.copy()

    window.select_tool("eraser")  # the eraser works on the selected label layer
    window.layers_panel.select("labels")
    window.brush.set_brush_size(6)
    stroke(window, [(40.0, 30.0), (41.0, 30.0)])
    assert labels[30, 40] == UNLABELLED and labels[30, 22] == WATER
    window.undo_stack.undo()
    assert np.array_equal(window.document.labels, painted)
    window.undo_stack.undo()
    assert (window.document.labels == UNLABELLED).all()
    window.undo_stack.redo()
    assert np.array_equal(window.document.labels, painted)

    window.layers_panel.select("labels")
    window.layers.clear_layer()  # clearing makes the layer unlabelled, not class 0 (sky)
    assert (window.document.labels == UNLABELLED).all()


def test_labels_render_in_the_palette_and_unlabelled_is_clear() -> None:
    ids = np.array([[SKY, UNLABELLED], [GRASS, WATER]], np.uint8)
    bgra = labels_bgra(ids)
    assert tuple(bgra[0, 0]) == (*LABEL_PALETTE[SKY][::-1], 255)
    assert tuple(bgra[0, 1]) == (0, 0, 0, 0)
    assert tuple(bgra[1, 0, :3]) == tuple(LABEL_PALETTE[GRASS][::-1])


def test_fill_unlabelled_takes_the_nearest_painted_class() -> None:
    row = np.full((1, 8), UNLABELLED, np.uint8)
    row[0, 0], row[0, 7] = SKY, WATER
    assert fill_unlabelled(row).tolist() == [[SKY] * 4 + [WATER] * 4]

    grid = np.full((5, 5), UNLABELLED, np.uint8)
    grid[0, 0] = SKY
    grid[4, 4] = WATER
    grid[4, 0] = GRASS
    filled = fill_unlabelled(grid)
    assert filled[0, 1] == SKY and filled[1, 0] == SKY
    assert filled[4, 3] == WATER and filled[3, 4] == WATER
    assert filled[3, 0] == GRASS and filled[4, 1] == GRASS
    assert (filled != UNLABELLED).all()
    assert (grid[0, 1] == UNLABELLED) and grid[0, 0] == SKY  # the layer itself is untouched

    assert fill_unlabelled(np.full((4, 4), UNLABELLED, np.uint8)) is None
    full = np.full((2, 2), GRASS, np.uint8)
    assert np.array_equal(fill_unlabelled(full), full)

    # Against brute force on a random example: the nearest seed's class almost everywhere
    # (OpenCV's 5×5 distance mask approximates Euclidean distance near Voronoi borders).
    rng = np.random.default_rng(1)
    labels = np.full((40, 50), UNLABELLED, np.uint8)
    ys, xs = rng.integers(0, 40, 12), rng.integers(0, 50, 12)
    labels[ys, xs] = rng.integers(0, 7, 12)
    yy, xx = np.mgrid[0:40, 0:50]
    distance = (yy[..., None] - ys) ** 2 + (xx[..., None] - xs) ** 2
    expected = labels[ys, xs][distance.argmin(axis=2)]
    assert (fill_unlabelled(labels) == expected).mean() > 0.97

    rgb = labels_input(row)
    assert rgb.shape == (1, 8, 3)
    assert tuple(rgb[0, 2]) == tuple(LABEL_PALETTE[SKY])


def test_image_from_labels_runs_in_the_worker_and_accepting_is_undoable(
    qtbot, installed_labels2landscape: Path, window: MainWindow, tmp_path: Path
) -> None:
    window.translate.refresh_translators()
    assert window.translate.use_translator_file("labels", installed_labels2landscape)
    assert window.labels_panel.model_path() == installed_labels2landscape
    paint_sky_and_water(window)
    labels = window.document.labels.copy()
    before = window.document.photo.copy()
    runner = window.controller.runner
    seen: list = []
    runner.progress.connect(lambda payload: seen.append(payload[0]))
    with qtbot.waitSignal(runner.finished, timeout=30_000):
        assert window.labels.image_from_labels()
        assert runner.busy  # on the worker
    assert seen
    assert window.results.current is not None
    assert np.array_equal(window.document.photo, before)  # a preview until accepted
    assert window.labels.labels_seconds is not None
    window.grab().save(str(tmp_path / "labels.png"))
    window.controller.accept()
    assert not np.array_equal(window.document.photo, before)
    assert np.array_equal(window.document.labels, labels)  # the labels stay to edit further
    assert window.undo_stack.undoText() == "Accept image from labels"
    window.undo_stack.undo()
    assert np.array_equal(window.document.photo, before)


def test_image_from_labels_can_be_cancelled(
    qtbot, installed_labels2landscape: Path, window: MainWindow, monkeypatch
) -> None:
    def slow_translate(image, net, meta, *, progress=None, cancel=None, **_kwargs):
        for step in range(500):
            progress(Progress(step, 500, "Translating…"))
            cancel.raise_if_cancelled()
            time.sleep(0.01)
        raise AssertionError("not cancelled")

    monkeypatch.setattr("ganpaint.session.translating.translate_at_scale", slow_translate)
    window.translate.refresh_translators()
    paint_sky_and_water(window)
    before = window.document.photo.copy()
    runner = window.controller.runner
    with qtbot.waitSignal(runner.progress, timeout=10_000):
        assert window.labels.image_from_labels()
    with qtbot.waitSignal(runner.cancelled, timeout=10_000):
        window.controller.cancel()
    assert window.results.current is None
    assert not runner.busy
    assert np.array_equal(window.document.photo, before)


def test_live_reruns_after_strokes_debounced_and_stops_after_two_slow_runs(
    qtbot, installed_labels2landscape: Path, window: MainWindow, monkeypatch
) -> None:
    window.translate.refresh_translators()
    runner = window.controller.runner
    started: list[str] = []
    runner.started.connect(started.append)
    window.labels_panel.live.setChecked(True)
    qtbot.wait(400)
    assert started == []  # nothing painted yet: nothing to run

    with qtbot.waitSignal(runner.finished, timeout=30_000):
        paint_sky_and_water(window)  # two strokes within the debounce: one run
        assert not runner.busy  # not at once: after the pause
    qtbot.wait(500)
    assert len(started) == 1
    assert window.results.current is not None  # the image follows the labels

    # Every run now counts as too slow. One slow run (a warm-up, a busy moment) does not
    # switch live off: the next stroke still re-runs.
    monkeypatch.setattr("ganpaint.app.live_labels.LIVE_MAX_SECONDS", 0.0)
    window.labels_panel.classes.button(GRASS).click()
    with qtbot.waitSignal(runner.finished, timeout=30_000):
        stroke(window, [(5.0, 40.0), (90.0, 40.0)])
    assert len(started) == 2
    # Two slow runs in a row do: a stroke only says so, and nothing runs.
    stroke(window, [(5.0, 45.0), (90.0, 45.0)])
    qtbot.wait(500)
    assert len(started) == 2
    assert "Too slow for live" in window.labels_panel.status.text()
    with qtbot.waitSignal(runner.finished, timeout=30_000):
        assert window.labels.image_from_labels()  # on demand still works
    assert len(started) == 3
    # Another labels model has a speed of its own: live tries it again.
    other = installed_labels2landscape.with_name("labels2beach.safetensors")
    other.write_bytes(installed_labels2landscape.read_bytes())
    meta = {"kind": "pix2pix", "domains": {"A": "labels", "B": "landscape"}}
    window.labels_panel.set_models([("labels2beach", other, meta)])
    with qtbot.waitSignal(runner.finished, timeout=30_000):
        stroke(window, [(5.0, 50.0), (90.0, 50.0)])
    assert len(started) == 4


def test_no_labels_model_says_so(window: MainWindow) -> None:
    window.labels_panel.set_models([])
    window.document.labels[10:20, 10:20] = SKY
    assert not window.labels.image_from_labels()
    assert "labels2scene" in window.message_bar.text
    assert not window.controller.runner.busy


def test_empty_labels_say_how_to_paint(
    installed_labels2landscape: Path, window: MainWindow
) -> None:
    window.translate.refresh_translators()
    assert not window.labels.image_from_labels()
    assert "label brush" in window.message_bar.text
    assert not window.controller.runner.busy


def test_ora_round_trips_the_label_layer(tmp_path: Path) -> None:
    document = Document.from_image(photo(), title="t")
    document.labels[5:30, 10:50] = GRASS
    document.labels[40:, :] = WATER
    path = save_document(tmp_path / "labels.ora", document)
    again = load_document(path)
    assert np.array_equal(again.labels, document.labels)
    assert again.layer("labels").opacity == pytest.approx(document.layer("labels").opacity)

    # A plain image (or an .ora from elsewhere) opens with nothing labelled.
    from ganpaint.imageio import save_image

    save_image(tmp_path / "p.png", photo())
    assert (load_document(tmp_path / "p.png").labels == UNLABELLED).all()


def test_a_label_map_is_recognised_and_photos_are_not() -> None:
    ids = np.random.default_rng(0).integers(0, len(LABEL_PALETTE), (24, 32)).astype(np.uint8)
    found = label_map_in(LABEL_PALETTE[ids])
    assert found is not None and np.array_equal(found, ids)
    sample = load_image(samples_dir() / "landscape-labels.png").rgb
    assert label_map_in(sample) is not None
    for name in ("landscape.png", "landscape-sketch.png"):
        assert label_map_in(load_image(samples_dir() / name).rgb) is None, name
    assert label_map_in(np.zeros((4, 4), np.uint8)) is None  # not RGB


def test_the_label_sample_turns_into_an_image_in_one_click(
    qtbot, installed_labels2landscape: Path, window: MainWindow
) -> None:
    """Opening the label sample and pressing Generate works: the map becomes the label
    layer (one undo step) and runs through the model."""
    window.translate.refresh_translators()
    assert window.files.open_path(str(samples_dir() / "landscape-labels.png"))
    expected = label_map_in(window.document.photo)
    with qtbot.waitSignal(window.controller.runner.finished, timeout=30_000):
        assert window.labels.image_from_labels()
    assert np.array_equal(window.document.labels, expected)
    assert window.undo_stack.undoText() == "Labels from the label map"
    assert window.results.current is not None


@pytest.fixture
def installed_spade() -> Path:
    """A tiny SPADE model with a style encoder, installed beside the user's models."""
    from ganpaint.models.spade import SpadeGenerator, SpadeStyleEncoder

    torch.manual_seed(4)
    nets = {
        "G": SpadeGenerator(ngf=4, n_up=3, style_dim=8, spade_hidden=8, out_upsample=2),
        "E": SpadeStyleEncoder(ndf=4, style_dim=8, image_size=32, n_layers=3),
    }
    folder = user_models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "labels2scene-spade.safetensors"
    ModelBundle.create("spade", nets, {"name": "labels2scene-spade"}).save(path)
    return path


def _labels_result(qtbot, window: MainWindow) -> np.ndarray:
    with qtbot.waitSignal(window.controller.runner.finished, timeout=30_000):
        assert window.labels.image_from_labels()
    assert window.results.current is not None
    return window.results.current.candidates[0].copy()


def test_a_spade_model_draws_the_labels_in_the_style_picked_beside_the_brushes(
    qtbot,
    installed_labels2landscape: Path,
    installed_spade: Path,
    window: MainWindow,
    tmp_path: Path,
) -> None:
    panel = window.labels_panel
    window.translate.refresh_translators()
    assert panel.model_path() == resolve_model(None, purpose="labels")
    assert panel.model_path().stem == "labels2scene" and panel.style_box.isEnabled()
    assert window.translate.use_translator_file("labels", installed_labels2landscape)
    assert not panel.style_box.isEnabled()  # pix2pix takes no style
    assert panel.style_choice() == "mean"
    assert window.translate.use_translator_file("labels", installed_spade)
    assert panel.model_path() == installed_spade and panel.style_box.isEnabled()
    assert not panel.tile.isEnabled()  # no tiles: the map is drawn whole
    translate_models = [panel_model[0] for panel_model in _listed(window.translate_panel)]
    assert installed_spade not in translate_models  # SPADE only draws label maps
    paint_sky_and_water(window)

    panel.set_style("night")
    night = _labels_result(qtbot, window)
    assert night.shape == window.document.photo.shape
    assert "night style" in window.results.current.label
    assert np.array_equal(night, _labels_result(qtbot, window))  # the same style repeats
    panel.set_style("day")
    assert not np.array_equal(night, _labels_result(qtbot, window))
    panel.set_style("mean")
    _labels_result(qtbot, window)
    assert "style" not in window.results.current.label  # the model's mean
    panel.styles.button(STYLE_CHOICES.index("photo")).click()  # takes the photo as it is
    in_photo_light = _labels_result(qtbot, window)
    assert "the photo's style" in window.results.current.label
    window.controller.accept()  # the photo is now the drawn picture ...
    assert np.array_equal(in_photo_light, _labels_result(qtbot, window))  # ... the style stays

    damaged = tmp_path / "damaged.png"
    damaged.write_bytes(b"not a picture")
    assert not window.labels.use_style_picture(damaged)
    assert window.labels.style_file is None and panel.style_choice() == "photo"
    picture = tmp_path / "sunset.png"
    save_image(picture, np.full((30, 40, 3), (240, 120, 40), np.uint8))
    assert window.labels.use_style_picture(picture)
    assert panel.style_choice() == "picture"
    _labels_result(qtbot, window)
    assert "sunset.png's style" in window.results.current.label


def test_a_spade_model_listed_first_turns_the_style_picker_on(
    installed_spade: Path, window: MainWindow
) -> None:
    """Found in a real window: a SPADE model that was already the current entry when the
    list was filled left the picker off, and the run drew in the mean style."""
    from ganpaint.models import read_metadata

    panel = window.labels_panel
    panel.set_models([("labels2scene-spade", installed_spade, read_metadata(installed_spade))])
    assert panel.model_path() == installed_spade
    assert panel.style_box.isEnabled() and not panel.tile.isEnabled()


def test_the_first_style_says_auto_when_the_model_guesses_the_light_from_the_map(
    qtbot, installed_spade: Path, window: MainWindow
) -> None:
    """A model with a style guess draws, without a style picture, the light the map
    suggests: the button says so; a model without one still offers its mean."""
    from ganpaint.models import read_metadata
    from ganpaint.models.bundle import load
    from ganpaint.models.style_guess import SpadeStyleGuess

    plain = load(installed_spade)
    guessing = installed_spade.with_name("labels2scene-guess.safetensors")
    guess = SpadeStyleGuess(label_nc=plain.meta["channels_in"], style_dim=8, ndf=4)
    ModelBundle.create("spade", {**plain.nets, "S": guess}, plain.meta).save(guessing)
    panel = window.labels_panel
    entries = [(p.stem, p, read_metadata(p)) for p in (installed_spade, guessing)]
    panel.set_models(entries, current=guessing)
    first = panel.styles.button(STYLE_CHOICES.index("mean"))
    assert first.text() == "Auto" and "the label map suggests" in first.toolTip()
    paint_sky_and_water(window)
    _labels_result(qtbot, window)
    assert "style" not in window.results.current.label
    panel.set_models(entries, current=installed_spade)
    assert first.text() == "Mean" and "average light" in first.toolTip()


def _listed(panel) -> list:
    return [panel.model.itemData(i) for i in range(panel.model.count()) if panel.model.itemData(i)]


def test_a_remembered_model_whose_file_is_gone_falls_back_to_the_default(
    installed_labels2landscape: Path, window: MainWindow, tmp_path: Path
) -> None:
    """Found in a real window: a labels model chosen once and deleted since left the
    panel on whatever model came first in the list (the sketch model)."""
    other = installed_labels2landscape.with_name("aaa-first.safetensors")
    other.write_bytes(installed_labels2landscape.read_bytes())  # listed before the default
    window.settings.set_action_model("labels", str(tmp_path / "deleted.safetensors"))
    window.labels_panel.set_models([], None)
    window.translate.refresh_translators()
    assert window.labels_panel.model_path() == resolve_model(None, purpose="labels")
