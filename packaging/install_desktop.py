"""Add ganpaint to the desktop's application menu (the freedesktop way).

`pip install .` puts the `ganpaint` command on PATH but cannot install menu
entries; this copies the desktop entry, the AppStream metadata and the icons into
PREFIX/share (default ~/.local, i.e. for the current user; /usr/local for all):

    python packaging/install_desktop.py [--prefix ~/.local] [--uninstall]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP_ID = "io.github.ganpaint.ganpaint"
PACKAGING = ROOT / "packaging"
ICONS = ROOT / "resources" / "icons"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def planned_files(prefix: Path) -> dict[Path, Path]:
    """Destination -> source for every file an install writes."""
    share = prefix / "share"
    files = {
        share / "applications" / f"{APP_ID}.desktop": PACKAGING / f"{APP_ID}.desktop",
        share / "metainfo" / f"{APP_ID}.metainfo.xml": PACKAGING / f"{APP_ID}.metainfo.xml",
        share / "icons/hicolor/scalable/apps" / f"{APP_ID}.svg": ICONS / "ganpaint.svg",
    }
    for size in PNG_SIZES:
        folder = share / f"icons/hicolor/{size}x{size}/apps"
        files[folder / f"{APP_ID}.png"] = ICONS / f"ganpaint-{size}.png"
    return files


def _refresh_caches(share: Path) -> None:
    """Tell the desktop about the change, where the usual tools exist (all optional)."""
    for command in (
        ["update-desktop-database", str(share / "applications")],
        ["gtk-update-icon-cache", "-q", "-t", str(share / "icons" / "hicolor")],
    ):
        if shutil.which(command[0]):
            subprocess.run(command, check=False, capture_output=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prefix", type=Path, default=Path.home() / ".local")
    parser.add_argument("--uninstall", action="store_true", help="remove what an install wrote")
    args = parser.parse_args(argv)
    prefix = args.prefix.expanduser().resolve()
    for target, source in planned_files(prefix).items():
        if args.uninstall:
            target.unlink(missing_ok=True)
            print("removed", target)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            print("installed", target)
    _refresh_caches(prefix / "share")
    if not args.uninstall and shutil.which("ganpaint") is None:
        print("note: `ganpaint` is not on PATH; the menu entry runs it, so `pip install .` first.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
