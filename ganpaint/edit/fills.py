"""What an inpainting run takes and gives: its settings, its candidates and its result.

Kept apart from the code that runs the GAN (`ganpaint.edit.gan_fill`), so that the
methods without a GAN (patch, telea, ns) never import torch.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from ganpaint.edit.gan_settings import InversionConfig, RefineConfig
from ganpaint.edit.progress import CancelToken, ProgressFn
from ganpaint.edit.region import Region
from ganpaint.edit.synthesis import SynthesisConfig
from ganpaint.geometry import Box

if TYPE_CHECKING:
    from ganpaint.edit.inversion import InversionResult
    from ganpaint.edit.losses import Prior

Method = Literal["gan", "patch", "telea", "ns", "auto"]
METHODS: tuple[str, ...] = ("gan", "patch", "telea", "ns", "auto")
BlendMode = Literal["poisson", "mixed", "feather", "none"]


def _default_inversion() -> InversionConfig:
    return InversionConfig(
        restarts=4,
        iters=60,
        lr=0.05,
        warmup=5,
        schedule="cosine",
        min_lr=0.05,
        bound="clip",
        early_stop=True,
        patience=10,
        tol=1e-3,
        min_iters=20,
        init="encoder",
        spread=0.3,
        log_every=10,
    )


@dataclass(frozen=True)
class InpaintConfig:
    """Settings for `inpaint`: the optimiser, the loss, the regions and the OpenCV fallback.

    The default spends a tenth of the paper's compute where a CPU profits most: 4
    restarts in one batch (for a 64 px DCGAN on 2 cores a batch of 4 costs about 2×
    one candidate, and all four come back as candidates to choose from), candidate 0
    at the encoder's estimate (the others jittered around it; prior samples without
    an encoder), Adam at 5× the paper's rate with 5 warm-up steps and cosine decay,
    and at most 60 steps with early stopping: 60 × 2 / 1500 ≈ 0.08 of the paper's
    loop. On a 32 px DCGAN trained on procedural landscapes (12×12 centre holes) it
    came within 0.03–0.27 dB of the paper's masked PSNR (32 and 24 images); more
    steps helped more than more restarts, and a random start cost about 0.15 dB.
    `paper()` is the published loop for comparison.

    `refine` then tunes a copy of G per kept candidate on the context (100 steps each)
    and ranks the candidates by how well their tuned G fits it. With the bundled 64 px
    DCGAN that took central holes from 0.1 dB behind OpenCV's Telea to 1.3 dB ahead,
    at about 5× the time of the search alone; `RefineConfig(steps=0)` turns it off.

    Those are the settings of a hole whose fill is G's own pixels. Where the synthesis
    redraws the hole from the photo's patches (on photos, nearly always), G's fill is
    only its guide: such a hole gets `guide_effort` of the steps and no perceptual
    prior. On the real-photo benchmark's tune half a third of the steps without the
    prior scored as well as the full settings (masked PSNR 19.62 against 19.58 dB,
    patch SWD 2.29 against 2.30) in 40 % of the time.
    """

    inversion: InversionConfig = field(default_factory=_default_inversion)
    refine: RefineConfig = field(default_factory=RefineConfig)  # G tuned per hole afterwards
    # Full-resolution texture from the photo, guided by the GAN's fill; None = paste G(ẑ).
    synthesis: SynthesisConfig | None = field(default_factory=SynthesisConfig)
    # Holes whose region is scaled up less than this to the model take G(ẑ) directly:
    # there the GAN is about as sharp as the photo.
    synthesis_scale: float = 1.5
    # Share of the search's and the tuning's steps a hole gets when the synthesis redraws
    # it (G's fill is then only the guide; `gan_fill.hole_settings`).
    guide_effort: float = 1 / 3
    prior: Prior = "paper"
    lam: float = 0.003  # λ, the weight of the perceptual prior
    window: int = 7  # side of the importance-weight window
    context: float = 0.5  # known context around each hole, × the hole's side
    candidates: int = 4  # distinct candidates to return
    distinct: float = 0.02  # mean |Δ| in the hole (in [-1, 1]) for candidates to differ
    radius: float = 3.0  # OpenCV inpainting radius in pixels
    thin: float = 3.0  # "auto" uses OpenCV when no hole is thicker than this (pixels)

    @classmethod
    def paper(cls, seed: int = 0) -> InpaintConfig:
        """Yeh et al. as published: 1 restart, Adam, 1500 steps, clip, λ 0.003, 7×7, no early stop.

        The paper gives no learning rate; 0.01 (β1 0.9) is the one its public reference
        ports use. The start is a random z ~ U(-1, 1), as there was no encoder.
        """
        return cls(
            inversion=InversionConfig(
                restarts=1,
                iters=1500,
                lr=0.01,
                betas=(0.9, 0.999),
                warmup=0,
                schedule="constant",
                bound="clip",
                early_stop=False,
                seed=seed,
                log_every=50,
                init="random",
            ),
            refine=RefineConfig(steps=0),
            synthesis=None,
            prior="paper",
            lam=0.003,
            window=7,
            candidates=1,
        )

    def __post_init__(self) -> None:
        if not (math.isfinite(self.guide_effort) and 0 < self.guide_effort <= 1):
            raise ValueError(f"guide_effort must be in (0, 1], not {self.guide_effort}.")

    def with_seed(self, seed: int) -> InpaintConfig:
        """The same settings with another seed for the restarts."""
        return dataclasses.replace(self, inversion=dataclasses.replace(self.inversion, seed=seed))


Maker = Callable[[ProgressFn | None, CancelToken | None], np.ndarray]


class Candidates(Sequence[np.ndarray]):
    """The candidate fills, each finished only when first asked for (then kept).

    Finishing a candidate at full resolution (the texture synthesis) is the costly
    part on a big photo, and a user looks at one candidate at a time: `inpaint`
    finishes the best one, the others wait until someone indexes them (the CLI's
    --candidates) or calls `finish` (the app, with progress and cancel, when the user
    steps to one). `rough(i)` is a quick fill (at the model's resolution), for
    thumbnails and for showing while the final one is drawn. Thread-safe: each
    candidate is made once.
    """

    def __init__(self, makers: list[Maker], rough: list[Callable[[], np.ndarray]] | None = None):
        self._makers = list(makers)
        self._rough = list(rough) if rough is not None else None
        self._done: dict[int, np.ndarray] = {}
        self._locks = [threading.Lock() for _ in self._makers]

    @classmethod
    def of(cls, images: list[np.ndarray]) -> Candidates:
        """Candidates that are already finished."""
        made = cls([lambda progress, cancel, image=image: image for image in images])
        for index, image in enumerate(images):
            made._done[index] = image
        return made

    def __len__(self) -> int:
        return len(self._makers)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return self.finish(index)

    def finish(
        self, index: int, progress: ProgressFn | None = None, cancel: CancelToken | None = None
    ) -> np.ndarray:
        """Candidate `index`, made now if it is not yet (reporting progress, cancellable)."""
        index = range(len(self))[index]  # negative indices, IndexError
        with self._locks[index]:
            if index not in self._done:
                self._done[index] = self._makers[index](progress, cancel)
            return self._done[index]

    def ready(self, index: int) -> bool:
        """Whether candidate `index` is finished (indexing it costs nothing then)."""
        return index in self._done

    def rough(self, index: int) -> np.ndarray:
        """A quick fill for candidate `index` (for thumbnails and previews while it is
        drawn): the final one if made."""
        if self.ready(index) or self._rough is None:
            return self[index]
        return self._rough[index]()


@dataclass
class InpaintResult:
    """The filled photo, alternatives to choose from, and what it cost."""

    image: np.ndarray  # uint8 HxWx3, the best candidate
    candidates: Candidates  # uint8 HxWx3 each, best first; candidates[0] is image
    method: str  # "gan", "patch", "telea" or "ns": what was actually used
    losses: dict[str, float] = field(default_factory=dict)  # best terms, summed over holes
    history: list[list[float]] = field(default_factory=list)  # per hole: best loss per log
    steps: int = 0  # optimiser steps over all holes
    timings: dict[str, float] = field(default_factory=dict)  # seconds
    regions: list[Region] = field(default_factory=list)
    inversions: list[InversionResult] = field(default_factory=list)  # per hole
    synthesis_boxes: list[Box] = field(default_factory=list)  # where the synthesis worked


# Progress steps given to the synthesis of one hole.
SYNTHESIS_STEPS = 100


def synthesis_seed(config: InpaintConfig, rank: int) -> int:
    """The synthesis seed of candidate `rank`: the same settings, the same fill."""
    return config.inversion.seed * 1_000_003 + 7 * rank + 1
