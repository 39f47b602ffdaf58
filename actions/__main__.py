"""``python -m actions`` runs the action server."""

import sys

from actions.server import main

if __name__ == "__main__":
    sys.exit(main())
