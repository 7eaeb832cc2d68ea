"""`python -m ganpaint` is the `ganpaint` command."""

import sys

from ganpaint.cli import main

sys.exit(main())
