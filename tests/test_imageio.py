"""Image and mask files: every fixture is made here with Pillow/numpy, nothing is committed."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile, ImageOps

from ganpaint import imageio
from ganpaint.errors import GanpaintError, ImageFileError, MaskError
from ganpaint.imageio import (
    DEFAULT_MAX_PIXELS,
    IMAGE_EXTENSIONS,
    list_images,
    load_image,
    load_mask,
    save_image,
    save_mask,
)

# ----------------------------------------------------------------------------- helpers


def png_bytes(samples: np.ndarray, color_type: int, bit_depth: int = 16) -> bytes:
    """A minimal PNG with raw samples (Pillow cannot write 16-bit colour PNGs)."""
    height, width = samples.shape[:2]
    dtype = ">u2" if bit_depth == 16 else "u1"
    raw = b"".join(b"\x00" + samples[y].astype(dtype).tobytes() for y in range(height))
    return _png(width, height, bit_depth, color_type, zlib.compress(raw))


def _png(width: int, height: int, bit_depth: int, color_type: int, idat: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def noise(height: int, width: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def quadrants(height: int = 32, width: int = 48) -> np.ndarray:
    """Four flat colours, so a rotation or flip is visible and survives JPEG."""
    img = np.zeros((height, width, 3), np.uint8)
    img[: height // 2, : width // 2] = (255, 0, 0)  # top left: red
    img[: height // 2, width // 2 :] = (0, 255, 0)  # top right: green
    img[height // 2 :, : width // 2] = (0, 0, 255)  # bottom left: blue
    img[height // 2 :, width // 2 :] = (255, 255, 255)  # bottom right: white
    return img


def with_orientation(img: Image.Image, orientation: int) -> Image.Exif:
    exif = img.getexif()
    exif[0x0112] = orientation
    return exif


def one_sentence(message: str) -> bool:
    return "\n" not in message and message.endswith(".") and message.count(". ") == 0


# ----------------------------------------------------------------------------- loading


def test_rgb_png_loads_exactly_and_contiguous(tmp_path: Path) -> None:
    pixels = noise(7, 5)
    Image.fromarray(pixels).save(tmp_path / "a.png")
    loaded = load_image(tmp_path / "a.png")
    assert loaded.rgb.dtype == np.uint8 and loaded.rgb.shape == (7, 5, 3)
    assert loaded.rgb.flags.c_contiguous and loaded.rgb.flags.writeable
    np.testing.assert_array_equal(loaded.rgb, pixels)
    assert loaded.alpha is None and loaded.size == (5, 7)
    assert (loaded.mode, loaded.format, loaded.bits_per_channel) == ("RGB", "PNG", 8)


def test_one_by_one_image(tmp_path: Path) -> None:
    Image.new("RGB", (1, 1), (10, 20, 30)).save(tmp_path / "dot.png")
    loaded = load_image(tmp_path / "dot.png")
    assert loaded.rgb.tolist() == [[[10, 20, 30]]]


def test_grey_is_repeated_into_rgb(tmp_path: Path) -> None:
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    Image.fromarray(grey, "L").save(tmp_path / "g.png")
    loaded = load_image(tmp_path / "g.png")
    assert loaded.mode == "L"
    for c in range(3):
        np.testing.assert_array_equal(loaded.rgb[..., c], grey)


def test_grey_with_alpha(tmp_path: Path) -> None:
    img = Image.new("LA", (2, 1), (100, 50))
    img.putpixel((1, 0), (200, 255))
    img.save(tmp_path / "la.png")
    loaded = load_image(tmp_path / "la.png")
    assert loaded.rgb.tolist() == [[[100] * 3, [200] * 3]]
    assert loaded.alpha.tolist() == [[50, 255]]


def test_one_bit_image(tmp_path: Path) -> None:
    img = Image.new("1", (2, 1))
    img.putpixel((1, 0), 1)
    img.save(tmp_path / "bw.png")
    loaded = load_image(tmp_path / "bw.png")
    assert loaded.rgb.tolist() == [[[0] * 3, [255] * 3]]
    assert loaded.bits_per_channel == 1


def test_16bit_grey_png_is_scaled_not_clipped(tmp_path: Path) -> None:
    values = np.array([[65535, 32768, 0, 257 * 7, 255, 128]], np.uint16)
    Image.fromarray(values).save(tmp_path / "g16.png")
    loaded = load_image(tmp_path / "g16.png")
    assert loaded.mode.startswith("I;16") and loaded.bits_per_channel == 16
    assert loaded.rgb[..., 0].tolist() == [[255, 128, 0, 7, 1, 0]]


@pytest.mark.parametrize("mode", ["I;16", "I;16B", "I"])
def test_16bit_grey_modes(mode: str, tmp_path: Path) -> None:
    values = np.array([[65535, 32768, 0]], np.uint16)
    img = Image.fromarray(values).convert("I")
    if mode != "I":
        img = Image.frombytes(mode, (3, 1), values.astype(">u2" if mode.endswith("B") else "<u2"))
    img.save(tmp_path / "g.tif")
    loaded = load_image(tmp_path / "g.tif")
    assert loaded.rgb[..., 0].tolist() == [[255, 128, 0]]


def test_16bit_grey_png_transparent_value_becomes_alpha(tmp_path: Path) -> None:
    values = np.array([[65535, 1000]], np.uint16)
    Image.fromarray(values).save(tmp_path / "t.png", transparency=1000)
    loaded = load_image(tmp_path / "t.png")
    assert loaded.alpha.tolist() == [[255, 0]]


def test_16bit_rgb_png_is_scaled_with_rounding(tmp_path: Path) -> None:
    samples = np.array([[[65535, 32768, 0], [255, 257 * 9, 0x80FF]]], np.uint16)
    (tmp_path / "c16.png").write_bytes(png_bytes(samples, color_type=2))
    loaded = load_image(tmp_path / "c16.png")
    assert loaded.bits_per_channel == 16 and loaded.alpha is None
    # 255 / 257 rounds to 1 (Pillow's high byte alone would give 0), 0x80FF -> 128.
    assert loaded.rgb.tolist() == [[[255, 128, 0], [1, 9, 128]]]


def test_16bit_rgba_png_keeps_alpha_aside(tmp_path: Path) -> None:
    samples = np.zeros((2, 3, 4), np.uint16)
    samples[..., 0] = 65535
    samples[..., 2] = 32768
    samples[..., 3] = 32768
    samples[1, 2, 3] = 65535
    (tmp_path / "c16a.png").write_bytes(png_bytes(samples, color_type=6))
    loaded = load_image(tmp_path / "c16a.png")
    assert loaded.rgb[0, 0].tolist() == [255, 0, 128]
    assert loaded.alpha.tolist() == [[128, 128, 128], [128, 128, 255]]


def test_16bit_grey_alpha_png(tmp_path: Path) -> None:
    samples = np.array([[[32768, 0], [65535, 65535]]], np.uint16)
    (tmp_path / "la16.png").write_bytes(png_bytes(samples, color_type=4))
    loaded = load_image(tmp_path / "la16.png")
    assert loaded.rgb.tolist() == [[[128] * 3, [255] * 3]]
    assert loaded.alpha.tolist() == [[0, 255]]


def test_16bit_rgb_tiff(tmp_path: Path) -> None:
    cv2 = pytest.importorskip("cv2")
    samples = np.array([[[65535, 32768, 255]]], np.uint16)
    assert cv2.imwrite(str(tmp_path / "c16.tif"), samples[..., ::-1])
    loaded = load_image(tmp_path / "c16.tif")
    assert loaded.rgb.tolist() == [[[255, 128, 1]]]


def test_float_image_in_unit_range_is_scaled(tmp_path: Path) -> None:
    Image.fromarray(np.array([[0.0, 0.5, 1.0]], np.float32), "F").save(tmp_path / "f.tif")
    loaded = load_image(tmp_path / "f.tif")
    assert loaded.bits_per_channel == 32
    assert loaded.rgb[..., 1].tolist() == [[0, 128, 255]]


def test_float_image_in_byte_range_is_clipped(tmp_path: Path) -> None:
    values = np.array([[-5.0, 100.4, 300.0, np.nan]], np.float32)
    Image.fromarray(values, "F").save(tmp_path / "f.tif")
    assert load_image(tmp_path / "f.tif").rgb[..., 2].tolist() == [[0, 100, 255, 0]]


def test_rgba_alpha_is_kept_aside(tmp_path: Path) -> None:
    rgba = np.dstack([noise(4, 6), np.arange(24, dtype=np.uint8).reshape(4, 6) * 10])
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    loaded = load_image(tmp_path / "a.png")
    np.testing.assert_array_equal(loaded.rgb, rgba[..., :3])
    np.testing.assert_array_equal(loaded.alpha, rgba[..., 3])
    assert loaded.rgb.flags.c_contiguous and loaded.alpha.flags.c_contiguous
    assert loaded.has_transparency


def test_palette_with_transparency_gives_alpha(tmp_path: Path) -> None:
    img = Image.new("P", (3, 1))
    img.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255])
    img.putdata([0, 1, 2])
    img.save(tmp_path / "p.png", transparency=1)
    loaded = load_image(tmp_path / "p.png")
    assert loaded.mode == "P"
    assert loaded.rgb[0, 0].tolist() == [255, 0, 0] and loaded.rgb[0, 2].tolist() == [0, 0, 255]
    assert loaded.alpha.tolist() == [[255, 0, 255]]


def test_palette_without_transparency_has_no_alpha(tmp_path: Path) -> None:
    img = Image.new("P", (2, 1))
    img.putpalette([10, 20, 30, 40, 50, 60])
    img.putdata([1, 0])
    img.save(tmp_path / "p.png")
    loaded = load_image(tmp_path / "p.png")
    assert loaded.alpha is None and loaded.rgb.tolist() == [[[40, 50, 60], [10, 20, 30]]]


def test_cmyk_jpeg(tmp_path: Path) -> None:
    Image.new("CMYK", (8, 8), (0, 255, 0, 0)).save(tmp_path / "c.jpg", quality=100)
    loaded = load_image(tmp_path / "c.jpg")
    assert loaded.mode == "CMYK" and loaded.icc_profile is None
    np.testing.assert_allclose(loaded.rgb[4, 4], [255, 0, 255], atol=3)  # magenta


@pytest.mark.parametrize("ext", [".tif", ".webp", ".bmp", ".jpg"])
def test_other_formats(ext: str, tmp_path: Path) -> None:
    pixels = quadrants()
    options = {".webp": {"lossless": True}, ".jpg": {"quality": 95}}.get(ext, {})
    Image.fromarray(pixels).save(tmp_path / f"x{ext}", **options)
    loaded = load_image(tmp_path / f"x{ext}")
    error = np.abs(loaded.rgb.astype(int) - pixels)
    if ext == ".jpg":  # lossy: close on average, exact nowhere in particular
        assert error.mean() < 4
    else:
        assert error.max() == 0


@pytest.mark.parametrize("orientation", [6, 3])
def test_exif_rotated_jpeg_is_upright(orientation: int, tmp_path: Path) -> None:
    stored = quadrants(32, 48)
    img = Image.fromarray(stored)
    img.save(tmp_path / "r.jpg", exif=with_orientation(img, orientation), quality=95)
    loaded = load_image(tmp_path / "r.jpg")
    assert loaded.orientation == orientation
    if orientation == 6:  # rotate 90° clockwise to display
        assert loaded.rgb.shape == (48, 32, 3)
        expected = {(0, 0): "blue", (0, -1): "red", (-1, 0): "white", (-1, -1): "green"}
    else:  # 180°
        assert loaded.rgb.shape == (32, 48, 3)
        expected = {(0, 0): "white", (0, -1): "blue", (-1, 0): "green", (-1, -1): "red"}
    colours = {"red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255), "white": (255,) * 3}
    for (y, x), name in expected.items():
        corner = loaded.rgb[y, x].astype(int)
        assert np.abs(corner - colours[name]).max() < 40, (y, x, name, corner)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_all_orientations_match_pillow(orientation: int, tmp_path: Path) -> None:
    rgba = np.dstack([noise(5, 7, seed=orientation), np.full((5, 7), 200, np.uint8)])
    img = Image.fromarray(rgba, "RGBA")
    img.save(tmp_path / "o.png", exif=with_orientation(img, orientation))
    loaded = load_image(tmp_path / "o.png")
    with Image.open(tmp_path / "o.png") as reference:
        upright = np.asarray(ImageOps.exif_transpose(reference))
    np.testing.assert_array_equal(loaded.rgb, upright[..., :3])
    np.testing.assert_array_equal(loaded.alpha, upright[..., 3])
    assert loaded.rgb.flags.c_contiguous


def test_rgb_icc_profile_is_kept(tmp_path: Path) -> None:
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.fromarray(noise(2, 2)).save(tmp_path / "icc.png", icc_profile=profile)
    loaded = load_image(tmp_path / "icc.png")
    assert loaded.icc_profile == profile
    save_image(tmp_path / "out.jpg", loaded.rgb, icc_profile=loaded.icc_profile)
    with Image.open(tmp_path / "out.jpg") as again:
        assert again.info.get("icc_profile") == profile


# ----------------------------------------------------------------------------- load errors


def assert_user_error(exc: GanpaintError, path: Path, *fragments: str) -> None:
    message = str(exc)
    assert str(path) in message
    assert one_sentence(message), message
    for fragment in fragments:
        assert fragment in message, message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ImageFileError) as info:
        load_image(tmp_path / "nope.png")
    assert_user_error(info.value, tmp_path / "nope.png", "no such file")


def test_folder(tmp_path: Path) -> None:
    with pytest.raises(ImageFileError) as info:
        load_image(tmp_path)
    assert_user_error(info.value, tmp_path, "folder")


def test_zero_byte_file(tmp_path: Path) -> None:
    (tmp_path / "empty.png").touch()
    with pytest.raises(ImageFileError) as info:
        load_image(tmp_path / "empty.png")
    assert_user_error(info.value, tmp_path / "empty.png", "empty")


def test_text_named_png(tmp_path: Path) -> None:
    (tmp_path / "notes.png").write_text("these are not pixels\n")
    with pytest.raises(ImageFileError) as info:
        load_image(tmp_path / "notes.png")
    assert_user_error(info.value, tmp_path / "notes.png", "not an image", "PNG, JPEG")


def test_formats_outside_the_list_are_refused(tmp_path: Path) -> None:
    Image.new("RGB", (4, 4)).save(tmp_path / "x.pcx")
    with pytest.raises(ImageFileError, match="not an image ganpaint can read"):
        load_image(tmp_path / "x.pcx")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_truncated_files_raise(fmt: str, keep: float, tmp_path: Path) -> None:
    path = tmp_path / f"cut.{fmt.lower()}"
    Image.fromarray(noise(64, 64)).save(path, format=fmt)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(ImageFileError) as info:
        load_image(path)
    assert_user_error(info.value, path, "truncated or damaged")


def test_truncated_file_raises_even_if_pillow_was_told_to_allow_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cut.jpg"
    Image.fromarray(noise(64, 64)).save(path)
    path.write_bytes(path.read_bytes()[:-200])
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(ImageFileError, match="truncated"):
        load_image(path)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # restored for whoever set it


def test_load_truncated_images_stays_off() -> None:
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads anything")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.png"
    Image.new("RGB", (2, 2)).save(path)
    path.chmod(0)
    try:
        with pytest.raises(ImageFileError) as info:
            load_image(path)
    finally:
        path.chmod(0o644)
    assert_user_error(info.value, path, "permission denied")


def test_permission_error_while_opening(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.png"
    Image.new("RGB", (2, 2)).save(path)

    def deny(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(imageio, "open", deny, raising=False)
    with pytest.raises(ImageFileError) as info:
        load_image(path)
    assert_user_error(info.value, path, "permission denied")


# ----------------------------------------------------------------------------- pixel limit


def test_over_the_pixel_limit_is_refused_before_decoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.png"
    Image.new("RGB", (20, 10)).save(path)

    def no_decoding(self: object) -> None:
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    with pytest.raises(ImageFileError) as info:
        load_image(path, max_pixels=199)
    assert_user_error(info.value, path, "20×10", "199", "max_pixels", "GANPAINT_MAX_PIXELS")


def test_pixel_limit_boundary_and_none(tmp_path: Path) -> None:
    Image.new("RGB", (20, 10)).save(tmp_path / "big.png")
    assert load_image(tmp_path / "big.png", max_pixels=200).size == (20, 10)
    assert load_image(tmp_path / "big.png", max_pixels=None).size == (20, 10)


def test_pixel_limit_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Image.new("RGB", (20, 10)).save(tmp_path / "big.png")
    monkeypatch.setenv("GANPAINT_MAX_PIXELS", "100")
    with pytest.raises(ImageFileError, match="20×10"):
        load_image(tmp_path / "big.png")
    assert load_image(tmp_path / "big.png", max_pixels=500).size == (20, 10)  # caller wins
    monkeypatch.setenv("GANPAINT_MAX_PIXELS", "0")
    assert load_image(tmp_path / "big.png").size == (20, 10)
    monkeypatch.setenv("GANPAINT_MAX_PIXELS", "lots")
    with pytest.raises(ImageFileError, match="GANPAINT_MAX_PIXELS"):
        load_image(tmp_path / "big.png")


def test_decompression_bomb_header_is_refused_without_allocating(tmp_path: Path) -> None:
    # Claims 100000 x 100000 pixels (30 GB as RGB) in a few bytes.
    path = tmp_path / "bomb.png"
    path.write_bytes(_png(100_000, 100_000, 8, 2, zlib.compress(b"\x00" * 64)))
    with pytest.raises(ImageFileError) as info:
        load_image(path)
    assert_user_error(info.value, path, "100000×100000", "decompression bomb")
    assert DEFAULT_MAX_PIXELS < 100_000 * 100_000


def test_images_over_pillows_own_limit_but_under_ours_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "wide.png"
    Image.new("RGB", (30, 10)).save(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # Pillow would refuse at 200
    assert load_image(path, max_pixels=1000).size == (30, 10)
    assert Image.MAX_IMAGE_PIXELS == 100


def test_pillows_bomb_error_becomes_image_file_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "x.png"
    Image.new("RGB", (2, 2)).save(path)

    def bomb(*args: object, **kwargs: object) -> None:
        raise Image.DecompressionBombError("Image size (1 pixels) exceeds limit of 0 pixels")

    monkeypatch.setattr(Image, "open", bomb)
    with pytest.raises(ImageFileError) as info:
        load_image(path)
    assert_user_error(info.value, path, "GANPAINT_MAX_PIXELS")


# ----------------------------------------------------------------------------- saving


@pytest.mark.parametrize("name", ["out.png", "out.webp", "OUT.PNG"])
def test_lossless_round_trip_with_alpha(name: str, tmp_path: Path) -> None:
    rgb, alpha = noise(9, 11), np.random.default_rng(1).integers(0, 256, (9, 11), dtype=np.uint8)
    quality = 100  # lossless for WebP, ignored by PNG
    save_image(tmp_path / name, rgb, alpha, quality=quality)
    loaded = load_image(tmp_path / name)
    np.testing.assert_array_equal(loaded.rgb, rgb)
    np.testing.assert_array_equal(loaded.alpha, alpha)


def test_lossy_webp_keeps_alpha(tmp_path: Path) -> None:
    alpha = np.zeros((16, 16), np.uint8)
    alpha[4:12, 4:12] = 255
    save_image(tmp_path / "a.webp", quadrants(16, 16), alpha, quality=90)
    loaded = load_image(tmp_path / "a.webp")
    np.testing.assert_array_equal(loaded.alpha, alpha)
    assert np.abs(loaded.rgb[8, 8].astype(int) - quadrants(16, 16)[8, 8]).max() < 40


@pytest.mark.parametrize("name", ["out.jpg", "out.jpeg"])
def test_jpeg_round_trip_drops_alpha(name: str, tmp_path: Path) -> None:
    rgb = quadrants()
    save_image(tmp_path / name, rgb, np.zeros(rgb.shape[:2], np.uint8), quality=95)
    loaded = load_image(tmp_path / name)
    assert loaded.format == "JPEG" and loaded.alpha is None
    assert np.abs(loaded.rgb.astype(int) - rgb).mean() < 3


def test_grey_arrays_save_as_grey(tmp_path: Path) -> None:
    grey = np.arange(20, dtype=np.uint8).reshape(4, 5)
    save_image(tmp_path / "g.png", grey)
    save_image(tmp_path / "g1.png", grey[..., None])
    for name in ("g.png", "g1.png"):
        loaded = load_image(tmp_path / name)
        assert loaded.mode == "L"
        np.testing.assert_array_equal(loaded.rgb[..., 0], grey)


def test_save_replaces_and_creates_folders(tmp_path: Path) -> None:
    target = tmp_path / "new" / "deep" / "x.png"
    save_image(target, noise(2, 2, seed=1))
    save_image(target, noise(2, 2, seed=2))
    np.testing.assert_array_equal(load_image(target).rgb, noise(2, 2, seed=2))
    assert os.listdir(target.parent) == ["x.png"]


def test_failed_save_keeps_the_previous_file_and_leaves_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "keep.png"
    save_image(target, noise(8, 8))
    before = target.read_bytes()
    Image.init()

    def broken_encoder(im: Image.Image, fp: object, filename: object) -> None:
        fp.write(b"\x89PNG half a file")  # type: ignore[attr-defined]
        raise OSError(28, "No space left on device")

    monkeypatch.setitem(Image.SAVE, "PNG", broken_encoder)
    with pytest.raises(ImageFileError) as info:
        save_image(target, noise(8, 8, seed=5))
    assert_user_error(info.value, target, "No space left on device")
    assert target.read_bytes() == before
    assert os.listdir(tmp_path) == ["keep.png"]


def test_unexpected_encoder_bug_still_keeps_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "keep.jpg"
    save_image(target, noise(8, 8))
    before = target.read_bytes()
    Image.init()

    def buggy(im: Image.Image, fp: object, filename: object) -> None:
        fp.write(b"\xff\xd8partial")  # type: ignore[attr-defined]
        raise RuntimeError("encoder bug")

    monkeypatch.setitem(Image.SAVE, "JPEG", buggy)
    with pytest.raises(RuntimeError):
        save_image(target, noise(8, 8, seed=5))
    assert target.read_bytes() == before
    assert os.listdir(tmp_path) == ["keep.jpg"]


@pytest.mark.parametrize("name", ["out.gif", "out.tiff", "out"])
def test_unknown_extension_lists_accepted_ones(name: str, tmp_path: Path) -> None:
    with pytest.raises(ImageFileError) as info:
        save_image(tmp_path / name, noise(2, 2))
    assert_user_error(info.value, tmp_path / name, ".png", ".jpg", ".jpeg", ".webp")
    assert not (tmp_path / name).exists()


def test_saving_onto_a_folder(tmp_path: Path) -> None:
    (tmp_path / "dir.png").mkdir()
    with pytest.raises(ImageFileError, match="folder"):
        save_image(tmp_path / "dir.png", noise(2, 2))


@pytest.mark.parametrize(
    ("rgb", "alpha"),
    [
        (np.zeros((4, 4, 3), np.float32), None),
        (np.zeros((4, 4, 4), np.uint8), None),
        (np.zeros((4,), np.uint8), None),
        (np.zeros((0, 4, 3), np.uint8), None),
        ([[0, 0]], None),
        (np.zeros((4, 4, 3), np.uint8), np.zeros((4, 5), np.uint8)),
        (np.zeros((4, 4, 3), np.uint8), np.zeros((4, 4), bool)),
    ],
)
def test_bad_arrays_are_programmer_errors(
    rgb: np.ndarray, alpha: np.ndarray | None, tmp_path: Path
) -> None:
    with pytest.raises(ValueError):
        save_image(tmp_path / "x.png", rgb, alpha)  # type: ignore[arg-type]
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("quality", [0, 101, 9.5])
def test_bad_quality(quality: object, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="quality"):
        save_image(tmp_path / "x.jpg", noise(2, 2), quality=quality)  # type: ignore[arg-type]


def test_non_contiguous_input_saves_correctly(tmp_path: Path) -> None:
    rgb = noise(6, 8)[:, ::-1]
    save_image(tmp_path / "flip.png", rgb)
    np.testing.assert_array_equal(load_image(tmp_path / "flip.png").rgb, rgb)


# ----------------------------------------------------------------------------- masks


def test_mask_non_zero_is_the_hole(tmp_path: Path) -> None:
    grey = np.array([[0, 1, 255], [0, 128, 0]], np.uint8)
    Image.fromarray(grey, "L").save(tmp_path / "m.png")
    hole = load_mask(tmp_path / "m.png")
    assert hole.dtype == np.bool_
    assert hole.tolist() == [[False, True, True], [False, True, False]]


def test_colour_mask_uses_the_brightest_channel(tmp_path: Path) -> None:
    rgb = np.zeros((1, 4, 3), np.uint8)
    rgb[0, 1] = (255, 0, 0)
    rgb[0, 2] = (0, 0, 3)
    Image.fromarray(rgb).save(tmp_path / "m.png")
    assert load_mask(tmp_path / "m.png").tolist() == [[False, True, True, False]]


def test_transparent_mask_uses_alpha(tmp_path: Path) -> None:
    rgba = np.zeros((1, 4, 4), np.uint8)
    rgba[0, 0] = (255, 255, 255, 0)  # white but transparent: not a hole
    rgba[0, 1] = (0, 0, 0, 255)  # black but painted: the hole
    rgba[0, 2] = (255, 0, 0, 40)  # a soft edge: the hole
    Image.fromarray(rgba, "RGBA").save(tmp_path / "m.png")
    assert load_mask(tmp_path / "m.png").tolist() == [[False, True, True, False]]


def test_opaque_rgba_mask_uses_colour(tmp_path: Path) -> None:
    rgba = np.zeros((1, 2, 4), np.uint8)
    rgba[..., 3] = 255
    rgba[0, 1, :3] = 255
    Image.fromarray(rgba, "RGBA").save(tmp_path / "m.png")
    assert load_mask(tmp_path / "m.png").tolist() == [[False, True]]


def test_jpeg_mask_ignores_compression_noise(tmp_path: Path) -> None:
    grey = np.zeros((32, 32), np.uint8)
    grey[8:24, 8:24] = 255
    Image.fromarray(grey, "L").save(tmp_path / "m.jpg", quality=60)
    hole = load_mask(tmp_path / "m.jpg")
    assert (hole == (grey > 0)).mean() > 0.98
    assert not hole[:4].any()


def test_mask_size_mismatch_names_both_sizes(tmp_path: Path) -> None:
    Image.new("L", (30, 20)).save(tmp_path / "m.png")
    assert load_mask(tmp_path / "m.png", expected_size=(30, 20)).shape == (20, 30)
    with pytest.raises(MaskError) as info:
        load_mask(tmp_path / "m.png", expected_size=(64, 48))
    assert_user_error(info.value, tmp_path / "m.png", "30×20", "64×48")
    with pytest.raises(MaskError, match="rotated"):
        load_mask(tmp_path / "m.png", expected_size=(20, 30))


def test_mask_file_errors_are_image_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ImageFileError, match="no such file"):
        load_mask(tmp_path / "missing.png")


def test_save_mask_round_trip(tmp_path: Path) -> None:
    hole = np.random.default_rng(3).random((7, 9)) > 0.5
    save_mask(tmp_path / "m.png", hole)
    with Image.open(tmp_path / "m.png") as written:
        assert written.mode == "L"
        assert set(np.unique(np.asarray(written)).tolist()) <= {0, 255}
    np.testing.assert_array_equal(load_mask(tmp_path / "m.png", expected_size=(9, 7)), hole)


def test_save_mask_refuses_lossy_names_and_bad_arrays(tmp_path: Path) -> None:
    with pytest.raises(ImageFileError, match=r"\.png"):
        save_mask(tmp_path / "m.jpg", np.zeros((2, 2), bool))
    with pytest.raises(ValueError):
        save_mask(tmp_path / "m.png", np.zeros((2, 2, 3), bool))
    with pytest.raises(ValueError):
        save_mask(tmp_path / "m.png", np.zeros((2, 2), np.float32))


# ----------------------------------------------------------------------------- folders


def test_list_images(tmp_path: Path) -> None:
    for name in ["b.png", "a.JPG", "sub/c.webp", "sub/deeper/d.tiff", "notes.txt", ".hidden.png"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "e.png").write_bytes(b"x")
    (tmp_path / "folder.png").mkdir()
    assert list_images(tmp_path) == [tmp_path / "a.JPG", tmp_path / "b.png"]
    assert list_images(tmp_path, recursive=True) == [
        tmp_path / "a.JPG",
        tmp_path / "b.png",
        tmp_path / "sub" / "c.webp",
        tmp_path / "sub" / "deeper" / "d.tiff",
    ]


def test_list_images_errors(tmp_path: Path) -> None:
    with pytest.raises(ImageFileError, match="does not exist"):
        list_images(tmp_path / "nowhere")
    (tmp_path / "f.png").write_bytes(b"x")
    with pytest.raises(ImageFileError, match="not a folder"):
        list_images(tmp_path / "f.png")


def test_image_extensions_are_lower_case_and_readable() -> None:
    assert all(ext == ext.lower() and ext.startswith(".") for ext in IMAGE_EXTENSIONS)
    assert {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff"} <= IMAGE_EXTENSIONS
