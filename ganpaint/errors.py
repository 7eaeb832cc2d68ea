"""Errors a user can cause, each carrying one sentence that names the problem and the fix.

Every layer raises these; the CLI prints the message and exits 2, the app shows it
in the window. Anything else that escapes is a bug, and is reported as one.
"""

from __future__ import annotations


class GanpaintError(Exception):
    """A problem the user can fix; `str(error)` is the one sentence to show them."""


class ImageFileError(GanpaintError):
    """An image or mask file that cannot be read, written or used."""


class MaskError(GanpaintError):
    """A mask that does not fit its image or has nothing to fill."""


class ModelFileError(GanpaintError):
    """A model file that is missing, unreadable, unsafe or does not match its metadata."""


class DeviceError(GanpaintError):
    """A `--device` the machine does not have."""


class DatasetError(GanpaintError):
    """A training data source that is missing, empty or malformed."""


class DestinationError(GanpaintError):
    """An output that would replace an input, another output or a special file, or
    that cannot be written where it points."""


class EmptyPathError(GanpaintError):
    """A path option given as an empty string (which would mean the current folder)."""


class DocumentFileError(ImageFileError):
    """An .ora document that is damaged, unsafe, or over a limit that guards memory."""
