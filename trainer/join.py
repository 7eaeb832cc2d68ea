"""Join two one-way translators into one model that translates both ways.

Why: the app offers a CycleGAN model's two directions (day -> night and night -> day)
from one file, and where the data come in pairs (the procedural scenes render each scene
by day and by night) each direction trains better as pix2pix, with L1 to the known
counterpart and a discriminator that sees the input, than through CycleGAN's cycle loss:
two unpaired retrains of day2night lost to the bundled model on L1 and realism. Two
pix2pix runs, one per direction, joined here into a "cyclegan" file (G_A: A -> B,
G_B: B -> A), keep the app's two-way translation with the better generators.

The joined file runs as a CycleGAN's does: at full size, tile by tile. That suits
ResNet generators, which look at a neighbourhood (the bundled day2night); a U-Net that
draws a whole scene from where things sit (the sketch and label models) does better
left as a pix2pix file, which the app runs at its trained scale.
"""

from __future__ import annotations

from typing import Any

from ganpaint.errors import GanpaintError
from ganpaint.models.bundle import ModelBundle


def _way(bundle: ModelBundle, role: str) -> tuple[str, str]:
    """(input domain, output domain) of a one-way pix2pix model, or a GanpaintError."""
    if bundle.kind != "pix2pix":
        raise GanpaintError(
            f"The {role} model is a {bundle.kind} model; join takes two one-way pix2pix models."
        )
    domains = bundle.meta["domains"]
    a, b = str(domains["A"]), str(domains["B"])
    return (b, a) if bundle.meta.get("direction") == "BtoA" else (a, b)


def join_translators(
    forward: ModelBundle, backward: ModelBundle, name: str | None = None
) -> ModelBundle:
    """One two-way model: `forward` translates A -> B (its G becomes G_A) and `backward`
    B -> A (G_B). Refused unless `backward` undoes `forward`'s domains and channels."""
    source, target = _way(forward, "first")
    back_from, back_to = _way(backward, "second")
    if (back_from, back_to) != (target, source):
        raise GanpaintError(
            f"The second model translates {back_from} -> {back_to}, not {target} -> {source} "
            f"(the first translates {source} -> {target}); pass the models of the two ways "
            "of one pair."
        )
    g_a, g_b = forward.nets["G"], backward.nets["G"]
    if (g_a.config["input_nc"], g_a.config["output_nc"]) != (
        g_b.config["output_nc"],
        g_b.config["input_nc"],
    ):
        raise GanpaintError(
            f"The models' channels do not match: {g_a.config['input_nc']} -> "
            f"{g_a.config['output_nc']} and {g_b.config['input_nc']} -> "
            f"{g_b.config['output_nc']}; pass the models of the two ways of one pair."
        )
    meta: dict[str, Any] = {
        "name": name or forward.meta.get("name", ""),
        "domains": {"A": source, "B": target},
        "direction": "AtoB",
        "resolution": forward.resolution,
        "joined": "G_A and G_B trained apart as pix2pix models (ganpaint-train join)",
        # what the forward run recorded (its data and config say what the model knows and
        # how it was trained), with the backward run's record beside it
        "training": {**forward.meta["training"], "reverse": backward.meta["training"]},
    }
    if forward.meta.get("knows"):
        meta["knows"] = forward.meta["knows"]
    nets = {"G_A": g_a, "G_B": g_b}
    for way, bundle in (("A", forward), ("B", backward)):
        if "S" in bundle.nets:  # a star layer goes with its generator
            nets[f"S_{way}"] = bundle.nets["S"]
    return ModelBundle.create("cyclegan", nets, meta)
