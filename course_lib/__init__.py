"""course_lib: the helper library of the e-commerce behaviour-prediction workbook.

Importing it first (before Keras) chooses the Keras backend and the thread
counts in one place, see :mod:`course_lib.backend`.

Layers (each imports only the ones above it; a test enforces it):

0. ``course_lib.backend``, ``course_lib.files``  Keras backend and threads; the folder writer
1. ``course_lib.datasets``  synthetic shop, UCI Online Retail, your own event log
2. ``course_lib.prep``      time splits, sessions, vocabularies, sequences, daily series
3. ``course_lib.models``    teaching implementations, Keras models, baselines
4. ``course_lib.evaluate``  forecast errors, ranking metrics, leaderboards
5. ``course_lib.show``      plots, widgets, the model card
6. ``course_lib.tasks``     the case study's tasks: settings, model registry, report

Beside them, ``course_lib.course`` (exercise checkers, the column-mapping form)
may import any layer; on top, ``course_lib.cli`` only composes them.
"""
from course_lib import backend as _backend

_backend.configure()

__version__ = "0.1.0"
