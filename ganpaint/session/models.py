"""The models a window has chosen and the one cache of what is loaded (no Qt).

The GAN (inpainting, generation from strokes, the latent explorer) is chosen by path
and loaded on a worker the first time a job needs it; a translator bundle (CycleGAN,
pix2pix) is loaded on a worker by the job that names it. One bundle of each role
stays loaded, so switching between two edits does not reload, and no choice keeps
models alive without limit. The lock keeps a load and a change of choice from racing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ganpaint.edit.gan import GanModel
from ganpaint.errors import ModelFileError
from ganpaint.models import ModelBundle
from ganpaint.models import load as load_bundle
from ganpaint.models.bundle import read_metadata
from ganpaint.models.knowledge import what_it_knows

NO_MODEL_MESSAGE = (
    "No GAN model is installed, so GAN inpainting cannot run: choose a model file with "
    "Model → Open model file… (a ganpaint .safetensors bundle; import a reference .pth "
    "with `ganpaint models import FILE.pth`), or choose the Photo patches method."
)


def _knows(path: Path) -> str:
    """What the model at `path` knows, from its header alone (a few kB: fine on the GUI
    thread); "" when the file cannot say (loading it will report why)."""
    try:
        return what_it_knows(read_metadata(path))
    except (ModelFileError, OSError):
        return ""


class ChosenModels:
    """The chosen GAN file (`path`, `name`) and the loaded models, one per role."""

    def __init__(self) -> None:
        self.path: Path | None = None
        self.name = ""
        self.knows = ""  # what the chosen GAN has seen, for the status bar
        self._loaded: dict[str, tuple[Path, Any]] = {}  # role -> (file, loaded model)
        self._lock = threading.Lock()

    def choose(self, path: Path | None, name: str = "") -> None:
        """Choose the GAN (None: none); a different file is loaded when next needed."""
        with self._lock:
            if path != self.path:
                self._loaded.pop("gan", None)
            self.path = path
            self.name = name or (path.stem if path else "")
            self.knows = _knows(path) if path is not None else ""

    def status(self) -> tuple[str, str]:
        """(status bar text, tooltip): the chosen GAN and what it has seen."""
        if not self.name:
            return "Model: none (OpenCV only)", ""
        if not self.knows:
            return f"Model: {self.name}", ""
        return f"Model: {self.name} ({self.knows})", f"{self.name} was trained on {self.knows}"

    @property
    def loaded(self) -> bool:
        """Whether the chosen GAN is loaded already."""
        return "gan" in self._loaded

    def get(self) -> GanModel:
        """The chosen GAN, loading its file first if needed (call on a worker thread)."""
        with self._lock:
            if self.path is None:
                raise ModelFileError(NO_MODEL_MESSAGE)
            path = self.path
            return self._load("gan", path, lambda: GanModel.from_bundle(load_bundle(path)))

    def bundle(self, path: Path, role: str = "translator") -> ModelBundle:
        """The translator bundle at `path`, loading it first if needed (worker thread).
        One model is held per `role`: a SPADE model that hands its picture on to a
        translator ("light") keeps both loaded."""
        with self._lock:
            return self._load(role, path, lambda: load_bundle(path))

    def _load(self, role: str, path: Path, load: Callable[[], Any]) -> Any:
        held = self._loaded.get(role)
        if held is None or held[0] != path:
            self._loaded.pop(role, None)  # the old one goes before the new one loads
            held = (path, load())
            self._loaded[role] = held
        return held[1]
