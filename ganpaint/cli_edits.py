"""The edit commands of `ganpaint` (inpaint, translate, sketch, generate, sample).

Each handler reads files, calls the same `ganpaint.edit` function the app calls, and
writes files. Every destination is checked against the inputs first (ganpaint.destinations),
every input is read and checked before anything is written, and every write is atomic,
so a user error leaves no output file behind.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ganpaint.destinations import check_writes, distinct_outputs, refuse_empty_paths
from ganpaint.device import check_device_name, resolve_device
from ganpaint.errors import GanpaintError, ImageFileError, MaskError, ModelFileError
from ganpaint.imageio import list_images, load_image, load_mask, save_image
from ganpaint.ranges import add_number
from ganpaint.terminal import ProgressBar

if TYPE_CHECKING:  # torch and the models load on use, so `ganpaint --help` starts at once
    import numpy as np

    from ganpaint.edit.gan import GanModel
    from ganpaint.models import ModelBundle

TRANSLATOR_KINDS = ("cyclegan", "pix2pix")


# --- shared pieces -----------------------------------------------------------------------


def _load_bundle(
    spec: str | None, purpose: str, kinds: tuple[str, ...], device: str
) -> ModelBundle:
    from ganpaint.models import load, resolve_model

    path = resolve_model(spec, kind=kinds, purpose=purpose)
    bundle = load(path, device=resolve_device(device))
    if bundle.kind not in kinds:
        raise ModelFileError(
            f"{path} is a {bundle.kind} model, but this command needs "
            f"{' or '.join(kinds)}; pick another with --model (see `ganpaint models list`)."
        )
    return bundle


def _gan(spec: str | None, purpose: str, device: str) -> GanModel:
    from ganpaint.edit.gan import GanModel

    return GanModel.from_bundle(_load_bundle(spec, purpose, ("gan",), device))


def _check_output(path: Path, *, folder: bool = False) -> Path:
    if folder:
        if path.exists() and not path.is_dir():
            raise ImageFileError(f"{path} exists and is not a folder; pass a folder for -o.")
        return path
    if path.is_dir():
        raise ImageFileError(f"{path} is a folder; pass an output file name such as out.png.")
    from ganpaint.imageio import SAVE_EXTENSIONS

    if path.suffix.lower() not in SAVE_EXTENSIONS:
        raise ImageFileError(
            f"Cannot write {path}: use a .png, .jpg, .jpeg or .webp file name for -o."
        )
    return path


def _candidate_path(folder: str, index: int, stem: str = "") -> Path:
    prefix = f"{stem}-" if stem else ""
    return Path(folder) / f"{prefix}candidate-{index:02d}.png"


def _save_candidates(folder: str | None, images: list[np.ndarray], stem: str = "") -> None:
    if folder is None:
        return
    for index, image in enumerate(images):
        save_image(_candidate_path(folder, index, stem), image)


def _model_file(spec: str | None) -> list[Path]:
    """The model as an input to protect, when `--model` names a file."""
    return [Path(spec)] if spec and Path(spec).is_file() else []


def _check_job_outputs(
    args: argparse.Namespace,
    jobs: list[tuple[Path, Path | None, Path]],
    extra_files: Sequence[Path] = (),
    extra_folders: Sequence[str | None] = (),
) -> None:
    """Every output of an image command checked against its inputs, before any write."""
    batch = Path(args.image).is_dir()
    if batch:
        distinct_outputs((image, out) for image, _, out in jobs)
    mask = getattr(args, "mask", None)
    check_writes(
        [out for _, _, out in jobs] + list(extra_files),
        folders=([Path(args.out)] if batch else []) + [Path(f) for f in extra_folders if f],
        reads=[p for image, m, _ in jobs for p in (image, m) if p] + _model_file(args.model),
        read_folders=[Path(p) for p in (args.image, mask) if p and Path(p).is_dir()],
    )


def _image_jobs(image: str, mask: str | None, out: str) -> list[tuple[Path, Path | None, Path]]:
    """(image, mask, output) triples: one file, or every image of a folder."""
    refuse_empty_paths({"IMAGE": image, "--mask": mask, "-o": out})
    source = Path(image)
    if not source.is_dir():
        if not source.exists():
            raise ImageFileError(f"{source} does not exist; check the image path.")
        return [(source, Path(mask) if mask else None, _check_output(Path(out)))]
    images = list_images(source)
    if not images:
        raise ImageFileError(f"No images found in {source}; pass an image or a folder of images.")
    out_dir = _check_output(Path(out), folder=True)
    masks: list[Path | None]
    if mask is None:
        masks = [None] * len(images)
    elif Path(mask).is_dir():
        by_stem = {p.stem: p for p in list_images(Path(mask))}
        missing = [p.name for p in images if p.stem not in by_stem]
        if missing:
            raise MaskError(
                f"No mask in {mask} for {missing[0]} ({len(missing)} image(s) without one); "
                "name each mask like its image (any image extension)."
            )
        masks = [by_stem[p.stem] for p in images]
    else:
        masks = [Path(mask)] * len(images)
    return [(p, m, out_dir / f"{p.stem}.png") for p, m in zip(images, masks, strict=True)]


# --- inpaint -------------------------------------------------------------------------------


def cmd_inpaint(args: argparse.Namespace) -> int:
    from ganpaint.edit.inpaint import InpaintConfig, inpaint

    refuse_empty_paths({"--model": args.model, "--candidates": args.candidates})
    jobs = _image_jobs(args.image, args.mask, args.out)
    if any(mask is None for _, mask, _ in jobs):
        raise MaskError("inpaint needs --mask MASK (white = the hole to fill).")
    config = InpaintConfig()
    inversion = config.inversion
    if args.restarts is not None:
        inversion = replace(inversion, restarts=args.restarts)
    if args.iters is not None:
        inversion = replace(inversion, iters=args.iters)
    config = replace(config, inversion=replace(inversion, seed=args.seed))
    if args.refine_steps is not None:
        config = replace(config, refine=replace(config.refine, steps=args.refine_steps))
    if args.synthesis == "off":
        config = replace(config, synthesis=None)
    candidates = []
    if args.candidates is not None:
        stems = [out.stem if len(jobs) > 1 else "" for _, _, out in jobs]
        count = max(1, config.inversion.restarts)
        candidates = [_candidate_path(args.candidates, i, s) for s in stems for i in range(count)]
    _check_job_outputs(args, jobs, candidates, [args.candidates])
    # Only the GAN runs on a device: the other methods never load torch.
    gan = args.method in ("gan", "auto")
    device = resolve_device(args.device) if gan else check_device_name(args.device)

    # Read and check every input (cheap) before the model (slow) and any write.
    inputs = []
    for image_path, mask_path, out_path in jobs:
        loaded = load_image(image_path)
        hole = load_mask(mask_path, expected_size=loaded.size)  # type: ignore[arg-type]
        if not hole.any():
            raise MaskError(f"The mask {mask_path} is empty: paint over what should be filled.")
        inputs.append((loaded, hole, out_path))

    model = None
    if args.method in ("gan", "auto"):
        try:
            model = _gan(args.model, "inpaint", args.device)
        except GanpaintError:
            if args.method == "gan":
                raise

    many = len(inputs) > 1

    def run(item: tuple, progress: Any) -> Any:
        loaded, hole, _out = item
        return inpaint(
            loaded.rgb,
            hole,
            model,
            config,
            method=args.method,
            blend_mode=args.blend,
            device=device,
            progress=progress,  # type: ignore[arg-type]
        )

    def write(item: tuple, result: Any) -> None:
        loaded, _hole, out_path = item
        save_image(out_path, result.image, alpha=loaded.alpha)
        stem = out_path.stem if many else ""
        _save_candidates(args.candidates, result.candidates, stem)

    result = _each_image(inputs, "inpaint", run, write)
    if not many:
        stages = _stage_summary(result.timings)
        print(
            f"Wrote {inputs[0][2]} ({result.method}, {result.steps} steps; {stages})",
            file=sys.stderr,
        )
    else:
        print(f"Wrote {len(inputs)} images to {args.out}", file=sys.stderr)
    return 0


_STAGE_NAMES = {
    "prepare": "prepare",
    "optimise": "search",
    "refine": "tuning",
    "synthesis": "synthesis",
    "blend": "blend",
}


def _stage_summary(timings: dict[str, float]) -> str:
    """Seconds per stage of an inpainting run, as one readable clause."""
    parts = [f"{name} {timings[key]:.2f} s" for key, name in _STAGE_NAMES.items() if key in timings]
    return ", ".join([*parts, f"total {timings.get('total', 0.0):.2f} s"])


def _each_image(
    inputs: Sequence[tuple],
    verb: str,
    run: Callable[[tuple, Any], Any],
    write: Callable[[tuple, Any], None],
) -> Any:
    """`run(item, progress)` then `write(item, result)` for every (loaded image, ...,
    output) item: a bar of steps for one image, a bar of images for a folder. Returns
    the last result."""
    many = len(inputs) > 1
    result = None
    with ProgressBar("images", unit="image", enabled=many) as files:
        for done, item in enumerate(inputs, 1):
            name = f"{verb} {item[0].path.name}"
            with ProgressBar(name, leave=False, enabled=not many) as bar:
                result = run(item, bar.report)
            write(item, result)
            files(done, len(inputs))
    return result


# --- translate and sketch (pix2pix / CycleGAN generators) ------------------------------------


def _translation_jobs(args: argparse.Namespace) -> list[tuple[Path, Path | None, Path]]:
    """The files of a translate or sketch run, destinations checked (before the model loads)."""
    refuse_empty_paths({"--model": args.model})
    jobs = _image_jobs(args.image, getattr(args, "mask", None), args.out)
    _check_job_outputs(args, jobs)
    return jobs


def _run_translation(
    args: argparse.Namespace,
    jobs: list[tuple[Path, Path | None, Path]],
    bundle: ModelBundle,
    direction: str | None,
) -> int:
    from ganpaint.edit.trained_scale import translate_at_scale

    generator = bundle.translator(direction)
    stars = bundle.star_head(direction) if args.stars else None
    _check_tile(args.tile, generator, bundle)
    inputs = []
    for image_path, mask_path, out_path in jobs:
        loaded = load_image(image_path)
        _check_translation_memory(loaded.path, loaded.rgb.shape, generator, bundle, args.scale)
        mask = None
        if mask_path is not None:
            mask = load_mask(mask_path, expected_size=loaded.size)  # type: ignore[arg-type]
            if not mask.any():
                raise MaskError(f"The mask {mask_path} is empty: select what to translate.")
        inputs.append((loaded, mask, out_path))
    device = resolve_device(args.device)
    many = len(inputs) > 1

    def run(item: tuple, progress: Any) -> Any:
        loaded, mask, _out = item
        return translate_at_scale(
            loaded.rgb,
            generator,
            bundle.meta,
            scale=args.scale,
            tile=args.tile,
            device=device,
            mask=mask,
            stars=stars,
            amp={"auto": None, "bf16": True, "fp32": False}[args.precision],
            progress=progress,  # type: ignore[arg-type]
        )

    def write(item: tuple, result: Any) -> None:
        loaded, _mask, out_path = item
        save_image(out_path, result.image, alpha=loaded.alpha)

    _each_image(inputs, "translate", run, write)
    target = inputs[0][2] if not many else f"{len(inputs)} images to {args.out}"
    print(f"Wrote {target}", file=sys.stderr)
    return 0


def _check_tile(tile: int, generator: object, bundle: ModelBundle) -> None:
    """Refuse a --tile below the smallest input the model runs on (before any work).

    A tile is rounded up to the model's size multiple, as it always was (512 for a
    U-Net 256 means 512); below that, some nets still fail (a ResNet needs two
    multiples: its bottleneck must be 2×2), and that is refused rather than changed.
    """
    from ganpaint.edit.translate import minimum_side, required_multiple

    multiple = required_multiple(generator)  # type: ignore[arg-type]
    minimum = minimum_side(generator, multiple)  # type: ignore[arg-type]
    if max(tile // multiple * multiple, multiple) < minimum:
        raise GanpaintError(
            f"--tile {tile} is below the smallest tile the model {bundle.name!r} runs on "
            f"({minimum} px); pass --tile {minimum} or more."
        )


def _check_translation_memory(
    path: Path, shape: tuple[int, ...], generator: object, bundle: ModelBundle, scale: str
) -> None:
    """Refuse a photo whose translation would not fit in memory, before any output."""
    from ganpaint.edit.trained_scale import memory_needed
    from ganpaint.edit.translate import required_multiple
    from ganpaint.memory import check_memory

    multiple = required_multiple(generator)  # type: ignore[arg-type]
    check_memory(
        memory_needed(shape, bundle.meta, scale, multiple),  # type: ignore[arg-type]
        f"Translating {path} ({shape[1]}×{shape[0]} px)",
        "translate a smaller copy of it (half the side needs a quarter of the memory)",
    )


def cmd_translate(args: argparse.Namespace) -> int:
    jobs = _translation_jobs(args)
    bundle = _load_bundle(args.model, "translate", TRANSLATOR_KINDS, args.device)
    return _run_translation(args, jobs, bundle, args.direction)


def cmd_sketch(args: argparse.Namespace) -> int:
    """A sketch or a label map to an image: pix2pix, or SPADE in a style (--style).

    Without --model, a label map in the brushes' palette goes to the default labels
    model and anything else to the default sketch model."""
    from ganpaint.edit.semantic import (
        EXAMPLE_STYLES,
        direction_between,
        known_lights,
        light_to_translate_from,
        reads_sketches,
        unknown_light_message,
    )
    from ganpaint.labels import label_map_in

    jobs = _translation_jobs(args)
    style = _style_picture(args.style) if args.style else None
    # Only the default model depends on the input: read it only when --model is not given.
    labels = args.model is None and label_map_in(load_image(jobs[0][0]).rgb) is not None
    purpose = "labels" if labels else "sketch"
    bundle = _load_bundle(args.model, purpose, ("pix2pix", "spade"), args.device)
    unknown = args.style in EXAMPLE_STYLES and args.style not in known_lights(bundle.meta)
    then = None
    if bundle.kind == "spade" and unknown:
        # a light the model never learned: drawn in one it knows, then translated there
        first = light_to_translate_from(args.style, bundle.meta)
        if first is None:
            raise GanpaintError(unknown_light_message(args.style, bundle.meta))
        translator = _load_bundle(None, "translate", TRANSLATOR_KINDS, args.device)
        if direction_between(translator.meta, first, args.style) is None:
            raise GanpaintError(unknown_light_message(args.style, bundle.meta))
        style, then = _style_picture(first), (translator, first, args.style)
        print(
            f"{bundle.name} learned no {args.style}: drawing it by {first}, then translating "
            f"it with {translator.name}",
            file=sys.stderr,
        )
    if bundle.kind == "spade":
        sketches = reads_sketches(bundle.meta)
        return _run_semantic(args, jobs, bundle, style, sketches=sketches, then=then)
    if style is not None:
        raise GanpaintError(
            f"--style needs a SPADE model with a style encoder, and {bundle.name!r} is a "
            "pix2pix model; pass --model with a SPADE model or leave --style out."
        )
    return _run_translation(args, jobs, bundle, None)


def _style_picture(spec: str) -> np.ndarray:
    """--style: an example's name (day, dusk, night) or a picture file, as RGB."""
    from ganpaint.edit.semantic import EXAMPLE_STYLES, style_examples

    if spec in EXAMPLE_STYLES:
        return style_examples()[spec]
    return load_image(spec).rgb


def _run_semantic(
    args: argparse.Namespace,
    jobs: list[tuple[Path, Path | None, Path]],
    bundle: ModelBundle,
    picture: np.ndarray | None,
    sketches: bool = False,
    then: tuple[ModelBundle, str, str] | None = None,
) -> int:
    """Label maps (or, for a sketch model, sketches) to pictures with a SPADE model
    (ganpaint.edit.semantic), in one style; `then` (translator, from light, to light):
    each picture carried on to a light the model never learned."""
    from ganpaint.edit.semantic import (
        image_from_labels,
        image_from_sketch,
        style_code,
        translated_to_light,
    )
    from ganpaint.labels import label_map_in

    code = style_code(bundle, picture) if picture is not None else None
    inputs = []
    for image_path, _mask, out_path in jobs:
        loaded = load_image(image_path)
        drawn = loaded.rgb if sketches else label_map_in(loaded.rgb)
        if drawn is None:
            raise ImageFileError(
                f"{image_path} is not a label map in the semantic brushes' colours, so "
                f"{bundle.name!r} (a SPADE model) cannot read it; paint one in the app and "
                "save the label layer, or use a sketch model."
            )
        inputs.append((loaded, drawn, out_path))

    def run(item: tuple, _progress: Any) -> Any:
        draw = image_from_sketch if sketches else image_from_labels
        result = draw(bundle, item[1], code)
        if then is not None:
            result.image = translated_to_light(result, *then, stars=args.stars)
        return result

    def write(item: tuple, result: Any) -> None:
        save_image(item[2], result.image, alpha=item[0].alpha)

    _each_image(inputs, "generate", run, write)
    target = inputs[0][2] if len(inputs) == 1 else f"{len(inputs)} images to {args.out}"
    print(f"Wrote {target}", file=sys.stderr)
    return 0


# --- generate (iGAN) and sample ----------------------------------------------------------------


def _strokes(path: str) -> tuple[np.ndarray, np.ndarray]:
    """Colour strokes: opaque pixels of an image with transparency, else non-white pixels."""
    loaded = load_image(path)
    if loaded.alpha is not None and (loaded.alpha < 255).any():
        stroked = loaded.alpha > 0
    else:
        stroked = (loaded.rgb < 250).any(axis=2)
    if not stroked.any():
        raise MaskError(f"{path} has no colour strokes: paint on a transparent (or white) image.")
    return loaded.rgb, stroked


def cmd_generate(args: argparse.Namespace) -> int:
    from ganpaint.edit.sketch import SketchConfig, generate, generate_in_mask

    if args.colors is None and args.edges is None:
        raise MaskError("generate needs --colors STROKES.png, --edges SKETCH.png, or both.")
    if args.mask is not None and args.photo is None:
        raise MaskError("generate --mask needs --photo PHOTO: the picture to generate into.")
    refuse_empty_paths(
        {"-o": args.out, "--colors": args.colors, "--edges": args.edges, "--model": args.model,
         "--candidates": args.candidates, "--morph": args.morph, "--photo": args.photo,
         "--mask": args.mask}
    )  # fmt: skip
    out = _check_output(Path(args.out))
    config = SketchConfig()
    outputs = [out]
    if args.candidates:
        outputs += [_candidate_path(args.candidates, i) for i in range(max(1, config.candidates))]
    if args.morph:
        outputs += [_frame_path(args.morph, i) for i in range(config.frames)]
    inputs = (args.colors, args.edges, args.photo, args.mask)
    check_writes(
        outputs,
        folders=[Path(f) for f in (args.candidates, args.morph) if f],
        reads=[Path(p) for p in inputs if p] + _model_file(args.model),
    )
    colors, color_mask = _strokes(args.colors) if args.colors else (None, None)
    edges = load_image(args.edges).rgb if args.edges else None
    photo = load_image(args.photo) if args.photo else None
    hole = None
    if photo is not None and args.mask is not None:
        hole = load_mask(args.mask, expected_size=photo.size)  # type: ignore[arg-type]
        if not hole.any():
            raise MaskError(f"The mask {args.mask} is empty: paint over where to generate.")
    model = _gan(args.model, "generate", args.device)
    inversion = replace(config.inversion, seed=args.seed)
    if args.restarts is not None:
        inversion = replace(inversion, restarts=args.restarts)
    if args.iters is not None:
        inversion = replace(inversion, iters=args.iters)
    config = replace(config, inversion=inversion, frames=16 if args.morph else 0)
    device = resolve_device(args.device)
    with ProgressBar("generate", leave=False) as bar:
        progress = bar.report
        if photo is None:  # the model's own picture, at its size
            result = generate(
                model, colors, color_mask, edges, config, device=device, progress=progress
            )
            images = [c.image for c in result.candidates]
        else:  # into the photo: over all of it, or only inside the mask
            done = generate_in_mask(
                model,
                photo.rgb,
                hole,
                colors,
                color_mask,
                edges,
                config,
                device=device,
                progress=progress,
            )
            result = done.sketch
            images = [done.image(photo.rgb, i) for i in range(len(done.patches))]
    alpha = photo.alpha if photo is not None else None
    save_image(out, images[0], alpha=alpha)
    _save_candidates(args.candidates, images)
    if args.morph:
        for index, frame in enumerate(result.best.frames):
            save_image(_frame_path(args.morph, index), frame)
    print(f"Wrote {out} (cost {result.best.cost:.4g}, {result.steps} steps)", file=sys.stderr)
    return 0


def _frame_path(folder: str, index: int) -> Path:
    return Path(folder) / f"frame-{index:02d}.png"


def cmd_sample(args: argparse.Namespace) -> int:
    import numpy as np
    import torch
    from torchvision.utils import make_grid

    from ganpaint.edit import latents

    refuse_empty_paths({"-o": args.out, "--model": args.model})
    out = _check_output(Path(args.out))
    check_writes([out], reads=_model_file(args.model))
    device = resolve_device(args.device)
    model = _gan(args.model, "generate", args.device)
    _check_sample_memory(args.n, model)
    if args.interpolate:
        ends = [latents.sample(model, 1, seed, device).z[0] for seed in args.interpolate]
        samples = latents.interpolation(model, *ends, frames=args.n, device=device)
        columns = args.n
    else:
        samples = latents.sample(model, args.n, args.seed, device)
        columns = int(np.ceil(np.sqrt(args.n)))
    stack = torch.from_numpy(np.stack(samples.images)).permute(0, 3, 1, 2)
    grid = make_grid(stack, nrow=columns, padding=2, pad_value=255)
    save_image(out, np.ascontiguousarray(grid.permute(1, 2, 0).numpy()))
    print(f"Wrote {out} ({args.n} samples)", file=sys.stderr)
    return 0


# Bytes per sample pixel: the images, their stack, the grid and its contiguous copy (RGB).
_SAMPLE_BYTES_PER_PIXEL = 16


def _check_sample_memory(count: int, model: GanModel) -> None:
    """Refuse a grid that would not fit in memory, before generating any sample."""
    from ganpaint.memory import check_memory

    side = model.resolution + 2  # each sample and its grid padding
    check_memory(
        count * side * side * _SAMPLE_BYTES_PER_PIXEL,
        f"A grid of {count} samples of {model.resolution} px",
        "pass a smaller -n",
    )


# --- the parser -------------------------------------------------------------------------------


def add_edit_commands(commands: argparse._SubParsersAction, device_help: str) -> None:
    """Add the edit subcommands to the `ganpaint` parser."""

    def common(parser: argparse.ArgumentParser, model_help: str) -> None:
        parser.add_argument("--model", metavar="NAME|PATH", help=model_help)
        parser.add_argument("--device", default="auto", help=device_help)

    p = commands.add_parser(
        "inpaint",
        help="fill the masked part of a photo (semantic inpainting + Poisson blending)",
        description="Fill the white part of MASK in IMAGE. IMAGE may be a folder (with a "
        "folder of masks named like the images, or one mask for all).",
    )
    p.add_argument("image", help="photo, or folder of photos")
    p.add_argument("--mask", required=True, help="mask image (white = the hole) or folder")
    p.add_argument("-o", "--out", required=True, help="output image (or folder)")
    common(p, "GAN model (default: the bundled photos-dcgan64)")
    add_number(
        p,
        "--restarts",
        key="restarts",
        help="candidates optimised at once",
    )
    add_number(
        p,
        "--iters",
        key="iters",
        help="search steps at most (default 60; a hole redrawn from the photo's own "
        "patches, as on most photos, takes a third)",
    )
    add_number(
        p,
        "--refine-steps",
        key="refine_steps",
        help="steps tuning a copy of G on the photo around each hole after the search "
        "(default 100, a third where the hole is redrawn; 0 = off: faster, less "
        "faithful fills)",
    )
    _seed_option(p)
    p.add_argument("--blend", default="poisson", choices=["poisson", "mixed", "feather", "none"])
    p.add_argument(
        "--method",
        default="gan",
        choices=["gan", "patch", "telea", "ns", "auto"],
        help="gan: the GAN's fill, drawn at full resolution from the photo's own patches "
        "(default); patch: the patch synthesis alone, no model; telea, ns: OpenCV; "
        "auto: OpenCV for hair-thin masks, else gan (patch without a model)",
    )
    p.add_argument(
        "--synthesis",
        choices=["on", "off"],
        default="on",
        help="off: paste the GAN's fill scaled up, without the full-resolution patch "
        "synthesis (the old, blurrier pipeline)",
    )
    p.add_argument("--candidates", metavar="DIR", help="also write every candidate here")
    p.set_defaults(handler=cmd_inpaint)

    p = commands.add_parser(
        "translate",
        help="translate a photo or a selection with a CycleGAN or pix2pix model, tiled",
    )
    p.add_argument("image", help="photo, or folder of photos")
    p.add_argument("-o", "--out", required=True, help="output image (or folder)")
    common(p, "CycleGAN or pix2pix model (default: the bundled day2night)")
    p.add_argument("--mask", help="translate only the white part of this mask (or folder)")
    p.add_argument("--direction", choices=["AtoB", "BtoA"], help="CycleGAN direction")
    _translation_options(p)
    p.set_defaults(handler=cmd_translate)

    p = commands.add_parser(
        "sketch",
        help="turn a sketch or a label map into an image (pix2pix, or SPADE with --style)",
    )
    p.add_argument(
        "image",
        metavar="SKETCH",
        help="sketch (dark strokes on white), label map in the semantic brushes' colours, "
        "or a folder of them",
    )
    p.add_argument("-o", "--out", required=True, help="output image (or folder)")
    common(
        p,
        "pix2pix or SPADE model (default: the bundled edges2landscape for sketches, "
        "labels2scene, a SPADE model with styles, for label maps)",
    )
    p.add_argument(
        "--style",
        metavar="PICTURE",
        help="with a SPADE model: take the light and colours from this picture, or from "
        "the example day, dusk or night (default: the light the label map suggests, when "
        "the model can guess it, else the model's mean style); night for a model that "
        "learned none is drawn by day, then translated with the default translate model "
        "(day2night)",
    )
    _translation_options(p)
    p.set_defaults(handler=cmd_sketch)

    p = commands.add_parser(
        "generate", help="make an image that honours colour strokes and/or a sketch (iGAN)"
    )
    p.add_argument("--colors", metavar="STROKES.png", help="colour strokes (transparent = free)")
    p.add_argument("--edges", metavar="SKETCH.png", help="edge sketch: dark strokes on white")
    p.add_argument(
        "--photo",
        metavar="PHOTO",
        help="generate into this photo (the strokes drawn at its size): the result is the "
        "photo, generated over all of it, or only inside --mask",
    )
    p.add_argument(
        "--mask",
        metavar="MASK",
        help="with --photo: generate only in the white part, blended in as inpainting is",
    )
    p.add_argument("-o", "--out", required=True, help="the best result")
    common(p, "GAN model (default: the bundled landscapes-dcgan64)")
    add_number(
        p,
        "--restarts",
        key="restarts",
        help="latents optimised at once (64)",
    )
    add_number(p, "--iters", key="iters", help="optimisation steps at most")
    _seed_option(p)
    p.add_argument("--candidates", metavar="DIR", help="write the ranked candidates here")
    p.add_argument("--morph", metavar="DIR", help="write 16 frames from the start to the result")
    p.set_defaults(handler=cmd_generate)

    p = commands.add_parser("sample", help="a grid of random images from a GAN")
    common(p, "GAN model (default: the bundled landscapes-dcgan64)")
    add_number(
        p,
        "-n",
        default=64,
        key="sample_n",
        help="number of samples (64)",
    )
    p.add_argument("-o", "--out", required=True, help="output grid image")
    _seed_option(p)
    add_number(
        p,
        "--interpolate",
        nargs=2,
        metavar=("SEED_A", "SEED_B"),
        key="seed",
        help="instead, n frames walking from seed A's latent to seed B's",
    )
    p.set_defaults(handler=cmd_sample)


def _translation_options(parser: argparse.ArgumentParser) -> None:
    """--tile, --scale, --precision and --stars, shared by translate and sketch."""
    add_number(
        parser,
        "--tile",
        default=512,
        key="tile",
        help="tile side in pixels (512)",
    )
    parser.add_argument(
        "--scale",
        choices=["trained", "full"],
        default="trained",
        help="trained: run a pix2pix model on a copy shrunk to the size its training "
        "pictures had, then scale the result back (the default; scene models need it); "
        "full: run it on the full-size picture",
    )
    parser.add_argument(
        "--precision",
        choices=["auto", "bf16", "fp32"],
        default="auto",
        help="auto: bf16 where the device computes it natively (GPUs, CPUs with "
        "AVX512-BF16/AMX), else fp32; fp32 gives the exact full-precision result",
    )
    parser.add_argument(
        "--stars",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="draw the stars of a model with a star layer (day2night) in a night sky; "
        "--no-stars leaves them out (default on)",
    )


def _seed_option(parser: argparse.ArgumentParser) -> None:
    add_number(parser, "--seed", default=0, key="seed", help="random seed (default 0)")
