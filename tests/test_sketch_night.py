"""benchmarks/sketch_night.py: the app's Night for a sketch model that learned none,
scored on held-out scenes beside the model's own night and a model trained on nights."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import torch

from ganpaint.models import ModelBundle, ResnetGenerator, load

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "sketch_night.py"


def _main(argv: list[str]) -> int:
    sys.path.insert(0, str(SCRIPT.parent))
    spec = importlib.util.spec_from_file_location("sketch_night", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    threads = torch.get_num_threads()
    try:
        return module.main(argv)
    finally:
        torch.set_num_threads(threads)
        sys.path.remove(str(SCRIPT.parent))


def test_the_night_paths_are_scored_side_by_side(save_sketch_spade, tmp_path: Path, capsys):
    day_and_dusk = load(save_sketch_spade(tmp_path / "sketch.safetensors"))
    day_and_dusk.meta["lights"] = ["day", "dusk"]
    model = day_and_dusk.save(tmp_path / "day-dusk.safetensors")
    candidate = save_sketch_spade(tmp_path / "nights.safetensors", name="nights", seed=2)
    torch.manual_seed(0)
    nets = {"G_A": ResnetGenerator(ngf=4, n_blocks=1), "G_B": ResnetGenerator(ngf=4, n_blocks=1)}
    meta = {"name": "tiny-d2n", "domains": {"A": "day", "B": "night"}, "resolution": 32}
    translator = ModelBundle.create("cyclegan", nets, meta).save(tmp_path / "d2n.safetensors")
    grid = tmp_path / "grid.png"
    argv = ["--model", str(model), "--translator", str(translator), "--candidate",
            str(candidate), "--images", "2", "--threads", "1", "--grid", str(grid)]  # fmt: skip
    assert _main(argv) == 0
    table = capsys.readouterr().out
    assert "tiny-sketch, day example, then tiny-d2n" in table
    assert "nights, the night example's style" in table and "true night's own style" in table
    assert grid.is_file()
    # a model that learned nights itself has no translated path to score
    assert _main(["--model", str(candidate), "--translator", str(translator), "--images", "1"]) == 2
