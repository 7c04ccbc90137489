"""``python -m course_lib`` runs the command line."""
import sys

from course_lib.cli import main

sys.exit(main())
