"""The GAN and device choices in the window: Model › Installed Models and Device, Open
Model File, the Model Manager and the latent explorer (New Image from GAN)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtGui import QActionGroup
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from ganpaint.app.config import Settings
from ganpaint.app.hosts import MessageHost, TranslatorChoice
from ganpaint.device import describe_device, resolve_device
from ganpaint.errors import GanpaintError
from ganpaint.session.models import NO_MODEL_MESSAGE, ChosenModels


class ModelsHost(MessageHost, Protocol):
    def update_status(self) -> None: ...


class ModelsController(QObject):
    """The chosen GAN and device, and the menus and dialogs that change them."""

    def __init__(
        self,
        host: ModelsHost,
        settings: Settings,
        models: ChosenModels,
        device: str,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.host = host
        self.settings = settings
        self.models = models
        self.device = device
        self.widget = parent
        self.translators: TranslatorChoice | None = None  # set once the panels exist
        self.open_array: Callable[[np.ndarray, str], bool] | None = None
        self.models_menu = QMenu("&Installed Models", parent)
        self.device_menu = QMenu("&Device", parent)
        self.models_menu.aboutToShow.connect(self._fill_models_menu)
        self.device_menu.aboutToShow.connect(self._fill_device_menu)

    def choose_model(self, path: Path | None, name: str = "", remember: bool = True) -> None:
        self.models.choose(path, name)
        if remember:
            self.settings.set_model(str(path) if path else "")
        self.host.update_status()

    def open_model_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.widget,
            "Open model file",
            self.settings.last_dir(),
            "ganpaint models (*.safetensors)",
        )
        if not path:
            return
        try:
            from ganpaint.models import resolve_model

            resolved = resolve_model(path, kind="gan")
        except GanpaintError as error:
            self.host.show_message(str(error))
            return
        self.choose_model(resolved)

    def open_model_manager(self) -> None:
        from ganpaint.app.model_manager import ModelManagerDialog

        assert self.translators is not None
        self.model_manager = ModelManagerDialog(
            self.widget, self, self.translators, self.host.status, self.settings.last_dir()
        )
        self.model_manager.exec()

    def new_image_from_gan(self) -> bool:
        """The latent explorer: pick, interpolate or combine GAN samples; open one."""
        from ganpaint.app.explorer_dialog import ExplorerDialog

        if self.models.path is None:
            self.host.show_message(
                NO_MODEL_MESSAGE.replace("GAN inpainting", "the latent explorer"),
                "warning",
                [("Open model file…", self.open_model_dialog)],
            )
            return False
        assert self.open_array is not None
        self.explorer = ExplorerDialog(self.widget, self.models, self.job_device, self.open_array)
        self.explorer.generate_grid()
        self.explorer.open()
        return True

    def _fill_models_menu(self) -> None:
        from ganpaint.models import list_models

        self.models_menu.clear()
        group = QActionGroup(self.models_menu)
        for entry in list_models():
            if entry.kind != "gan" or entry.error:
                continue
            action = self.models_menu.addAction(f"{entry.name} ({entry.source})")
            action.setCheckable(True)
            action.setChecked(entry.path == self.models.path)
            action.triggered.connect(lambda _=False, e=entry: self.choose_model(e.path, e.name))
            group.addAction(action)
        if self.models_menu.isEmpty():
            self.models_menu.addAction("No GAN models installed").setEnabled(False)

    def _fill_device_menu(self) -> None:
        from ganpaint.device import available_devices

        self.device_menu.clear()
        group = QActionGroup(self.device_menu)
        for name in available_devices():
            action = self.device_menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(name == self.device)
            action.triggered.connect(lambda _=False, n=name: self.set_device(n))
            group.addAction(action)

    def job_device(self) -> str:
        """The device every job runs on: the setting with `auto` resolved, here and only
        here (torch and the explorer's renderer take no `auto`). A device this machine
        lacks stays as set, so the job ends in the device error's one sentence."""
        try:
            return str(resolve_device(self.device))
        except GanpaintError:
            return self.device

    def set_device(self, device: str) -> None:
        self.device = device
        self.settings.set_device(device)
        self.host.update_status()

    def device_in_use(self) -> str:
        """The device jobs will run on (what `auto` resolves to here), not just the setting."""
        try:
            in_use = describe_device(resolve_device(self.device))
        except GanpaintError:
            return f"{self.device} (not available)"
        return f"{in_use} (auto)" if self.device == "auto" else in_use
