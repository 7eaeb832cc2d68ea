"""The limits an .ora file is held to before anything in it is decompressed or decoded.

An OpenRaster file is a zip with an XML header, so a few hundred bytes can declare
a 30000×30000 canvas, a thousand layers, a stack nested a million deep, or an entry
that inflates to gigabytes. Every limit is decided from stack.xml and the zip
directory before allocating, and each one names the environment variable that
raises it. The pixel limit is the image loader's own (`GANPAINT_MAX_PIXELS`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ganpaint.errors import DocumentFileError
from ganpaint.imageio import (
    DEFAULT_MAX_PIXELS,
    MAX_PIXELS_ENV,
    max_pixels_from_env,
    whole_number_from_env,
)

MAX_LAYERS_ENV = "GANPAINT_ORA_MAX_LAYERS"
MAX_DEPTH_ENV = "GANPAINT_ORA_MAX_DEPTH"
MAX_BYTES_ENV = "GANPAINT_ORA_MAX_BYTES"
#: Krita and GIMP files rarely hold more than a hundred layers.
DEFAULT_MAX_LAYERS = 256
#: Nested `<stack>` groups; real files nest a handful deep.
DEFAULT_MAX_DEPTH = 32
#: Decompressed bytes of all the entries read (each entry too): a PNG of the largest
#: allowed image is well under this, a zip bomb is far over it.
DEFAULT_MAX_BYTES = 2 * 2**30
#: All layers together may hold this many times the pixel limit (ganpaint's own files
#: hold five full-size layers plus the merged image).
PIXEL_BUDGET_FACTOR = 8
#: Offsets beyond a 32-bit int are not positions any editor writes.
MAX_OFFSET = 2**31 - 1
#: stack.xml may be 1 MiB plus this much per allowed layer.
XML_BYTES_PER_LAYER = 4096
MIMETYPE_BYTES = 64
_NO_LIMIT = 2**62


@dataclass(frozen=True)
class OraLimits:
    """What one read may cost; `from_env()` applies the environment variables."""

    max_pixels: int = DEFAULT_MAX_PIXELS
    max_layers: int = DEFAULT_MAX_LAYERS
    max_depth: int = DEFAULT_MAX_DEPTH
    max_bytes: int = DEFAULT_MAX_BYTES

    @classmethod
    def from_env(cls) -> OraLimits:
        pixels = max_pixels_from_env(DEFAULT_MAX_PIXELS)
        return cls(
            max_pixels=_NO_LIMIT if pixels is None else pixels,
            max_layers=_env_limit(MAX_LAYERS_ENV, DEFAULT_MAX_LAYERS),
            max_depth=_env_limit(MAX_DEPTH_ENV, DEFAULT_MAX_DEPTH),
            max_bytes=_env_limit(MAX_BYTES_ENV, DEFAULT_MAX_BYTES),
        )

    @property
    def pixel_budget(self) -> int:
        """Decoded pixels of all layers and the merged image together."""
        return self.max_pixels * PIXEL_BUDGET_FACTOR

    @property
    def xml_bytes(self) -> int:
        """The most stack.xml may hold: a generous description of `max_layers` layers."""
        return 2**20 + XML_BYTES_PER_LAYER * min(self.max_layers, _NO_LIMIT // XML_BYTES_PER_LAYER)


def _env_limit(name: str, default: int) -> int:
    """A whole number from the environment (0 or "none" = no limit), else `default`."""
    value = whole_number_from_env(name, default, DocumentFileError)
    return _NO_LIMIT if value is None else value


def over_limit(path: object, found: str, limit: str, env: str) -> DocumentFileError:
    """The one sentence for a limit exceeded: which limit, and the variable that raises it."""
    return DocumentFileError(
        f"Refusing to open {path}: {found}, over the limit of {limit} that guards memory; "
        f"if you trust the file, raise the limit with the {env} environment variable."
    )


__all__ = [
    "MAX_BYTES_ENV",
    "MAX_DEPTH_ENV",
    "MAX_LAYERS_ENV",
    "MAX_OFFSET",
    "MAX_PIXELS_ENV",
    "MIMETYPE_BYTES",
    "PIXEL_BUDGET_FACTOR",
    "OraLimits",
    "over_limit",
]
