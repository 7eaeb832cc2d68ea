"""The edit commands as a user runs them: results on disk, and every user error exits 2
with one line on stderr and no output file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from ganpaint.cli import main
from ganpaint.imageio import load_image, save_image, save_mask
from ganpaint.models import (
    DCGANDiscriminator,
    DCGANEncoder,
    DCGANGenerator,
    ModelBundle,
    ResnetGenerator,
    UnetGenerator,
)


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GANPAINT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    torch.set_num_threads(1)


@pytest.fixture
def gan(tmp_path: Path) -> Path:
    torch.manual_seed(0)
    nets = {
        "G": DCGANGenerator(nz=8, ngf=4, image_size=32),
        "D": DCGANDiscriminator(ndf=4, image_size=32),
        "E": DCGANEncoder(nz=8, ndf=4, image_size=32),
    }
    return ModelBundle.create("gan", nets, {"name": "tiny"}).save(tmp_path / "tiny.safetensors")


@pytest.fixture
def cyclegan(tmp_path: Path) -> Path:
    torch.manual_seed(0)
    nets = {
        "G_A": ResnetGenerator(ngf=4, n_blocks=6),
        "G_B": ResnetGenerator(ngf=4, n_blocks=6),
    }
    meta = {"name": "a2b", "domains": {"A": "a", "B": "b"}}
    return ModelBundle.create("cyclegan", nets, meta).save(tmp_path / "a2b.safetensors")


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:70, 0:90]
    base = np.stack([x * 2, y * 3, (x + y)], axis=-1).astype(np.uint8)
    noisy = np.clip(base + rng.integers(0, 20, base.shape), 0, 255).astype(np.uint8)
    return save_image(tmp_path / "photo.png", noisy)


@pytest.fixture
def mask(tmp_path: Path) -> Path:
    hole = np.zeros((70, 90), bool)
    hole[20:40, 30:55] = True
    return save_mask(tmp_path / "mask.png", hole)


def _one_line_error(capsys: pytest.CaptureFixture[str], *needles: str) -> None:
    err = capsys.readouterr().err.strip().splitlines()
    errors = [line for line in err if line.startswith("ganpaint: error:")]
    assert len(errors) == 1, err
    for needle in needles:
        assert needle in errors[0]


def test_inpaint_writes_the_filled_photo_and_candidates(
    gan: Path, photo: Path, mask: Path, tmp_path: Path
) -> None:
    argv = ["inpaint", str(photo), "--mask", str(mask), "-o", "out.png", "--model", str(gan)]
    assert main([*argv, "--iters", "5", "--restarts", "2", "--candidates", "cands"]) == 0
    out = load_image(tmp_path / "out.png").rgb
    original = load_image(photo).rgb
    assert out.shape == original.shape
    assert not np.array_equal(out[20:40, 30:55], original[20:40, 30:55])
    assert np.array_equal(out[:5], original[:5])  # far from the hole: untouched
    assert sorted(p.name for p in (tmp_path / "cands").iterdir())[0] == "candidate-00.png"


def test_inpaint_refine_steps_zero_turns_tuning_off(
    gan: Path, photo: Path, mask: Path, tmp_path: Path
) -> None:
    # Without the synthesis, whose texture comes from the photo, the GAN's own fill shows.
    argv = ["inpaint", str(photo), "--mask", str(mask), "--model", str(gan), "--iters", "5"]
    argv += ["--synthesis", "off"]
    assert main([*argv, "-o", "tuned.png", "--refine-steps", "20"]) == 0
    assert main([*argv, "-o", "plain.png", "--refine-steps", "0"]) == 0
    tuned = load_image(tmp_path / "tuned.png").rgb
    plain = load_image(tmp_path / "plain.png").rgb
    assert not np.array_equal(tuned[20:40, 30:55], plain[20:40, 30:55])
    assert np.array_equal(tuned[:5], plain[:5])


@pytest.mark.parametrize("value", ["-3", "two"])
def test_inpaint_refuses_a_bad_refine_step_count(
    value: str, photo: Path, mask: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["inpaint", str(photo), "--mask", str(mask), "-o", "out.png", "--refine-steps", value]
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert len(errors) == 1 and "--refine-steps" in errors[0] and "0 to 10000" in errors[0]
    assert not (tmp_path / "out.png").exists()


def test_inpaint_a_folder_with_one_mask_for_all(photo: Path, mask: Path, tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("a.png", "b.jpg"):
        save_image(folder / name, load_image(photo).rgb)
    argv = ["inpaint", str(folder), "--mask", str(mask), "-o", "filled", "--method", "telea"]
    assert main(argv) == 0
    assert sorted(p.name for p in (tmp_path / "filled").iterdir()) == ["a.png", "b.png"]


def test_translate_keeps_the_size_of_any_photo(cyclegan: Path, tmp_path: Path) -> None:
    odd = save_image(tmp_path / "odd.png", np.full((37, 53, 3), 90, np.uint8))
    argv = ["translate", str(odd), "-o", "t.png", "--model", str(cyclegan)]
    assert main([*argv, "--direction", "BtoA"]) == 0
    assert load_image(tmp_path / "t.png").rgb.shape == (37, 53, 3)


def test_translate_draws_a_models_stars_unless_told_no_stars(
    cyclegan: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ganpaint.models import load
    from ganpaint.models.stars import StarHead

    monkeypatch.chdir(tmp_path)
    bundle, head = load(cyclegan), StarHead(width=4)
    with torch.no_grad():  # a gain high everywhere: stars wherever they fall
        head.gain_net[-1].bias.fill_(4.0)
    starry = tmp_path / "starry.safetensors"
    ModelBundle.create("cyclegan", {**bundle.nets, "S_A": head}, bundle.meta).save(starry)
    photo = save_image(tmp_path / "p.png", np.full((48, 64, 3), 90, np.uint8))
    for name, extra in (("plain.png", ["--no-stars"]), ("starry.png", [])):
        assert main(["translate", str(photo), "-o", name, "--model", str(starry), *extra]) == 0
    plain, starry_out = (
        load_image(tmp_path / n).rgb.astype(int) for n in ("plain.png", "starry.png")
    )
    assert (starry_out - plain > 40).mean() > 0.005
    assert main(["translate", str(photo), "-o", "again.png", "--model", str(starry)]) == 0
    assert np.array_equal(load_image(tmp_path / "again.png").rgb, starry_out)  # the same stars
    assert (load_image(photo).rgb == 90).all()  # the photo is untouched


def test_sketch_runs_a_scene_model_at_its_trained_scale_unless_told_full(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    torch.manual_seed(0)
    meta = {
        "name": "tiny-sketch",
        "domains": {"A": "edges", "B": "photo"},
        "training": {"config": {"load_size": 32, "size": 32}},
    }
    model = ModelBundle.create(
        "pix2pix", {"G": UnetGenerator(3, 3, num_downs=5, ngf=4)}, meta
    ).save(tmp_path / "sketch.safetensors")
    sketch = np.full((128, 96, 3), 255, np.uint8)
    sketch[60:63, 10:90] = 0
    source = save_image(tmp_path / "sketch.png", sketch)
    argv = ["sketch", str(source), "--model", str(model), "--precision", "fp32"]
    assert main([*argv, "-o", "trained.png"]) == 0
    assert main([*argv, "-o", "full.png", "--scale", "full"]) == 0
    trained = load_image(tmp_path / "trained.png").rgb
    full = load_image(tmp_path / "full.png").rgb
    assert trained.shape == full.shape == sketch.shape
    assert not np.array_equal(trained, full)
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "-o", "bad.png", "--scale", "half"])
    assert exit_info.value.code == 2
    assert "--scale" in capsys.readouterr().err
    assert not (tmp_path / "bad.png").exists()


def test_translate_precision_fp32_is_the_exact_full_precision_result(
    cyclegan: Path, tmp_path: Path
) -> None:
    from ganpaint.edit.translate import translate
    from ganpaint.models import load

    rng = np.random.default_rng(0)
    photo = rng.integers(0, 256, (40, 48, 3), dtype=np.uint8)
    save_image(tmp_path / "p.png", photo)
    argv = ["translate", "p.png", "--model", str(cyclegan)]
    assert main([*argv, "-o", "fp32.png", "--precision", "fp32"]) == 0
    assert main([*argv, "-o", "bf16.png", "--precision", "bf16"]) == 0
    exact = translate(photo, load(cyclegan).nets["G_A"], amp=False).image
    np.testing.assert_array_equal(load_image(tmp_path / "fp32.png").rgb, exact)
    bf16 = load_image(tmp_path / "bf16.png").rgb.astype(int)
    assert 0 < np.abs(bf16 - exact).mean() < 6


def test_sample_and_generate(gan: Path, tmp_path: Path) -> None:
    assert main(["sample", "--model", str(gan), "-n", "4", "-o", "grid.png"]) == 0
    assert load_image(tmp_path / "grid.png").width == 2 * 32 + 3 * 2
    strokes = np.zeros((32, 32, 3), np.uint8)
    alpha = np.zeros((32, 32), np.uint8)
    strokes[:8] = (40, 90, 200)
    alpha[:8] = 255
    save_image(tmp_path / "strokes.png", strokes, alpha=alpha)
    argv = ["generate", "--model", str(gan), "--colors", "strokes.png", "-o", "gen.png"]
    assert main([*argv, "--restarts", "2", "--iters", "3", "--morph", "morph"]) == 0
    assert load_image(tmp_path / "gen.png").rgb.shape == (32, 32, 3)
    assert len(list((tmp_path / "morph").iterdir())) == 16


def test_generate_into_a_photo_changes_only_the_masked_part(
    gan: Path, photo: Path, tmp_path: Path
) -> None:
    """`generate --photo --mask` runs the app's generation inside a mask: strokes drawn at
    the photo's size, the result blended into the photo, the rest of it unchanged."""
    picture = load_image(photo).rgb
    strokes = np.zeros((70, 90, 3), np.uint8)
    alpha = np.zeros((70, 90), np.uint8)
    strokes[25:45, 30:60] = (40, 90, 200)
    alpha[25:45, 30:60] = 255
    save_image(tmp_path / "strokes.png", strokes, alpha=alpha)
    hole = np.zeros((70, 90), bool)
    hole[20:50, 25:65] = True
    save_mask(tmp_path / "hole.png", hole)
    argv = ["generate", "--model", str(gan), "--colors", "strokes.png", "--photo", str(photo)]
    argv += ["--mask", "hole.png", "-o", "into.png", "--restarts", "2", "--iters", "3"]
    assert main([*argv, "--candidates", "cands"]) == 0
    out = load_image(tmp_path / "into.png").rgb
    assert out.shape == picture.shape
    from ganpaint.edit.blend import blend_margin

    far = np.ones((70, 90), bool)
    reach = blend_margin(hole.shape) + 1
    far[20 - reach : 50 + reach, 25 - reach : 65 + reach] = False
    np.testing.assert_array_equal(out[far], picture[far])
    assert not np.array_equal(out[hole], picture[hole])
    assert len(list((tmp_path / "cands").iterdir())) >= 1


def test_generate_mask_without_a_photo_is_one_line(gan: Path, tmp_path: Path, capsys) -> None:
    save_mask(tmp_path / "hole.png", np.ones((8, 8), bool))
    save_image(tmp_path / "edges.png", np.full((8, 8, 3), 255, np.uint8))
    argv = ["generate", "--model", str(gan), "--edges", "edges.png", "--mask", "hole.png"]
    assert main([*argv, "-o", "x.png"]) == 2
    assert "--photo" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize(
    ("case", "needles"),
    [
        ("missing image", ("nothere.png", "does not exist")),
        ("empty mask", ("is empty",)),
        ("mask size", ("10×10", "90×70")),
        ("text as image", ("notes.png",)),
        ("bad output name", ("out.txt",)),
        ("missing model", ("nomodel",)),
        ("wrong kind", ("gan model", "cyclegan or pix2pix")),
        ("no bundled default", ("No bundled model",)),
        ("one-way direction", ()),
        ("no strokes", ("--colors",)),
    ],
)
def test_user_errors_exit_2_with_one_line_and_no_output(
    case: str,
    needles: tuple[str, ...],
    gan: Path,
    cyclegan: Path,
    photo: Path,
    mask: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if case == "no bundled default":  # an install whose bundled models were removed
        (tmp_path / "no-models").mkdir()
        monkeypatch.setattr(
            "ganpaint.models.catalog.bundled_models_dir", lambda: tmp_path / "no-models"
        )
    empty = save_mask(tmp_path / "empty.png", np.zeros((70, 90), bool))
    small = save_mask(tmp_path / "small.png", np.ones((10, 10), bool))
    (tmp_path / "notes.png").write_text("not an image")
    one_way = ModelBundle.create(
        "pix2pix", {"G": ResnetGenerator(ngf=4, n_blocks=6)}, {"name": "oneway"}
    ).save(tmp_path / "oneway.safetensors")
    inpaint = ["inpaint", str(photo), "--mask", str(mask), "-o", "out.png", "--model", str(gan)]
    translate = ["translate", str(photo), "-o", "out.png"]
    argv = {
        "missing image": ["inpaint", "nothere.png", "--mask", str(mask), "-o", "out.png"],
        "empty mask": [*inpaint[:3], str(empty), *inpaint[4:]],
        "mask size": [*inpaint[:3], str(small), *inpaint[4:]],
        "text as image": ["inpaint", "notes.png", "--mask", str(mask), "-o", "out.png"],
        "bad output name": [*inpaint[:4], "-o", "out.txt", "--method", "telea"],
        "missing model": [*inpaint[:6], "--model", "nomodel"],
        "wrong kind": ["translate", str(photo), "-o", "out.png", "--model", str(gan)],
        "no bundled default": inpaint[:6],
        "one-way direction": [*translate, "--model", str(one_way), "--direction", "BtoA"],
        "no strokes": ["generate", "--model", str(gan), "-o", "out.png"],
    }[case]
    assert main(argv) == 2
    _one_line_error(capsys, *needles)
    assert not (tmp_path / "out.png").exists()
    assert not (tmp_path / "out.txt").exists()


def test_inpaint_patch_method_needs_no_model_and_prints_its_stages(
    photo: Path, mask: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["inpaint", str(photo), "--mask", str(mask), "-o", "out.png", "--method", "patch"]
    assert main([*argv, "--model", str(tmp_path / "no-such-model.safetensors")]) == 0
    out = load_image(tmp_path / "out.png").rgb
    original = load_image(photo).rgb
    assert not np.array_equal(out[20:40, 30:55], original[20:40, 30:55])
    hole = np.zeros(original.shape[:2], bool)
    hole[20:40, 30:55] = True
    assert np.array_equal(out[~hole], original[~hole])
    assert "(patch, 0 steps; synthesis" in capsys.readouterr().err


@pytest.mark.parametrize("method", ["patch", "telea"])
def test_a_method_without_a_gan_still_refuses_an_unknown_device(
    method: str, photo: Path, mask: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["inpaint", str(photo), "--mask", str(mask), "-o", "out.png", "--method", method]
    assert main([*argv, "--device", "gpu0"]) == 2
    _one_line_error(capsys, "Unknown device 'gpu0'")
    assert not (tmp_path / "out.png").exists()


def test_inpaint_synthesis_off_pastes_the_gan_fill(
    gan: Path, photo: Path, mask: Path, tmp_path: Path
) -> None:
    argv = ["inpaint", str(photo), "--mask", str(mask), "--model", str(gan), "--iters", "3"]
    assert main([*argv, "-o", "on.png", "--refine-steps", "0"]) == 0
    assert main([*argv, "-o", "off.png", "--refine-steps", "0", "--synthesis", "off"]) == 0
    on, off = load_image(tmp_path / "on.png").rgb, load_image(tmp_path / "off.png").rgb
    assert not np.array_equal(on[20:40, 30:55], off[20:40, 30:55])


@pytest.mark.parametrize(("option", "value"), [("--method", "magic"), ("--synthesis", "maybe")])
def test_inpaint_refuses_a_bad_method_or_synthesis_switch(
    option: str,
    value: str,
    photo: Path,
    mask: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["inpaint", str(photo), "--mask", str(mask), "-o", "out.png", option, value]
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert len(errors) == 1 and value in errors[0]
    assert not (tmp_path / "out.png").exists()


@pytest.fixture
def spade(tmp_path: Path) -> Path:
    from ganpaint.models.spade import SpadeGenerator, SpadeStyleEncoder

    torch.manual_seed(0)
    nets = {
        "G": SpadeGenerator(ngf=4, n_up=3, style_dim=8, spade_hidden=8, out_upsample=2),
        "E": SpadeStyleEncoder(ndf=4, style_dim=8, image_size=32, n_layers=3),
    }
    meta = {"name": "tiny-spade", "training": {"config": {"load_size": 48, "zoom": 2.0}}}
    return ModelBundle.create("spade", nets, meta).save(tmp_path / "spade.safetensors")


@pytest.fixture
def label_map(tmp_path: Path) -> Path:
    from ganpaint.labels import GRASS, MOUNTAIN, SKY, WATER, colorize_labels

    ids = np.full((60, 80), SKY, np.uint8)
    ids[25:40, 10:60], ids[40:], ids[45:52, 20:70] = MOUNTAIN, GRASS, WATER
    return save_image(tmp_path / "labels.png", colorize_labels(ids))


def test_sketch_with_a_style_draws_a_label_map_in_that_light(
    spade: Path, label_map: Path, tmp_path: Path
) -> None:
    from ganpaint.edit.semantic import style_examples

    argv = ["sketch", str(label_map), "--model", str(spade)]
    save_image(tmp_path / "mine.png", style_examples(40)["dusk"])
    assert main([*argv, "-o", "night.png", "--style", "night"]) == 0
    assert main([*argv, "-o", "again.png", "--style", "night"]) == 0
    assert main([*argv, "-o", "mine.png.out.png", "--style", str(tmp_path / "mine.png")]) == 0
    assert main([*argv, "-o", "plain.png"]) == 0
    night = load_image(tmp_path / "night.png").rgb
    assert night.shape == (60, 80, 3)
    assert np.array_equal(night, load_image(tmp_path / "again.png").rgb)
    assert not np.array_equal(night, load_image(tmp_path / "mine.png.out.png").rgb)
    assert not np.array_equal(night, load_image(tmp_path / "plain.png").rgb)


def test_sketch_refuses_a_style_it_cannot_use_and_a_photo_for_a_label_map(
    spade: Path, label_map: Path, photo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    torch.manual_seed(0)
    meta = {"name": "tiny-labels", "domains": {"A": "labels", "B": "photo"}}
    pix2pix = ModelBundle.create(
        "pix2pix", {"G": UnetGenerator(3, 3, num_downs=5, ngf=4)}, meta
    ).save(tmp_path / "labels-p2p.safetensors")
    cases = [
        (["sketch", str(label_map), "--model", str(pix2pix), "--style", "day"], "needs a SPADE"),
        (["sketch", str(photo), "--model", str(spade)], "not a label map"),
        (["sketch", str(label_map), "--model", str(spade), "--style", "nowhere.png"], "nowhere"),
    ]
    before = sorted(p.name for p in tmp_path.iterdir())
    for argv, needle in cases:
        assert main([*argv, "-o", "out.png"]) == 2
        _one_line_error(capsys, needle)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


@pytest.fixture
def sketch_spade(tmp_path: Path, save_sketch_spade) -> Path:
    return save_sketch_spade(tmp_path / "sketch.safetensors")


def test_sketch_with_a_style_draws_a_line_sketch_in_that_light(
    sketch_spade: Path, tmp_path: Path
) -> None:
    lines = np.full((60, 80, 3), 255, np.uint8)
    lines[25, :], lines[10:25, 40] = 0, 0  # a horizon and a tree
    sketch = save_image(tmp_path / "sketch.png", lines)
    argv = ["sketch", str(sketch), "--model", str(sketch_spade)]
    assert main([*argv, "-o", "day.png", "--style", "day"]) == 0
    assert main([*argv, "-o", "night.png", "--style", "night"]) == 0
    assert main([*argv, "-o", "again.png", "--style", "night"]) == 0
    night = load_image(tmp_path / "night.png").rgb
    assert night.shape == (60, 80, 3)
    assert np.array_equal(night, load_image(tmp_path / "again.png").rgb)
    assert not np.array_equal(night, load_image(tmp_path / "day.png").rgb)


def test_sketch_draws_a_night_the_model_never_learned_by_day_then_through_day2night(
    sketch_spade: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from ganpaint.models.bundle import load as load_bundle

    bundle = load_bundle(sketch_spade)
    bundle.meta["lights"] = ["day", "dusk"]
    day_and_dusk = bundle.save(tmp_path / "day-and-dusk.safetensors")
    lines = np.full((48, 64, 3), 255, np.uint8)
    lines[20, :] = 0
    sketch = save_image(tmp_path / "sketch.png", lines)
    argv = ["sketch", str(sketch), "--model", str(day_and_dusk)]
    assert main([*argv, "-o", "night.png", "--style", "night"]) == 0
    said = capsys.readouterr().err
    assert "learned no night: drawing it by day, then translating it with day2night" in said
    assert main([*argv, "-o", "day.png", "--style", "day"]) == 0
    night, day = (load_image(tmp_path / f"{n}.png").rgb for n in ("night", "day"))
    assert night.shape == day.shape == (48, 64, 3)
    assert night.mean() < day.mean()  # the bundled day2night darkened the day picture


def test_sketch_refuses_an_example_light_the_model_never_learned(
    sketch_spade: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Night from a model that knows no day either: nothing to translate from."""
    from ganpaint.models.bundle import load as load_bundle

    bundle = load_bundle(sketch_spade)
    bundle.meta["lights"] = ["dusk"]
    dusk = bundle.save(tmp_path / "dusk.safetensors")
    lines = np.full((48, 64, 3), 255, np.uint8)
    lines[20, :] = 0
    sketch = save_image(tmp_path / "sketch.png", lines)
    argv = ["sketch", str(sketch), "--model", str(dusk), "-o", "out.png"]
    assert main([*argv, "--style", "night"]) == 2
    _one_line_error(capsys, "learned dusk light only")
    assert not (tmp_path / "out.png").exists()
    assert main([*argv, "--style", "dusk"]) == 0
