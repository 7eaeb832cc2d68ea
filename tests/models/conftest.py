"""Fixtures for the model tests: private model folders and deterministic randomness."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch


@pytest.fixture(autouse=True)
def _seeded() -> None:
    torch.manual_seed(0)


@pytest.fixture
def user_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty user models folder (GANPAINT_DATA_DIR points into tmp_path)."""
    monkeypatch.setenv("GANPAINT_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data" / "models"


@pytest.fixture
def bundled_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty stand-in for the installed bundled models folder."""
    folder = tmp_path / "bundled"
    folder.mkdir()
    monkeypatch.setattr("ganpaint.models.catalog.bundled_models_dir", lambda: folder)
    return folder
