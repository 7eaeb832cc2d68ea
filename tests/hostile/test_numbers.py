"""Hostile numbers: every numeric option of `ganpaint` and `ganpaint-train` (and every
number in a trainer config file) has a documented range, checked before any work.

Out of range: exit 2, one `error:` line, no traceback, the folder as it was. Options a
multiplier of memory (`sample -n`, a huge photo) are also estimated against the memory
limit first. Edge values inside the ranges run and give a correct result.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_destinations import (  # noqa: F401 (fixtures: _isolated, work)
    GENERATE,
    INPAINT,
    SAMPLE,
    TINY_RUN,
    TRANSLATE,
    _isolated,
    assert_refused,
    work,
)

from ganpaint import cli as ganpaint_cli
from ganpaint.imageio import load_image
from ganpaint.memory import MEMORY_ENV
from ganpaint.ranges import MAX_SEED, RANGES, check
from trainer import cli as train_cli

Main = Callable[[Sequence[str]], int]


@pytest.fixture
def folder(work: Path) -> Path:  # noqa: F811 (the fixture imported above)
    """test_destinations' folder: a photo, a mask, strokes and tiny models."""
    return work


def exits(main: Main) -> Main:
    """`main`, with argparse's SystemExit turned into the exit status it carries."""

    def run(argv: Sequence[str]) -> int:
        try:
            return main(argv)
        except SystemExit as stop:
            return int(stop.code or 0)

    return run


GANPAINT = exits(ganpaint_cli.main)
TRAIN = exits(train_cli.main)
SYNTH = ["synth", "landscapes", "-o", "data", "-n", "2"]
GAN = ["gan", "-o", "run", *TINY_RUN, "--iters", "1", "--synthetic-n", "8"]
BIG = str(2**70)


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        ([*INPAINT, "-o", "o.png", "--restarts", "100000"], "--restarts"),
        ([*INPAINT, "-o", "o.png", "--restarts", "0"], "--restarts"),
        ([*INPAINT, "-o", "o.png", "--iters", "1000000"], "--iters"),
        ([*INPAINT, "-o", "o.png", "--refine-steps", "1e23"], "--refine-steps"),
        ([*INPAINT, "-o", "o.png", "--refine-steps", "100000"], "--refine-steps"),
        ([*INPAINT, "-o", "o.png", "--seed", BIG], "--seed"),
        ([*INPAINT, "-o", "o.png", "--seed", "-1"], "--seed"),
        ([*GENERATE, "-o", "o.png", "--restarts", "100000"], "--restarts"),
        ([*SAMPLE, "-o", "o.png", "-n", "100000000"], "-n"),
        ([*SAMPLE, "-o", "o.png", "-n", "1000000"], "-n"),
        ([*SAMPLE, "-o", "o.png", "--seed", BIG], "--seed"),
        ([*SAMPLE, "-o", "o.png", "--interpolate", "0", BIG], "--interpolate"),
        ([*TRANSLATE, "-o", "o.png", "--tile", "100000"], "--tile"),
        ([*TRANSLATE, "-o", "o.png", "--tile", "nan"], "--tile"),
    ],
)
def test_a_ganpaint_number_out_of_range_is_refused(
    folder: Path, capsys: pytest.CaptureFixture[str], argv: list[str], option: str
) -> None:
    line = assert_refused(GANPAINT, argv, capsys, folder, option)
    assert " to " in line and "--help" in line


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        ([*GAN, "--workers", "-1"], "--workers"),
        ([*GAN, "--workers", "100000"], "--workers"),
        ([*GAN, "--ngf", "100000"], "--ngf"),
        ([*GAN, "--ndf", "0"], "--ndf"),
        ([*GAN, "--nz", "-5"], "--nz"),
        ([*GAN, "--seed", BIG], "--seed"),
        ([*GAN, "--max-minutes", "inf"], "--max-minutes"),
        ([*GAN, "--ema", "1.5"], "--ema"),
        ([*GAN, "--gp-weight", "-1"], "--gp-weight"),
        ([*SYNTH, "--size", "100000"], "--size"),
        (["synth", "landscapes", "-o", "data", "-n", "0"], "-n"),
        (["cyclegan", "-o", "run", "--pool-size", "-1"], "--pool-size"),
        (["cyclegan", "-o", "run", "--zoom", "100"], "--zoom"),
        (["pix2pix", "-o", "run", "--lambda-l1", "-1"], "--lambda-l1"),
        (["pix2pix", "-o", "run", "--n-epochs", "-1"], "--n-epochs"),
        (["eval", "run", "-o", "report", "-n", "1000000000"], "--samples"),
    ],
)
def test_a_trainer_number_out_of_range_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], option: str
) -> None:
    assert_refused(TRAIN, argv, capsys, tmp_path, option)


@pytest.mark.parametrize(("key", "value"), [("ngf", 100000), ("workers", -1), ("lr", 5.0)])
def test_a_config_file_number_out_of_range_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str, value: object
) -> None:
    """A config file passes the same table as the flags."""
    (tmp_path / "c.toml").write_text(f"{key} = {value}\n")
    assert_refused(TRAIN, [*GAN, "--config", "c.toml"], capsys, tmp_path, key, "c.toml")


def test_the_largest_seed_runs(folder: Path) -> None:
    argv = [*SAMPLE[:-1], "1", "-o", "s.png", "--seed", str(MAX_SEED)]
    assert GANPAINT(argv) == 0
    assert load_image(folder / "s.png").size == (32, 32)


def test_a_sample_grid_over_the_memory_limit_is_refused(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MEMORY_ENV, "0.0001")  # 100 KiB: 4096 samples of 32 px need 73 MiB
    argv = [*SAMPLE[:-1], "4096", "-o", "s.png"]
    assert_refused(GANPAINT, argv, capsys, folder, "MiB", "-n", MEMORY_ENV)


def test_a_photo_whose_translation_is_over_the_memory_limit_is_refused(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 16000² case, scaled down: the estimate is refused before any allocation."""
    monkeypatch.setenv(MEMORY_ENV, "0.00001")  # 10 KiB
    assert_refused(GANPAINT, [*TRANSLATE, "-o", "o.png"], capsys, folder, "photo.png", "smaller")


def test_a_nonsense_memory_limit_is_one_line(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MEMORY_ENV, "lots")
    assert_refused(GANPAINT, [*TRANSLATE, "-o", "o.png"], capsys, folder, MEMORY_ENV)


def _number_options(parser: argparse.ArgumentParser) -> Iterator[tuple[str, argparse.Action]]:
    """(command, action) for every option of `parser` and its subcommands with a type."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _number_options(sub)
        elif action.type is not None and action.type not in (str, Path):
            yield parser.prog, action


@pytest.mark.parametrize("build", [ganpaint_cli.build_parser, train_cli.build_parser])
def test_every_numeric_option_has_a_documented_range(
    build: Callable[[], argparse.ArgumentParser],
) -> None:
    options = list(_number_options(build()))
    assert len(options) > 10
    for command, action in options:
        if action.choices:  # a fixed list (e.g. --channels 1 or 3) is its own range
            continue
        where = f"{command} {action.option_strings}"
        assert getattr(action.type, "__name__", "") in RANGES, where
        bounds = RANGES[action.type.__name__]  # type: ignore[union-attr]
        assert action.help and f" to {bounds.describe().rsplit(' ', 1)[-1]}" in action.help, where


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    command=st.sampled_from(
        [
            (ganpaint_cli, ["sample", "-o", "s.png", "-n"], "sample_n"),
            (ganpaint_cli, ["inpaint", "p.png", "--mask", "m.png", "-o", "o.png", "--restarts"],
             "restarts"),
            (ganpaint_cli, ["translate", "p.png", "-o", "o.png", "--tile"], "tile"),
            (train_cli, ["gan", "-o", "run", "--workers"], "workers"),
            (train_cli, ["gan", "-o", "run", "--seed"], "seed"),
        ]
    ),
    value=st.one_of(
        st.integers(-(2**80), 2**80),
        st.integers(-2, 5000),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.text(max_size=6),
    ),
)  # fmt: skip
def test_random_option_values_parse_within_range_or_exit_2(
    command: tuple[object, list[str], str], value: object
) -> None:
    """Parsing only (fast): in range, the value is the number given; else exit 2."""
    module, argv, key = command
    text = str(value)
    parser = module.build_parser()  # type: ignore[attr-defined]
    try:
        args = parser.parse_args([*argv, text])
    except SystemExit as stop:
        assert stop.code == 2
        assert not (isinstance(value, int) and RANGES[key].contains(value))
        return
    parsed = next(getattr(args, a) for a in ("n", "restarts", "tile", "workers", "seed")
                  if getattr(args, a, None) is not None)  # fmt: skip
    check(key, parsed, "flag")
    assert parsed == int(text)
