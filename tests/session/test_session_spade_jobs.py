"""The SPADE job of the result flow draws sketches as well as label maps: a sketch model
in a chosen style, named as Sketch to image, and each panel lists and accepts only the
SPADE models that read its input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ganpaint.edit.progress import CancelToken
from ganpaint.errors import GanpaintError
from ganpaint.session.models import ChosenModels
from ganpaint.session.semantic import SemanticRequest, StyleSources, make_semantic_job
from ganpaint.session.translating import panel_refusal, panel_runs


@pytest.fixture
def sketch_model(tmp_path: Path, save_sketch_spade) -> Path:
    return save_sketch_spade(tmp_path / "sketchy.safetensors")


def _sketch() -> np.ndarray:
    rgb = np.full((48, 64, 3), 255, np.uint8)
    rgb[16, :] = 0  # a horizon
    rgb[5:16, 32] = 0  # a tree
    return rgb


def _run(request: SemanticRequest, slot: ChosenModels):
    return make_semantic_job(request, slot)(lambda _p: None, CancelToken())


def test_a_sketch_job_draws_in_the_chosen_style_as_sketch_to_image(sketch_model: Path) -> None:
    slot, styles, base = ChosenModels(), StyleSources(), np.zeros((48, 64, 3), np.uint8)
    night = _run(styles.request("night", _sketch(), sketch_model, base, reads="sketch"), slot)
    assert night.candidates[0].shape == (48, 64, 3)
    assert night.label.startswith("Sketch to image (tiny-sketch, night style")
    assert night.accept_text == "Accept sketch to image"
    again = _run(styles.request("night", _sketch(), sketch_model, base, reads="sketch"), slot)
    assert np.array_equal(night.candidates[0], again.candidates[0])
    day = _run(styles.request("day", _sketch(), sketch_model, base, reads="sketch"), slot)
    assert not np.array_equal(night.candidates[0], day.candidates[0])
    mean = _run(styles.request("mean", _sketch(), sketch_model, base, reads="sketch"), slot)
    assert "style" not in mean.label  # the model's own light


def test_a_sketch_model_refuses_label_maps_and_a_request_names_what_it_reads(
    sketch_model: Path,
) -> None:
    labels = np.zeros((48, 64), np.uint8)
    request = SemanticRequest(labels, sketch_model, np.zeros((48, 64, 3), np.uint8))
    assert request.accept_text == "Accept image from labels"  # labels unless told
    with pytest.raises(GanpaintError, match="not label maps"):
        _run(request, ChosenModels())
    with pytest.raises(ValueError, match="reads must be one of"):
        SemanticRequest(labels, sketch_model, labels, reads="colours")


def test_each_panel_runs_the_spade_models_of_its_input(tmp_path: Path) -> None:
    sketch, labels = {"kind": "spade", "input_map": "sketch"}, {"kind": "spade"}
    pix2pix, cyclegan = {"kind": "pix2pix"}, {"kind": "cyclegan"}
    assert panel_runs("sketch", sketch) and panel_runs("sketch", pix2pix)
    assert panel_runs("sketch", cyclegan)  # as before SPADE: any translator may draw sketches
    assert not panel_runs("sketch", labels)
    assert panel_runs("labels", labels) and panel_runs("labels", pix2pix)
    assert not panel_runs("labels", sketch)
    assert not panel_runs("translate", sketch) and panel_runs("translate", cyclegan)
    path = tmp_path / "labels2scene.safetensors"
    said = panel_refusal("sketch", path, labels)
    assert said.startswith("labels2scene.safetensors is a SPADE model that draws label maps")
    assert "Semantic brushes" in said and said.count(".") == 2  # the file name's and the end
    assert "line sketches" in panel_refusal("labels", path, sketch)
    assert panel_refusal("sketch", path, sketch) == panel_refusal("sketch", path, pix2pix) == ""


def test_a_night_the_model_never_learned_goes_through_the_installed_day2night(
    sketch_model: Path,
) -> None:
    from ganpaint.models import load, resolve_model

    d2n = resolve_model(None, purpose="translate")  # the bundled day2night
    meta = dict(load(sketch_model).meta, lights=["day", "dusk"])
    styles, slot = StyleSources(), ChosenModels()
    base = np.zeros((48, 64, 3), np.uint8)
    request = styles.request(
        "night", _sketch(), sketch_model, base, translators={"night": d2n}, meta=meta,
        reads="sketch",
    )  # fmt: skip
    assert request.then == d2n and request.lights == ("day", "night")
    night = _run(request, slot)
    assert "night style: drawn by day, then day2night" in night.label
    day = _run(styles.request("day", _sketch(), sketch_model, base, reads="sketch"), slot)
    assert night.candidates[0].mean() < day.candidates[0].mean()
    # a model that knows the night draws it itself
    itself = styles.request("night", _sketch(), sketch_model, base,
                            translators={"night": d2n}, meta={}, reads="sketch")  # fmt: skip
    assert itself.then is None


def test_the_translator_for_night_is_the_default_translate_model_when_it_goes_there() -> None:
    from ganpaint.session.semantic import light_translators

    def entry(name: str, a: str, b: str, kind: str = "cyclegan") -> tuple:
        return (name, Path(f"/m/{name}.safetensors"),
                {"name": name, "kind": kind, "domains": {"A": a, "B": b}})  # fmt: skip

    horses = entry("horse2zebra", "horse", "zebra")
    mine, bundled = entry("my-night", "day", "night"), entry("day2night", "night", "day")
    assert light_translators([horses, mine, bundled])["night"][1] == "day2night"  # B→A
    assert light_translators([horses, mine])["night"] == (Path("/m/my-night.safetensors"),
                                                          "my-night")  # fmt: skip
    assert light_translators([horses]) == {}
    one_way = entry("night2day", "day", "night", kind="pix2pix")
    one_way[2]["direction"] = "BtoA"
    assert light_translators([one_way]) == {}
