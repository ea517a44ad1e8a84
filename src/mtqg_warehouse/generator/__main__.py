"""``python -m mtqg_warehouse.generator --help``."""

from mtqg_warehouse.generator.cli import main

raise SystemExit(main())
