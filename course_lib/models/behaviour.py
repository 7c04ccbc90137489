"""One behaviour model for many tasks: a transformer pretrained on action sequences (lesson 08).

The source article's "large model" idea, at laptop scale: a single network
reads a user's history as one sequence of actions (item, event type, time
gap; :mod:`course_lib.prep.actions`) and is **pretrained** without labels by
predicting the *next action*. Its state after the last action is a
representation of the user at that moment, which other tasks reuse:

* :class:`BehaviourModel`: the encoder and its pretraining (self-supervised),
  its representation (:meth:`BehaviourModel.represent`), saving and loading
  (:func:`load_behaviour_model`, Keras safe mode);
* :class:`BehaviourNextItem`: the next-item contract of
  :mod:`course_lib.models.base`, with the pretrained encoder frozen, probed,
  fine-tuned, or the same network trained from scratch;
* :class:`BehaviourClassifier`: yes/no tasks (purchase intent, churn) with the
  classifiers' ``fit(examples)``/``score(examples)`` contract: a linear probe
  on the frozen representation, fine-tuning, or from scratch.

Why next-action prediction and not masked-action modelling is told in
:data:`WHY_NEXT_ACTION` (the lesson prints it).
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import keras
import numpy as np

from course_lib.files import write_folder
from course_lib.models.attention import PaddingAwareCausalMask, Positions
from course_lib.models.base import KerasNextItemModel, TrainingStart
from course_lib.models.batching import pad_to_whole_batches, predict_in_fixed_batches
from course_lib.models.session_rnn import EmbeddingMatrix, LastStep, TiedOutput
from course_lib.prep.actions import (EVENT_CODES, FIRST_GAP, N_EVENT_CODES, N_GAP_CODES,
                                     ActionLog, ActionWindows, pretraining_windows,
                                     windows_for_examples)
from course_lib.prep.labelled import validation_cases
from course_lib.prep.sequences import ItemVocab

WHY_NEXT_ACTION = """\
Why the behaviour model is pretrained by predicting the next action
(causal, as SASRec, GPT and HSTU), not by filling in masked actions
(BERT4Rec):

* **Every position trains.** A causal model predicts the next action at every
  position of every window in one pass; a masked model learns only from the
  15-20 % of positions it hides, so it needs several times more epochs for
  the same signal (Petrov & Macdonald 2022 found BERT4Rec needs far longer
  training than reported; with the same full-softmax loss, SASRec matches or
  beats it: Klenitskiy & Vasilev 2023). On a CPU that decides it.
* **The representation never sees the future.** The state after action t
  depends on actions 1..t only, so using it at prediction time (after the
  k-th event of a session, at a churn cut-off) cannot leak what came later.
  A bidirectional encoder would need its input cut at that time anyway.
* **The pretext task is a real task.** The next action's item *is* next-item
  recommendation, its event type is purchase intent, its time gap is
  (the start of) churn: the pretrained heads can be used as they are.
"""

MODEL_FILE, META_FILE = "model.keras", "behaviour.json"
OUTPUTS = ("item", "event", "gap")


# --------------------------------------------------------------------------- #
# the networks

def _encode(items, events, gaps, n_codes: int, max_len: int, *, dim: int, blocks: int,
            heads: int, dropout: float):
    """The encoder on three (batch, max_len) inputs: (states (batch, max_len, dim), item embedding).

    Each action is the sum of an item, an event-type and a gap embedding plus
    its position; causal self-attention blocks as in SASRec (lesson 07),
    never attending to padding (event code 0). Layer names are fixed, so the
    weights of one network can be copied into another (:func:`copy_encoder_weights`).
    """
    item_embedding = keras.layers.Embedding(n_codes, dim, name="item_embedding")
    x = keras.layers.Add(name="action_embedding")([
        item_embedding(items),
        keras.layers.Embedding(N_EVENT_CODES, dim, name="event_embedding")(events),
        keras.layers.Embedding(N_GAP_CODES, dim, name="gap_embedding")(gaps)])
    x = Positions(max_len, dim, name="positions")(x)
    x = keras.layers.Dropout(dropout, name="input_dropout")(x)
    mask = PaddingAwareCausalMask(name="attention_mask")(events)
    for b in range(blocks):
        y = keras.layers.LayerNormalization(name=f"norm_att_{b}")(x)
        y = keras.layers.MultiHeadAttention(heads, dim // heads, name=f"attention_{b}")(
            y, y, attention_mask=mask)
        x = keras.layers.Add(name=f"residual_att_{b}")([x, y])
        y = keras.layers.LayerNormalization(name=f"norm_ffn_{b}")(x)
        y = keras.layers.Dense(dim, activation="relu", name=f"ffn_in_{b}")(y)
        x = keras.layers.Add(name=f"residual_ffn_{b}")([x, keras.layers.Dense(dim, name=f"ffn_out_{b}")(y)])
    return keras.layers.LayerNormalization(name="norm_out")(x), item_embedding


def _inputs(max_len: int):
    return [keras.Input((max_len,), dtype="int32", name=name) for name in ("items", "events", "gaps")]


def build_pretraining_network(n_codes: int, max_len: int, *, dim: int = 64, blocks: int = 2,
                              heads: int = 2, dropout: float = 0.1) -> keras.Model:
    """Encoder + three heads at every position: the next action's item (tied), event type, gap."""
    items, events, gaps = inputs = _inputs(max_len)
    states, embedding = _encode(items, events, gaps, n_codes, max_len, dim=dim, blocks=blocks,
                                heads=heads, dropout=dropout)
    outputs = {
        "item": TiedOutput(n_codes, name="next_item")([states, EmbeddingMatrix(embedding)(items)]),
        "event": keras.layers.Dense(N_EVENT_CODES, name="next_event")(states),
        "gap": keras.layers.Dense(N_GAP_CODES, name="next_gap")(states),
    }
    return keras.Model(inputs, outputs, name="behaviour_model")


def build_next_item_networks(n_codes: int, max_len: int, *, dim: int, blocks: int, heads: int,
                             dropout: float, probe: bool = False):
    """(training network, scoring network) for next items: the encoder and its item scores.

    With ``probe`` the scores come from a new linear layer (a linear probe
    of the states) instead of the tied item embeddings.
    """
    items, events, gaps = inputs = _inputs(max_len)
    states, embedding = _encode(items, events, gaps, n_codes, max_len, dim=dim, blocks=blocks,
                                heads=heads, dropout=dropout)
    if probe:
        head = keras.layers.Dense(n_codes, name="probe_scores")
        every, last = head(states), head(LastStep(name="last_step")(states))
    else:
        output, matrix = TiedOutput(n_codes, name="next_item"), EmbeddingMatrix(embedding)(items)
        every, last = output([states, matrix]), output([LastStep(name="last_step")(states), matrix])
    return (keras.Model(inputs, every, name="behaviour_next_item"),
            keras.Model(inputs, last, name="behaviour_next_item"))


def build_classifier_network(n_codes: int, max_len: int, *, dim: int, blocks: int, heads: int,
                             dropout: float) -> keras.Model:
    """Encoder -> state after the last action, joined with the time since it -> one logit."""
    items, events, gaps = _inputs(max_len)
    clock = keras.Input((1,), name="clock")
    states, _ = _encode(items, events, gaps, n_codes, max_len, dim=dim, blocks=blocks, heads=heads,
                        dropout=dropout)
    joined = keras.layers.Concatenate(name="state_and_clock")([LastStep(name="last_step")(states), clock])
    logit = keras.layers.Dense(1, name="logit")(keras.layers.Dropout(dropout, name="head_dropout")(joined))
    return keras.Model([items, events, gaps, clock], logit, name="behaviour_classifier")


ENCODER_LAYERS = ("item_embedding", "event_embedding", "gap_embedding", "positions", "norm_out")


def is_encoder_layer(name: str) -> bool:
    """Whether a layer belongs to the encoder (not to a head)."""
    return name in ENCODER_LAYERS or name.split("_")[0] in ("norm", "attention", "ffn")


def copy_encoder_weights(source: keras.Model, target: keras.Model, rows=None, heads: bool = True) -> None:
    """Copy the weights of ``source`` into the layers of ``target`` with the same names.

    ``rows[c]`` is the source item code of target code ``c`` (-1: unknown to
    the source, which gets the mean embedding and the lowest bias); positions
    are the source's *last* ones (windows are left-padded, so the last
    position is always the latest action). With ``heads=False`` only the
    encoder is copied.
    """
    names = {layer.name for layer in source.layers}
    for layer in target.layers:
        if layer.name not in names or not layer.weights:
            continue
        if isinstance(layer, EmbeddingMatrix):
            # a view of item_embedding's table, copied with it; its automatic name can match a
            # layer of the source (in a fresh process both are "embedding_matrix")
            continue
        if not heads and not is_encoder_layer(layer.name):
            continue
        weights = source.get_layer(layer.name).get_weights()
        if layer.name == "positions":
            weights = [weights[0][-layer.length:]]
        elif layer.name in ("item_embedding", "next_item") and rows is not None:
            table = weights[0]
            fill = table.mean(axis=0) if table.ndim == 2 else table.min()
            rows = np.asarray(rows)
            weights = [np.where((rows >= 0).reshape(-1, *[1] * (table.ndim - 1)),
                                table[np.maximum(rows, 0)], fill).astype(table.dtype)]
        layer.set_weights(weights)


def training_flops(n_codes: int, dim: int, blocks: int, max_len: int, positions: int) -> float:
    """Floating-point operations to train on ``positions`` (batch x length x steps, padding included).

    Forward multiply-adds per position: per block 4 d^2 (attention
    projections) + 2 T d (scores and weighted sum) + 2 d^2 (feed-forward),
    and d (n_codes + event and gap classes) for the heads; a training step
    costs about three forward passes (forward, two for backward), and a
    multiply-add is two operations.
    """
    per_position = blocks * (6 * dim * dim + 2 * max_len * dim) + dim * (n_codes + N_EVENT_CODES + N_GAP_CODES)
    return float(3 * 2 * per_position * positions)


# --------------------------------------------------------------------------- #
# helpers: dict inputs in fixed-shape batches

def _stack(windows: ActionWindows) -> np.ndarray:
    return np.stack([windows.items, windows.events, windows.gaps], axis=1).astype(np.int32)


def _unstack(part: np.ndarray) -> dict[str, np.ndarray]:
    return {"items": part[:, 0], "events": part[:, 1], "gaps": part[:, 2]}


def _pad_dicts(batch_size: int, *dicts):
    """Dicts of equally long arrays padded to whole batches by zero rows (zero weights)."""
    keys = [list(d) for d in dicts]
    padded = pad_to_whole_batches(batch_size, *[d[k] for d, ks in zip(dicts, keys) for k in ks])
    out, i = [], 0
    for ks in keys:
        out.append(dict(zip(ks, padded[i:i + len(ks)])))
        i += len(ks)
    return out


def visit_channels(items: np.ndarray, event: int, gap: int) -> tuple[np.ndarray, np.ndarray]:
    """(events, gaps) for left-padded item codes read as one visit: every action of type
    ``event``; the first one the gap of a first action, the others ``gap``."""
    real = items > 0
    first = real & ~np.concatenate([np.zeros((len(items), 1), bool), real[:, :-1]], axis=1)
    gaps = np.where(first, FIRST_GAP, np.where(real, gap, 0)).astype(np.int32)
    return real.astype(np.int32) * event, gaps


class _Timer:
    """Wall and CPU seconds of a block (CPU seconds add up every thread of the process)."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


# --------------------------------------------------------------------------- #
# the pretrained model

class BehaviourModel:
    """A causal transformer over action sequences, pretrained to predict the next action (lesson 08).

    ``fit(log)`` trains on every user's history (optionally only the actions
    before a time), with cross-entropy on the next action's item (full
    softmax over the catalogue), event type and gap bucket, summed.
    """

    name = "behaviour"

    def __init__(self, dim: int = 64, blocks: int = 2, heads: int = 2, max_len: int = 32,
                 dropout: float = 0.1, epochs: int = 3, batch_size: int = 128,
                 learning_rate: float = 3e-3, seed: int = 0):
        self.dim, self.blocks, self.heads, self.max_len = dim, blocks, heads, max_len
        self.dropout, self.epochs, self.batch_size = dropout, epochs, batch_size
        self.learning_rate, self.seed = learning_rate, seed
        self.meta: dict = {}

    def get_params(self) -> dict:
        return {k: getattr(self, k) for k in ("dim", "blocks", "heads", "max_len", "dropout", "epochs",
                                              "batch_size", "learning_rate", "seed")}

    def __repr__(self) -> str:
        fitted = f", {len(self.vocab):,} items" if hasattr(self, "vocab") else ", not fitted"
        return f"BehaviourModel(dim={self.dim}, blocks={self.blocks}, max_len={self.max_len}{fitted})"

    @property
    def n_codes(self) -> int:
        """Item codes the network knows: padding, the vocabulary, and one for unknown items."""
        return self.vocab.size + 1

    @property
    def params(self) -> int:
        return int(self.network.count_params())

    @property
    def session_gap(self) -> int:
        """The gap code most common between two actions of one visit (what a session prefix gets)."""
        return int(self.meta.get("session_gap", FIRST_GAP + 2))

    @property
    def session_event(self) -> int:
        """The most common event type of the pretraining actions (what a session prefix is read as)."""
        return int(self.meta.get("session_event", EVENT_CODES["view"]))

    def fit(self, log: ActionLog, *, before=None, progress: bool = False, callbacks=()) -> "BehaviourModel":
        """Pretrain on the actions of ``log`` (those before ``before``, if given); returns the model."""
        x, y, w = pretraining_windows(log, self.max_len, before=before)
        if not len(w["event"]):
            raise ValueError("no user has two actions to learn from")
        real_positions = int(w["event"].sum())
        x, y, w = _pad_dicts(self.batch_size, x, y, w)
        keras.utils.set_random_seed(self.seed)
        self.vocab = log.vocab
        self.network = build_pretraining_network(self.n_codes, self.max_len, dim=self.dim,
                                                 blocks=self.blocks, heads=self.heads,
                                                 dropout=self.dropout)
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        self.network.compile(optimizer=keras.optimizers.Adam(self.learning_rate),
                             loss={k: loss for k in OUTPUTS})
        shown = []
        if progress:
            from tqdm.keras import TqdmCallback  # only when asked: a bar over the epochs

            shown = [TqdmCallback(self.epochs, verbose=0, desc="pretraining")]
        with _Timer() as timer:
            self.history = self.network.fit(x, y, sample_weight=w, batch_size=self.batch_size,
                                            epochs=self.epochs, shuffle=True, verbose=0,
                                            callbacks=[*shown, *callbacks])
        in_visit = (log.gaps >= FIRST_GAP + 1) & (log.gaps < FIRST_GAP + 5)   # under an hour
        common = np.bincount(log.gaps[in_visit], minlength=N_GAP_CODES).argmax() if in_visit.any() else 3
        positions = len(w["event"]) * self.max_len * self.epochs
        kind = int(np.bincount(log.events, minlength=N_EVENT_CODES).argmax())
        self.meta = {"session_gap": int(common), "session_event": kind, "train_seconds": timer.wall, "cpu_seconds": timer.cpu,
                     "train_flops": training_flops(self.n_codes, self.dim, self.blocks, self.max_len,
                                                   positions),
                     "actions": real_positions, "windows": int((w["event"].sum(axis=1) > 0).sum()),
                     "users": len(log.users), "before": None if before is None else str(before)}
        return self

    def with_random_weights(self, seed: int | None = None) -> "BehaviourModel":
        """The same network and vocabulary, never trained: the control of a linear probe
        (what the representation is worth without pretraining)."""
        twin = BehaviourModel(**{**self.get_params(), "seed": self.seed if seed is None else seed})
        twin.vocab, twin.meta = self.vocab, {**self.meta, "corpus": "none (random weights)"}
        keras.utils.set_random_seed(twin.seed)
        twin.network = build_pretraining_network(self.n_codes, self.max_len, dim=self.dim,
                                                 blocks=self.blocks, heads=self.heads,
                                                 dropout=self.dropout)
        return twin

    # -------------------------------------------------------------- using it
    def encoder(self) -> keras.Model:
        """The network from the three inputs to the states at every position."""
        if not hasattr(self, "_encoder"):
            self._encoder = keras.Model(self.network.inputs, self.network.get_layer("norm_out").output)
        return self._encoder

    def represent(self, windows: ActionWindows, batch_size: int = 512) -> np.ndarray:
        """(n, dim) the state after each window's last action: the user at that moment."""
        encoder = self.encoder()
        return predict_in_fixed_batches(lambda part: encoder.predict_on_batch(_unstack(part))[:, -1],
                                        _stack(self._fit_length(windows)), batch_size)

    def next_action(self, windows: ActionWindows, batch_size: int = 512) -> dict[str, np.ndarray]:
        """Logits of the next action after each window: item (n, n_codes), event, gap."""
        stacked = _stack(self._fit_length(windows))
        out = {}
        for key in OUTPUTS:
            out[key] = predict_in_fixed_batches(
                lambda part, key=key: self.network.predict_on_batch(_unstack(part))[key][:, -1],
                stacked, batch_size)
        return out

    def _fit_length(self, windows: ActionWindows) -> ActionWindows:
        """Windows of the network's length: cut on the left, or left-padded."""
        t = windows.items.shape[1]
        if t == self.max_len:
            return windows
        if t > self.max_len:
            cut = lambda a: a[:, -self.max_len:]  # noqa: E731
        else:
            cut = lambda a: np.pad(a, ((0, 0), (self.max_len - t, 0)))  # noqa: E731
        return ActionWindows(cut(windows.items), cut(windows.events), cut(windows.gaps),
                             windows.since_last_s)

    def visit_windows(self, prefixes) -> ActionWindows:
        """Windows of item-id lists read as one visit each (a session prefix, a basket so far).

        Items the model does not know are left out; every action gets the
        pretraining's most common event type, the first one the gap of a
        first action, the others the usual gap within a visit.
        """
        rows = []
        for prefix in prefixes:
            codes = self.vocab.encode(list(prefix)) if len(prefix) else np.zeros(0, int)
            rows.append(codes[codes > 0][-self.max_len:])
        items = np.zeros((len(rows), self.max_len), dtype=np.int32)
        for i, codes in enumerate(rows):
            if len(codes):
                items[i, self.max_len - len(codes):] = codes
        return ActionWindows(items, *visit_channels(items, self.session_event, self.session_gap),
                             since_last_s=np.zeros(len(rows)))

    def item_rows(self, item_ids) -> np.ndarray:
        """This model's item code for each id (-1 for an item it never saw)."""
        codes = self.vocab.encode(item_ids)
        return np.where(codes > 0, codes, -1)

    # -------------------------------------------------------------- saving
    def save(self, folder) -> Path:
        """Write ``folder`` (new or empty): ``model.keras`` and ``behaviour.json``, all or nothing."""
        items = [i.item() if hasattr(i, "item") else i for i in self.vocab.items]
        meta = json.dumps({"params": self.get_params(), "meta": self.meta, "items": items})
        # a new functional model on the same layers: the weights without the optimizer's state
        bare = keras.Model(self.network.inputs, self.network.outputs, name=self.network.name)
        return write_folder(folder, {MODEL_FILE: bare.save,
                                     META_FILE: lambda path: path.write_text(meta)})


def load_behaviour_model(folder) -> BehaviourModel:
    """Load a folder written by :meth:`BehaviourModel.save` (Keras safe mode on)."""
    folder = Path(folder)
    for name in (MODEL_FILE, META_FILE):
        if not (folder / name).is_file():
            raise FileNotFoundError(f"{folder / name} is missing: is {folder} a saved behaviour model?")
    stored = json.loads((folder / META_FILE).read_text())
    model = BehaviourModel(**stored["params"])
    model.vocab, model.meta = ItemVocab(stored["items"]), stored["meta"]
    model.network = keras.saving.load_model(folder / MODEL_FILE, safe_mode=True)
    return model


# --------------------------------------------------------------------------- #
# next items: the contract of lessons 05-09

class BehaviourNextItem(KerasNextItemModel):
    """The behaviour model as a next-item recommender, on a split's own catalogue (lesson 08).

    ``mode``: ``"frozen"`` (the pretrained encoder and item head as they are,
    no training), ``"probe"`` (frozen encoder, a new linear layer trained),
    ``"finetune"`` (everything trained further, starting from the pretrained
    weights) or ``"scratch"`` (the same network, random weights). ``vocab``
    is the split's vocabulary, which maps its codes to the pretrained
    model's (items it never saw start at the mean embedding). A session
    prefix is read as views, one visit long.
    """

    #: stable keys, one per mode
    NAMES = {"finetune": "behaviour", "probe": "behaviour_probe", "frozen": "behaviour_frozen",
             "scratch": "behaviour_scratch"}

    def __init__(self, pretrained: BehaviourModel | None = None, vocab: ItemVocab | None = None,
                 mode: str = "finetune", dim: int = 64, blocks: int = 2, heads: int = 2,
                 max_len: int = 10, epochs: int = 3, batch_size: int = 256,
                 learning_rate: float = 1e-3, dropout: float = 0.1, seed: int = 0):
        super().__init__(max_len=max_len, epochs=epochs, batch_size=batch_size,
                         learning_rate=learning_rate, seed=seed)
        if mode not in self.NAMES:
            raise ValueError(f"mode must be one of {', '.join(self.NAMES)}, not {mode!r}")
        if mode != "scratch" and (pretrained is None or vocab is None):
            raise ValueError(f"mode {mode!r} needs the pretrained model and the split's vocab")
        self.pretrained, self.vocab, self.mode = pretrained, vocab, mode
        self.dim, self.blocks, self.heads, self.dropout = dim, blocks, heads, dropout
        self.name = self.NAMES[mode]

    def _architecture(self) -> dict:
        source = self.pretrained if self.pretrained is not None and self.mode != "scratch" else self
        return {"dim": source.dim, "blocks": source.blocks, "heads": source.heads}

    def build(self, n_codes: int):
        train, score = build_next_item_networks(n_codes, self.max_len, dropout=self.dropout,
                                                probe=self.mode == "probe", **self._architecture())
        if self.mode != "scratch":
            rows = np.concatenate([[-1], self.pretrained.item_rows(self.vocab.items)])
            if len(rows) != n_codes:
                raise ValueError(f"the vocab has {len(rows) - 1} items, the sessions {n_codes - 1}")
            copy_encoder_weights(self.pretrained.network, train, rows=rows,
                                 heads=self.mode != "probe")
        if self.mode == "probe":
            for layer in train.layers:
                layer.trainable = layer.name == "probe_scores"
        return train, score

    def _fit(self, sessions, n_items: int, *, progress: bool = False, callbacks=()):
        if self.mode == "frozen":   # nothing to train: the pretrained network, on this catalogue
            self.train_network, self.network = self.build(n_items + 1)
            self.params = int(self.network.count_params())
            return
        super()._fit(sessions, n_items, progress=progress, callbacks=callbacks)

    def network_inputs(self, X):
        """Left-padded prefixes -> items, events and gaps, read as one visit (:func:`visit_channels`)."""
        return visit_inputs(X, **self.serving_inputs()["visit"])

    def serving_inputs(self) -> dict:
        """A prefix is read as one visit of this event type and gap (saved with a recommender)."""
        source = self.pretrained
        event = source.session_event if source is not None else EVENT_CODES["view"]
        gap = source.session_gap if source is not None else FIRST_GAP + 2
        return {"visit": {"event": int(event), "gap": int(gap)}}


def visit_inputs(X, event: int, gap: int) -> dict[str, np.ndarray]:
    """The behaviour network's inputs for left-padded item codes ``X`` read as one visit."""
    X = np.asarray(X, dtype=np.int32)
    events, gaps = visit_channels(X, event, gap)
    return {"items": X, "events": events, "gaps": gaps}


# --------------------------------------------------------------------------- #
# yes/no tasks: purchase intent, churn

def _clock(windows: ActionWindows) -> np.ndarray:
    """log(1 + hours since the last action): the one thing the encoder cannot see."""
    hours = np.nan_to_num(windows.since_last_s, nan=365 * 24 * 3600.0) / 3600
    return np.log1p(np.maximum(hours, 0)).astype("float32")[:, None]


def probe_features(model: BehaviourModel, windows: ActionWindows) -> np.ndarray:
    """What a linear probe reads: the state after each window's last action, and the time since it."""
    return np.hstack([model.represent(windows), _clock(windows)])


def linear_probe(features: np.ndarray, labels, regularisation: float = 1.0):
    """Logistic regression on standardised features (scikit-learn, as the case study's models):
    a fitted pipeline with ``predict_proba``."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=regularisation, max_iter=2000)).fit(
        features, np.asarray(labels))


class BehaviourClassifier:
    """Purchase intent or churn from the behaviour model (lesson 08); ``fit(examples)``, ``score(examples)``.

    The examples' windows come from ``actions`` (an
    :class:`~course_lib.prep.actions.ActionLog` of the same log, built with
    the pretrained model's vocabulary): after the k-th event of a session,
    or before a churn cut-off. ``mode``:

    * ``"probe"``: logistic regression on the frozen representation and the
      time since the last action (a *linear probe*);
    * ``"finetune"``: the encoder, initialised from pretraining, and a
      logistic head trained together on the labels;
    * ``"scratch"``: the same network and training, from random weights.

    The networks' number of epochs is chosen on validation unless ``epochs``
    is given: the latest ``validation_share`` of the training cases
    (:func:`~course_lib.prep.labelled.validation_cases`) is held out, the
    network trains on the rest for at most ``max_epochs``, stopping after
    ``patience`` epochs without a gain in validation PR-AUC, and is then
    trained again on all the training cases for the best number of epochs.
    :attr:`chosen_epochs` and :attr:`validation_history` say what was seen.
    """

    NAMES = {"probe": "behaviour model: linear probe", "finetune": "behaviour model: fine-tuned",
             "scratch": "behaviour model: from scratch"}

    def __init__(self, pretrained: BehaviourModel, actions: ActionLog, mode: str = "probe",
                 epochs: int | None = None, batch_size: int = 128, learning_rate: float = 1e-3,
                 regularisation: float = 1.0, seed: int = 0, max_epochs: int = 4, patience: int = 1,
                 validation_share: float = 0.2):
        if mode not in self.NAMES:
            raise ValueError(f"mode must be one of {', '.join(self.NAMES)}, not {mode!r}")
        self.pretrained, self.actions, self.mode = pretrained, actions, mode
        self.epochs, self.batch_size, self.learning_rate = epochs, batch_size, learning_rate
        self.max_epochs, self.patience, self.validation_share = max_epochs, patience, validation_share
        self.regularisation, self.seed = regularisation, seed
        self.name = self.NAMES[mode]
        self.chosen_epochs, self.validation_history = epochs, []
        self._given_choice = None

    def _windows(self, examples) -> ActionWindows:
        return windows_for_examples(self.actions, examples, self.pretrained.max_len)

    def fit(self, examples, progress: bool = False):
        start = time.perf_counter()
        if self.mode == "probe":
            self._fit_probe(self._windows(examples), examples.label)
        else:
            if self.epochs is not None:
                self._build_network()
            elif self._given_choice is not None:   # chosen on these examples' validation cases before
                self.chosen_epochs, self.validation_history = self._given_choice
                self._given_choice = None
                self._build_network()
                self._restart()   # as after a validation run, so the numbers are the same
            else:
                self.choose_epochs(examples)
                self._restart()   # the same network, back to its first weights: no second compilation
            self._train(self._windows(examples), examples.label, self.chosen_epochs)
        self.train_seconds = time.perf_counter() - start
        return self

    @property
    def planned_epochs(self) -> int | None:
        """The epochs the next :meth:`fit` of a network will train (fixed, or given by
        :meth:`use_chosen_epochs`), or None when it will choose them on validation."""
        if self.epochs is not None:
            return int(self.epochs)
        return None if self._given_choice is None else self._given_choice[0]

    def use_recorded_fit(self, epochs: int, history: list[dict], train_seconds: float, params: int):
        """Say what a recorded :meth:`fit` did (its epochs, their validation ``history``, its time and
        size) when its test scores, not a network, are reused
        (:meth:`RecordedChoices.classifier_scores
        <course_lib.evaluate.recorded_choices.RecordedChoices.classifier_scores>`, lesson 08); the
        classifier then has no network to :meth:`score` with until it is fitted. Returns it."""
        self.chosen_epochs, self.validation_history = int(epochs), [dict(h) for h in history]
        self.train_seconds, self.params, self._given_choice = float(train_seconds), int(params), None
        self.network = None
        return self

    def use_chosen_epochs(self, epochs: int, history: list[dict]):
        """Train the next :meth:`fit` for ``epochs`` chosen on its examples' validation cases
        before (:class:`~course_lib.evaluate.recorded_choices.RecordedChoices`), with the
        validation ``history`` that chose them; returns the classifier."""
        self._given_choice = (int(epochs), [dict(h) for h in history])
        return self

    def choose_epochs(self, examples) -> int:
        """The number of epochs with the best validation PR-AUC (the rule is in the class docstring);
        sets :attr:`chosen_epochs` and :attr:`validation_history`."""
        from sklearn.metrics import average_precision_score

        fit_cases, valid_cases = validation_cases(examples, self.validation_share, self.seed)
        if valid_cases.label.min() == valid_cases.label.max():
            raise ValueError(f"the validation {valid_cases.what} ({valid_cases.describe()}) hold only one "
                             "class: pass epochs= to train without choosing them")
        windows, valid_windows = self._windows(fit_cases), self._windows(valid_cases)
        self.validation_history, best = [], 0
        self._build_network()
        for epoch in range(1, self.max_epochs + 1):
            self._train(windows, fit_cases.label, 1)
            score = float(average_precision_score(valid_cases.label, self._network_scores(valid_windows)))
            self.validation_history.append({"epoch": epoch, "validation PR-AUC": score})
            if score > max((h["validation PR-AUC"] for h in self.validation_history[:-1]), default=-1.0):
                best = epoch
            elif epoch - best >= self.patience:
                break
        self.chosen_epochs = best
        return best

    def _probe_features(self, windows):
        return probe_features(self.pretrained, windows)

    def _fit_probe(self, windows, label):
        self.model = linear_probe(self._probe_features(windows), label, self.regularisation)
        self.params = self.pretrained.dim + 2

    def _build_network(self):
        """The classifier network (seeded; the pretrained encoder's weights when fine-tuning), compiled."""
        p = self.pretrained
        keras.utils.set_random_seed(self.seed)
        self.network = build_classifier_network(p.n_codes, p.max_len, dim=p.dim, blocks=p.blocks,
                                                heads=p.heads, dropout=p.dropout)
        if self.mode == "finetune":
            copy_encoder_weights(p.network, self.network, heads=False)
        self.network.compile(optimizer=keras.optimizers.Adam(self.learning_rate),
                             loss=keras.losses.BinaryCrossentropy(from_logits=True))
        self._start = TrainingStart(self.network)
        self._shuffling = np.random.default_rng(self.seed)

    def _restart(self):
        """Put the network and its optimizer (step count, moments) back as :meth:`_build_network`
        left them, keeping the compiled functions."""
        keras.utils.set_random_seed(self.seed)
        self._shuffling = np.random.default_rng(self.seed)
        self._start.restore()

    def _train(self, windows, label, epochs: int):
        """Train the network ``epochs`` more epochs on ``windows`` and their labels."""
        x = {**windows.inputs(), "clock": _clock(windows)}
        weights = np.ones(len(label), dtype="float32")
        x, yw = _pad_dicts(self.batch_size, x, {"y": np.asarray(label, "float32"), "w": weights})
        for _ in range(epochs):
            # the classifier's own shuffling stream (reset with its weights), not NumPy's global one:
            # a network's first fit draws from that one before shuffling, its later fits do not
            order = self._shuffling.permutation(len(yw["y"]))
            self.network.fit({k: v[order] for k, v in x.items()}, yw["y"][order], sample_weight=yw["w"][order],
                             batch_size=self.batch_size, epochs=1, shuffle=False, verbose=0)
        self.params = int(self.network.count_params())

    def epochs_sentence(self) -> str:
        """How many epochs the network trained, and whether validation chose them (printed by lesson 08)."""
        if self.mode == "probe":
            return f"{self.name}: no epochs (a logistic regression on the frozen state)"
        epochs = f"{self.chosen_epochs} epoch{'' if self.chosen_epochs == 1 else 's'}"
        if not self.validation_history:
            return f"{self.name}: {epochs}, fixed by the caller"
        by_epoch = ", ".join(f"{h['validation PR-AUC']:.3f}" for h in self.validation_history)
        return (f"{self.name}: {epochs}, chosen on the validation cases "
                f"(validation PR-AUC by epoch: {by_epoch}), then trained again on all training cases")

    def score(self, examples) -> np.ndarray:
        if self.mode != "probe" and getattr(self, "network", None) is None:
            raise RuntimeError(f"{self.name} has no trained network in this run (its recorded test scores "
                               "were reused, or it was never fitted): call fit(examples) first")
        windows = self._windows(examples)
        if self.mode == "probe":
            return self.model.predict_proba(self._probe_features(windows))[:, 1]
        return self._network_scores(windows)

    def _network_scores(self, windows) -> np.ndarray:
        x = {**windows.inputs(), "clock": _clock(windows)}
        rows = np.arange(len(windows))[:, None]   # fixed-shape batches of row numbers
        logits = predict_in_fixed_batches(
            lambda part: self.network.predict_on_batch({k: v[part[:, 0]] for k, v in x.items()}),
            rows, 512)
        return logits.reshape(-1)
