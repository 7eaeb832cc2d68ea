"""Fixtures for the desktop app's tests: offscreen Qt, isolated settings and data
folders, a tiny DCGAN bundle, and a main window on a small photo."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

from pathlib import Path

import pytest
import torch
from app_photos import photo
from PySide6.QtCore import QSettings

from ganpaint.app.config import Settings
from ganpaint.app.files import FilesController
from ganpaint.app.window import MainWindow
from ganpaint.documents.document import Document
from ganpaint.edit.inpaint import InpaintConfig
from ganpaint.edit.inversion import InversionConfig
from ganpaint.edit.refine import RefineConfig
from ganpaint.models import (
    DCGANDiscriminator,
    DCGANEncoder,
    DCGANGenerator,
    ModelBundle,
)


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the user's real settings, recovery files or models."""
    monkeypatch.setenv("GANPAINT_DATA_DIR", str(tmp_path / "data"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "cfg"))


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 32 px DCGAN bundle with an encoder: enough to run GAN inpainting in a second."""
    torch.manual_seed(0)
    nets = {
        "G": DCGANGenerator(nz=8, ngf=4, image_size=32),
        "D": DCGANDiscriminator(ndf=4, image_size=32),
        "E": DCGANEncoder(nz=8, ndf=4, image_size=32),
    }
    path = tmp_path_factory.mktemp("models") / "tiny.safetensors"
    ModelBundle.create("gan", nets, {"name": "tiny"}).save(path)
    return path


@pytest.fixture
def fast_inpaint(monkeypatch: pytest.MonkeyPatch) -> InpaintConfig:
    """Make the app's GAN jobs short (few steps) so job tests take a moment."""
    config = InpaintConfig(
        inversion=InversionConfig(restarts=4, iters=12, log_every=2, early_stop=False),
        refine=RefineConfig(steps=6, report_every=2),
        candidates=4,
    )
    monkeypatch.setattr("ganpaint.session.inpainting.InpaintConfig", lambda: config)
    return config


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def window(qtbot, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> MainWindow:
    """A shown main window holding a 96×64 photo; closing never asks."""
    monkeypatch.setattr(FilesController, "confirm_discard", lambda self: True)
    win = MainWindow(settings=settings, device="cpu")
    win.files.autosave_timer.stop()
    qtbot.addWidget(win)
    win.set_document(Document.from_image(photo(), title="test.png"))
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.controller.runner.shutdown()
    win.files.writer.wait()
