"""The Edit menu's layer commands and the layers' visibility, opacity and mask colour."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QActionGroup, QColor, QIcon, QPixmap, QUndoCommand
from PySide6.QtWidgets import QMenu, QWidget

from ganpaint.app.commands import InvertMaskCommand, PatchCommand
from ganpaint.app.config import Settings
from ganpaint.app.panels import LayersPanel
from ganpaint.app.scene import CanvasScene
from ganpaint.documents.display import MASK_COLOURS
from ganpaint.documents.document import Document, Patch, blank_value, content_box, replace_patch
from ganpaint.session.painting import grow_mask, shrink_mask

GROW_STEP = 4  # pixels per Grow / Shrink mask


class LayerActions(QObject):
    """Clear, invert, grow and shrink; show and hide layers; the mask's colour."""

    def __init__(
        self,
        document: Callable[[], Document],
        push: Callable[[QUndoCommand], None],
        show_message: Callable[[str, str], None],
        panel: LayersPanel,
        scene: CanvasScene,
        settings: Settings,
        toggle_mask_action: QAction,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.push = push
        self.show_message = show_message
        self.panel = panel
        self.scene = scene
        self.settings = settings
        self.toggle_action = toggle_mask_action
        self.widget = parent
        panel.visibilityChanged.connect(self.set_layer_visible)
        panel.opacityChanged.connect(self.set_layer_opacity)

    def clear_layer(self) -> None:
        name = self.panel.current()
        if name == "photo":
            self.show_message("The photo cannot be cleared; select an overlay layer.", "info")
            return
        document = self.document()
        data = document.layer(name).data
        box = content_box(name, data)
        if box.empty:
            return
        before = data[box.slices].copy()
        patch = Patch(name, box, before, np.full_like(before, blank_value(name)))
        self.push(PatchCommand(document, [patch], f"Clear {document.layer(name).title.lower()}"))

    def invert_mask(self) -> None:
        self.push(InvertMaskCommand(self.document()))

    def replace_layer(self, layer: str, new: np.ndarray, text: str) -> bool:
        """Replace a whole layer in one undo step named `text` (nothing if unchanged)."""
        document = self.document()
        patch = replace_patch(document, layer, new)
        if patch is not None:
            self.push(PatchCommand(document, [patch], text))
        return patch is not None

    def grow_mask(self) -> None:
        self.replace_layer("mask", grow_mask(self.document().mask, GROW_STEP), "Grow mask")

    def shrink_mask(self) -> None:
        self.replace_layer("mask", shrink_mask(self.document().mask, GROW_STEP), "Shrink mask")

    def toggle_mask(self) -> None:
        self.set_layer_visible("mask", self.toggle_action.isChecked())
        self.panel.sync()

    def show_layer(self, name: str) -> None:
        """Make layer `name` visible (in the panel too) if it is hidden."""
        if not self.document().layer(name).visible:
            self.set_layer_visible(name, True)
            self.panel.sync()

    def set_layer_visible(self, name: str, visible: bool) -> None:
        self.document().layer(name).visible = visible
        if name == "mask":
            self.toggle_action.setChecked(visible)
        self.scene.sync_visibility()

    def set_layer_opacity(self, name: str, opacity: float) -> None:
        self.document().layer(name).opacity = opacity
        self.scene.sync_visibility()

    def mask_colour_menu(self) -> QMenu:
        """View › Mask Colour: red hides on red and orange subjects; remembered."""
        menu = QMenu("Mask &Colour", self.widget)
        group = QActionGroup(menu)
        chosen = self.settings.mask_colour()
        for name, rgb in MASK_COLOURS.items():
            pixmap = QPixmap(14, 14)
            pixmap.fill(QColor(*rgb))
            action = menu.addAction(QIcon(pixmap), name.capitalize())
            action.setCheckable(True)
            action.setChecked(name == chosen)
            action.triggered.connect(lambda _=False, n=name: self.set_mask_colour(n))
            group.addAction(action)
        self.mask_colour_actions = {a.text().lower(): a for a in group.actions()}
        self.scene.set_mask_colour(MASK_COLOURS[chosen])
        return menu

    def set_mask_colour(self, name: str) -> None:
        """Draw the mask in the named colour of MASK_COLOURS, now and next time."""
        self.settings.set_mask_colour(name)
        self.scene.set_mask_colour(MASK_COLOURS[name])
        self.mask_colour_actions[name].setChecked(True)
