# ruff: noqa: E501, B023  (a table of cases; the closures run inside their loop)
"""The cases of `hostile_sweep.py`: bad or odd inputs for every entry point, in issue 18's
nine groups, built in a folder by the generators of `tests/hostile/` and a few more.

A case is an argv for one entry point, what it should do (`expect`: "error" = nonsense
that must be refused, "ok" = a valid odd input that must work, "either"), an optional
set-up that makes its damaged files in the case's own folder (the working directory it
runs in), and an optional check of its result. `{w}` in an argv is the shared folder of
valid inputs and damaged files (`WORK`), which no case may change.
"""

from __future__ import annotations

import io
import math
import os
import shutil
import stat
import struct
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image

GROUPS = {
    1: "destinations: outputs that are inputs, folders, devices, FIFOs, nowhere",
    2: ".ora documents: bombs, nesting, damage",
    3: "model files: lying metadata, damaged, foreign",
    4: "images and masks: damaged, tiny, odd formats",
    5: "numbers: out of range, not numbers",
    6: "all or nothing: second destinations, batches",
    7: "trainer run folders and files",
    8: "leftovers of killed writes (.part files)",
    9: "nonsense that must not be silently accepted",
}
ENTRIES = [
    "ganpaint (app)", "ganpaint inpaint", "ganpaint translate", "ganpaint sketch",
    "ganpaint generate", "ganpaint sample", "ganpaint models list", "ganpaint models info",
    "ganpaint models import", "ganpaint-train", "ganpaint-train synth", "ganpaint-train gan",
    "ganpaint-train encoder", "ganpaint-train cyclegan", "ganpaint-train pix2pix",
    "ganpaint-train eval", "ganpaint-train export", "ganpaint-train status", "ora loader",
]  # fmt: skip

#: The shared folder of inputs (set by `build`).
WORK = Path()

Setup = Callable[[Path], None]
Check = Callable[[Path], str]


@dataclass
class Case:
    name: str
    group: int
    entry: str
    argv: list[str]
    expect: str  # "error", "ok" or "either"
    setup: Setup | None = None
    check: Check | None = None
    may_change: tuple[str, ...] = ()  # paths in the case folder it may change or remove
    mode: str = "inproc"  # or "bounded" (child under RLIMIT_AS) or "app" (child with Qt)
    timeout: float = 90.0
    env: dict[str, str] = field(default_factory=dict)
    folder: Path = Path()


def shown(case: Case) -> list[str]:
    """The argv as a reader can repeat it (with `--keep DIR`): $W is DIR/work."""
    return [arg.replace(str(WORK), "$W") for arg in case.argv]


# --------------------------------------------------------------------------- checks


def image_at(name: str, size: tuple[int, int] | None = None) -> Check:
    """A check: `name` in the case folder is a readable image (of `size` = (w, h))."""

    def check(folder: Path) -> str:
        path = folder / name
        if not path.is_file():
            return f"{name} was not written"
        try:
            with Image.open(path) as img:
                img.load()
                got = img.size
        except Exception as error:
            return f"{name} is not an image ({error})"
        if size is not None and got != size:
            return f"{name} is {got[0]}×{got[1]}, expected {size[0]}×{size[1]}"
        return ""

    return check


def exists(*names: str) -> Check:
    def check(folder: Path) -> str:
        missing = [n for n in names if not (folder / n).exists()]
        return f"not written: {', '.join(missing)}" if missing else ""

    return check


def gone(*names: str, kept: tuple[str, ...] = ()) -> Check:
    """Stale leftovers removed, live ones kept."""

    def check(folder: Path) -> str:
        left = [n for n in names if (folder / n).exists()]
        lost = [n for n in kept if not (folder / n).exists()]
        if left:
            return f"stale leftover not removed: {left[0]}"
        return f"a live temp file was removed: {lost[0]}" if lost else ""

    return check


def both(*checks: Check) -> Check:
    def check(folder: Path) -> str:
        return next((p for p in (c(folder) for c in checks) if p), "")

    return check


# --------------------------------------------------------------------------- inputs


def _save(path: Path, array: np.ndarray, mode: str | None = None, **options: object) -> None:
    Image.fromarray(array, mode).save(path, **options)


def _noise(h: int, w: int, channels: int = 3, seed: int = 0) -> np.ndarray:
    shape = (h, w, channels) if channels > 1 else (h, w)
    return np.random.default_rng(seed).integers(0, 255, shape, dtype=np.uint8)


def _png_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "PNG")
    return buffer.getvalue()


def _png_header_lie(width: int, height: int) -> bytes:
    """A PNG whose IHDR declares width×height but holds a few bytes of data."""
    ihdr = b"IHDR" + struct.pack(">II", width, height) + b"\x08\x02\x00\x00\x00"
    idat = b"IDAT" + zlib.compress(bytes(1000))

    def chunk(body: bytes) -> bytes:
        return struct.pack(">I", len(body) - 4) + body + struct.pack(">I", zlib.crc32(body))

    return b"\x89PNG\r\n\x1a\n" + chunk(ihdr) + chunk(idat) + chunk(b"IEND")


def _jpeg_header_lie(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(_noise(8, 8)).save(buffer, "JPEG")
    data = bytearray(buffer.getvalue())
    at = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, at + 5, height, width)
    return bytes(data)


@dataclass(frozen=True)
class Pic:
    """An image file for image slots: its name in `WORK/img`, size (w, h) if readable."""

    name: str
    size: tuple[int, int] | None  # None: not a readable image
    odd: bool = True  # a valid but unusual file (when size is not None)
    risky: bool = False  # could exhaust memory if a limit regressed


def make_images(folder: Path) -> list[Pic]:
    """Damaged, huge, tiny and odd image files, and masks of each readable size."""
    folder.mkdir()
    pics: list[Pic] = []

    def add(name: str, size: tuple[int, int] | None, **flags: bool) -> Path:
        pics.append(Pic(name, size, **flags))
        return folder / name

    photo = _noise(40, 48)
    valid_png = _png_bytes(photo)
    jpeg = io.BytesIO()
    Image.fromarray(photo).save(jpeg, "JPEG")
    add("empty.png", None).write_bytes(b"")
    add("text.png", None).write_text("this is not an image\n")
    add("random.png", None).write_bytes(np.random.default_rng(1).bytes(2048))
    add("truncated.png", None).write_bytes(valid_png[: len(valid_png) // 2])
    add("truncated.jpg", None).write_bytes(jpeg.getvalue()[: len(jpeg.getvalue()) // 2])
    add("header-only.png", None).write_bytes(valid_png[:33])
    bad_crc = bytearray(valid_png)
    bad_crc[len(valid_png) // 2] ^= 0xFF
    add("bad-crc.png", None).write_bytes(bytes(bad_crc))
    add("svg.png", None).write_text('<svg xmlns="http://www.w3.org/2000/svg" width="9"/>')
    add("pdf.jpg", None).write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n")
    add("huge-header.png", None, risky=True).write_bytes(_png_header_lie(30000, 30000))
    add("huge-header.jpg", None, risky=True).write_bytes(_jpeg_header_lie(65000, 65000))
    add("wide-header.png", None, risky=True).write_bytes(_png_header_lie(2**31 - 1, 1))
    add("zero-header.png", None).write_bytes(_png_header_lie(0, 0))
    (add("folder.png", None)).mkdir()
    os.mkfifo(add("fifo.png", None))
    add("dangling.png", None).symlink_to(folder / "nothing-here.png")
    loop = add("loop.png", None)
    loop.symlink_to(loop)
    # valid but odd
    _save(add("photo.png", (48, 40), odd=False), photo)
    rgba = np.dstack([photo, _noise(40, 48, 1, seed=2)])
    _save(add("alpha.png", (48, 40)), rgba, "RGBA")
    _save(add("grey.png", (48, 40)), photo[..., 0], "L")
    _save(add("la.png", (48, 40)), np.dstack([photo[..., 0], photo[..., 1]]), "LA")
    Image.fromarray(photo).convert("P").save(add("palette.png", (48, 40)))
    Image.fromarray(photo).convert("1").save(add("bilevel.png", (48, 40)))
    Image.fromarray(photo.astype(np.uint16)[..., 0] * 257).save(add("grey16.png", (48, 40)))
    import cv2

    cv2.imwrite(str(add("rgb16.png", (48, 40))), photo.astype(np.uint16) * 257)
    Image.fromarray(photo).convert("CMYK").save(add("cmyk.jpg", (48, 40)), "JPEG")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° on display: 48×40 stored, 40×48 shown
    Image.fromarray(photo).save(add("exif-rotated.jpg", (40, 48)), "JPEG", exif=exif)
    Image.fromarray(photo).save(add("photo.gif", (48, 40)), "GIF")
    frames = [Image.fromarray(_noise(40, 48, seed=s)) for s in range(3)]
    frames[0].save(add("animated.gif", (48, 40)), save_all=True, append_images=frames[1:])
    Image.fromarray(photo).save(add("photo.tif", (48, 40)), "TIFF")
    Image.fromarray(photo).save(add("photo.bmp", (48, 40)), "BMP")
    Image.fromarray(photo).save(add("photo.webp", (48, 40)), "WEBP")
    Image.fromarray((photo[..., 0] / 255).astype(np.float32), "F").save(add("float.tif", (48, 40)))
    add("png-named.jpg", (48, 40)).write_bytes(valid_png)
    add("upper.PNG", (48, 40)).write_bytes(valid_png)
    add("no-extension", (48, 40)).write_bytes(valid_png)
    add("trailing-junk.png", (48, 40)).write_bytes(valid_png + b"junk" * 100)
    _save(add("tiny-1x1.png", (1, 1)), _noise(1, 1))
    _save(add("sliver-2x300.png", (300, 2)), _noise(2, 300))
    _save(add("sliver-300x2.png", (2, 300)), _noise(300, 2))
    _save(add("tiny-3x3.png", (3, 3)), _noise(3, 3))
    _save(add("large-1500x1200.jpg", (1500, 1200)), _noise(1200, 1500), quality=50)
    (folder / "link.png").symlink_to(folder / "photo.png")
    pics.append(Pic("link.png", (48, 40)))
    for pic in pics:  # a mask (a hole in the middle) for every readable size
        if pic.size is not None:
            _hole_mask(folder / f"mask-{pic.size[0]}x{pic.size[1]}.png", pic.size)
    return pics


def _hole_mask(path: Path, size: tuple[int, int]) -> None:
    w, h = size
    hole = np.zeros((h, w), np.uint8)
    hole[h // 4 : max(h // 4 + 1, 3 * h // 4), w // 4 : max(w // 4 + 1, 3 * w // 4)] = 255
    if not path.exists():
        Image.fromarray(hole).save(path)


def make_masks(folder: Path) -> dict[str, str]:
    """Masks for the 48×40 photo: name -> expect."""
    folder.mkdir()
    hole = np.zeros((40, 48), np.uint8)
    hole[10:20, 12:30] = 255
    masks = {}

    def add(name: str, expect: str) -> Path:
        masks[name] = expect
        return folder / name

    Image.fromarray(hole).save(add("binary.png", "ok"))
    Image.fromarray((hole // 255 * 137).astype(np.uint8)).save(add("grey-137.png", "ok"))
    Image.fromarray(np.dstack([hole] * 3)).save(add("rgb.png", "ok"))
    Image.fromarray(np.dstack([hole, hole * 0, hole * 0])).save(add("red-only.png", "ok"))
    Image.fromarray(hole).save(add("mask.jpg", "ok"), "JPEG")
    Image.fromarray(hole).convert("1").save(add("bilevel.png", "ok"))
    Image.fromarray(hole.astype(np.uint16) * 257).save(add("grey16.png", "ok"))
    rgba = np.dstack([np.dstack([hole] * 3), np.full((40, 48), 255, np.uint8)])
    Image.fromarray(rgba, "RGBA").save(add("rgba.png", "ok"))
    transparent = np.dstack([np.zeros((40, 48, 3), np.uint8), hole])
    Image.fromarray(transparent, "RGBA").save(add("alpha-only.png", "either"))
    noisy = hole.copy()
    noisy[0, 0] = 1  # one stray near-black pixel
    Image.fromarray(noisy).save(add("stray-pixel.png", "ok"))
    Image.fromarray(np.zeros((40, 48), np.uint8)).save(add("all-black.png", "error"))
    Image.fromarray(np.full((40, 48), 255, np.uint8)).save(add("all-white.png", "either"))
    Image.fromarray(hole[:20, :24]).save(add("half-size.png", "error"))
    Image.fromarray(hole.T.copy()).save(add("transposed.png", "error"))
    Image.fromarray(np.full((1, 1), 255, np.uint8)).save(add("one-pixel.png", "error"))
    add("empty.png", "error").write_bytes(b"")
    add("text.png", "error").write_text("white = hole")
    add("truncated.png", "error").write_bytes(_png_bytes(hole)[:60])
    add("huge-header.png", "error").write_bytes(_png_header_lie(30000, 30000))
    add("folder.png", "error").mkdir()
    os.mkfifo(add("fifo.png", "error"))
    return masks


# --------------------------------------------------------------------------- models


def make_models(folder: Path, work: Path) -> dict[str, tuple[str, str]]:
    """Model files: name -> (what it is, kind it works as: gan/translator/pth/none)."""
    from safetensors.torch import save_file
    from test_models import _gan, _rewrite, _set, _translator

    from ganpaint.models import DCGANGenerator, ModelBundle, ResnetGenerator

    folder.mkdir()
    models: dict[str, tuple[str, str]] = {}

    def lie(name: str, base: Callable[[Path], Path], key: str, value: object) -> None:
        _rewrite(base(folder / name), _set(key, value))
        harmless = key == "domains" and base is _gan  # a field a GAN does not use
        models[name] = (f"{key} = {value!r} in its metadata", "odd" if harmless else "none")

    for key, value in [
        ("nz", 50), ("nz", "8"), ("resolution", 64), ("resolution", math.nan),
        ("channels_out", 1), ("latent", "cauchy"), ("dtype", "int8"), ("G.ngf", 8),
        ("G.nz", 2**62), ("G.image_size", 64), ("G.bogus", 1), ("D.nc", 1),
        ("kind", "vae"), ("domains", ["day", "night"]),
    ]:  # fmt: skip
        lie(f"gan-{key}-{str(value)[:6]}.safetensors", _gan, key, value)
    for key, value in [("size_multiple", 3), ("direction", "sideways"), ("channels_in", 1),
                       ("domains", {"A": 1}), ("G.n_blocks", 10**6)]:  # fmt: skip
        lie(f"p2p-{key}.safetensors", _translator, key, value)

    def poison(value: float) -> Callable[[dict, dict], None]:
        def edit(_: dict, tensors: dict[str, torch.Tensor]) -> None:
            tensors["G.main.0.weight"][0, 0, 0, 0] = value

        return edit

    for label, value in (("nan", math.nan), ("inf", math.inf)):
        _rewrite(_gan(folder / f"gan-{label}-weight.safetensors"), poison(value))
        models[f"gan-{label}-weight.safetensors"] = (f"a {label} weight", "none")
    valid = (work / "gan.safetensors").read_bytes()
    files = {
        "empty.safetensors": b"",
        "text.safetensors": b"a text file renamed\n",
        "truncated.safetensors": valid[: len(valid) // 2],
        "huge-header.safetensors": struct.pack("<Q", 2**60) + b"{}",
        "header-not-json.safetensors": struct.pack("<Q", 8) + b"not json" + bytes(64),
        "text.pth": b"a text file renamed .pth\n",
        "empty.pth": b"",
        "zip.pth": b"PK\x03\x04 torn zip",
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
        models[name] = ("damaged", "none")
    save_file({"x": torch.zeros(2)}, str(folder / "no-metadata.safetensors"))
    models["no-metadata.safetensors"] = ("safetensors without metadata", "none")
    import argparse

    torch.save({"payload": argparse.Namespace(cmd="touch pwned")}, folder / "evil.pth")
    models["evil.pth"] = ("a pickle payload", "none")
    torch.manual_seed(0)
    torch.save(DCGANGenerator(nz=8, ngf=4, image_size=32).state_dict(), folder / "netG.pth")
    models["netG.pth"] = ("a reference DCGAN generator", "pth")
    state = DCGANGenerator(nz=8, ngf=4, image_size=32).state_dict()
    state["main.0.weight"][0, 0, 0, 0] = math.nan
    torch.save(state, folder / "netG-nan.pth")
    models["netG-nan.pth"] = ("a reference generator with a NaN weight", "none")
    torch.save(ResnetGenerator(ngf=4, n_blocks=6).state_dict(), folder / "latest_net_G.pth")
    models["latest_net_G.pth"] = ("a reference ResNet generator", "pth-translator")
    torch.save({"a": torch.zeros(3)}, folder / "foreign.pth")
    models["foreign.pth"] = ("a state dict of no known network", "none")
    (folder / "folder.safetensors").mkdir()
    models["folder.safetensors"] = ("a folder", "none")
    os.mkfifo(folder / "fifo.safetensors")
    models["fifo.safetensors"] = ("a FIFO", "none")
    shutil.copy(work / "gan.safetensors", folder / "gan.safetensors")
    models["gan.safetensors"] = ("a valid GAN", "gan")
    shutil.copy(work / "a2b.safetensors", folder / "a2b.safetensors")
    models["a2b.safetensors"] = ("a valid CycleGAN", "cyclegan")
    shutil.copy(work / "sketch.safetensors", folder / "sketch.safetensors")
    models["sketch.safetensors"] = ("a valid pix2pix", "pix2pix")
    torch.manual_seed(0)
    ModelBundle.create("gan", {"G": DCGANGenerator(nz=8, ngf=4, image_size=32)}, {"name": "g"}
                       ).save(folder / "gan-no-D.safetensors")  # fmt: skip
    models["gan-no-D.safetensors"] = ("a GAN without its discriminator", "gan-no-D")
    return models


# --------------------------------------------------------------------------- .ora


def make_oras(folder: Path) -> dict[str, tuple[str, bool]]:
    """.ora documents: name -> (expect, risky)."""
    from test_documents import LAYER, _ora, _patch, _png, _stack

    folder.mkdir()
    oras: dict[str, tuple[str, bool]] = {}

    def add(name: str, expect: str = "error", risky: bool = False) -> Path:
        oras[name] = (expect, risky)
        return folder / name

    _ora(add("valid.ora", "ok"))
    _ora(add("deflated.ora", "ok"), method=zipfile.ZIP_DEFLATED)
    _ora(add("nested-20.ora", "ok"), _stack("<stack>" * 20 + LAYER + "</stack>" * 20))
    _ora(add("two-layers.ora", "ok"), _stack(LAYER + LAYER.replace("photo", "paint")))
    _ora(add("offset-layer.ora", "either"), _stack(LAYER.replace('x="0"', 'x="-3"')))
    _ora(add("huge-canvas.ora", risky=True), _stack(LAYER, 30000, 30000))
    header = _png_header_lie(30000, 30000)
    _ora(add("huge-layer.ora", risky=True), entries={"data/a.png": header})
    _ora(add("many-layers.ora"), _stack(LAYER * 300))
    _ora(add("all-layers-budget.ora", risky=True), _stack(LAYER * 200, 16000, 16000))
    deep = "<stack>" * 50000 + LAYER + "</stack>" * 50000
    _ora(add("deep-50000.ora"), _stack(deep), method=zipfile.ZIP_DEFLATED)
    _ora(add("deep-40.ora"), _stack("<stack>" * 40 + LAYER + "</stack>" * 40))
    _patch(_ora(add("declares-4GB.ora")), "data/a.png", size=4_100_000_000)
    bomb = _png()[:16] + bytes(64 * 2**20)
    path = _ora(add("zip-bomb.ora", risky=True), entries={"data/a.png": bomb},
                method=zipfile.ZIP_DEFLATED)  # fmt: skip
    _patch(path, "data/a.png", size=100)
    padding = "<!--" + "x" * (3 * 2**20) + "-->"
    stack = _stack(LAYER).replace(b"<image", padding.encode() + b"<image")
    _ora(add("big-stack-xml.ora"), stack, method=zipfile.ZIP_DEFLATED)
    for attributes in ('x="inf"', 'x="1e400"', 'y="nan"', 'x="1e12"', 'opacity="nan"',
                       'x="left"', 'opacity="-5"', 'opacity="7"'):  # fmt: skip
        layer = f'<layer name="photo" src="data/a.png" {attributes}/>'
        label = attributes.replace('"', "").replace("=", "-")
        expect = "either" if attributes in ('opacity="-5"', 'opacity="7"') else "error"
        _ora(add(f"attr-{label}.ora", expect), _stack(layer))
    for w, h in ((-5, 3), (0, 3), ("inf", 3), (4, "1e9"), (4, "9" * 5000), ("", 3)):
        _ora(add(f"canvas-{str(w)[:4]}x{str(h)[:4]}.ora"), _stack(LAYER, w, h))
    _patch(_ora(add("bad-deflate.ora")), "data/a.png", method=zipfile.ZIP_DEFLATED)
    _patch(_ora(add("encrypted.ora")), "data/a.png", flag=0x1)
    for method in (99, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA):
        _patch(_ora(add(f"method-{method}.ora")), "data/a.png", method=method)
    _ora(add("missing-layer.ora"), entries={})
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3)).save(buffer, "BMP")
    _ora(add("bmp-layer.ora"), entries={"data/a.png": buffer.getvalue()})
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)
    )
    laughs = f'<?xml version="1.0"?><!DOCTYPE image [{entities}]><image w="4" h="3">&j;</image>'
    _ora(add("billion-laughs.ora"), laughs.encode())
    xxe = ('<?xml version="1.0"?><!DOCTYPE image [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           '<image w="4" h="3"><stack><layer name="&x;" src="data/a.png"/></stack></image>')  # fmt: skip
    _ora(add("xxe.ora"), xxe.encode())
    escape = '<layer name="p" src="../../../../etc/passwd" x="0" y="0"/>'
    _ora(add("src-escape.ora"), _stack(escape))
    _ora(add("src-absolute.ora"), _stack(LAYER.replace("data/a.png", "/etc/hostname")))
    with zipfile.ZipFile(add("traversal-entry.ora", "either"), "w") as archive:
        archive.writestr("mimetype", b"image/openraster")
        archive.writestr("stack.xml", _stack(LAYER))
        archive.writestr("data/a.png", _png())
        archive.writestr("../../evil.txt", b"escaped")
    _ora(add("no-stack-tag.ora"), b'<image w="4" h="3"></image>')
    _ora(add("not-xml.ora"), b"\x00\x01 binary stack")
    _ora(add("empty-stack.ora", "either"), _stack(""))
    with zipfile.ZipFile(add("no-mimetype.ora", "either"), "w") as archive:
        archive.writestr("stack.xml", _stack(LAYER))
        archive.writestr("data/a.png", _png())
    with zipfile.ZipFile(add("no-stack-xml.ora"), "w") as archive:
        archive.writestr("mimetype", b"image/openraster")
    add("empty.ora").write_bytes(b"")
    add("text.ora").write_text("hello")
    valid = (folder / "valid.ora").read_bytes()
    add("truncated.ora").write_bytes(valid[: len(valid) // 2])
    for index, offset in enumerate((40, len(valid) // 3, len(valid) - 30)):
        flipped = bytearray(valid)
        flipped[offset] ^= 0x5A
        add(f"flipped-{index}.ora", "either").write_bytes(bytes(flipped))
    add("folder.ora").mkdir()
    os.mkfifo(add("fifo.ora"))
    return oras


# --------------------------------------------------------------------------- commands

INPAINT = ["inpaint", "{w}/photo.png", "--mask", "{w}/mask.png", "--method", "telea"]
INPAINT_GAN = ["inpaint", "{w}/photo.png", "--mask", "{w}/mask.png", "--model",
               "{w}/gan.safetensors", "--restarts", "2", "--iters", "2", "--refine-steps", "0",
               "--device", "cpu"]  # fmt: skip
TRANSLATE = ["translate", "{w}/photo.png", "--model", "{w}/a2b.safetensors", "--precision",
             "fp32", "--device", "cpu"]  # fmt: skip
SKETCH = ["sketch", "{w}/edges.png", "--model", "{w}/sketch.safetensors", "--precision", "fp32",
          "--device", "cpu"]  # fmt: skip
GENERATE = ["generate", "--colors", "{w}/strokes.png", "--model", "{w}/gan.safetensors",
            "--restarts", "2", "--iters", "2", "--device", "cpu"]  # fmt: skip
#: Strokes at the photo's size (48×40), as --photo needs.
GENERATE_PHOTO = ["generate", "--colors", "{w}/strokes-48x40.png", "--photo", "{w}/photo.png",
                  *GENERATE[3:]]  # fmt: skip
SAMPLE = ["sample", "--model", "{w}/gan.safetensors", "-n", "4", "--device", "cpu"]
TINY_RUN = ["--size", "32", "--ngf", "8", "--ndf", "8", "--nz", "16", "--batch", "8",
            "--workers", "0", "--device", "cpu", "--no-tensorboard", "--log-every", "2"]  # fmt: skip
GAN = ["gan", *TINY_RUN, "--iters", "1", "--synthetic-n", "8"]
RESUME = ["gan", "-o", "run", "--resume", "--iters", "3", "--checkpoint-every", "1", *TINY_RUN]
ENCODER = ["encoder", "--model", "{w}/gan.safetensors", "--data", "{t}/images", "--iters", "1", "--device", "cpu",
           "--workers", "0", "--synthetic-n", "8", "--batch", "4", "--no-tensorboard"]  # fmt: skip
_TRANSLATION = ["--size", "32", "--load-size", "32", "--ngf", "4", "--ndf", "4", "--iters", "1",
                "--synthetic-n", "2", "--device", "cpu", "--workers", "0", "--no-tensorboard",
                "--test-n", "1"]  # fmt: skip
CYCLEGAN = ["cyclegan", *_TRANSLATION, "--netG", "resnet_6blocks"]
PIX2PIX = ["pix2pix", *_TRANSLATION]
EVAL = ["eval", "{t}/run", "-n", "8", "--device", "cpu", "--batch", "8"]
SYNTH = ["synth", "landscapes", "-n", "2", "--size", "16"]

TRAIN_COMMANDS = {"synth", "gan", "encoder", "cyclegan", "pix2pix", "eval", "export", "status"}


def entry_of(argv: list[str], prog: str) -> str:
    if prog == "ora":
        return "ora loader"
    if prog == "app":
        return "ganpaint (app)"
    if prog == "ganpaint-train":
        return f"ganpaint-train {argv[0]}" if argv and argv[0] in TRAIN_COMMANDS else prog
    if argv and argv[0] == "models":
        return f"ganpaint models {argv[1]}" if len(argv) > 1 else "ganpaint models list"
    if argv and argv[0] in ("inpaint", "translate", "sketch", "generate", "sample"):
        return f"ganpaint {argv[0]}"
    return "ganpaint (app)"


class Cases:
    """Collects cases, naming each one and knowing which program runs it."""

    def __init__(self) -> None:
        self.cases: list[Case] = []

    def add(self, name: str, group: int, argv: list[str], expect: str, prog: str = "",
            **options: object) -> None:  # fmt: skip
        if not prog:
            prog = "ganpaint-train" if argv and argv[0] in TRAIN_COMMANDS else "ganpaint"
        argv = [a.replace("{w}", str(WORK)).replace("{t}", str(WORK / "trained")) for a in argv]
        if "fifo" in name:  # a blocked open is released at the timeout: keep it short
            options.setdefault("timeout", 15.0)
        self.cases.append(Case(name, group, entry_of(argv, prog), argv, expect, **options))  # type: ignore[arg-type]


def _fifo(name: str) -> Setup:
    return lambda folder: os.mkfifo(folder / name)


def _device(name: str) -> Setup:
    def setup(folder: Path) -> None:
        try:
            os.mknod(folder / name, 0o666 | stat.S_IFCHR, os.makedev(1, 7))  # our own /dev/full
        except OSError:
            os.mkfifo(folder / name)

    return setup


def _write(name: str, data: bytes = b"the user's own file") -> Setup:
    def setup(folder: Path) -> None:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)

    return setup


def _mkdir(name: str) -> Setup:
    return lambda folder: (folder / name).mkdir(parents=True)


def _link(name: str, target: str, hard: bool = False) -> Setup:
    def setup(folder: Path) -> None:
        real = Path(target.replace("{w}", str(WORK)))
        if hard:
            os.link(real, folder / name)
        else:
            (folder / name).symlink_to(real)

    return setup


def _chain(*setups: Setup) -> Setup:
    def setup(folder: Path) -> None:
        for each in setups:
            each(folder)

    return setup


def _inputs_here(folder: Path) -> None:
    (folder / "inputs").mkdir()
    for name in ("strokes.png", "gan.safetensors", "photo.png"):
        shutil.copy(WORK / name, folder / "inputs" / name)


def _copy_run(folder: Path) -> None:
    shutil.copytree(WORK / "trained" / "run", folder / "run")


def _copy_trained(folder: Path) -> None:
    """The trained run and its images, the run's config pointing at the copied images."""
    _copy_run(folder)
    shutil.copytree(WORK / "trained" / "images", folder / "images")
    config = folder / "run" / "config.toml"
    text = config.read_text().replace(str(WORK / "trained" / "images"), str(folder / "images"))
    config.write_text(text)


def _age(path: Path, seconds: float = 3600) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


# --------------------------------------------------------------------------- group 1


def destinations(cases: Cases) -> None:
    png = image_at("out.png")
    writers: dict[str, tuple[list[str], list[str], Check]] = {
        "inpaint": (INPAINT, ["{w}/photo.png", "{w}/mask.png"], image_at("out.png", (48, 40))),
        "inpaint-gan": (INPAINT_GAN, ["{w}/gan.safetensors"], image_at("out.png", (48, 40))),
        "translate": (TRANSLATE, ["{w}/photo.png", "{w}/a2b.safetensors"],
                      image_at("out.png", (48, 40))),
        "translate-mask": ([*TRANSLATE, "--mask", "{w}/mask.png"], ["{w}/mask.png"],
                           image_at("out.png", (48, 40))),
        "sketch": (SKETCH, ["{w}/edges.png", "{w}/sketch.safetensors"], png),
        "generate": (GENERATE, ["{w}/strokes.png", "{w}/gan.safetensors"], png),
        "generate-edges": ([*GENERATE, "--edges", "{w}/edges.png"], ["{w}/edges.png"], png),
        "generate-photo": ([*GENERATE_PHOTO, "--mask", "{w}/mask.png"],
                           ["{w}/photo.png", "{w}/mask.png"], image_at("out.png", (48, 40))),
        "sample": (SAMPLE, ["{w}/gan.safetensors"], png),
        "export": (["export", "{t}/run"], [], exists("out.png")),
    }  # fmt: skip
    for writer, (base, inputs, check) in writers.items():

        def one(kind: str, out: str, expect: str, **options: object) -> None:
            cases.add(f"dest/{writer}/{kind}", 1, [*base, "-o", out], expect, **options)

        for index, victim in enumerate(inputs):
            one(f"input-{index}", victim, "error")
        if writer.endswith(("-edges", "-mask", "-gan")):
            continue
        one("fifo", "out.png", "error", setup=_fifo("out.png"))
        one("device", "out.png", "error", setup=_device("out.png"))
        one("folder", "out.png", "error", setup=_mkdir("out.png"))
        one("missing-folder", "nowhere/out.png", "error")
        one("empty", "", "error")
        one("through-file", "taken.txt/out.png", "error", setup=_write("taken.txt"))
        if inputs:
            one("symlink-input", "link.png", "error", setup=_link("link.png", inputs[0]))
            one(
                "hardlink-input", "hard.png", "error", setup=_link("hard.png", inputs[0], hard=True)
            )
        one("dangling-symlink", "out.png", "either", setup=_link("out.png", "{w}/nothing.png"),
            may_change=("out.png",))  # fmt: skip
        one("existing-output", "out.png", "ok", setup=_write("out.png"), check=check,
            may_change=("out.png",))  # fmt: skip
        one("unicode-name", "ausgabe ü 写.png", "ok", check=exists("ausgabe ü 写.png"))
        one("long-name", "a" * 300 + ".png", "error")
        if writer != "export":
            one("unknown-extension", "out.xyz", "error")
            one("jpg", "out.jpg", "ok", check=image_at("out.jpg"))
            one("no-extension", "out", "either")
            one("dash", "-", "either")
    run_inputs = ["{t}/run", "{t}/run/config.toml", "{t}/run/status.json",
                  "{t}/run/scalars.jsonl", "{t}/run/checkpoints/step-00000002.pt",
                  "{t}/run/checkpoints/x.safetensors", "{t}/images"]  # fmt: skip
    for index, victim in enumerate(run_inputs):
        cases.add(f"dest/export/run-file-{index}", 1, ["export", "{t}/run", "-o", victim], "error")
    cases.add("dest/export/over-own-checkpoint", 1,
              ["export", "{t}/run", "--checkpoint", "{t}/run/checkpoints/step-00000002.pt",
               "-o", "{t}/run/checkpoints/step-00000002.pt"], "error")  # fmt: skip
    cases.add("dest/export/half", 1, ["export", "{t}/run", "--half", "-o", "m.safetensors"], "ok",
              check=exists("m.safetensors"))  # fmt: skip
    folder_writers = {
        "gan": (GAN, "run"), "encoder": (ENCODER, "run"), "cyclegan": (CYCLEGAN, "run"),
        "pix2pix": (PIX2PIX, "run"), "eval": (EVAL, "report"), "synth": (SYNTH, "data"),
    }  # fmt: skip
    for writer, (base, out) in folder_writers.items():

        def add(kind: str, target: str, expect: str, **options: object) -> None:
            cases.add(f"dest/{writer}/{kind}", 1, [*base, "-o", target], expect, **options)

        add("file", "taken.txt", "error", setup=_write("taken.txt"))
        add("through-file", f"taken.txt/{out}", "error", setup=_write("taken.txt"))
        add("fifo", out, "error", setup=_fifo(out))
        add("device", out, "error", setup=_device(out))
        add("empty", "", "error")
        add("the-trained-run", "run", "error", setup=_copy_trained)
        add("inside-trained-run", "run/checkpoints", "either", setup=_copy_trained)
        if writer == "gan":
            add("photos-folder", "images", "either", setup=_copy_trained)  # not its --data
            cases.add(
                "dest/gan/input-images-given",
                1,
                [*base, "--data", "images", "-o", "images"],
                "error",
                setup=_copy_trained,
            )
        elif writer == "eval":
            # another run's photos, not the evaluated model's data: a report may go there
            add("input-images", "images", "either", setup=_copy_trained)
            cases.add("dest/eval/input-images-given", 1,
                      [*base[:1], "run", *base[2:], "--data", "images", "-o", "images"],
                      "error", setup=_copy_trained)  # fmt: skip
        else:
            add("photos-folder", "images", "either", setup=_copy_trained)
        add("photo", "{w}/photo.png", "error")
        if writer in ("gan", "encoder", "cyclegan", "pix2pix"):
            add("folder-with-model", out, "error", setup=_write(f"{out}/model.safetensors"))
            add("folder-with-files", out, "either", setup=_write(f"{out}/notes.txt"))
        if writer in ("gan", "synth", "eval"):
            add("missing-parents", f"new/deeper/{out}", "either")
            add("existing-empty-folder", out, "ok", setup=_mkdir(out), check=exists(out))
    cases.add("dest/gan/data-is-out", 1,
              ["gan", *TINY_RUN, "--iters", "1", "--data", "images", "-o", "images"], "error",
              setup=lambda f: shutil.copytree(WORK / "trained" / "images", f / "images"))  # fmt: skip
    cases.add(
        "dest/gan/out-in-data",
        1,
        ["gan", *TINY_RUN, "--iters", "1", "--data", "images", "-o", "images/run"],
        "error",
        setup=lambda f: shutil.copytree(WORK / "trained" / "images", f / "images"),
    )
    cases.add(
        "dest/synth/into-photos",
        1,
        [*SYNTH, "--layout", "folder", "-o", "images"],
        "either",
        setup=lambda f: shutil.copytree(WORK / "trained" / "images", f / "images"),
    )
    cases.add(
        "dest/eval/into-data",
        1,
        [*EVAL, "--data", "images", "-o", "images"],
        "error",
        setup=lambda f: shutil.copytree(WORK / "trained" / "images", f / "images"),
    )
    for kind, out in (("input", "{w}/photo.png"), ("folder", "shots"), ("empty", ""),
                      ("missing-folder", "nowhere/shot.png"), ("fifo", "shot.png")):  # fmt: skip
        setup = _mkdir("shots") if kind == "folder" else _fifo(out) if kind == "fifo" else None
        cases.add(f"dest/app-screenshot/{kind}", 1, ["{w}/photo.png", "--screenshot", out],
                  "error", prog="app", mode="app", setup=setup, timeout=120)  # fmt: skip
    for name in ("", "../escape", "a/b", "x" * 300, "."):
        cases.add(f"dest/models-import/name-{name[:8] or 'empty'}", 1,
                  ["models", "import", "{w}/models/netG.pth", "--name", name], "either"
                  if name in ("a/b", "") else "error")  # "": the stem  # fmt: skip


# --------------------------------------------------------------------------- group 2


def documents(cases: Cases, oras: dict[str, tuple[str, bool]]) -> None:
    for name, (expect, risky) in oras.items():
        cases.add(f"ora/{name}", 2, [f"{{w}}/ora/{name}"], expect, prog="ora",
                  mode="bounded" if risky else "inproc")  # fmt: skip
    for name in ("valid.ora", "huge-canvas.ora", "zip-bomb.ora", "deep-50000.ora", "text.ora"):
        expect = oras[name][0]
        cases.add(f"ora/app/{name}", 2, [f"{{w}}/ora/{name}", "--screenshot", "shot.png"],
                  expect, prog="app", mode="app", timeout=120,
                  check=image_at("shot.png"))  # fmt: skip


# --------------------------------------------------------------------------- group 3


MODEL_SLOTS: dict[str, tuple[list[str], set[str], set[str]]] = {
    # slot: (argv with {m}, kinds that work, kinds that may)
    "inpaint": (
        [*INPAINT_GAN[:4], "--model", "{m}", *INPAINT_GAN[6:], "-o", "out.png"],
        {"gan"},
        {"gan-no-D"},
    ),
    "generate": (
        [*GENERATE[:3], "--model", "{m}", *GENERATE[5:], "-o", "out.png"],
        {"gan", "gan-no-D"},
        set(),
    ),
    "sample": (
        ["sample", "--model", "{m}", "-n", "2", "-o", "out.png"],
        {"gan", "gan-no-D"},
        set(),
    ),
    "translate": (
        [*TRANSLATE[:2], "--model", "{m}", *TRANSLATE[4:], "-o", "out.png"],
        {"cyclegan", "pix2pix"},
        set(),
    ),
    "sketch": (
        [*SKETCH[:2], "--model", "{m}", *SKETCH[4:], "-o", "out.png"],
        {"pix2pix"},
        {"cyclegan"},
    ),
    "models-info": (
        ["models", "info", "{m}"],
        {"gan", "cyclegan", "pix2pix", "gan-no-D"},
        {"pth", "pth-translator", "nan"},
    ),
    "models-import": (
        ["models", "import", "{m}"],
        {"pth", "pth-translator"},
        {"gan", "cyclegan", "pix2pix", "gan-no-D"},
    ),
    "encoder": ([*ENCODER[:1], "--model", "{m}", *ENCODER[3:], "-o", "run"], {"gan"}, {"gan-no-D"}),
    "eval": (
        ["eval", "{m}", "--data", "{t}/images", *EVAL[2:], "-o", "report"],
        {"gan", "gan-no-D"},
        set(),
    ),
    "cyclegan-init": (
        [*CYCLEGAN, "--init-from", "{m}", "-o", "run"],
        {"cyclegan", "pth-translator"},
        {"pix2pix"},
    ),
    "pix2pix-init": (
        [*PIX2PIX, "--init-from", "{m}", "-o", "run"],
        {"pix2pix"},
        {"pth-translator", "cyclegan"},
    ),
    "export-checkpoint": (
        ["export", "{t}/run", "--checkpoint", "{m}", "-o", "m.safetensors"],
        set(),
        set(),
    ),
}


def model_files(cases: Cases, models: dict[str, tuple[str, str]]) -> None:
    for slot, (argv, works, may) in MODEL_SLOTS.items():
        for name, (_, kind) in models.items():
            nan = "nan-weight" in name or "inf-weight" in name
            if slot == "export-checkpoint" and kind != "none" and name != "gan.safetensors":
                continue
            if kind in works:
                expect = "ok"
            elif kind == "odd" or kind in may or (nan and "nan" in may):
                expect = "either"
            else:
                expect = "error"
            group = 9 if nan or name in ("text.pth", "netG-nan.pth") else 3
            path = f"{{w}}/models/{name}"
            cases.add(f"model/{slot}/{name}", group, [a.replace("{m}", path) for a in argv],
                      expect, check=_model_check(slot))  # fmt: skip
        for name, expect in (("", "error"), ("no-such-model", "error"),
                             ("../../etc/passwd", "error"), ("{w}/models", "error")):  # fmt: skip
            if slot in ("export-checkpoint", "models-import", "cyclegan-init", "pix2pix-init"):
                continue
            cases.add(f"model/{slot}/name-{name[:10] or 'empty'}", 3,
                      [a.replace("{m}", name) for a in argv], expect)  # fmt: skip
    for name in ("landscapes-dcgan64",):
        cases.add("model/sample/bundled", 3, ["sample", "--model", name, "-n", "1", "-o", "o.png"],
                  "ok", check=image_at("o.png"))  # fmt: skip
    cases.add("model/import/discriminator-text", 3,
              ["models", "import", "{w}/models/netG.pth", "--discriminator",
               "{w}/models/text.pth"], "error")  # fmt: skip
    cases.add("model/import/discriminator-translator", 3,
              ["models", "import", "{w}/models/netG.pth", "--discriminator",
               "{w}/models/latest_net_G.pth"], "error")  # fmt: skip
    for kind, setup, expect in (
        ("damaged-user-models", _damaged_user_models, "ok"),
        ("user-data-is-a-file", _write("user-data"), "either"),
        ("empty", None, "ok"),
    ):
        cases.add(f"model/list/{kind}", 3, ["models", "list"], expect, setup=setup)


def _damaged_user_models(folder: Path) -> None:
    target = folder / "user-data" / "models"
    target.mkdir(parents=True)
    for name in ("text.safetensors", "gan-nz-50.safetensors", "truncated.safetensors",
                 "huge-header.safetensors", "gan.safetensors"):  # fmt: skip
        shutil.copy(WORK / "models" / name, target / name)
    (target / "folder.safetensors").mkdir()


def _model_check(slot: str) -> Check | None:
    if slot in ("inpaint", "translate"):
        return image_at("out.png", (48, 40))
    if slot in ("generate", "sample", "sketch"):
        return image_at("out.png")
    if slot in ("encoder", "cyclegan-init", "pix2pix-init"):
        return exists("run/model.safetensors")
    return None


# --------------------------------------------------------------------------- group 4


def image_files(cases: Cases, pics: list[Pic], masks: dict[str, str], quick: bool) -> None:
    for pic in pics:
        path = f"{{w}}/img/{pic.name}"
        mask = f"{{w}}/img/mask-{pic.size[0]}x{pic.size[1]}.png" if pic.size else "{w}/mask.png"
        tiny = pic.size is not None and min(pic.size) < 4
        size = pic.size
        risky = pic.risky and not quick

        def mode_of(slot: str) -> str:  # one slot in a bounded child: they share the loader
            return "bounded" if risky and slot == "inpaint" else "inproc"

        def add(slot: str, argv: list[str], expect: str, check: Check | None) -> None:
            if pic.size is None:
                expect = "error"
            cases.add(f"image/{slot}/{pic.name}", 4, [*argv, "-o", "out.png"], expect,
                      check=check, mode=mode_of(slot))  # fmt: skip

        add("inpaint", ["inpaint", path, "--mask", mask, "--method", "telea"],
            "either" if tiny else "ok", image_at("out.png", size))  # fmt: skip
        tile = [] if pic.size and max(pic.size) > 64 else ["--tile", "16"]
        add("translate", [*TRANSLATE[:1], path, *TRANSLATE[2:], *tile], "ok",
            image_at("out.png", size))  # fmt: skip
        add("translate-mask", [*TRANSLATE[:1], path, *TRANSLATE[2:], "--mask", mask], "ok"
            if not tiny else "either", image_at("out.png", size))  # fmt: skip
        add("sketch", [*SKETCH[:1], path, *SKETCH[2:]], "ok", image_at("out.png", size))
        add("generate-colors", ["generate", "--colors", path, *GENERATE[3:]], "either",
            image_at("out.png"))  # fmt: skip
        add("generate-edges", ["generate", "--edges", path, *GENERATE[3:]], "ok",
            image_at("out.png"))  # fmt: skip
        add("generate-photo", ["generate", "--edges", path, "--photo", path, *GENERATE[3:]],
            "either" if tiny else "ok",
            image_at("out.png", size))  # fmt: skip
        if pic.name in APP_PICTURES and not quick:
            cases.add(f"image/app/{pic.name}", 4, [path, "--screenshot", "shot.png"],
                      "ok" if pic.size else "error", prog="app", mode="app", timeout=120,
                      check=image_at("shot.png"))  # fmt: skip
        if pic.name in DATA_PICTURES:
            cases.add(f"image/gan-data/{pic.name}", 4,
                      [*GAN[:-2], "--data", "photos", "-o", "run"], "either" if pic.size is None
                      else "ok", setup=_photos_with(pic.name),
                      check=exists("run/model.safetensors"))  # fmt: skip
    for name, expect in masks.items():
        for slot, argv in (
            ("inpaint", [*INPAINT[:2], "--method", "telea"]),
            ("inpaint-gan", INPAINT_GAN[:2] + INPAINT_GAN[4:]),
            ("translate", TRANSLATE),
            ("generate-photo", GENERATE_PHOTO),
        ):
            if slot == "inpaint-gan" and expect != "ok" and name not in ("all-white.png",):
                continue
            cases.add(f"mask/{slot}/{name}", 4, [*argv, "--mask", f"{{w}}/masks/{name}",
                      "-o", "out.png"], expect, check=image_at("out.png", (48, 40)))  # fmt: skip


APP_PICTURES = {"photo.png", "text.png", "truncated.png", "huge-header.png", "folder.png",
                "fifo.png", "cmyk.jpg", "tiny-1x1.png", "exif-rotated.jpg"}  # fmt: skip
DATA_PICTURES = {"text.png", "truncated.png", "huge-header.png", "cmyk.jpg", "tiny-1x1.png",
                 "grey16.png", "animated.gif"}  # fmt: skip


def _photos_with(name: str) -> Setup:
    def setup(folder: Path) -> None:
        shutil.copytree(WORK / "trained" / "images", folder / "photos")
        shutil.copy(
            WORK / "img" / name, folder / "photos" / ("odd-" + name.replace(".gif", ".png"))
        )

    return setup


# --------------------------------------------------------------------------- group 5

NUMBER_BASES = {
    "ganpaint inpaint": [*INPAINT_GAN, "-o", "out.png"],
    "ganpaint generate": [*GENERATE, "-o", "out.png"],
    "ganpaint sample": [*SAMPLE, "-o", "out.png"],
    "ganpaint translate": [*TRANSLATE, "-o", "out.png"],
    "ganpaint sketch": [*SKETCH, "-o", "out.png"],
    "ganpaint-train gan": [*GAN, "-o", "run"],
    "ganpaint-train encoder": [*ENCODER, "-o", "run"],
    "ganpaint-train cyclegan": [*CYCLEGAN, "-o", "run"],
    "ganpaint-train pix2pix": [*PIX2PIX, "-o", "run"],
    "ganpaint-train eval": [*EVAL, "-o", "report"],
    "ganpaint-train synth landscapes": [*SYNTH, "-o", "data"],
}
#: Loop flags every training command shares: tried in full on `gan`, sampled elsewhere.
SHARED = {"--iters", "--batch", "--lr", "--seed", "--max-minutes", "--workers", "--log-every",
          "--sample-every", "--checkpoint-every", "--keep-checkpoints"}  # fmt: skip


def bad_values(bounds: object) -> list[str]:
    from ganpaint.ranges import Range

    assert isinstance(bounds, Range)
    low, high = bounds.low, bounds.high
    if bounds.whole:
        values = [str(int(low) - 1), str(int(high) + 1), str(int(high) * 1000 + 7), str(2**70),
                  "1.5", "nan", "inf", "abc", "", "0x10", "1e3", "-" + str(2**70)]  # fmt: skip
    else:
        values = [repr(low - 1), repr(high * 10 + 1), "1e400", "nan", "inf", "-inf", "abc", "",
                  "0,5"]  # fmt: skip
    return list(dict.fromkeys(values))


def _numeric_options() -> Iterator[tuple[str, str, str, int]]:
    """(command, flag, range key, nargs) of every ranged option of both programs."""
    import argparse

    from ganpaint import cli as ganpaint_cli
    from ganpaint.ranges import RANGES
    from trainer import cli as train_cli

    def walk(parser: argparse.ArgumentParser) -> Iterator[tuple[str, str, str, int]]:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    yield from walk(sub)
            elif getattr(action.type, "__name__", "") in RANGES and action.option_strings:
                nargs = action.nargs if isinstance(action.nargs, int) else 1
                yield parser.prog, action.option_strings[-1], action.type.__name__, nargs

    yield from walk(ganpaint_cli.build_parser())
    yield from walk(train_cli.build_parser())


def numbers(cases: Cases) -> None:
    from ganpaint.ranges import MAX_SEED, RANGES

    for command, flag, key, nargs in _numeric_options():
        base = NUMBER_BASES.get(command)
        if base is None:
            continue
        values = bad_values(RANGES[key])
        if (flag in SHARED and not command.endswith(" gan")) or command.endswith("pix2pix"):
            values = [*values[:2], "nan"]
        group = 9 if flag == "--lr" else 5
        for value in values:
            given = [value] * nargs if nargs == 1 else [value, "1"]
            cases.add(f"number/{command.split(' ', 1)[1]}/{flag}={value[:12]}", group,
                      [*base, flag, *given], "error")  # fmt: skip
    edges = [
        ("sample/max-seed", [*SAMPLE[:3], "-n", "1", "--seed", str(MAX_SEED), "-o", "o.png"]),
        ("sample/n-1", [*SAMPLE[:3], "-n", "1", "-o", "o.png"]),
        ("sample/interpolate-max", [*SAMPLE, "--interpolate", "0", str(MAX_SEED), "-o", "o.png"]),
        (
            "inpaint/minimal",
            [
                *INPAINT_GAN[:-8],
                "--restarts",
                "1",
                "--iters",
                "1",
                "--refine-steps",
                "0",
                "-o",
                "o.png",
            ],
        ),
        ("inpaint/refine-1", [*INPAINT_GAN, "--refine-steps", "1", "-o", "o.png"]),
        ("translate/tile-16", [*TRANSLATE, "--tile", "16", "-o", "o.png"]),
        ("translate/tile-4096", [*TRANSLATE, "--tile", "4096", "-o", "o.png"]),
        ("translate/tile-17", [*TRANSLATE, "--tile", "17", "-o", "o.png"]),
        ("sketch/tile-16", [*SKETCH, "--tile", "16", "-o", "o.png"]),
        ("generate/restarts-1", [*GENERATE, "--restarts", "1", "--iters", "1", "-o", "o.png"]),
        ("synth/size-8", [*SYNTH[:-1], "8", "-n", "1", "-o", "data"]),
        ("gan/keep-1", [*GAN, "--keep-checkpoints", "1", "-o", "run"]),
        ("gan/max-minutes-0", [*GAN, "--max-minutes", "0", "-o", "run"]),
        ("gan/seed-max", [*GAN, "--seed", str(MAX_SEED), "-o", "run"]),
        ("gan/batch-1", [*GAN, "--batch", "1", "-o", "run"]),
    ]
    for name, argv in edges:
        out = "run" if "run" in argv else "data" if "data" in argv else "o.png"
        check = image_at(out) if out.endswith(".png") else exists(out)
        cases.add(f"number-edge/{name}", 5, argv, "ok", check=check)
    for name, argv in (("gan/lr-0", [*GAN, "--lr", "0", "-o", "run"]),
                       ("gan/ema-1", [*GAN, "--ema", "1", "-o", "run"]),
                       ("eval/n-1", [*EVAL, "-n", "1", "-o", "report"])):  # fmt: skip
        cases.add(f"number-edge/{name}", 9, argv, "either")
    config_values = {"iters": ["-1", "0", "nan", '"many"', "1e30", "true"],
                     "ngf": ["100000", "-1", "8.5"], "workers": ["-1", "1000"],
                     "lr": ["nan", "-1", "5.0", "inf"], "batch": ["0", "1e9"],
                     "seed": [str(2**70), "-1"], "ema": ["1.5", "-0.1"],
                     "gp_weight": ["-1", "nan"], "size": ["100000", "3"],
                     "max_minutes": ["inf", "-1"], "nz": ["0", "100000"],
                     "keep_checkpoints": ["0"], "log_every": ["0"]}  # fmt: skip
    for key, values in config_values.items():
        for value in values:
            cases.add(f"config-number/gan/{key}={value[:10]}", 9 if key == "lr" else 5,
                      [*GAN, "-o", "run", "--config", "c.toml"], "error",
                      setup=_write("c.toml", f"{key} = {value}\n".encode()))  # fmt: skip
    for name, raw, expect in (("memory-lots", "lots", "error"), ("memory-nan", "nan", "error"),
                              ("memory-negative", "-1", "error"), ("memory-none", "0", "ok"),
                              ("memory-tiny", "0.00001", "error")):  # fmt: skip
        for command in ("translate", "sample"):
            base = TRANSLATE if command == "translate" else SAMPLE
            cases.add(f"env/{command}/{name}", 5, [*base, "-o", "o.png"], expect,
                      env={"GANPAINT_MAX_MEMORY": raw}, check=image_at("o.png"))  # fmt: skip
    training_memory(cases)
    for name, raw, expect in (("pixels-lots", "lots", "error"), ("pixels-negative", "-5", "error"),
                              ("pixels-10", "10", "error"), ("pixels-none", "0", "ok")):  # fmt: skip
        cases.add(f"env/inpaint/{name}", 5, [*INPAINT, "-o", "o.png"], expect,
                  env={"GANPAINT_MAX_PIXELS": raw}, check=image_at("o.png"))  # fmt: skip


#: Training runs whose nets and activations need hundreds of GiB, within every range.
_HUGE_RUNS = {
    # issue 18's reproduction: an allocator traceback under `ulimit -v`, and without one
    # the kernel's OOM killer ended the process without a word
    "pix2pix/issue-18": ["pix2pix", "--data", "synthetic:landscapes:edges2photo", "--size",
                         "2048", "--batch", "64", "--ngf", "512", "--iters", "1"],
    "gan/widest": ["gan", "--size", "128", "--ngf", "1024", "--ndf", "1024", "--batch", "4096",
                   "--synthetic-n", "4096", "--iters", "1"],
    "cyclegan/widest": ["cyclegan", "--size", "256", "--ngf", "1024", "--batch", "64",
                        "--synthetic-n", "64", "--iters", "1"],
    "encoder/batch-4096": ["encoder", "--model", "{w}/gan.safetensors", "--data", "{t}/images",
                           "--batch", "4096", "--ndf", "1024", "--synthetic-n", "4096",
                           "--iters", "1"],
}  # fmt: skip
_RUN_FLAGS = ["-o", "run", "--workers", "0", "--device", "cpu", "--no-tensorboard"]


def training_memory(cases: Cases) -> None:
    """Training runs estimated before they allocate: refused in one line with no run folder
    (under an address-space limit, so a regression fails the case instead of the machine),
    while a tiny run under the same limit trains."""
    for name, argv in _HUGE_RUNS.items():
        cases.add(f"memory/{name}", 5, [*argv, *_RUN_FLAGS], "error", mode="bounded",
                  timeout=120.0)  # fmt: skip
    cases.add("memory/gan/tiny", 5, [*GAN, "-o", "run"], "ok", mode="bounded",
              check=exists("run/model.safetensors"))  # fmt: skip


# --------------------------------------------------------------------------- group 6


def _batch(extra: dict[str, str] | None = None, masks: bool = True) -> Setup:
    """photos/{a,b,c}.png with masks/ of the same names, plus `extra` (name -> source)."""

    def setup(folder: Path) -> None:
        (folder / "photos").mkdir()
        (folder / "masks").mkdir()
        for name in ("a", "b", "c"):
            shutil.copy(WORK / "photo.png", folder / "photos" / f"{name}.png")
            if masks:
                shutil.copy(WORK / "mask.png", folder / "masks" / f"{name}.png")
        for name, source in (extra or {}).items():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if source == "fifo":
                os.mkfifo(target)
            elif source == "dir":
                target.mkdir()
            else:
                shutil.copy(WORK / source, target)

    return setup


def all_or_nothing(cases: Cases) -> None:
    for second, setup in (("existing-file", _write("taken.png")), ("fifo", _fifo("taken.png")),
                          ("device", _device("taken.png"))):  # fmt: skip
        for command, base in (("inpaint", INPAINT_GAN), ("generate", GENERATE)):
            for flag in ("--candidates", "--morph") if command == "generate" else ("--candidates",):
                cases.add(f"second/{command}{flag}/{second}", 6,
                          [*base, "-o", "out.png", flag, "taken.png"], "error", setup=setup)  # fmt: skip
    for flag in ("--candidates", "--morph"):
        cases.add(
            f"second/generate{flag}/empty", 6, [*GENERATE, "-o", "out.png", flag, ""], "error"
        )
        cases.add(f"second/generate{flag}/same-as-out", 6,
                  [*GENERATE, "-o", "out.png", flag, "out.png"], "error")  # fmt: skip
        cases.add(f"second/generate{flag}/input-folder", 6,
                  [*GENERATE, "-o", "out.png", flag, "inputs"], "either", setup=_inputs_here)  # fmt: skip
        cases.add(f"second/generate{flag}/existing-frames", 6,
                  [*GENERATE, "-o", "out.png", flag, "frames"], "ok",
                  setup=_write("frames/frame-00.png"), may_change=("frames",),
                  check=image_at("out.png"))  # fmt: skip
    cases.add("second/inpaint--candidates/empty", 6,
              [*INPAINT_GAN, "-o", "out.png", "--candidates", ""], "error")  # fmt: skip
    cases.add("second/inpaint--candidates/ok", 6,
              [*INPAINT_GAN, "-o", "out.png", "--candidates", "cands"], "ok",
              check=both(image_at("out.png"), exists("cands")))  # fmt: skip
    batches = {
        "inpaint": ["inpaint", "photos", "--mask", "masks", "--method", "telea"],
        "translate": ["translate", "photos", *TRANSLATE[2:]],
        "sketch": ["sketch", "photos", *SKETCH[2:]],
    }
    variants = {
        "damaged-last": ({"photos/z.png": "img/truncated.png", "masks/z.png": "mask.png"}, "error"),
        "text-among": ({"photos/m.png": "img/text.png", "masks/m.png": "mask.png"}, "error"),
        "stem-clash": ({"photos/a.jpg": "img/png-named.jpg", "masks/a.jpg": "mask.png"}, "error"),
        "fifo-among": ({"photos/f.png": "fifo", "masks/f.png": "mask.png"}, "either"),
        "huge-among": ({"photos/h.png": "img/huge-header.png", "masks/h.png": "mask.png"}, "error"),
        "tiny-among": (
            {"photos/t.png": "img/tiny-1x1.png", "masks/t.png": "img/mask-1x1.png"},
            "either",
        ),
        "odd-formats": (
            {
                "photos/d.jpg": "img/cmyk.jpg",
                "masks/d.png": "mask.png",
                "photos/e.tif": "img/photo.tif",
                "masks/e.png": "mask.png",
            },
            "ok",
        ),
        "subfolder": ({"photos/sub/s.png": "photo.png"}, "ok"),
        "notes-among": ({"photos/notes.txt": "img/text.png"}, "ok"),
        "mask-missing": ({"photos/n.png": "photo.png"}, "either"),
        "mask-wrong-size": (
            {"photos/w.png": "photo.png", "masks/w.png": "img/mask-1x1.png"},
            "either",
        ),
        "subfolder-named-png": ({"photos/dir.png": "dir"}, "ok"),
    }
    for command, base in batches.items():
        for variant, (extra, expect) in variants.items():
            if variant.startswith("mask") and command != "inpaint":
                continue
            if command == "translate" and expect == "either" and variant == "tiny-among":
                expect = "ok"
            cases.add(f"batch/{command}/{variant}", 6, [*base, "-o", "out"], expect,
                      setup=_batch(extra), check=exists("out/a.png"))  # fmt: skip
        cases.add(f"batch/{command}/empty-folder", 6, [*base, "-o", "out"], "error",
                  setup=lambda f: [(f / "photos").mkdir(), (f / "masks").mkdir()])  # fmt: skip
        cases.add(f"batch/{command}/out-is-file", 6, [*base, "-o", "out"], "error",
                  setup=_chain(_batch(), _write("out")))  # fmt: skip
        cases.add(f"batch/{command}/out-is-photos", 6, [*base, "-o", "photos"], "error",
                  setup=_batch())  # fmt: skip
        cases.add(f"batch/{command}/old-outputs", 6, [*base, "-o", "out"], "ok",
                  setup=_chain(_batch(), _write("out/a.png"), _write("out/keep.txt")),
                  may_change=("out/a.png",), check=image_at("out/a.png", (48, 40)))  # fmt: skip
    cases.add("batch/inpaint/one-mask-for-all", 6,
              ["inpaint", "photos", "--mask", "{w}/mask.png", "--method", "telea", "-o", "out"],
              "ok", setup=_batch(masks=False), check=exists("out/a.png", "out/c.png"))  # fmt: skip
    cases.add("batch/inpaint/mask-folder-for-one-photo", 6,
              [*INPAINT[:2], "--mask", "masks", "--method", "telea", "-o", "out.png"], "error",
              setup=_batch())  # fmt: skip
    for kind, source in (("text", "img/text.png"), ("pickle", "models/evil.pth"),
                         ("empty", "models/empty.pth"), ("folder", "dir"),
                         ("gan-bundle", "gan.safetensors")):  # fmt: skip
        cases.add(f"second/eval-inception/{kind}", 6,
                  [*EVAL, "-o", "report", "--inception-weights", "inception.pth"], "error",
                  setup=_batch({"inception.pth": source}, masks=False))  # fmt: skip


# --------------------------------------------------------------------------- group 7

STATUS_DAMAGE: dict[str, bytes | None] = {
    "list": b"[1, 2, 3]", "string-step": b'{"step": "12", "iters": 3}',
    "bool-iters": b'{"step": 1, "iters": true}', "text-losses": b'{"step": 1, "losses": {"loss_G": "high"}}',
    "losses-list": b'{"step": 1, "losses": [1]}', "not-json": b"{step: 1", "binary": b"\xff\xd8\xff\xe0",
    "folder": None, "empty": b"", "huge-step": b'{"step": 1e400, "iters": 3}',
    "negative-step": b'{"step": -5, "iters": 3}',
}  # fmt: skip
SCALARS_DAMAGE: dict[str, bytes | None] = {
    "torn-last": b'{"step": 2, "loss_G": 0.7', "text": b"not json\n", "list": b"[1, 2]\n",
    "bad-step": b'{"step": "two"}\n', "binary": b"\xff\xfe\x00garbage\n", "folder": None,
    "nan-loss": b'{"step": 2, "loss_G": NaN}\n',
}  # fmt: skip
CONFIG_DAMAGE: dict[str, bytes | None] = {
    "folder": None, "binary": b"\x89PNG\r\n\x1a\n\xff\xfe", "unknown-key": b'bogus = 1\n',
    "iters-text": b'iters = "many"\n', "lr-nan": b"lr = nan\n", "ngf-huge": b"ngf = 100000\n",
    "data-missing": b'data = "/nonexistent/photos"\n', "arch-vae": b'arch = "vae"\n',
    "size-changed": b"size = 64\n", "nested": b"[table]\nx = 1\n", "empty": b"",
}  # fmt: skip


def _damage(relative: str, data: bytes | None, how: str = "replace") -> Setup:
    def setup(folder: Path) -> None:
        _copy_run(folder)
        target = folder / "run" / relative
        if how == "append" and data is not None:
            target.write_bytes(target.read_bytes() + data)
            return
        if how == "insert" and data is not None:
            lines = target.read_bytes().splitlines(keepends=True)
            target.write_bytes(lines[0] + data + b"".join(lines[1:]))
            return
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        if data is None:
            target.mkdir()
        elif how != "remove":
            target.write_bytes(data)

    return setup


def _unused_last_checkpoint(folder: Path) -> str:
    return sorted((folder / "run" / "checkpoints").glob("step-*.pt"))[-1].name


def _damage_checkpoint(data: bytes | None) -> Setup:
    def setup(folder: Path) -> None:
        _copy_run(folder)
        for path in sorted((folder / "run" / "checkpoints").glob("step-*.pt"))[-1:]:
            path.unlink()
            if data is None:
                path.mkdir()
            else:
                path.write_bytes(data)

    return setup


def run_folders(cases: Cases) -> None:
    users = {
        "status": (["status", "run"], "either"),
        "status-json": (["status", "run", "--json"], "either"),
        "resume": (RESUME, "either"),
        "export": (["export", "run", "-o", "m.safetensors"], "either"),
    }
    for name, data in STATUS_DAMAGE.items():
        for user, (argv, _) in users.items():
            expect = "either" if user == "export" else "error"
            cases.add(
                f"run/status.json-{name}/{user}",
                7,
                argv,
                expect,
                setup=_damage("status.json", data),
                may_change=("run",) if expect != "error" else (),
            )
    for name, data in SCALARS_DAMAGE.items():
        how = "append" if name == "torn-last" else "insert" if data is not None else "replace"
        for user in ("resume", "status"):
            expect = "ok" if name == "torn-last" else "error" if user == "resume" else "either"
            if name == "nan-loss":
                expect = "either"
            cases.add(f"run/scalars-{name}/{user}", 7, users[user][0], expect,
                      setup=_damage("scalars.jsonl", data, how), may_change=("run",),
                      check=exists("run/checkpoints"))  # fmt: skip
    cases.add("run/scalars-missing/resume", 7, RESUME, "either",
              setup=_damage("scalars.jsonl", b"", "remove"), may_change=("run",))  # fmt: skip
    for name, data in CONFIG_DAMAGE.items():
        for user in ("resume", "export", "status"):
            expect = "error" if user == "resume" else "either"
            if user == "resume" and name == "empty":
                expect = "either"
            cases.add(f"run/config-{name}/{user}", 7, users[user][0], expect,
                      setup=_damage("config.toml", data),
                      may_change=("run",) if expect != "error" else ())  # fmt: skip
    cases.add("run/config-missing/resume", 7, RESUME, "error",
              setup=_damage("config.toml", b"", "remove"))  # fmt: skip
    import argparse

    evil = io.BytesIO()
    torch.save({"payload": argparse.Namespace(cmd="touch pwned")}, evil)
    for name, data in (("empty", b""), ("text", b"plain text"), ("torn-zip", b"PK\x03\x04 torn"),
                       ("pickle", evil.getvalue()), ("folder", None)):  # fmt: skip
        for user, argv in (("resume", RESUME), ("export", users["export"][0]),
                           ("eval", ["eval", "run", "-o", "report", *EVAL[2:]]),
                           ("encoder", [*ENCODER[:1], "--model", "run", *ENCODER[3:], "-o", "enc"])):  # fmt: skip
            cases.add(f"run/checkpoint-{name}/{user}", 7, argv, "either",
                      setup=_damage_checkpoint(data), may_change=("run",))  # fmt: skip
    for name, setup in (("no-checkpoints", _damage("checkpoints", b"", "remove")),
                        ("checkpoints-is-file", _damage("checkpoints", b"x"))):  # fmt: skip
        for user in ("resume", "export"):
            expect = "either" if (name, user) == ("no-checkpoints", "resume") else "error"
            cases.add(f"run/{name}/{user}", 7, users[user][0], expect, setup=setup,
                      may_change=("run",) if expect == "either" else ())  # fmt: skip
    run_args = {"missing": "nowhere", "empty": "", "a-photo": "{w}/photo.png",
                "empty-folder": "empty", "inputs-folder": "{w}", "fifo": "fifo",
                "a-model": "{w}/gan.safetensors"}  # fmt: skip
    for kind, run in run_args.items():
        setup = (
            _mkdir("empty") if kind == "empty-folder" else _fifo("fifo") if kind == "fifo" else None
        )
        for user, argv in (("status", ["status", run]), ("export", ["export", run, "-o", "m.safetensors"]),
                           ("eval", ["eval", run, "-o", "report", *EVAL[2:]])):  # fmt: skip
            expect = "either" if kind == "a-model" else "error"
            cases.add(f"run/arg-{kind}/{user}", 7, argv, expect, setup=setup)
        cases.add(f"run/arg-{kind}/resume", 7, ["gan", "-o", run, "--resume", *TINY_RUN], "error",
                  setup=setup)  # fmt: skip
    configs: dict[str, tuple[bytes | None, str]] = {
        "folder": (None, "error"), "binary": (bytes(range(256)) * 4, "error"),
        "nul-bytes": (b"\x00\x01iters = 3\x00", "error"), "empty": (b"", "ok"),
        "unknown-key": (b"bogus = 1\n", "error"), "wrong-type": (b'iters = "x"\n', "error"),
        "nested": (b"[table]\nx = 1\n", "error"), "data-empty": (b'data = ""\n', "error"),
        "resume-true": (b"resume = true\n", "either"), "arch-bogus": (b'arch = "vae"\n', "error"),
        "loss-bogus": (b'loss = "hinge"\n', "error"), "comments-only": (b"# nothing\n" * 1000, "ok"),
        "utf16": ("iters = 1\n".encode("utf-16"), "error"),
        "duplicate-key": (b"iters = 1\niters = 2\n", "error"),
        "crops-bad": (b'crops = "2,1"\n', "error"),
    }  # fmt: skip
    for name, (data, expect) in configs.items():
        setup = _mkdir("c.toml") if data is None else _write("c.toml", data)
        cases.add(f"config/gan/{name}", 7, [*GAN, "-o", "run", "--config", "c.toml"], expect,
                  setup=setup, check=exists("run/model.safetensors"))  # fmt: skip
    for command, base in (("cyclegan", CYCLEGAN), ("pix2pix", PIX2PIX), ("encoder", ENCODER)):
        for name in ("folder", "binary", "unknown-key", "wrong-type"):
            data, expect = configs[name]
            setup = _mkdir("c.toml") if data is None else _write("c.toml", data)
            cases.add(f"config/{command}/{name}", 7, [*base, "-o", "run", "--config", "c.toml"],
                      expect, setup=setup)  # fmt: skip
    cases.add("run/resume-moved", 7, RESUME, "ok", setup=_copy_run, may_change=("run",),
              check=exists("run/checkpoints/step-00000003.pt"))  # fmt: skip
    cases.add("run/resume-without-run", 7, RESUME, "error")
    cases.add("run/resume-finished-run", 7, ["gan", "-o", "run", "--resume", *TINY_RUN,
              "--iters", "2"], "either", setup=_copy_run, may_change=("run",))  # fmt: skip


# --------------------------------------------------------------------------- group 8

STALE = ".out.png.ab12cd34.part"
FRESH = ".other.png.zz99yy88.part"
NOT_OURS = ("x.png.ab12cd34.part", ".x.png.part", ".x.png.AB12CD34.part")


def _leftovers(where: str, copy_run: bool = False) -> Setup:
    def setup(folder: Path) -> None:
        if copy_run:
            _copy_run(folder)
        target = folder / where
        target.mkdir(parents=True, exist_ok=True)
        stale = target / STALE
        stale.write_bytes(b"half an image" * 1000)
        _age(stale)
        for name in NOT_OURS:
            (target / name).write_bytes(b"not a leftover of ours")
            _age(target / name)
        (target / FRESH).write_bytes(b"being written right now")

    return setup


def leftovers(cases: Cases) -> None:
    writers = {
        "inpaint": [*INPAINT, "-o", "out/out.png"],
        "inpaint-gan": [*INPAINT_GAN, "-o", "out/out.png"],
        "translate": [*TRANSLATE, "-o", "out/out.png"],
        "sketch": [*SKETCH, "-o", "out/out.png"],
        "generate": [*GENERATE, "-o", "out/out.png"],
        "generate-morph": [*GENERATE, "-o", "o.png", "--morph", "out"],
        "sample": [*SAMPLE, "-o", "out/out.png"],
        "export": ["export", "{t}/run", "-o", "out/m.safetensors"],
        "synth": [*SYNTH, "-o", "out"],
        "eval": [*EVAL, "-o", "out"],
        "batch": ["translate", "photos", *TRANSLATE[2:], "-o", "out"],
    }
    for name, argv in writers.items():
        setup = _leftovers("out")
        if name == "batch":
            setup = _chain(_batch(), setup)
        stale = f"out/{STALE}"
        expect = "either" if name == "synth" else "ok"  # synth wants an empty folder
        cases.add(f"leftover/{name}", 8, argv, expect, setup=setup, may_change=(stale,),
                  check=gone(stale, kept=(f"out/{FRESH}", *(f"out/{n}" for n in NOT_OURS))))  # fmt: skip
    for where in ("run", "run/checkpoints", "run/samples"):
        stale = f"{where}/{STALE}"
        cases.add(
            f"leftover/resume-{where.replace('/', '-')}",
            8,
            RESUME,
            "ok",
            setup=_leftovers(where, copy_run=True),
            may_change=("run",),
            check=gone(stale, kept=(f"{where}/{FRESH}", *(f"{where}/{n}" for n in NOT_OURS))),
        )
    cases.add("leftover/failed-write-leaves-none", 8, [*INPAINT, "-o", "out/sub/out.png"],
              "error", setup=_mkdir("out"))  # fmt: skip


# --------------------------------------------------------------------------- group 9


def nonsense(cases: Cases) -> None:
    for device in ("gpu", "cuda:99", "cpu:0", "", "cuda", "mps", "tpu", "cuda:-1", "CPU"):
        expect = "either" if device in ("CPU", "cpu:0") else "error"
        for command, argv in (("inpaint", [*INPAINT_GAN[:-2], "-o", "o.png"]),
                              ("translate", [*TRANSLATE[:-2], "-o", "o.png"]),
                              ("sample", [*SAMPLE[:-2], "-o", "o.png"]),
                              ("gan", [*GAN, "-o", "run"]), ("eval", [*EVAL, "-o", "r"]),
                              ("app", ["{w}/photo.png", "--screenshot", "s.png"])):  # fmt: skip
            if command == "app" and device not in ("gpu", "cuda:99"):
                continue
            prog = "app" if command == "app" else ""
            cases.add(f"device/{command}/{device or 'empty'}", 9, [*argv, "--device", device],
                      expect, prog=prog, mode="app" if prog else "inproc", timeout=120)  # fmt: skip
    for crops, expect in (("2,1", "error"), ("0,1", "error"), ("abc", "error"), ("0.5", "error"),
                          ("nan,1", "error"), ("0.5,0.25", "error"), ("0.25,0.5", "ok")):  # fmt: skip
        cases.add(f"nonsense/gan-crops/{crops}", 9,
                  [*GAN[:-2], "--data", "{t}/images", "--crops", crops, "-o", "run"], expect,
                  check=exists("run/model.safetensors"))  # fmt: skip
    for policy, expect in (("bogus", "error"), ("color,bogus", "error"), ("", "either"),
                           ("color,translation,cutout", "ok")):  # fmt: skip
        cases.add(f"nonsense/gan-diffaugment/{policy or 'empty'}", 9,
                  [*GAN, "--diffaugment", policy, "-o", "run"], expect)  # fmt: skip
    data = {"empty": ("", "error"), "synthetic-bogus": ("synthetic:nope", "error"),
            "a-file": ("{w}/photo.png", "error"), "missing": ("nowhere", "error"),
            "no-images": ("{w}/masks", "either"), "fifo": ("fifo", "error")}  # fmt: skip
    for name, (value, expect) in data.items():
        setup = _fifo("fifo") if name == "fifo" else None
        if name == "no-images":
            value, expect, setup = "notes", "error", _write("notes/readme.txt")
        cases.add(f"nonsense/gan-data/{name}", 9, [*GAN[:-2], "--data", value, "-o", "run"],
                  expect, setup=setup)  # fmt: skip
    for command, base in (("cyclegan", CYCLEGAN), ("pix2pix", PIX2PIX)):
        for name, value in (("synthetic-bogus", "synthetic:landscapes:nope"), ("empty", ""),
                            ("no-trainA", "{t}/images"), ("a-file", "{w}/photo.png")):  # fmt: skip
            cases.add(f"nonsense/{command}-data/{name}", 9, [*base, "--data", value, "-o", "run"],
                      "error")  # fmt: skip
        for net in ("bogus", "unet_0", "resnet_0blocks", ""):
            cases.add(f"nonsense/{command}-netG/{net or 'empty'}", 9,
                      [*base, "--netG", net, "-o", "run"], "error")  # fmt: skip
        cases.add(f"nonsense/{command}-init-from/empty", 9, [*base, "--init-from", "", "-o", "run"],
                  "error")  # fmt: skip
    cases.add("nonsense/encoder/model-empty", 9, [*ENCODER[:1], "--model", "", *ENCODER[3:],
              "-o", "run"], "error")  # fmt: skip
    for name, argv, expect in (
        ("generate/no-constraints", ["generate", *GENERATE[3:], "-o", "o.png"], "error"),
        ("generate/mask-without-photo", [*GENERATE, "--mask", "{w}/mask.png", "-o", "o.png"], "error"),
        ("generate/transparent-strokes", ["generate", "--colors", "{w}/img/alpha-zero.png",
                                          *GENERATE[3:], "-o", "o.png"], "either"),
        ("inpaint/patch-without-model", [*INPAINT[:4], "--method", "patch", "-o", "o.png"], "ok"),
        ("inpaint/auto", [*INPAINT[:4], "--method", "auto", "--model", "{w}/gan.safetensors",
                          "--iters", "2", "--restarts", "2", "--refine-steps", "0", "-o", "o.png"], "ok"),
        ("inpaint/translator-as-gan", [*INPAINT_GAN[:4], "--model", "{w}/a2b.safetensors",
                                       "-o", "o.png"], "error"),
        ("inpaint/candidates-with-telea", [*INPAINT, "--candidates", "c", "-o", "o.png"], "either"),
        ("sample/interpolate-same", [*SAMPLE, "--interpolate", "5", "5", "-o", "o.png"], "either"),
        ("translate/direction-on-pix2pix", [*SKETCH[:1], "{w}/photo.png", *SKETCH[2:3],
                                            "{w}/sketch.safetensors", "--direction", "BtoA",
                                            "-o", "o.png"], "either"),
        ("translate/BtoA", [*TRANSLATE, "--direction", "BtoA", "-o", "o.png"], "ok"),
        ("translate/scale-full", [*SKETCH, "--scale", "full", "-o", "o.png"], "ok"),
    ):  # fmt: skip
        cases.add(f"nonsense/{name}", 9, argv, expect)
    for name, argv, expect in (
        ("no-arguments", [], "either"), ("unknown-command", ["bogus"], "error"),
        ("version", ["--version"], "ok"), ("help", ["--help"], "ok"), ("synth-no-dataset", ["synth"], "error"),
        ("synth-bogus-dataset", ["synth", "bogus"], "error"), ("status-no-run", ["status"], "error"),
        ("export-no-out", ["export", "{t}/run"], "error"), ("unknown-option", ["gan", "--bogus", "-o", "r"], "error"),
        ("abbreviated-option", [*GAN[:-4], "--iter", "1", "-o", "run"], "either"),
    ):  # fmt: skip
        cases.add(f"top/ganpaint-train/{name}", 9, argv, expect, prog="ganpaint-train")
    for name, argv, expect in (
        ("unknown-option", ["inpaint", "--bogus"], "error"), ("version", ["--version"], "ok"),
        ("help", ["--help"], "ok"), ("models-no-action", ["models"], "error"),
        ("inpaint-missing-mask", ["inpaint", "{w}/photo.png", "-o", "o.png"], "error"),
    ):  # fmt: skip
        cases.add(f"top/ganpaint/{name}", 9, argv, expect)
    for name, argv in (("missing-image", ["nowhere.png"]), ("bogus-command", ["bogus"]),
                       ("unknown-option", ["--bogus"])):  # fmt: skip
        cases.add(f"top/app/{name}", 9, argv, "error", prog="app", mode="app", timeout=120)


# --------------------------------------------------------------------------- the corpus


def build(root: Path, quick: bool = False) -> list[Case]:
    """Make the shared inputs in `root`/work and return the cases (each with its folder)."""
    global WORK
    from test_destinations import make_trained, make_work

    WORK = root / "work"
    WORK.mkdir()
    torch.manual_seed(0)
    make_work(WORK)
    (WORK / "trained").mkdir()
    make_trained(WORK / "trained")
    shutil.copy(next((WORK / "trained" / "run" / "checkpoints").glob("*.pt")),
                WORK / "trained" / "run" / "checkpoints" / "x.safetensors")  # fmt: skip
    pics = make_images(WORK / "img")
    strokes = np.zeros((40, 48, 4), np.uint8)
    strokes[:10] = (40, 90, 200, 255)
    Image.fromarray(strokes, "RGBA").save(WORK / "strokes-48x40.png")
    transparent = np.zeros((32, 32, 4), np.uint8)
    Image.fromarray(transparent, "RGBA").save(WORK / "img" / "alpha-zero.png")
    masks = make_masks(WORK / "masks")
    models = make_models(WORK / "models", WORK)
    oras = make_oras(WORK / "ora")
    cases = Cases()
    destinations(cases)
    documents(cases, oras)
    model_files(cases, models)
    image_files(cases, pics, masks, quick)
    numbers(cases)
    all_or_nothing(cases)
    run_folders(cases)
    leftovers(cases)
    nonsense(cases)
    chosen = cases.cases
    if quick:
        firsts: set[object] = set()
        picked = []
        for index, case in enumerate(chosen):
            first = {case.group, case.entry} - firsts  # every group and entry point once
            if _in_quick(case, index) or (first and case.mode == "inproc"):
                picked.append(case)
                firsts |= {case.group, case.entry}
        chosen = picked
    for index, case in enumerate(chosen):
        case.folder = root / "cases" / f"{index:04d}"
    return chosen


def _in_quick(case: Case, index: int) -> bool:
    """About a tenth of the cases, every group and entry point, no child process but one."""
    if case.mode == "app":
        return case.name == "top/app/missing-image"
    if case.mode == "bounded":
        return case.name == "ora/zip-bomb.ora"
    return index % 25 == 0
