"""Layer 6, tasks: the case study's tasks composed from the layers above (lessons 09-10, ``course-lib``).

* :mod:`~course_lib.tasks.settings`: every default and rule of thumb, frozen;
* :mod:`~course_lib.tasks.registry`: next-item models by stable key, and their labels;
* :mod:`~course_lib.tasks.results`: what each task returns;
* the tasks: :mod:`~course_lib.tasks.next_item`, :mod:`~course_lib.tasks.intent`,
  :mod:`~course_lib.tasks.churn`, :mod:`~course_lib.tasks.demand`,
  :mod:`~course_lib.tasks.forecast`;
* :mod:`~course_lib.tasks.report`: all of them on one log, and the report's files.

Import from the modules (``from course_lib.tasks.report import run_tasks``):
this package imports none of them itself, so that ``course_lib.tasks.settings``
loads in a blink for the command line, without Keras.
"""
