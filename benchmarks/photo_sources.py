"""Real photos for the photo inpainting benchmark, taken from Debian packages.

    .venv/bin/python benchmarks/photo_sources.py [--cache DIR] [--refresh]

prints the licence table of the photos in the cache, fetching them first if the cache is
empty. `benchmarks/photo_inpaint_bench.py` calls `ensure_photos` itself, so running this
script is only needed to look at what is there.

Why Debian packages: they are free, versioned, reachable wherever apt is, and every
package carries a machine-readable `copyright` file, so each photo's licence and author
are known. Nothing is committed: the photos live in a cache (default
`~/.cache/ganpaint/photo-bench/`), and this fetch (`apt-get download` + `dpkg-deb -x` in
a temporary folder, `apt-get update` first when apt knows none of the packages) is the
only network use of the benchmark.

Sources, and what is kept of them:
- `mate-backgrounds`: the `nature/` photos (the other folders are abstract art).
- `lomiri-wallpapers-20.04`: the wallpapers that pass the photo test below (two of the
  four are flat graphics).
- `stellarium-data`: the `landscapes/` panoramas (the side textures of the "old_style"
  landscapes, the maps of the "spherical" ones). Their sky is transparent and some have
  flat synthetic fill, so the largest rectangles of opaque, textured pixels are cut out
  (pieces of at most 2.5:1, at most `MAX_PER_LANDSCAPE` per landscape, spread over the
  panorama); pieces smaller than `MIN_SHORT`×`MIN_LONG` are skipped. Greyscale maps
  (the Moon) fail the photo test; fisheye and polygonal landscapes are not used.
- `tuxpaint-stamps-default`: the photographic stamps. They are cut-out objects with
  alpha: each is composited on neutral grey (128) and cropped to its object plus a
  margin; stamps whose opaque pixels fail the photo test (clip art, cartoons, drawn
  flowers) or that are small are skipped.

The photo test (`photo_stats` / `looks_like_photo`), on the image shrunk to at most 512
px and only over its opaque pixels: a colour entropy of at least 7 bits (64 levels per
channel), at most 35 % of pixels in perfectly flat areas (|Laplacian| < 0.5), and enough
distinct colours. It rejects flat vector art and palette clip art; it cannot tell a
painting from a photo, which is why the folders above are chosen by hand too.

Every photo gets a `tune` or `report` split from a hash of its id (`split_of`), so that
settings tuned on one half are reported on the other. The manifest (`manifest.json` in
the cache) records, per photo: id, source package and version, original path, crop
box, size, split, licence and copyright holder (from the package's copyright file).
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps

DEFAULT_CACHE = Path.home() / ".cache" / "ganpaint" / "photo-bench"
SETUP_VERSION = 2  # bump when the selection rules change: the cache is rebuilt
SPLITS = ("tune", "report")
MIN_SHORT, MIN_LONG = 192, 256  # smallest photo kept (pixels)
MAX_PER_LANDSCAPE = 3
STAMP_BACKGROUND = 128
STAMP_MARGIN = 0.08  # of the object's longer side, around the cropped stamp
PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".png")


@dataclass(frozen=True)
class Source:
    package: str
    root: str  # folder inside the package that holds the images
    kind: str  # "plain", "stellarium" or "stamps"
    note: str


SOURCES: tuple[Source, ...] = (
    Source("mate-backgrounds", "usr/share/backgrounds/mate/nature", "plain", "nature/ photos only"),
    Source("lomiri-wallpapers-20.04", "usr/share/backgrounds", "plain", "photographic ones"),
    Source(
        "stellarium-data",
        "usr/share/stellarium/landscapes",
        "stellarium",
        "opaque crops of the landscape panoramas",
    ),
    Source(
        "tuxpaint-stamps-default",
        "usr/share/tuxpaint/stamps",
        "stamps",
        "photographic stamps on grey",
    ),
)


@dataclass
class Photo:
    """One photo in the cache, with where it came from and under which licence."""

    id: str  # "<package>/<path inside root without suffix>[#k]"
    file: str  # relative to the cache
    package: str
    version: str
    original: str  # path inside the package
    crop: tuple[int, int, int, int] | None  # top, left, height, width in the original
    width: int
    height: int
    split: str
    license: str
    copyright: str


# --- the photo test ----------------------------------------------------------------------


def photo_stats(rgb: np.ndarray, valid: np.ndarray | None = None) -> dict[str, float]:
    """Colour entropy (bits), flat fraction and distinct colours over `valid` pixels.

    The image is first shrunk to at most 512 px on its long side, so the figures do not
    depend on the resolution; `valid` (bool HxW) defaults to every pixel.
    """
    rgb = np.asarray(rgb, np.uint8)
    valid = np.ones(rgb.shape[:2], bool) if valid is None else np.asarray(valid, bool)
    scale = 512 / max(rgb.shape[:2])
    if scale < 1:
        size = (max(1, round(rgb.shape[1] * scale)), max(1, round(rgb.shape[0] * scale)))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        valid = cv2.resize(valid.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
    # Pixels next to invalid ones see the background in their Laplacian: leave them out.
    inner = cv2.erode(valid.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    if inner.sum() < 64:
        return {"entropy": 0.0, "flat": 1.0, "colors": 0.0, "pixels": float(inner.sum())}
    pixels = rgb[inner].astype(np.int64)
    quantised = pixels // 4
    codes = quantised[:, 0] * 4096 + quantised[:, 1] * 64 + quantised[:, 2]
    _, counts = np.unique(codes, return_counts=True)
    p = counts / counts.sum()
    entropy = float(-(p * np.log2(p)).sum())
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    lap = np.abs(cv2.Laplacian(grey, cv2.CV_32F))
    flat = float((lap[inner] < 0.5).mean())
    colors = float(len(np.unique(pixels[:, 0] * 65536 + pixels[:, 1] * 256 + pixels[:, 2])))
    return {"entropy": entropy, "flat": flat, "colors": colors, "pixels": float(inner.sum())}


def looks_like_photo(stats: dict[str, float]) -> bool:
    """The photo test on `photo_stats`: rich colours, little perfectly flat area."""
    enough_colors = stats["colors"] >= min(2000.0, 0.03 * stats["pixels"])
    return stats["entropy"] >= 6.0 and stats["flat"] <= 0.35 and enough_colors


def split_of(photo_id: str) -> str:
    """The split, "tune" or "report", from a hash of the id: fixed forever, about half each."""
    return SPLITS[hashlib.sha256(photo_id.encode()).digest()[0] & 1]


def stable_int(text: str) -> int:
    """A 63-bit integer from `text`, the same on every machine and run (for seeding)."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little") >> 1


# --- crops -------------------------------------------------------------------------------


def largest_rectangle(valid: np.ndarray) -> tuple[int, int, int, int]:
    """(top, left, height, width) of the largest all-True axis-aligned rectangle."""
    rows, cols = valid.shape
    heights = np.zeros(cols + 1, np.int64)  # a 0 sentinel at the end flushes the stack
    best = (0, 0, 0, 0)
    best_area = 0
    for r in range(rows):
        heights[:cols] = np.where(valid[r], heights[:cols] + 1, 0)
        stack: list[int] = []
        for c in range(cols + 1):
            while stack and heights[stack[-1]] >= heights[c]:
                h = int(heights[stack.pop()])
                left = stack[-1] + 1 if stack else 0
                area = h * (c - left)
                if area > best_area:
                    best_area, best = area, (r - h + 1, left, h, c - left)
            stack.append(c)
    return best


def textured_opaque(rgba: np.ndarray) -> np.ndarray:
    """Bool HxW: opaque pixels that are not in a perfectly flat (synthetic) area."""
    opaque = rgba[:, :, 3] >= 250
    grey = cv2.cvtColor(np.ascontiguousarray(rgba[:, :, :3]), cv2.COLOR_RGB2GRAY)
    grey = grey.astype(np.float32)
    mean = cv2.blur(grey, (9, 9))
    var = cv2.blur(grey * grey, (9, 9)) - mean * mean
    textured = cv2.erode((var > 0.25).astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    return opaque & textured  # eroded: a window that touches a flat area is not counted


def panorama_crops(rgba: np.ndarray, block: int = 4, most: int = 4) -> list[tuple[int, ...]]:
    """Crops (top, left, height, width) of opaque textured photo inside a panorama texture.

    The largest valid rectangle is found on `block`-pixel cells (a cell counts when all
    its pixels are valid), cut into pieces of about 2:1 (at most 2.5:1), then removed, `most` times.
    """
    valid = textured_opaque(rgba)
    h, w = (valid.shape[0] // block) * block, (valid.shape[1] // block) * block
    cells = valid[:h, :w].reshape(h // block, block, w // block, block).all(axis=(1, 3))
    crops: list[tuple[int, ...]] = []
    for _ in range(most):
        top, left, height, width = largest_rectangle(cells)
        if height * block < MIN_SHORT or width * block < MIN_SHORT:
            break
        cells[top : top + height, left : left + width] = False
        top, left, height, width = top * block, left * block, height * block, width * block
        if width > 2.5 * height:  # a wide strip: pieces of about 2:1 side by side
            pieces = max(2, round(width / (2 * height)))
            piece = width // pieces
            crops += [(top, left + k * piece, height, piece) for k in range(pieces)]
        elif height > 2.5 * width:
            pieces = max(2, round(height / (2 * width)))
            piece = height // pieces
            crops += [(top + k * piece, left, piece, width) for k in range(pieces)]
        else:
            crops.append((top, left, height, width))
    return [c for c in crops if min(c[2], c[3]) >= MIN_SHORT and max(c[2], c[3]) >= MIN_LONG]


def stamp_on_grey(rgba: np.ndarray) -> tuple[np.ndarray, tuple[int, int, int, int]] | None:
    """A stamp composited on neutral grey and cropped to its object plus a margin."""
    alpha = rgba[:, :, 3].astype(np.float32) / 255.0
    ys, xs = np.nonzero(alpha > 0.02)
    if len(ys) == 0:
        return None
    margin = round(STAMP_MARGIN * max(np.ptp(ys) + 1, np.ptp(xs) + 1))
    height, width = alpha.shape
    top, bottom = max(0, ys.min() - margin), min(height, ys.max() + 1 + margin)
    left, right = max(0, xs.min() - margin), min(width, xs.max() + 1 + margin)
    rgb = rgba[:, :, :3].astype(np.float32)
    grey = np.float32(STAMP_BACKGROUND)
    composite = rgb * alpha[:, :, None] + grey * (1.0 - alpha[:, :, None])
    out = np.clip(np.rint(composite[top:bottom, left:right]), 0, 255).astype(np.uint8)
    return out, (int(top), int(left), int(bottom - top), int(right - left))


# --- licences ----------------------------------------------------------------------------


def parse_copyright(text: str) -> list[dict[str, str]]:
    """The `Files:` stanzas of a machine-readable Debian copyright file, in order."""
    stanzas = []
    for block in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            if line[:1] in (" ", "\t") and key:
                fields[key] += "\n" + line.strip()
            elif ":" in line:
                key, _, value = line.partition(":")
                key = key.strip().lower()
                fields[key] = value.strip()
        if "files" in fields:
            stanzas.append(fields)
    return stanzas


def license_of(path: str, stanzas: list[dict[str, str]]) -> tuple[str, str]:
    """(licence, copyright) of `path`: the last stanza whose pattern matches wins (DEP-5).

    Upstream paths often differ from the installed ones, so a pattern also matches a
    tail of the path, or the file name alone when its own last component is a name.
    """
    parts = path.split("/")
    tails = ["/".join(parts[i:]) for i in range(len(parts))]
    found = ("unknown", "unknown")
    for stanza in stanzas:
        for pattern in stanza["files"].split():
            name = pattern.rsplit("/", 1)[-1]
            if any(fnmatch.fnmatchcase(t, pattern) for t in tails) or (
                re.search(r"[^*?]", name) and "*" not in name and name == parts[-1]
            ):
                license_name = stanza.get("license", "unknown").splitlines()[0].strip()
                lines = stanza.get("copyright", "unknown").splitlines()
                holder = "; ".join(" ".join(line.split()) for line in lines if line.strip())
                found = (license_name, holder)
                break
    return found


# --- fetching ----------------------------------------------------------------------------


def _run(command: list[str], cwd: Path | None = None) -> str:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"`{' '.join(command)}` failed:\n{done.stderr.strip()}")
    return done.stdout


def _has_candidate(package: str) -> bool:
    out = subprocess.run(["apt-cache", "policy", package], capture_output=True, text=True)
    match = re.search(r"Candidate:\s*(\S+)", out.stdout)
    return bool(match) and match.group(1) != "(none)"


def download_packages(packages: list[str], folder: Path) -> dict[str, Path]:
    """`apt-get download` each package into `folder` (after `apt-get update` if needed)."""
    if shutil.which("apt-get") is None:
        raise RuntimeError("The photo benchmark fetches its photos with apt-get (Debian/Ubuntu).")
    if not all(_has_candidate(p) for p in packages):
        print("apt-cache knows none of the photo packages: running apt-get update", flush=True)
        _run(["apt-get", "update"])
    _run(["apt-get", "download", *packages], cwd=folder)
    debs = {}
    for package in packages:
        found = sorted(folder.glob(f"{package}_*.deb"))
        if not found:
            raise RuntimeError(f"apt-get download left no .deb for {package} in {folder}")
        debs[package] = found[-1]
    return debs


def _read_rgba(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(ImageOps.exif_transpose(image).convert("RGBA"))


def _images(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix.lower() in PHOTO_EXTENSIONS:
            yield path


def _select_plain(root: Path) -> Iterator[tuple[str, Path, None, np.ndarray | None]]:
    """Plain sources: whole files that pass the photo test (kept byte for byte)."""
    for path in _images(root):
        rgba = _read_rgba(path)
        height, width = rgba.shape[:2]
        if min(height, width) < MIN_SHORT or max(height, width) < MIN_LONG:
            continue
        opaque = rgba[:, :, 3] >= 250
        if opaque.mean() < 0.99 or not looks_like_photo(photo_stats(rgba[:, :, :3])):
            continue
        yield path.relative_to(root).with_suffix("").as_posix(), path, None, None


def _landscape_textures(folder: Path) -> list[Path]:
    """The photographic textures of one Stellarium landscape, from its landscape.ini."""
    ini = folder / "landscape.ini"
    if not ini.exists():
        return []
    text = ini.read_text(errors="replace")
    kind = re.search(r"^\s*type\s*=\s*(\S+)", text, re.M)
    kind_name = kind.group(1) if kind else ""
    if kind_name == "old_style":
        names = re.findall(r"^\s*tex\d+\s*=\s*(\S+)", text, re.M)
    elif kind_name == "spherical":
        names = re.findall(r"^\s*maptex\s*=\s*(\S+)", text, re.M)
    else:  # polygonal (no image) and fisheye (too distorted to be a photo)
        names = []
    return [folder / n for n in names if (folder / n).exists()]


def _select_stellarium(root: Path) -> Iterator[tuple[str, Path, tuple, np.ndarray]]:
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        pieces = []
        for path in _landscape_textures(folder):
            rgba = _read_rgba(path)
            for k, (top, left, height, width) in enumerate(panorama_crops(rgba)):
                rgb = np.ascontiguousarray(rgba[top : top + height, left : left + width, :3])
                if looks_like_photo(photo_stats(rgb)):
                    key = f"{path.relative_to(root).with_suffix('').as_posix()}#{k}"
                    pieces.append((key, path, (top, left, height, width), rgb))
        if len(pieces) > MAX_PER_LANDSCAPE:  # evenly spread over the panorama
            picks = np.linspace(0, len(pieces) - 1, MAX_PER_LANDSCAPE).round().astype(int)
            pieces = [pieces[i] for i in picks]
        yield from pieces


def _select_stamps(root: Path) -> Iterator[tuple[str, Path, tuple, np.ndarray]]:
    seen: set[str] = set()
    for path in _images(root):
        rel = path.relative_to(root).as_posix()
        if "cartoon" in rel or path.stem.endswith("_mirror"):  # drawings; mirrored copies
            continue
        rgba = _read_rgba(path)
        digest = hashlib.sha256(rgba.tobytes()).hexdigest()
        if digest in seen:  # the same stamp under two names
            continue
        seen.add(digest)
        placed = stamp_on_grey(rgba)
        if placed is None:
            continue
        rgb, crop = placed
        if min(rgb.shape[:2]) < MIN_SHORT or max(rgb.shape[:2]) < MIN_LONG:
            continue
        opaque = rgba[crop[0] : crop[0] + crop[2], crop[1] : crop[1] + crop[3], 3] >= 250
        if opaque.mean() < 0.3 or not looks_like_photo(photo_stats(rgb, opaque)):
            continue
        yield path.relative_to(root).with_suffix("").as_posix(), path, crop, rgb


SELECTORS = {"plain": _select_plain, "stellarium": _select_stellarium, "stamps": _select_stamps}


def _version(deb: Path) -> str:
    return _run(["dpkg-deb", "--field", str(deb), "Version"]).strip()


def _safe(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", key.replace("/", "__"))


def fetch_photos(cache: Path, sources: tuple[Source, ...] = SOURCES) -> list[Photo]:
    """Download the source packages, select and store the photos, write the manifest."""
    cache.mkdir(parents=True, exist_ok=True)
    photos_dir = cache / "photos"
    if photos_dir.exists():
        shutil.rmtree(photos_dir)
    photos: list[Photo] = []
    copyrights: dict[str, str] = {}
    with tempfile.TemporaryDirectory(dir=cache, prefix="fetch-") as tmp:
        work = Path(tmp)
        print(f"Downloading {', '.join(s.package for s in sources)} with apt-get ...", flush=True)
        debs = download_packages([s.package for s in sources], work)
        for source in sources:
            deb = debs[source.package]
            version = _version(deb)
            tree = work / source.package
            _run(["dpkg-deb", "-x", str(deb), str(tree)])
            deb.unlink()
            copyright_text = (tree / "usr/share/doc" / source.package / "copyright").read_text(
                errors="replace"
            )
            copyrights[source.package] = copyright_text
            stanzas = parse_copyright(copyright_text)
            root = tree / source.root
            out_dir = photos_dir / source.package
            out_dir.mkdir(parents=True, exist_ok=True)
            count = 0
            for key, path, crop, rgb in SELECTORS[source.kind](root):
                photo_id = f"{source.package}/{key}"
                original = path.relative_to(tree).as_posix()
                license_name, holder = license_of(path.relative_to(root).as_posix(), stanzas)
                if source.kind == "stellarium":  # the landscape's own author line
                    author = re.search(
                        r"^\s*author\s*=\s*(.+)$",
                        (path.parent / "landscape.ini").read_text(errors="replace"),
                        re.M,
                    )
                    if author:
                        holder = author.group(1).strip()
                if rgb is None:  # kept byte for byte
                    target = out_dir / (_safe(key) + path.suffix.lower())
                    shutil.copyfile(path, target)
                    with Image.open(target) as image:
                        width, height = ImageOps.exif_transpose(image).size
                else:
                    target = out_dir / (_safe(key) + ".png")
                    Image.fromarray(rgb).save(target)
                    height, width = rgb.shape[:2]
                photos.append(
                    Photo(
                        id=photo_id,
                        file=target.relative_to(cache).as_posix(),
                        package=source.package,
                        version=version,
                        original=original,
                        crop=tuple(int(v) for v in crop) if crop else None,  # type: ignore[arg-type]
                        width=int(width),
                        height=int(height),
                        split=split_of(photo_id),
                        license=license_name,
                        copyright=holder,
                    )
                )
                count += 1
            print(f"  {source.package} {version}: {count} photos", flush=True)
            shutil.rmtree(tree)
    for package, text in copyrights.items():
        (cache / "copyright").mkdir(exist_ok=True)
        (cache / "copyright" / package).write_text(text)
    manifest = {
        "setup_version": SETUP_VERSION,
        "sources": [asdict(s) for s in sources],
        "photos": [asdict(p) for p in photos],
    }
    (cache / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    return photos


def load_manifest(cache: Path) -> list[Photo] | None:
    """The cached photos, or None when the cache is missing, stale or incomplete."""
    path = cache / "manifest.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    if data.get("setup_version") != SETUP_VERSION:
        return None
    photos = []
    for entry in data["photos"]:
        entry["crop"] = tuple(entry["crop"]) if entry["crop"] else None
        photos.append(Photo(**entry))
    if not all((cache / p.file).exists() for p in photos):
        return None
    return photos


def ensure_photos(cache: Path = DEFAULT_CACHE, refresh: bool = False) -> list[Photo]:
    """The photos in `cache`, fetched from the Debian packages first if needed."""
    photos = None if refresh else load_manifest(cache)
    if photos is None:
        photos = fetch_photos(cache)
    return photos


def select(photos: list[Photo], split: str = "report") -> list[Photo]:
    """The photos of one split ("tune", "report" or "all"), in a fixed order."""
    if split not in (*SPLITS, "all"):
        raise ValueError(f"split must be tune, report or all, not {split!r}")
    chosen = [p for p in photos if split == "all" or p.split == split]
    return sorted(chosen, key=lambda p: p.id)


def read_photo(cache: Path, photo: Photo, max_side: int | None = None) -> np.ndarray:
    """A cached photo as uint8 HxWx3 RGB, shrunk (never enlarged) to `max_side`."""
    with Image.open(cache / photo.file) as image:
        rgb = np.asarray(ImageOps.exif_transpose(image).convert("RGB"))
    if max_side and max(rgb.shape[:2]) > max_side:
        scale = max_side / max(rgb.shape[:2])
        size = (max(1, round(rgb.shape[1] * scale)), max(1, round(rgb.shape[0] * scale)))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(rgb)


def license_table(photos: list[Photo]) -> str:
    """Markdown: photos per source package, with licences and copyright holders."""
    lines = [
        "| source package | version | photos (tune / report) | licence | copyright |",
        "|---|---|---|---|---|",
    ]
    for package in dict.fromkeys(p.package for p in photos):
        group = [p for p in photos if p.package == package]
        tune = sum(p.split == "tune" for p in group)
        licences = ", ".join(sorted({p.license for p in group}))
        holders = sorted({p.copyright for p in group})
        holder_text = "; ".join(holders) if len(holders) <= 3 else f"{len(holders)} holders"
        lines.append(
            f"| {package} | {group[0].version} | {len(group)} ({tune} / {len(group) - tune}) "
            f"| {licences} | {holder_text} |"
        )
    return "\n".join(lines)


def _refuse_used_folder(folder: Path, verb: str) -> None:
    """Never write over an earlier export or copy: the folder must be new or empty."""
    if folder.exists() and any(folder.iterdir()):
        raise SystemExit(f"photo_sources: {folder} is not empty; {verb} into a new folder.")


def export_split(cache: Path, photos: list[Photo], split: str, folder: Path) -> list[Path]:
    """Write one split's photos as PNGs named after their ids into a new `folder`: the
    training folder of the photo GAN is `--export tune`, its held-out photos `report`."""
    _refuse_used_folder(folder, "export")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for photo in select(photos, split):
        target = folder / (photo.id.replace("/", "_").replace("#", "_") + ".png")
        Image.fromarray(read_photo(cache, photo)).save(target)
        written.append(target)
    return written


def slim_copy(cache: Path, photos: list[Photo], folder: Path, max_side: int = 2048) -> Path:
    """A copy of the cache in a new `folder` with every photo shrunk to `max_side` and
    stored as a JPEG (quality 95): a cache small enough to travel with a GPU lease (the
    device tool carries 64 MiB with the repository), read by the benchmarks and by
    `--export` as the full cache is. Manifest sizes are the shrunk ones."""
    _refuse_used_folder(folder, "copy")
    data = json.loads((cache / "manifest.json").read_text())
    entries = []
    for photo, entry in zip(photos, data["photos"], strict=True):
        rgb = read_photo(cache, photo, max_side)
        file = str(Path(photo.file).with_suffix(".jpg"))
        (folder / file).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rgb).save(folder / file, quality=95)
        entries.append({**entry, "file": file, "width": rgb.shape[1], "height": rgb.shape[0]})
    for extra in cache.iterdir():  # the packages' copyright files: the licences travel too
        if extra.is_dir() and extra.name != "photos":
            shutil.copytree(extra, folder / extra.name)
    data["photos"] = entries
    (folder / "manifest.json").write_text(json.dumps(data, indent=1, ensure_ascii=False))
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--refresh", action="store_true", help="fetch again even if cached")
    parser.add_argument("--list", action="store_true", help="also list every photo")
    parser.add_argument(
        "--export",
        nargs=2,
        metavar=("SPLIT", "DIR"),
        help="write the photos of SPLIT (tune, report or all) as PNGs into a new DIR",
    )
    parser.add_argument(
        "--slim",
        type=Path,
        metavar="DIR",
        help="copy the cache into a new DIR with photos shrunk to --max-side, as JPEGs "
        "(to travel with a GPU lease); use it with --cache DIR",
    )
    parser.add_argument("--max-side", type=int, default=2048, help="--slim: longest side")
    args = parser.parse_args(argv)
    if args.max_side < 64:
        parser.error(f"--max-side must be at least 64, not {args.max_side}")
    cache = args.cache.expanduser()
    photos = ensure_photos(cache, refresh=args.refresh)
    if args.export:
        split, folder = args.export
        if split not in (*SPLITS, "all"):
            parser.error(f"--export SPLIT must be tune, report or all, not {split!r}")
        written = export_split(cache, photos, split, Path(folder).expanduser())
        print(f"Wrote {len(written)} {split} photos into {folder}")
        return 0
    if args.slim:
        slim_copy(cache, photos, args.slim.expanduser(), args.max_side)
        print(f"Wrote a slim copy of {len(photos)} photos into {args.slim}")
        return 0
    print(license_table(photos))
    if args.list:
        for p in photos:
            print(f"{p.split:6s} {p.width:5d}×{p.height:<5d} {p.license:14s} {p.id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
