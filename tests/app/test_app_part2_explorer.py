"""The latent explorer: the arithmetic uses mean(A) − mean(B) + mean(C) (non-Qt helper),
the dialog samples on a worker (progress, cancel), interpolates two picks, combines
groups, and opens a pick as a new document."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from ganpaint.app.explorer_dialog import ExplorerDialog
from ganpaint.app.window import MainWindow
from ganpaint.edit import latents
from ganpaint.edit.gan import GanModel
from ganpaint.errors import GanpaintError
from ganpaint.models import load


@pytest.fixture
def gan(tiny_model: Path) -> GanModel:
    return GanModel.from_bundle(load(tiny_model))


def test_arithmetic_z_is_a_minus_b_plus_c_of_the_group_means() -> None:
    z = torch.arange(5 * 3, dtype=torch.float32).reshape(5, 3)
    got = latents.arithmetic_z(z, [0, 1], [2], [3, 4])
    want = z[[0, 1]].mean(0) - z[2] + z[[3, 4]].mean(0)
    assert torch.equal(got, want)
    with pytest.raises(GanpaintError, match="empty"):
        latents.arithmetic_z(z, [0], [], [1])


def test_arithmetic_generates_from_that_z(gan: GanModel) -> None:
    samples = latents.sample(gan, 6, seed=3)
    result = latents.arithmetic(gan, samples.z, [0, 1], [2], [4], variations=2)
    expected = latents.arithmetic_z(samples.z, [0, 1], [2], [4])
    assert torch.allclose(result.z[0], expected)
    assert np.array_equal(result.images[0], latents.render(gan, expected[None]).images[0])
    assert len(result.images) == 3


def test_samples_are_seeded_and_interpolation_has_both_ends(gan: GanModel) -> None:
    a, b = latents.sample(gan, 4, seed=1), latents.sample(gan, 4, seed=1)
    assert torch.equal(a.z, b.z) and np.array_equal(a.images[2], b.images[2])
    row = latents.interpolation(gan, a.z[0], a.z[3], frames=8)
    assert len(row.images) == 8
    assert np.array_equal(row.images[0], a.images[0])
    assert np.array_equal(row.images[-1], a.images[3])


@pytest.fixture
def dialog(qtbot, window: MainWindow, tiny_model: Path) -> ExplorerDialog:
    window.models_ctl.choose_model(tiny_model, remember=False)
    dialog = ExplorerDialog(
        window, window.models, window.models_ctl.job_device, window.files.open_array
    )
    qtbot.addWidget(dialog)
    yield dialog
    dialog.runner.shutdown()


def test_dialog_samples_interpolates_combines_and_opens(
    qtbot, window: MainWindow, dialog: ExplorerDialog
) -> None:
    seen: list = []
    dialog.runner.progress.connect(lambda payload: seen.append(payload[0]))
    with qtbot.waitSignal(dialog.runner.finished, timeout=30_000):
        assert dialog.generate_grid()
    assert seen and dialog.grid.count() == 64
    dialog.grid.item(1).setSelected(True)
    dialog.grid.item(5).setSelected(True)
    with qtbot.waitSignal(dialog.runner.finished, timeout=30_000):
        assert dialog.interpolate()
    assert dialog.row.count() == 8
    for name, rows in (("A", [0, 1]), ("B", [2]), ("C", [3])):
        dialog.grid.clearSelection()
        for row in rows:
            dialog.grid.item(row).setSelected(True)
        dialog.set_group(name)
    assert dialog.groups == {"A": [0, 1], "B": [2], "C": [3]}
    with qtbot.waitSignal(dialog.runner.finished, timeout=30_000):
        assert dialog.arithmetic()
    assert dialog.results is not None
    expected = latents.arithmetic_z(dialog.samples.z, [0, 1], [2], [3])
    assert torch.allclose(dialog.results.z[0], expected)
    dialog.row.item(0).setSelected(True)
    image = dialog.results.images[0]
    assert dialog.open_picked()
    assert np.array_equal(window.document.photo, image)
    assert window.document.title == "GAN sample"


def test_dialog_job_can_be_cancelled(qtbot, dialog: ExplorerDialog) -> None:
    with qtbot.waitSignal(dialog.runner.cancelled, timeout=30_000):
        assert dialog.generate_grid()
        dialog.runner.cancel()
    assert dialog.samples is None
    assert dialog.status.text() == "Cancelled."


def test_explorer_needs_a_model(window: MainWindow) -> None:
    assert not window.models_ctl.new_image_from_gan()
    assert "latent explorer" in window.message_bar.text


def test_explorer_opens_from_the_menu(qtbot, window: MainWindow, tiny_model: Path) -> None:
    window.models_ctl.choose_model(tiny_model, remember=False)
    window.actions_by_id["new_from_gan"].trigger()
    dialog = window.models_ctl.explorer
    qtbot.waitUntil(lambda: dialog.grid.count() == 64, timeout=30_000)
    dialog.reject()
    assert not dialog.runner.busy


def test_the_open_button_opens_the_picked_sample(
    qtbot, window: MainWindow, dialog: ExplorerDialog
) -> None:
    from PySide6.QtCore import Qt

    with qtbot.waitSignal(dialog.runner.finished, timeout=30_000):
        assert dialog.generate_grid()
    dialog.grid.item(2).setSelected(True)
    image = dialog.picked_image()
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert np.array_equal(window.document.photo, image)
    assert window.document.title == "GAN sample"
