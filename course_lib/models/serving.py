"""Saving a trained next-item model and serving recommendations (lessons 09-10, ``course-lib report``).

A saved recommender is a folder holding the model and ``recommender.json``:
the item vocabulary (code -> item id), the prefix length and what kind of
model it is, without which the model's outputs mean nothing. The model is
whichever did best on validation, so it can be

* a **Keras network** (GRU, LSTM, SASRec, lesson 08's fine-tuned behaviour
  model): ``model.keras``, architecture and weights, loaded back with
  ``safe_mode=True`` (Keras then refuses to run code stored in the file, such
  as lambda layers); a network that reads more than the prefix (the behaviour
  model's event and gap channels) has that rule in ``recommender.json``;
* a **baseline** (popularity, Markov chain, session-kNN): ``state.npz``, its
  fitted arrays (a sparse matrix as its CSR parts), with its constructor
  arguments in ``recommender.json``. It is loaded with
  ``allow_pickle=False`` into a class chosen from :data:`BASELINES` by the
  model's key, so a file from someone else can hold numbers, never code.

The folder is written completely or not at all, by
:func:`course_lib.files.write_folder`.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import keras
import numpy as np
import scipy.sparse as sp

from course_lib.files import write_folder
from course_lib.models import attention, session_rnn  # noqa: F401  (register their layers for loading)
from course_lib.models.base import KerasNextItemModel, NextItemBase
from course_lib.models.behaviour import visit_inputs
from course_lib.models.baselines import MarkovChain, Popularity
from course_lib.models.neighbours import STAN, VSKNN, SessionKNN
from course_lib.prep.sequences import ItemVocab, left_pad

MODEL_FILE, STATE_FILE, META_FILE = "model.keras", "state.npz", "recommender.json"

#: the baselines a recommender folder can hold, by key (one line for each new one)
BASELINES: dict[str, type[NextItemBase]] = {
    "pop": Popularity,
    "markov": MarkovChain,
    "sknn": SessionKNN,
    "vsknn": VSKNN,
    "stan": STAN,
}


def baseline_state(model: NextItemBase) -> tuple[dict, dict[str, np.ndarray]]:
    """(JSON-able description, arrays) of a fitted baseline: every attribute that is an array,
    a sparse matrix or a plain number; anything else is refused with its name."""
    kinds, arrays = {}, {}
    params = model.get_params()
    for name, value in vars(model).items():
        if name in params or name == "train_seconds":
            continue
        if sp.issparse(value):
            csr = sp.csr_matrix(value)
            kinds[name] = "csr"
            arrays.update({f"{name}.data": csr.data, f"{name}.indices": csr.indices,
                           f"{name}.indptr": csr.indptr, f"{name}.shape": np.asarray(csr.shape)})
        elif isinstance(value, np.ndarray):
            if value.dtype == object:
                raise TypeError(f"{type(model).__name__}.{name} holds Python objects: it cannot be "
                                "saved without pickle")
            kinds[name] = "array"
            arrays[name] = value
        elif value is None:
            kinds[name] = "none"
        elif isinstance(value, (bool, int, float, str, np.generic)):
            kinds[name] = "value"
            arrays[name] = np.asarray(value)
        else:
            raise TypeError(f"{type(model).__name__}.{name} ({type(value).__name__}) cannot be saved "
                            "as arrays")
    return {"params": params, "state": kinds}, arrays


def baseline_from_state(key: str, description: dict, arrays) -> NextItemBase:
    """The baseline :func:`baseline_state` described, rebuilt from its arrays."""
    if key not in BASELINES:
        raise ValueError(f"unknown baseline {key!r} in the recommender folder; known: "
                         f"{', '.join(BASELINES)}")
    model = BASELINES[key](**description["params"])
    for name, kind in description["state"].items():
        if kind == "csr":
            shape = tuple(int(n) for n in arrays[f"{name}.shape"])
            value = sp.csr_matrix((arrays[f"{name}.data"], arrays[f"{name}.indices"],
                                   arrays[f"{name}.indptr"]), shape=shape)
        elif kind == "array":
            value = arrays[name]
        elif kind == "none":
            value = None
        else:
            value = arrays[name].item()
        setattr(model, name, value)
    return model


class Recommender:
    """``recommend(history, k)``: the ``k`` items most likely next after ``history`` (item ids).

    ``model`` is a Keras scoring network (``network``) or a fitted baseline.
    """

    def __init__(self, model, vocab: ItemVocab, max_len: int, name: str = "model",
                 inputs: dict | None = None):
        self.model, self.vocab, self.max_len, self.name = model, vocab, max_len, name
        self.inputs = inputs   # KerasNextItemModel.serving_inputs: None, or {"visit": {event, gap}}
        if inputs is not None and set(inputs) != {"visit"}:
            raise ValueError(f"unknown input rule {sorted(inputs)}: a recommender knows only 'visit'")

    @property
    def network(self) -> keras.Model | None:
        """The Keras network, if the model is one."""
        return self.model if isinstance(self.model, keras.Model) else None

    @property
    def kind(self) -> str:
        """``"keras"`` or ``"baseline"``."""
        return "keras" if self.network is not None else "baseline"

    @classmethod
    def from_model(cls, model, vocab: ItemVocab, max_len: int | None = None) -> "Recommender":
        """Wrap a fitted model: a Keras model whose network reads prefixes (GRU, LSTM, SASRec),
        or a baseline of :data:`BASELINES` (``max_len``: the prefix length it is given)."""
        if isinstance(model, KerasNextItemModel):
            if not (model.takes_prefixes and hasattr(model, "network")):
                raise TypeError(f"{type(model).__name__} cannot be saved as a Recommender: it takes "
                                "a fitted GRU, LSTM, SASRec or behaviour model (SessionRNN, SASRec, "
                                "BehaviourNextItem), or a fitted baseline")
            return cls(model.network, vocab, model.max_len, model.name, model.serving_inputs())
        if model.name not in BASELINES or not isinstance(model, BASELINES[model.name]):
            raise TypeError(f"{type(model).__name__} cannot be saved as a Recommender: it is "
                            f"neither a prefix-reading Keras model nor one of {', '.join(BASELINES)}")
        if np.isnan(model.train_seconds):
            raise TypeError(f"{type(model).__name__} cannot be saved as a Recommender: fit it first")
        return cls(model, vocab, max_len or 10, model.name)

    def scores(self, history) -> np.ndarray:
        """Scores of items 1..n after ``history``; items the model never saw are skipped, with a warning."""
        history = list(history)
        codes = self.vocab.encode(history)
        if (codes == 0).any():
            unknown = [h for h, c in zip(history, codes) if c == 0][:5]
            warnings.warn(f"{int((codes == 0).sum())} item(s) of the history are not in the model's "
                          f"vocabulary and are skipped, e.g. {unknown} (check the id type: 152 and "
                          f"'152' differ)", stacklevel=3)
        codes = codes[codes > 0]
        x = left_pad([codes], self.max_len).astype("int32")
        if self.network is not None:
            if self.inputs is not None:
                x = visit_inputs(x, **self.inputs["visit"])
            return keras.ops.convert_to_numpy(self.network(x, training=False))[0, 1:]
        return np.asarray(self.model.score(x), dtype="float32")[0, 1:]

    def recommend(self, history, k: int = 10, exclude_seen: bool = False) -> list:
        """Item ids of the ``k`` best next items, best first (ties: the lower code first)."""
        if k < 1:
            raise ValueError("k must be at least 1")
        scores = self.scores(history)
        if exclude_seen:
            seen = self.vocab.encode(list(history))
            scores[seen[seen > 0] - 1] = -np.inf
        top = np.argsort(-scores, kind="stable")[:k]
        return [item.item() if hasattr(item, "item") else item for item in self.vocab.decode(top + 1)]

    def save(self, folder) -> Path:
        """Write ``folder`` (new, or an empty folder) completely or not at all."""
        items = [item.item() if hasattr(item, "item") else item for item in self.vocab.items]
        meta = {"name": self.name, "kind": self.kind, "max_len": self.max_len, "items": items}
        if self.inputs is not None:
            meta["inputs"] = self.inputs
        if self.network is not None:
            files = {MODEL_FILE: self.network.save}
        else:
            description, arrays = baseline_state(self.model)
            meta["baseline"] = description
            files = {STATE_FILE: lambda path: np.savez(path, **arrays)}
        text = json.dumps(meta, indent=1)
        return write_folder(folder, {**files, META_FILE: lambda path: path.write_text(text)})


def load_recommender(folder) -> Recommender:
    """Load a folder written by :meth:`Recommender.save` (Keras safe mode on; no pickle)."""
    folder = Path(folder)
    if not (folder / META_FILE).is_file():
        raise FileNotFoundError(f"{folder / META_FILE} is missing: is {folder} a saved recommender?")
    meta = json.loads((folder / META_FILE).read_text())
    kind = meta.get("kind", "keras")
    model_file = folder / (MODEL_FILE if kind == "keras" else STATE_FILE)
    if not model_file.is_file():
        raise FileNotFoundError(f"{model_file} is missing: is {folder} a saved recommender?")
    name = meta.get("name", "model")
    if kind == "keras":
        model = keras.saving.load_model(model_file, safe_mode=True)
    else:
        with np.load(model_file, allow_pickle=False) as arrays:
            model = baseline_from_state(name, meta["baseline"], {k: arrays[k] for k in arrays.files})
    return Recommender(model, ItemVocab(meta["items"]), int(meta["max_len"]), name, meta.get("inputs"))
