"""`python -m telehealth_local` runs the whole local stack (same as `python -m telehealth_local.processes.run`)."""
import sys

from .processes.run import main

sys.exit(main())
