"""Line sketches to pictures with a sketch SPADE model and a style picture
(`ganpaint.edit.semantic.image_from_sketch`), as Sketch to Image and `ganpaint sketch`
run them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from ganpaint.edit.semantic import (
    image_from_labels,
    image_from_sketch,
    reads_sketches,
    style_code,
    style_examples,
)
from ganpaint.errors import GanpaintError
from ganpaint.models.bundle import ModelBundle, load
from ganpaint.models.spade import SpadeGenerator
from ganpaint.models.style_guess import SpadeStyleGuess


@pytest.fixture
def sketch_model(tmp_path: Path, save_sketch_spade) -> ModelBundle:
    return load(save_sketch_spade(tmp_path / "sketch.safetensors")).eval()


def _with_guess(bundle: ModelBundle) -> ModelBundle:
    """`bundle` with a style guess whose code is far from 0 (a visibly other light)."""
    torch.manual_seed(0)
    guess = SpadeStyleGuess(label_nc=1, style_dim=8, ndf=4)
    with torch.no_grad():
        guess.code.bias.fill_(1.5)
    return ModelBundle.create("spade", {**bundle.nets, "S": guess}, bundle.meta).eval()


def _sketch(height: int = 48, width: int = 64) -> np.ndarray:
    """Dark lines on white, as the sketch layer becomes the model's input."""
    rgb = np.full((height, width, 3), 255, np.uint8)
    rgb[height // 3, :] = 0  # a horizon
    rgb[5 : height // 3, width // 2] = 0  # a tree
    return rgb


def test_a_sketch_model_draws_a_sketch_in_a_chosen_style_the_same_every_time(
    sketch_model: ModelBundle,
) -> None:
    bundle, examples = sketch_model, style_examples(64)
    assert reads_sketches(bundle.meta)
    day, night = style_code(bundle, examples["day"]), style_code(bundle, examples["night"])
    first = image_from_sketch(bundle, _sketch(), day)
    assert first.image.shape == (48, 64, 3) and first.image.dtype == np.uint8
    assert np.array_equal(first.image, image_from_sketch(bundle, _sketch(), day).image)
    assert not np.array_equal(first.image, image_from_sketch(bundle, _sketch(), night).image)
    # the lines steer the picture: another sketch, another picture
    other = _sketch()
    other[:, 10] = 0
    assert not np.array_equal(first.image, image_from_sketch(bundle, other, day).image)


def test_a_grey_sketch_reads_as_its_rgb_copy(sketch_model: ModelBundle) -> None:
    bundle, sketch = sketch_model, _sketch()
    grey = image_from_sketch(bundle, sketch[:, :, 0]).image
    assert np.array_equal(grey, image_from_sketch(bundle, sketch).image)


def test_without_a_style_a_model_with_a_guess_draws_the_light_the_sketch_suggests(
    sketch_model: ModelBundle,
) -> None:
    guessing, plain = _with_guess(sketch_model), sketch_model
    drawn = image_from_sketch(guessing, _sketch()).image
    assert np.array_equal(drawn, image_from_sketch(guessing, _sketch()).image)
    assert not np.array_equal(drawn, image_from_sketch(plain, _sketch()).image)


def test_a_sketch_larger_than_the_trained_scenes_is_made_smaller_and_scaled_back(
    sketch_model: ModelBundle,
) -> None:
    result = image_from_sketch(sketch_model, _sketch(300, 410))
    assert result.image.shape == (300, 410, 3)
    # the trained scene side is 40 (load 40, zoom 1): multiples of the generator's 16 near
    # it, in the sketch's aspect, never padded with blank paper
    assert result.working_size == (32, 48)
    small = image_from_sketch(sketch_model, _sketch(20, 30))  # scaled up to 2 x 2 cells
    assert small.image.shape == (20, 30, 3) and small.working_size == (32, 48)


def test_a_sketch_of_odd_size_or_smaller_than_the_generator_starts_from_still_draws(
    sketch_model: ModelBundle,
) -> None:
    for height, width in ((13, 21), (33, 47)):
        assert image_from_sketch(sketch_model, _sketch(height, width)).image.shape == (
            height, width, 3,
        )  # fmt: skip


def test_the_wrong_input_for_a_model_is_refused_in_one_sentence(
    sketch_model: ModelBundle,
) -> None:
    with pytest.raises(GanpaintError, match="draws line sketches, not label maps"):
        image_from_labels(sketch_model, np.zeros((32, 32), np.uint8))
    labels_model = ModelBundle.create(
        "spade", {"G": SpadeGenerator(ngf=4, n_up=3, style_dim=0, spade_hidden=8)}, {}
    )
    with pytest.raises(GanpaintError, match="draws label maps, not line sketches"):
        image_from_sketch(labels_model, _sketch())
    with pytest.raises(GanpaintError, match="RGB or grey image"):
        image_from_sketch(sketch_model, np.zeros((8, 8, 4), np.uint8))


def test_a_model_says_which_example_lights_it_learned() -> None:
    """A file that lists its lights offers those; one that does not (older files, a
    user's own photos) is taken to know all three."""
    from ganpaint.edit.semantic import EXAMPLE_STYLES, known_lights, unknown_light_message

    day_and_dusk = {"name": "edges2landscape", "lights": ["day", "dusk"]}
    assert known_lights(day_and_dusk) == ("day", "dusk")
    assert known_lights({}) == EXAMPLE_STYLES == known_lights({"lights": "all"})
    said = unknown_light_message("night", day_and_dusk)
    assert said.startswith("edges2landscape learned day and dusk light only")
    assert "day2night" in said and said.count(".") == 1


def test_a_light_the_model_never_learned_is_drawn_in_one_it_knows_for_a_translator() -> None:
    from ganpaint.edit.semantic import direction_between, light_to_translate_from

    assert light_to_translate_from("night", {"lights": ["day", "dusk"]}) == "day"
    assert light_to_translate_from("night", {"lights": ["dusk"]}) is None  # no day to start
    assert light_to_translate_from("night", {}) is None  # it knows the night
    assert light_to_translate_from("dusk", {"lights": ["day"]}) is None  # nothing reaches dusk
    day_night = {"domains": {"A": "day", "B": "night"}}
    assert direction_between({**day_night, "kind": "cyclegan"}, "day", "night") == "AtoB"
    assert direction_between({**day_night, "kind": "cyclegan"}, "night", "day") == "BtoA"
    one_way = {**day_night, "kind": "pix2pix", "direction": "BtoA"}
    assert direction_between(one_way, "night", "day") == "BtoA"
    assert direction_between(one_way, "day", "night") is None
    assert direction_between({**day_night, "kind": "spade"}, "day", "night") is None


def test_a_picture_is_carried_to_night_at_the_size_it_was_drawn_at(
    sketch_model: ModelBundle,
) -> None:
    """The translator runs on the picture at its drawing size (the scene scale it learned),
    and the result comes back at the sketch's size; a translator that does not go from day
    to night is refused in one sentence."""
    from ganpaint.edit.semantic import translated_to_light
    from ganpaint.models import ResnetGenerator

    torch.manual_seed(0)
    nets = {"G_A": ResnetGenerator(ngf=4, n_blocks=1), "G_B": ResnetGenerator(ngf=4, n_blocks=1)}
    meta = {"name": "tiny-d2n", "domains": {"A": "day", "B": "night"}, "resolution": 32}
    translator = ModelBundle.create("cyclegan", nets, meta).eval()
    seen: list[tuple[int, ...]] = []
    translator.nets["G_A"].register_forward_hook(lambda _m, args, _o: seen.append(args[0].shape))
    drawn = image_from_sketch(sketch_model, _sketch(96, 128))
    assert drawn.working_size != (96, 128)
    night = translated_to_light(drawn, translator, "day", "night")
    assert night.shape == (96, 128, 3) and not np.array_equal(night, drawn.image)
    assert seen and tuple(seen[-1][-2:]) == drawn.working_size
    with pytest.raises(GanpaintError, match="does not translate day to dusk") as said:
        translated_to_light(drawn, translator, "day", "dusk")
    assert str(said.value).count(".") == 1


def test_a_panorama_sketch_is_drawn_within_a_pixel_cap() -> None:
    """Memory does not grow with a sketch's length: an extreme panorama is drawn at no
    more than MAX_SKETCH_PIXELS, in sides the generator takes whole."""
    from ganpaint.edit.semantic import MAX_SKETCH_PIXELS, sketch_size

    meta = {"training": {"config": {"load_size": 143, "zoom": 1.0}}}
    height, width = sketch_size((200, 2_000_000), meta, 64)
    assert height * width <= MAX_SKETCH_PIXELS and height % 64 == width % 64 == 0
    assert height >= 128 and width > 10 * height  # still a panorama
    assert sketch_size((512, 512), meta, 64) == (128, 128)  # ordinary sketches as before
