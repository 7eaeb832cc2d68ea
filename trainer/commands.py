"""The `ganpaint-train` subcommands behind the parser: gan, encoder, cyclegan, pix2pix,
spade, eval, export, join, style-guess, status."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Any

from ganpaint.destinations import check_writes, refuse_empty_paths
from ganpaint.errors import DestinationError, GanpaintError
from ganpaint.models.bundle import REQUIRED, ModelBundle
from ganpaint.models.catalog import check_model_name
from ganpaint.terminal import EXIT_INTERRUPTED
from trainer.config import LoopConfig
from trainer.data.crops import parse_crops
from trainer.data.source import is_synthetic
from trainer.registry import (
    CYCLEGAN,
    ENCODER,
    GAN,
    PIX2PIX,
    SPADE,
    TrainingCommand,
    bundle_from_checkpoint,
    load_model,
)
from trainer.rundir import RunDir
from trainer.session import resolve_config, train


def _overrides(args: argparse.Namespace, cls: type[LoopConfig]) -> dict[str, Any]:
    """The config fields the user gave as flags (argparse dests match field names); paths
    are made absolute in one place, `trainer.session.absolute_paths`."""
    fields = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in vars(args).items() if k in fields and v is not None}


_PATH_FLAGS = {"out": "--out", "config": "--config", "data": "--data", "model": "--model",
               "init_from": "--init-from"}  # fmt: skip


def _refuse_empty_path_flags(args: argparse.Namespace) -> None:
    """`--data ""` would read the current folder: refuse every path flag given empty."""
    refuse_empty_paths({flag: getattr(args, name, None) for name, flag in _PATH_FLAGS.items()})


def _train(command: TrainingCommand, args: argparse.Namespace) -> int:
    _refuse_empty_path_flags(args)
    run, config = resolve_config(
        command.config_cls,
        args.out,
        _overrides(args, command.config_cls),
        config_file=args.config,
        resume=args.resume,
    )
    result = train(
        command.name,
        run,
        config,
        command.build_task,
        command.build_data,
        resume=args.resume,
        meta=command.meta(config),
        channels=command.channels(config),
        description=command.name,
        transforms=command.transforms(config),
        memory_flags=command.memory_flags(config),
    )
    return {"finished": 0, "stopped": 0, "interrupted": EXIT_INTERRUPTED}.get(result.state, 1)


def train_gan(args: argparse.Namespace) -> int:
    return _train(GAN, args)


def train_encoder(args: argparse.Namespace) -> int:
    return _train(ENCODER, args)


def train_cyclegan(args: argparse.Namespace) -> int:
    return _train(CYCLEGAN, args)


def train_pix2pix(args: argparse.Namespace) -> int:
    return _train(PIX2PIX, args)


def train_spade(args: argparse.Namespace) -> int:
    return _train(SPADE, args)


# -- export, status, eval -----------------------------------------------------------------
KNOWS_MAX = 120  # what a model knows is a phrase for a list column and a status bar


class NotARunError(GanpaintError):
    def __init__(self, root: Path) -> None:
        super().__init__(f"{root} is not a run folder (no config.toml); pass a run's --out folder.")


def export(args: argparse.Namespace) -> int:
    refuse_empty_paths({"RUN": args.run, "-o": args.out, "--checkpoint": args.checkpoint})
    run = RunDir(Path(args.run))
    if not run.is_run():
        raise NotARunError(run.root)
    checkpoint = Path(args.checkpoint) if args.checkpoint else None
    knows = None if args.knows is None else " ".join(args.knows.split())
    if knows == "" or (knows and len(knows) > KNOWS_MAX):
        raise GanpaintError(f"--knows takes a few words (1 to {KNOWS_MAX} characters).")
    name = None if args.name is None else check_model_name(args.name)
    _check_export_destination(run, Path(args.out), checkpoint)
    bundle = bundle_from_checkpoint(run, checkpoint)
    if args.without:
        bundle = _without_nets(bundle, args.without)
    if knows:
        bundle.meta["knows"] = knows
    if name is not None:  # the config keeps its settings and says what it was run as
        training = bundle.meta["training"]
        training["trained_as"] = bundle.meta.get("name") or training["config"].get("name", "")
        training["config"]["name"] = bundle.meta["name"] = name
    out = bundle.save(args.out, half=args.half)
    steps = bundle.meta["training"].get("steps")
    print(f"Wrote {out} ({bundle.kind}, {bundle.resolution} px, {steps} steps)")
    return 0


def _without_nets(bundle: ModelBundle, spec: str) -> ModelBundle:
    """`bundle` less the nets named in `spec` (export --without); the nets its kind needs
    to draw anything cannot be left out."""
    names = [name.strip() for name in spec.split(",") if name.strip()]
    unknown = [name for name in names if name not in bundle.nets]
    if not names or unknown:
        raise GanpaintError(
            f"--without names nets of the model, here {', '.join(bundle.nets)}; "
            f"not {', '.join(unknown) or repr(spec)}."
        )
    needed = [name for name in names if name in REQUIRED[bundle.kind]]
    if needed:
        raise GanpaintError(
            f"A {bundle.kind} model cannot be written without {', '.join(needed)}: "
            "the edits draw with it."
        )
    kept = {prefix: net for prefix, net in bundle.nets.items() if prefix not in names}
    return ModelBundle(bundle.kind, kept, bundle.meta)


def _check_export_destination(run: RunDir, out: Path, checkpoint: Path | None) -> None:
    """The model file may replace the run's own model.safetensors (export's default
    destination, rebuilt from a checkpoint at any time), never a file that records
    the run or anything in its checkpoint, sample or test folders."""
    reads = [*run.record_files(), *([checkpoint] if checkpoint else [])]
    check_writes([out], reads=reads, protected=run.own_folders())


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    return (
        f"{hours}h{rest // 60:02d}m{rest % 60:02d}s" if hours else f"{rest // 60}m{rest % 60:02d}s"
    )


def status(args: argparse.Namespace) -> int:
    run = RunDir(Path(args.run))
    if not run.is_run():
        raise NotARunError(run.root)
    info = run.read_status()
    checkpoints = run.list_checkpoints()
    if args.json:
        print(json.dumps(info, indent=2, sort_keys=True))
        return 0
    step, iters = info.get("step", checkpoints[-1][0] if checkpoints else 0), info.get("iters")
    lines = [f"{run.root}: {info.get('command') or 'run'} ({info.get('state', 'not started')})"]
    share = f" ({100 * step / iters:.0f}%)" if iters else ""
    speed = info.get("steps_per_s")
    lines.append(
        f"step {step} / {iters or '?'}{share}, elapsed {_duration(info.get('elapsed_s', 0))}"
        + (f", {speed:.2f} steps/s" if speed else "")
    )
    if info.get("losses"):
        lines.append("losses: " + ", ".join(f"{k} {v:.4g}" for k, v in info["losses"].items()))
    if checkpoints:
        lines.append(f"last checkpoint: {checkpoints[-1][1]} ({len(checkpoints)} kept)")
    else:
        lines.append("last checkpoint: none yet")
    if run.model.is_file():
        lines.append(f"model: {run.model}")
    if info.get("updated"):
        age = time.time() - Path(run.status).stat().st_mtime
        lines.append(f"updated: {info['updated']} ({_duration(age)} ago)")
    print("\n".join(lines))
    return 0


def evaluate(args: argparse.Namespace) -> int:
    from trainer.evaluate import EvalOptions, run_evaluation

    options = EvalOptions(
        samples=args.samples,
        inception_weights=args.inception_weights,
        parzen_max_size=args.parzen_max_size,
        device=args.device,
        seed=args.seed,
        batch=args.batch,
        held_out=args.held_out,
        crops=args.crops,
    )
    if args.crops:
        try:
            parse_crops(args.crops)
        except ValueError as error:
            raise GanpaintError(str(error)) from None
    refuse_empty_paths(
        {"RUN|BUNDLE": args.model, "-o": args.out, "--data": args.data,
         "--inception-weights": args.inception_weights, "--held-out": args.held_out}
    )  # fmt: skip
    bundle = load_model(args.model)  # reads only; its recorded data is guarded too
    data = args.data or bundle.meta.get("training", {}).get("data") or None
    _check_report_destination(
        Path(args.model), Path(args.out), data, args.inception_weights, args.held_out
    )
    metrics = run_evaluation(bundle, args.data, Path(args.out), options)
    summary = ", ".join(
        f"{k} {v:.4g}" for k, v in metrics.items() if isinstance(v, float) and k != "time_s"
    )
    print(f"Wrote {args.out}/metrics.json ({summary})", file=sys.stdout)
    return 0


def _check_report_destination(
    model: Path, out: Path, data: str | None, weights: str | None, held_out: str | None = None
) -> None:
    """The report folder must not be a run's own folder, the model, or inside the data."""
    if model.is_file() and RunDir(model.parent).is_run():  # a run's own model file
        model = model.parent
    if RunDir(out).is_run():
        raise DestinationError(
            f"{out} is a training run's folder; write the report into a folder of its own."
        )
    run = RunDir(model)
    reads = [p for p in (model, Path(weights) if weights else None) if p is not None]
    trees = [Path(d).expanduser() for d in (data, held_out) if d and not is_synthetic(d)]
    check_writes(
        folders=[out],
        reads=[*reads, *(run.record_files() if model.is_dir() else [])],
        read_folders=[model] if model.is_dir() else [],
        read_trees=[t for t in trees if t.is_dir()],
        protected=run.own_folders() if model.is_dir() else [],
    )


def join(args: argparse.Namespace) -> int:
    from ganpaint.models.bundle import load as load_model
    from trainer.join import join_translators

    refuse_empty_paths({"FORWARD": args.forward, "BACKWARD": args.backward, "-o": args.out})
    forward, backward, out = Path(args.forward), Path(args.backward), Path(args.out)
    check_writes([out], reads=[forward, backward])
    name = None if args.name is None else check_model_name(args.name)
    joined = join_translators(load_model(forward), load_model(backward), name)
    written = joined.save(out, half=args.half)
    domains = joined.meta["domains"]
    print(f"Wrote {written} (cyclegan: {domains['A']} <-> {domains['B']})")
    return 0


def style_guess(args: argparse.Namespace) -> int:
    from ganpaint.models.bundle import load as load_model
    from trainer.style_guess import (
        check_style_model,
        fit_style_guess,
        style_codes,
        style_pairs,
        with_style_guess,
    )

    refuse_empty_paths({"MODEL": args.model, "-o": args.out, "--data": args.data})
    source, out = Path(args.model), Path(args.out)
    check_writes([out], reads=[source])
    bundle = load_model(source)
    size = int((bundle.meta.get("training") or {}).get("config", {}).get("size") or 128)
    check_style_model(bundle)  # before the scenes are rendered
    input_map = str(bundle.meta.get("input_map") or "labels")
    inputs, photos = style_pairs(args.data, args.scenes, size, input_map)
    codes = style_codes(bundle, photos)
    classes = int(bundle.meta["channels_in"])
    fit = fit_style_guess(inputs, codes, classes, steps=args.steps, seed=args.seed)
    print(
        f"style guess on {fit.held_out} held-out scenes: mean squared error "
        f"{fit.held_out_error:.4f} (every scene given the mean code: {fit.mean_code_error:.4f})"
    )
    half = bundle.meta.get("dtype") == "float16"
    written = with_style_guess(bundle, fit.net).save(out, half=half)
    print(f"Wrote {written} (spade with a style guess)")
    return 0
