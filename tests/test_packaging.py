"""Release plumbing: one version everywhere, the desktop entry, AppStream metadata,
icons, the bundle recipe (its structure; building it is too slow for the suite),
and the licence and changelog."""

from __future__ import annotations

import ast
import configparser
import importlib.metadata
import importlib.util
import re
import shutil
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest

import ganpaint

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
APP_ID = "io.github.ganpaint.ganpaint"
DESKTOP = PACKAGING / f"{APP_ID}.desktop"
METAINFO = PACKAGING / f"{APP_ID}.metainfo.xml"
ICONS = ROOT / "resources" / "icons"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
VERSION = PYPROJECT["project"]["version"]


def _load(name: str) -> ModuleType:
    """A script from packaging/ (not a package) as a module."""
    spec = importlib.util.spec_from_file_location(f"packaging_{name}", PACKAGING / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_bundle = _load("build_bundle")
install_desktop = _load("install_desktop")
render_icons = _load("render_icons")


# ------------------------------------------------------------------ one version


def test_version_is_defined_once_and_agrees_everywhere(tmp_path: Path) -> None:
    """pyproject == installed metadata == ganpaint.__version__ == --version == bundle meta."""
    from ganpaint.cli import main
    from ganpaint.models.bundle import ModelBundle, read_header
    from ganpaint.models.dcgan import DCGANDiscriminator, DCGANGenerator

    assert re.fullmatch(r"\d+\.\d+\.\d+([.-]?\w+)?", VERSION), VERSION
    assert importlib.metadata.version("ganpaint") == VERSION
    assert ganpaint.__version__ == VERSION

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0

    nets = {
        "G": DCGANGenerator(nz=8, ngf=4, image_size=32),
        "D": DCGANDiscriminator(ndf=4, image_size=32),
    }
    path = ModelBundle("gan", nets).save(tmp_path / "tiny.safetensors")
    meta, _ = read_header(path)
    assert meta["ganpaint_version"] == VERSION


def test_version_command_prints_the_pyproject_version(capsys: pytest.CaptureFixture) -> None:
    from ganpaint.cli import main

    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"ganpaint {VERSION}"


def test_about_dialog_shows_the_version() -> None:
    source = (ROOT / "ganpaint" / "app" / "window.py").read_text()
    about = source[source.index("def show_about") :]
    about = about[: about.index("\n    def ", 1)]
    assert "__version__" in about
    assert "from ganpaint import __version__" in source


# ------------------------------------------------------------------ desktop entry


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(DESKTOP)
    return parser["Desktop Entry"]


def test_desktop_entry_runs_the_installed_command() -> None:
    entry = _desktop_entry()
    assert entry["Type"] == "Application"
    command = entry["Exec"].split()[0]
    assert command in PYPROJECT["project"]["scripts"]
    assert PYPROJECT["project"]["scripts"][command] == "ganpaint.cli:main"
    assert entry["Exec"].split()[1:] in (["%f"], ["%F"])
    assert entry["TryExec"] == command
    assert entry["Icon"] == APP_ID
    assert entry["Terminal"] == "false"
    assert "Graphics" in entry["Categories"].split(";")


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils")
def test_desktop_entry_is_valid() -> None:
    result = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


# ------------------------------------------------------------------ AppStream


def test_metainfo_names_the_app_its_launcher_and_this_version() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("project_license") == "MIT"
    assert root.findtext("launchable") == DESKTOP.name
    assert root.findtext("provides/binary") == "ganpaint"
    versions = [release.get("version") for release in root.iter("release")]
    assert VERSION in versions, f"add a <release version={VERSION!r}> to {METAINFO.name}"
    images = [image.text for image in root.iter("image")]
    assert images and all(text.endswith("docs/main-window.png") for text in images)
    assert (ROOT / "docs" / "main-window.png").is_file()


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="appstream not installed")
def test_metainfo_is_valid() -> None:
    result = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(METAINFO)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


# ------------------------------------------------------------------ icons


def test_icons_exist_in_every_size_and_match_their_names() -> None:
    assert (ICONS / "ganpaint.svg").is_file()
    assert set(install_desktop.PNG_SIZES) == set(render_icons.SIZES)
    for size in render_icons.SIZES:
        path = render_icons.png_path(size)
        assert path.is_file(), f"run python packaging/render_icons.py ({path.name} missing)"
        assert build_bundle.png_size(path) == (size, size)


def test_desktop_install_writes_the_freedesktop_layout(tmp_path: Path) -> None:
    assert install_desktop.main(["--prefix", str(tmp_path)]) == 0
    share = tmp_path / "share"
    assert (share / "applications" / DESKTOP.name).read_bytes() == DESKTOP.read_bytes()
    assert (share / "metainfo" / METAINFO.name).is_file()
    assert (share / "icons/hicolor/scalable/apps" / f"{APP_ID}.svg").is_file()
    assert (share / "icons/hicolor/48x48/apps" / f"{APP_ID}.png").is_file()
    assert install_desktop.main(["--prefix", str(tmp_path), "--uninstall"]) == 0
    assert not any(path.exists() for path in install_desktop.planned_files(tmp_path))


# ------------------------------------------------------------------ bundle recipe


def test_bundle_recipe_compiles_and_names_what_it_packs() -> None:
    spec = PACKAGING / "ganpaint.spec"
    source = spec.read_text()
    compile(ast.parse(source), str(spec), "exec")
    assert 'ROOT / "resources"' in source
    assert '"ganpaint/resources"' in source
    assert "ganpaint_entry.py" in source
    assert 'copy_metadata("ganpaint")' in source  # --version inside the bundle
    assert 'name="ganpaint"' in source
    entry = (PACKAGING / "ganpaint_entry.py").read_text()
    assert "from ganpaint.cli import main" in entry


def test_bundle_extra_declares_pyinstaller() -> None:
    bundle_extra = PYPROJECT["project"]["optional-dependencies"]["bundle"]
    assert any(requirement.startswith("pyinstaller") for requirement in bundle_extra)


def test_bundle_check_reports_a_missing_bundle(tmp_path: Path) -> None:
    problems = build_bundle.check(tmp_path / "ganpaint", tmp_path / "shot.png")
    assert problems and "does not exist" in problems[0]


def test_png_size_reads_the_header_and_rejects_other_files(tmp_path: Path) -> None:
    assert build_bundle.png_size(ROOT / "docs" / "main-window.png")[0] > 0
    other = tmp_path / "not.png"
    other.write_bytes(b"GIF89a" + b"\0" * 30)
    with pytest.raises(ValueError):
        build_bundle.png_size(other)


# ------------------------------------------------------------------ licence, changelog


def test_licence_is_mit_and_matches_the_metadata() -> None:
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License")
    assert "Copyright (c) 2026 The ganpaint developers" in text
    assert PYPROJECT["project"]["license"] in ("MIT", {"text": "MIT"})


def test_changelog_has_a_section_for_this_version() -> None:
    text = (ROOT / "CHANGELOG.md").read_text()
    assert "keepachangelog.com" in text
    assert re.search(
        rf"^## \[{re.escape(VERSION)}\] - (Unreleased|\d{{4}}-\d{{2}}-\d{{2}})$", text, re.M
    )
    assert f"[{VERSION}]: " in text
