"""Hostile .ora documents: every one is refused in one sentence, unchanged, in bounded memory.

The files are built here with zipfile (a few hundred bytes each); the cases that
would exhaust memory if a limit regressed run in a child process under an
address-space limit, so a regression fails the test instead of killing the run.
"""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import textwrap
import zipfile
import zlib
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import pytest
from byte_flips import flipped
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from ganpaint.documents.docfile import load_document
from ganpaint.documents.ora import read_ora
from ganpaint.documents.ora_limits import OraLimits
from ganpaint.errors import DocumentFileError

MIMETYPE = b"image/openraster"


def _png(width: int = 4, height: int = 3) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((height, width, 4), 200, np.uint8), "RGBA").save(buffer, "PNG")
    return buffer.getvalue()


def _stack(layers: str, w: object = 4, h: object = 3) -> bytes:
    return f'<image w="{w}" h="{h}"><stack>{layers}</stack></image>'.encode()


LAYER = '<layer name="photo" src="data/a.png" x="0" y="0" opacity="1"/>'


def _ora(
    path: Path,
    stack: bytes | None = None,
    entries: dict[str, bytes] | None = None,
    method: int = zipfile.ZIP_STORED,
) -> Path:
    """An .ora with `stack.xml` and entries (default: one 4×3 photo layer)."""
    entries = {"data/a.png": _png()} if entries is None else entries
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", MIMETYPE, zipfile.ZIP_STORED)
        archive.writestr("stack.xml", _stack(LAYER) if stack is None else stack, method)
        for name, data in entries.items():
            archive.writestr(name, data, method)
    return path


def _patch(
    path: Path, name: str, *, flag: int = 0, method: int | None = None, size: int | None = None
) -> Path:
    """Rewrite `name`'s local and central headers: set flag bits, the method, the size."""
    data = bytearray(path.read_bytes())
    raw = name.encode()
    for signature, name_at, flag_at, method_at, size_at in (
        (b"PK\x03\x04", 30, 6, 8, 22),
        (b"PK\x01\x02", 46, 8, 10, 24),
    ):
        offset = data.find(signature)
        while offset >= 0:
            if data[offset + name_at : offset + name_at + len(raw)] == raw:
                (bits,) = struct.unpack_from("<H", data, offset + flag_at)
                struct.pack_into("<H", data, offset + flag_at, bits | flag)
                if method is not None:
                    struct.pack_into("<H", data, offset + method_at, method)
                if size is not None:
                    struct.pack_into("<I", data, offset + size_at, size)
            offset = data.find(signature, offset + 1)
    path.write_bytes(bytes(data))
    return path


def _refused(path: Path, *words: str) -> str:
    """Assert load_document refuses `path` in one sentence naming it, leaving it unchanged."""
    before = path.read_bytes() if path.is_file() else None
    with pytest.raises(DocumentFileError) as caught:
        load_document(path)
    message = str(caught.value)
    assert "\n" not in message and len(message) < 400, message
    assert path.name in message and message.endswith("."), message
    for word in words:
        assert word in message, message
    if before is not None:
        assert path.read_bytes() == before
    return message


# --------------------------------------------------------------------------- limits


def test_a_valid_file_still_opens(tmp_path: Path) -> None:
    document = load_document(_ora(tmp_path / "ok.ora"))
    assert document.size == (4, 3)


def test_huge_canvas_is_refused_before_allocating(tmp_path: Path) -> None:
    path = _ora(tmp_path / "huge.ora", _stack(LAYER, 30000, 30000))
    _refused(path, "30000×30000", "GANPAINT_MAX_PIXELS")


def test_huge_layer_png_is_refused_from_its_header(tmp_path: Path) -> None:
    header = _png()[:16] + struct.pack(">II", 30000, 30000) + b"\x08\x06\x00\x00\x00"
    idat = b"IDAT" + zlib.compress(bytes(1000))
    png = b"".join(
        (
            header,
            struct.pack(">I", zlib.crc32(header[12:])),
            struct.pack(">I", len(idat) - 4),
            idat,
            struct.pack(">I", zlib.crc32(idat)),
        )
    )
    path = _ora(tmp_path / "layer.ora", entries={"data/a.png": png})
    _refused(path, "GANPAINT_MAX_PIXELS")


def test_pixel_limit_is_raised_by_the_image_loaders_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _ora(tmp_path / "small.ora")
    monkeypatch.setenv("GANPAINT_MAX_PIXELS", "10")
    _refused(path, "GANPAINT_MAX_PIXELS")
    monkeypatch.setenv("GANPAINT_MAX_PIXELS", "12")
    assert load_document(path).size == (4, 3)


def test_all_layers_together_have_a_pixel_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GANPAINT_MAX_PIXELS", "12")
    path = _ora(tmp_path / "many.ora", _stack(LAYER * 9))
    _refused(path, "in all", "GANPAINT_MAX_PIXELS")


def test_too_many_layers_names_the_variable_that_raises_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _ora(tmp_path / "layers.ora", _stack(LAYER * 300))
    _refused(path, "256", "GANPAINT_ORA_MAX_LAYERS")
    monkeypatch.setenv("GANPAINT_ORA_MAX_LAYERS", "300")
    assert len(read_ora(path).layers) == 300


def test_deep_stack_nesting_is_refused_without_recursion(tmp_path: Path) -> None:
    deep = b"<stack>" * 50000 + LAYER.encode() + b"</stack>" * 50000
    path = _ora(tmp_path / "deep.ora", _stack(deep.decode()), method=zipfile.ZIP_DEFLATED)
    _refused(path, "GANPAINT_ORA_MAX_DEPTH")


def test_moderate_nesting_opens(tmp_path: Path) -> None:
    nested = "<stack>" * 20 + LAYER + "</stack>" * 20
    assert len(read_ora(_ora(tmp_path / "nested.ora", _stack(nested))).layers) == 1


def test_declared_decompressed_bytes_are_refused_from_the_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _ora(tmp_path / "bytes.ora")
    monkeypatch.setenv("GANPAINT_ORA_MAX_BYTES", "100")
    _refused(path, "decompressed bytes", "GANPAINT_ORA_MAX_BYTES")
    monkeypatch.setenv("GANPAINT_ORA_MAX_BYTES", "0")  # no limit
    assert load_document(path).size == (4, 3)


def test_an_entry_declaring_gigabytes_is_refused(tmp_path: Path) -> None:
    path = _patch(_ora(tmp_path / "declares.ora"), "data/a.png", size=4_100_000_000)
    _refused(path, "4,100,000,000", "GANPAINT_ORA_MAX_BYTES")


def test_oversized_stack_xml_is_refused(tmp_path: Path) -> None:
    padding = "<!--" + "x" * (3 * 2**20) + "-->"
    stack = _stack(LAYER).replace(b"<image", padding.encode() + b"<image")
    path = _ora(tmp_path / "xml.ora", stack, method=zipfile.ZIP_DEFLATED)
    _refused(path, "stack.xml", "GANPAINT_ORA_MAX_LAYERS")


def test_a_bad_limit_variable_is_one_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GANPAINT_ORA_MAX_LAYERS", "lots")
    with pytest.raises(DocumentFileError, match="GANPAINT_ORA_MAX_LAYERS='lots'"):
        OraLimits.from_env()


# --------------------------------------------------------------------------- damage


@pytest.mark.parametrize(
    ("attributes", "word"),
    [
        ('x="inf"', "x='inf'"),
        ('x="1e400"', "x='1e400'"),
        ('y="nan"', "y='nan'"),
        ('x="1e12"', "x='1e12'"),
        ('opacity="nan"', "opacity"),
        ('x="left"', "x='left'"),
    ],
)
def test_absurd_layer_numbers_are_refused(tmp_path: Path, attributes: str, word: str) -> None:
    layer = f'<layer name="photo" src="data/a.png" {attributes}/>'
    _refused(_ora(tmp_path / "numbers.ora", _stack(layer)), word)


@pytest.mark.parametrize(("w", "h"), [(-5, 3), (0, 3), ("inf", 3), (4, "1e9"), (4, "9" * 5000)])
def test_absurd_canvas_sizes_are_refused(tmp_path: Path, w: object, h: object) -> None:
    _refused(_ora(tmp_path / "size.ora", _stack(LAYER, w, h)))


def test_corrupt_deflate_data_is_refused(tmp_path: Path) -> None:
    path = _patch(_ora(tmp_path / "zlib.ora"), "data/a.png", method=zipfile.ZIP_DEFLATED)
    _refused(path, "damaged")


def test_encrypted_entries_are_refused(tmp_path: Path) -> None:
    path = _patch(_ora(tmp_path / "secret.ora"), "data/a.png", flag=0x1)
    _refused(path, "encrypted")


@pytest.mark.parametrize("method", [99, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_other_compression_methods_are_refused(tmp_path: Path, method: int) -> None:
    path = _patch(_ora(tmp_path / "method.ora"), "data/a.png", method=method)
    _refused(path, "compression method")


def test_a_missing_layer_entry_is_refused(tmp_path: Path) -> None:
    _refused(_ora(tmp_path / "missing.ora", entries={}), "missing")


def test_a_layer_that_is_not_a_png_is_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3)).save(buffer, "BMP")
    _refused(_ora(tmp_path / "bmp.ora", entries={"data/a.png": buffer.getvalue()}), "damaged")


def test_a_folder_and_a_non_zip_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "folder.ora"
    folder.mkdir()
    _refused(folder, "not a regular file")
    text = tmp_path / "text.ora"
    text.write_text("hello")
    _refused(text)


def test_billion_laughs_is_refused(tmp_path: Path) -> None:
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)
    )
    stack = f'<?xml version="1.0"?><!DOCTYPE image [{entities}]><image w="4" h="3">&j;</image>'
    _refused(_ora(tmp_path / "laughs.ora", stack.encode()))


# --------------------------------------------------------------------------- memory

_CHILD = textwrap.dedent(
    """
    import json, resource, sys
    from ganpaint.documents.docfile import load_document
    from ganpaint.errors import GanpaintError

    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[0])
    limit = pages * resource.getpagesize() + 2 * 2**30
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        load_document(sys.argv[1])
        result = "opened"
    except GanpaintError as exc:
        result = type(exc).__name__ + ": " + str(exc)
    except MemoryError:
        result = "MemoryError"
    print(json.dumps(result))
    """
)


def _load_in_bounded_child(path: Path) -> str:
    """load_document in a child process whose address space is 2 GiB above its baseline."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "GANPAINT_MAX_PIXELS": ""},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc and RLIMIT_AS")
def test_huge_canvas_stays_within_bounded_memory(tmp_path: Path) -> None:
    path = _ora(tmp_path / "huge.ora", _stack(LAYER, 30000, 30000))
    before = path.read_bytes()
    assert _load_in_bounded_child(path).startswith("DocumentFileError: ")
    assert path.read_bytes() == before


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc and RLIMIT_AS")
def test_zip_bomb_behind_a_lying_directory_stays_within_bounded_memory(tmp_path: Path) -> None:
    """64 MiB of zeros (64 KiB deflated) whose directory says 100 bytes: reading stops."""
    bomb = _png()[:16] + bytes(64 * 2**20)
    path = _ora(tmp_path / "bomb.ora", entries={"data/a.png": bomb}, method=zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 2**20
    _patch(path, "data/a.png", size=100)
    before = path.read_bytes()
    assert _load_in_bounded_child(path).startswith("DocumentFileError: ")
    assert path.read_bytes() == before


# --------------------------------------------------------------------------- properties

_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_random_byte_flips_open_or_fail_in_one_sentence(
    tmp_path: Path, data: st.DataObject
) -> None:
    original = _ora(tmp_path / "valid.ora", method=zipfile.ZIP_DEFLATED).read_bytes()
    damaged = flipped(data, original)
    path = tmp_path / "flipped.ora"
    path.write_bytes(damaged)
    try:
        document = load_document(path)
    except DocumentFileError as exc:
        assert "\n" not in str(exc) and "flipped.ora" in str(exc)
    else:
        assert document.photo.ndim == 3
    assert path.read_bytes() == damaged


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    w=st.one_of(st.integers(-(2**40), 2**40), st.sampled_from(["inf", "nan", "", "1e9", "x"])),
    x=st.one_of(st.floats(allow_nan=True, allow_infinity=True), _TEXT),
    opacity=st.one_of(st.floats(allow_nan=True, allow_infinity=True), _TEXT),
)
def test_random_header_numbers_open_or_fail_in_one_sentence(
    tmp_path: Path, w: object, x: object, opacity: object
) -> None:
    numbers = f"x={quoteattr(str(x))} opacity={quoteattr(str(opacity))}"
    text = f'<layer name="photo" src="data/a.png" {numbers}/>'
    path = _ora(tmp_path / "numbers.ora", _stack(text, w, 3))
    try:
        load_document(path)
    except DocumentFileError as exc:
        assert "\n" not in str(exc)


def test_a_canvas_whose_compositing_is_over_the_memory_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Within the pixel limit, but compositing 16000² needs about 15 GiB: refused from the
    header against the memory budget (found by benchmarks/hostile_sweep.py, where a
    few-hundred-byte file hit MemoryError under a 3 GiB address-space limit)."""
    from ganpaint.memory import MEMORY_ENV

    monkeypatch.setenv(MEMORY_ENV, "4")
    path = _ora(tmp_path / "wide.ora", _stack(LAYER, 16000, 16000))
    _refused(path, "16000×16000", MEMORY_ENV)
    monkeypatch.setenv(MEMORY_ENV, "0.001")  # 1 MiB: a 4×3 canvas needs 768 bytes
    assert load_document(_ora(tmp_path / "small.ora")).size == (4, 3)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc and RLIMIT_AS")
def test_a_canvas_within_the_pixel_limit_stays_within_bounded_memory(tmp_path: Path) -> None:
    path = _ora(tmp_path / "wide.ora", _stack(LAYER * 200, 16000, 16000))
    assert _load_in_bounded_child(path).startswith("DocumentFileError: ")
