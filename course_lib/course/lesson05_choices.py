"""What lesson 05 chose on its validation window, for lessons 06 and 07 to reuse.

Lessons 06 and 07 rank the same split as lesson 05 and take its choices
instead of tuning again (that would cost them a minute each). Lesson 05 checks
on every run, with a ``claim``, that its validation still chooses these; if it
stops doing so, its notebook fails and these values are to be updated.
"""

#: session-kNN's settings (lesson 05, section 3: ``tune`` over k, sample and remind)
SKNN = {"k": 20, "sample": 1000, "remind": False}

#: the GRU's settings (lesson 05, section 4: ``tune_model`` with ``TrainingRule(max_epochs=6)``)
GRU = {"learning_rate": 0.01, "batch_size": 64, "epochs": 6}
