"""Losses over sampled candidates (``course_lib.models.sampling``): they equal the full softmax
when every item is a candidate, apply the log-Q correction, mask accidental hits, and BPR-max
follows its formula."""
from __future__ import annotations

import course_lib  # noqa: F401  (chooses the Keras backend first)
import keras
import numpy as np
import pandas as pd
import pytest

from course_lib.models.sampling import (MASKED, BPRMax, CandidateScores, SampledCrossEntropy,
                                        choose_loss, item_counts)
from course_lib.models.session_rnn import ItemOutput, SessionRNN, TiedOutput

N_CODES, DIM = 9, 4


def head_and_matrix(tied: bool, seed: int = 0):
    rng = np.random.default_rng(seed)
    matrix = rng.normal(size=(N_CODES, DIM)).astype("float32")
    if tied:
        head = TiedOutput(N_CODES)
        head.build(None)
        head.bias.assign(rng.normal(size=N_CODES).astype("float32"))
        return head, matrix
    head = ItemOutput(N_CODES)
    head.build((None, DIM))
    head.vectors.assign(matrix)
    head.bias.assign(rng.normal(size=N_CODES).astype("float32"))
    return head, None


class EveryItem(CandidateScores):
    """Candidates: every item once (instead of a random sample)."""

    def draw(self):
        return keras.ops.arange(1, N_CODES, dtype="int32")


def full_scores(head, matrix, states):
    return keras.ops.convert_to_numpy(head([states, matrix]) if matrix is not None else head(states))


@pytest.mark.parametrize("tied", [True, False])
def test_sampled_cross_entropy_equals_full_softmax_when_every_item_is_a_candidate(tied):
    head, matrix = head_and_matrix(tied)
    rng = np.random.default_rng(1)
    states = rng.normal(size=(1, 5, DIM)).astype("float32")   # one row: no other in-batch targets
    targets = np.array([[3, 1, 8, 3, 5]], dtype="int32")
    layer = EveryItem(head, np.ones(N_CODES), n_sample=N_CODES - 1, logq=0.0)
    logits = layer([states, targets, matrix])
    got = keras.ops.convert_to_numpy(SampledCrossEntropy(reduction=None)(targets, logits))
    scores = full_scores(head, matrix, states)[..., 1:]        # the catalogue, without padding
    want = -np.take_along_axis(scores - np.log(np.exp(scores).sum(-1, keepdims=True)),
                               targets[..., None] - 1, axis=-1)[..., 0]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_log_q_correction_and_masks():
    head, matrix = head_and_matrix(True)
    rng = np.random.default_rng(2)
    states = rng.normal(size=(3, 2, DIM)).astype("float32")
    targets = np.array([[0, 2], [4, 2], [5, 7]], dtype="int32")   # a padded position; a shared target
    counts = np.arange(N_CODES, dtype="float64") * 3.0
    layer = EveryItem(head, counts, n_sample=N_CODES - 1, logq=1.0, sample_alpha=0.5)
    logits = keras.ops.convert_to_numpy(layer([states, targets, matrix]))
    assert logits.shape == (3, 2, 1 + 3 + N_CODES - 1)
    scores = full_scores(head, matrix, states)
    log_count = np.log(np.maximum(counts, 1))
    b, t = 2, 1                                                    # target 7
    assert logits[b, t, 0] == pytest.approx(scores[b, t, 7] - log_count[7], rel=1e-5)
    # in-batch: rows 0 and 1 have target 2 at step 1 (corrected by log count), row 2 is itself
    np.testing.assert_allclose(logits[b, t, 1:3], scores[b, t, 2] - log_count[2], rtol=1e-5)
    assert logits[b, t, 3] == MASKED
    # sampled: every item, corrected by alpha * log count, the target itself masked
    sampled = logits[b, t, 4:]
    expected = scores[b, t, 1:] - 0.5 * log_count[1:]
    keep = np.arange(1, N_CODES) != 7
    np.testing.assert_allclose(sampled[keep], expected[keep], rtol=1e-5)
    assert sampled[~keep] == MASKED
    # row 1 at step 1 shares target 2 with row 0: that in-batch candidate is an accidental hit
    assert logits[1, 1, 1] == MASKED and logits[1, 1, 2] == MASKED
    # a padded in-batch target (row 0, step 0) is never a candidate
    assert (logits[:, 0, 1] == MASKED).all()


def test_bpr_max_follows_its_formula():
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(4, 6)).astype("float32")
    logits[1, 3] = MASKED
    got = keras.ops.convert_to_numpy(BPRMax(bpreg=0.7, reduction=None)(np.zeros(4), logits))
    want = []
    for row in logits:
        pos, neg = row[0], row[1:][row[1:] > MASKED / 2]
        s = np.exp(neg - neg.max()) / np.exp(neg - neg.max()).sum()
        want.append(-np.log((s / (1 + np.exp(-(pos - neg)))).sum()) + 0.7 * (s * neg ** 2).sum())
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_samples_follow_popularity_and_never_padding():
    head, matrix = head_and_matrix(True)
    counts = np.array([0, 1, 1, 1, 1, 1, 1, 1, 400.0])
    layer = CandidateScores(head, counts, n_sample=4000, sample_alpha=1.0, seed=0)
    codes = keras.ops.convert_to_numpy(layer.draw())
    assert codes.min() >= 1 and codes.max() <= N_CODES - 1
    assert 0.95 < np.mean(codes == 8) < 0.99                    # 400 / 407


def test_the_loss_rule_and_item_counts():
    assert choose_loss("auto", 1500) == "softmax" and choose_loss("auto", 4000) == "sampled"
    assert choose_loss("bpr-max", 10) == "bpr-max"
    with pytest.raises(ValueError, match="loss must be one of"):
        choose_loss("hinge", 10)
    with pytest.raises(ValueError, match="loss must be one of"):
        SessionRNN(loss="hinge")
    counts = item_counts(pd.Series([np.array([1, 2, 2]), np.array([3])]), 5)
    assert counts.tolist() == [0, 1, 2, 1, 0]


@pytest.mark.slow
@pytest.mark.parametrize("loss", ["sampled", "bpr-max"])
def test_a_gru_trained_with_a_sampled_loss_learns(loss):
    from course_lib.datasets import make_shop
    from course_lib.evaluate.next_item import evaluate_model
    from course_lib.prep.next_item import next_item_split

    split = next_item_split(make_shop(10_000, seed=1).events, 14)
    X, y = split.test_prefixes(10)
    model = SessionRNN(hidden=32, max_len=10, epochs=3, batch_size=64, learning_rate=1e-2,
                       loss=loss, n_sample=64).fit(split.train, split.n_items)
    assert model.loss_used == loss
    untrained = SessionRNN(hidden=32, max_len=10, epochs=1, batch_size=64, learning_rate=1e-9,
                           loss=loss, n_sample=64).fit(split.train, split.n_items)
    assert evaluate_model(model, X, y)["MRR@20"] > 2 * evaluate_model(untrained, X, y)["MRR@20"]
