"""``python -m senpai`` is the ``senpai`` command."""

import sys

from senpai.cli import main

if __name__ == "__main__":
    sys.exit(main())
