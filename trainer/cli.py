"""The `ganpaint-train` command: data sets and (as the trainer grows) training runs.

Every user error ends in one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from ganpaint import __version__
from ganpaint.errors import GanpaintError

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130

Handler = Callable[[argparse.Namespace], int]


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, not {text}")
    return value


def _cmd_synth_landscapes(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from trainer.synth import write_dataset

    with tqdm(total=None, unit="img", desc="landscapes", file=sys.stderr) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        summary = write_dataset(
            Path(args.out),
            n=args.n,
            size=args.size,
            seed=args.seed,
            layout=args.layout,
            pair=args.pair,
            progress=progress,
        )
    parts = ", ".join(f"{name}: {count}" for name, count in summary["counts"].items())
    print(f"Wrote {args.layout} landscapes to {args.out} ({parts})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from trainer.synth import LAYOUTS, PAIRS

    parser = argparse.ArgumentParser(
        prog="ganpaint-train", description="Train and evaluate the models ganpaint uses."
    )
    parser.add_argument("--version", action="version", version=f"ganpaint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    synth = commands.add_parser("synth", help="render a procedural data set to a folder")
    datasets = synth.add_subparsers(dest="dataset", metavar="DATASET")
    datasets.required = True
    land = datasets.add_parser(
        "landscapes",
        help="procedural landscapes (day/dusk/night, sketches, label maps)",
        description="Render procedural landscapes in the reference data-set layouts: "
        "'folder' (images), 'unaligned' (trainA/trainB/testA/testB, for CycleGAN) or "
        "'aligned' (side-by-side A|B images in train/val/test, for pix2pix).",
    )
    land.add_argument("-n", type=_positive_int, required=True, help="number of training images")
    land.add_argument("-o", "--out", required=True, help="output folder")
    land.add_argument("--size", type=_positive_int, default=64, help="image side in pixels")
    land.add_argument("--seed", type=int, default=0, help="first seed (the data are deterministic)")
    land.add_argument("--layout", choices=sorted(LAYOUTS), default="folder")
    land.add_argument("--pair", choices=sorted(PAIRS), help="A/B pair (unaligned and aligned)")
    land.set_defaults(handler=_cmd_synth_landscapes)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except GanpaintError as error:
        print(f"ganpaint-train: error: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("ganpaint-train: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
