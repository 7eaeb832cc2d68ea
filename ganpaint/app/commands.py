"""Undo commands: one QUndoCommand per user action, each holding only changed boxes.

Every change to the document is a `PatchCommand` of one or more `Patch`es (a layer's
box before and after): a brush stroke, a rectangle, clearing or growing the mask,
accepting an inpainting result. Memory is what the action changed, so a stroke on a
24-megapixel photo costs a stroke-sized patch, not a copy of the photo.
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from ganpaint.documents.document import Document, Patch


class PatchCommand(QUndoCommand):
    """Apply patches on redo, restore them on undo.

    `applied=True` when the change is already in the document (a stroke painted
    live): the first redo, which QUndoStack.push calls, then does nothing.
    """

    def __init__(
        self, document: Document, patches: list[Patch], text: str, applied: bool = False
    ) -> None:
        super().__init__(text)
        self.document = document
        self.patches = patches
        self._skip_redo = applied

    @property
    def nbytes(self) -> int:
        """Bytes of pixels this step keeps for undo and redo."""
        return sum(patch.nbytes for patch in self.patches)

    def redo(self) -> None:
        if self._skip_redo:
            self._skip_redo = False
            return
        for patch in self.patches:
            self.document.apply(patch)

    def undo(self) -> None:
        for patch in reversed(self.patches):
            self.document.apply(patch, undo=True)


class InvertMaskCommand(QUndoCommand):
    """Invert the mask: its own inverse, so it stores no pixels at all."""

    def __init__(self, document: Document) -> None:
        super().__init__("Invert mask")
        self.document = document
        self.nbytes = 0

    def _flip(self) -> None:
        mask = self.document.mask
        mask[...] = 255 - mask
        self.document.notify("mask")

    def redo(self) -> None:
        self._flip()

    def undo(self) -> None:
        self._flip()
