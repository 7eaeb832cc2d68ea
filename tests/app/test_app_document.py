"""The document, painting, undo patches and .ora files, without a window."""

from __future__ import annotations

import itertools
import zipfile
from pathlib import Path

import numpy as np
import pytest
from app_photos import photo

from ganpaint.documents.docfile import load_document, save_document
from ganpaint.documents.document import Document, PatchRecorder
from ganpaint.documents.ora import MIMETYPE, read_ora
from ganpaint.errors import ImageFileError
from ganpaint.geometry import Box
from ganpaint.session.painting import draw_segment, grow_mask, invert_mask, segment_box, shrink_mask


def test_patch_recorder_keeps_only_the_stroke_box() -> None:
    document = Document.from_image(np.zeros((3000, 4000, 3), np.uint8))
    recorder = PatchRecorder(document, "mask")
    points = [(100.0, 100.0), (140.0, 120.0), (180.0, 110.0)]
    for p0, p1 in itertools.pairwise(points):
        box = recorder.touch(segment_box(p0, p1, 10))
        draw_segment(document.mask, box, p0, p1, 10, 255)
    patch = recorder.finish()
    assert patch is not None
    assert patch.box.width < 100 and patch.box.height < 40
    assert patch.nbytes < 10_000  # the layer is 12 MB
    assert (patch.before == 0).all() and patch.after.any()
    document.apply(patch, undo=True)
    assert not document.mask.any()


def test_mask_morphology() -> None:
    mask = np.zeros((40, 40), np.uint8)
    mask[15:25, 15:25] = 255
    assert (grow_mask(mask, 3) > 0).sum() > 100
    assert 0 < (shrink_mask(mask, 3) > 0).sum() < 100
    assert (invert_mask(mask) > 0).sum() == 1600 - 100


def test_ora_round_trips_every_layer(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    document = Document.from_image(photo(), title="t")
    document.mask[10:20, 5:40] = 255
    document.sketch[:] = rng.integers(0, 256, document.sketch.shape, dtype=np.uint8)
    document.colour[:] = rng.integers(0, 256, document.colour.shape, dtype=np.uint8)
    labels = rng.integers(0, 7, document.labels.shape, dtype=np.uint8)
    labels[:, :20] = 255  # unlabelled
    document.labels[:] = labels
    document.layer("labels").opacity = 0.7
    document.layer("sketch").visible = False
    document.layer("mask").opacity = 0.3
    path = save_document(tmp_path / "doc.ora", document)

    with zipfile.ZipFile(path) as archive:
        first = archive.infolist()[0]
        assert first.filename == "mimetype"
        assert first.compress_type == zipfile.ZIP_STORED
        assert archive.read("mimetype") == MIMETYPE.encode()
        names = set(archive.namelist())
    assert {"stack.xml", "mergedimage.png", "Thumbnails/thumbnail.png"} <= names
    # The mimetype's bytes sit at offset 38, as OpenRaster readers check.
    assert path.read_bytes()[30:38] == b"mimetype"

    again = load_document(path)
    assert np.array_equal(again.photo, document.photo)
    assert np.array_equal(again.mask, document.mask)
    assert np.array_equal(again.sketch, document.sketch)
    assert np.array_equal(again.colour, document.colour)
    assert np.array_equal(again.labels, labels)
    assert again.layer("labels").opacity == pytest.approx(0.7, abs=1e-3)
    assert again.layer("sketch").visible is False
    assert again.layer("mask").opacity == pytest.approx(0.3, abs=1e-3)
    assert again.path == path
    assert read_ora(path).layer("photo") is not None
    assert read_ora(path).layer("labels") is not None


def test_ora_reader_places_cropped_layers(tmp_path: Path) -> None:
    """Krita writes layers cropped to their content at x/y: they land in place."""
    from ganpaint.documents.ora import OraImage, OraLayer, write_ora

    small = np.zeros((4, 5, 4), np.uint8)
    small[..., 3] = 255
    image = OraImage(
        20,
        10,
        [
            OraLayer("mask", small, x=7, y=3),
            OraLayer("photo", np.full((10, 20, 4), 200, np.uint8)),
        ],
    )
    document = load_document(write_ora(tmp_path / "k.ora", image))
    assert document.size == (20, 10)
    assert (document.mask > 0).sum() == 20
    assert document.mask[3:7, 7:12].all()


def test_corrupt_ora_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ora"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ImageFileError, match=r"bad\.ora"):
        load_document(bad)


def test_box_union_and_clip() -> None:
    box = Box(-5, -5, 10, 10).clip(8, 8)
    assert box == Box(0, 0, 8, 8)
    assert Box(0, 0, 0, 0).union(box) == box


def test_app_state_modules_need_no_qt() -> None:
    """The document, tools, painting, files and jobs' logic import without Qt (napari split)."""
    import subprocess
    import sys

    script = """
import importlib.abc, sys
class NoQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {'PySide6', 'shiboken6', 'qtawesome'}:
            raise ImportError(name)
sys.meta_path.insert(0, NoQt())
for name in ('session.painting', 'session.tools', 'documents.display', 'session.inpainting',
             'session.results', 'session.models', 'session.igan', 'session.actions',
             'documents.document', 'documents.ora', 'documents.docfile', 'documents.recovery'):
    __import__('ganpaint.' + name)
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
