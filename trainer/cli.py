"""The `ganpaint-train` command: data sets, training runs, evaluation, export, status.

Every user error ends in one line on stderr and exit status 2. Training flags
default to None so that only the flags a user actually gives override the config
(defaults < `--config FILE` < flags; `--resume` reads the run's own config.toml).
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

    from ganpaint.destinations import check_writes, refuse_empty_paths
    from trainer.synth import write_dataset

    refuse_empty_paths({"-o": args.out})
    check_writes(folders=[args.out])
    bars: list[tqdm] = []

    def progress(done: int, total: int) -> None:
        if not bars:  # created on the first report, so an error prints only its one line
            bars.append(tqdm(total=total, unit="img", desc="landscapes", file=sys.stderr))
        bars[0].update(done - bars[0].n)

    try:
        summary = write_dataset(
            Path(args.out),
            n=args.n,
            size=args.size,
            seed=args.seed,
            layout=args.layout,
            pair=args.pair,
            progress=progress,
        )
    finally:
        for bar in bars:
            bar.close()
    parts = ", ".join(f"{name}: {count}" for name, count in summary["counts"].items())
    print(f"Wrote {args.layout} landscapes to {args.out} ({parts})")
    return 0


def _add_loop_flags(
    parser: argparse.ArgumentParser, iters: str = "10000", batch: str = "64"
) -> None:
    """Flags every training command shares (see trainer.config.LoopConfig)."""
    from ganpaint.device import DEVICE_CHOICES_HELP

    parser.add_argument("-o", "--out", required=True, metavar="RUN", help="run folder")
    parser.add_argument("--config", metavar="FILE", help="TOML config (flags override it)")
    parser.add_argument(
        "--resume", action="store_true", help="continue the run in --out at its next step"
    )
    parser.add_argument("--iters", type=_positive_int, help=f"total steps (default {iters})")
    parser.add_argument("--batch", type=_positive_int, help=f"batch per process (default {batch})")
    parser.add_argument("--lr", type=float, help="learning rate")
    parser.add_argument("--seed", type=int, help="seed of every RNG (default 0)")
    parser.add_argument("--device", help=DEVICE_CHOICES_HELP)
    parser.add_argument(
        "--amp", action=argparse.BooleanOptionalAction, help="bf16 autocast on CUDA"
    )
    parser.add_argument(
        "--max-minutes", type=float, help="stop cleanly with a checkpoint after this long"
    )
    parser.add_argument("--workers", type=int, help="DataLoader worker processes (default 2)")
    parser.add_argument("--log-every", type=_positive_int, help="steps between logged scalars")
    parser.add_argument("--sample-every", type=_positive_int, help="steps between sample grids")
    parser.add_argument("--checkpoint-every", type=_positive_int, help="steps between checkpoints")
    parser.add_argument(
        "--keep-checkpoints", type=_positive_int, help="checkpoints kept (default 3)"
    )
    parser.add_argument(
        "--sync-bn", action=argparse.BooleanOptionalAction, help="SyncBatchNorm under torchrun"
    )
    parser.add_argument(
        "--channels-last",
        action=argparse.BooleanOptionalAction,
        help="channels_last memory format on CUDA (default on)",
    )
    parser.add_argument(
        "--tensorboard", action=argparse.BooleanOptionalAction, help="TensorBoard logs"
    )


def _add_translation_flags(parser: argparse.ArgumentParser, defaults: dict[str, str]) -> None:
    """Flags CycleGAN and pix2pix share (see trainer.translation.TranslationConfig)."""
    parser.add_argument("--data", help=f"data set folder or {defaults['data']} (the default)")
    parser.add_argument("--size", type=_positive_int, help="training crop in pixels (default 256)")
    parser.add_argument(
        "--load-size", type=_positive_int, help="images are resized to this, then cropped "
        "(default round(size * 286 / 256))"
    )  # fmt: skip
    parser.add_argument(
        "--flip", action=argparse.BooleanOptionalAction, help="random mirrors (default on)"
    )
    parser.add_argument(
        "--zoom", type=float, metavar="Z",
        help="scale augmentation: see each training image at a random scale up to Z× the "
        "load size (default 1 = off; rendered sharp for synthetic data, upsampled for "
        "folders); teaches a model trained on small crops features at bigger scales",
    )  # fmt: skip
    parser.add_argument(
        "--synthetic-n", type=_positive_int, help="procedural training images (default 1000)"
    )
    parser.add_argument(
        "--netG", "--net-g", dest="net_g",
        help=f"generator: resnet_9blocks, resnet_6blocks, unet_256, unet_128, or unet "
        f"(depth log2(size)) (default {defaults['net_g']})",
    )  # fmt: skip
    parser.add_argument("--ngf", type=_positive_int, help="generator width (default 64)")
    parser.add_argument("--ndf", type=_positive_int, help="discriminator width (default 64)")
    parser.add_argument(
        "--n-layers-d", type=_positive_int, help="PatchGAN layers (default 3: 70x70 patches)"
    )
    parser.add_argument("--norm", choices=("instance", "batch", "none"),
                        help=f"normalisation (default {defaults['norm']})")  # fmt: skip
    parser.add_argument(
        "--dropout",
        action=argparse.BooleanOptionalAction,
        help=f"dropout in the generator (default {defaults['dropout']})",
    )
    parser.add_argument("--gan-mode", choices=("lsgan", "vanilla"),
                        help=f"adversarial loss (default {defaults['gan_mode']})")  # fmt: skip
    parser.add_argument("--beta1", type=float, help="Adam beta1 (default 0.5)")
    parser.add_argument("--n-epochs", type=int, help="epochs at the initial rate (default 100)")
    parser.add_argument("--n-epochs-decay", type=int,
                        help="epochs of linear decay to 0 (default 100)")  # fmt: skip
    parser.add_argument(
        "--test-every",
        type=_positive_int,
        help="steps between test-set outputs (default: every 5 epochs)",
    )
    parser.add_argument("--test-n", type=_positive_int, help="test images shown (default 8)")
    parser.add_argument(
        "--init-from", metavar="FILE.pth|BUNDLE|RUN",
        help="start the generator(s) from a reference .pth, a ganpaint model or a run",
    )  # fmt: skip
    parser.add_argument("--domain-a", help="name of domain A in the model (default: from --data)")
    parser.add_argument("--domain-b", help="name of domain B in the model (default: from --data)")
    parser.add_argument("--name", help="name stored in the exported model")
    _add_loop_flags(parser, iters="(n_epochs + n_epochs_decay) epochs", batch="1")


def _command(name: str) -> Handler:
    """The handler that runs `trainer.commands.<name>`, imported only when it runs,
    so that `ganpaint-train --help` does not wait for torch."""

    def run(args: argparse.Namespace) -> int:
        from trainer import commands

        return getattr(commands, name)(args)

    return run


def _add_training_commands(commands: argparse._SubParsersAction) -> None:
    gan = commands.add_parser(
        "gan",
        help="train a GAN (DCGAN or MLP; GAN or WGAN-GP loss)",
        description="Train an unconditional GAN whose export the app uses for inpainting "
        "and sketching. Works on one CPU/GPU, or data-parallel under torchrun.",
    )
    gan.add_argument("--arch", choices=("dcgan", "mlp"), help="network (default dcgan)")
    gan.add_argument("--loss", choices=("gan", "wgan-gp"), help="loss (default gan)")
    gan.add_argument("--data", help="folder of images, or synthetic:landscapes (the default)")
    gan.add_argument("--size", type=_positive_int, help="image side: 32, 64 or 128 for DCGAN")
    gan.add_argument("--nz", type=_positive_int, help="latent size (default 100)")
    gan.add_argument("--ngf", type=_positive_int, help="generator width (default 64)")
    gan.add_argument("--ndf", type=_positive_int, help="discriminator width (default 64)")
    gan.add_argument("--channels", type=int, choices=(1, 3), help="1 = grey, 3 = RGB")
    gan.add_argument("--n-critic", type=_positive_int, help="WGAN-GP critic steps (default 5)")
    gan.add_argument("--gp-weight", type=float, help="WGAN-GP penalty weight (default 10)")
    gan.add_argument(
        "--synthetic-n", type=_positive_int, help="procedural training images (default 50000)"
    )
    gan.add_argument(
        "--ema",
        type=float,
        metavar="DECAY",
        help="also keep an exponential moving average of G's weights (e.g. 0.999 per step) "
        "and export it instead of G; 0 = off (the default, as in the papers)",
    )
    gan.add_argument("--name", help="name stored in the exported model")
    _add_loop_flags(gan)
    gan.set_defaults(handler=_command("train_gan"))

    encoder = commands.add_parser(
        "encoder",
        help="train an encoder E so that G(E(x)) ~ x (a warm start for inversion)",
        description="Train E on G's own samples (latent and image loss), then on real "
        "images (image loss); export a gan bundle with G, D and E.",
    )
    encoder.add_argument("--model", required=True, help="a gan run folder or .safetensors model")
    encoder.add_argument("--data", help="real images (default: the model's training data)")
    encoder.add_argument("--ndf", type=_positive_int, help="encoder width (default: D's)")
    encoder.add_argument(
        "--fake-fraction", type=float, help="share of steps on G's own samples (default 0.5)"
    )
    encoder.add_argument("--z-weight", type=float, help="latent loss weight (default 1)")
    encoder.add_argument("--image-weight", type=float, help="image loss weight (default 1)")
    encoder.add_argument(
        "--synthetic-n", type=_positive_int, help="procedural training images (default 50000)"
    )
    encoder.add_argument("--name", help="name stored in the exported model")
    _add_loop_flags(encoder)
    encoder.set_defaults(handler=_command("train_encoder"))

    cyclegan = commands.add_parser(
        "cyclegan",
        help="train a CycleGAN on unaligned domains (trainA/, trainB/)",
        description="Train two generators (G_A: A -> B, G_B: B -> A) and two PatchGANs with "
        "the reference's LSGAN, cycle and identity losses and image pools; export a cyclegan "
        "model for `ganpaint translate`. --data: a folder with trainA/ and trainB/ (testA/, "
        "testB/ for test outputs) or synthetic:landscapes:PAIR.",
    )
    _add_translation_flags(
        cyclegan,
        {"data": "synthetic:landscapes:day2night", "net_g": "resnet_9blocks",
         "norm": "instance", "dropout": "off", "gan_mode": "lsgan"},
    )  # fmt: skip
    cyclegan.add_argument("--lambda-a", type=float, help="cycle loss weight A->B->A (default 10)")
    cyclegan.add_argument("--lambda-b", type=float, help="cycle loss weight B->A->B (default 10)")
    cyclegan.add_argument(
        "--lambda-identity", type=float, help="identity loss, times lambda (default 0.5)"
    )
    cyclegan.add_argument("--pool-size", type=int, help="fake images pooled for D (default 50)")
    cyclegan.set_defaults(handler=_command("train_cyclegan"))

    pix2pix = commands.add_parser(
        "pix2pix",
        help="train pix2pix on aligned A|B pairs (train/, val/, test/)",
        description="Train a conditional GAN (U-Net generator, PatchGAN on the input and an "
        "image) with the GAN loss plus 100 x L1; export a pix2pix model for `ganpaint "
        "translate` and `ganpaint sketch`. --data: a folder with train/ (test/ or val/ for "
        "test outputs) of side-by-side A|B images, or synthetic:landscapes:PAIR.",
    )
    _add_translation_flags(
        pix2pix,
        {"data": "synthetic:landscapes:edges2photo", "net_g": "unet",
         "norm": "batch", "dropout": "on", "gan_mode": "vanilla"},
    )  # fmt: skip
    pix2pix.add_argument("--direction", choices=("AtoB", "BtoA"), help="default AtoB")
    pix2pix.add_argument("--lambda-l1", type=float, help="L1 loss weight (default 100)")
    pix2pix.add_argument(
        "--lambda-gan", type=float, help="GAN loss weight (default 1; 0 = L1-only baseline)"
    )
    pix2pix.set_defaults(handler=_command("train_pix2pix"))

    report = commands.add_parser(
        "eval",
        help="evaluate a GAN: sample grids, nearest neighbours, SWD, FID, Parzen",
        description="Write a report folder: metrics.json and PNGs. FID needs "
        "--inception-weights (a local torchvision inception_v3 state dict); nothing downloads.",
    )
    report.add_argument("model", metavar="RUN|BUNDLE", help="a run folder or .safetensors model")
    report.add_argument("--data", help="real images (default: the model's training data)")
    report.add_argument("-o", "--out", required=True, metavar="REPORT_DIR")
    report.add_argument("-n", "--samples", type=_positive_int, default=1024,
                        help="generated and real images compared (default 1024)")  # fmt: skip
    report.add_argument("--inception-weights", metavar="FILE", help="inception_v3 weights")
    report.add_argument("--parzen-max-size", type=_positive_int, default=32,
                        help="largest image side for the Parzen estimate (default 32)")  # fmt: skip
    report.add_argument("--device", default="auto")
    report.add_argument("--seed", type=int, default=0)
    report.add_argument("--batch", type=_positive_int, default=64)
    report.set_defaults(handler=_command("evaluate"))

    export = commands.add_parser(
        "export", help="write a run's model file (the bundle the app loads)"
    )
    export.add_argument("run", metavar="RUN")
    export.add_argument("-o", "--out", required=True, metavar="MODEL.safetensors")
    export.add_argument("--checkpoint", metavar="FILE", help="a checkpoint (default: the last)")
    export.add_argument("--half", action="store_true", help="store float16 weights")
    export.set_defaults(handler=_command("export"))

    status = commands.add_parser("status", help="a run's step, losses, time, last checkpoint")
    status.add_argument("run", metavar="RUN")
    status.add_argument("--json", action="store_true", help="print status.json as is")
    status.set_defaults(handler=_command("status"))


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
    _add_training_commands(commands)
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
