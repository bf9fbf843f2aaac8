"""``python -m hf_tools.cli``."""

import sys

from hf_tools.cli import main

sys.exit(main())
