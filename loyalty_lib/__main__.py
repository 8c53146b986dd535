"""``python -m loyalty_lib`` is the ``loyalty`` command (see :mod:`loyalty_lib.reporting.cli`)."""

import sys

from loyalty_lib.reporting.cli import main

sys.exit(main())
