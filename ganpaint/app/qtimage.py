"""Conversions between QImage and the numpy arrays the rest of ganpaint uses."""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtGui import QIcon, QImage, QPixmap


def qimage_to_rgb(image: QImage) -> tuple[np.ndarray, np.ndarray | None]:
    """uint8 HxWx3 RGB (and HxW alpha when the image has one) from any QImage."""
    has_alpha = image.hasAlphaChannel()
    converted = image.convertToFormat(QImage.Format.Format_RGBA8888)
    width, height = converted.width(), converted.height()
    stride = converted.bytesPerLine()
    raw = np.frombuffer(converted.constBits(), np.uint8, count=stride * height)
    rgba = raw.reshape(height, stride)[:, : width * 4].reshape(height, width, 4)
    rgb = np.ascontiguousarray(rgba[:, :, :3])
    alpha = np.ascontiguousarray(rgba[:, :, 3]) if has_alpha else None
    return rgb, alpha


def rgb_to_qimage(rgb: np.ndarray) -> QImage:
    """A QImage that owns a copy of uint8 HxWx3 `rgb`."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    height, width = rgb.shape[:2]
    return QImage(rgb.data, width, height, width * 3, QImage.Format.Format_RGB888).copy()


def thumbnail_icon(rgb: np.ndarray, size: int = 96) -> QIcon:
    """A square-bounded icon of `rgb`, area-averaged so it is not aliased."""
    height, width = rgb.shape[:2]
    scale = size / max(height, width)
    if scale < 1:
        new = (max(int(width * scale), 1), max(int(height * scale), 1))
        rgb = cv2.resize(rgb, new, interpolation=cv2.INTER_AREA)
    pixmap = QPixmap.fromImage(rgb_to_qimage(rgb))
    icon = QIcon(pixmap)
    icon.addPixmap(pixmap, QIcon.Mode.Selected)  # a chosen thumbnail is not tinted
    return icon
