"""Build the one-folder ganpaint bundle with PyInstaller, and check that it starts.

    pip install -e ".[bundle]"                      # PyInstaller, once
    python packaging/build_bundle.py                # -> dist/ganpaint/ganpaint
    python packaging/build_bundle.py --dist /tmp/ganpaint-dist --check
    python packaging/build_bundle.py --check-only --dist /tmp/ganpaint-dist

The check runs the bundled executable twice, as a user would: `ganpaint --version`
(it must print the pyproject version) and `ganpaint --screenshot OUT.png` with
QT_QPA_PLATFORM=offscreen (it must write a window-sized PNG). It also checks that
the resources and the Qt plugins ganpaint needs are inside. Exit status 0 means
the bundle starts; anything else prints what is wrong.

The build takes minutes and gigabytes (torch), so it is not part of the test suite;
tests/test_packaging.py checks the recipe's structure instead.
"""

from __future__ import annotations

import argparse
import os
import shutil
import struct
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "packaging" / "ganpaint.spec"
NAME = "ganpaint"
EXECUTABLE = NAME + (".exe" if os.name == "nt" else "")

# Relative to the bundle's _internal/ folder.
REQUIRED_FILES = [
    "ganpaint/resources/icons/ganpaint.svg",
    "ganpaint/resources/samples/landscape.png",
    "ganpaint/resources/models/README.md",
]
REQUIRED_QT_PLUGINS = [
    "platforms/libqoffscreen.so",
    "platforms/libqxcb.so",
    "platforms/libqwayland.so",
    "imageformats/libqjpeg.so",
    "imageformats/libqwebp.so",
    "imageformats/libqsvg.so",
    "iconengines/libqsvgicon.so",
]
MIN_SCREENSHOT = (640, 400)


def project_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def build(dist: Path, work: Path) -> float:
    """Run PyInstaller on the spec; return the wall time in seconds."""
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        str(SPEC),
        "--noconfirm",
        "--clean",
        "--distpath",
        str(dist),
        "--workpath",
        str(work),
    ]
    print("$", " ".join(command), flush=True)
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT)
    return time.perf_counter() - start


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's header; ValueError if it is not a PNG."""
    head = path.read_bytes()[:24]
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise ValueError(f"{path} is not a PNG file")
    return struct.unpack(">II", head[16:24])


def check(bundle: Path, screenshot: Path) -> list[str]:
    """Run the bundled executable; return the problems found (empty: it starts)."""
    problems: list[str] = []
    exe = bundle / EXECUTABLE
    if not exe.is_file():
        return [f"{exe} does not exist; build the bundle first."]
    internal = bundle / "_internal"
    for name in REQUIRED_FILES:
        if not (internal / name).is_file():
            problems.append(f"missing from the bundle: {name}")
    plugins = internal / "PySide6" / "Qt" / "plugins"
    if os.name == "posix" and sys.platform != "darwin":
        for name in REQUIRED_QT_PLUGINS:
            if not (plugins / name).is_file():
                problems.append(f"missing Qt plugin: {name}")

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    version = subprocess.run(
        [str(exe), "--version"], capture_output=True, text=True, env=env, timeout=300
    )
    expected = f"{NAME} {project_version()}"
    if version.returncode != 0 or version.stdout.strip() != expected:
        problems.append(
            f"`ganpaint --version` printed {version.stdout.strip()!r} (status "
            f"{version.returncode}), expected {expected!r}: {version.stderr.strip()[-2000:]}"
        )

    screenshot.unlink(missing_ok=True)
    start = time.perf_counter()
    shot = subprocess.run(
        [str(exe), "--screenshot", str(screenshot)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    seconds = time.perf_counter() - start
    if shot.returncode != 0 or not screenshot.is_file():
        problems.append(
            f"`ganpaint --screenshot` failed (status {shot.returncode}): "
            f"{shot.stderr.strip()[-2000:]}"
        )
    else:
        try:
            width, height = png_size(screenshot)
        except ValueError as error:
            problems.append(str(error))
        else:
            print(f"screenshot: {screenshot} ({width}x{height}, {seconds:.1f} s from start)")
            if width < MIN_SCREENSHOT[0] or height < MIN_SCREENSHOT[1]:
                problems.append(f"screenshot is only {width}x{height}; expected the window")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder")
    parser.add_argument(
        "--work", type=Path, help="PyInstaller's build folder (default: DIST/../build-pyinstaller)"
    )
    parser.add_argument("--check", action="store_true", help="run the bundle after building")
    parser.add_argument("--check-only", action="store_true", help="check an existing bundle")
    parser.add_argument(
        "--screenshot", type=Path, help="where the check writes the window PNG (default: DIST)"
    )
    args = parser.parse_args(argv)
    dist = args.dist.resolve()
    bundle = dist / NAME
    if not args.check_only:
        if shutil.which("pyinstaller") is None and not _has_pyinstaller():
            sys.exit('PyInstaller is not installed; run `pip install -e ".[bundle]"` first.')
        work = (args.work or dist.parent / "build-pyinstaller").resolve()
        seconds = build(dist, work)
        size = folder_size(bundle)
        print(f"built {bundle} in {seconds / 60:.1f} min; {size / 2**30:.2f} GiB")
    if args.check or args.check_only:
        problems = check(bundle, (args.screenshot or dist / "ganpaint-window.png").resolve())
        for problem in problems:
            print("FAIL:", problem, file=sys.stderr)
        if problems:
            return 1
        print("bundle check passed")
    return 0


def _has_pyinstaller() -> bool:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
