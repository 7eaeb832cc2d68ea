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
import math
import os
import stat
import struct
import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
from PIL import Image, UnidentifiedImageError

from ganpaint.atomic import atomic_path
from ganpaint.documents.ora_limits import (
    MAX_BYTES_ENV,
    MAX_DEPTH_ENV,
    MAX_LAYERS_ENV,
    MAX_OFFSET,
    MAX_PIXELS_ENV,
    MIMETYPE_BYTES,
    PIXEL_BUDGET_FACTOR,
    OraLimits,
    over_limit,
)
from ganpaint.errors import DocumentFileError
from ganpaint.imageio import pillow_open_without_bomb_check

MIMETYPE = "image/openraster"
THUMBNAIL_SIZE = 256
# Both inflate in bounded steps; bzip2 and LZMA entries inflate a whole chunk at once.
_COMPRESSIONS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
_CHUNK = 1 << 16


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
        raise DocumentFileError(
            f"Cannot save {path}: {exc.strerror or exc}; choose another folder or free some space."
        ) from exc
    return path


def _layers(node: ET.Element) -> list[ET.Element]:
    """Layer elements of a stack, nested stacks flattened, top first.

    Iterative, so no nesting depth can exhaust Python's recursion limit.
    """
    found: list[ET.Element] = []
    pending = [iter(node)]
    while pending:
        child = next(pending[-1], None)
        if child is None:
            pending.pop()
        elif child.tag == "layer":
            found.append(child)
        elif child.tag == "stack" and child.get("visibility", "visible") != "hidden":
            pending.append(iter(child))
    return found


def read_ora(path: str | os.PathLike[str], limits: OraLimits | None = None) -> OraImage:
    """Read an OpenRaster file; anything wrong with it is a DocumentFileError naming the file.

    `limits` (default: `OraLimits.from_env()`) is checked against stack.xml and the zip
    directory before anything is decompressed or decoded; the file is only read.
    """
    path = Path(path)
    limits = limits or OraLimits.from_env()
    _check_regular_file(path)
    try:
        with zipfile.ZipFile(path) as archive:
            image = _read_archive(path, archive, limits)
    except DocumentFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, struct.error) as exc:
        raise DocumentFileError(
            f"Cannot open {path}: it is not an OpenRaster file or it is damaged ({_detail(exc)})."
        ) from exc
    except MemoryError as exc:
        raise DocumentFileError(
            f"Cannot open {path}: there is not enough memory to read it; close other programs "
            "or lower the GANPAINT_MAX_PIXELS limit."
        ) from exc
    except OSError as exc:
        raise DocumentFileError(f"Cannot open {path}: {exc.strerror or exc}.") from exc
    except (zlib.error, NotImplementedError, RuntimeError, ValueError, OverflowError) as exc:
        raise DocumentFileError(f"Cannot open {path}: it is damaged ({_detail(exc)}).") from exc
    return image


def _detail(exc: BaseException) -> str:
    return str(exc).rstrip(".") or type(exc).__name__


def _check_regular_file(path: Path) -> None:
    """A missing path, a folder or a FIFO is named before zipfile blocks or fails on it."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError as exc:
        raise DocumentFileError(
            f"Cannot open {path}: there is no such file; check the path."
        ) from exc
    except OSError as exc:
        raise DocumentFileError(f"Cannot open {path}: {exc.strerror or exc}.") from exc
    if not stat.S_ISREG(mode):
        raise DocumentFileError(f"Cannot open {path}: it is not a regular file; pick an .ora file.")


def _read_archive(path: Path, archive: zipfile.ZipFile, limits: OraLimits) -> OraImage:
    """The checks in order: directory, header, limits from both, then the pixels."""
    entries = {info.filename: info for info in archive.infolist()}
    budget = _ByteBudget(path, limits.max_bytes)
    if "mimetype" in entries:
        raw = _read_entry(path, archive, entries["mimetype"], MIMETYPE_BYTES, budget)
        kind = raw.decode("ascii", "replace").strip()
        if kind != MIMETYPE:
            raise DocumentFileError(
                f"Cannot open {path}: it is a {kind[:40]!r} archive, not an OpenRaster image."
            )
    if "stack.xml" not in entries:
        raise DocumentFileError(
            f"Cannot open {path}: it has no stack.xml, so it is not an OpenRaster image."
        )
    info = entries["stack.xml"]
    if info.file_size > limits.xml_bytes:
        raise over_limit(
            path,
            f"its stack.xml is {info.file_size:,} bytes",
            f"{limits.xml_bytes:,} bytes for {limits.max_layers:,} layers",
            MAX_LAYERS_ENV,
        )
    stack = _parse_stack(path, _read_entry(path, archive, info, limits.xml_bytes, budget), limits)
    width, height = _canvas_size(path, stack, limits)
    root = stack.find("stack")
    nodes = [n for n in _layers(root if root is not None else stack) if n.get("src")]
    wanted = [n.get("src", "") for n in nodes]
    if "mergedimage.png" in entries:
        wanted.append("mergedimage.png")
    budget.check_declared([_entry(path, entries, name) for name in wanted])
    pixels = _PixelBudget(path, limits)
    layers = [_layer(path, archive, entries[n.get("src", "")], n, budget, pixels) for n in nodes]
    merged = None
    if "mergedimage.png" in entries:
        merged = _decode_png(path, archive, entries["mergedimage.png"], budget, pixels)
        if merged.shape[:2] != (height, width):
            merged = None
    if not layers and merged is None:
        raise DocumentFileError(f"Cannot open {path}: it has no layers.")
    return OraImage(width, height, layers, merged)


def _entry(path: Path, entries: dict[str, zipfile.ZipInfo], name: str) -> zipfile.ZipInfo:
    """The directory entry `name`, refused if it is missing, encrypted or oddly compressed."""
    info = entries.get(name)
    if info is None:
        raise DocumentFileError(
            f"Cannot open {path}: its layer file {name[:200]} is missing; the file is incomplete."
        )
    if info.flag_bits & 0x1:
        raise DocumentFileError(
            f"Cannot open {path}: its entry {name[:200]} is encrypted, which OpenRaster files "
            "never are; save it again without a password."
        )
    if info.compress_type not in _COMPRESSIONS:
        raise DocumentFileError(
            f"Cannot open {path}: its entry {name[:200]} uses zip compression method "
            f"{info.compress_type}; OpenRaster files are stored or deflated, so save it again."
        )
    return info


class _ByteBudget:
    """Decompressed bytes read so far, against the limit for one file."""

    def __init__(self, path: Path, limit: int) -> None:
        self.path, self.limit, self.used = path, limit, 0

    def check_declared(self, infos: list[zipfile.ZipInfo]) -> None:
        """Refuse from the zip directory alone, before anything is inflated."""
        for info in infos:
            self._check(info.filename, info.file_size, "its entry {name} declares")
        self._check("", self.used + sum(i.file_size for i in infos), "its entries declare")

    def spend(self, name: str, count: int) -> None:
        self.used += count
        self._check(name, self.used, "its entries hold at least")

    def _check(self, name: str, count: int, what: str) -> None:
        if count > self.limit:
            raise over_limit(
                self.path,
                f"{what.format(name=name[:200])} {count:,} decompressed bytes",
                f"{self.limit:,} bytes",
                MAX_BYTES_ENV,
            )


class _PixelBudget:
    """Decoded pixels so far: each image under the pixel limit, all under the budget."""

    def __init__(self, path: Path, limits: OraLimits) -> None:
        self.path, self.limits, self.used = path, limits, 0

    def spend(self, name: str, width: int, height: int) -> None:
        count = width * height
        if count > self.limits.max_pixels:
            raise over_limit(
                self.path,
                f"its {name[:200]} is {width}×{height} ({_megapixels(count)})",
                _megapixels(self.limits.max_pixels),
                MAX_PIXELS_ENV,
            )
        self.used += count
        if self.used > self.limits.pixel_budget:
            raise over_limit(
                self.path,
                f"its layers hold {_megapixels(self.used)} in all",
                f"{_megapixels(self.limits.pixel_budget)} ({PIXEL_BUDGET_FACTOR}× the pixel limit)",
                MAX_PIXELS_ENV,
            )


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:.1f} megapixels" if pixels >= 1_000_000 else f"{pixels} pixels"


class _CappedStream:
    """A zip entry that may not inflate past its declared size (a lying directory stops)."""

    def __init__(self, handle: IO[bytes], cap: int, name: str, budget: _ByteBudget) -> None:
        self._handle, self._cap, self._name, self._budget = handle, cap, name, budget
        self._furthest = 0

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self._cap + 1 - self._handle.tell()
        data = self._handle.read(max(size, 0))
        position = self._handle.tell()
        if position > self._cap:
            raise DocumentFileError(
                f"Cannot open {self._budget.path}: its entry {self._name[:200]} holds more than "
                "its zip directory declares; the file is damaged."
            )
        if position > self._furthest:
            self._budget.spend(self._name, position - self._furthest)
            self._furthest = position
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._handle.seek(offset, whence)

    def tell(self) -> int:
        return self._handle.tell()

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True


def _read_entry(
    path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int, budget: _ByteBudget
) -> bytes:
    """A small entry's bytes, read in chunks and stopped at min(declared size, cap)."""
    info = _entry(path, {info.filename: info}, info.filename)
    if info.file_size > cap:
        raise DocumentFileError(
            f"Cannot open {path}: its {info.filename[:200]} is {info.file_size:,} bytes, "
            f"more than an OpenRaster file holds there ({cap:,}); the file is not one."
        )
    chunks = []
    with archive.open(info) as handle:
        stream = _CappedStream(handle, info.file_size, info.filename, budget)
        while chunk := stream.read(_CHUNK):
            chunks.append(chunk)
    return b"".join(chunks)


def _parse_stack(path: Path, xml: bytes, limits: OraLimits) -> ET.Element:
    """stack.xml parsed incrementally, stopped as soon as nesting or layers pass a limit."""
    parser = ET.XMLPullParser(events=("start", "end"))
    root: ET.Element | None = None
    depth = layers = 0
    try:
        for offset in range(0, max(len(xml), 1), _CHUNK):
            parser.feed(xml[offset : offset + _CHUNK])
            for event, element in parser.read_events():
                if event == "end":
                    depth -= 1
                    continue
                root = element if root is None else root
                depth += 1
                layers += element.tag == "layer"
                _check_stack_counts(path, depth, layers, limits)
        parser.close()
    except ET.ParseError as exc:
        raise DocumentFileError(f"Cannot open {path}: its stack.xml is damaged ({exc}).") from exc
    if root is None:
        raise DocumentFileError(f"Cannot open {path}: its stack.xml is empty.")
    return root


def _check_stack_counts(path: Path, depth: int, layers: int, limits: OraLimits) -> None:
    # <image> and the top <stack> are levels 1 and 2; groups nest below them.
    if depth > limits.max_depth + 2:
        raise over_limit(
            path,
            f"its stack.xml nests groups more than {limits.max_depth:,} deep",
            f"{limits.max_depth:,} levels",
            MAX_DEPTH_ENV,
        )
    if layers > limits.max_layers:
        raise over_limit(
            path,
            f"its stack.xml lists more than {limits.max_layers:,} layers",
            f"{limits.max_layers:,} layers",
            MAX_LAYERS_ENV,
        )


def _canvas_size(path: Path, stack: ET.Element, limits: OraLimits) -> tuple[int, int]:
    """The image's w×h, refused when missing, not positive, or over the pixel limit."""
    try:
        width, height = int(stack.get("w", "")), int(stack.get("h", ""))
    except ValueError as exc:
        given = f"w={stack.get('w', '')[:20]!r}, h={stack.get('h', '')[:20]!r}"
        raise DocumentFileError(
            f"Cannot open {path}: its stack.xml has no usable image size ({given})."
        ) from exc
    if width <= 0 or height <= 0:
        raise DocumentFileError(f"Cannot open {path}: its image size is {width}×{height}.")
    _PixelBudget(path, limits).spend("canvas", width, height)
    _check_canvas_memory(path, width, height)
    return width, height


#: Bytes per canvas pixel while opening: `composite` holds float32 RGBA results and a
#: float32 copy of each layer (16 bytes each) plus a few same-sized temporaries.
COMPOSITE_BYTES_PER_PIXEL = 64


def _check_canvas_memory(path: Path, width: int, height: int) -> None:
    """Refuse a canvas whose compositing would not fit the memory budget (a canvas
    within the pixel limit can still need gigabytes: 256 MP × 64 bytes = 16 GiB)."""
    from ganpaint.memory import MemoryLimitError, check_memory

    try:
        check_memory(
            width * height * COMPOSITE_BYTES_PER_PIXEL,
            f"Opening {path} ({width}×{height})",
            "open a smaller document",
        )
    except MemoryLimitError as error:
        raise DocumentFileError(str(error)) from None


def _number(path: Path, node: ET.Element, name: str, default: str, bound: float) -> float:
    """A finite numeric attribute of a layer within ±bound; anything else is damage."""
    text = node.get(name, default)
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or abs(value) > bound:
        raise DocumentFileError(
            f"Cannot open {path}: its layer {node.get('name', '')[:100]!r} has "
            f"{name}={text[:40]!r}, which is not a usable number; the file is damaged."
        )
    return value


def _layer(
    path: Path,
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    node: ET.Element,
    budget: _ByteBudget,
    pixels: _PixelBudget,
) -> OraLayer:
    opacity = _number(path, node, "opacity", "1", 1e6)
    x = int(_number(path, node, "x", "0", MAX_OFFSET))
    y = int(_number(path, node, "y", "0", MAX_OFFSET))
    return OraLayer(
        name=node.get("name", ""),
        rgba=_decode_png(path, archive, info, budget, pixels),
        visible=node.get("visibility", "visible") != "hidden",
        opacity=min(max(opacity, 0.0), 1.0),
        x=x,
        y=y,
    )


def _decode_png(
    path: Path,
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    budget: _ByteBudget,
    pixels: _PixelBudget,
) -> np.ndarray:
    """One layer PNG, streamed from the zip; its size is checked before any pixel is decoded."""
    name = info.filename
    try:
        with archive.open(info) as handle:
            stream = _CappedStream(handle, info.file_size, name, budget)
            with pillow_open_without_bomb_check():
                img = Image.open(stream, formats=["PNG"])  # type: ignore[arg-type]
            with img:
                pixels.spend(f"layer {name}", *img.size)
                return np.asarray(img.convert("RGBA"), dtype=np.uint8).copy()
    except DocumentFileError:
        raise
    except UnidentifiedImageError as exc:
        raise DocumentFileError(
            f"Cannot open {path}: its layer {name[:200]} is not a PNG image; the file is damaged."
        ) from exc
    except (
        OSError,
        ValueError,
        SyntaxError,
        EOFError,
        zlib.error,
        Image.DecompressionBombError,
    ) as exc:
        raise DocumentFileError(
            f"Cannot open {path}: its layer {name[:200]} is damaged ({_detail(exc)})."
        ) from exc
