"""The actions table: every command's name, menu, shortcut, icon and enable rule in one place.

Menus, toolbars and the Help → Keyboard shortcuts dialog are all built from this
table, so a shortcut is defined once and the help can never disagree with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ganpaint.session.tools import TOOL_CLASSES


@dataclass(frozen=True)
class ActionSpec:
    """One command: `slot` names the method it calls, as a path from the window
    ("files.save": the files controller's `save`; "select_tool:NAME" passes NAME)."""

    id: str
    text: str
    menu: str
    shortcuts: tuple[str, ...]
    slot: str
    icon: str | None = None
    tip: str = ""
    checkable: bool = False


def _a(
    id: str,
    text: str,
    menu: str,
    shortcuts: str | tuple[str, ...],
    slot: str,
    icon: str | None = None,
    tip: str = "",
    checkable: bool = False,
) -> ActionSpec:
    if isinstance(shortcuts, str):
        shortcuts = (shortcuts,)
    return ActionSpec(id, text, menu, shortcuts, slot, icon, tip, checkable)


MENUS = ("File", "Edit", "View", "Tools", "Inpaint", "Generate", "Model", "Help")

_TOOL_ACTIONS = tuple(
    _a(
        f"tool_{cls.info.name}",
        cls.info.title,
        "Tools",
        cls.info.shortcut,
        f"select_tool:{cls.info.name}",
        cls.info.icon,
        cls.info.tip,
        checkable=True,
    )
    for cls in TOOL_CLASSES
)

ACTIONS: tuple[ActionSpec, ...] = (
    _a(
        "new",
        "&New Image…",
        "File",
        "Ctrl+N",
        "files.new_image",
        "mdi6.file-image-plus-outline",
        "Start from a blank canvas of the size you choose",
    ),
    _a(
        "open",
        "&Open…",
        "File",
        "Ctrl+O",
        "files.open_dialog",
        "mdi6.folder-open",
        "Open an image or a ganpaint document (.ora)",
    ),
    _a(
        "open_sample",
        "Open &Sample",
        "File",
        "Ctrl+Shift+O",
        "files.open_sample",
        "mdi6.image",
        "Open the sample landscape photo",
    ),
    _a(
        "paste",
        "&Paste Image",
        "File",
        "Ctrl+V",
        "files.paste_image",
        "mdi6.content-paste",
        "Open the image on the clipboard",
    ),
    _a(
        "save",
        "&Save",
        "File",
        "Ctrl+S",
        "files.save",
        "mdi6.content-save",
        "Save the document with its layers (.ora)",
    ),
    _a(
        "save_as",
        "Save &As…",
        "File",
        "Ctrl+Shift+S",
        "files.save_as",
        "mdi6.content-save-edit",
        "Save the document under another name (.ora)",
    ),
    _a(
        "export",
        "&Export Image…",
        "File",
        "Ctrl+E",
        "files.export_dialog",
        "mdi6.export",
        "Write the photo as PNG, JPEG or WebP",
    ),
    _a(
        "close_document",
        "&Close",
        "File",
        "Ctrl+W",
        "files.close_document",
        "mdi6.close-box-outline",
        "Close the image (asks to save changes) and keep the window",
    ),
    _a("quit", "&Quit", "File", "Ctrl+Q", "close", "mdi6.exit-to-app"),
    _a("undo", "&Undo", "Edit", "Ctrl+Z", "undo_stack.undo", "mdi6.undo"),
    _a("redo", "&Redo", "Edit", ("Ctrl+Shift+Z", "Ctrl+Y"), "undo_stack.redo", "mdi6.redo"),
    _a(
        "clear_layer",
        "&Clear Layer",
        "Edit",
        "Delete",
        "layers.clear_layer",
        "mdi6.delete-sweep",
        "Clear the selected layer",
    ),
    _a(
        "invert_mask", "&Invert Mask", "Edit", "Ctrl+I", "layers.invert_mask", "mdi6.select-inverse"
    ),
    _a(
        "grow_mask",
        "&Grow Mask",
        "Edit",
        "Ctrl+G",
        "layers.grow_mask",
        "mdi6.arrow-expand-all",
        "Grow the mask by a few pixels",
    ),
    _a(
        "shrink_mask",
        "S&hrink Mask",
        "Edit",
        "Ctrl+Shift+G",
        "layers.shrink_mask",
        "mdi6.arrow-collapse-all",
        "Shrink the mask by a few pixels",
    ),
    _a("fit", "&Fit in Window", "View", "Ctrl+0", "view.fit", "mdi6.fit-to-screen"),
    _a(
        "actual_size",
        "&Actual Pixels (100%)",
        "View",
        "Ctrl+1",
        "view.actual_size",
        "mdi6.numeric-1-box-outline",
    ),
    _a("zoom_in", "Zoom &In", "View", ("Ctrl++", "Ctrl+="), "view.zoom_in", "mdi6.magnify-plus"),
    _a("zoom_out", "Zoom &Out", "View", "Ctrl+-", "view.zoom_out", "mdi6.magnify-minus"),
    _a(
        "toggle_mask",
        "Show &Mask",
        "View",
        "H",
        "layers.toggle_mask",
        "mdi6.eye-outline",
        "Show or hide the mask",
        checkable=True,
    ),
    *_TOOL_ACTIONS,
    _a("brush_smaller", "&Smaller Brush", "Tools", "[", "brush.brush_smaller"),
    _a("brush_bigger", "&Bigger Brush", "Tools", "]", "brush.brush_bigger"),
    _a(
        "choose_colour",
        "Choose &Colour…",
        "Tools",
        "Shift+C",
        "brush.choose_colour",
        "mdi6.format-color-fill",
    ),
    _a(
        "inpaint_gan",
        "&Inpaint",
        "Inpaint",
        "Ctrl+Return",
        "controller.inpaint_gan",
        "mdi6.auto-fix",
        "Fill the mask with the method chosen in the panel (GAN + photo texture by default)",
    ),
    _a(
        "inpaint_cv",
        "&Quick Fill (OpenCV)",
        "Inpaint",
        "Ctrl+Shift+Return",
        "controller.inpaint_opencv",
        "mdi6.bandage",
        "Fill the mask smoothly from its edge with OpenCV's Telea (instant, no model)",
    ),
    _a(
        "cancel_job",
        "&Cancel",
        "Inpaint",
        "Esc",
        "controller.cancel",
        "mdi6.stop",
        "Stop the running job",
    ),
    _a("accept", "&Accept Result", "Inpaint", "Return", "controller.accept", "mdi6.check"),
    _a(
        "discard",
        "&Discard Result",
        "Inpaint",
        "Backspace",
        "controller.discard_offered",
        "mdi6.close",
    ),
    _a(
        "prev_candidate",
        "&Previous Candidate",
        "Inpaint",
        ",",
        "controller.previous_candidate",
        "mdi6.chevron-left",
    ),
    _a(
        "next_candidate",
        "&Next Candidate",
        "Inpaint",
        ".",
        "controller.next_candidate",
        "mdi6.chevron-right",
    ),
    _a(
        "translate",
        "&Translate…",
        "Generate",
        "Ctrl+T",
        "translate.translate_image",
        "mdi6.swap-horizontal-bold",
        "Translate the whole image or the selection with a CycleGAN or pix2pix model",
    ),
    _a(
        "sketch_to_image",
        "&Sketch to Image",
        "Generate",
        "Ctrl+Shift+T",
        "translate.sketch_to_image",
        "mdi6.draw",
        "Turn the sketch layer into an image with a pix2pix model",
    ),
    _a(
        "edges_from_photo",
        "&Edges from Photo",
        "Generate",
        "Ctrl+Shift+E",
        "translate.edges_from_photo",
        "mdi6.vector-polyline",
        "Start the sketch layer from the photo's edges (Canny)",
    ),
    _a(
        "image_from_labels",
        "Image from &Labels",
        "Generate",
        "Ctrl+Shift+L",
        "labels.image_from_labels",
        "mdi6.image-filter-hdr",
        "Turn the label layer (semantic brushes) into a landscape with a pix2pix model",
    ),
    _a(
        "new_from_gan",
        "&New Image from GAN…",
        "Generate",
        "Ctrl+Shift+N",
        "models_ctl.new_image_from_gan",
        "mdi6.dots-grid",
        "Explore the GAN: samples, interpolation and vector arithmetic; open one as an image",
    ),
    _a(
        "igan_generate",
        "&Generate from Strokes",
        "Generate",
        "Ctrl+Alt+G",
        "igan.generate_from_strokes",
        "mdi6.brush-variant",
        "Find GAN images that follow the colour strokes and edges (iGAN); "
        "inside the mask when there is one",
    ),
    _a(
        "igan_keep",
        "&Keep Result as Start",
        "Generate",
        "Ctrl+Alt+K",
        "igan.keep_igan_result",
        "mdi6.pin",
        "The chosen result becomes the starting point of the next generation",
    ),
    _a(
        "igan_restart",
        "&Restart from Random",
        "Generate",
        "Ctrl+Alt+R",
        "igan.restart_igan",
        "mdi6.dice-multiple",
        "Generate again from new random starting points",
    ),
    _a(
        "igan_play",
        "&Play Morph",
        "Generate",
        "Ctrl+Alt+P",
        "igan.play_morph",
        "mdi6.play",
        "Play the morph from the starting image to the result",
        checkable=True,
    ),
    _a(
        "igan_export",
        "E&xport Morph…",
        "Generate",
        "Ctrl+Alt+E",
        "igan.export_morph",
        "mdi6.filmstrip",
        "Write the morph as an animated GIF or as PNG frames",
    ),
    _a(
        "open_model",
        "&Open Model File…",
        "Model",
        "Ctrl+M",
        "models_ctl.open_model_dialog",
        "mdi6.cube-outline",
        "Use a GAN model file (.safetensors)",
    ),
    _a(
        "model_manager",
        "Model &Manager…",
        "Model",
        "Ctrl+Shift+M",
        "models_ctl.open_model_manager",
        "mdi6.database-cog",
        "Installed models and their cards; import, delete, choose; the device",
    ),
    _a(
        "shortcuts",
        "&Keyboard Shortcuts",
        "Help",
        ("F1", "Ctrl+/"),
        "show_shortcuts",
        "mdi6.keyboard",
    ),
    _a("about", "&About ganpaint", "Help", "Shift+F1", "show_about", "mdi6.information-outline"),
)

#: Keys and mouse gestures that are held or combined with the mouse, not actions.
GESTURES: tuple[tuple[str, str], ...] = (
    ("Wheel", "Zoom at the cursor"),
    ("Space + drag, or middle-button drag", "Pan"),
    ("\\ (hold)", "Compare with the original photo"),
    ("Right-button drag", "Erase with the current brush; remove with rectangle and lasso"),
    ("Alt + click", "Pick a colour from the image"),
    ("Esc while drawing", "Abandon the stroke"),
)


def by_id() -> dict[str, ActionSpec]:
    return {spec.id: spec for spec in ACTIONS}


#: When an action can be used, by the state it needs (`enabled_actions` reads it):
#: idle = no job runs, offer = a result is on offer, igan = that result is iGAN's.
ENABLED_WHEN: dict[str, tuple[str, ...]] = {
    "cancel_job": ("busy",),
    "accept": ("offer", "idle"),
    "discard": ("offer",),
    "prev_candidate": ("offer",),
    "next_candidate": ("offer",),
    "inpaint_gan": ("idle",),
    "inpaint_cv": ("idle",),
    "translate": ("idle",),
    "sketch_to_image": ("idle",),
    "image_from_labels": ("idle",),
    "igan_generate": ("idle",),
    "new_from_gan": ("idle",),
    "igan_restart": ("idle",),
    "igan_keep": ("igan", "idle"),
    "igan_play": ("igan",),
    "igan_export": ("igan",),
    "undo": ("can_undo",),
    "redo": ("can_redo",),
}


def enabled_actions(state: dict[str, bool]) -> dict[str, bool]:
    """Each action of ENABLED_WHEN: whether every state it needs holds now."""
    return {key: all(state[need] for need in needs) for key, needs in ENABLED_WHEN.items()}
