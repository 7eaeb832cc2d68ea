"""ganpaint: edit photos with GANs on your own GPU or CPU."""

import os
from importlib.metadata import PackageNotFoundError, version

# Torch's OpenMP threads (GNU libgomp on Linux) spin 300,000 rounds before they sleep.
# When anything else wants the cores (a browser, a second job) the spinning threads
# fight it: a 1 MP inpaint beside three busy processes on 2 cores took 19 s in-process
# (search 7.9 s), with 1,000 rounds 8.5-9.5 s (search 3.3-3.7 s), and on an idle
# machine 1,000 rounds cost nothing measurable (passive waiting, 0 rounds, cost 30 %
# there). Set before torch is imported (OpenMP reads it once); a user's setting wins.
os.environ.setdefault("GOMP_SPINCOUNT", "1000")

try:
    __version__ = version("ganpaint")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
