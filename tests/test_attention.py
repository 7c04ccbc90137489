"""The attention block equals Keras's with the same weights; SASRec learns; sampled ranks."""
from __future__ import annotations

import numpy as np
import pytest

import course_lib  # noqa: F401
import keras

from course_lib.evaluate.ranking import sampled_target_ranks
from course_lib.models.attention import attention_from_layer, scaled_dot_product_attention


@pytest.mark.parametrize("heads, causal", [(1, True), (2, True), (4, False)])
def test_attention_block_equals_keras_multi_head_attention(heads, causal):
    rng = np.random.default_rng(heads)
    x = rng.normal(size=(3, 7, 8)).astype("float32")
    layer = keras.layers.MultiHeadAttention(num_heads=heads, key_dim=8 // heads)
    layer(x, x)
    layer.set_weights([w + rng.normal(scale=0.1, size=w.shape).astype("float32") for w in layer.get_weights()])
    want = keras.ops.convert_to_numpy(layer(x, x, use_causal_mask=causal))
    assert np.abs(attention_from_layer(x, layer, causal=causal) - want).max() <= 1e-5


def test_causal_attention_never_looks_ahead():
    rng = np.random.default_rng(0)
    q, k, v = (rng.normal(size=(1, 5, 4)).astype("float32") for _ in range(3))
    out = keras.ops.convert_to_numpy(scaled_dot_product_attention(q, k, v))
    v2 = v.copy()
    v2[:, 3:] += 100.0  # change the future
    out2 = keras.ops.convert_to_numpy(scaled_dot_product_attention(q, k, v2))
    assert np.allclose(out[:, :3], out2[:, :3]) and not np.allclose(out[:, 3:], out2[:, 3:])


def test_sampled_ranks_count_only_sampled_items_and_never_the_target():
    scores = np.array([[-np.inf, 5.0, 4.0, 3.0, 2.0, 1.0]])
    for seed in range(20):
        rank = sampled_target_ranks(scores, np.array([3]), n_negatives=2, seed=seed)[0]
        assert 1 <= rank <= 3
    ranks = sampled_target_ranks(np.tile(scores, (500, 1)), np.full(500, 5), n_negatives=3, seed=1)
    assert (ranks == 4).all()  # item 5 has the lowest score: every sampled item beats it
    # the negatives of a row are distinct: sampling all four other items counts each once
    rng = np.random.default_rng(0)
    many = rng.normal(size=(300, 6))
    many[:, 0] = -np.inf
    targets = rng.integers(1, 6, 300)
    full = (many[:, 1:] >= many[np.arange(300), targets][:, None]).sum(axis=1)   # the target counts itself: 1 +
    np.testing.assert_array_equal(sampled_target_ranks(many, targets, n_negatives=4, seed=2), full)
    with pytest.raises(ValueError, match="distinct negatives"):
        sampled_target_ranks(many, targets, n_negatives=5)


@pytest.mark.slow
def test_sasrec_beats_popularity():
    from course_lib.datasets import make_shop
    from course_lib.evaluate.next_item import fit_and_evaluate, leaderboard
    from course_lib.models.attention import SASRec
    from course_lib.models.baselines import Popularity
    from course_lib.prep.next_item import next_item_split

    split = next_item_split(make_shop(40_000, seed=2).events, test_days=14)
    X, y = split.test_prefixes(10)
    board = leaderboard([fit_and_evaluate(m, split, X, y) for m in
                         (Popularity(), SASRec(dim=32, blocks=1, epochs=4, learning_rate=1e-2))]).set_index("model")
    assert board.loc["sasrec", "MRR@20"] > 2 * board.loc["pop", "MRR@20"]
