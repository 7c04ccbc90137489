"""Choices made on validation, recorded once with what they depend on, and reused (lesson 08).

Choosing a network's epochs on a validation window means training it once
more before the refit that is reported. Lesson 08 makes five such choices
(next item: SASRec and the fine-tuned behaviour model; the intent and churn
classifiers), which cost about half of its run, and every learner's run would
make exactly the same ones: same shipped model, same data, same seeds.

:class:`RecordedChoices` keeps each choice under a *fingerprint* of
everything it depends on: the model's class and settings (the pretrained
model's weights included), the training rule, and the data (digests of the
arrays). A run whose fingerprint matches a record reuses it and says so; any
other run (another seed, other settings or data, a rebuilt pretrained model)
chooses on validation there and then, exactly as without records. Nothing is
ever chosen on test.

``scripts/record_validation_choices.py`` runs lesson 08 with
``COURSE_RECORD_CHOICES`` set: every choice is then made on validation and
written to the record file, which replaces the old one completely or not at
all. The validation scores can differ in the last digits between machines
(BLAS, threads), as the lesson's own numbers can.
"""
from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from course_lib.evaluate.tuning import TrainingRule, TuningResult, tune_model
from course_lib.files import replace_file
from course_lib.models.behaviour import BehaviourModel
from course_lib.prep.sequences import ItemVocab

#: set (to the record file's path) to choose everything on validation and record it
RECORD_VARIABLE = "COURSE_RECORD_CHOICES"


def digest(value) -> str:
    """A short, stable digest of settings and data: arrays by their bytes, a pretrained model by its
    weights, dataclasses (splits, examples, action logs, rules) field by field."""
    h = hashlib.sha256()

    def feed(v):
        if isinstance(v, dict):
            h.update(b"{")
            for k in sorted(v):
                h.update(str(k).encode())
                feed(v[k])
            h.update(b"}")
        elif isinstance(v, (list, tuple)):
            h.update(b"[")
            for item in v:
                feed(item)
            h.update(b"]")
        elif isinstance(v, np.ndarray) and v.dtype == object:
            feed([x if isinstance(x, np.ndarray) else str(x) for x in v])
        elif isinstance(v, np.ndarray):
            h.update(str((v.dtype, v.shape)).encode())
            h.update(np.ascontiguousarray(v).tobytes())
        elif isinstance(v, (pd.Series, pd.Index)):
            feed(np.asarray(v))
        elif isinstance(v, pd.DataFrame):
            feed({str(c): v[c].to_numpy() for c in v.columns})
        elif isinstance(v, BehaviourModel):
            feed({"settings": v.get_params(), "weights": v.network.get_weights(), "vocab": v.vocab})
        elif isinstance(v, ItemVocab):
            feed(np.asarray(v.items, dtype=str))
        elif dataclasses.is_dataclass(v) and not isinstance(v, type):
            feed({f.name: getattr(v, f.name) for f in dataclasses.fields(v)})
        elif v is None or isinstance(v, (bool, int, float, str, np.generic, pd.Timestamp)):
            h.update(repr(v.item() if isinstance(v, np.generic) else v).encode())
        else:
            raise TypeError(f"cannot fingerprint a {type(v).__name__}")
    feed(value)
    return h.hexdigest()[:24]


def settings_of(model) -> dict:
    """Every constructor argument ``model`` holds, its base classes' included (a subclass may pass
    some on through ``**kwargs``, which ``get_params`` does not list)."""
    names = []
    for cls in type(model).__mro__:
        init = cls.__dict__.get("__init__")
        if init is not None:
            names += [n for n, p in inspect.signature(init).parameters.items()
                      if n != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    return {n: getattr(model, n) for n in dict.fromkeys(names) if hasattr(model, n)}


class RecordedChoices:
    """Validation choices kept in a JSON file: ``tune`` (next item) and ``classifier_epochs``.

    ``record``: choose everything on validation and write each choice to
    ``path`` (default: on when ``COURSE_RECORD_CHOICES`` is set, to that
    path). :attr:`log` says, for each choice, whether it was recorded or
    made in this run.
    """

    def __init__(self, path, record: bool | None = None):
        variable = os.environ.get(RECORD_VARIABLE)
        self.record = bool(variable) if record is None else record
        self.path = Path(variable) if (variable and record is None) else Path(path)
        self.entries = {} if self.record or not self.path.is_file() else json.loads(self.path.read_text())
        self.log: list[str] = []

    def _lookup(self, what: str, depends_on: dict, choose):
        key = digest(depends_on)
        if key in self.entries:
            self.log.append(f"{what}: recorded in {self.path.name}")
            return self.entries[key]["choice"], True
        choice = choose()
        self.log.append(f"{what}: chosen on validation in this run")
        if self.record:
            self.entries[key] = {"what": what, "choice": choice}
            replace_file(self.path, json.dumps(self.entries, indent=1, sort_keys=True) + "\n")
        return choice, False

    # ------------------------------------------------------------------ next item
    def tune(self, model, valid, *, rule: TrainingRule, key: str) -> TuningResult:
        """:func:`~course_lib.evaluate.tuning.tune_model` on ``valid`` with the model's own
        settings (no grid, no time budget), or its recorded result."""
        depends_on = {"kind": "next-item tuning", "model": type(model).__name__,
                      "settings": settings_of(model), "rule": rule, "valid": valid}

        def choose():
            r = tune_model(model, valid, rule=rule, key=key)
            return {"params": {k: _plain(v) for k, v in r.params.items()}, "score": float(r.score),
                    "trials": [{k: _plain(v) for k, v in row.items()} for row in r.trials.to_dict("records")],
                    "note": r.note, "seconds": round(r.seconds, 1), "loss_used": r.loss_used,
                    "grid_size": r.grid_size}
        choice, recorded = self._lookup(f"{key} (next item)", depends_on, choose)
        note = choice["note"] + (f"; recorded in {self.path.name}" if recorded else "")
        return TuningResult(key, dict(choice["params"]), choice["score"], pd.DataFrame(choice["trials"]),
                            note, choice["seconds"], choice["loss_used"], choice["grid_size"])

    # ------------------------------------------------------------------ yes/no
    def classifier_epochs(self, classifier, examples):
        """Give a fine-tuned :class:`~course_lib.models.behaviour.BehaviourClassifier` its epochs,
        chosen on validation cases of ``examples`` (recorded, or chosen now); returns it."""
        settings = {name: getattr(classifier, name) for name in (
            "mode", "batch_size", "learning_rate", "seed", "max_epochs", "patience", "validation_share")}
        depends_on = {"kind": "classifier epochs", "model": type(classifier).__name__, "settings": settings,
                      "pretrained": classifier.pretrained, "actions": classifier.actions, "examples": examples}

        def choose():
            epochs = classifier.choose_epochs(examples)
            return {"epochs": int(epochs), "history": classifier.validation_history}
        choice, _ = self._lookup(f"{classifier.name} (epochs)", depends_on, choose)
        classifier.use_chosen_epochs(choice["epochs"], choice["history"])
        return classifier


def _plain(v):
    return v.item() if isinstance(v, np.generic) else v
