"""The next-item networks lessons 08 and 09 train on the case study's shop, and for how long.

Lesson 08 sets its pretrained behaviour model against a GRU and SASRec trained
from scratch on the case study's next-item split; lesson 09's leaderboard shows
the same two networks on the same split. Both lessons build them from
:data:`SETTINGS` and train them as long as :data:`EARLY_STOPPING` decides on
the validation window, so the two boards show the same networks (with the
shipped records, restored from the same recorded weights:
``course_lib.evaluate.recorded_choices``).
"""
from course_lib.evaluate.tuning import TrainingRule
from course_lib.models.base import clone
from course_lib.tasks.registry import make_model
from course_lib.tasks.settings import NextItemSettings

#: the GRU (``gru4rec``) and SASRec (``sasrec``, two blocks): 64 units, the last 10 items, lesson
#: 05's learning rate (chosen on validation for the GRU; SASRec's is untuned); the epochs and the
#: batch size here are placeholders that :data:`EARLY_STOPPING` replaces
SETTINGS = NextItemSettings(models=("gru4rec", "sasrec"), max_len=10, hidden=64, learning_rate=1e-2,
                            sasrec_blocks=2)

#: batches of 128; training stops after two epochs without a gain in validation MRR@20, and
#: the best epoch is the one kept (the cap of 30 epochs is never reached on the shop)
EARLY_STOPPING = TrainingRule(min_batch=128, max_batch=128, min_epochs=1, max_epochs=30, patience=2)


def network(key: str, seed: int = 0):
    """A fresh, unfitted ``gru4rec`` or ``sasrec`` with :data:`SETTINGS` and ``seed``."""
    return clone(make_model(key, SETTINGS), seed=seed)
