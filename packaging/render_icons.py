"""Render resources/icons/ganpaint.svg to the PNG sizes desktops and bundles ask for.

The SVG is the source; the PNGs (`ganpaint-16.png` ... `ganpaint-512.png`) are made
from it with Qt's own SVG renderer, so the build needs nothing beyond PySide6.
Run it after editing the SVG and commit the PNGs:

    python packaging/render_icons.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ICONS = ROOT / "resources" / "icons"
SVG = ICONS / "ganpaint.svg"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def png_path(size: int) -> Path:
    return ICONS / f"ganpaint-{size}.png"


def render(svg: Path = SVG, sizes: tuple[int, ...] = SIZES) -> list[Path]:
    """Write one square, transparent PNG per size beside the SVG; return their paths."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not a valid SVG; fix it before rendering the icons.")
    written = []
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        out = png_path(size)
        if not image.save(str(out), "PNG"):
            raise SystemExit(f"Could not write {out}; check that the folder is writable.")
        written.append(out)
    return written


if __name__ == "__main__":
    for path in render():
        print(path.relative_to(ROOT))
