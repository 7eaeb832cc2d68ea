"""The `ganpaint` command: launches the app, or runs an edit or a model task headless.

Every user error ends in one line on stderr and exit status 2; progress goes to
stderr so that stdout stays clean for listings.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from ganpaint import __version__
from ganpaint.errors import GanpaintError

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130

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
    parser = argparse.ArgumentParser(
        prog="ganpaint",
        description="Edit photos with GANs: inpaint, sketch to image, translate. "
        "With no command, opens the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"ganpaint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        # The desktop app arrives with the app issue; until then, show what is here.
        parser.print_help()
        return 0
    try:
        return handler(args)
    except GanpaintError as error:
        print(f"ganpaint: error: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("ganpaint: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
