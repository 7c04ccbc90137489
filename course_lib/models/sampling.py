"""Training losses over a sample of the catalogue, as the reference GRU4Rec trains (lessons 05 and 09).

Full softmax scores *every* item for every training position: exact, and
cheap while the catalogue is small (the synthetic shop's 1,000-2,000
items). On a real catalogue the (positions x items) score matrix dominates
the training time. GRU4Rec (Hidasi & Karatzoglou 2018; Hidasi & Czapp 2023)
scores each position only against a sample of the catalogue:

* **in-batch negatives**: the targets of the other sessions of the batch
  at the same step (popular items come up more often: the data samples
  them by popularity for free);
* **extra negatives** drawn by popularity to the power ``sample_alpha``,
  ``n_sample`` per batch, shared by every position of the batch;
* a candidate that is the position's own target (an "accidental hit") or
  padding is masked, so it is never pushed down.

Two losses over those candidates, chosen with a model's ``loss=``:

* ``"sampled"``: cross-entropy over the target and its candidates, with the
  **log-Q correction** (subtract ``logq * log Q(item)``, Q the chance that
  the item is a candidate; Yi et al. 2019), so popular items are not
  over-penalised for being sampled more often. The models' ``logq`` is 0.5,
  half the full correction: on Online Retail baskets' validation window it
  scored a higher MRR@20 than 1 (the reference GRU4Rec's) on both of two
  seeds, and than 0.75 and 0 on one: full-catalogue ranking rewards a little
  popularity (``benchmarks/sampled_losses.md``);
* ``"bpr-max"``: GRU4Rec's pairwise loss: ``-log sum_j s_j sigmoid(r_i - r_j)
  + bpreg * sum_j s_j r_j**2``, with ``s`` the softmax over the negatives'
  scores (the hardest negatives weigh most) and scores passed through
  ``elu`` first; no log-Q correction (its softmax already weighs by score).

``"softmax"`` keeps the full-catalogue cross-entropy; ``"auto"`` chooses by
:func:`choose_loss`. Everything is written with ``keras.ops``, so it runs on
every Keras backend.
"""
from __future__ import annotations

import keras
import numpy as np
from keras import ops

LOSSES = ("auto", "softmax", "sampled", "bpr-max")
MASKED = -1e9              # the logit of a masked candidate: never counts
FULL_SOFTMAX_UP_TO = 2000  # "auto": full softmax for catalogues of at most this many items


def choose_loss(loss: str, n_items: int) -> str:
    """The loss a model trains with: ``loss`` itself, or for ``"auto"`` the rule of thumb.

    ``"auto"``: full softmax up to :data:`FULL_SOFTMAX_UP_TO` items (exact, and
    on a 2-core CPU about as fast as sampling there), sampled cross-entropy
    above (benchmarks/sampled_losses.md: on Online Retail's 4,023 items it
    keeps the full softmax's MRR@20 at a fraction of the time per epoch).
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}, not {loss!r}")
    if loss != "auto":
        return loss
    return "softmax" if n_items <= FULL_SOFTMAX_UP_TO else "sampled"


def item_counts(sessions, n_codes: int) -> np.ndarray:
    """How often each code occurs in the training sessions (code 0, padding: 0)."""
    codes = np.concatenate([np.asarray(s) for s in sessions]) if len(sessions) else np.zeros(0, int)
    counts = np.bincount(codes, minlength=n_codes).astype("float64")
    counts[0] = 0
    return counts


class CandidateScores(keras.layers.Layer):
    """Scores of each position's target and its sampled candidates (for training only).

    Inputs ``[states (B, T, d), targets (B, T), matrix]``: ``matrix`` is the
    item matrix the output layer ``head`` scores with (tied embeddings), or
    None when the head holds its own (see :meth:`ItemOutput.candidate_weights`).
    Output ``(B, T, 1 + B + n_sample)``: column 0 the target's score, then the
    in-batch candidates of the same step, then the popularity sample; masked
    candidates get :data:`MASKED`.
    """

    def __init__(self, head, counts, *, kind: str = "sampled", n_sample: int = 1024,
                 sample_alpha: float = 0.5, logq: float = 0.5, elu: float = 0.5, seed: int = 0,
                 **kwargs):
        super().__init__(**kwargs)
        if kind not in ("sampled", "bpr-max"):
            raise ValueError(f"kind must be 'sampled' or 'bpr-max', not {kind!r}")
        self.head, self.kind, self.n_sample = head, kind, int(n_sample)
        self.sample_alpha, self.logq, self.elu = sample_alpha, logq, elu
        counts = np.asarray(counts, "float64")
        weights = np.where(counts > 0, counts, 0.0) ** sample_alpha
        weights[0] = 0.0
        self.cdf = (np.cumsum(weights) / weights.sum()).astype("float32")
        # log Q: in-batch candidates come with the data (prob. ~ count), sampled ones ~ count**alpha
        self.log_count = np.log(np.maximum(counts, 1.0)).astype("float32")
        self.seed_generator = keras.random.SeedGenerator(seed)

    def draw(self):
        """``n_sample`` item codes drawn by popularity ** ``sample_alpha`` (never padding)."""
        u = keras.random.uniform((self.n_sample,), seed=self.seed_generator)
        codes = ops.searchsorted(ops.convert_to_tensor(self.cdf), u, side="right")
        return ops.clip(codes, 1, len(self.cdf) - 1)

    def call(self, inputs):
        states, targets, matrix = inputs
        targets = ops.cast(targets, "int32")
        own_vectors, own_bias = self.head.candidate_weights(targets, matrix)        # (B,T,d), (B,T)
        positive = ops.sum(states * own_vectors, axis=-1) + own_bias                # (B, T)
        # in-batch: position (b, t) against the targets of every row c at the same step t
        in_batch = ops.einsum("btd,ctd->btc", states, own_vectors) + ops.transpose(own_bias)[None]
        step_targets = ops.transpose(targets)[None]                                 # (1, T, B)
        own = ops.expand_dims(targets, -1)                                          # (B, T, 1)
        in_batch_masked = ops.logical_or(step_targets == 0, step_targets == own)
        parts, masks = [in_batch], [in_batch_masked]
        if self.n_sample:
            sample = self.draw()
            vectors, bias = self.head.candidate_weights(sample, matrix)             # (S,d), (S,)
            parts.append(ops.einsum("btd,sd->bts", states, vectors) + bias)
            masks.append(sample[None, None, :] == own)
        log_count = ops.convert_to_tensor(self.log_count)
        if self.kind == "sampled" and self.logq:
            positive = positive - self.logq * ops.take(log_count, targets)
            parts[0] = parts[0] - self.logq * ops.take(log_count, step_targets)
            if self.n_sample:
                parts[1] = parts[1] - self.logq * self.sample_alpha * ops.take(log_count, sample)
        if self.kind == "bpr-max" and self.elu:
            positive = ops.elu(positive, self.elu)
            parts = [ops.elu(p, self.elu) for p in parts]
        negatives = [ops.where(m, MASKED, p) for p, m in zip(parts, masks)]
        return ops.concatenate([ops.expand_dims(positive, -1), *negatives], axis=-1)


class SampledCrossEntropy(keras.losses.Loss):
    """Cross-entropy of the target (column 0) against the candidates of :class:`CandidateScores`."""

    def __init__(self, name: str = "sampled_cross_entropy", **kwargs):
        super().__init__(name=name, **kwargs)

    def call(self, y_true, logits):
        return ops.logsumexp(logits, axis=-1) - logits[..., 0]


class BPRMax(keras.losses.Loss):
    """GRU4Rec's BPR-max over the candidates of :class:`CandidateScores` (column 0: the target).

    ``-log sum_j s_j sigmoid(r_target - r_j) + bpreg * sum_j s_j r_j**2``,
    ``s`` the softmax over the (unmasked) negatives' scores.
    """

    def __init__(self, bpreg: float = 1.0, name: str = "bpr_max", **kwargs):
        super().__init__(name=name, **kwargs)
        self.bpreg = bpreg

    def call(self, y_true, logits):
        positive, negatives = logits[..., :1], logits[..., 1:]
        kept = negatives > MASKED / 2
        weights = ops.softmax(negatives, axis=-1)   # masked candidates: exp(-1e9) = 0
        hit = ops.sum(ops.sigmoid(positive - negatives) * weights, axis=-1)
        size = ops.sum(ops.square(ops.where(kept, negatives, 0.0)) * weights, axis=-1)
        return -ops.log(hit + 1e-24) + self.bpreg * size


def training_loss(kind: str, bpreg: float = 1.0) -> keras.losses.Loss:
    """The Keras loss of a resolved loss name (``softmax``, ``sampled``, ``bpr-max``)."""
    if kind == "softmax":
        return keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    if kind == "sampled":
        return SampledCrossEntropy()
    if kind == "bpr-max":
        return BPRMax(bpreg)
    raise ValueError(f"unknown loss {kind!r}")
