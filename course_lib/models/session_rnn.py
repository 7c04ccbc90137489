"""GRU4Rec-style session models in Keras (lesson 05, used again in 06-08).

What makes GRU4Rec work, and what this implementation keeps
(Hidasi et al. 2016; Hidasi & Karatzoglou 2018; Hidasi & Czapp 2023):

* **a loss over the catalogue**: full softmax cross-entropy over every item
  (exact for catalogues of up to tens of thousands of items, which is where
  this course's data sits);
* **every next item of a session trained in one pass**: sessions, left-padded,
  predict their next item at every position (padded positions get weight 0),
  the efficient equivalent of session-parallel mini-batches;
* **tied (constrained) embeddings** as an option: the output layer reuses
  the input item embeddings;
* **dropout** on the embeddings and the hidden state, and a learning rate
  tuned on the validation window;
* no masks: padding is left-side and the recurrence runs over it, which
  keeps Keras on its fast fused path; batches all have the same shape.

``build_session_model(..., cell="lstm")`` gives the LSTM variant.
"""
from __future__ import annotations

import keras
import numpy as np
from keras import ops

from course_lib.models.batching import predict_in_fixed_batches


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


def build_session_model(n_codes: int, max_len: int, *, hidden: int = 100,
                        embedding_dim: int | None = None, cell: str = "gru",
                        dropout: float = 0.1, tied: bool = True, every_step: bool = True):
    """The network: item embedding -> GRU/LSTM -> scores over all ``n_codes`` items.

    ``every_step=True`` returns scores at every position (for training),
    ``False`` only after the last one (for recommending). With ``tied`` the
    embedding size equals ``hidden`` and the output reuses the embeddings.
    """
    embedding_dim = hidden if tied else (embedding_dim or hidden)
    items = keras.Input((max_len,), dtype="int32", name="items")
    embedding = keras.layers.Embedding(n_codes, embedding_dim, name="item_embedding")
    x = keras.layers.Dropout(dropout)(embedding(items))
    rnn = {"gru": keras.layers.GRU, "lstm": keras.layers.LSTM}[cell]
    states = rnn(hidden, return_sequences=True, name=cell)(x)
    if not every_step:
        states = LastStep(name="last_step")(states)
    states = keras.layers.Dropout(dropout)(states)
    if tied:
        scores = TiedOutput(n_codes, name="tied_scores")([states, EmbeddingMatrix(embedding)(items)])
    else:
        scores = keras.layers.Dense(n_codes, name="scores")(states)
    return keras.Model(items, scores, name=f"{cell}4rec")


class SessionRNN:
    """GRU4Rec-style recommender with the baselines' interface (lesson 05).

    ``fit(sessions, n_items)`` trains on whole sessions; ``score(X)`` scores
    every item for left-padded prefixes.
    """

    def __init__(self, cell: str = "gru", hidden: int = 100, max_len: int = 20,
                 epochs: int = 8, batch_size: int = 128, learning_rate: float = 3e-3,
                 dropout: float = 0.1, tied: bool = True, seed: int = 0, verbose: int = 0):
        self.cell, self.hidden, self.max_len = cell, hidden, max_len
        self.epochs, self.batch_size, self.learning_rate = epochs, batch_size, learning_rate
        self.dropout, self.tied, self.seed, self.verbose = dropout, tied, seed, verbose
        self.name = f"{'gru4rec' if cell == 'gru' else 'lstm4rec'}"

    def _build(self, n_codes: int, every_step: bool):
        """The Keras network (lesson 07's SASRec overrides this and nothing else)."""
        return build_session_model(n_codes, self.max_len, hidden=self.hidden, cell=self.cell,
                                   dropout=self.dropout, tied=self.tied, every_step=every_step)

    def fit(self, sessions, n_items: int, progress: bool = True):
        from course_lib.prep.next_item import training_windows

        X, Y, W = training_windows(sessions, self.max_len)
        # pad to whole batches (weight 0) so every batch has one shape: one compilation
        extra = (-len(X)) % self.batch_size
        if extra:
            X = np.concatenate([X, np.zeros((extra, self.max_len), X.dtype)])
            Y = np.concatenate([Y, np.zeros((extra, self.max_len), Y.dtype)])
            W = np.concatenate([W, np.zeros((extra, self.max_len), W.dtype)])
        return self._fit_keras(n_items, progress, x=X, y=Y, sample_weight=W,
                               batch_size=self.batch_size, shuffle=True)

    def fit_batches(self, batches, n_items: int, progress: bool = True):
        """Train from a stream of fixed-shape ``(X, Y, W)`` batches (issue 18).

        ``batches`` is a ``keras.utils.PyDataset`` such as
        :class:`course_lib.models.streaming.WindowBatches`, which reads a prepared
        folder's shards one at a time: memory does not grow with the data.
        """
        return self._fit_keras(n_items, progress, x=batches)

    def _fit_keras(self, n_items: int, progress: bool, **data):
        keras.utils.set_random_seed(self.seed)
        n_codes = n_items + 1
        self.train_model = self._build(n_codes, every_step=True)
        self.train_model.compile(
            optimizer=keras.optimizers.Adam(self.learning_rate),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        callbacks = [_TqdmEpochs(self.epochs)] if progress else []
        self.history = self.train_model.fit(**data, epochs=self.epochs, verbose=self.verbose,
                                            callbacks=callbacks)
        self.model = self._build(n_codes, every_step=False)
        self.model.set_weights(self.train_model.get_weights())
        self.params = int(self.model.count_params())
        return self

    def score(self, X, batch_size: int = 1024):
        # predict_on_batch runs one compiled function (compiled once per batch shape);
        # calling the model directly would run it op by op, several times slower
        out = predict_in_fixed_batches(self.model.predict_on_batch,
                                       np.asarray(X, dtype=np.int32), batch_size)
        out[:, 0] = -np.inf
        return out


class _TqdmEpochs(keras.callbacks.Callback):
    """A progress bar over epochs, with the training loss."""

    def __init__(self, epochs):
        super().__init__()
        self.epochs = epochs

    def on_train_begin(self, logs=None):
        from tqdm.auto import tqdm

        self.bar = tqdm(total=self.epochs, desc="training", unit="epoch")

    def on_epoch_end(self, epoch, logs=None):
        self.bar.set_postfix(loss=f"{(logs or {}).get('loss', float('nan')):.3f}")
        self.bar.update()

    def on_train_end(self, logs=None):
        self.bar.close()
