"""What `ganpaint` and `ganpaint-train` share at the terminal: exit codes, the one-line
error that ends a failed command, and progress bars on stderr.

Light on purpose (no torch, no numpy): both commands import it before they know what
they will run, so that `--help` answers at once.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Protocol

from ganpaint.errors import GanpaintError

#: A user error (bad file, number out of range, ...): one line on stderr, never a traceback.
EXIT_USER_ERROR = 2
#: Ctrl+C, as shells report SIGINT (128 + 2).
EXIT_INTERRUPTED = 130


def run_command(prog: str, command: Callable[[], int]) -> int:
    """`command()`'s exit status; a user error ends in `PROG: error: ...` (status 2) and
    Ctrl+C in `PROG: interrupted` (status 130), each one line on stderr."""
    try:
        return command()
    except GanpaintError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


class StepReport(Protocol):
    """What an edit reports (`ganpaint.edit.progress.Progress` has these fields)."""

    step: int
    total: int
    losses: Mapping[str, float]


class ProgressBar:
    """A tqdm bar on stderr fed by `(done, total)` reports, as a context manager.

    The bar appears at the first report, so a command that fails before any work prints
    only its one-line error; a disabled bar (`enabled=False`) ignores every report. Call
    the bar as a `progress(done, total)` callback, or pass `bar.report` to an edit.
    """

    def __init__(
        self, desc: str, unit: str = "step", *, leave: bool = True, enabled: bool = True
    ) -> None:
        self.desc, self.unit, self.leave, self.enabled = desc, unit, leave, enabled
        self._bar: Any = None  # the tqdm, once the first report came

    def __call__(self, done: int, total: int, postfix: Mapping[str, float] | None = None) -> None:
        """Show `done` of `total` (the total may change), with `postfix` values beside it."""
        if not self.enabled:
            return
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(
                total=total, desc=self.desc, unit=self.unit, file=sys.stderr, leave=self.leave
            )
        bar = self._bar
        if bar.total != total:
            bar.total = total
        if postfix:
            bar.set_postfix({k: f"{v:.4g}" for k, v in postfix.items()}, refresh=False)
        bar.update(max(0, done - bar.n))

    def report(self, progress: StepReport) -> None:
        """An edit's progress report: its step and total, and its first three losses."""
        self(progress.step, progress.total, dict(list(progress.losses.items())[:3]))

    # A terminal shows no pictures: edits skip making previews for it
    # (`ganpaint.edit.progress.shows_previews`).
    report.shows_previews = False  # type: ignore[attr-defined]

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
