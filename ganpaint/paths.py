"""Where ganpaint finds its bundled resources and keeps the user's own files."""

from __future__ import annotations

import os
import sys
from importlib.resources import files
from pathlib import Path

APP_NAME = "ganpaint"


def resources_dir() -> Path:
    """The installed `resources/` folder (package data `ganpaint.resources`).

    Run from a source checkout that was never installed (`PYTHONPATH=.`, as on a
    borrowed GPU machine), the package does not exist; the checkout's own
    `resources/` beside `ganpaint/` is the same folder.
    """
    try:
        return Path(str(files("ganpaint.resources")))
    except ModuleNotFoundError:
        checkout = Path(__file__).resolve().parent.parent / "resources"
        if checkout.is_dir():
            return checkout
        raise


def bundled_models_dir() -> Path:
    return resources_dir() / "models"


def samples_dir() -> Path:
    return resources_dir() / "samples"


def user_data_dir() -> Path:
    """The platform's per-user data folder for ganpaint; `GANPAINT_DATA_DIR` overrides it."""
    override = os.environ.get("GANPAINT_DATA_DIR")
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / APP_NAME


def user_models_dir() -> Path:
    return user_data_dir() / "models"
