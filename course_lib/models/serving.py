"""Saving a trained next-item model and serving recommendations (lesson 08).

A saved recommender is a folder with two files:

* ``model.keras``: the Keras network (architecture and weights), loaded back
  with ``safe_mode=True`` (Keras then refuses to run code stored in the
  file, such as lambda layers, so loading a file from someone else cannot
  execute it);
* ``recommender.json``: the item vocabulary (code -> item id) and the prefix
  length, without which the network's outputs mean nothing.

The folder is written completely or not at all, by
:func:`course_lib.files.write_folder`.
"""
from __future__ import annotations

import json
from pathlib import Path

import keras
import numpy as np

from course_lib.files import write_folder
from course_lib.models import attention, session_rnn  # noqa: F401  (register their layers for loading)
from course_lib.models.base import KerasNextItemModel
from course_lib.prep.sequences import ItemVocab, left_pad

MODEL_FILE, META_FILE = "model.keras", "recommender.json"


class Recommender:
    """``recommend(history, k)``: the ``k`` items most likely next after ``history`` (item ids)."""

    def __init__(self, network: keras.Model, vocab: ItemVocab, max_len: int, name: str = "model"):
        self.network, self.vocab, self.max_len, self.name = network, vocab, max_len, name

    @classmethod
    def from_model(cls, model, vocab: ItemVocab) -> "Recommender":
        """Wrap a fitted Keras model whose network reads prefixes (GRU, LSTM, SASRec)."""
        if not (isinstance(model, KerasNextItemModel) and model.takes_prefixes
                and hasattr(model, "network")):
            raise TypeError(f"{type(model).__name__} cannot be saved as a Recommender: it takes a "
                            "fitted GRU, LSTM or SASRec model (SessionRNN or SASRec)")
        return cls(model.network, vocab, model.max_len, model.name)

    def scores(self, history) -> np.ndarray:
        """Scores of items 1..n after ``history``; items the model never saw are skipped, with a warning."""
        history = list(history)
        codes = self.vocab.encode(history)
        if (codes == 0).any():
            import warnings

            unknown = [h for h, c in zip(history, codes) if c == 0][:5]
            warnings.warn(f"{int((codes == 0).sum())} item(s) of the history are not in the model's "
                          f"vocabulary and are skipped, e.g. {unknown} (check the id type: 152 and "
                          f"'152' differ)", stacklevel=3)
        codes = codes[codes > 0]
        x = left_pad([codes], self.max_len).astype("int32")
        return keras.ops.convert_to_numpy(self.network(x, training=False))[0, 1:]

    def recommend(self, history, k: int = 10, exclude_seen: bool = False) -> list:
        """Item ids of the ``k`` best next items, best first."""
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
        meta = json.dumps({"name": self.name, "max_len": self.max_len, "items": items}, indent=1)
        return write_folder(folder, {MODEL_FILE: self.network.save,
                                     META_FILE: lambda path: path.write_text(meta)})


def load_recommender(folder) -> Recommender:
    """Load a folder written by :meth:`Recommender.save` (Keras safe mode on)."""
    folder = Path(folder)
    for name in (MODEL_FILE, META_FILE):
        if not (folder / name).is_file():
            raise FileNotFoundError(f"{folder / name} is missing: is {folder} a saved recommender?")
    meta = json.loads((folder / META_FILE).read_text())
    network = keras.saving.load_model(folder / MODEL_FILE, safe_mode=True)
    return Recommender(network, ItemVocab(meta["items"]), int(meta["max_len"]), meta.get("name", "model"))
