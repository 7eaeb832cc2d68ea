"""ganpaint: edit photos with GANs on your own GPU or CPU."""

import os
from importlib.metadata import PackageNotFoundError, version

# Torch's OpenMP threads spin while they wait for work. When anything else wants the
# cores (the GUI, a browser, a second job) the spinning threads fight it and a CPU
# inpaint ran 20-30x slower (1 MP: search 38 s instead of 1.4 s with the machine
# loaded); passive waiting costs nothing measurable when the machine is idle. Set
# before torch is imported (OpenMP reads it once); a user's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

try:
    __version__ = version("ganpaint")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
