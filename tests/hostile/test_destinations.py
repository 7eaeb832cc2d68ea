"""Hostile destinations: every command that writes refuses, before writing anything, an
output that is an input, another output, a special file or an unwritable place.

Each case runs the real CLI in a folder built by the test and asserts exit 2, one
`error:` line and no traceback, and a folder byte-for-byte as it was (inputs unchanged,
no output written, not even a partial one).
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ganpaint import cli as ganpaint_cli
from ganpaint.atomic import atomic_write_bytes
from ganpaint.destinations import check_writes, distinct_outputs
from ganpaint.errors import DestinationError
from ganpaint.imageio import save_image, save_mask
from ganpaint.models import (
    DCGANDiscriminator,
    DCGANGenerator,
    ModelBundle,
    ResnetGenerator,
    UnetGenerator,
)
from trainer import cli as train_cli

# DCGAN at 32 px with 8 filters: a training step takes milliseconds.
TINY_RUN = [
    "--size", "32", "--ngf", "8", "--ndf", "8", "--nz", "16", "--batch", "8", "--workers", "0",
    "--device", "cpu", "--no-tensorboard", "--log-every", "2",
]  # fmt: skip

Snapshot = dict[str, object]


def snapshot(root: Path) -> Snapshot:
    """Every entry under `root`: the bytes of files, the kind of anything else."""
    entries: Snapshot = {}
    for path in sorted(root.rglob("*")):
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            entries[str(path)] = ("link", os.readlink(path))
        elif stat.S_ISREG(mode):
            entries[str(path)] = path.read_bytes()
        else:
            entries[str(path)] = stat.S_IFMT(mode)
    return entries


def assert_refused(
    main: Callable[[Sequence[str]], int],
    argv: Sequence[str],
    capsys: pytest.CaptureFixture[str],
    root: Path,
    *needles: str,
) -> str:
    """`argv` exits 2 with one error line (containing `needles`) and changes nothing."""
    before = snapshot(root)
    assert main(list(argv)) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.strip().splitlines() if "error:" in line]
    assert len(lines) == 1, err
    assert lines[0].startswith(("ganpaint: error:", "ganpaint-train: error:")), err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert snapshot(root) == before
    return lines[0]


def picture(path: Path, seed: int = 0, size: tuple[int, int] = (40, 48)) -> Path:
    rng = np.random.default_rng(seed)
    return save_image(path, rng.integers(0, 255, (*size, 3), dtype=np.uint8))


def hole_mask(path: Path, size: tuple[int, int] = (40, 48)) -> Path:
    hole = np.zeros(size, bool)
    hole[10:20, 12:30] = True
    return save_mask(path, hole)


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GANPAINT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    torch.set_num_threads(1)


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A photo, its mask, strokes, a sketch and tiny GAN, CycleGAN and pix2pix models."""
    return make_work(tmp_path)


def make_work(tmp_path: Path) -> Path:
    """`work`'s folder, built in `tmp_path` (also used by benchmarks/hostile_sweep.py)."""
    picture(tmp_path / "photo.png")
    hole_mask(tmp_path / "mask.png")
    strokes = np.zeros((32, 32, 3), np.uint8)
    strokes[:8] = (40, 90, 200)
    alpha = np.zeros((32, 32), np.uint8)
    alpha[:8] = 255
    save_image(tmp_path / "strokes.png", strokes, alpha=alpha)
    sketch = np.full((32, 32, 3), 255, np.uint8)
    sketch[14:16] = 0
    save_image(tmp_path / "edges.png", sketch)
    torch.manual_seed(0)
    gan = {
        "G": DCGANGenerator(nz=8, ngf=4, image_size=32),
        "D": DCGANDiscriminator(ndf=4, image_size=32),
    }
    ModelBundle.create("gan", gan, {"name": "g"}).save(tmp_path / "gan.safetensors")
    cycle = {"G_A": ResnetGenerator(ngf=4, n_blocks=6), "G_B": ResnetGenerator(ngf=4, n_blocks=6)}
    meta = {"name": "a2b", "domains": {"A": "a", "B": "b"}}
    ModelBundle.create("cyclegan", cycle, meta).save(tmp_path / "a2b.safetensors")
    p2p = {"G": UnetGenerator(3, 3, num_downs=5, ngf=4)}
    ModelBundle.create("pix2pix", p2p, {"name": "s"}).save(tmp_path / "sketch.safetensors")
    return tmp_path


@pytest.fixture
def batch(work: Path) -> Path:
    """A folder of two photos and a folder of their masks."""
    (work / "photos").mkdir()
    (work / "masks").mkdir()
    for index, name in enumerate(("a", "b")):
        picture(work / "photos" / f"{name}.png", seed=index)
        hole_mask(work / "masks" / f"{name}.png")
    return work


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


INPAINT = ["inpaint", "photo.png", "--mask", "mask.png", "--method", "telea"]
TRANSLATE = ["translate", "photo.png", "--model", "a2b.safetensors", "--precision", "fp32"]
SKETCH = ["sketch", "edges.png", "--model", "sketch.safetensors", "--precision", "fp32"]
GENERATE = ["generate", "--colors", "strokes.png", "--model", "gan.safetensors"]
GENERATE += ["--restarts", "2", "--iters", "2"]
SAMPLE = ["sample", "--model", "gan.safetensors", "-n", "4"]


# --- group 1: an output that is an input ------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "victim"),
    [
        ([*INPAINT, "-o", "photo.png"], "photo.png"),
        ([*INPAINT, "-o", "mask.png"], "mask.png"),
        ([*INPAINT, "-o", "./sub/../photo.png"], "photo.png"),
        ([*TRANSLATE, "-o", "photo.png"], "photo.png"),
        ([*TRANSLATE, "--mask", "mask.png", "-o", "mask.png"], "mask.png"),
        ([*SKETCH, "-o", "edges.png"], "edges.png"),
        ([*GENERATE, "-o", "strokes.png"], "strokes.png"),
        ([*GENERATE, "--edges", "edges.png", "-o", "edges.png"], "edges.png"),
    ],
    ids=[
        "inpaint",
        "inpaint-mask",
        "inpaint-dotdot",
        "translate",
        "translate-mask",
        "sketch",
        "generate-colors",
        "generate-edges",
    ],
)
def test_an_output_that_is_an_input_is_refused(
    work: Path, capsys: pytest.CaptureFixture[str], argv: list[str], victim: str
) -> None:
    (work / "sub").mkdir()
    assert_refused(ganpaint_cli.main, argv, capsys, work, victim, "input")


def test_an_output_linked_to_the_input_is_refused(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (work / "link.png").symlink_to(work / "photo.png")
    os.link(work / "photo.png", work / "hard.png")
    assert_refused(ganpaint_cli.main, [*INPAINT, "-o", "link.png"], capsys, work, "input")
    assert_refused(ganpaint_cli.main, [*TRANSLATE, "-o", "hard.png"], capsys, work, "input")


@pytest.mark.parametrize("command", ["inpaint", "translate"])
@pytest.mark.parametrize("out", ["photos", "masks"])
def test_a_batch_into_its_own_input_folder_is_refused(
    batch: Path, capsys: pytest.CaptureFixture[str], command: str, out: str
) -> None:
    argv = {
        "inpaint": ["inpaint", "photos", "--mask", "masks", "--method", "telea"],
        "translate": ["translate", "photos", "--mask", "masks", "--model", "a2b.safetensors"],
    }[command]
    assert_refused(ganpaint_cli.main, [*argv, "-o", out], capsys, batch, out, "input folder")


@pytest.mark.parametrize("command", ["inpaint", "translate", "sketch"])
def test_two_batch_images_with_one_name_are_refused_naming_both(
    batch: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    picture(batch / "photos" / "a.jpg", seed=5)
    shutil.copy(batch / "masks" / "a.png", batch / "masks" / "a.jpg")
    argv = {
        "inpaint": ["inpaint", "photos", "--mask", "mask.png", "--method", "telea"],
        "translate": ["translate", "photos", "--model", "a2b.safetensors"],
        "sketch": ["sketch", "photos", "--model", "sketch.safetensors"],
    }[command]
    assert_refused(
        ganpaint_cli.main, [*argv, "-o", "out"], capsys, batch, "a.png", "a.jpg", "rename"
    )


def test_a_candidate_that_would_replace_the_input_is_refused(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (work / "cands").mkdir()
    shutil.copy(work / "photo.png", work / "cands" / "candidate-00.png")
    argv = ["inpaint", "cands/candidate-00.png", "--mask", "mask.png", "--method", "telea"]
    argv += ["-o", "out.png", "--candidates", "cands"]
    assert_refused(ganpaint_cli.main, argv, capsys, work, "candidate-00.png", "input")


def test_a_screenshot_over_the_image_is_refused(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["photo.png", "--screenshot", "photo.png"]
    assert_refused(ganpaint_cli.main, argv, capsys, work, "photo.png", "input")


# --- group 1: outputs that are not files, or cannot be written --------------------------


WRITERS = {
    "inpaint": INPAINT,
    "translate": TRANSLATE,
    "sketch": SKETCH,
    "generate": GENERATE,
    "sample": SAMPLE,
}


@pytest.mark.parametrize("command", sorted(WRITERS))
def test_a_fifo_output_is_refused_and_stays_a_fifo(
    work: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    fifo(work / "out.png")
    argv = [*WRITERS[command], "-o", "out.png"]
    assert_refused(ganpaint_cli.main, argv, capsys, work, "out.png", "not a regular file")
    assert stat.S_ISFIFO((work / "out.png").lstat().st_mode)


@pytest.mark.parametrize("command", sorted(WRITERS))
def test_an_output_in_a_missing_folder_is_refused(
    work: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    argv = [*WRITERS[command], "-o", "nowhere/out.png"]
    assert_refused(ganpaint_cli.main, argv, capsys, work, "nowhere", "does not exist")


@pytest.mark.parametrize("command", sorted(WRITERS))
def test_an_empty_path_is_refused(
    work: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    argv = [*WRITERS[command], "-o", ""]
    line = assert_refused(ganpaint_cli.main, argv, capsys, work)
    assert "empty" in line or "folder" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into read-only folders")
def test_an_output_in_a_read_only_folder_is_refused(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (work / "locked").mkdir()
    (work / "locked").chmod(0o555)
    try:
        argv = [*INPAINT, "-o", "locked/out.png"]
        assert_refused(ganpaint_cli.main, argv, capsys, work, "permission")
    finally:
        (work / "locked").chmod(0o755)


# --- group 6: every destination checked before the first write --------------------------


@pytest.mark.parametrize(
    "argv",
    [
        [*INPAINT, "-o", "out.png", "--candidates", "taken.png"],
        [*GENERATE, "-o", "out.png", "--morph", "taken.png"],
        [*GENERATE, "-o", "out.png", "--candidates", "taken.png"],
        [*GENERATE, "-o", "out.png", "--morph", ""],
    ],
    ids=["inpaint-candidates", "generate-morph", "generate-candidates", "generate-empty-morph"],
)
def test_a_bad_second_destination_leaves_no_first_output(
    work: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    (work / "taken.png").write_bytes(b"the user's own file")
    assert_refused(ganpaint_cli.main, argv, capsys, work)
    assert not (work / "out.png").exists()


# --- the trainer ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-step GAN run on a folder of eight pictures (copied per test)."""
    return make_trained(tmp_path_factory.mktemp("trained"))


def make_trained(root: Path) -> Path:
    """`trained`'s folder, built in `root`: `images/` and a 2-step GAN `run/` on them."""
    (root / "images").mkdir()
    for index in range(8):
        picture(root / "images" / f"{index}.png", seed=index, size=(36, 36))
    argv = ["gan", "--data", str(root / "images"), "-o", str(root / "run"), *TINY_RUN]
    with torch.random.fork_rng():
        assert train_cli.main([*argv, "--iters", "2", "--checkpoint-every", "1"]) == 0
    return root


@pytest.fixture
def run(trained: Path, tmp_path: Path) -> Path:
    shutil.copytree(trained / "images", tmp_path / "images")
    shutil.copytree(trained / "run", tmp_path / "run")
    return tmp_path / "run"


def test_export_never_overwrites_the_runs_own_files(
    run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpoint = sorted((run / "checkpoints").glob("step-*.pt"))[-1]
    root = run.parent
    for target in (checkpoint, run / "config.toml", run / "status.json", run / "scalars.jsonl"):
        assert_refused(train_cli.main, ["export", str(run), "-o", str(target)], capsys, root)
    new_in_checkpoints = run / "checkpoints" / "model.safetensors"
    argv = ["export", str(run), "-o", str(new_in_checkpoints)]
    assert_refused(train_cli.main, argv, capsys, root, "inside")
    argv = ["export", str(run), "--checkpoint", str(checkpoint), "-o", str(checkpoint)]
    assert_refused(train_cli.main, argv, capsys, root, "input")


def test_export_to_the_runs_model_file_is_allowed(run: Path) -> None:
    assert train_cli.main(["export", str(run), "-o", str(run / "model.safetensors")]) == 0


def test_export_refuses_special_files_and_folders(
    run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = run.parent
    device = root / "full"
    try:
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 7))  # a /dev/full of our own
    except (PermissionError, OSError):
        fifo(device)
    kind = stat.S_IFMT(device.lstat().st_mode)
    argv = ["export", str(run), "-o", str(device)]
    assert_refused(train_cli.main, argv, capsys, root, "not a regular file")
    assert stat.S_IFMT(device.lstat().st_mode) == kind
    argv = ["export", str(run), "-o", str(root / "images")]
    assert_refused(train_cli.main, argv, capsys, root, "folder")


def test_the_real_dev_full_is_refused_without_writing() -> None:
    """Checked, not run: a regression here must not replace the machine's device node."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    with pytest.raises(DestinationError, match="not a regular file"):
        check_writes(["/dev/full"])


def test_the_atomic_writer_never_replaces_a_special_file(tmp_path: Path) -> None:
    """The last line of defence for every writer (app saves, bundles, checkpoints)."""
    pipe = fifo(tmp_path / "pipe.png")
    (tmp_path / "folder.png").mkdir()
    for target in (pipe, tmp_path / "folder.png"):
        with pytest.raises(DestinationError):
            atomic_write_bytes(target, b"data")
    assert stat.S_ISFIFO(pipe.lstat().st_mode) and (tmp_path / "folder.png").is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.png", "pipe.png"]


def test_a_new_run_never_replaces_a_model_in_its_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "model.safetensors").write_bytes(b"weights the user trained last week")
    argv = ["gan", "-o", "out", *TINY_RUN, "--iters", "1", "--synthetic-n", "8"]
    assert_refused(
        train_cli.main, argv, capsys, tmp_path, "model.safetensors", "empty folder", "--resume"
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["gan", "--data", "", "-o", "out"],
        ["gan", "--data", "images", "-o", "images"],
        ["gan", "--data", "images", "-o", "images/run"],
        ["gan", "--data", "images", "-o", "taken.txt"],
        ["gan", "--data", "images", "-o", ""],
        ["gan", "--data", "images", "-o", "out", "--config", ""],
        ["cyclegan", "--data", "", "-o", "out"],
        ["pix2pix", "--data", "images", "-o", "out", "--init-from", ""],
    ],
    ids=[
        "empty-data",
        "data-is-out",
        "out-in-data",
        "out-is-file",
        "empty-out",
        "empty-config",
        "cyclegan-empty-data",
        "pix2pix-empty-init",
    ],
)
def test_a_training_destination_is_checked_before_training(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    (tmp_path / "images").mkdir()
    for index in range(2):
        picture(tmp_path / "images" / f"{index}.png", seed=index, size=(36, 36))
    (tmp_path / "taken.txt").write_text("the user's notes")
    flags = TINY_RUN if argv[0] == "gan" else ["--device", "cpu", "--workers", "0"]
    assert_refused(train_cli.main, [*argv, *flags, "--iters", "1"], capsys, tmp_path)


def test_eval_with_bad_inception_weights_writes_no_report(
    run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = run.parent
    (root / "inception.pth").write_bytes(b"not a state dict")
    argv = ["eval", str(run), "-o", str(root / "report"), "-n", "8", "--device", "cpu"]
    argv += ["--inception-weights", str(root / "inception.pth")]
    assert_refused(train_cli.main, argv, capsys, root, "inception.pth")


@pytest.mark.parametrize("out", ["images", "run/checkpoints", "run"])
def test_eval_never_reports_into_its_inputs(
    run: Path, capsys: pytest.CaptureFixture[str], out: str
) -> None:
    root = run.parent
    argv = ["eval", str(run), "--data", str(root / "images"), "-o", str(root / out), "-n", "8"]
    assert_refused(train_cli.main, [*argv, "--device", "cpu"], capsys, root)


def test_synth_refuses_a_fifo_and_an_empty_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo(tmp_path / "pipe")
    for out in ("pipe", ""):
        argv = ["synth", "landscapes", "-n", "2", "--size", "16", "-o", out]
        assert_refused(train_cli.main, argv, capsys, tmp_path)


# --- properties of the check itself ---------------------------------------------------------

_SPELLINGS = st.sampled_from(["{}", "./{}", "sub/../{}", "{dir}/{}", "sub/../sub/../{}"])


_FIXTURE_OK = [HealthCheck.function_scoped_fixture]  # the folder is rebuilt idempotently


@settings(max_examples=40, deadline=None, suppress_health_check=_FIXTURE_OK)
@given(spelling=_SPELLINGS, name=st.sampled_from(["photo.png", "mask.png", "link.png"]))
def test_any_spelling_of_an_input_is_refused(tmp_path: Path, spelling: str, name: str) -> None:
    """However the output names an input (dots, `..`, absolute, a link), it is refused."""
    (tmp_path / "sub").mkdir(exist_ok=True)
    for existing in ("photo.png", "mask.png"):
        if not (tmp_path / existing).exists():
            (tmp_path / existing).write_bytes(existing.encode())
    if not (tmp_path / "link.png").is_symlink():
        (tmp_path / "link.png").symlink_to(tmp_path / "photo.png")
    output = spelling.format(name, dir=tmp_path)
    inputs = [tmp_path / "photo.png", tmp_path / "mask.png"]
    with pytest.raises(DestinationError, match="input"):
        check_writes([output], reads=inputs)


@given(
    names=st.lists(
        st.tuples(st.sampled_from(["a", "b", "c", "a.b"]), st.sampled_from([".png", ".jpg"])),
        min_size=1,
        max_size=6,
        unique=True,
    )
)
def test_a_batch_is_refused_exactly_when_two_stems_meet(names: list[tuple[str, str]]) -> None:
    """Outputs are named by stem: two sources with one stem are refused, others pass."""
    pairs = [(f"in/{stem}{ext}", f"out/{stem}.png") for stem, ext in names]
    clash = len({stem for stem, _ in names}) < len(names)
    if clash:
        with pytest.raises(DestinationError, match="would both be written"):
            distinct_outputs(pairs)
    else:
        distinct_outputs(pairs)


# --- names no file system holds, and link loops (found by benchmarks/hostile_sweep.py) ------


@pytest.mark.parametrize(
    "argv",
    [
        [*INPAINT, "-o", "a" * 300 + ".png"],
        [*TRANSLATE, "-o", "sub/" + "b" * 256 + ".png"],
        [*SAMPLE, "-o", "c" * 300 + ".png"],
        ["inpaint", "d" * 300 + ".png", "--mask", "mask.png", "-o", "out.png"],
        ["translate", "photo.png", "--model", "e" * 300 + ".safetensors", "-o", "out.png"],
    ],
    ids=["inpaint-out", "translate-out", "sample-out", "inpaint-image", "translate-model"],
)
def test_a_name_too_long_for_any_file_system_is_one_line(
    work: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    (work / "sub").mkdir()
    assert_refused(ganpaint_cli.main, argv, capsys, work, "too long")


def test_a_symlink_loop_as_input_or_output_is_one_line(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (work / "loop.png").symlink_to(work / "loop.png")
    assert_refused(ganpaint_cli.main, [*GENERATE[:1], "--colors", "loop.png", *GENERATE[3:],
                   "-o", "out.png"], capsys, work, "loop.png")  # fmt: skip
    assert_refused(ganpaint_cli.main, [*INPAINT, "-o", "loop.png"], capsys, work, "loop.png")
    with pytest.raises(DestinationError, match=r"loop\.png"):
        check_writes([work / "out" / "x.png"], folders=[work / "loop.png"])


@pytest.mark.parametrize("flag", ["--candidates", "--morph"])
def test_a_folder_output_that_is_the_output_file_is_refused(
    work: Path, capsys: pytest.CaptureFixture[str], flag: str
) -> None:
    """`generate -o out.png --morph out.png` wrote out.png, then failed on the folder."""
    argv = [*GENERATE, "-o", "out.png", flag, "out.png"]
    assert_refused(ganpaint_cli.main, argv, capsys, work, "out.png", "both")
    assert_refused(ganpaint_cli.main, [*INPAINT, "-o", "o.png", "--candidates", "./o.png"],
                   capsys, work, "both")  # fmt: skip


def test_a_fifo_opened_as_an_image_is_named_a_pipe_not_an_empty_file(tmp_path: Path) -> None:
    from ganpaint.errors import ImageFileError
    from ganpaint.imageio import load_image

    pipe = fifo(tmp_path / "photo.png")
    with pytest.raises(ImageFileError, match="not a regular file"):
        load_image(pipe)  # returns at once: a pipe with no writer is never opened
    assert stat.S_ISFIFO(pipe.lstat().st_mode)
