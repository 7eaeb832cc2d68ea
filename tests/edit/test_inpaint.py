"""Semantic inpainting: the paper's loss terms, the paper config, and whole-photo behaviour."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from ganpaint.edit.blend import blend_footprint
from ganpaint.edit.gan import GanModel
from ganpaint.edit.inpaint import InpaintConfig, choose_method, hole_thickness, inpaint
from ganpaint.edit.inversion import InversionConfig
from ganpaint.edit.losses import contextual_loss, importance_weights, prior_loss
from ganpaint.edit.progress import Cancelled, CancelToken, Progress
from ganpaint.errors import MaskError, ModelFileError
from ganpaint.terminal import ProgressBar

FAST = InpaintConfig(
    inversion=InversionConfig(restarts=3, iters=12, early_stop=False, init="encoder", log_every=4)
)


def _photo(height: int = 40, width: int = 56, seed: int = 0) -> np.ndarray:
    """A smooth photo-like image (gradients plus a blob): Poisson blending behaves on it."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    rng = np.random.default_rng(seed)
    base = np.stack([x / width * 200, y / height * 180, (x + y) / (width + height) * 150], 2)
    blob = ((y - height / 2) ** 2 + (x - width / 3) ** 2 < (height / 5) ** 2)[..., None] * 50
    return np.clip(base + blob + rng.normal(0, 3, base.shape), 0, 255).astype(np.uint8)


# --- the loss terms ---------------------------------------------------------------------


def test_importance_weights_match_a_hand_computed_example() -> None:
    hole = np.zeros((9, 9), bool)
    hole[4:6, 4:6] = True  # rows 4-5, cols 4-5
    known = torch.from_numpy(~hole).float()
    weights = importance_weights(known, window=7)
    assert weights.shape == (9, 9)
    assert torch.all(weights[4:6, 4:6] == 0)  # the hole itself
    assert weights[3, 3] == pytest.approx(4 / 49)  # window rows 0-6, cols 0-6: all 4
    assert weights[1, 1] == pytest.approx(1 / 49)  # rows -2..4, cols -2..4: only (4, 4)
    assert weights[2, 8] == pytest.approx(2 / 49)  # rows -1..5, cols 5..11: (4, 5), (5, 5)
    assert weights[8, 8] == pytest.approx(1 / 49)  # rows 5..11, cols 5..11: (5, 5)
    assert weights[0, 0] == 0  # rows -3..3, cols -3..3: no hole pixel
    assert weights[8, 0] == 0  # rows 5..11, cols -3..3: none (cols stop at 3)
    assert weights[6, 1] == pytest.approx(2 / 49)  # rows 3..9, cols -2..4: (4, 4), (5, 4)
    # Batched input gives the same map.
    batched = importance_weights(known[None, None], window=7)
    assert torch.equal(batched[0, 0], weights)


def test_importance_weights_window_is_configurable() -> None:
    known = torch.ones(5, 5)
    known[2, 2] = 0
    weights = importance_weights(known, window=3)
    assert weights[1, 1] == pytest.approx(1 / 9)
    assert weights[0, 0] == 0
    assert weights[2, 2] == 0
    with pytest.raises(ValueError, match="odd"):
        importance_weights(known, window=4)


def test_contextual_loss_weights_each_pixel_before_summing() -> None:
    target = torch.zeros(1, 3, 4, 4)
    weights = torch.zeros(1, 1, 4, 4)
    weights[0, 0, 0, 0] = 0.5
    weights[0, 0, 1, 1] = 0.25
    images = torch.zeros(2, 3, 4, 4)
    images[0, :, 0, 0] = 1.0  # error where the weight is 0.5, in all 3 channels
    images[1, :, 3, 3] = -2.0  # error only where the weight is 0 (a hole pixel)
    images[1, 0, 1, 1] = 4.0  # and one channel where it is 0.25
    loss = contextual_loss(images, target, weights)
    assert loss.shape == (2,)
    assert loss[0] == pytest.approx(3 * 0.5)
    assert loss[1] == pytest.approx(4.0 * 0.25)


def test_paper_prior_falls_as_the_discriminator_believes_more() -> None:
    logits = torch.tensor([-5.0, -1.0, 0.0, 1.0, 5.0])
    paper = prior_loss(logits, "paper")
    assert torch.all(paper[1:] < paper[:-1])
    # log(1 - sigmoid(l)), computed stably
    torch.testing.assert_close(paper, torch.log1p(-torch.sigmoid(logits)), atol=1e-5, rtol=1e-5)
    nonsaturating = prior_loss(logits, "nonsaturating")
    assert torch.all(nonsaturating[1:] < nonsaturating[:-1])
    torch.testing.assert_close(nonsaturating, -torch.log(torch.sigmoid(logits)))
    assert torch.equal(prior_loss(logits, "none"), torch.zeros(5))
    extreme = prior_loss(torch.tensor([-200.0, 200.0]), "paper")
    assert torch.isfinite(extreme).all()
    assert extreme[1] == pytest.approx(-200.0)


def test_paper_config_is_the_published_one() -> None:
    paper = InpaintConfig.paper()
    inv = paper.inversion
    assert inv.restarts == 1
    assert inv.iters == 1500
    assert inv.bound == "clip"
    assert not inv.early_stop
    assert inv.schedule == "constant"
    assert inv.warmup == 0
    assert inv.init == "random"
    assert inv.lr_at(0) == inv.lr_at(1499) == inv.lr
    assert paper.lam == 0.003
    assert paper.window == 7
    assert paper.prior == "paper"
    default = InpaintConfig()
    # The default is the fast one: far fewer steps, several restarts in one batch.
    assert default.inversion.restarts * default.inversion.iters <= 1500 / 4
    assert default.inversion.restarts > 1
    assert default.lam == 0.003
    assert default.window == 7


# --- whole photos -----------------------------------------------------------------------


def test_inpainting_changes_only_pixels_in_and_near_the_hole(gan) -> None:
    photo = _photo()
    hole = np.zeros(photo.shape[:2], bool)
    hole[14:22, 20:30] = True
    result = inpaint(photo, hole, gan, FAST)
    assert result.method == "gan"
    assert result.image.shape == photo.shape
    assert result.image.dtype == np.uint8
    changed = (result.image != photo).any(axis=2)
    assert changed[hole].mean() > 0.5
    assert not (changed & ~blend_footprint(hole)).any()
    assert photo[0, 0].tolist() == _photo()[0, 0].tolist()  # the input is untouched
    assert result.steps == 12
    assert set(result.losses) == {"context", "prior", "total"}
    assert result.timings["total"] >= result.timings["optimise"] > 0


@pytest.mark.parametrize("mode", ["mixed", "feather", "none"])
def test_every_blend_mode_keeps_far_pixels(gan, mode) -> None:
    photo = _photo()
    hole = np.zeros(photo.shape[:2], bool)
    hole[10:16, 30:37] = True
    result = inpaint(photo, hole, gan, FAST, blend_mode=mode)
    changed = (result.image != photo).any(axis=2)
    assert not (changed & ~blend_footprint(hole)).any()
    if mode == "none":
        assert not (changed & ~hole).any()


def test_a_hole_at_the_border(gan) -> None:
    photo = _photo()
    hole = np.zeros(photo.shape[:2], bool)
    hole[:7, -9:] = True  # the top-right corner
    result = inpaint(photo, hole, gan, FAST)
    changed = (result.image != photo).any(axis=2)
    assert changed[hole].mean() > 0.5
    assert not (changed & ~blend_footprint(hole)).any()


def test_a_hole_covering_the_whole_image_returns_samples(gan) -> None:
    photo = _photo(20, 28)
    hole = np.ones(photo.shape[:2], bool)
    result = inpaint(photo, hole, gan, FAST)
    assert result.image.shape == photo.shape
    assert result.steps == 0  # nothing known: samples ranked by D, no optimisation
    assert set(result.losses) == {"prior", "total"}
    assert len(result.candidates) > 1
    assert not np.array_equal(result.candidates[0], result.candidates[1])
    no_d = dataclasses.replace(gan, D=None)
    plain = inpaint(photo, hole, no_d, FAST)
    assert plain.image.shape == photo.shape


def test_two_holes_are_filled_in_their_own_regions(gan) -> None:
    photo = _photo(48, 64)
    hole = np.zeros(photo.shape[:2], bool)
    hole[4:9, 4:9] = True
    hole[36:43, 50:58] = True
    updates: list[Progress] = []
    result = inpaint(photo, hole, gan, FAST, progress=updates.append)
    assert len(result.regions) == 2
    assert len(result.inversions) == 2
    assert len(result.history) == 2
    changed = (result.image != photo).any(axis=2)
    assert changed[4:9, 4:9].any()
    assert changed[36:43, 50:58].any()
    assert not (changed & ~blend_footprint(hole)).any()
    steps = [u.step for u in updates]
    assert steps == sorted(steps)
    per_hole = FAST.inversion.iters + FAST.refine.steps  # the latent search, then G's tuning
    assert updates[-1].step == updates[-1].total == 2 * per_hole
    assert {u.message for u in updates} >= {"Refining hole 1 of 2", "Refining hole 2 of 2"}
    # Previews come a few times a second (each scales the region up to the photo), and
    # the last report always has one.
    previews = [u.preview for u in updates if u.preview is not None]
    assert previews and all(preview.shape == photo.shape for preview in previews)
    assert updates[-1].preview is not None


def test_a_progress_that_shows_no_pictures_gets_no_previews(gan) -> None:
    """The terminal's bar shows no pictures: making previews for it during the search
    and the tuning (a region scaled up to a 12-megapixel photo a few times a second)
    would be time lost. The fill is the same."""
    photo = _photo(48, 64)
    hole = np.zeros(photo.shape[:2], bool)
    hole[16:30, 20:36] = True
    updates: list[Progress] = []

    def blind(update: Progress) -> None:
        updates.append(update)

    blind.shows_previews = False  # type: ignore[attr-defined]
    result = inpaint(photo, hole, gan, FAST, progress=blind)
    searching = [u for u in updates if u.message.startswith(("Inpainting hole", "Refining"))]
    assert len(searching) > 3 and all(u.preview is None for u in searching)
    shown = inpaint(photo, hole, gan, FAST, progress=lambda update: None)
    assert np.array_equal(result.image, shown.image)
    assert ProgressBar("inpaint").report.shows_previews is False  # type: ignore[attr-defined]


def test_candidates_are_distinct_full_size_images(gan) -> None:
    photo = _photo()
    hole = np.zeros(photo.shape[:2], bool)
    hole[12:24, 18:32] = True
    config = dataclasses.replace(FAST, candidates=3)
    result = inpaint(photo, hole, gan, config)
    assert 1 <= len(result.candidates) <= 3
    assert result.candidates[0] is result.image
    for candidate in result.candidates:
        assert candidate.shape == photo.shape
        assert candidate.dtype == np.uint8
    for i in range(len(result.candidates)):
        for j in range(i):
            assert not np.array_equal(result.candidates[i], result.candidates[j])


def test_a_greyscale_model_inpaints_an_rgb_photo(grey_gan) -> None:
    photo = _photo()
    hole = np.zeros(photo.shape[:2], bool)
    hole[14:22, 20:30] = True
    pasted = dataclasses.replace(FAST, synthesis=None)  # G's own pixels, not the photo's
    result = inpaint(photo, hole, grey_gan, pasted, blend_mode="none")
    assert result.image.shape == photo.shape
    filled = result.image[hole].astype(int)
    assert (filled[:, 0] == filled[:, 1]).all() and (filled[:, 1] == filled[:, 2]).all()
    # With the synthesis, the grey fill only guides: the texture is the photo's, in colour.
    synthesised = inpaint(photo, hole, grey_gan, FAST)
    assert synthesised.image.shape == photo.shape
    assert (synthesised.image[~hole] == photo[~hole]).all()


def test_inpainting_recovers_what_the_generator_can_make(gan, reachable) -> None:
    """On a photo G itself made, inversion fills the hole far better than a random start."""
    _, photo = reachable(gan)
    hole = np.zeros(photo.shape[:2], bool)
    hole[5:10, 6:11] = True
    config = InpaintConfig(
        inversion=InversionConfig(restarts=4, iters=80, lr=0.05, early_stop=False, init="random")
    )
    result = inpaint(photo, hole, gan, config, blend_mode="none")
    start = dataclasses.replace(config, inversion=dataclasses.replace(config.inversion, iters=0))
    before = inpaint(photo, hole, gan, start, blend_mode="none")
    error = np.abs(result.image.astype(int) - photo)[hole].mean()
    error_before = np.abs(before.image.astype(int) - photo)[hole].mean()
    assert error < 0.5 * error_before
    history = result.history[0]
    assert history[-1] < history[0]


def test_same_seed_same_result_and_the_seed_matters(gan) -> None:
    photo = _photo()
    hole = np.zeros(photo.shape[:2], bool)
    hole[14:22, 20:30] = True
    config = dataclasses.replace(FAST, inversion=dataclasses.replace(FAST.inversion, init="random"))
    first = inpaint(photo, hole, gan, config.with_seed(1))
    second = inpaint(photo, hole, gan, config.with_seed(1))
    other = inpaint(photo, hole, gan, config.with_seed(2))
    assert np.array_equal(first.image, second.image)
    assert first.losses == second.losses
    assert not np.array_equal(first.image, other.image)


def test_cancel_stops_within_one_step(gan) -> None:
    photo = _photo()
    hole = np.zeros(photo.shape[:2], bool)
    hole[14:22, 20:30] = True
    token = CancelToken()
    seen: list[int] = []
    calls = 0
    original = gan.G.forward

    def counting(z: torch.Tensor) -> torch.Tensor:
        nonlocal calls
        calls += 1
        return original(z)

    gan.G.forward = counting  # type: ignore[method-assign]

    def progress(update: Progress) -> None:
        seen.append(update.step)
        if update.step >= 3:
            token.cancel()

    config = dataclasses.replace(
        FAST, inversion=dataclasses.replace(FAST.inversion, iters=50, log_every=1)
    )
    with pytest.raises(Cancelled):
        inpaint(photo, hole, gan, config, progress=progress, cancel=token)
    assert max(seen) == 3
    assert calls <= 3 + 1


# --- OpenCV and the choice of method ----------------------------------------------------


@pytest.mark.parametrize("method", ["telea", "ns"])
def test_opencv_methods_need_no_model(method) -> None:
    photo = _photo()
    hole = np.zeros(photo.shape[:2], bool)
    hole[10:20, 10:20] = True
    result = inpaint(photo, hole, None, method=method)
    assert result.method == method
    assert result.image.shape == photo.shape
    changed = (result.image != photo).any(axis=2)
    assert not (changed & ~hole).any()
    assert result.candidates[0] is result.image


def test_auto_uses_opencv_for_hair_thin_masks_patches_without_a_model_the_gan_otherwise(
    gan,
) -> None:
    photo = _photo()
    scratch = np.zeros(photo.shape[:2], bool)
    scratch[20, 5:50] = True
    scratch[21, 5:50] = True  # a 2 px scratch
    assert hole_thickness(scratch) <= 3
    assert choose_method(scratch, gan, FAST) == "telea"
    assert inpaint(photo, scratch, gan, FAST, method="auto").method == "telea"
    blob = np.zeros(photo.shape[:2], bool)
    blob[10:22, 10:24] = True
    assert hole_thickness(blob) > 3
    assert choose_method(blob, gan, FAST) == "gan"
    assert choose_method(blob, None, FAST) == "patch"
    assert inpaint(photo, blob, None, FAST, method="auto").method == "patch"


# --- errors a user can cause ------------------------------------------------------------


def test_an_empty_mask_is_a_mask_error(gan) -> None:
    photo = _photo()
    with pytest.raises(MaskError, match=r"^The mask is empty: paint over what should be filled\.$"):
        inpaint(photo, np.zeros(photo.shape[:2], bool), gan)


def test_a_mask_of_another_size_names_both_sizes(gan) -> None:
    photo = _photo(40, 56)
    with pytest.raises(MaskError, match=r"30×20.*56×40"):
        inpaint(photo, np.ones((20, 30), bool), gan)


def test_the_gan_method_without_a_model_is_a_clear_error() -> None:
    photo = _photo()
    hole = np.zeros(photo.shape[:2], bool)
    hole[5:10, 5:10] = True
    with pytest.raises(ModelFileError, match="needs a GAN model"):
        inpaint(photo, hole, None, method="gan")


def test_from_bundle_refuses_other_kinds(gan) -> None:
    class Bundle:
        def __init__(self, kind: str) -> None:
            self.meta = {"kind": kind, "nz": 8, "resolution": 16}
            self.nets = {"G": gan.G, "D": gan.D}

    with pytest.raises(ModelFileError, match="not a GAN"):
        GanModel.from_bundle(Bundle("cyclegan"))
    model = GanModel.from_bundle(Bundle("gan"))
    assert model.nz == 8 and model.resolution == 16 and model.E is None
    assert model.latent == "uniform"


def test_from_bundle_reads_a_real_gan_bundle() -> None:
    from ganpaint.models.bundle import ModelBundle
    from ganpaint.models.dcgan import DCGANDiscriminator, DCGANEncoder, DCGANGenerator

    nets = {
        "G": DCGANGenerator(nz=6, ngf=4, nc=1, image_size=32),
        "D": DCGANDiscriminator(ndf=4, nc=1, image_size=32),
        "E": DCGANEncoder(nz=6, ndf=4, nc=1, image_size=32),
    }
    model = GanModel.from_bundle(ModelBundle("gan", nets, {"latent": "normal"}))
    assert (model.nz, model.resolution, model.channels, model.latent) == (6, 32, 1, "normal")
    assert model.G is nets["G"] and model.D is nets["D"] and model.E is nets["E"]
    with torch.no_grad():
        images = model.generate(torch.zeros(2, 6))
    assert images.shape == (2, 1, 32, 32)
    assert model.logits(images).shape == (2,)
    assert model.encode(images).shape == (2, 6)


def test_the_methods_without_a_gan_never_load_torch() -> None:
    """`--method patch`, telea and ns start at once: importing torch alone takes seconds."""
    import subprocess
    import sys

    script = (
        "import sys, numpy as np\n"
        "from ganpaint.edit.inpaint import inpaint\n"
        "photo = np.random.default_rng(0).integers(0, 255, (48, 64, 3), dtype=np.uint8)\n"
        "hole = np.zeros((48, 64), bool); hole[20:30, 25:40] = True\n"
        "for method in ('patch', 'telea', 'ns'):\n"
        "    out = inpaint(photo, hole, None, method=method).image\n"
        "    assert (out[~hole] == photo[~hole]).all()\n"
        "print('torch' in sys.modules)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True
    )
    assert run.stdout.strip() == "False", run.stderr
