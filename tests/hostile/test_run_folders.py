"""Hostile run folders and trainer files: damaged status.json, scalars.jsonl and config
files, foreign checkpoints and models, leftovers of killed writes, and nonsense numbers.

Each refused case runs the real `ganpaint-train` and asserts exit 2, one `error:` line,
no traceback and a folder byte-for-byte as it was (`assert_refused`); the recoveries
(a torn last scalars line, an old run folder with a relative --data) say what they do.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import pytest
import torch
from test_destinations import (  # noqa: F401 (fixtures: `run` is requested through `trained_run`)
    TINY_RUN,
    _isolated,
    assert_refused,
    picture,
    run,
    snapshot,
    trained,
)

from ganpaint.atomic import atomic_write_bytes, remove_stale_parts
from ganpaint.models import ModelBundle, ResnetGenerator
from trainer import cli as train_cli

RESUME = ["--iters", "3", "--checkpoint-every", "1", *TINY_RUN]


@pytest.fixture
def trained_run(request: pytest.FixtureRequest) -> Path:
    """A copy of a finished 2-step GAN run on `images/` (test_destinations' `run`)."""
    return request.getfixturevalue("run")


# --- group 7: destinations of eval, synth, export, gan -----------------------------------


@pytest.fixture
def taken(tmp_path: Path) -> Path:
    (tmp_path / "taken.txt").write_text("the user's notes")
    return tmp_path / "taken.txt"


@pytest.mark.parametrize(
    "argv",
    [
        ["eval", "{trained_run}", "-o", "taken.txt", "-n", "8", "--device", "cpu"],
        ["eval", "{trained_run}", "-o", "taken.txt/report", "-n", "8", "--device", "cpu"],
        ["synth", "landscapes", "-n", "2", "--size", "16", "-o", "taken.txt"],
        ["synth", "landscapes", "-n", "2", "--size", "16", "-o", "taken.txt/data"],
        ["export", "{trained_run}", "-o", "taken.txt/model.safetensors"],
        ["gan", "--data", "images", "-o", "taken.txt/run", "--iters", "1", *TINY_RUN],
    ],
    ids=["eval", "eval-below", "synth", "synth-below", "export-below", "gan-below"],
)
def test_an_output_that_is_or_passes_through_a_file_is_refused(
    trained_run: Path, taken: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    argv = [arg.replace("{trained_run}", str(trained_run)) for arg in argv]
    assert_refused(train_cli.main, argv, capsys, trained_run.parent, "taken.txt")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into read-only folders")
@pytest.mark.parametrize(
    "argv",
    [
        ["eval", "{trained_run}", "-o", "locked/report", "-n", "8", "--device", "cpu"],
        ["synth", "landscapes", "-n", "2", "--size", "16", "-o", "locked/data"],
        ["export", "{trained_run}", "-o", "locked/model.safetensors"],
        ["gan", "--data", "images", "-o", "locked/run", "--iters", "1", *TINY_RUN],
    ],
    ids=["eval", "synth", "export", "gan"],
)
def test_an_output_in_a_read_only_folder_is_refused(
    trained_run: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    locked = trained_run.parent / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        argv = [arg.replace("{trained_run}", str(trained_run)) for arg in argv]
        assert_refused(train_cli.main, argv, capsys, trained_run.parent, "permission")
    finally:
        locked.chmod(0o755)


# --- group 7: --config ------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["folder", "binary", "nul-bytes"])
def test_a_config_that_is_a_folder_or_binary_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    config = tmp_path / "config.toml"
    if kind == "folder":
        config.mkdir()
    elif kind == "binary":
        config.write_bytes(bytes(range(256)) * 4)
    else:
        config.write_bytes(b"\x00\x01iters = 3\x00")
    argv = ["gan", "-o", "out", "--config", str(config), *TINY_RUN, "--synthetic-n", "8"]
    assert_refused(train_cli.main, argv, capsys, tmp_path, "config.toml")


@pytest.mark.parametrize("kind", ["folder", "binary"])
def test_resume_refuses_a_damaged_config_toml(
    trained_run: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    config = trained_run / "config.toml"
    config.unlink()
    if kind == "folder":
        config.mkdir()
    else:
        config.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    argv = _resume(trained_run)
    assert_refused(train_cli.main, argv, capsys, trained_run.parent, "config.toml")


def _edit_config(trained_run: Path, setting: str, value: str) -> None:
    config = trained_run / "config.toml"
    lines = [
        f"{setting} = {value}" if line.startswith(f"{setting} = ") else line
        for line in config.read_text().splitlines()
    ]
    config.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize(
    ("setting", "value", "was"),
    [("size", "64", "size = 32"), ("nz", "32", "nz = 16"), ("lr", "0.001", "lr = 0.0002")],
)
def test_resume_refuses_a_config_toml_edited_away_from_its_checkpoint(
    trained_run: Path, capsys: pytest.CaptureFixture[str], setting: str, value: str, was: str
) -> None:
    """The run would train something else than its checkpoint (or fail on the nets'
    shapes): one line naming the setting and the trained value, nothing rewritten."""
    _edit_config(trained_run, setting, value)
    line = assert_refused(
        train_cli.main, _resume(trained_run), capsys, trained_run.parent, "config.toml", was
    )
    assert f"config.toml: {value}" in line


def test_a_config_edit_confirmed_by_its_flag_resumes(trained_run: Path) -> None:
    _edit_config(trained_run, "lr", "0.001")
    assert train_cli.main([*_resume(trained_run), "--lr", "0.001"]) == 0
    assert "lr = 0.001" in (trained_run / "config.toml").read_text().splitlines()


@pytest.mark.parametrize(("flag", "value"), [("--ngf", "16"), ("--nz", "32")])
def test_resume_refuses_a_flag_that_reshapes_the_nets_before_writing(
    trained_run: Path, capsys: pytest.CaptureFixture[str], flag: str, value: str
) -> None:
    """The checkpoint cannot fill nets of another shape: said before config.toml is
    rewritten, naming the setting, instead of failing in load_state_dict afterwards."""
    argv = [*_resume(trained_run), flag, value]
    setting = flag.removeprefix("--")
    line = assert_refused(train_cli.main, argv, capsys, trained_run.parent, f"{setting} = ")
    assert f"now: {value}" in line


# --- group 7: damaged scalars.jsonl and status.json on --resume and status ---------------


def _resume(trained_run: Path) -> list[str]:
    return ["gan", "-o", str(trained_run), "--resume", *RESUME]


def test_a_torn_last_scalars_line_is_dropped_with_a_warning(
    trained_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A kill during the append leaves exactly this; the resumed run logs the step again."""
    scalars = trained_run / "scalars.jsonl"
    scalars.write_bytes(scalars.read_bytes() + b'{"step": 2, "loss_G": 0.7')
    assert train_cli.main(_resume(trained_run)) == 0
    assert "torn last line" in capsys.readouterr().err
    records = [json.loads(line) for line in scalars.read_text().splitlines()]
    assert [r["step"] for r in records] == sorted(r["step"] for r in records)
    assert records[-1]["step"] == 3 and len({r["step"] for r in records}) == len(records)


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (b"not json\n", "line 2"),
        (b"[1, 2]\n", "line 2"),
        (b'{"step": "two"}\n', "line 2"),
        (b"\xff\xfe\x00garbage\n", "UTF-8"),
    ],
    ids=["text", "list", "bad-step", "binary"],
)
def test_a_garbage_scalars_line_stops_resume_naming_the_line(
    trained_run: Path, capsys: pytest.CaptureFixture[str], damage: bytes, says: str
) -> None:
    """Not what a kill leaves: the user should see it rather than lose records silently."""
    scalars = trained_run / "scalars.jsonl"
    lines = scalars.read_bytes().splitlines(keepends=True)
    scalars.write_bytes(lines[0] + damage + b"".join(lines[1:]))
    argv = _resume(trained_run)
    assert_refused(train_cli.main, argv, capsys, trained_run.parent, "scalars.jsonl", says)


def test_a_scalars_folder_stops_resume(
    trained_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (trained_run / "scalars.jsonl").unlink()
    (trained_run / "scalars.jsonl").mkdir()
    assert_refused(
        train_cli.main, _resume(trained_run), capsys, trained_run.parent, "scalars.jsonl", "folder"
    )


STATUS_DAMAGE = {
    "list": b"[1, 2, 3]",
    "string-step": b'{"step": "12", "iters": 3}',
    "bool-iters": b'{"step": 1, "iters": true}',
    "text-losses": b'{"step": 1, "losses": {"loss_G": "high"}}',
    "losses-list": b'{"step": 1, "losses": [1]}',
    "not-json": b"{step: 1",
    "binary": b"\xff\xd8\xff\xe0",
    "folder": None,
    "negative-step": b'{"step": -5, "iters": 3}',
    "negative-elapsed": b'{"step": 1, "elapsed_s": -2.5}',
    "no-processes": b'{"step": 1, "world_size": 0}',
    "astronomic-step": b'{"step": 100000000000000000000, "iters": 3}',
}


def _damage_status(trained_run: Path, damage: bytes | None) -> None:
    (trained_run / "status.json").unlink()
    if damage is None:
        (trained_run / "status.json").mkdir()
    else:
        (trained_run / "status.json").write_bytes(damage)


@pytest.mark.parametrize("name", sorted(STATUS_DAMAGE))
@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_status_refuses_a_damaged_status_json(
    trained_run: Path, capsys: pytest.CaptureFixture[str], name: str, as_json: bool
) -> None:
    _damage_status(trained_run, STATUS_DAMAGE[name])
    argv = ["status", str(trained_run), *(["--json"] if as_json else [])]
    assert_refused(train_cli.main, argv, capsys, trained_run.parent, "status.json")


@pytest.mark.parametrize("name", ["list", "folder", "string-step", "negative-step"])
def test_resume_refuses_a_damaged_status_json_before_writing(
    trained_run: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    _damage_status(trained_run, STATUS_DAMAGE[name])
    assert_refused(train_cli.main, _resume(trained_run), capsys, trained_run.parent, "status.json")


# --- group 7: models and checkpoints that are not what the command needs -----------------


def test_encoder_refuses_a_cyclegan_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nets = {"G_A": ResnetGenerator(ngf=4, n_blocks=6), "G_B": ResnetGenerator(ngf=4, n_blocks=6)}
    ModelBundle.create("cyclegan", nets, {"name": "a2b"}).save(tmp_path / "a2b.safetensors")
    argv = ["encoder", "--model", "a2b.safetensors", "-o", "enc", "--iters", "1"]
    argv += ["--device", "cpu", "--workers", "0", "--synthetic-n", "8"]
    assert_refused(train_cli.main, argv, capsys, tmp_path, "a2b.safetensors", "DCGAN")


def test_export_refuses_a_pickled_checkpoint_in_one_line(
    trained_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    evil = trained_run.parent / "evil.pth"
    torch.save({"payload": argparse.Namespace(cmd="touch pwned")}, evil)
    argv = [
        "export",
        str(trained_run),
        "--checkpoint",
        str(evil),
        "-o",
        str(trained_run.parent / "m.safetensors"),
    ]
    line = assert_refused(train_cli.main, argv, capsys, trained_run.parent, "evil.pth", "pickle")
    assert "weights_only" not in line


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 torn zip", b"plain text"])
def test_export_refuses_an_unreadable_checkpoint_in_one_line(
    trained_run: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    bad = trained_run.parent / "bad.pt"
    bad.write_bytes(content)
    argv = [
        "export",
        str(trained_run),
        "--checkpoint",
        str(bad),
        "-o",
        str(trained_run.parent / "m.safetensors"),
    ]
    assert_refused(train_cli.main, argv, capsys, trained_run.parent, "bad.pt")


# --- group 7: --data stored resolved; old run folders with a relative one ----------------


def _stored_data(trained_run: Path) -> str:
    line = next(
        x for x in (trained_run / "config.toml").read_text().splitlines() if x.startswith("data")
    )
    return json.loads(line.split("=", 1)[1])


def test_a_new_run_stores_its_data_folder_resolved(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    for index in range(8):
        picture(tmp_path / "images" / f"{index}.png", seed=index, size=(36, 36))
    assert train_cli.main(["gan", "--data", "images", "-o", "run", "--iters", "1", *TINY_RUN]) == 0
    assert _stored_data(tmp_path / "run") == str((tmp_path / "images").resolve())


def test_an_old_run_with_a_relative_data_folder_resumes_from_elsewhere(
    trained_run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = trained_run / "config.toml"
    stored = _stored_data(trained_run)
    config.write_text(config.read_text().replace(json.dumps(stored), '"images"'))
    elsewhere = trained_run.parent / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert train_cli.main(["gan", "-o", "../run", "--resume", *RESUME]) == 0
    assert _stored_data(trained_run) == str((trained_run.parent / "images").resolve())


# --- group 8: leftovers of killed atomic writes --------------------------------------------


def _age(path: Path, seconds: float) -> Path:
    then = time.time() - seconds
    os.utime(path, (then, then), follow_symlinks=False)
    return path


def test_a_stale_part_file_is_removed_at_the_next_write_and_nothing_else(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    stale = folder / ".x.png.ab12cd_9.part"  # mkstemp's name, left by a killed process
    stale.write_bytes(b"half an image")
    fresh = folder / ".y.png.zz99yy88.part"  # a live writer's: newer than this process
    fresh.write_bytes(b"being written")
    not_ours = {
        "x.png.ab12cd34.part": b"not hidden",
        ".x.png.part": b"no random part",
        ".x.png.ab12cd345.part": b"nine characters",
        ".x.png.AB12CD34.part": b"upper case: not mkstemp's",
        ".x.png.ab12cd34.part.keep": b"a longer name",
        "notes.txt": b"the user's",
    }
    for name, data in not_ours.items():
        (folder / name).write_bytes(data)
    (folder / ".d.png.abcdefgh.part").mkdir()  # a folder with our name: not ours
    target = tmp_path / "linked.txt"
    target.write_bytes(b"linked")
    (folder / ".l.png.abcdefgh.part").symlink_to(target)  # a link: never followed or removed
    for path in [stale, *folder.iterdir(), target]:
        if path != fresh:
            _age(path, 3600)
    before = snapshot(folder)

    atomic_write_bytes(folder / "x.png", b"the new image")

    after = snapshot(folder)
    assert str(stale) not in after
    assert after.pop(str(folder / "x.png")) == b"the new image"
    before.pop(str(stale))
    assert after == before
    assert target.read_bytes() == b"linked"


def test_only_this_users_stale_parts_are_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = tmp_path / ".x.png.ab12cd34.part"
    stale.write_bytes(b"someone else's")
    _age(stale, 3600)
    monkeypatch.setattr(os, "getuid", lambda: os.stat(stale).st_uid + 1)
    assert remove_stale_parts(tmp_path) == []
    assert stale.exists()


def test_resume_removes_stale_parts_of_the_run_and_its_checkpoints(trained_run: Path) -> None:
    leftovers = [
        trained_run / ".status.json.abcd1234.part",
        trained_run / "checkpoints" / ".step-00000002.pt.q1w2e3r4.part",
    ]
    for path in leftovers:
        path.write_bytes(b"killed mid-write")
        _age(path, 3600)
    assert train_cli.main(_resume(trained_run)) == 0
    assert not any(path.exists() for path in leftovers)


# --- group 9: nonsense numbers -------------------------------------------------------------


@pytest.mark.parametrize("lr", ["nan", "-1", "-0.0002", "inf"])
def test_a_nonsense_learning_rate_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lr: str
) -> None:
    """Refused by the option's range (argparse's usage, then one error line)."""
    argv = ["gan", "-o", "out", "--lr", lr, *TINY_RUN, "--iters", "1", "--synthetic-n", "8"]
    before = snapshot(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        train_cli.main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "error:" in line]
    assert len(lines) == 1 and "--lr" in lines[0] and "Traceback" not in err
    assert snapshot(tmp_path) == before


def test_a_nonsense_learning_rate_in_a_config_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "c.toml").write_text("lr = nan\n")
    argv = ["gan", "-o", "out", "--config", "c.toml", *TINY_RUN, "--iters", "1"]
    assert_refused(train_cli.main, [*argv, "--synthetic-n", "8"], capsys, tmp_path, "lr")


# --- found by the sweep (benchmarks/hostile_sweep.py) -------------------------------------

TRANSLATOR_RUN = ["--size", "32", "--load-size", "32", "--ngf", "4", "--ndf", "4", "--iters",
                  "1", "--synthetic-n", "2", "--device", "cpu", "--workers", "0",
                  "--no-tensorboard", "--test-n", "1"]  # fmt: skip


@pytest.mark.parametrize("command", ["cyclegan", "pix2pix"])
def test_a_refused_init_from_leaves_no_run_folder_behind(
    trained_run: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    argv = [command, *TRANSLATOR_RUN, "--init-from", str(trained_run / "model.safetensors"),
            "-o", str(trained_run.parent / "new-run")]  # fmt: skip
    assert_refused(train_cli.main, argv, capsys, trained_run.parent, "gan model")


def test_a_run_whose_checkpoints_folder_is_a_file_is_refused_before_writing(
    trained_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for checkpoint in (trained_run / "checkpoints").iterdir():
        checkpoint.unlink()
    (trained_run / "checkpoints").rmdir()
    (trained_run / "checkpoints").write_text("not a folder")
    assert_refused(train_cli.main, _resume(trained_run), capsys, trained_run.parent, "checkpoints")


def test_export_refuses_a_fifo_checkpoint_instead_of_waiting(
    trained_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = trained_run.parent / "fifo.pt"
    os.mkfifo(fifo)
    argv = ["export", str(trained_run), "--checkpoint", str(fifo),
            "-o", str(trained_run.parent / "m.safetensors")]  # fmt: skip
    assert_refused(train_cli.main, argv, capsys, trained_run.parent, "not a regular file")


def test_eval_refuses_to_write_into_a_run_folder(
    trained_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["eval", str(trained_run / "model.safetensors"), "-o", str(trained_run), "-n", "8",
            "--device", "cpu"]  # fmt: skip
    assert_refused(train_cli.main, argv, capsys, trained_run.parent, "run")


@pytest.mark.parametrize("netg", ["resnet_0blocks", "resnet_65blocks"])
def test_a_resnet_without_blocks_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], netg: str
) -> None:
    argv = ["pix2pix", *TRANSLATOR_RUN, "--netG", netg, "-o", str(tmp_path / "run")]
    assert_refused(train_cli.main, argv, capsys, tmp_path, "1 to 64 blocks")


def test_an_empty_device_is_refused_not_taken_as_auto(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tiny = [*TINY_RUN[: TINY_RUN.index("--device")], "--no-tensorboard"]
    argv = ["gan", "--iters", "1", *tiny, "--device", "", "-o", str(tmp_path / "run")]
    assert_refused(train_cli.main, argv, capsys, tmp_path, "--device is empty")
