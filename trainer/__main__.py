"""`python -m trainer` is the `ganpaint-train` command (also under torchrun)."""

import sys

from trainer.cli import main

sys.exit(main())
