"""The `ganpaint-train` command: data sets, training runs, evaluation, export, join, status.

Every user error ends in one line on stderr and exit status 2 (`ganpaint.terminal`). Training flags
default to None so that only the flags a user actually gives override the config
(defaults < `--config FILE` < flags; `--resume` reads the run's own config.toml).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from ganpaint import __version__
from ganpaint.collector import rare_collections
from ganpaint.ranges import CommandParser, add_number
from ganpaint.terminal import ProgressBar, run_command

Handler = Callable[[argparse.Namespace], int]


def _cmd_synth_landscapes(args: argparse.Namespace) -> int:
    from ganpaint.destinations import check_writes, refuse_empty_paths
    from trainer.synth import write_dataset

    refuse_empty_paths({"-o": args.out})
    check_writes(folders=[args.out])
    with ProgressBar("landscapes", unit="img") as progress:
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
    add_number(
        parser,
        "--iters",
        key="train_iters",
        help=f"total steps (default {iters})",
    )
    add_number(
        parser,
        "--batch",
        key="batch",
        help=f"batch per process (default {batch})",
    )
    add_number(parser, "--lr", key="lr", help="learning rate")
    add_number(parser, "--seed", key="seed", help="seed of every RNG (default 0)")
    parser.add_argument("--device", help=DEVICE_CHOICES_HELP)
    parser.add_argument(
        "--amp", action=argparse.BooleanOptionalAction, help="bf16 autocast on CUDA"
    )
    add_number(
        parser,
        "--max-minutes",
        key="max_minutes",
        help="stop cleanly with a checkpoint after this long",
    )
    add_number(
        parser,
        "--workers",
        key="workers",
        help="DataLoader worker processes (default 2)",
    )
    add_number(
        parser,
        "--log-every",
        key="every",
        help="steps between logged scalars",
    )
    add_number(
        parser,
        "--sample-every",
        key="every",
        help="steps between sample grids",
    )
    add_number(
        parser,
        "--checkpoint-every",
        key="every",
        help="steps between checkpoints",
    )
    add_number(
        parser,
        "--keep-checkpoints",
        key="keep_checkpoints",
        help="checkpoints kept (default 3)",
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


def _add_pair_data_flags(parser: argparse.ArgumentParser, data: str, size: int) -> None:
    """The data flags of the commands that learn from image pairs (translators, SPADE)."""
    parser.add_argument("--data", help=f"data set folder or {data} (the default)")
    add_number(parser, "--size", key="size", help=f"training crop in pixels (default {size})")
    add_number(
        parser,
        "--load-size",
        key="size",
        help="images are resized to this, then cropped (default round(size * 286 / 256))",
    )
    parser.add_argument(
        "--flip", action=argparse.BooleanOptionalAction, help="random mirrors (default on)"
    )
    add_number(
        parser, "--zoom", metavar="Z", key="zoom",
        help="scale augmentation: see each training image at a random scale up to Z× the "
        "load size (default 1 = off; rendered sharp for synthetic data, upsampled for "
        "folders); teaches a model trained on small crops features at bigger scales",
    )  # fmt: skip
    add_number(
        parser,
        "--synthetic-n",
        key="synthetic_n",
        help="procedural training images (default 1000)",
    )


def _add_epoch_flags(parser: argparse.ArgumentParser) -> None:
    """The schedule in epochs and the test-set outputs of the pair commands."""
    add_number(
        parser,
        "--n-epochs",
        key="epochs",
        help="epochs at the initial rate (default 100)",
    )
    add_number(
        parser,
        "--n-epochs-decay",
        key="epochs",
        help="epochs of linear decay to 0 (default 100)",
    )
    add_number(
        parser,
        "--test-every",
        key="every",
        help="steps between test-set outputs (default: every 5 epochs)",
    )
    add_number(
        parser,
        "--test-n",
        key="test_n",
        help="test images shown (default 8)",
    )


def _add_translation_flags(parser: argparse.ArgumentParser, defaults: dict[str, str]) -> None:
    """Flags CycleGAN and pix2pix share (see trainer.translation.TranslationConfig)."""
    _add_pair_data_flags(parser, defaults["data"], size=256)
    parser.add_argument(
        "--netG", "--net-g", dest="net_g",
        help=f"generator: resnet_9blocks, resnet_6blocks, unet_256, unet_128, or unet "
        f"(depth log2(size)) (default {defaults['net_g']})",
    )  # fmt: skip
    add_number(parser, "--ngf", key="width", help="generator width (default 64)")
    add_number(parser, "--ndf", key="width", help="discriminator width (default 64)")
    add_number(
        parser,
        "--n-layers-d",
        key="n_layers_d",
        help="PatchGAN layers (default 3: 70x70 patches)",
    )
    parser.add_argument("--norm", choices=("instance", "batch", "none"),
                        help=f"normalisation (default {defaults['norm']})")  # fmt: skip
    parser.add_argument(
        "--dropout",
        action=argparse.BooleanOptionalAction,
        help=f"dropout in the generator (default {defaults['dropout']})",
    )
    parser.add_argument(
        "--upsample", choices=("transpose", "resize"),
        help="how the generator upsamples: transpose (the reference's transposed convs; "
        "needed to start from its checkpoints) or resize (nearest x2 then a 3x3 conv, "
        "free of checkerboard artefacts) (default transpose)",
    )  # fmt: skip
    parser.add_argument("--gan-mode", choices=("lsgan", "vanilla"),
                        help=f"adversarial loss (default {defaults['gan_mode']})")  # fmt: skip
    add_number(parser, "--beta1", key="fraction", help="Adam beta1 (default 0.5)")
    _add_epoch_flags(parser)
    parser.add_argument(
        "--init-from", metavar="FILE.pth|BUNDLE|RUN",
        help="start the generator(s) from a reference .pth, a ganpaint model or a run",
    )  # fmt: skip
    parser.add_argument("--domain-a", help="name of domain A in the model (default: from --data)")
    parser.add_argument("--domain-b", help="name of domain B in the model (default: from --data)")
    parser.add_argument("--name", help="name stored in the exported model")
    _add_loop_flags(parser, iters="(n_epochs + n_epochs_decay) epochs", batch="1")


def _add_spade_command(commands: argparse._SubParsersAction) -> None:
    """`ganpaint-train spade` (see trainer.spade.SpadeConfig for the defaults)."""
    spade = commands.add_parser(
        "spade",
        help="train SPADE on label maps or sketches and photos (A|B pairs), with styles",
        description="Train a SPADE generator (Park et al. 2019) with its style encoder and "
        "multi-scale PatchGANs: hinge loss, feature matching x 10, KL x 0.05, Adam at "
        "lr/2 for G and 2 x lr for D; export a spade model for `ganpaint sketch`. --data: "
        "synthetic:landscapes:labels2photo (the default), labels2scene, edges2photo or "
        "edges2scene (line sketches) or a folder with train/ (test/ or val/ for test "
        "outputs) of side-by-side label|photo images, the labels drawn in the palette of "
        "the semantic brushes (or sketch|photo images with --input-map sketch).",
    )
    _add_pair_data_flags(spade, "synthetic:landscapes:labels2photo", size=128)
    spade.add_argument(
        "--input-map", choices=("labels", "sketch"),
        help="what the A images are: label maps in the brushes' palette, or line sketches "
        "(dark lines on white); default: the synthetic pair's (edges2photo: sketch), "
        "labels for a folder",
    )  # fmt: skip
    add_number(spade, "--ngf", key="width", help="generator and style encoder width (default 16)")
    add_number(
        spade, "--spade-hidden", key="width", help="hidden width of the SPADE layers (default 64)"
    )
    add_number(
        spade, "--n-up", key="n_up",
        help="upsamplings in G; --size must be a multiple of 2^n x --out-upsample (default 5)",
    )  # fmt: skip
    add_number(
        spade, "--out-upsample", key="out_upsample",
        help="2: G's last block at half size, one full-size conv for the picture (a "
        "quarter of the work, for live painting); 1: full size, as the paper (default 2)",
    )  # fmt: skip
    add_number(
        spade, "--style-dim", key="style_dim",
        help="style code length; 0 = no style encoder (default 64)",
    )  # fmt: skip
    spade.add_argument(
        "--norm", choices=("instance", "batch"), help="G's normalisation (default instance)"
    )
    add_number(spade, "--ndf", key="width", help="discriminator width (default 32)")
    add_number(spade, "--num-d", key="num_d", help="discriminator scales (default 2)")
    add_number(
        spade,
        "--n-layers-d",
        key="n_layers_d",
        help="layers per discriminator, up to 6 (default 4)",
    )
    add_number(
        spade, "--lambda-feat", key="weight", help="feature-matching loss weight (default 10)"
    )
    add_number(spade, "--lambda-kld", key="weight", help="KL loss weight (default 0.05)")
    add_number(
        spade,
        "--lambda-l1",
        key="weight",
        help="L1 to the photo, the stand-in for the paper's VGG loss (default 0 = the paper)",
    )
    add_number(
        spade,
        "--lambda-gan",
        key="weight",
        help="hinge GAN loss weight for G (default 1; 0 = the feature-matching-only twin)",
    )
    add_number(spade, "--beta1", key="fraction", help="Adam beta1 (default 0)")
    add_number(spade, "--beta2", key="fraction", help="Adam beta2 (default 0.9)")
    _add_epoch_flags(spade)
    spade.add_argument("--name", help="name stored in the exported model")
    _add_loop_flags(spade, iters="(n_epochs + n_epochs_decay) epochs", batch="1")
    spade.set_defaults(handler=_command("train_spade"))


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
    add_number(
        gan,
        "--size",
        key="size",
        help="image side: 32, 64 or 128 for DCGAN",
    )
    add_number(gan, "--nz", key="nz", help="latent size (default 100)")
    add_number(gan, "--ngf", key="width", help="generator width (default 64)")
    add_number(gan, "--ndf", key="width", help="discriminator width (default 64)")
    gan.add_argument("--channels", type=int, choices=(1, 3), help="1 = grey, 3 = RGB")
    add_number(
        gan,
        "--n-critic",
        key="n_critic",
        help="WGAN-GP critic steps (default 5)",
    )
    add_number(
        gan,
        "--gp-weight",
        key="weight",
        help="WGAN-GP penalty weight (default 10)",
    )
    add_number(
        gan,
        "--synthetic-n",
        key="synthetic_n",
        help="procedural training images (default 50000)",
    )
    add_number(
        gan,
        "--ema",
        metavar="DECAY",
        key="fraction",
        help="also keep an exponential moving average of G's weights (e.g. 0.999 per step) "
        "and export it instead of G; 0 = off (the default, as in the papers)",
    )
    gan.add_argument(
        "--diffaugment",
        metavar="POLICIES",
        help="DiffAugment (Zhao et al. 2020) on every image D sees, real and generated, in "
        "both steps: a comma-separated list of color, translation, cutout (for a few "
        "hundred images or fewer: all three); default off",
    )
    gan.add_argument(
        "--crops",
        metavar="MIN,MAX",
        help="train on random square crops of the --data photos, MIN to MAX of the short "
        "side (log-uniform, e.g. 0.125,1.0), a new view on every draw, instead of one "
        "centre crop per photo; default off",
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
    encoder.add_argument(
        "--crops",
        metavar="MIN,MAX",
        help="random square crops of the --data photos, as `gan --crops` (default: as the "
        "GAN was trained when --data is not given; whole images otherwise)",
    )
    add_number(encoder, "--ndf", key="width", help="encoder width (default: D's)")
    add_number(
        encoder,
        "--fake-fraction",
        key="fraction",
        help="share of steps on G's own samples (default 0.5)",
    )
    add_number(
        encoder,
        "--z-weight",
        key="weight",
        help="latent loss weight (default 1)",
    )
    add_number(
        encoder,
        "--image-weight",
        key="weight",
        help="image loss weight (default 1)",
    )
    add_number(
        encoder,
        "--synthetic-n",
        key="synthetic_n",
        help="procedural training images (default 50000)",
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
    add_number(
        cyclegan,
        "--lambda-a",
        key="weight",
        help="cycle loss weight A->B->A (default 10)",
    )
    add_number(
        cyclegan,
        "--lambda-b",
        key="weight",
        help="cycle loss weight B->A->B (default 10)",
    )
    add_number(
        cyclegan,
        "--lambda-identity",
        key="weight",
        help="identity loss, times lambda (default 0.5)",
    )
    add_number(
        cyclegan,
        "--pool-size",
        key="pool_size",
        help="fake images pooled for D (default 50)",
    )
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
    add_number(
        pix2pix,
        "--lambda-l1",
        key="weight",
        help="L1 loss weight (default 100)",
    )
    add_number(
        pix2pix,
        "--lambda-gan",
        key="weight",
        help="GAN loss weight (default 1; 0 = L1-only baseline)",
    )
    add_number(
        pix2pix,
        "--l1-pool",
        key="l1_pool",
        help="compare images averaged over N x N blocks in the L1 term, so fine detail no "
        "input predicts is left to the GAN loss (default 1: per pixel, as the reference)",
    )
    add_number(
        pix2pix,
        "--lambda-l1-full",
        key="weight",
        help="with --l1-pool: weight of a per-pixel L1 term beside the pooled one (default 0)",
    )
    pix2pix.add_argument(
        "--stars",
        action=argparse.BooleanOptionalAction,
        help="add a star layer: random sparse points a small head lets through where D wants "
        "them (the sky of a night); L1 sees the picture without them (default off)",
    )
    pix2pix.add_argument(
        "--freeze-g",
        action=argparse.BooleanOptionalAction,
        help="with --stars and --init-from: train only the star layer and D, keeping the "
        "generator as it is (default off)",
    )
    pix2pix.set_defaults(handler=_command("train_pix2pix"))
    _add_spade_command(commands)

    report = commands.add_parser(
        "eval",
        help="evaluate a GAN: sample grids, nearest neighbours, SWD, FID, Parzen",
        description="Write a report folder: metrics.json and PNGs. FID needs "
        "--inception-weights (a local torchvision inception_v3 state dict); nothing downloads.",
    )
    report.add_argument("model", metavar="RUN|BUNDLE", help="a run folder or .safetensors model")
    report.add_argument("--data", help="real images (default: the model's training data)")
    report.add_argument(
        "--held-out",
        metavar="DIR",
        help="photos the model was not trained on, for the memorisation check and SWD "
        "(default: a third of --data)",
    )
    report.add_argument(
        "--crops",
        metavar="MIN,MAX",
        help="compare random crops of the photos, as `gan --crops` trains (default: as the "
        "model was trained; '' for whole images)",
    )
    report.add_argument("-o", "--out", required=True, metavar="REPORT_DIR")
    add_number(
        report, "-n", "--samples", default=1024, key="eval_samples",
        help="generated and real images compared (default 1024)",
    )  # fmt: skip
    report.add_argument("--inception-weights", metavar="FILE", help="inception_v3 weights")
    add_number(
        report, "--parzen-max-size", default=32, key="parzen_max_size",
        help="largest image side for the Parzen estimate (default 32)",
    )  # fmt: skip
    report.add_argument("--device", default="auto")
    add_number(report, "--seed", default=0, key="seed", help="random seed (default 0)")
    add_number(
        report,
        "--batch",
        default=64,
        key="batch",
        help="images per batch (default 64)",
    )
    report.set_defaults(handler=_command("evaluate"))

    export = commands.add_parser(
        "export", help="write a run's model file (the bundle the app loads)"
    )
    export.add_argument("run", metavar="RUN")
    export.add_argument("-o", "--out", required=True, metavar="MODEL.safetensors")
    export.add_argument("--checkpoint", metavar="FILE", help="a checkpoint (default: the last)")
    export.add_argument("--half", action="store_true", help="store float16 weights")
    export.add_argument(
        "--knows",
        metavar="TEXT",
        help="what the model has seen, in a few words, for the model list and status bar "
        "(default: read from the training data, e.g. 'procedural landscapes')",
    )
    export.add_argument(
        "--name",
        metavar="NAME",
        help="the model's name in the file (default: the run's), e.g. that of the bundled "
        "model a retrain replaces; the run's own name is kept as training.trained_as",
    )
    export.add_argument(
        "--without",
        metavar="NETS",
        help="comma-separated nets to leave out of the file, e.g. D: the app draws with the "
        "generator (and a SPADE model's style encoder) alone, so a bundled model need not "
        "carry its discriminator; keep it to train on from the file",
    )
    export.set_defaults(handler=_command("export"))

    join = commands.add_parser(
        "join",
        help="join two one-way pix2pix models into one model that translates both ways",
        description="Write a cyclegan model file whose G_A is FORWARD's generator (A -> B) "
        "and G_B BACKWARD's (B -> A), so that the app translates both ways with one model: "
        "e.g. two pix2pix runs on a paired data set, one per direction. The file runs as a "
        "CycleGAN's, at full size tile by tile: right for ResNet generators; a U-Net scene "
        "model does better as its pix2pix file, run at its trained scale.",
    )
    join.add_argument("forward", metavar="FORWARD", help="a pix2pix model, A -> B")
    join.add_argument("backward", metavar="BACKWARD", help="a pix2pix model, B -> A")
    join.add_argument("-o", "--out", required=True, metavar="MODEL.safetensors")
    join.add_argument("--half", action="store_true", help="store float16 weights")
    join.add_argument(
        "--name", metavar="NAME", help="the model's name in the file (default: FORWARD's)"
    )
    join.set_defaults(handler=_command("join"))

    guess = commands.add_parser(
        "style-guess",
        help="teach a SPADE model to guess the light from its label map or sketch (no style "
        "picture)",
        description="Fit the style guess S of a trained SPADE model: from a label map or a "
        "sketch alone (whichever the model draws), "
        "predict the style code its encoder reads from the photo, so that without a style "
        "picture the model draws the light the map suggests (a low sun: dusk) instead of its "
        "mean style. G and E are not changed. Writes a new model file.",
    )
    guess.add_argument(
        "model", metavar="MODEL.safetensors", help="a SPADE model with a style encoder"
    )
    guess.add_argument("-o", "--out", required=True, metavar="MODEL.safetensors")
    guess.add_argument(
        "--data",
        default="synthetic:landscapes",
        help="scenes to fit on: synthetic:landscapes (training-split renders by day or at "
        "dusk, the default) or a folder of aligned label map (or sketch) | photo pairs",
    )
    add_number(guess, "--scenes", key="guess_scenes", help="scenes, a tenth held out (2000)")
    add_number(guess, "--steps", key="train_iters", help="optimiser steps (default 2000)")
    add_number(guess, "--seed", key="seed", help="random seed (default 0)")
    guess.set_defaults(handler=_command("style_guess"), scenes=2000, steps=2000, seed=0)

    status = commands.add_parser("status", help="a run's step, losses, time, last checkpoint")
    status.add_argument("run", metavar="RUN")
    status.add_argument("--json", action="store_true", help="print status.json as is")
    status.set_defaults(handler=_command("status"))


def build_parser() -> argparse.ArgumentParser:
    from ganpaint.landscapes import PAIRS
    from trainer.synth import LAYOUTS

    parser = CommandParser(
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
    add_number(land, "-n", required=True, key="synth_n", help="number of training images")
    land.add_argument("-o", "--out", required=True, help="output folder")
    add_number(land, "--size", default=64, key="size", help="image side in pixels")
    add_number(
        land,
        "--seed",
        default=0,
        key="seed",
        help="first seed (the data are deterministic)",
    )
    land.add_argument("--layout", choices=sorted(LAYOUTS), default="folder")
    land.add_argument("--pair", choices=sorted(PAIRS), help="A/B pair (unaligned and aligned)")
    land.set_defaults(handler=_cmd_synth_landscapes)
    _add_training_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler

    def command() -> int:
        with rare_collections():  # importing torch, the collector's passes cost 0.5 s
            return handler(args)

    return run_command("ganpaint-train", command)


if __name__ == "__main__":
    sys.exit(main())
