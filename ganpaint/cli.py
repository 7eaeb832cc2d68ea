"""The `ganpaint` command: launches the app, or runs an edit or a model task headless.

Every user error ends in one line on stderr and exit status 2 (`ganpaint.terminal`);
progress goes to stderr so that stdout stays clean for listings.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from ganpaint import __version__
from ganpaint.cli_edits import add_edit_commands
from ganpaint.collector import collect_rarely, rare_collections, settle
from ganpaint.device import DEVICE_CHOICES_HELP
from ganpaint.errors import GanpaintError
from ganpaint.ranges import CommandParser
from ganpaint.terminal import run_command

Handler = Callable[[argparse.Namespace], int]


def _cmd_models_list(args: argparse.Namespace) -> int:
    from ganpaint.models.catalog import list_models

    entries = list_models()
    if not entries:
        print("No models installed. Import one with `ganpaint models import FILE.pth`.")
        return 0
    rows = [("NAME", "KIND", "RES", "SIZE", "SOURCE", "PATH")]
    for entry in entries:
        rows.append(
            (
                entry.name,
                entry.kind or "?",
                str(entry.resolution or "-"),
                _human_size(entry.size),
                entry.source if not entry.error else f"{entry.source} (unreadable)",
                str(entry.path),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)]
        print("  ".join([*cells, row[-1]]))
    return 0


def _cmd_models_info(args: argparse.Namespace) -> int:
    from ganpaint.models.catalog import describe, resolve_model

    print(describe(resolve_model(args.model)))
    return 0


def _cmd_models_import(args: argparse.Namespace) -> int:
    from ganpaint.models.catalog import describe, import_into_user_models

    path = import_into_user_models(args.file, discriminator=args.discriminator, name=args.name)
    print(f"Imported {args.file} as {path}")
    print(describe(path))
    return 0


def _human_size(size: int | None) -> str:
    if size is None:
        return "-"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="ganpaint",
        description="Edit photos with GANs: inpaint, sketch to image, translate. "
        "With no command (`ganpaint [IMAGE] [--model M] [--device D] [--screenshot OUT.png]`), "
        "opens the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"ganpaint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_edit_commands(commands, DEVICE_CHOICES_HELP)

    models = commands.add_parser(
        "models", help="list, inspect and import model files", description="Manage model files."
    )
    models_commands = models.add_subparsers(dest="models_command", metavar="ACTION")
    models_commands.required = True
    listing = models_commands.add_parser(
        "list", help="bundled models and the user's models, with kind, resolution and size"
    )
    listing.set_defaults(handler=_cmd_models_list)
    info = models_commands.add_parser("info", help="show a model's card (metadata)")
    info.add_argument("model", help="a model name (see `ganpaint models list`) or a file path")
    info.set_defaults(handler=_cmd_models_info)
    importing = models_commands.add_parser(
        "import",
        help="import a reference .pth checkpoint (CycleGAN, pix2pix, DCGAN) as a ganpaint model",
    )
    importing.add_argument(
        "file", help="the .pth file (e.g. latest_net_G_A.pth, netG_epoch_24.pth)"
    )
    importing.add_argument(
        "--discriminator", metavar="D.pth", help="the matching discriminator, for a DCGAN"
    )
    importing.add_argument("--name", help="the name to store it under (default: the file's stem)")
    importing.set_defaults(handler=_cmd_models_import)
    return parser


class _AppParser(CommandParser):
    """The app's own options: a wrong one is one line like every other refusal, naming
    where the help is; no usage above it (the app's usage hides the commands anyway)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_app_parser() -> argparse.ArgumentParser:
    """`ganpaint [IMAGE]`: the desktop app, or `--screenshot` of its window."""
    parser = _AppParser(
        prog="ganpaint",
        description="Open the ganpaint desktop app (commands: see `ganpaint --help`).",
    )
    parser.add_argument("image", nargs="?", help="a photo or .ora document to open")
    parser.add_argument("--model", metavar="NAME|PATH", help="GAN model for inpainting")
    parser.add_argument("--device", default="auto", help=DEVICE_CHOICES_HELP)
    parser.add_argument(
        "--screenshot",
        metavar="OUT.png",
        help="render the window offscreen (with the sample when no IMAGE) to OUT.png and exit",
    )
    return parser


def _wants_app(argv: Sequence[str], parser: argparse.ArgumentParser) -> bool:
    """No command word first (nothing, an image, or app options) means the desktop app."""
    commands = {
        name
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
        for name in action.choices
    }
    return not argv or argv[0] not in commands | {"-h", "--help", "--version"}


def _run_app(argv: Sequence[str]) -> int:
    args = build_app_parser().parse_args(argv)
    from ganpaint.device import resolve_device

    resolve_device(args.device)  # an unknown device is a one-line error, before any window
    if args.image is not None and not Path(args.image).exists():
        raise GanpaintError(f"{args.image} does not exist; check the path of the image to open.")
    if args.screenshot is not None:
        from ganpaint.destinations import check_writes, refuse_empty_paths

        refuse_empty_paths({"--screenshot": args.screenshot})
        check_writes([args.screenshot], reads=[args.image] if args.image else [])
    from ganpaint.app.main import run_app, screenshot

    if args.screenshot:
        return screenshot(args.screenshot, image=args.image)
    return run_app([sys.argv[0], *argv], image=args.image, model=args.model, device=args.device)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    return run_command("ganpaint", lambda: _dispatch(argv))


def _dispatch(argv: list[str]) -> int:
    """The desktop app, or the command `argv` names."""
    parser = build_parser()
    if _wants_app(argv, parser):
        collect_rarely()  # until the window is up (`run_app` settles it then)
        try:
            return _run_app(argv)
        finally:
            settle()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    with rare_collections():
        return handler(args)


if __name__ == "__main__":
    sys.exit(main())
