"""Choices made on validation, recorded once with what they depend on, and reused (lessons 08, 09).

Choosing a network's epochs on a validation window means training it once
more before the refit that is reported. Lesson 08 makes five such choices
(next item: the GRU, SASRec and the fine-tuned behaviour model; the intent
and churn classifiers), each a training run of its own, and lesson 09 one
search on Online Retail's validation window (session-kNN's grid, the GRU's
epochs), 20-40 s.
Every learner's run makes exactly the same ones: same shipped models, same
data, same seeds.

:class:`RecordedChoices` keeps each choice under a *fingerprint* of
everything it depends on: the model's class and settings (the pretrained
model's weights included), the training rule, the data (digests of the
arrays) and the library code that prepares the training windows, trains and
tunes (:data:`CODE`). A run
whose fingerprint matches a record reuses it and says so; any other run
(another seed, other settings or data, a rebuilt pretrained model, changed
code) chooses on validation there and then, exactly as without records.
Nothing is ever chosen on test.

The same holds for a network's training once its settings are chosen: lesson
08 refits three networks on its next-item split with three seeds each (about
four and a half minutes), with the same result on every run, lesson 09 shows
the same GRU and SASRec (seed 0) on its board, and refits its GRU on Online
Retail's baskets (about 25 s).
:meth:`RecordedChoices.fitted` keeps their weights
in ``recorded_choices.npz`` beside the record file, under the fingerprint of
the model's settings, the training sessions and the code, and restores them
when the fingerprint matches; any other fit trains. Lesson 08 also fine-tunes
its intent and churn classifiers with three seeds each (about 26 s):
:meth:`RecordedChoices.classifier_scores` keeps each fit's *test scores*
(about 60 kB in all; the six networks' weights would take 4 MB).

``scripts/record_validation_choices.py`` runs lessons 08 and 09 with
``COURSE_RECORD_CHOICES`` set: every choice is then made on validation and
written to the record file (:data:`SHIPPED_RECORDS`) and the weights file,
which replace the old ones completely or not at all. The validation scores can differ in the last
digits between machines (BLAS, threads), as the lessons' own numbers can.
"""
from __future__ import annotations

import dataclasses
import hashlib
import inspect
import io
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from course_lib.datasets.uci_retail import REPO_DATASETS
from course_lib.evaluate.tuning import TrainingRule, TuningResult, tune_model
from course_lib.files import replace_file
from course_lib.models.base import KerasNextItemModel
from course_lib.models.behaviour import BehaviourClassifier, BehaviourModel
from course_lib.prep.sequences import ItemVocab

#: set (to the record file's path) to choose everything on validation and record it
RECORD_VARIABLE = "COURSE_RECORD_CHOICES"
#: the choices lessons 08 and 09 made on validation, shipped with the course
SHIPPED_RECORDS = REPO_DATASETS / "recorded_choices.json"
_LIBRARY = Path(__file__).resolve().parents[1]
#: the code a choice also depends on: a change to any of it makes every record stale (``prep``:
#: the windows, prefixes and validation cases the models are trained and chosen on)
CODE = ("models", "prep", "evaluate/tuning.py", "tasks/next_item.py", "tasks/registry.py")
#: left out of :data:`CODE`: the SQL engines of ``course-lib prepare`` (lesson 10), which nothing
#: the lessons train or choose on reads (a test checks that no module of :data:`CODE` imports them)
NOT_CODE = ("prep/engines",)

#: what :attr:`RecordedChoices.log` says of a choice taken from the record file (followed by its
#: name), and of one made on validation in this run (tests read the lessons' output for them)
REUSED = "recorded in"
MADE_HERE = "chosen on validation in this run"
#: what :attr:`RecordedChoices.log` says of a network trained in this run, its weights not recorded
TRAINED_HERE = "trained in this run"


def code_files() -> list[Path]:
    """The library's files under :data:`CODE`, without those under :data:`NOT_CODE`."""
    files = []
    for part in CODE:
        path = _LIBRARY / part
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return [f for f in files if not any(f.is_relative_to(_LIBRARY / part) for part in NOT_CODE)]


def code_digest() -> str:
    """A digest of the library code that trains and tunes the models (:func:`code_files`)."""
    return digest({str(f.relative_to(_LIBRARY)): f.read_text(encoding="utf-8").replace("\r", "")
                   for f in code_files()})


def shipped_records() -> "RecordedChoices":
    """The validation choices of lessons 08 and 09, recorded with the course
    (``scripts/record_validation_choices.py``): reused when the same inputs come again."""
    return RecordedChoices(SHIPPED_RECORDS)


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
            if any(isinstance(x, np.ndarray) for x in v[:1]):
                feed(list(v))
            else:   # strings (item ids): one buffer
                h.update(("\x1f".join(map(str, v)) + "\x1e").encode())
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
    """Every constructor argument ``model`` holds, its base classes' included: a subclass may fix
    some of them (``BehaviourNextItem`` passes its own ``loss`` and ``n_sample`` to its base),
    and ``get_params`` lists only the subclass's own."""
    names = []
    for cls in type(model).__mro__:
        init = cls.__dict__.get("__init__")
        if init is not None:
            names += [n for n, p in inspect.signature(init).parameters.items()
                      if n != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    return {n: getattr(model, n) for n in dict.fromkeys(names) if hasattr(model, n)}


class RecordedChoices:
    """Validation choices kept in a JSON file: ``tune`` and ``tuning_results`` (next item),
    ``classifier_epochs`` (yes/no); and trained networks, ``fitted`` (weights in a ``.npz`` beside it).

    ``record``: choose everything on validation and write each choice to
    ``path`` (default: on when ``COURSE_RECORD_CHOICES`` is set, to that
    path). :attr:`log` says, for each choice, whether it was recorded or
    made in this run.
    """

    def __init__(self, path, record: bool | None = None):
        variable = os.environ.get(RECORD_VARIABLE)
        self.record = bool(variable) if record is None else record
        self.path = Path(variable) if (variable and record is None) else Path(path)
        # recording into the file a run started (several notebooks add to it); reading the shipped one
        self.entries = json.loads(self.path.read_text()) if self.path.is_file() and (
            not self.record or variable) else {}
        self.log: list[str] = []

    @property
    def weights_path(self) -> Path:
        """The recorded networks' weights (:meth:`fitted`): beside the record file, ``.npz``."""
        return self.path.with_suffix(".npz")

    @staticmethod
    def _fingerprint(depends_on: dict) -> tuple[str, str]:
        """(the record's key: a digest of ``depends_on`` and the code, the code's digest)."""
        code = code_digest()
        return digest({**depends_on, "code": code}), code

    def _write(self, key: str, what: str, code: str, choice) -> None:
        """Add one record and rewrite the record file (completely or not at all)."""
        self.entries[key] = {"what": what, "code": code, "choice": choice}
        replace_file(self.path, json.dumps(self.entries, indent=1) + "\n")

    def _lookup(self, what: str, depends_on: dict, choose):
        key, code = self._fingerprint(depends_on)
        if key in self.entries and not self.record:
            self.log.append(f"{what}: {REUSED} {self.path.name}")
            return self.entries[key]["choice"], True
        choice = choose()
        self.log.append(f"{what}: {MADE_HERE}")
        if self.record:
            self._write(key, what, code, choice)
        return choice, False

    # ------------------------------------------------------------------ next item
    def tune(self, model, valid, *, rule: TrainingRule, key: str) -> TuningResult:
        """:func:`~course_lib.evaluate.tuning.tune_model` on ``valid`` with the model's own
        settings (no grid, no time budget), or its recorded result."""
        depends_on = {"kind": "next-item tuning", "model": type(model).__name__,
                      "settings": settings_of(model), "rule": rule, "valid": valid}
        return self.tuning_results(f"{key} (next item)", depends_on,
                                   lambda: {key: tune_model(model, valid, rule=rule, key=key)})[key]

    def tuning_results(self, what: str, depends_on: dict, tune) -> dict[str, TuningResult]:
        """``tune()`` (model key -> :class:`~course_lib.evaluate.tuning.TuningResult`, chosen on
        validation without a time budget), or its record when ``depends_on`` is what it was."""
        choice, recorded = self._lookup(what, depends_on, lambda: {k: _encode(r) for k, r in tune().items()})
        return {k: _decode(k, d, self.path.name if recorded else None) for k, d in choice.items()}

    # ------------------------------------------------------------------ trained networks
    def fitted(self, model, sessions, n_items: int, *, key: str | None = None, progress: bool = False):
        """``model.fit(sessions, n_items)``, or the weights that same fit gave when it was recorded
        (lesson 08's three next-item networks, three seeds each: about four and a half minutes of
        training on every run; lesson 09's GRU and SASRec on the synthetic shop, the same fits as
        lesson 08's seed 0, through ``rank_models(fit=...)``, and its GRU on Online Retail's baskets).

        The fingerprint holds the model's class and settings (the epochs chosen on validation
        and the pretrained weights included), the training sessions and the library code
        (:data:`CODE`); any other fit trains here. A restored model's ``train_seconds`` is the
        recorded training time. A model without a network (Markov, session-kNN, ...) is simply
        fitted: it trains in well under a second. ``key`` names the model in :attr:`log` (by
        default its name). Returns ``model``.
        """
        if not isinstance(model, KerasNextItemModel):
            return model.fit(sessions, n_items, progress=progress)
        fingerprint, code = self._fingerprint({"kind": "trained weights", "model": type(model).__name__,
                                               "settings": settings_of(model), "sessions": sessions,
                                               "n_items": n_items})
        what = f"{key or model.name} (trained weights)"
        record, weights = self._recorded_arrays(fingerprint)
        if weights is not None:
            model.restore(sessions, n_items, weights, record["train_seconds"])
            self.log.append(f"{what}: {REUSED} {self.weights_path.name} "
                            f"(it trained in {record['train_seconds']:.0f} s when recorded)")
            return model
        model.fit(sessions, n_items, progress=progress)
        self.log.append(f"{what}: {TRAINED_HERE}")
        if self.record:
            self._record_arrays(fingerprint, what, code, model.train_network.get_weights(), model.train_seconds)
        return model

    def classifier_scores(self, classifier, train, test) -> np.ndarray:
        """``classifier.fit(train).score(test)``, or the test scores that same fit and test gave when
        recorded (lesson 08's fine-tuned intent and churn networks, three seeds each).

        The fingerprint holds what :meth:`classifier_epochs` depends on, the epochs the fit will
        train (:attr:`~course_lib.models.behaviour.BehaviourClassifier.planned_epochs`), the test
        cases and the code (:data:`CODE`); any other fit trains here. A reused record also gives the
        classifier its epochs, validation history, training time and size
        (:meth:`~course_lib.models.behaviour.BehaviourClassifier.use_recorded_fit`). A model without
        a network (a rule, a feature model, a linear probe) is simply fitted and scored.
        """
        if not (isinstance(classifier, BehaviourClassifier) and classifier.mode != "probe"):
            return classifier.fit(train).score(test)
        fingerprint, code = self._fingerprint({"kind": "classifier test scores", "test": test,
                                               "epochs": classifier.planned_epochs,
                                               **_classifier_inputs(classifier, train)})
        what = f"{classifier.name}, seed {classifier.seed} (test scores)"
        record, arrays = self._recorded_arrays(fingerprint)
        if arrays is not None:
            classifier.use_recorded_fit(record["epochs"], record["history"], record["train_seconds"],
                                        record["params"])
            self.log.append(f"{what}: {REUSED} {self.weights_path.name} "
                            f"(its network trained in {record['train_seconds']:.0f} s when recorded)")
            return arrays[0]
        scores = classifier.fit(train).score(test)
        self.log.append(f"{what}: {TRAINED_HERE}")
        if self.record:
            self._record_arrays(fingerprint, what, code, [scores], classifier.train_seconds,
                                epochs=int(classifier.chosen_epochs), history=classifier.validation_history,
                                params=int(classifier.params))
        return scores

    def _recorded_arrays(self, fingerprint: str) -> tuple[dict | None, list[np.ndarray] | None]:
        """(the record of a fit, its arrays); no arrays when recording, or when none were recorded."""
        record = self.entries.get(fingerprint, {}).get("choice")
        arrays = None if (self.record or record is None) else self._read_weights(fingerprint, record["arrays"])
        return record, arrays

    def _record_arrays(self, fingerprint: str, what: str, code: str, arrays, train_seconds: float,
                       **more) -> None:
        """Write a fit's arrays (weights or test scores) and its record: its training time, the number
        of arrays, and ``more``."""
        self._write_weights(fingerprint, arrays)
        self._write(fingerprint, what, code, {"train_seconds": round(float(train_seconds), 1),
                                              "arrays": len(arrays), **more})

    def _read_weights(self, fingerprint: str, n_arrays: int) -> list[np.ndarray] | None:
        """The recorded arrays of one fit, or None when the weights file lacks them."""
        if not self.weights_path.is_file():
            return None
        with np.load(self.weights_path, allow_pickle=False) as stored:
            names = [f"{fingerprint}_{i:03d}" for i in range(n_arrays)]
            return [stored[name] for name in names] if all(n in stored.files for n in names) else None

    def _write_weights(self, fingerprint: str, weights) -> None:
        """Add one fit's arrays to the weights file (replaced completely or not at all)."""
        arrays = {}
        if self.weights_path.is_file():
            with np.load(self.weights_path, allow_pickle=False) as stored:
                arrays = {name: stored[name] for name in stored.files if not name.startswith(fingerprint)}
        arrays.update({f"{fingerprint}_{i:03d}": np.asarray(w) for i, w in enumerate(weights)})
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)
        replace_file(self.weights_path, buffer.getvalue())

    # ------------------------------------------------------------------ yes/no
    def classifier_epochs(self, classifier, examples):
        """Give a fine-tuned :class:`~course_lib.models.behaviour.BehaviourClassifier` its epochs,
        chosen on validation cases of ``examples`` (recorded, or chosen now); returns it."""
        depends_on = {"kind": "classifier epochs", **_classifier_inputs(classifier, examples)}

        def choose():
            epochs = classifier.choose_epochs(examples)
            return {"epochs": int(epochs), "history": classifier.validation_history}
        choice, _ = self._lookup(f"{classifier.name} (epochs)", depends_on, choose)
        classifier.use_chosen_epochs(choice["epochs"], choice["history"])
        return classifier


def _classifier_inputs(classifier, examples) -> dict:
    """What a fine-tuned classifier's epochs and training depend on besides the code."""
    settings = {name: getattr(classifier, name) for name in (
        "mode", "batch_size", "learning_rate", "seed", "max_epochs", "patience", "validation_share")}
    return {"model": type(classifier).__name__, "settings": settings, "pretrained": classifier.pretrained,
            "actions": classifier.actions, "examples": examples}


def _plain(v):
    return v.item() if isinstance(v, np.generic) else v


def _encode(r: TuningResult) -> dict:
    return {"params": {k: _plain(v) for k, v in r.params.items()}, "score": float(r.score),
            "trials": [{k: _plain(v) for k, v in row.items()} for row in r.trials.to_dict("records")],
            "note": r.note, "seconds": round(r.seconds, 1), "loss_used": r.loss_used,
            "grid_size": r.grid_size, "refit_s": round(r.refit_s, 1)}


def _decode(key: str, d: dict, recorded_in: str | None) -> TuningResult:
    note = d["note"] + (f"; {REUSED} {recorded_in}" if recorded_in else "")
    return TuningResult(key, dict(d["params"]), d["score"], pd.DataFrame(d["trials"]), note, d["seconds"],
                        d["loss_used"], d["grid_size"], d["refit_s"])
