"""The model manager: cards, importing (bad files are a message and write nothing),
deleting user models only, choosing a model per action, and the device selector."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from PySide6.QtWidgets import QMessageBox

from ganpaint.app.model_manager import ModelManagerDialog, device_text
from ganpaint.app.window import MainWindow
from ganpaint.models import ResnetGenerator
from ganpaint.paths import bundled_models_dir, user_models_dir


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "warning", lambda _parent, _title, text, *a, **k: shown.append(text)
    )
    return shown


@pytest.fixture
def manager(qtbot, window: MainWindow) -> ModelManagerDialog:
    dialog = ModelManagerDialog(window, window.models_ctl, window.translate, window.status)
    qtbot.addWidget(dialog)
    return dialog


def reference_pth(path: Path) -> Path:
    """A checkpoint as the reference CycleGAN code saves it: a bare generator state dict."""
    torch.manual_seed(3)
    torch.save(ResnetGenerator(ngf=4, n_blocks=1).state_dict(), path)
    return path


def installed() -> list[Path]:
    folder = user_models_dir()
    return sorted(folder.glob("*")) if folder.is_dir() else []


def test_a_bad_pth_shows_its_error_and_writes_nothing(
    manager: ModelManagerDialog, tmp_path: Path, warnings: list[str]
) -> None:
    bad = tmp_path / "latest_net_G.pth"
    bad.write_bytes(b"this is not a checkpoint")
    assert manager.import_file(bad) is None
    assert warnings and str(bad) in warnings[0]
    assert "is not a PyTorch checkpoint: it is a text file" in warnings[0]  # not "re-save it"
    assert installed() == []
    wrong = tmp_path / "odd.pth"
    torch.save({"weight": torch.zeros(3)}, wrong)
    assert manager.import_file(wrong) is None
    assert len(warnings) == 2 and installed() == []


def test_import_shows_the_card_then_use_and_delete(
    manager: ModelManagerDialog, window: MainWindow, tmp_path: Path, monkeypatch, warnings
) -> None:
    target = manager.import_file(reference_pth(tmp_path / "latest_net_G_A.pth"), name="mine")
    assert target is not None and target.is_file() and not warnings
    entry = manager.selected()
    assert entry.path == target and entry.source == "user"
    card = manager.card.toPlainText()
    assert "resolution" in card and "installed:   user" in card
    assert manager.delete_button.isEnabled()

    manager._fill_use_menu()
    texts = [action.text() for action in manager.use_menu.actions()]
    assert texts and all("Use for" in text for text in texts)
    purpose = "translate"
    assert manager.use(entry, purpose)
    assert window.translate_panel.model_path() == target

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Cancel)
    assert not manager.delete_selected()
    assert target.is_file()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    assert manager.delete_selected()
    assert not target.exists()
    assert all(
        manager.tree.topLevelItem(i).text(0) != "mine"
        for i in range(manager.tree.topLevelItemCount())
    )


def test_bundled_models_cannot_be_deleted(
    manager: ModelManagerDialog, monkeypatch, tmp_path: Path
) -> None:
    from ganpaint.models.catalog import ModelEntry

    bundled = tmp_path / "shipped.safetensors"
    bundled.write_bytes(b"x")
    fake = ModelEntry("shipped", bundled, "bundled", 1, kind="gan", resolution=64)
    monkeypatch.setattr("ganpaint.app.model_manager.list_models", lambda: [fake])
    manager.refresh()
    assert not manager.delete_button.isEnabled()
    assert not manager.delete_selected(confirm=False)
    assert bundled.exists()


def test_choosing_the_cpu_is_honoured_by_the_next_job(
    qtbot, window: MainWindow, manager: ModelManagerDialog, tmp_path: Path, monkeypatch
) -> None:
    from ganpaint.models import import_into_user_models

    manager.device.setCurrentIndex(manager.device.findData("auto"))
    assert window.models_ctl.device == "auto"
    path = import_into_user_models(reference_pth(tmp_path / "latest_net_G_A.pth"), name="cg")
    assert window.translate.use_translator_file("translate", path)
    manager.device.setCurrentIndex(manager.device.findData("cpu"))
    assert window.models_ctl.device == "cpu" and window.settings.device() == "cpu"
    assert "cpu" in manager.device_info.text()
    assert "Device: cpu" in window.device_label.text()

    seen: list[str] = []
    import ganpaint.session.translating as translating

    original = translating.translate_at_scale

    def spy(*args, device, **kwargs):
        seen.append(str(device))
        return original(*args, device=device, **kwargs)

    monkeypatch.setattr(translating, "translate_at_scale", spy)
    with qtbot.waitSignal(window.controller.runner.finished, timeout=30_000):
        assert window.translate.translate_image()
    assert seen == ["cpu"]


def test_device_text_names_what_auto_resolves_to() -> None:
    assert device_text("cpu") == "cpu"
    assert device_text("auto").startswith("auto → ")
    assert "not available" in device_text("cuda:99")


def test_the_manager_opens_from_the_model_menu(qtbot, window: MainWindow, monkeypatch) -> None:
    opened: list[ModelManagerDialog] = []
    monkeypatch.setattr(ModelManagerDialog, "exec", lambda self: opened.append(self) or 0)
    window.actions_by_id["model_manager"].trigger()
    assert opened and opened[0].tree.columnCount() == 6
    tree = opened[0].tree
    knows = {
        tree.topLevelItem(i).text(0): tree.topLevelItem(i).text(2)
        for i in range(tree.topLevelItemCount())
    }
    assert knows["landscapes-dcgan64"] == "procedural landscapes"
    assert knows["photos-dcgan64"].startswith("real photos: nature")
    assert knows["edges2landscape"] == "line sketches of procedural landscapes"


def test_the_status_bar_says_what_the_chosen_model_knows(window: MainWindow) -> None:
    bundled = bundled_models_dir()
    window.models_ctl.choose_model(bundled / "landscapes-dcgan64.safetensors", remember=False)
    window.update_status()
    assert window.model_label.text() == "Model: landscapes-dcgan64 (procedural landscapes)"
    assert "trained on procedural landscapes" in window.model_label.toolTip()
    window.models_ctl.choose_model(bundled / "photos-dcgan64.safetensors", remember=False)
    window.update_status()
    assert window.model_label.text().startswith("Model: photos-dcgan64 (real photos: nature")
    window.models.choose(None)
    window.update_status()
    assert window.model_label.text() == "Model: none (OpenCV only)"
