"""OpenRaster (.ora) files: a layered image that Krita, GIMP and MyPaint open.

The format (https://www.openraster.org): a zip whose first entry is an uncompressed
`mimetype` file holding `image/openraster`, a `stack.xml` listing the layers (the
first is on top), one PNG per layer under `data/`, `Thumbnails/thumbnail.png` (at
most 256 px) and `mergedimage.png` (the visible composite). Pure Python, numpy and
Pillow: no Qt, so documents are saved and tested anywhere.

Reading accepts what other programs write: layers smaller than the image placed at
x/y (Krita crops layers to their content), nested stacks (flattened), hidden layers.
"""

from __future__ import annotations

import io
import os
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from ganpaint.atomic import atomic_path
from ganpaint.errors import ImageFileError

MIMETYPE = "image/openraster"
THUMBNAIL_SIZE = 256


@dataclass
class OraLayer:
    """One layer: RGBA pixels (uint8 HxWx4, not premultiplied) placed at (x, y)."""

    name: str
    rgba: np.ndarray
    visible: bool = True
    opacity: float = 1.0
    x: int = 0
    y: int = 0


@dataclass
class OraImage:
    """A whole OpenRaster image; `layers` from the top of the stack to the bottom."""

    width: int
    height: int
    layers: list[OraLayer]
    merged: np.ndarray | None = None  # RGBA uint8 HxWx4 when the file has mergedimage.png

    def layer(self, name: str) -> OraLayer | None:
        """The first layer called `name` (case-insensitive), or None."""
        for layer in self.layers:
            if layer.name.lower() == name.lower():
                return layer
        return None

    def full(self, layer: OraLayer) -> np.ndarray:
        """`layer`'s pixels on a transparent canvas of the image's size."""
        canvas = np.zeros((self.height, self.width, 4), np.uint8)
        h, w = layer.rgba.shape[:2]
        x0, y0 = max(layer.x, 0), max(layer.y, 0)
        x1, y1 = min(layer.x + w, self.width), min(layer.y + h, self.height)
        if x1 > x0 and y1 > y0:
            canvas[y0:y1, x0:x1] = layer.rgba[
                y0 - layer.y : y1 - layer.y, x0 - layer.x : x1 - layer.x
            ]
        return canvas


def composite(layers: list[OraLayer], width: int, height: int) -> np.ndarray:
    """The visible layers painted bottom to top with source-over (RGBA uint8)."""
    out = np.zeros((height, width, 4), np.float32)
    image = OraImage(width, height, layers)
    for layer in reversed(layers):
        if not layer.visible or layer.opacity <= 0:
            continue
        src = image.full(layer).astype(np.float32) / 255.0
        alpha = src[:, :, 3:4] * float(layer.opacity)
        out_alpha = alpha + out[:, :, 3:4] * (1 - alpha)
        colour = src[:, :, :3] * alpha + out[:, :, :3] * out[:, :, 3:4] * (1 - alpha)
        out[:, :, :3] = np.divide(colour, out_alpha, out=np.zeros_like(colour), where=out_alpha > 0)
        out[:, :, 3:4] = out_alpha
    return np.rint(np.clip(out, 0, 1) * 255).astype(np.uint8)


def _png(rgba: np.ndarray, compress_level: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgba), "RGBA").save(
        buffer, "PNG", compress_level=compress_level
    )
    return buffer.getvalue()


def write_ora(path: str | os.PathLike[str], image: OraImage, compress_level: int = 3) -> Path:
    """Write `image` as OpenRaster, atomically (the previous file survives a failed save).

    `compress_level` is zlib's 0-9 for the PNGs: low is fast (autosave), higher is smaller.
    """
    path = Path(path)
    merged = image.merged
    if merged is None:
        merged = composite(image.layers, image.width, image.height)
    thumb = Image.fromarray(merged, "RGBA")
    thumb.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE), Image.Resampling.LANCZOS)

    stack = ET.Element("image", w=str(image.width), h=str(image.height), version="0.0.6")
    root = ET.SubElement(stack, "stack")
    sources = []
    for index, layer in enumerate(image.layers):
        src = f"data/layer{index}.png"
        sources.append((src, layer))
        ET.SubElement(
            root,
            "layer",
            name=layer.name,
            src=src,
            x=str(layer.x),
            y=str(layer.y),
            opacity=f"{layer.opacity:.3f}",
            visibility="visible" if layer.visible else "hidden",
            **{"composite-op": "svg:src-over"},
        )
    xml = ET.tostring(stack, encoding="UTF-8", xml_declaration=True)

    try:
        with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w") as archive:
            info = zipfile.ZipInfo("mimetype")
            info.compress_type = zipfile.ZIP_STORED
            archive.writestr(info, MIMETYPE.encode("ascii"))
            archive.writestr("stack.xml", xml, compress_type=zipfile.ZIP_DEFLATED)
            for src, layer in sources:
                archive.writestr(src, _png(layer.rgba, compress_level), zipfile.ZIP_STORED)
            buffer = io.BytesIO()
            thumb.save(buffer, "PNG")
            archive.writestr("Thumbnails/thumbnail.png", buffer.getvalue(), zipfile.ZIP_STORED)
            archive.writestr("mergedimage.png", _png(merged, compress_level), zipfile.ZIP_STORED)
    except OSError as exc:
        raise ImageFileError(
            f"Cannot save {path}: {exc.strerror or exc}; choose another folder or free some space."
        ) from exc
    return path


def _layers(node: ET.Element) -> list[ET.Element]:
    """Layer elements of a stack, nested stacks flattened, top first."""
    found: list[ET.Element] = []
    for child in node:
        if child.tag == "layer":
            found.append(child)
        elif child.tag == "stack" and child.get("visibility", "visible") != "hidden":
            found.extend(_layers(child))
    return found


def _decode_png(path: Path, archive: zipfile.ZipFile, name: str) -> np.ndarray:
    try:
        with Image.open(io.BytesIO(archive.read(name))) as img:
            return np.asarray(img.convert("RGBA"), dtype=np.uint8).copy()
    except KeyError as exc:
        raise ImageFileError(
            f"Cannot open {path}: its layer file {name} is missing; the file is incomplete."
        ) from exc
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ImageFileError(f"Cannot open {path}: its layer {name} is damaged ({exc}).") from exc


def read_ora(path: str | os.PathLike[str]) -> OraImage:
    """Read an OpenRaster file; anything wrong with it is an ImageFileError naming the file."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                kind = archive.read("mimetype").decode("ascii", "replace").strip()
                if kind != MIMETYPE:
                    raise ImageFileError(
                        f"Cannot open {path}: it is a {kind!r} archive, not an OpenRaster image."
                    )
            if "stack.xml" not in names:
                raise ImageFileError(
                    f"Cannot open {path}: it has no stack.xml, so it is not an OpenRaster image."
                )
            try:
                stack = ET.fromstring(archive.read("stack.xml"))
            except ET.ParseError as exc:
                raise ImageFileError(
                    f"Cannot open {path}: its stack.xml is damaged ({exc})."
                ) from exc
            try:
                width, height = int(stack.get("w", "")), int(stack.get("h", ""))
            except ValueError as exc:
                raise ImageFileError(
                    f"Cannot open {path}: its stack.xml has no image size."
                ) from exc
            if width <= 0 or height <= 0:
                raise ImageFileError(f"Cannot open {path}: its image size is {width}×{height}.")
            root = stack.find("stack")
            layers = []
            for node in _layers(root if root is not None else stack):
                src = node.get("src")
                if not src:
                    continue
                rgba = _decode_png(path, archive, src)
                try:
                    opacity = float(node.get("opacity", "1"))
                    x, y = int(float(node.get("x", "0"))), int(float(node.get("y", "0")))
                except ValueError:
                    opacity, x, y = 1.0, 0, 0
                layers.append(
                    OraLayer(
                        name=node.get("name", ""),
                        rgba=rgba,
                        visible=node.get("visibility", "visible") != "hidden",
                        opacity=min(max(opacity, 0.0), 1.0),
                        x=x,
                        y=y,
                    )
                )
            merged = None
            if "mergedimage.png" in names:
                merged = _decode_png(path, archive, "mergedimage.png")
                if merged.shape[:2] != (height, width):
                    merged = None
    except zipfile.BadZipFile as exc:
        raise ImageFileError(
            f"Cannot open {path}: it is not an OpenRaster file or it is damaged (not a zip)."
        ) from exc
    except FileNotFoundError as exc:
        raise ImageFileError(f"Cannot open {path}: there is no such file; check the path.") from exc
    except OSError as exc:
        raise ImageFileError(f"Cannot open {path}: {exc.strerror or exc}.") from exc
    if not layers and merged is None:
        raise ImageFileError(f"Cannot open {path}: it has no layers.")
    return OraImage(width, height, layers, merged)
