"""``python -m fmnist_edu`` runs the command line."""

import sys

from fmnist_edu.cli import main

sys.exit(main())
