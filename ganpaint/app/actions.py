"""The actions table: every command's name, menu, shortcut and icon in one place.

Menus, toolbars and the Help → Keyboard shortcuts dialog are all built from this
table, so a shortcut is defined once and the help can never disagree with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ganpaint.app.tools import TOOL_CLASSES


@dataclass(frozen=True)
class ActionSpec:
    """One command: `slot` names the window method it calls."""

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
        "new_image",
        "mdi6.file-image-plus-outline",
        "Start from a blank canvas of the size you choose",
    ),
    _a(
        "open",
        "&Open…",
        "File",
        "Ctrl+O",
        "open_dialog",
        "mdi6.folder-open",
        "Open an image or a ganpaint document (.ora)",
    ),
    _a(
        "open_sample",
        "Open &Sample",
        "File",
        "Ctrl+Shift+O",
        "open_sample",
        "mdi6.image",
        "Open the sample landscape photo",
    ),
    _a(
        "paste",
        "&Paste Image",
        "File",
        "Ctrl+V",
        "paste_image",
        "mdi6.content-paste",
        "Open the image on the clipboard",
    ),
    _a(
        "save",
        "&Save",
        "File",
        "Ctrl+S",
        "save",
        "mdi6.content-save",
        "Save the document with its layers (.ora)",
    ),
    _a(
        "save_as",
        "Save &As…",
        "File",
        "Ctrl+Shift+S",
        "save_as",
        "mdi6.content-save-edit",
        "Save the document under another name (.ora)",
    ),
    _a(
        "export",
        "&Export Image…",
        "File",
        "Ctrl+E",
        "export_dialog",
        "mdi6.export",
        "Write the photo as PNG, JPEG or WebP",
    ),
    _a(
        "close_document",
        "&Close",
        "File",
        "Ctrl+W",
        "close_document",
        "mdi6.close-box-outline",
        "Close the image (asks to save changes) and keep the window",
    ),
    _a("quit", "&Quit", "File", "Ctrl+Q", "close", "mdi6.exit-to-app"),
    _a("undo", "&Undo", "Edit", "Ctrl+Z", "undo", "mdi6.undo"),
    _a("redo", "&Redo", "Edit", ("Ctrl+Shift+Z", "Ctrl+Y"), "redo", "mdi6.redo"),
    _a(
        "clear_layer",
        "&Clear Layer",
        "Edit",
        "Delete",
        "clear_layer",
        "mdi6.delete-sweep",
        "Clear the selected layer",
    ),
    _a("invert_mask", "&Invert Mask", "Edit", "Ctrl+I", "invert_mask", "mdi6.select-inverse"),
    _a(
        "grow_mask",
        "&Grow Mask",
        "Edit",
        "Ctrl+G",
        "grow_mask",
        "mdi6.arrow-expand-all",
        "Grow the mask by a few pixels",
    ),
    _a(
        "shrink_mask",
        "S&hrink Mask",
        "Edit",
        "Ctrl+Shift+G",
        "shrink_mask",
        "mdi6.arrow-collapse-all",
        "Shrink the mask by a few pixels",
    ),
    _a("fit", "&Fit in Window", "View", "Ctrl+0", "fit", "mdi6.fit-to-screen"),
    _a(
        "actual_size",
        "&Actual Pixels (100%)",
        "View",
        "Ctrl+1",
        "actual_size",
        "mdi6.numeric-1-box-outline",
    ),
    _a("zoom_in", "Zoom &In", "View", ("Ctrl++", "Ctrl+="), "zoom_in", "mdi6.magnify-plus"),
    _a("zoom_out", "Zoom &Out", "View", "Ctrl+-", "zoom_out", "mdi6.magnify-minus"),
    _a(
        "toggle_mask",
        "Show &Mask",
        "View",
        "H",
        "toggle_mask",
        "mdi6.eye-outline",
        "Show or hide the mask",
        checkable=True,
    ),
    *_TOOL_ACTIONS,
    _a("brush_smaller", "&Smaller Brush", "Tools", "[", "brush_smaller"),
    _a("brush_bigger", "&Bigger Brush", "Tools", "]", "brush_bigger"),
    _a(
        "choose_colour",
        "Choose &Colour…",
        "Tools",
        "Shift+C",
        "choose_colour",
        "mdi6.format-color-fill",
    ),
    _a(
        "inpaint_gan",
        "&Inpaint",
        "Inpaint",
        "Ctrl+Return",
        "inpaint_gan",
        "mdi6.auto-fix",
        "Fill the mask with the method chosen in the panel (GAN + photo texture by default)",
    ),
    _a(
        "inpaint_cv",
        "&Quick Fill (OpenCV)",
        "Inpaint",
        "Ctrl+Shift+Return",
        "inpaint_opencv",
        "mdi6.bandage",
        "Fill the mask smoothly from its edge with OpenCV's Telea (instant, no model)",
    ),
    _a(
        "cancel_job", "&Cancel", "Inpaint", "Esc", "cancel_job", "mdi6.stop", "Stop the running job"
    ),
    _a("accept", "&Accept Result", "Inpaint", "Return", "accept_result", "mdi6.check"),
    _a("discard", "&Discard Result", "Inpaint", "Backspace", "discard_result", "mdi6.close"),
    _a(
        "prev_candidate",
        "&Previous Candidate",
        "Inpaint",
        ",",
        "previous_candidate",
        "mdi6.chevron-left",
    ),
    _a("next_candidate", "&Next Candidate", "Inpaint", ".", "next_candidate", "mdi6.chevron-right"),
    _a(
        "translate",
        "&Translate…",
        "Generate",
        "Ctrl+T",
        "translate_image",
        "mdi6.swap-horizontal-bold",
        "Translate the whole image or the selection with a CycleGAN or pix2pix model",
    ),
    _a(
        "sketch_to_image",
        "&Sketch to Image",
        "Generate",
        "Ctrl+Shift+T",
        "sketch_to_image",
        "mdi6.draw",
        "Turn the sketch layer into an image with a pix2pix model",
    ),
    _a(
        "edges_from_photo",
        "&Edges from Photo",
        "Generate",
        "Ctrl+Shift+E",
        "edges_from_photo",
        "mdi6.vector-polyline",
        "Start the sketch layer from the photo's edges (Canny)",
    ),
    _a(
        "image_from_labels",
        "Image from &Labels",
        "Generate",
        "Ctrl+Shift+L",
        "image_from_labels",
        "mdi6.image-filter-hdr",
        "Turn the label layer (semantic brushes) into a landscape with a pix2pix model",
    ),
    _a(
        "new_from_gan",
        "&New Image from GAN…",
        "Generate",
        "Ctrl+Shift+N",
        "new_image_from_gan",
        "mdi6.dots-grid",
        "Explore the GAN: samples, interpolation and vector arithmetic; open one as an image",
    ),
    _a(
        "igan_generate",
        "&Generate from Strokes",
        "Generate",
        "Ctrl+Alt+G",
        "generate_from_strokes",
        "mdi6.brush-variant",
        "Find GAN images that follow the colour strokes and edges (iGAN); "
        "inside the mask when there is one",
    ),
    _a(
        "igan_keep",
        "&Keep Result as Start",
        "Generate",
        "Ctrl+Alt+K",
        "keep_igan_result",
        "mdi6.pin",
        "The chosen result becomes the starting point of the next generation",
    ),
    _a(
        "igan_restart",
        "&Restart from Random",
        "Generate",
        "Ctrl+Alt+R",
        "restart_igan",
        "mdi6.dice-multiple",
        "Generate again from new random starting points",
    ),
    _a(
        "igan_play",
        "&Play Morph",
        "Generate",
        "Ctrl+Alt+P",
        "play_morph",
        "mdi6.play",
        "Play the morph from the starting image to the result",
        checkable=True,
    ),
    _a(
        "igan_export",
        "E&xport Morph…",
        "Generate",
        "Ctrl+Alt+E",
        "export_morph",
        "mdi6.filmstrip",
        "Write the morph as an animated GIF or as PNG frames",
    ),
    _a(
        "open_model",
        "&Open Model File…",
        "Model",
        "Ctrl+M",
        "open_model_dialog",
        "mdi6.cube-outline",
        "Use a GAN model file (.safetensors)",
    ),
    _a(
        "model_manager",
        "Model &Manager…",
        "Model",
        "Ctrl+Shift+M",
        "open_model_manager",
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
