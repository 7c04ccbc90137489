"""The next-item models by stable key, and their display labels (lessons 09-10, ``course-lib``).

A key names a kind of model and never changes with its hyper-parameters: the
leaderboards, the CSV files, ``--models`` and the saved model all use it
(``sknn``, never ``sknn(k=20)``: the chosen k is reported beside it). Labels
are for people: figures and prose.
"""
from __future__ import annotations

from collections.abc import Callable

from course_lib.models.attention import SASRec
from course_lib.models.base import NextItemModel
from course_lib.models.behaviour import BehaviourModel, BehaviourNextItem
from course_lib.models.baselines import MarkovChain, Popularity
from course_lib.models import neighbours
from course_lib.models.neighbours import STAN, VSKNN, SessionKNN
from course_lib.models.graph import SRGNN
from course_lib.models.session_rnn import SessionRNN
from course_lib.tasks.settings import MODEL_KEYS, NextItemSettings

LABELS = {
    "pop": "popularity",
    "markov": "Markov chain",
    "sknn": "session-kNN",
    "vsknn": "V-SKNN",
    "stan": "STAN",
    "gru4rec": "GRU4Rec",
    "lstm": "LSTM",
    "srgnn": "SR-GNN",
    "sasrec": "SASRec",
    "behaviour": "behaviour model (pretrained)",
}
BASELINES = ("pop", "markov", "sknn", "vsknn", "stan")
NEURAL = ("gru4rec", "lstm", "srgnn", "sasrec")
# with --pretrained: lesson 08's behaviour model, pretrained on the log, fine-tuned for next items
PRETRAINED = ("behaviour",)
# models a Recommender can save; without a validation window the report saves the first of
# them it trained (a fixed order, never the test score); with one, the best on validation
SERVABLE = ("gru4rec", "sasrec", "lstm", "behaviour", "markov", "stan", "vsknn", "sknn", "pop")


def label(key: str) -> str:
    """The display label of a model key (the key itself if it has none)."""
    return LABELS.get(key, key)


def _neural(s: NextItemSettings, **changes) -> dict:
    """The settings every neural model shares, with ``changes``."""
    return {"max_len": s.max_len, "epochs": s.epochs, "batch_size": s.batch_size,
            "learning_rate": s.learning_rate, "loss": s.loss, **changes}


# key -> constructor: a fresh, unfitted model with the hyper-parameters of the settings
CONSTRUCTORS: dict[str, Callable[[NextItemSettings], NextItemModel]] = {
    "pop": lambda s: Popularity(),
    "markov": lambda s: MarkovChain(),
    "sknn": lambda s: SessionKNN(k=s.sknn_k, sample=s.sknn_sample, remind=s.sknn_remind),
    "vsknn": lambda s: VSKNN(),
    "stan": lambda s: STAN(),
    "gru4rec": lambda s: SessionRNN(cell="gru", hidden=s.hidden, **_neural(s)),
    "lstm": lambda s: SessionRNN(cell="lstm", hidden=s.hidden, **_neural(s)),
    "srgnn": lambda s: SRGNN(dim=s.hidden, **_neural(s, epochs=s.srgnn_epochs,
                                                     batch_size=s.srgnn_batch_size)),
    "sasrec": lambda s: SASRec(dim=s.hidden, blocks=s.sasrec_blocks, **_neural(s)),
}


# key -> the grid tuned on validation (a list of settings tried in order, or a dict of values
# searched one parameter at a time: course_lib.evaluate.tuning.tune_model); a key without one
# only gets its validation score (and a neural model its early stopping)
GRIDS: dict[str, Callable[[NextItemSettings], list | dict]] = {
    "sknn": lambda s: s.sknn_grid,
    "vsknn": lambda s: neighbours.GRIDS["vsknn"],
    "stan": lambda s: neighbours.GRIDS["stan"],
    "gru4rec": lambda s: s.neural_grid("hidden"),
    "lstm": lambda s: s.neural_grid("hidden"),
    "srgnn": lambda s: s.neural_grid("dim", dropout=False),
    "sasrec": lambda s: s.neural_grid("dim"),
}


def grid(key: str, settings: NextItemSettings) -> list | dict:
    """The validation grid of ``key`` under ``settings`` (empty: nothing to choose)."""
    return GRIDS[key](settings) if key in GRIDS else []


def make_model(key: str, settings: NextItemSettings) -> NextItemModel:
    """A fresh, unfitted model for ``key``, with the hyper-parameters of ``settings``."""
    if key not in CONSTRUCTORS:
        raise KeyError(f"unknown model {key!r}; choose from {', '.join(MODEL_KEYS)}")
    return CONSTRUCTORS[key](settings)


def make_pretrained(pretrained: BehaviourModel, vocab, settings: NextItemSettings) -> BehaviourNextItem:
    """The ``behaviour`` model: ``pretrained`` fine-tuned for next items on the split whose
    vocabulary is ``vocab`` (lesson 08's learning rate, 1e-3: the pretrained weights move little)."""
    return BehaviourNextItem(pretrained, vocab, mode="finetune", max_len=settings.max_len,
                             epochs=settings.epochs, batch_size=settings.batch_size,
                             learning_rate=1e-3)


def make_models(settings: NextItemSettings) -> list[NextItemModel]:
    """Fresh, unfitted models in the order of ``settings.models``."""
    return [make_model(key, settings) for key in settings.models]
