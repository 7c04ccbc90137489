"""Course-only material beside the library: exercise checkers and the column-mapping form.

``lessonNN_checks`` check the exercises of lesson NN (``exercise`` words the
verdicts); ``mapping_form`` is lesson 10's widget for mapping a log's
columns. A prototyper using ``course_lib`` on their own data needs none of
it; it may import any layer, and no layer imports it.
"""
