"""`python -m pledgegraph`: the same command as the `pledgegraph` script."""

import sys

from .cli import main

sys.exit(main())
