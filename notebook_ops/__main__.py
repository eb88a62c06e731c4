import sys

from notebook_ops.cli import main

sys.exit(main())
