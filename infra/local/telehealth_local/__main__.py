"""`python -m telehealth_local` runs the whole local stack (same as `python -m telehealth_local.run`)."""
import sys

from .run import main

sys.exit(main())
