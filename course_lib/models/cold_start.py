"""Recommending items nobody has bought yet, from their descriptions (lesson 08).

Three ways to score a catalogue that holds new items, for the cases of
:func:`course_lib.prep.cold_start.cold_start_cases`; each ``score(prefixes)``
returns (cases, catalogue) scores:

* :class:`NeighbourhoodPopularity`: a known item scores its own training
  popularity; a new item the mean popularity of the ``k`` known items whose
  descriptions are most alike (popularity within its description's
  neighbourhood; Online Retail has no categories);
* :class:`BasketSimilarity`: how alike an item's description is to the
  descriptions already in the basket (content-based, no behaviour at all);
* :class:`BehaviourWithText`: the pretrained behaviour model's state after
  the basket, scored against item vectors: its own behaviour embeddings for
  the items it knows, and for the others vectors predicted from their
  descriptions by a small :class:`TextItemEncoder` trained to map the text
  of known items onto their behaviour embeddings.

Descriptions are compared as L2-normalised bags of hashed character n-grams
(:mod:`course_lib.prep.item_text`), so "BLUE RETRO KITCHEN WALL CLOCK" is
close to "RED RETRO KITCHEN WALL CLOCK".
"""
from __future__ import annotations

import time

import keras
import numpy as np
from keras import ops
from scipy import sparse

from course_lib.models.batching import pad_to_whole_batches, predict_in_fixed_batches
from course_lib.models.behaviour import BehaviourModel
from course_lib.prep.item_text import N_BUCKETS


def text_vectors(ngram_ids: np.ndarray, n_buckets: int = N_BUCKETS) -> sparse.csr_matrix:
    """Rows of n-gram counts, L2-normalised: the cosine of two rows is ``a @ b.T``."""
    rows = np.repeat(np.arange(len(ngram_ids)), ngram_ids.shape[1])
    cols = ngram_ids.ravel()
    keep = cols > 0
    counts = sparse.csr_matrix((np.ones(keep.sum()), (rows[keep], cols[keep])),
                               shape=(len(ngram_ids), n_buckets))
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
    return sparse.diags(1 / np.maximum(norms, 1e-12)) @ counts


class NeighbourhoodPopularity:
    """Popularity, with new items scored by the popularity of their description's neighbours."""

    name = "popularity in the description's neighbourhood"

    def __init__(self, k: int = 10):
        self.k = k

    def fit(self, vectors: sparse.csr_matrix, popularity: np.ndarray, n_known: int):
        """``vectors``: the catalogue's text vectors, known items first; ``popularity``: their counts."""
        similarity = (vectors[n_known:] @ vectors[:n_known].T).toarray()
        nearest = np.argsort(-similarity, axis=1, kind="stable")[:, :self.k]
        pop = np.asarray(popularity[:n_known], dtype=float)
        self.item_scores = np.concatenate([pop, pop[nearest].mean(axis=1)])
        return self

    def score(self, prefixes) -> np.ndarray:
        return np.tile(self.item_scores, (len(prefixes), 1))


class BasketSimilarity:
    """The largest cosine between an item's description and those already in the basket."""

    name = "description similarity to the basket"

    def fit(self, vectors: sparse.csr_matrix, catalogue, tie_breaker: np.ndarray | None = None):
        """``tie_breaker`` (one per item, e.g. neighbourhood popularity) orders items alike in text."""
        self.vectors, self.index = vectors, {item: i for i, item in enumerate(catalogue)}
        tb = np.zeros(vectors.shape[0]) if tie_breaker is None else np.asarray(tie_breaker, float)
        self.tie = 1e-6 * np.argsort(np.argsort(tb, kind="stable"), kind="stable") / max(len(tb), 1)
        return self

    def score(self, prefixes) -> np.ndarray:
        out = np.empty((len(prefixes), self.vectors.shape[0]))
        for row, prefix in enumerate(prefixes):
            seen = [self.index[i] for i in prefix if i in self.index]
            sims = (self.vectors[seen] @ self.vectors.T).toarray().max(axis=0) if seen else 0.0
            out[row] = sims + self.tie
        return out


@keras.saving.register_keras_serializable(package="course_lib")
class MeanOfNgrams(keras.layers.Layer):
    """The mean of the embeddings of a text's n-gram ids, padding (id 0) left out."""

    def call(self, inputs):
        vectors, ids = inputs
        weights = ops.cast(ops.expand_dims(ids > 0, -1), vectors.dtype)
        return ops.sum(vectors * weights, axis=1) / ops.maximum(ops.sum(weights, axis=1), 1.0)


def build_text_encoder(max_ngrams: int, out_dim: int, *, dim: int = 64,
                       n_buckets: int = N_BUCKETS) -> keras.Model:
    """n-gram ids -> mean of their embeddings -> a hidden layer -> ``out_dim`` numbers."""
    ids = keras.Input((max_ngrams,), dtype="int32", name="ngrams")
    vectors = keras.layers.Embedding(n_buckets, dim, name="ngram_embedding")(ids)
    x = MeanOfNgrams(name="mean_of_ngrams")([vectors, ids])
    x = keras.layers.Dense(dim, activation="relu", name="text_hidden")(x)
    return keras.Model(ids, keras.layers.Dense(out_dim, name="item_vector")(x), name="text_encoder")


class TextItemEncoder:
    """A small text encoder: from a description's n-grams to an item's behaviour vector (lesson 08).

    ``fit(ngram_ids, targets)`` learns to predict ``targets`` (one row per
    item: its behaviour embedding and bias) with squared error on
    standardised columns; ``predict(ngram_ids)`` gives vectors for any item
    with a description, bought or not.
    """

    def __init__(self, dim: int = 64, epochs: int = 40, batch_size: int = 256,
                 learning_rate: float = 3e-3, seed: int = 0):
        self.dim, self.epochs, self.batch_size = dim, epochs, batch_size
        self.learning_rate, self.seed = learning_rate, seed

    def fit(self, ngram_ids: np.ndarray, targets: np.ndarray):
        start = time.perf_counter()
        keras.utils.set_random_seed(self.seed)
        targets = np.asarray(targets, dtype="float32")
        self.mean, self.sd = targets.mean(axis=0), targets.std(axis=0) + 1e-6
        self.network = build_text_encoder(ngram_ids.shape[1], targets.shape[1], dim=self.dim)
        self.network.compile(optimizer=keras.optimizers.Adam(self.learning_rate), loss="mse")
        X, Y, W = pad_to_whole_batches(self.batch_size, ngram_ids.astype("int32"),
                                       (targets - self.mean) / self.sd,
                                       np.ones(len(targets), dtype="float32"))
        self.network.fit(X, Y, sample_weight=W, batch_size=self.batch_size, epochs=self.epochs,
                         shuffle=True, verbose=0)
        self.train_seconds = time.perf_counter() - start
        return self

    def predict(self, ngram_ids: np.ndarray) -> np.ndarray:
        out = predict_in_fixed_batches(self.network.predict_on_batch, ngram_ids.astype("int32"),
                                       self.batch_size)
        return out * self.sd + self.mean


def behaviour_item_table(model: BehaviourModel) -> np.ndarray:
    """(n_codes, dim + 1): each item code's input embedding and output bias in the behaviour model."""
    embedding = model.network.get_layer("item_embedding").get_weights()[0]
    bias = model.network.get_layer("next_item").get_weights()[0]
    return np.hstack([embedding, bias[:, None]])


class BehaviourWithText:
    """Behaviour embeddings where the model knows an item, text-predicted ones where it does not."""

    name = "behaviour model + item text"

    def __init__(self, pretrained: BehaviourModel, text_encoder: TextItemEncoder):
        self.pretrained, self.text_encoder = pretrained, text_encoder

    def fit(self, catalogue, ngram_ids: np.ndarray):
        """Item vectors for ``catalogue`` (ids) with descriptions ``ngram_ids`` (one row per item).

        The text encoder learns from the items the behaviour model knows, then
        places every item it does not know (``known`` says which is which).
        """
        table = behaviour_item_table(self.pretrained)
        rows = self.pretrained.item_rows(list(catalogue))
        self.known = rows >= 0
        self.text_encoder.fit(ngram_ids[self.known], table[rows[self.known]])
        vectors = np.empty((len(rows), table.shape[1]), dtype="float32")
        vectors[self.known] = table[rows[self.known]]
        if (~self.known).any():
            vectors[~self.known] = self.text_encoder.predict(ngram_ids[~self.known])
        self.vectors = vectors
        return self

    def score(self, prefixes) -> np.ndarray:
        windows = self.pretrained.visit_windows(prefixes)
        states = self.pretrained.represent(windows)
        return states @ self.vectors[:, :-1].T + self.vectors[:, -1]


def standardise_rows(scores: np.ndarray) -> np.ndarray:
    """Each row minus its mean, over its standard deviation (a constant row becomes zeros)."""
    scores = np.asarray(scores, dtype="float64")
    sd = scores.std(axis=1, keepdims=True)
    return (scores - scores.mean(axis=1, keepdims=True)) / np.where(sd > 0, sd, 1.0)


class SumOfScores:
    """Several fitted scorers combined with equal weight: the sum of their per-case standardised
    scores (no weight to tune, so nothing is chosen on the test)."""

    def __init__(self, *scorers, name: str | None = None):
        self.scorers = scorers
        self.name = name or " + ".join(s.name for s in scorers)

    def score(self, prefixes) -> np.ndarray:
        return sum(standardise_rows(s.score(prefixes)) for s in self.scorers)
