"""SPADE training (Park et al., CVPR 2019): label maps or sketches to photos, with a
style encoder.

The data are aligned pairs whose A is a label map drawn in `ganpaint.labels`'
palette and whose B is the photo (`synthetic:landscapes:labels2photo`, or a folder in
the aligned layout). A becomes class indices on the device, by nearest palette colour;
a colour far from every palette colour (say black, "void") is no class and its pixel
steers nothing. Folder label maps are resized with nearest neighbours, never blended.
With `input_map = "sketch"` (`synthetic:landscapes:edges2photo`, or a folder of
sketch|photo pairs) A is a line sketch, dark on white, and G reads its ink: one
channel, 1 on a line and 0 on blank paper, in place of the one-hot map. A sketch, like
a label map, does not say whether the scene is at noon or at dusk; the style input is
what lets the model stop guessing.

The losses are the paper's, as its reference implementation weighs them:
- hinge loss: D on mean(relu(1 - D(real))) + mean(relu(1 + D(fake))), G on -mean(D(fake))
  times lambda_gan (1; 0 trains the feature-matching-only twin),
  each averaged over the D scales;
- feature matching: L1 between D's features of the fake and the real pair at every D
  layer but the last, summed, times lambda_feat (10) / number of scales;
- L1 to the photo times lambda_l1 (0, the paper: it has a VGG loss instead, which
  needs a pretrained network; a positive weight stands in for it);
- with the style encoder E (`style_dim` > 0): the style code is mu + eps * sigma of
  E(photo), and G pays lambda_kld (0.05) x KL(N(mu, sigma) || N(0, 1)), summed as the
  reference does. E trains with G's optimiser. `--style-dim 0` trains G alone.
No VGG loss: no pretrained network can be downloaded. Adam with TTUR: G at lr / 2, D
at 2 x lr (1e-4 and 4e-4 for the reference's lr 2e-4), betas (0, 0.9); the linear
decay of `trainer.translation`. Per step G is updated first, then D on the same fake
(the reference draws it again with the updated G: a third forward pass, skipped here).
The export is a "spade" bundle with G, D and E (see `ganpaint.models.spade`).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn
from torch.utils.data import Dataset

from ganpaint.convert import image_to_tensor
from ganpaint.errors import DatasetError
from ganpaint.labels import LABEL_NAMES, LABEL_PALETTE
from ganpaint.landscapes import check_pair
from ganpaint.models.bundle import ModelBundle
from ganpaint.models.spade import (
    INPUT_MAPS,
    NORMS,
    OUT_UPSAMPLES,
    MultiscaleDiscriminator,
    SpadeGenerator,
    SpadeStyleEncoder,
    one_hot_labels,
)
from trainer.config import ConfigError, LoopConfig
from trainer.data.folder import ImageFolderDataset
from trainer.data.paired import (
    aligned_test_set,
    default_load_size,
    open_aligned,
    split_ab,
    squash,
)
from trainer.data.source import is_synthetic, read_folder
from trainer.data.zoom import zoomed
from trainer.distributed import DistContext
from trainer.gan import make_adam
from trainer.runtime import Runtime, set_requires_grad
from trainer.synth import parse_synthetic_spec
from trainer.task import Task
from trainer.translation import TestSetCache, make_scheduler, settle_epochs, step_losses

CLASSES = len(LABEL_NAMES)
#: A colour counts as a class when it is this close (Euclidean, in 0..255 RGB) to the
#: class's palette colour: under half the smallest gap between two palette colours
#: (114), so no colour is within reach of two classes; farther colours are no class.
LABEL_TOLERANCE = 48.0
MAX_D_LAYERS = 6  # MultiscaleDiscriminator's limit
SAMPLE_COUNT = 4
MIN_STYLE_CELLS = 4  # the style encoder shrinks its input to at least 4 x 4 cells


@dataclasses.dataclass
class SpadeConfig(LoopConfig):
    """`ganpaint-train spade`: the paper's losses and optimiser, nets sized for a CPU."""

    data: str = "synthetic:landscapes:labels2photo"
    size: int = 128  # the crop the nets train on: a multiple of 2^n_up
    load_size: int = 0  # 0: round(size * 286 / 256), as the translators
    flip: bool = True
    zoom: float = 1.0  # scale augmentation, as `pix2pix --zoom`
    synthetic_n: int = 1000
    ngf: int = 16  # G's width (its widest block is 16 x ngf); E's too, as the reference
    spade_hidden: int = 64  # hidden width of each SPADE layer (the paper's 128)
    n_up: int = 5  # upsamplings: G starts from the label map at 1/2^n_up of the size
    # 2: G's last block works at half size and one full-size conv draws the picture (a
    # quarter of the work, for the live mode); 1: the paper's full-size last block.
    out_upsample: int = 2
    style_dim: int = 64  # style code length; 0: no style encoder, no style input
    norm: str = "instance"  # G's parameter-free normalisation: instance or batch
    ndf: int = 32
    num_d: int = 2  # discriminators at 1, 1/2, ... of the size
    n_layers_d: int = 4  # layers of each PatchGAN (the reference's 4)
    lambda_feat: float = 10.0
    lambda_kld: float = 0.05
    # 0: G learns from feature matching (and KL) alone, no adversarial term: the
    # non-adversarial twin a trained model is compared with (D still trains, for its features)
    lambda_gan: float = 1.0
    # L1 between G's picture and the photo whose style G was given: the stand-in for the
    # paper's VGG loss (lambda 10), which needs a pretrained network that cannot be
    # downloaded. With the photo's own style code the target is not ambiguous, so L1
    # does not pull G to a blurry average the way it does in pix2pix. 0: the paper.
    lambda_l1: float = 0.0
    lr: float = 2e-4  # TTUR: G trains at lr / 2, D at 2 x lr
    beta1: float = 0.0
    beta2: float = 0.9
    n_epochs: int = 100  # epochs at the initial learning rate
    n_epochs_decay: int = 100  # epochs of linear decay to 0
    iters: int = 0  # 0: (n_epochs + n_epochs_decay) epochs of the training set
    batch: int = 1
    log_every: int = 100
    checkpoint_every: int = 2000
    test_every: int = 0  # steps between test-set outputs; 0: every 5 epochs
    test_n: int = 8
    name: str = ""
    # What A is: "labels" (palette label maps), "sketch" (dark lines on white, one channel
    # of ink); "": the synthetic pair's A (labels2photo, edges2photo), labels for a folder.
    input_map: str = ""

    def resolved(self) -> SpadeConfig:
        """Check what the ranges table cannot (sizes that fit the nets); fill the load size."""
        if not self.data:
            raise ConfigError("Pass --data DIR or --data synthetic:landscapes:labels2photo.")
        if self.norm not in NORMS:
            raise ConfigError(f"Unknown --norm {self.norm!r}; use {' or '.join(NORMS)}.")
        if self.out_upsample not in OUT_UPSAMPLES:
            raise ConfigError(f"--out-upsample must be 1 or 2, not {self.out_upsample}.")
        for name in ("size", "batch", "ngf", "ndf", "spade_hidden", "n_up", "num_d",
                     "n_layers_d", "synthetic_n", "test_n"):  # fmt: skip
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive, not {getattr(self, name)}.")
        for name in ("style_dim", "iters", "test_every", "load_size", "n_epochs",
                     "n_epochs_decay", "lambda_feat", "lambda_kld", "lambda_gan",
                     "lambda_l1", "lr"):  # fmt: skip
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must not be negative, not {getattr(self, name)}.")
        if self.n_epochs + self.n_epochs_decay <= 0:
            raise ConfigError("n_epochs + n_epochs_decay must be at least 1.")
        if self.n_layers_d > MAX_D_LAYERS:
            raise ConfigError(
                f"--n-layers-d must be from 1 to {MAX_D_LAYERS} for SPADE, not {self.n_layers_d}."
            )
        multiple = 2**self.n_up * self.out_upsample
        if self.size % multiple:
            raise ConfigError(
                f"--n-up {self.n_up} with --out-upsample {self.out_upsample} needs --size to "
                f"be a multiple of {multiple}, not {self.size}."
            )
        if self.size < 2 * multiple:
            raise ConfigError(
                f"--size must be at least {2 * multiple} for --n-up {self.n_up} with "
                f"--out-upsample {self.out_upsample} (G starts from 2 x 2 cells), not {self.size}."
            )
        if not 1 <= self.zoom < math.inf:
            raise ConfigError(f"--zoom must be at least 1 (1 = off), not {self.zoom}.")
        load = self.load_size or default_load_size(self.size)
        if load < self.size:
            raise ConfigError(f"--load-size {load} is smaller than --size {self.size}.")
        return dataclasses.replace(self, load_size=load, input_map=self._input_map())

    def _input_map(self) -> str:
        """labels or sketch: as given, else what the synthetic pair's A is."""
        if self.input_map and self.input_map not in INPUT_MAPS:
            raise ConfigError(
                f"Unknown --input-map {self.input_map!r}; use {' or '.join(INPUT_MAPS)}."
            )
        if not is_synthetic(self.data):
            return self.input_map or "labels"
        try:
            pair = parse_synthetic_spec(self.data).pair
            kind = check_pair(pair)[0] if pair is not None else None
        except DatasetError as error:
            raise ConfigError(str(error)) from None
        if kind not in INPUT_MAPS:
            raise ConfigError(
                f"--data {self.data}: SPADE learns from label maps or sketches; use "
                "synthetic:landscapes:labels2photo, labels2scene, edges2photo, edges2scene or "
                "a folder of label|photo pairs."
            )
        if self.input_map and self.input_map != kind:
            raise ConfigError(
                f"--input-map {self.input_map} does not match --data {self.data}, whose "
                f"inputs are {kind} maps."
            )
        return kind

    def for_data(self, samples: int, world_size: int) -> SpadeConfig:
        return settle_epochs(self, samples, world_size)


# -- label maps ---------------------------------------------------------------------------
def _palette(device: torch.device) -> torch.Tensor:
    """The classes' display colours (CLASSES, 3), float 0..255."""
    return torch.tensor(LABEL_PALETTE.tolist(), dtype=torch.float32, device=device)


def label_indices(images: torch.Tensor) -> torch.Tensor:
    """Label maps drawn in the palette (N, 3, H, W) in [-1, 1] -> class ids (N, H, W) int64.

    Each pixel takes the nearest palette colour's class; a pixel farther than
    LABEL_TOLERANCE from every palette colour gets CLASSES (no class, see one_hot_labels).
    """
    rgb = (images.float() + 1) * 127.5
    palette = _palette(images.device)
    distance = (rgb[:, None] - palette[None, :, :, None, None]).square().sum(2)  # N, K, H, W
    nearest, ids = distance.min(1)
    return torch.where(nearest <= LABEL_TOLERANCE**2, ids, torch.full_like(ids, CLASSES))


def sketch_ink(images: torch.Tensor) -> torch.Tensor:
    """Sketches (N, C, H, W) in [-1, 1], dark lines on white -> ink (N, 1, H, W) in [0, 1]:
    1 on a black line, 0 on white paper, so blank paper steers nothing, as an unlabelled
    pixel does in a label map."""
    grey = images.float().mean(1, keepdim=True)
    return ((1 - grey) / 2).clamp(0, 1)


def colour_labels(ids: torch.Tensor) -> torch.Tensor:
    """Class ids (N, H, W) -> their palette colours (N, 3, H, W) in [-1, 1]; no class black."""
    palette = _palette(ids.device)
    palette = torch.cat([palette, palette.new_zeros(1, 3)]) / 127.5 - 1
    return palette[ids.clamp(0, CLASSES)].permute(0, 3, 1, 2)


def _nearest(rgb: np.ndarray, side: int) -> np.ndarray:
    """A label map resized to side x side with nearest neighbours (no blended colours)."""
    if rgb.shape[:2] == (side, side):
        return rgb
    image = Image.fromarray(np.ascontiguousarray(rgb)).resize(
        (side, side), Image.Resampling.NEAREST
    )
    return np.asarray(image, dtype=np.uint8)


def _squash_pair(labels: np.ndarray, photo: np.ndarray, side: int) -> np.ndarray:
    """(A, B) -> side x side x 6: the label map by nearest neighbours, the photo bicubic."""
    return np.concatenate([_nearest(labels, side), squash(np.ascontiguousarray(photo), side)], 2)


class LabelPairFolder(ImageFolderDataset):
    """`A|B` images of a label map and its photo -> (A, B) tensors at `load` pixels."""

    def __init__(self, folder: str | Path, load: int, **kwargs: Any) -> None:
        super().__init__(
            folder, load, prepare=lambda rgb: _squash_pair(*split_ab(rgb), load), channels=6,
            **kwargs,
        )  # fmt: skip

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:  # type: ignore[override]
        pixels = self.pixels(index)
        return image_to_tensor(pixels[..., :3])[0], image_to_tensor(pixels[..., 3:])[0]

    def pixels_at(self, index: int, side: int) -> np.ndarray:
        """The pair at any side (for --zoom), the label map still by nearest neighbours."""
        pixels = self.pixels(index)
        return _squash_pair(pixels[..., :3], pixels[..., 3:], side)


def _pair_folder(spec: str, names: tuple[str, ...], required: bool) -> Path | None:
    root = Path(spec).expanduser()
    if not root.is_dir():
        raise DatasetError(
            f"--data {spec}: no such folder; pass label|photo pairs in the aligned layout "
            "or synthetic:landscapes:labels2photo."
        )
    for name in names:
        if (root / name).is_dir():
            return root / name
    if required:
        raise DatasetError(
            f"--data {spec} has no {names[0]}/ folder of label|photo pairs (write an example "
            "with ganpaint-train synth landscapes --layout aligned --pair labels2photo)."
        )
    return None


def open_label_pairs(config: SpadeConfig, ctx: DistContext) -> Dataset[Any]:
    """The training pairs at the load size (the stream crops and mirrors them)."""
    spec, load = config.data, config.load_size
    if is_synthetic(spec) or config.input_map == "sketch":
        return open_aligned(
            spec, load, config.synthetic_n, ctx.is_main, zoom=config.zoom, seed=config.seed
        )
    folder = _pair_folder(spec, ("train",), required=True)
    assert folder is not None
    dataset = read_folder(
        folder, lambda progress: LabelPairFolder(folder, load, progress=progress), ctx.is_main
    )
    return zoomed(dataset, load, config.zoom, config.seed)


def label_test_set(
    spec: str, size: int, n: int, input_map: str = "labels"
) -> tuple[torch.Tensor, torch.Tensor] | None:
    """The first `n` test pairs (test/, else val/) at `size` pixels, or None."""
    if is_synthetic(spec) or input_map == "sketch":
        return aligned_test_set(spec, size, n)
    folder = _pair_folder(spec, ("test", "val"), required=False)
    if folder is None:
        return None
    dataset = LabelPairFolder(folder, size)
    pairs = [dataset[i] for i in range(min(n, len(dataset)))]
    return torch.stack([a for a, _ in pairs]), torch.stack([b for _, b in pairs])


#: The example lights (ganpaint.edit.semantic.EXAMPLE_STYLES) that each rendered photo
#: kind shows: "day" renders are by day or at dusk, "scene" renders day to night.
_LIGHTS_OF_KIND = {"day": ["day", "dusk"], "scene": ["day", "dusk", "night"]}


def _synthetic_lights(spec: str) -> list[str] | None:
    """The lights a synthetic pair's photos show (None for a folder: not known)."""
    if not is_synthetic(spec):
        return None
    pair = parse_synthetic_spec(spec).pair
    return _LIGHTS_OF_KIND.get(check_pair(pair)[1]) if pair is not None else None


# -- losses ---------------------------------------------------------------------------------
Features = list[list[torch.Tensor]]


def hinge_d_loss(scales: Features, real: bool) -> torch.Tensor:
    """mean(relu(1 - x)) on real logits, mean(relu(1 + x)) on fake ones, averaged over scales."""
    sign = -1.0 if real else 1.0
    return torch.stack([F.relu(1 + sign * s[-1].float()).mean() for s in scales]).mean()


def hinge_g_loss(scales: Features) -> torch.Tensor:
    """-mean(D(fake)), averaged over scales."""
    return torch.stack([-s[-1].float().mean() for s in scales]).mean()


def feature_matching_loss(fake: Features, real: Features) -> torch.Tensor:
    """L1 between fake and (fixed) real features of every layer but the logits, summed over
    layers and averaged over scales (pix2pixHD, SPADE); times lambda_feat by the caller."""
    total = [
        F.l1_loss(f.float(), r.detach().float())
        for fake_scale, real_scale in zip(fake, real, strict=True)
        for f, r in zip(fake_scale[:-1], real_scale[:-1], strict=True)
    ]
    return torch.stack(total).sum() / len(fake)


def kld_loss(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, exp(logvar)) || N(0, 1)), summed over the batch and the code (the reference)."""
    mu, logvar = mu.float(), logvar.float()
    return -0.5 * torch.sum(1 + logvar - mu.square() - logvar.exp())


def _halves(scales: Features) -> tuple[Features, Features]:
    """D's outputs on cat(fake, real) along the batch -> (fake's, real's)."""
    fake = [[f.chunk(2)[0] for f in scale] for scale in scales]
    real = [[f.chunk(2)[1] for f in scale] for scale in scales]
    return fake, real


def encoder_layers(size: int) -> int:
    """Stride-2 layers of the style encoder: the most that leave >= 4 x 4 whole cells."""
    layers = 1
    while layers < 8 and size % 2 ** (layers + 1) == 0 and size // 2 ** (layers + 1) >= 4:
        layers += 1
    return layers


class SpadeTask(Task):
    kind = "spade"

    def __init__(self, runtime: Runtime, config: SpadeConfig) -> None:
        super().__init__(runtime)
        self.config = config
        self.channels = CLASSES if config.input_map != "sketch" else 1
        self.G = runtime.place(
            SpadeGenerator(
                label_nc=self.channels, output_nc=3, ngf=config.ngf, n_up=config.n_up,
                style_dim=config.style_dim, spade_hidden=config.spade_hidden, norm=config.norm,
                out_upsample=config.out_upsample,
            )
        )  # fmt: skip
        self.D = runtime.place(
            MultiscaleDiscriminator(
                input_nc=self.channels + 3, ndf=config.ndf, n_layers=config.n_layers_d,
                num_d=config.num_d,
            )
        )  # fmt: skip
        self.nets: dict[str, nn.Module] = {"G": self.G, "D": self.D}
        self.E: nn.Module | None = None
        g_params = list(self.G.parameters())
        if config.style_dim:
            self.E = runtime.place(
                SpadeStyleEncoder(
                    input_nc=3, ndf=config.ngf, style_dim=config.style_dim,
                    image_size=config.size, n_layers=encoder_layers(config.size),
                )
            )  # fmt: skip
            self.nets["E"] = self.E
            g_params += list(self.E.parameters())
        self.G_train, self.D_train = runtime.parallel(self.G), runtime.parallel(self.D)
        self.E_train = runtime.parallel(self.E) if self.E is not None else None
        betas, device = (config.beta1, config.beta2), runtime.device
        self.optimizers = {
            "G": make_adam(g_params, config.lr / 2, betas, device),
            "D": make_adam(self.D.parameters(), config.lr * 2, betas, device),
        }
        self.schedulers = {
            name: make_scheduler(o, config)  # type: ignore[arg-type]
            for name, o in self.optimizers.items()
        }
        self.test_every = config.test_every
        self.latest: dict[str, torch.Tensor] = {}
        self._test_set = TestSetCache(
            lambda: label_test_set(config.data, config.size, config.test_n, config.input_map)
        )

    def _semantics(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(the input as shown in samples, G's map) of a batch of A images: palette label
        maps become class ids (shown in the palette) and their one-hot map; sketches
        their ink (see sketch_ink)."""
        if self.config.input_map == "sketch":
            return images.float(), self.runtime.images(sketch_ink(images))
        ids = label_indices(images)
        return colour_labels(ids), self.runtime.images(one_hot_labels(ids, CLASSES))

    def train_step(
        self, batch: tuple[torch.Tensor, torch.Tensor], step: int
    ) -> dict[str, torch.Tensor]:
        run, config = self.runtime, self.config
        shown_input, semantics = self._semantics(batch[0])
        photo = run.images(batch[1])
        zero = torch.zeros((), device=run.device)
        with run.autocast():
            style, loss_kld = None, zero
            if self.E_train is not None:
                mu, logvar = self.E_train(photo)
                style = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
                loss_kld = kld_loss(mu, logvar) * config.lambda_kld
            fake = self.G_train(semantics, style)

        set_requires_grad(self.D, False)
        try:
            with run.autocast():
                fake_out, real_out = _halves(self._discriminate(self.D, semantics, fake, photo))
                loss_gan = hinge_g_loss(fake_out)
                loss_feat = feature_matching_loss(fake_out, real_out) * config.lambda_feat
                loss_l1 = zero
                if config.lambda_l1:
                    loss_l1 = F.l1_loss(fake.float(), photo.float()) * config.lambda_l1
                loss_G = config.lambda_gan * loss_gan + loss_feat + loss_kld + loss_l1
            self.optimizers["G"].zero_grad(set_to_none=True)
            loss_G.backward()
            self.optimizers["G"].step()
        finally:
            set_requires_grad(self.D, True)

        with run.autocast():
            scales = self._discriminate(self.D_train, semantics, fake.detach(), photo)
            fake_out, real_out = _halves(scales)
            loss_d_fake = hinge_d_loss(fake_out, real=False)
            loss_d_real = hinge_d_loss(real_out, real=True)
            loss_D = loss_d_fake + loss_d_real
        self.optimizers["D"].zero_grad(set_to_none=True)
        loss_D.backward()
        self.optimizers["D"].step()

        lr = self.optimizers["G"].param_groups[0]["lr"]
        for scheduler in self.schedulers.values():
            scheduler.step()
        shown = slice(0, SAMPLE_COUNT)
        self.latest = {"input": shown_input[shown], "output": fake[shown].detach(),
                       "target": photo[shown]}  # fmt: skip
        losses = {"G_GAN": loss_gan, "G_feat": loss_feat, "G_KLD": loss_kld,
                  "G_L1": loss_l1, "D_real": loss_d_real, "D_fake": loss_d_fake}  # fmt: skip
        return step_losses(losses, lr, run.device)

    @staticmethod
    def _discriminate(
        D: nn.Module, semantics: torch.Tensor, fake: torch.Tensor, real: torch.Tensor
    ) -> Features:
        """D on the fake and the real pair in one batch (instance norm keeps them apart)."""
        fake_pair, real_pair = torch.cat([semantics, fake], 1), torch.cat([semantics, real], 1)
        return D(torch.cat([fake_pair, real_pair], 0))

    def sample_images(self) -> dict[str, torch.Tensor]:
        """The latest training batch: its labels (as G saw them), G's output, the photo."""
        return {name: image.float() for name, image in self.latest.items()}

    def test_images(self) -> dict[str, torch.Tensor]:
        """Held-out label maps; G's output in the style of the true photo (E's mean, no
        draw) and, with a style encoder, in the mean style (no style picture)."""
        pairs = self._test_set.get()
        if pairs is None:
            return {}
        run = self.runtime
        labels, photo = (run.images(x.to(run.device)) for x in pairs)
        shown_input, semantics = self._semantics(labels)
        images = {"input": shown_input}
        with run.autocast():
            if self.E is not None:
                images["output"] = self.G(semantics, self.E(photo)[0])
                images["mean_style"] = self.G(semantics)
            else:
                images["output"] = self.G(semantics)
        images["target"] = photo
        return {name: image.float() for name, image in images.items()}

    def bundle(self, meta: dict[str, Any]) -> ModelBundle:
        """G, D and E, with the domains, what G reads (the class names of a label model)
        and the training size."""
        input_map = self.config.input_map or "labels"
        described: dict[str, Any] = {"domains": {"A": input_map, "B": "photo"},
                                     "input_map": input_map}  # fmt: skip
        lights = _synthetic_lights(self.config.data)
        if lights is not None:
            described["lights"] = lights
        if input_map == "labels":
            described["classes"] = list(LABEL_NAMES)
        meta = {**described, **meta}
        meta.setdefault("resolution", self.config.size)
        meta.setdefault("name", self.config.name)
        return ModelBundle.create("spade", dict(self.nets), meta)
