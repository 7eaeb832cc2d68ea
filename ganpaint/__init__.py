"""ganpaint: edit photos with GANs on your own GPU or CPU."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ganpaint")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
