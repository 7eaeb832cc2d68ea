"""Issue 18's hostile-input sweep, made reproducible: about a thousand bad or odd inputs
against every entry point, each case classified the way the issue counted them.

    .venv/bin/python benchmarks/hostile_sweep.py [--quick] [--json FILE] [--only TEXT]
                                                 [--keep DIR] [--list]

The cases (built in a temporary folder by `hostile_corpus.py`, from the generators in
`tests/hostile/`) run in this process through `ganpaint.cli.main` / `trainer.cli.main`
(or `load_document` for the .ora loader), with stdout and stderr captured and a timeout;
cases that could exhaust memory run in a child process under an address-space limit
(`RLIMIT_AS`, 3 GiB above its baseline), and the app in a child with Qt offscreen.

Each case ends in one of:
- clean error: exit 2, at most three lines on stderr with an `error:` line, no
  traceback, nothing written or changed;
- handled: a valid odd input (exit 0) whose result passed the case's check;
- silently accepted: exit 0 on nonsense the case expects refused;
- failed: a traceback, more than three lines of error, an exit status other than
  0/2/130, an input or an existing output changed, partial output after a failure, a
  failed result check, a hang (timeout) or a memory blow-up (MemoryError, child killed),
  or a valid input refused.

The exit status is 1 when a case failed or was silently accepted that `KNOWN_OPEN` does
not list (findings reported to the sessions that own the code to fix).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT / "tests" / "hostile")]

import hostile_corpus as corpus  # noqa: E402 (after the path set-up above)
from hostile_corpus import GROUPS, Case  # noqa: E402

CLEAN, HANDLED, SILENT, FAILED = "clean error", "handled", "silently accepted", "failed"
OUTCOMES = (CLEAN, HANDLED, SILENT, FAILED)
#: Bytes of address space a child may use above what it holds after its imports.
CHILD_HEADROOM = 3 * 2**30
#: The same for the sweep's own process, which runs every other case.
SWEEP_HEADROOM = 6 * 2**30


#: Failures and silent acceptances the sweep found whose fix lies in code other sessions
#: are changing (trainer/, ganpaint/cli.py, ganpaint/app/, ganpaint/device.py); reported,
#: still counted, and left out of tests/test_hostile_sweep.py's assertion until fixed.
KNOWN_OPEN: tuple[str, ...] = ()


def known_open(name: str) -> bool:
    return name.startswith(KNOWN_OPEN)


class Hang(BaseException):
    """Raised by the alarm in a case that ran past its timeout (not an Exception, so
    that no `except Exception` in the code under test swallows it)."""


@dataclass
class Result:
    """What one case did and how it is counted."""

    case: str
    group: int
    entry: str
    argv: list[str]
    expect: str
    outcome: str = ""
    why: str = ""
    status: int | None = None
    seconds: float = 0.0
    stderr: str = ""
    stdout: str = ""
    changed: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- running


@contextlib.contextmanager
def captured() -> Iterator[dict[str, str]]:
    """Capture Python-level and file-descriptor-level stdout and stderr."""
    texts: dict[str, str] = {}
    sys.stdout.flush()
    sys.stderr.flush()
    saved = {fd: os.dup(fd) for fd in (1, 2)}
    files = {fd: tempfile.TemporaryFile() for fd in (1, 2)}  # noqa: SIM115
    buffers = {1: io.StringIO(), 2: io.StringIO()}
    old = sys.stdout, sys.stderr
    try:
        for fd in (1, 2):
            os.dup2(files[fd].fileno(), fd)
        sys.stdout, sys.stderr = buffers[1], buffers[2]
        yield texts
    finally:
        sys.stdout, sys.stderr = old
        for fd in (1, 2):
            os.dup2(saved[fd], fd)
            os.close(saved[fd])
            files[fd].seek(0)
            raw = files[fd].read().decode("utf-8", "replace")
            files[fd].close()
            texts["out" if fd == 1 else "err"] = buffers[fd].getvalue() + raw


#: Run by a watchdog process: after argv[1] seconds, open the other end of every FIFO
#: under the folders that follow, releasing a reader or writer blocked on one.
_RELEASE = """
import os, pathlib, stat, sys, time
time.sleep(float(sys.argv[1]))
for folder in sys.argv[2:]:
    for path in pathlib.Path(folder).rglob("*"):
        if stat.S_ISFIFO(path.lstat().st_mode):
            for flags in (os.O_WRONLY | os.O_NONBLOCK, os.O_RDONLY | os.O_NONBLOCK):
                try:
                    os.close(os.open(path, flags))
                except OSError:
                    pass
"""


@contextlib.contextmanager
def alarm(seconds: float, folders: list[Path]) -> Iterator[None]:
    """Raise Hang after `seconds`. An open() blocked on a FIFO, which neither a signal
    (the open is retried) nor a thread (it may hold the GIL) interrupts, is released by
    a watchdog process that opens the other end; only cases that have a FIFO get one."""

    def ring(signum: int, frame: object) -> None:
        raise Hang()

    fifos = any(
        stat.S_ISFIFO(path.lstat().st_mode) for folder in folders for path in folder.rglob("*")
    )
    watchdog = None
    if fifos:
        argv = [sys.executable, "-c", _RELEASE, str(seconds + 1), *map(str, folders)]
        watchdog = subprocess.Popen(argv)
    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if watchdog is not None:
            watchdog.kill()
            watchdog.wait()


def call_entry(entry: str, argv: list[str]) -> tuple[int | None, str]:
    """Run one entry point in this process: (exit status, escaped exception or '')."""
    try:
        if entry == "ora loader":
            from ganpaint.documents.docfile import load_document
            from ganpaint.errors import GanpaintError

            try:
                load_document(argv[0])
            except GanpaintError as error:
                print(f"ora: error: {error}", file=sys.stderr)
                return 2, ""
            return 0, ""
        if entry.startswith("ganpaint-train"):
            from trainer.cli import main
        else:
            from ganpaint.cli import main
        return int(main(argv) or 0), ""
    except SystemExit as stop:
        code = stop.code
        return (code if isinstance(code, int) else (0 if code is None else 1)), ""
    except MemoryError:
        return None, "MemoryError"
    except Exception as error:  # the bug the sweep is looking for
        import traceback

        return None, "".join(traceback.format_exception(error))[-3000:]


def run_in_process(case: Case, env: dict[str, str]) -> tuple[int | None, str, str, str]:
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    os.environ.update(env)
    os.chdir(case.folder)
    try:
        with captured() as texts:
            try:
                with alarm(case.timeout, _fifo_folders(case)):
                    status, escaped = call_entry(case.entry, case.argv)
            except Hang:
                status, escaped = None, f"hang: no answer in {case.timeout:.0f} s"
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        for number, handler in handlers.items():
            signal.signal(number, handler)
    return status, escaped, texts.get("out", ""), texts.get("err", "")


def _fifo_folders(case: Case) -> list[Path]:
    """Where a FIFO this case names may block it (none: no watchdog needed)."""
    named = "fifo" in case.name or any("fifo" in arg for arg in case.argv)
    return [case.folder, corpus.WORK] if named else []


def run_in_child(case: Case, env: dict[str, str]) -> tuple[int | None, str, str, str]:
    """The case in a fresh interpreter: under RLIMIT_AS (`bounded`) or with Qt (`app`)."""
    report = case.folder.parent / f".{case.folder.name}.result.json"
    argv = [
        sys.executable,
        __file__,
        "--child",
        case.mode,
        case.entry,
        str(report),
        "--",
        *case.argv,
    ]
    child_env = {**os.environ, **env, "QT_QPA_PLATFORM": "offscreen"}
    try:
        done = subprocess.run(
            argv, cwd=case.folder, env=child_env, capture_output=True, text=True,
            timeout=case.timeout, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired as stop:
        return None, f"hang: no answer in {case.timeout:.0f} s", str(stop.stdout), str(stop.stderr)
    if not report.exists():
        why = f"child died (status {done.returncode}): memory blow-up or crash"
        return None, why, done.stdout, done.stderr
    outcome = json.loads(report.read_text())
    report.unlink()
    return outcome["status"], outcome["escaped"], done.stdout, done.stderr


def child_main(mode: str, entry: str, report: str, argv: list[str]) -> int:
    import torch

    import ganpaint.cli  # noqa: F401 (imported before the limit, as a long-lived process has)
    import trainer.cli  # noqa: F401
    from ganpaint.documents import docfile  # noqa: F401

    torch.set_num_threads(1)
    if mode == "bounded":
        _limit_address_space(CHILD_HEADROOM)
    status, escaped = call_entry(entry, argv)
    if escaped:
        print(escaped, file=sys.stderr)
    Path(report).write_text(json.dumps({"status": status, "escaped": escaped}))
    return 0


def _limit_address_space(headroom: int) -> None:
    """RLIMIT_AS at what this process holds now plus `headroom` bytes."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[0])
    limit = pages * resource.getpagesize() + headroom
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


# --------------------------------------------------------------------------- judging

Snapshot = dict[str, tuple[int, int, int, int]]


def snapshot(*roots: Path) -> Snapshot:
    """(kind, size, mtime, inode) of every entry: any write or replacement changes one."""
    entries: Snapshot = {}
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            for name in dirnames + filenames:
                path = os.path.join(dirpath, name)
                info = os.lstat(path)
                kind = stat.S_IFMT(info.st_mode)
                size = 0 if stat.S_ISDIR(info.st_mode) else info.st_size
                mtime = 0 if stat.S_ISDIR(info.st_mode) else info.st_mtime_ns
                entries[path] = (kind, size, mtime, info.st_ino)
    return entries


def error_lines(stderr: str) -> list[str]:
    """The lines a user reads on stderr, without progress bars' redraws."""
    lines = []
    for raw in stderr.replace("\r", "\n").splitlines():
        line = raw.strip()
        if line and not ("it/s]" in line or "s/it]" in line or "%|" in line):
            lines.append(line)
    return lines


def judge(case: Case, status: int | None, escaped: str, out: str, err: str,
          before: Snapshot, after: Snapshot) -> tuple[str, str, list[str]]:  # fmt: skip
    """(outcome, why, changed paths) of one finished case."""
    allowed = [str(case.folder / name) for name in case.may_change]
    changed = sorted(
        path
        for path in set(before) | set(after)
        if before.get(path) != after.get(path)
        and not any(path == a or path.startswith(a + os.sep) for a in allowed)
    )
    old_changed = [p for p in changed if p in before]
    if escaped:
        return FAILED, escaped.strip().splitlines()[-1][:300], changed
    if "Traceback (most recent call last)" in out + err:
        return FAILED, "traceback printed", changed
    if status not in (0, 2, 130):
        return FAILED, f"exit status {status}", changed
    if status != 0:
        lines = error_lines(err)
        if len(lines) > 3:
            return FAILED, f"{len(lines)} lines of error", changed
        if not any("error:" in line or "interrupted" in line for line in lines):
            return FAILED, f"exit {status} without an error line", changed
        if changed:
            what = "input changed" if old_changed else "partial output left"
            return FAILED, f"{what}: {_short(changed[0], case)}", changed
        if case.expect == "ok":
            return FAILED, f"valid input refused: {lines[-1][:200]}", changed
        return CLEAN, lines[-1][:300], changed
    if old_changed:
        return FAILED, f"input or existing output changed: {_short(old_changed[0], case)}", changed
    if case.expect == "error":
        return SILENT, "exit 0", changed
    if case.check is not None:
        problem = case.check(case.folder)
        if problem:
            return FAILED, f"wrong result: {problem}", changed
    return HANDLED, "exit 0", changed


def _short(path: str, case: Case) -> str:
    return path.replace(str(case.folder), "$C").replace(str(corpus.WORK), "$W")


def run_case(case: Case) -> Result:
    case.folder.mkdir(parents=True)
    if case.setup is not None:
        case.setup(case.folder)
    env = {"GANPAINT_DATA_DIR": str(case.folder / "user-data"), **case.env}
    watched = [corpus.WORK, case.folder]
    before = snapshot(*watched)
    start = time.perf_counter()
    runner = run_in_child if case.mode != "inproc" else run_in_process
    status, escaped, out, err = runner(case, env)
    seconds = time.perf_counter() - start
    after = snapshot(*watched)
    outcome, why, changed = judge(case, status, escaped, out, err, before, after)
    result = Result(
        case=case.name, group=case.group, entry=case.entry, argv=corpus.shown(case),
        expect=case.expect, outcome=outcome, why=why, status=status, seconds=round(seconds, 3),
        stderr=err[-2000:], stdout=out[-1000:], changed=[_short(p, case) for p in changed[:10]],
    )  # fmt: skip
    if outcome != FAILED:
        shutil.rmtree(case.folder, ignore_errors=True)
    return result


# --------------------------------------------------------------------------- reporting


def table(results: list[Result], key: str, labels: dict[object, str]) -> list[str]:
    counts: dict[object, Counter[str]] = {}
    for result in results:
        counts.setdefault(getattr(result, key), Counter())[result.outcome] += 1
    width = max(len(label) for label in labels.values()) + 2
    head = f"{'':{width}}" + "".join(f"{name:>19}" for name in OUTCOMES) + f"{'cases':>8}"
    rows = [head]
    total: Counter[str] = Counter()
    for value, label in labels.items():
        if value not in counts:
            continue
        row = counts[value]
        total.update(row)
        cells = "".join(f"{row[name]:>19}" for name in OUTCOMES)
        rows.append(f"{label:{width}}{cells}{sum(row.values()):>8}")
    cells = "".join(f"{total[name]:>19}" for name in OUTCOMES)
    rows.append(f"{'all':{width}}{cells}{sum(total.values()):>8}")
    return rows


def report(results: list[Result], seconds: float) -> str:
    groups = {number: f"{number}. {title}" for number, title in GROUPS.items()}
    entries = {name: name for name in corpus.ENTRIES}
    lines = [f"{len(results)} cases in {seconds:.0f} s", "", "By group:"]
    lines += [*table(results, "group", groups), "", "By entry point:"]
    lines += table(results, "entry", entries)
    for outcome in (FAILED, SILENT):
        bad = [r for r in results if r.outcome == outcome]
        lines += ["", f"{outcome.capitalize()} ({len(bad)}):"]
        for r in bad:
            known = "  (known, open)" if known_open(r.case) else ""
            lines.append(f"  [{r.group}] {r.case}: {r.why}{known}")
            lines.append(f"      $ {' '.join(_quoted(a) for a in r.argv)}")
    slow = sorted(results, key=lambda r: -r.seconds)[:5]
    lines += ["", "Slowest: " + ", ".join(f"{r.case} {r.seconds:.1f} s" for r in slow)]
    return "\n".join(lines)


def _quoted(arg: str) -> str:
    import shlex

    return shlex.quote(arg)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="about 100 cases (< 2 minutes)")
    parser.add_argument("--json", metavar="FILE", help="write every case's result here")
    parser.add_argument("--only", metavar="TEXT", help="cases whose name contains TEXT")
    parser.add_argument("--keep", metavar="DIR", help="build the corpus here and keep it")
    parser.add_argument("--list", action="store_true", help="list the cases, run nothing")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(*args.child, args.rest)

    import torch

    torch.set_num_threads(1)
    _limit_address_space(SWEEP_HEADROOM)  # an in-process blow-up is a MemoryError, not OOM
    root = Path(args.keep or tempfile.mkdtemp(prefix="ganpaint-hostile-"))
    root.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    try:
        with captured():  # the training run of the corpus shows progress
            cases = corpus.build(root, quick=args.quick)
        if args.only:
            cases = [c for c in cases if args.only in c.name]
        if args.list:
            for case in cases:
                print(f"[{case.group}] {case.entry:24} {case.name}: {' '.join(corpus.shown(case))}")
            return 0
        print(f"{len(cases)} cases; corpus built in {time.perf_counter() - start:.0f} s",
              file=sys.stderr)  # fmt: skip
        results = []
        for index, case in enumerate(cases, 1):
            result = run_case(case)
            results.append(result)
            mark = "" if result.outcome in (CLEAN, HANDLED) else f"  <-- {result.outcome}"
            print(f"{index:4}/{len(cases)} {result.seconds:6.1f} s  {case.name}: "
                  f"{result.outcome}{mark}", file=sys.stderr, flush=True)  # fmt: skip
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    seconds = time.perf_counter() - start
    print(report(results, seconds))
    if args.json:
        data = {"seconds": round(seconds, 1), "quick": args.quick,
                "cases": [asdict(r) for r in results]}  # fmt: skip
        Path(args.json).write_text(json.dumps(data, indent=1))
    new = [r for r in results if r.outcome in (FAILED, SILENT) and not known_open(r.case)]
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main())
