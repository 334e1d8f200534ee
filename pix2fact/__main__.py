"""`python -m pix2fact` runs the command line."""

import sys

from pix2fact.cli import main

sys.exit(main())
