"""The bundle's entry point: the same `ganpaint` command that `pip install` puts on PATH."""

import multiprocessing
import sys

from ganpaint.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # torch DataLoader workers re-enter a frozen executable
    sys.exit(main())
