"""GRU4Rec-style session models in Keras (lesson 05, used again in 06-08).

What makes GRU4Rec work, and what this implementation keeps, is told in
:data:`WHAT_MAKES_GRU4REC_WORK` (lesson 05 prints it).

``build_session_networks(..., cell="lstm")`` gives the LSTM variant.
"""
from __future__ import annotations

import keras
from keras import ops

from course_lib.models.base import KerasNextItemModel

WHAT_MAKES_GRU4REC_WORK = """\
What makes GRU4Rec work, and what this implementation keeps
(Hidasi et al. 2016; Hidasi & Karatzoglou 2018; Hidasi & Czapp 2023):

* **a loss over the catalogue**: full softmax cross-entropy over every item
  for small catalogues; for large ones, as the reference does, cross-entropy
  (with the log-Q correction) or BPR-max over in-batch negatives plus extra
  negatives sampled by popularity (``loss="auto"`` chooses by catalogue
  size: :mod:`course_lib.models.sampling`);
* **every next item of a session trained in one pass**: sessions, left-padded,
  predict their next item at every position (padded positions get weight 0),
  the efficient equivalent of session-parallel mini-batches;
* **tied (constrained) embeddings** as an option: the output layer reuses
  the input item embeddings;
* **dropout** on the embeddings and the hidden state; learning rate, size,
  dropout and loss tuned on the validation window, with early stopping
  (:mod:`course_lib.evaluate.tuning`);
* no masks: padding is left-side and the recurrence runs over it, which
  keeps Keras on its fast fused path; batches all have the same shape.
"""


@keras.saving.register_keras_serializable(package="course_lib")
class LastStep(keras.layers.Layer):
    """The output at the last time step: the state after the whole prefix."""

    def call(self, sequence):
        return sequence[:, -1, :]


@keras.saving.register_keras_serializable(package="course_lib")
class TiedOutput(keras.layers.Layer):
    """Scores every item as the dot product of the state with its input embedding."""

    def __init__(self, n_codes: int, **kwargs):
        super().__init__(**kwargs)
        self.n_codes = n_codes

    def build(self, input_shape):
        self.bias = self.add_weight(shape=(self.n_codes,), initializer="zeros", name="bias")

    def call(self, inputs):
        state, embeddings = inputs
        return ops.matmul(state, ops.transpose(embeddings)) + self.bias

    def candidate_weights(self, codes, embeddings):
        """(vectors, biases) of the items ``codes``: what a sampled loss scores them with."""
        return ops.take(embeddings, codes, axis=0), ops.take(self.bias, codes)

    def get_config(self):
        return {**super().get_config(), "n_codes": self.n_codes}


@keras.saving.register_keras_serializable(package="course_lib")
class ItemOutput(keras.layers.Layer):
    """Scores every item with its own output vector and bias (untied embeddings)."""

    def __init__(self, n_codes: int, **kwargs):
        super().__init__(**kwargs)
        self.n_codes = n_codes

    def build(self, input_shape):
        self.vectors = self.add_weight(shape=(self.n_codes, input_shape[-1]), name="vectors")
        self.bias = self.add_weight(shape=(self.n_codes,), initializer="zeros", name="bias")

    def call(self, state):
        return ops.matmul(state, ops.transpose(self.vectors)) + self.bias

    def candidate_weights(self, codes, embeddings=None):
        """(vectors, biases) of the items ``codes``: what a sampled loss scores them with."""
        return ops.take(self.vectors, codes, axis=0), ops.take(self.bias, codes)

    def get_config(self):
        return {**super().get_config(), "n_codes": self.n_codes}


@keras.saving.register_keras_serializable(package="course_lib")
class EmbeddingMatrix(keras.layers.Layer):
    """Exposes an Embedding layer's weight matrix as a tensor (for tied outputs)."""

    def __init__(self, embedding: keras.layers.Embedding, **kwargs):
        super().__init__(**kwargs)
        self.embedding = embedding

    def call(self, anything):
        return ops.convert_to_tensor(self.embedding.embeddings)

    def get_config(self):
        return {**super().get_config(),
                "embedding": keras.saving.serialize_keras_object(self.embedding)}

    @classmethod
    def from_config(cls, config):
        config["embedding"] = keras.saving.deserialize_keras_object(config["embedding"])
        return cls(**config)


def build_session_networks(n_codes: int, max_len: int, *, hidden: int = 100,
                           embedding_dim: int | None = None, cell: str = "gru",
                           dropout: float = 0.1, tied: bool = True, sampler=None):
    """The networks: item embedding -> GRU/LSTM -> scores over all ``n_codes`` items.

    Returns (training network, scoring network), sharing every layer: the
    first scores the next item at every position (for training), the second
    only after the last one (for recommending). With ``tied`` the embedding
    size equals ``hidden`` and the output reuses the embeddings. With a
    ``sampler`` (a function of the output layer giving a
    :class:`~course_lib.models.sampling.CandidateScores` layer, or None) the
    training network takes the targets too and scores each against sampled
    candidates instead of the whole catalogue.
    """
    embedding_dim = hidden if tied else (embedding_dim or hidden)
    items = keras.Input((max_len,), dtype="int32", name="items")
    embedding = keras.layers.Embedding(n_codes, embedding_dim, name="item_embedding")
    x = keras.layers.Dropout(dropout)(embedding(items))
    rnn = {"gru": keras.layers.GRU, "lstm": keras.layers.LSTM}[cell]
    states = rnn(hidden, return_sequences=True, name=cell)(x)
    # layers are made in the order of the training path: each draws its random seed when made
    training = keras.layers.Dropout(dropout)(states)
    if tied:
        output, matrix = TiedOutput(n_codes, name="tied_scores"), EmbeddingMatrix(embedding)(items)

        def score(state):
            return output([state, matrix])
    else:
        output, matrix = ItemOutput(n_codes, name="scores"), None
        score = output
    last = score(keras.layers.Dropout(dropout)(LastStep(name="last_step")(states)))
    name = "gru4rec" if cell == "gru" else "lstm"
    candidates = sampler(output) if sampler else None
    if candidates is None:
        train = keras.Model(items, score(training), name=name)
    else:
        targets = keras.Input((max_len,), dtype="int32", name="targets")
        train = keras.Model([items, targets], candidates([training, targets, matrix]), name=name)
    return train, keras.Model(items, last, name=name)


class SessionRNN(KerasNextItemModel):
    """GRU4Rec-style recommender (lesson 05): ``cell="gru"`` (key ``gru4rec``) or ``"lstm"`` (``lstm``).

    ``fit(sessions, n_items)`` trains on whole sessions; ``score(X)`` scores
    every item for left-padded prefixes.
    """

    def __init__(self, cell: str = "gru", hidden: int = 100, max_len: int = 20,
                 epochs: int = 8, batch_size: int = 128, learning_rate: float = 3e-3,
                 dropout: float = 0.1, tied: bool = True, loss: str = "auto",
                 n_sample: int = 1024, seed: int = 0):
        super().__init__(max_len=max_len, epochs=epochs, batch_size=batch_size,
                         learning_rate=learning_rate, loss=loss, n_sample=n_sample, seed=seed)
        if cell not in ("gru", "lstm"):
            raise ValueError(f"cell must be 'gru' or 'lstm', not {cell!r}")
        self.cell, self.hidden, self.dropout, self.tied = cell, hidden, dropout, tied
        self.name = "gru4rec" if cell == "gru" else "lstm"

    def build(self, n_codes: int):
        return build_session_networks(n_codes, self.max_len, hidden=self.hidden, cell=self.cell,
                                      dropout=self.dropout, tied=self.tied,
                                      sampler=self.candidate_scores)
