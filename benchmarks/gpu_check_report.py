"""The Python half of `benchmarks/gpu_check.sh`: checks, test inputs and the summary.

    python benchmarks/gpu_check_report.py env [--require-cuda]
    python benchmarks/gpu_check_report.py deps
    python benchmarks/gpu_check_report.py imports      # deps, then every module
    python benchmarks/gpu_check_report.py inputs DIR [--photo N] [--large N]
    python benchmarks/gpu_check_report.py check-image FILE
    python benchmarks/gpu_check_report.py check-log LOG PATTERN WHAT
    python benchmarks/gpu_check_report.py simulate DIR
    python benchmarks/gpu_check_report.py summary OUT

Everything here reaches the project through its command lines and package names, not
through its internal modules, so it keeps working while code moves. A line `KEY: …`
that a step prints becomes that step's key figure in the summary; for the other
commands the figure is read from their JSON or their last lines.

The borrowed GPU machine has only torch, torchvision, numpy, opencv-python-headless,
safetensors, tqdm, tensorboard and numba (and what they pull in): no PySide6, and
ganpaint is not installed (`PYTHONPATH=.`). `simulate` writes a `sitecustomize.py`
that makes this machine look the same to every process of the dry run.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import platform
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# What the GPU machine has, by import name (torchvision brings Pillow).
REQUIRED = ("torch", "torchvision", "numpy", "cv2", "PIL", "safetensors", "tqdm", "numba")
# Present there but used by one feature only: missing is a note, not a failure.
OPTIONAL = ("tensorboard",)
# Packages this project's venv has that the GPU machine lacks (app, tests, tools).
ABSENT_THERE = (
    "PySide6",
    "shiboken6",
    "qtawesome",
    "qtpy",
    "platformdirs",
    "tomli",
    "pyamg",
    "hypothesis",
    "pytest",
    "_pytest",
    "patchmatch",
    "pyinstrument",
    "rich",
    "importlinter",
    "grimp",
)
QT = ("PySide6", "shiboken6", "qtawesome", "qtpy")


def _key(text: str) -> None:
    print(f"KEY: {text}", flush=True)


def cmd_env(args: argparse.Namespace) -> int:
    print(f"python {sys.version.split()[0]} ({sys.executable}) on {platform.platform()}")
    print(f"CPUs: {os.cpu_count()}; load average: {os.getloadavg()}")
    if sys.version_info < (3, 11):  # noqa: UP036 - the GPU machine's own python
        print("ganpaint needs Python 3.11 or newer; every later step will fail.")
        return 1
    import torch

    cuda = torch.cuda.is_available()
    print(f"torch {torch.__version__}, CUDA build {torch.version.cuda}, available: {cuda}")
    print(f"cuDNN {torch.backends.cudnn.version() if cuda else '–'}")
    if not cuda:
        _key(f"torch {torch.__version__}, no CUDA (CPU only)")
        if args.require_cuda:
            print("CUDA is not available: every cuda step below will fail.")
            return 1
        return 0
    nccl = (
        ".".join(map(str, torch.cuda.nccl.version()))
        if torch.distributed.is_nccl_available()
        else "–"
    )
    for i in range(torch.cuda.device_count()):
        p = torch.cuda.get_device_properties(i)
        print(
            f"cuda:{i} {p.name}, {p.total_memory / 2**30:.1f} GiB, capability "
            f"{p.major}.{p.minor}, {p.multi_processor_count} SMs"
        )
    print(f"bf16 supported: {torch.cuda.is_bf16_supported()}; NCCL {nccl}")
    name = torch.cuda.get_device_name(0)
    _key(f"{name}, torch {torch.__version__}, CUDA {torch.version.cuda}, NCCL {nccl}")
    return 0


def _try_import(name: str) -> tuple[bool, str]:
    """(imported, version or the error)."""
    try:
        module = importlib.import_module(name)
    except Exception as error:  # any failure to import is the finding
        return False, f"{type(error).__name__}: {error}"
    return True, str(getattr(module, "__version__", "present"))


def cmd_deps(_args: argparse.Namespace) -> int:
    missing = []
    for name in REQUIRED + OPTIONAL:
        ok, info = _try_import(name)
        print(f"{name:12} {info}")
        if not ok:
            missing.append(name)
    for name in ABSENT_THERE:  # looked up, not imported: the Qt check below must hold
        there = "present here" if importlib.util.find_spec(name) else "absent"
        print(
            f"{name:12} {there} (not on the GPU machine: the engine and trainer must not need it)"
        )
    required_missing = [m for m in missing if m in REQUIRED]
    optional_missing = [m for m in missing if m in OPTIONAL]
    if optional_missing:
        print(f"note: {', '.join(optional_missing)} missing; training needs --no-tensorboard")
    if required_missing:
        _key(f"missing: {', '.join(required_missing)}")
        return 1
    _key("all required packages" + (f"; missing {optional_missing}" if optional_missing else ""))
    return 0


def _modules(package: str) -> list[str]:
    """Every module of `package` by its files, without importing it first."""
    base = ROOT / package
    names = []
    for path in sorted(base.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return names


def cmd_imports(args: argparse.Namespace) -> int:
    """The packages (`deps`), then every engine and trainer module: none may need Qt."""
    if cmd_deps(args) != 0:
        return 1
    failed = []
    names = [
        n
        for n in _modules("ganpaint") + _modules("trainer")
        if not n.startswith("ganpaint.app") and n not in ("ganpaint.__main__", "trainer.__main__")
    ]
    for name in names:
        error = None
        try:
            importlib.import_module(name)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
        if error:
            failed.append(name)
            print(f"FAILED {name}: {error}")
    qt = sorted(m for m in sys.modules if m.split(".")[0] in QT)
    if qt:
        print(f"Qt was imported by the engine or trainer: {', '.join(qt[:5])}")
    print(f"{len(names) - len(failed)} of {len(names)} modules imported")
    _key(f"{len(names) - len(failed)}/{len(names)} modules, Qt {'loaded' if qt else 'not loaded'}")
    return 1 if failed or qt else 0


def cmd_inputs(args: argparse.Namespace) -> int:
    """Test pictures from the bundled samples: photo, hole mask, sketch, large photo."""
    import cv2
    import numpy as np

    out = Path(args.dir)
    out.mkdir(parents=True, exist_ok=True)
    samples = ROOT / "resources" / "samples"
    photo = cv2.imread(str(samples / "landscape.png"), cv2.IMREAD_COLOR)
    sketch = cv2.imread(str(samples / "landscape-sketch.png"), cv2.IMREAD_COLOR)
    if photo is None or sketch is None:
        print(f"no sample pictures in {samples}")
        return 1
    n, large = args.photo, args.large
    cv2.imwrite(str(out / "photo.png"), cv2.resize(photo, (n, n), interpolation=cv2.INTER_CUBIC))
    cv2.imwrite(str(out / "large.png"), cv2.resize(photo, (large, large)))
    cv2.imwrite(str(out / "sketch.png"), cv2.resize(sketch, (n, n)))
    mask = np.zeros((n, n), np.uint8)
    cv2.ellipse(mask, (n // 2, n * 3 // 5), (n // 7, n // 9), 20, 0, 360, 255, -1)
    cv2.imwrite(str(out / "mask.png"), mask)
    colors = np.zeros((n, n, 4), np.uint8)  # transparent = free
    colors[: n // 3, :, :] = (235, 180, 120, 255)  # a blue sky band (BGRA)
    colors[n * 4 // 5 :, n // 4 : n * 3 // 4] = (60, 140, 60, 255)  # green ground
    cv2.imwrite(str(out / "colors.png"), colors)
    _key(f"{n}² photo, {large}² large photo, mask {int((mask > 0).mean() * 100)} %")
    return 0


def cmd_check_image(args: argparse.Namespace) -> int:
    import cv2

    image = cv2.imread(args.file, cv2.IMREAD_UNCHANGED)
    if image is None:
        print(f"{args.file}: missing or not an image")
        return 1
    print(f"{args.file}: {image.shape[1]}×{image.shape[0]}, mean level {image.mean():.1f}")
    _key(f"{image.shape[1]}×{image.shape[0]} output")
    return 0


def cmd_check_log(args: argparse.Namespace) -> int:
    """Fail unless LOG has a line matching PATTERN (e.g. NCCL's own init lines)."""
    text = Path(args.log).read_text(errors="replace")
    found = re.search(args.pattern, text)
    if not found:
        print(f"{args.what}: no line matches {args.pattern!r} in {args.log}")
        return 1
    print(f"{args.what}: {found.group(0).strip()}")
    return 0


SITECUSTOMIZE = '''"""Written by gpu_check_report.py simulate: look like the bare GPU machine."""
import sys
from importlib.machinery import PathFinder

BLOCKED = {blocked!r}
BLOCKED_DISTS = {{
    "ganpaint", "PySide6_Essentials", "QtAwesome", "QtPy", "shiboken6", "pytest", "hypothesis"
}}


class _Hidden:
    """The path finder, blind to the packages the GPU machine does not have."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            return None  # as if not installed: import fails, find_spec says None
        return PathFinder.find_spec(name, path, target)

    def invalidate_caches(self):
        PathFinder.invalidate_caches()

    def find_distributions(self, *args, **kwargs):  # importlib.metadata, entry points
        for dist in PathFinder.find_distributions(*args, **kwargs):
            if (dist.metadata["Name"] or "").replace("-", "_") not in BLOCKED_DISTS:
                yield dist


# ganpaint is not installed there: drop the editable install's finder.
sys.meta_path[:] = [
    _Hidden() if f is PathFinder else f
    for f in sys.meta_path
    if not str(getattr(f, "__module__", "")).startswith("__editable__")
]
'''


def cmd_simulate(args: argparse.Namespace) -> int:
    out = Path(args.dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "sitecustomize.py").write_text(SITECUSTOMIZE.format(blocked=ABSENT_THERE))
    return 0


# --- summary -----------------------------------------------------------------------


def _last_lines(text: str, n: int = 1) -> str:
    lines = [ln.strip() for ln in re.split(r"[\r\n]+", text) if ln.strip()]
    return " / ".join(lines[-n:])[:200]


def _tqdm_rate(text: str) -> str | None:
    rates = re.findall(r"(\d+)/(\d+) \[[^\]]*?([\d.]+)(step/s|s/step)", text)
    if not rates:
        return None
    done, total, value, unit = rates[-1]
    rate = float(value) if unit == "step/s" else 1.0 / max(float(value), 1e-9)
    return f"{done}/{total} steps, {rate:.2f} steps/s"


def _train_bench(path: Path, model: str) -> str | None:
    data = json.loads(path.read_text()).get(model)
    if not data:
        return None
    median = data["median"]
    return (
        f"reference {median['reference']:.2f} steps/s, ganpaint {median['ganpaint']:.2f} "
        f"steps/s, ratio {data['ratio']:.2f}×"
    )


def _translate_bench(path: Path) -> str | None:
    rows = json.loads(path.read_text())
    parts = []
    for r in rows:
        if r["variant"] == "translate":
            parts.append(
                f"{r['size']}²: {r['speedup']:.2f}× ({r['seconds']:.3f} s, "
                f"mem {r['memory_ratio']:.2f}×)"
            )
    return "translate (bf16) vs plain: " + "; ".join(parts) if parts else None


def _eval_line(text: str) -> str | None:
    found = re.findall(r"metrics\.json \((.*)\)", text)
    if not found:
        return None
    wanted = [
        part for part in found[-1].split(", ") if part.startswith(("swd_avg", "nn_ratio", "fid"))
    ]
    return ", ".join(wanted) or found[-1]


def _table_rows(text: str, header: str) -> list[list[str]]:
    """The rows of the first markdown table whose header row starts with `header`."""
    rows: list[list[str]] = []
    inside = False
    for line in text.splitlines():
        if line.startswith(header):
            inside = True
        elif inside and line.startswith("|"):
            if not line.startswith("|---"):
                rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif inside:
            break
    return rows


def _photo_quality(text: str) -> str | None:
    rows = _table_rows(text, "| method | masked PSNR")
    parts = [f"{r[0]} {r[1].split()[0]} dB / SWD {r[2]} / {r[4]} s" for r in rows if len(r) > 4]
    return "; ".join(parts) or None


def _photo_speed(text: str) -> str | None:
    rows = _table_rows(text, "| method | photo | hole | wall s")
    parts = [f"{r[0]} {r[1]} {r[3]} s ({r[6]})" for r in rows if len(r) > 6]
    return "; ".join(parts) or None


def _inpaint_bench(text: str) -> str | None:
    rows = _table_rows(text, "| family | method | ΔdB")
    parts = [
        f"{r[0]} {r[1]}: {r[2].split()[0]} dB at {r[3].split()[0]}× the paper's time"
        for r in rows
        if len(r) > 3
    ]
    return "; ".join(parts) or None


def _verdicts(text: str) -> str | None:
    found = re.findall(r"(?:Target|^- )[^\n]*?(PASS|FAIL)", text, re.M)
    if not found:
        return None
    return f"{found.count('PASS')} PASS, {found.count('FAIL')} FAIL"


def key_figure(name: str, log: Path, out: Path, failed: bool = False) -> str:
    text = log.read_text(errors="replace") if log.is_file() else ""
    keys = re.findall(r"^KEY: (.*)$", text, re.M)
    figure: str | None = None
    bench = out / "bench"
    if failed:  # our commands' one-line error, else the exception, else the last line
        lines = [ln.strip() for ln in re.split(r"[\r\n]+", text) if ln.strip()]
        ours = [ln for ln in lines if re.match(r"[\w.-]+: error: ", ln)]
        raised = [ln for ln in lines if re.match(r"[\w.]*(Error|Exception): ", ln)]
        return ((ours or raised or lines or ["–"])[-1][:200]).replace("|", "/")
    try:
        if name == "bench-train":
            figure = "; ".join(
                f"{model}: {text}"
                for model in ("dcgan", "cyclegan")
                if (text := _train_bench(bench / "train.json", model))
            )
        elif name == "bench-translate":
            figure = _translate_bench(bench / "translate.json")
        elif name == "eval":
            figure = _eval_line(text)
        elif name == "bench-photo":
            figure = _photo_quality(text)
        elif name == "bench-photo-speed":
            figure = _photo_speed(text)
        elif name == "bench-inpaint":
            figure = _inpaint_bench(text)
        elif name == "bench-model-quality":
            figure = _verdicts(text)
        elif name.startswith(("train-", "torchrun")):
            figure = _tqdm_rate(text)
            nccl = re.search(r"NCCL version ([\d.]+\S*)", text)
            if name.startswith("torchrun"):
                figure = f"{'NCCL ' + nccl.group(1) if nccl else 'no NCCL (gloo)'}; {figure}"
    except (OSError, ValueError, KeyError, TypeError) as error:
        figure = f"(figure unreadable: {type(error).__name__})"
    wrote = re.findall(r"^Wrote \S+ \((.*)\)\s*$", text, re.M)  # the edits' own timings
    if wrote and not figure:
        figure = wrote[-1]
    if keys and not figure:
        figure = keys[-1]
    elif keys:
        figure = f"{figure}; {keys[-1]}"
    return (figure or _last_lines(text) or "–").replace("|", "/")


def cmd_summary(args: argparse.Namespace) -> int:
    out = Path(args.out)
    rows = []
    for line in (out / "steps.tsv").read_text().splitlines():
        name, status, seconds, rc, log, note, cpu = (line.split("\t") + [""] * 7)[:7]
        # skipped, or never started: the note says why
        figure = (
            note
            if status == "skipped" or not log
            else key_figure(name, Path(log), out, status == "failed")
        )
        if status == "failed" and note and figure != note:
            figure = f"{note}: {figure}"
        rows.append(
            {
                "step": name,
                "status": status,
                "seconds": float(seconds or 0),
                "rc": rc,
                "cpu_seconds": float(cpu or 0),
                "figure": figure,
                "log": Path(log).name if log else "",
            }
        )
    meta = {
        "mode": args.mode,
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "machine": args.machine,
        "device": args.device,
        "budget_s": args.budget,
        "total_s": args.total,
    }
    failed = [r["step"] for r in rows if r["status"] == "failed"]
    lines = [
        f"# GPU check ({meta['mode']}), {meta['date']}",
        "",
        f"Machine: {meta['machine']}. Device: {meta['device']}. Total "
        f"{meta['total_s']} s of a {meta['budget_s']} s budget. "
        f"{len(rows) - len(failed)} of {len(rows)} steps ok or skipped by design"
        + (f"; failed: {', '.join(failed)}." if failed else "."),
        "",
        "| step | status | seconds | key figure |",
        "|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['step']} | {r['status']} | {r['seconds']:.1f} | {r['figure']} |")
    lines += ["", "Logs: `logs/<step>.log`; benchmark JSON: `bench/`; runs: `runs/`."]
    (out / "summary.md").write_text("\n".join(lines) + "\n")
    (out / "summary.json").write_text(json.dumps({"meta": meta, "steps": rows}, indent=1))
    print("\n".join(lines))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    env = sub.add_parser("env")
    env.add_argument("--require-cuda", action="store_true")
    sub.add_parser("deps")
    sub.add_parser("imports")
    inputs = sub.add_parser("inputs")
    inputs.add_argument("dir")
    inputs.add_argument("--photo", type=int, default=1024)
    inputs.add_argument("--large", type=int, default=2048)
    image = sub.add_parser("check-image")
    image.add_argument("file")
    log = sub.add_parser("check-log")
    log.add_argument("log")
    log.add_argument("pattern")
    log.add_argument("what")
    simulate = sub.add_parser("simulate")
    simulate.add_argument("dir")
    summary = sub.add_parser("summary")
    summary.add_argument("out")
    summary.add_argument("--mode", default="?")
    summary.add_argument("--machine", default="?")
    summary.add_argument("--device", default="?")
    summary.add_argument("--budget", default="?")
    summary.add_argument("--total", default="?")
    args = parser.parse_args()
    handler = {
        "env": cmd_env,
        "deps": cmd_deps,
        "imports": cmd_imports,
        "inputs": cmd_inputs,
        "check-image": cmd_check_image,
        "check-log": cmd_check_log,
        "simulate": cmd_simulate,
        "summary": cmd_summary,
    }[args.command]
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
