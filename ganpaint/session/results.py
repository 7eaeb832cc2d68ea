"""The results of one document, without Qt: the history, the result on offer, its
chosen candidate and opacity, and the last inpainting request (for a retry).

The app's result flow (preview, Accept, Discard, History) reads and changes this
state; it adds the widgets and the job thread. Accepting turns the offer into undo
patches of the document, blended at the chosen opacity.
"""

from __future__ import annotations

import numpy as np

from ganpaint.documents.document import Document, Patch, shrink_patch
from ganpaint.session.inpainting import CandidateFinished, InpaintOutcome, InpaintRequest


def is_out_of_memory(error: BaseException) -> bool:
    """A GPU (or CPU) out-of-memory error, whatever the torch build calls it."""
    try:
        import torch

        oom = getattr(torch.cuda, "OutOfMemoryError", None)
        if oom is not None and isinstance(error, oom):
            return True
    except ImportError:  # pragma: no cover - torch is a dependency
        pass
    return isinstance(error, MemoryError) or "out of memory" in str(error).lower()


class Results:
    """What a document's edits have produced and which of it is on offer.

    `generation` is bumped per document, so late results of an old one are dropped;
    `shown` is a patch shown instead of the chosen candidate (a frame of its morph).
    """

    def __init__(self) -> None:
        self.history: list[InpaintOutcome] = []
        self.current: InpaintOutcome | None = None  # the result whose candidates are offered
        self.candidate = 0
        self.opacity = 1.0  # how much of the result shows over the photo (and is accepted)
        self.shown: np.ndarray | None = None
        self.last_request: InpaintRequest | None = None
        self.generation = 0

    # -- the history ------------------------------------------------------------------

    def record(self, outcome: InpaintOutcome, replace_newest: bool) -> None:
        """Add a finished result to the history (or replace the newest entry)."""
        if replace_newest and self.history:
            self.history[-1] = outcome
        else:
            self.history.append(outcome)

    def newest_on_offer(self, accept_text: str) -> bool:
        """Whether the newest result, on offer now, was made by the edit that accepts
        with `accept_text` (a live session goes on from it)."""
        current = self.current
        return (
            current is not None
            and current.accept_text == accept_text
            and bool(self.history)
            and self.history[-1] is current
        )

    def clear(self) -> None:
        """A new document: the results of the old one no longer apply."""
        self.generation += 1
        self.withdraw()
        self.history.clear()

    # -- the offer --------------------------------------------------------------------

    def offer(self, outcome: InpaintOutcome) -> None:
        """Offer `outcome`'s candidates at full opacity (an opacity chosen for another
        result would make this one look broken)."""
        self.current = outcome
        self.opacity = 1.0

    def choose(self, index: int) -> int:
        """Choose candidate `index` (clamped) of the offer; returns the index chosen."""
        assert self.current is not None
        self.candidate = min(max(index, 0), len(self.current.candidates) - 1)
        self.shown = None
        return self.candidate

    def withdraw(self) -> None:
        """Stop offering a result (it stays in the history)."""
        self.current = None
        self.shown = None

    def pending(self, index: int | None = None) -> bool:
        """Whether the offered candidate (or `index`) is still its quick GAN fill."""
        outcome = self.current
        index = self.candidate if index is None else index
        return outcome is not None and index in outcome.pending

    def finish(self, finished: CandidateFinished) -> None:
        """A candidate drawn at full resolution replaces its quick fill."""
        finished.outcome.candidates[finished.index] = finished.patch
        finished.outcome.pending.pop(finished.index, None)

    def show_patch(self, patch: np.ndarray | None) -> None:
        """Show `patch` (of the offer's box) instead of the chosen candidate; None: the
        candidate again."""
        box = self.current.box if self.current is not None else None
        if patch is not None and box is not None and patch.shape[:2] != (box.height, box.width):
            raise ValueError("The patch does not fit the result's box.")
        self.shown = patch

    def set_opacity(self, opacity: float) -> None:
        self.opacity = min(max(float(opacity), 0.0), 1.0)

    def fits(self, document: Document) -> bool:
        """Whether the offer belongs to an image of `document`'s size."""
        box = self.current.box if self.current is not None else None
        return box is not None and box.x1 <= document.width and box.y1 <= document.height

    def blended(self, document: Document, index: int | None = None) -> np.ndarray:
        """Candidate `index` (the chosen one) mixed with the photo under it at the opacity."""
        assert self.current is not None
        candidate = self.current.candidates[self.candidate if index is None else index]
        if self.shown is not None:
            candidate = self.shown
        if self.opacity >= 1.0 or not self.fits(document):
            return candidate
        under = document.read("photo", self.current.box).astype(np.float32)
        mixed = under + (candidate.astype(np.float32) - under) * self.opacity
        return np.clip(np.rint(mixed), 0, 255).astype(np.uint8)

    def accept_patches(self, document: Document) -> list[Patch]:
        """The undo patches that put the offer into the photo (and clear the mask
        under it where the edit says so)."""
        outcome = self.current
        assert outcome is not None
        box = outcome.box
        patches: list[Patch] = []
        candidate = self.blended(document)
        photo = shrink_patch(Patch("photo", box, document.read("photo", box), candidate.copy()))
        if photo is not None:
            patches.append(photo)
        if outcome.clear_mask:
            mask_before = document.read("mask", box)
            mask = shrink_patch(Patch("mask", box, mask_before, np.zeros_like(mask_before)))
            if mask is not None:
                patches.append(mask)
        return patches

    # -- after a failure ----------------------------------------------------------------

    def retries(self, error: BaseException) -> list[tuple[str, int | None, str | None]]:
        """The retries that may help after `error`: (label, candidates, device) for the
        last inpainting request; none unless it ran out of memory."""
        request = self.last_request
        if request is None or not is_out_of_memory(error):
            return []
        options: list[tuple[str, int | None, str | None]] = []
        if request.method == "gan" and request.candidates > 1:
            fewer = max(request.candidates // 2, 1)
            options.append((f"Retry with {fewer} candidates", fewer, None))
        if request.device != "cpu":
            options.append(("Retry on the CPU", None, "cpu"))
        return options

    def retry_request(self, candidates: int | None, device: str | None) -> InpaintRequest | None:
        """The last request with fewer candidates and/or another device."""
        request = self.last_request
        if request is None:
            return None
        if candidates is not None:
            request.candidates = candidates
        if device is not None:
            request.device = device
        return request
