"""The real-photo inpainting benchmark's masks, metrics and photo selection (no network)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _load(name: str):
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # the benchmark imports photo_sources by this name
    spec.loader.exec_module(module)
    return module


sources = _load("photo_sources")
bench = _load("photo_inpaint_bench")

SHAPES = [(512, 768), (768, 512), (300, 300), (309, 1226)]


def _photo(height: int = 96, width: int = 128, seed: int = 0) -> np.ndarray:
    """A textured, photo-like test image: smooth colour plus fine noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 200 / width, y * 200 / height, 100 + 50 * np.sin(x / 7.0)], axis=2)
    return np.clip(base + rng.normal(0, 20, (height, width, 3)), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("family", bench.FAMILIES)
@pytest.mark.parametrize("shape", SHAPES)
def test_masks_are_deterministic_bool_holes_of_the_promised_size(family, shape) -> None:
    low, high = {"strokes": (0.045, 0.075), "blob": (0.07, 0.13), "box": (0.05, 0.075)}[family]
    coverages = []
    for photo in ("a/one", "b/two", "c/three"):
        hole = bench.make_mask(family, shape, photo, seed=0)
        assert hole.dtype == bool and hole.shape == shape
        np.testing.assert_array_equal(hole, bench.make_mask(family, shape, photo, seed=0))
        coverages.append(hole.mean())
        assert low <= hole.mean() <= high, (family, shape, photo, hole.mean())
    other = bench.make_mask(family, shape, "a/one", seed=1)
    assert not np.array_equal(other, bench.make_mask(family, shape, "a/one", seed=0))
    assert len(set(coverages)) > 1 or family == "box"


def test_the_box_is_a_quarter_side_box_away_from_the_border() -> None:
    height, width = 480, 640
    for seed in range(20):
        hole = bench.make_mask("box", (height, width), "photo", seed)
        ys, xs = np.nonzero(hole)
        assert (np.ptp(ys) + 1, np.ptp(xs) + 1) == (height // 4, width // 4)
        assert hole.sum() == (height // 4) * (width // 4)
        assert ys.min() >= height // 16 and ys.max() < height - height // 16
        assert xs.min() >= width // 16 and xs.max() < width - width // 16


def test_the_blob_is_one_piece_inside_the_image() -> None:
    for seed in range(10):
        hole = bench.make_mask("blob", (300, 400), "photo", seed)
        count, _ = cv2.connectedComponents(hole.astype(np.uint8))
        assert count == 2  # background + one blob
        assert not (hole[0].any() or hole[-1].any() or hole[:, 0].any() or hole[:, -1].any())


def test_metrics_of_a_perfect_fill() -> None:
    image = _photo()
    hole = bench.make_mask("blob", image.shape[:2], "x")
    assert bench.masked_psnr(image, image, hole) == float("inf")
    assert bench.patch_swd(image, image, hole) == 0.0
    assert bench.hf_ratio(image, image, hole) == pytest.approx(1.0)


def test_masked_psnr_looks_at_the_hole_only() -> None:
    image = _photo()
    hole = np.zeros(image.shape[:2], bool)
    hole[10:30, 10:30] = True
    fill = image.copy()
    fill[~hole] = 0  # outside the hole: ignored
    assert bench.masked_psnr(fill, image, hole) == float("inf")
    fill = image.astype(np.int16)
    fill[hole] += 10
    fill = np.clip(fill, 0, 255).astype(np.uint8)
    expected = 10 * np.log10(255**2 / np.mean((fill[hole].astype(float) - image[hole]) ** 2))
    assert bench.masked_psnr(fill, image, hole) == pytest.approx(expected)


def test_a_blurred_fill_is_smoother_and_less_photo_like_than_the_photo() -> None:
    image = _photo(128, 160)
    hole = bench.make_mask("box", image.shape[:2], "x")
    blurred = cv2.GaussianBlur(image, (0, 0), 3)
    fill = np.where(hole[:, :, None], blurred, image)
    assert bench.hf_ratio(fill, image, hole) < 0.5
    assert bench.patch_swd(fill, image, hole) > 1.0
    assert bench.masked_psnr(fill, image, hole) < 40


def test_patch_swd_ignores_a_brightness_shift_but_not_a_texture_change() -> None:
    image = (_photo() // 2 + 50).astype(np.uint8)
    hole = bench.make_mask("box", image.shape[:2], "x")
    brighter = image + np.uint8(5)  # mean-removed patches do not change ...
    assert bench.patch_swd(brighter, image, hole) == pytest.approx(0.0, abs=1e-9)
    assert bench.masked_psnr(brighter, image, hole) == pytest.approx(10 * np.log10(255**2 / 25))
    textured = image.copy()
    textured[hole] = _photo(seed=1)[hole]  # ... another texture does
    assert bench.patch_swd(textured, image, hole) > 1.0


def test_patch_centres_are_subsampled_deterministically() -> None:
    hole = np.ones((200, 200), bool)
    a = bench.patch_centres(hole, max_patches=500)
    assert a.sum() == 500
    np.testing.assert_array_equal(a, bench.patch_centres(hole, max_patches=500))
    assert not a[:3].any() and not a[:, -3:].any()  # whole 7×7 patches only


def test_the_split_is_fixed_and_about_half_each() -> None:
    names = [f"pkg/photo{i}" for i in range(400)]
    splits = [sources.split_of(n) for n in names]
    assert splits == [sources.split_of(n) for n in names]
    assert set(splits) == {"tune", "report"}
    assert 150 < splits.count("tune") < 250
    # Pinned: changing the hash would silently move photos between the halves.
    assert sources.split_of("mate-backgrounds/Aqua") == "report"
    assert sources.split_of("lomiri-wallpapers-20.04/Kleiber_by_Lukas_Baubkus") == "tune"


def test_the_photo_test_rejects_flat_art_and_palette_clip_art() -> None:
    assert sources.looks_like_photo(sources.photo_stats(_photo(200, 300)))
    flat = np.zeros((200, 300, 3), np.uint8)
    flat[:, :150] = (200, 30, 30)
    flat[:, 150:] = (30, 30, 200)
    assert not sources.looks_like_photo(sources.photo_stats(flat))
    few = (_photo(200, 300) // 64 * 64).astype(np.uint8)  # 64 colours, like clip art
    assert not sources.looks_like_photo(sources.photo_stats(few))


def test_panorama_crops_keep_the_opaque_textured_part() -> None:
    rgba = np.zeros((600, 1200, 4), np.uint8)
    rgba[:, :, :3] = _photo(600, 1200)
    rgba[250:, :, 3] = 255  # the sky is transparent
    rgba[500:, :, :3] = 90  # a flat synthetic band at the bottom
    crops = sources.panorama_crops(rgba)
    assert len(crops) >= 2  # a 5:1 strip: several pieces
    for top, _left, height, width in crops:
        assert top >= 250 and top + height <= 500
        assert width <= 2.5 * height and min(height, width) >= sources.MIN_SHORT


def test_a_stamp_is_composited_on_grey_and_cropped() -> None:
    rgba = np.zeros((100, 120, 4), np.uint8)
    rgba[20:60, 30:90, :3] = 250
    rgba[20:60, 30:90, 3] = 255
    rgb, (top, left, height, width) = sources.stamp_on_grey(rgba)
    assert rgb.shape == (height, width, 3)
    assert top < 20 and left < 30 and top + height > 60 and left + width > 90
    assert (rgb[0, 0] == sources.STAMP_BACKGROUND).all()
    assert (rgb[20 - top + 5, 30 - left + 5] == 250).all()


def test_licences_come_from_the_last_matching_stanza() -> None:
    text = """Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/

Files: *
Copyright: 2002 Someone
License: GPL-2+

Files: 20.04/Kleiber_by_Lukas_Baubkus.jpg
Copyright: 2021, Lukas Baubkus
License: CC-BY-SA-3.0

Files: nature/*.jpg
Copyright: 2008, A
           2009, B
License: GPL-2+
"""
    stanzas = sources.parse_copyright(text)
    assert sources.license_of("Kleiber_by_Lukas_Baubkus.jpg", stanzas) == (
        "CC-BY-SA-3.0",
        "2021, Lukas Baubkus",
    )
    assert sources.license_of("nature/Aqua.jpg", stanzas) == ("GPL-2+", "2008, A; 2009, B")
    assert sources.license_of("other/x.png", stanzas) == ("GPL-2+", "2002 Someone")


def test_the_contact_sheet_has_a_header_and_one_row_per_pair() -> None:
    wide, tall = _photo(100, 200), _photo(200, 100)
    kept = {}
    for name, image in (("a/wide", wide), ("b/tall", tall)):
        hole = bench.make_mask("box", image.shape[:2], name)
        kept[(name, "box")] = {"__original__": image, "__hole__": hole, "telea": image}
    sheet = bench.contact_sheet(kept, ["telea", "ns"])
    assert sheet.dtype == np.uint8 and sheet.shape[1] == 4 * bench.CELL
    assert sheet.shape[0] == 28 + bench.CELL // 2 + bench.CELL


def test_two_priors_run_side_by_side_under_their_names(tmp_path: Path) -> None:
    bundled = BENCHMARKS.parent / "resources" / "models" / "landscapes-dcgan64.safetensors"
    args = bench.parse_args(["--prior", f"a={bundled}", "--prior", f"b={bundled}"])
    runners = bench.build_methods(["ganpaint", "gan only"], args)
    names = [r.name for r in runners]
    assert names == ["ganpaint [a]", "ganpaint [b]", "gan only [a]", "gan only [b]"]
    image, hole = _photo(64, 64), np.zeros((64, 64), bool)
    hole[20:40, 20:40] = True
    fills = [runners[0].fn(image, hole), runners[1].fn(image, hole)]
    assert np.array_equal(fills[0], fills[1])  # the same prior twice: the same fill
    assert np.array_equal(fills[0][~hole], image[~hole])
    args.prior = ["no-equals-sign"]
    with pytest.raises(SystemExit, match="NAME=MODEL"):
        bench.build_methods(["ganpaint"], args)


def test_no_tuning_is_the_default_pipeline_without_tuning_g() -> None:
    bundled = BENCHMARKS.parent / "resources" / "models" / "landscapes-dcgan64.safetensors"
    args = bench.parse_args(["--model", str(bundled)])
    assert "no tuning" not in args.methods.split(",")  # asked for, never run by default
    tuned, untuned = bench.build_methods(["ganpaint", "no tuning"], args)
    assert untuned.name == "no tuning"
    image, hole = _photo(64, 64), np.zeros((64, 64), bool)
    hole[20:40, 20:40] = True
    fills = [tuned.fn(image, hole), untuned.fn(image, hole)]
    assert tuned.timings["refine"] > 0.1 > untuned.timings.get("refine", 0)
    assert np.array_equal(fills[0][~hole], fills[1][~hole])  # known pixels kept by both


def test_a_slim_copy_of_the_cache_reads_like_the_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    (cache / "photos" / "pkg").mkdir(parents=True)
    (cache / "copyright" / "pkg").mkdir(parents=True)
    (cache / "copyright" / "pkg" / "copyright").write_text("License: GPL-2+\n")
    entries = []
    for name, (height, width) in (("wide", (60, 300)), ("small", (40, 50))):
        file = f"photos/pkg/{name}.png"
        cv2.imwrite(str(cache / file), _photo(height, width))
        entries.append({
            "id": f"pkg/{name}", "file": file, "package": "pkg", "version": "1",
            "original": f"usr/{name}.png", "crop": None, "width": width, "height": height,
            "split": "tune", "license": "GPL-2+", "copyright": "someone",
        })  # fmt: skip
    manifest = {"setup_version": sources.SETUP_VERSION, "photos": entries}
    (cache / "manifest.json").write_text(json.dumps(manifest))
    photos = sources.load_manifest(cache)
    slim = tmp_path / "slim"
    assert sources.main(["--cache", str(cache), "--slim", str(slim), "--max-side", "100"]) == 0
    copied = sources.load_manifest(slim)
    assert copied is not None and [p.id for p in copied] == [p.id for p in photos]
    assert [(p.width, p.height) for p in copied] == [(100, 20), (50, 40)]  # never enlarged
    assert all(p.file.endswith(".jpg") for p in copied)
    assert sources.read_photo(slim, copied[0]).shape == (20, 100, 3)
    assert (slim / "copyright" / "pkg" / "copyright").is_file()
    with pytest.raises(SystemExit, match="not empty"):  # never over an earlier copy
        sources.main(["--cache", str(cache), "--slim", str(slim)])
    with pytest.raises(SystemExit) as refused:  # a bad size: the usage error, exit 2
        sources.main(["--cache", str(cache), "--slim", str(tmp_path / "s2"), "--max-side", "9"])
    assert refused.value.code == 2 and not (tmp_path / "s2").exists()
