"""``python -m bench [--quick] [--skip-generator]``: what ``make bench`` runs."""

import sys

from bench import main

sys.exit(main())
