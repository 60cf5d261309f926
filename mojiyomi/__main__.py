"""``python -m mojiyomi``: same as the ``mojiyomi`` command."""

import sys

from mojiyomi.cli import main

sys.exit(main())
