"""`python -m mapscope.cli ...` runs the command line as the `mapscope` script does."""

import sys

from mapscope.cli.root import main

sys.exit(main())
