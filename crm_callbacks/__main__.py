"""``python -m crm_callbacks``: the ``crm-callbacks`` command (see `crm_callbacks.cli`)."""

import sys

from .cli import main

sys.exit(main())
