"""Session-kNN, V-SKNN and STAN against brute-force computations of their definitions.

The reference functions below are written the way session-rec writes the
models (sets, dicts and loops, one prefix at a time), with the course's
deterministic rules: candidates share an item with the prefix; ``sample``
keeps the most recent of them (the latest in training order); the ``k`` most
similar are kept, equal similarity going to the more recent session; items
are ranked by vote, then popularity, then smaller code, voted items first.

STAN's similarities are products of exponentials, so two that are equal in exact
arithmetic (``0.5 * exp(-6)`` and ``exp(-4) * exp(-2) / 2``: a hypothesis run found
one) can differ in the last bit, in either direction, in the model and in the
reference alike. Where such a near-tie decides which session is the k-th
neighbour, the prefix has two right answers; its row is not compared
(``_neighbours`` returns None).
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.models.baselines import Popularity
from course_lib.models.neighbours import GRIDS, STAN, VSKNN, SessionKNN, TIE_RESOLUTION
from course_lib.prep.sequences import left_pad


# --------------------------------------------------------------------------- #
# the definitions, brute force

def _neighbours(train, prefix, sample, k, similarity, rank=None):
    """(similarity, index) of the k nearest, from the ``sample`` latest sessions sharing an item.

    ``rank(i)`` orders them as the similarity does, computed so that mathematically equal
    similarities tie exactly (exact fractions). Without it the similarity itself orders them,
    and None is returned when the k-th and the next differ by rounding only (STAN: the
    module's docstring); exactly equal ones go to the more recent session, as in the model.
    """
    q = set(prefix)
    candidates = [i for i, s in enumerate(train) if q & set(s)]
    if sample is not None:
        candidates = candidates[-sample:]
    ordered = sorted(candidates, key=lambda i: (-(rank or similarity)(i), -i))
    if rank is None and len(ordered) > k:
        kth, next_one = similarity(ordered[k - 1]), similarity(ordered[k])
        if kth != next_one and math.isclose(kth, next_one, rel_tol=1e-9):
            return None
    return [(similarity(i), i) for i in ordered[:k]]


def sknn_votes(train, prefix, k, sample, similarity="cosine", remind=True):
    q = set(prefix)

    def sim(i):
        n = set(train[i])
        shared = len(q & n)
        if similarity == "cosine":
            return shared / math.sqrt(len(q) * len(n))
        return shared / len(q | n)

    def exact(i):
        n = set(train[i])
        shared = len(q & n)
        if similarity == "cosine":
            return Fraction(shared ** 2, len(q) * len(n))
        return Fraction(shared, len(q | n))

    votes = defaultdict(float)
    for s, i in _neighbours(train, prefix, sample, k, sim, exact):
        for item in set(train[i]):
            if remind or item not in q:
                votes[item] += s
    return votes


POSITION = {"same": lambda p, L: 1.0, "div": lambda p, L: p / L,
            "quadratic": lambda p, L: (p / L) ** 2}
STEP = {"same": lambda s: 1.0, "div": lambda s: 1 / s, "quadratic": lambda s: 1 / s ** 2}


def vsknn_votes(train, prefix, k, sample, weighting="div", weighting_score="div",
                idf_weighting=0.0, remind=True):
    L = len(prefix)
    weight = {}
    for p, item in enumerate(prefix, start=1):   # a repeated item keeps its last position
        weight[item] = POSITION[weighting](p, L)
    q = set(prefix)
    events = Counter(x for s in train for x in s)
    idf = {x: math.log(len(train) / c) for x, c in events.items()}

    def sim(i):
        return sum(weight[x] for x in q & set(train[i])) / len(weight)

    def exact(i):   # the weights are fractions (div, quadratic, same): exact ties
        L = len(prefix)
        exact_weight = {item: {"same": Fraction(1), "div": Fraction(p, L),
                               "quadratic": Fraction(p, L) ** 2}[weighting]
                        for p, item in enumerate(prefix, start=1)}
        return sum(exact_weight[x] for x in q & set(train[i]))

    votes = defaultdict(float)
    for s, i in _neighbours(train, prefix, sample, k, sim, exact):
        n = set(train[i])
        step = next(j for j, item in enumerate(reversed(prefix), start=1) if item in n)
        for item in n:
            if remind or item not in q:
                votes[item] += s * STEP[weighting_score](step) * (1 + idf_weighting * idf[item])
    return votes


def stan_votes(train, prefix, k, sample, lambda_spw, lambda_snh, lambda_inh, remind=True):
    L = len(prefix)
    weight = {}
    for p, item in enumerate(prefix, start=1):
        weight[item] = math.exp((p - L) / lambda_spw) if lambda_spw else 1.0
    q = set(prefix)
    N = len(train)

    def sim(i):
        n = set(train[i])
        value = (sum(weight[x] for x in q & n)
                 / (math.sqrt(sum(weight[x] ** 2 for x in q)) * math.sqrt(len(n))))
        if lambda_snh:
            value *= math.exp(-(N - 1 - i) / (lambda_snh * N))   # age in training sessions
        return value

    neighbours = _neighbours(train, prefix, sample, k, sim)
    if neighbours is None:
        return None
    votes = defaultdict(float)
    for s, i in neighbours:
        last, star = {}, None
        for p, item in enumerate(train[i], start=1):
            if item in q:
                star = p
            last[item] = p
        for item, p in last.items():
            if remind or item not in q:
                votes[item] += s * (math.exp(-abs(p - star) / lambda_inh) if lambda_inh else 1.0)
    return votes


# --------------------------------------------------------------------------- #
# comparing a model's scores with brute-force votes

def check_row(scores, votes, popularity, n_items):
    """The model's row ranks items as the votes say, ties by popularity then code."""
    v = np.zeros(n_items + 1)
    for item, value in votes.items():
        v[item] = value
    assert np.isneginf(scores[0])
    s = scores[1:]
    v = v[1:]
    voted = v > 0
    assert np.array_equal(s >= 1.0, voted), "voted items (and only they) score at least 1"
    best = v.max() if voted.any() else 1.0
    assert np.allclose(s[voted] - 1.0, v[voted] / best, atol=1e-7)
    codes = np.arange(1, n_items + 1)
    # pairs decided by clearly different votes: the model agrees
    diff = v[:, None] - v[None, :]
    clear = diff > 1e-6 * best
    assert (s[:, None] > s[None, :])[clear].all()
    # pairs with equal votes (0 included): popularity, then the smaller code
    tied = np.abs(diff) <= 1e-12 * best
    pop = popularity[1:]
    first = (pop[:, None] > pop[None, :]) | ((pop[:, None] == pop[None, :])
                                             & (codes[:, None] < codes[None, :]))
    np.fill_diagonal(tied, False)
    assert ((s[:, None] > s[None, :]) == first)[tied].all()


@st.composite
def small_logs(draw):
    """Few items (many ties), repeats, sessions shorter and longer than the prefix window."""
    n_items = draw(st.integers(2, 12))
    item = st.integers(1, n_items)
    train = draw(st.lists(st.lists(item, min_size=1, max_size=9), min_size=1, max_size=40))
    tests = draw(st.lists(st.lists(item, min_size=1, max_size=9), min_size=1, max_size=8))
    max_len = draw(st.integers(1, 6))
    return [np.array(s) for s in train], n_items, tests, max_len


def _prefixes(tests, max_len):
    """Every prefix of every test session, left-truncated to max_len, as the protocol gives them."""
    windows = [s[max(0, j - max_len):j] for s in tests for j in range(1, len(s) + 1)]
    return left_pad(windows, max_len), windows


def _check(model, reference, log, **params):
    train, n_items, tests, max_len = log
    model.fit(train, n_items)
    X, windows = _prefixes(tests, max_len)
    scores = model.score(X)
    assert scores.shape == (len(X), n_items + 1)
    popularity = Popularity().fit(train, n_items).counts
    as_lists = [list(map(int, s)) for s in train]
    for row, window in zip(scores, windows):
        votes = reference(as_lists, [int(x) for x in window], **params)
        if votes is not None:   # None: two right answers (a near-tie of STAN's similarities)
            check_row(row, votes, popularity, n_items)


k_values = st.sampled_from([1, 2, 3, 100])
samples = st.sampled_from([1, 3, 10, None])


@settings(max_examples=120, deadline=None)
@given(log=small_logs(), k=k_values, sample=samples, similarity=st.sampled_from(["cosine", "jaccard"]),
       remind=st.booleans())
def test_sknn_equals_its_definition(log, k, sample, similarity, remind):
    params = dict(k=k, sample=sample, similarity=similarity, remind=remind)
    _check(SessionKNN(**params), sknn_votes, log, **params)


@settings(max_examples=120, deadline=None)
@given(log=small_logs(), k=k_values, sample=samples, weighting=st.sampled_from(sorted(POSITION)),
       weighting_score=st.sampled_from(sorted(STEP)), idf=st.sampled_from([0.0, 2.0]),
       remind=st.booleans())
def test_vsknn_equals_its_definition(log, k, sample, weighting, weighting_score, idf, remind):
    params = dict(k=k, sample=sample, weighting=weighting, weighting_score=weighting_score,
                  idf_weighting=idf, remind=remind)
    _check(VSKNN(**params), vsknn_votes, log, **params)


@settings(max_examples=120, deadline=None)
@given(log=small_logs(), k=k_values, sample=samples, spw=st.sampled_from([None, 0.5, 1.02, 4.0]),
       snh=st.sampled_from([None, 0.1, 1.0]), inh=st.sampled_from([None, 1.02, 4.0]),
       remind=st.booleans())
def test_stan_equals_its_definition(log, k, sample, spw, snh, inh, remind):
    params = dict(k=k, sample=sample, lambda_spw=spw, lambda_snh=snh, lambda_inh=inh, remind=remind)
    _check(STAN(**params), stan_votes, log, **params)


def test_a_near_tie_of_stan_similarities_is_not_compared_and_the_other_rows_are():
    """The example a hypothesis run found: for the prefix [2, 4, 4] sessions 1 and 3 are equally
    similar in exact arithmetic (0.5 exp(-6)), not in floating point; the other prefixes are checked."""
    train = [[1], [1, 3, 4, 5], [4], [1, 2, 3, 6], [1]]
    params = dict(k=2, sample=3, lambda_spw=0.5, lambda_snh=0.1, lambda_inh=None, remind=False)
    assert stan_votes(train, [2, 4, 4], **params) is None
    assert stan_votes(train, [2, 4], **params) is not None and stan_votes(train, [2], **params) is not None
    _check(STAN(**params), stan_votes, ([np.array(s) for s in train], 6, [[2, 4, 4]], 3), **params)


@pytest.mark.parametrize("seed", range(3))
def test_larger_random_logs_with_long_prefixes(seed):
    """More sessions than the histogram top-k can pass without a cut; prefixes of 20 items."""
    rng = np.random.default_rng(seed)
    n_items = 30
    train = [rng.integers(1, n_items + 1, rng.integers(1, 25)) for _ in range(600)]
    tests = [list(rng.integers(1, n_items + 1, rng.integers(2, 30))) for _ in range(6)]
    log = (train, n_items, tests, 20)
    _check(SessionKNN(k=7, sample=200), sknn_votes, log, k=7, sample=200)
    _check(VSKNN(k=7, sample=None, weighting="quadratic", idf_weighting=1.0), vsknn_votes, log,
           k=7, sample=None, weighting="quadratic", idf_weighting=1.0)
    _check(STAN(k=7, sample=300, lambda_snh=0.5), stan_votes, log,
           k=7, sample=300, lambda_spw=1.02, lambda_snh=0.5, lambda_inh=2.05)


# --------------------------------------------------------------------------- #
# the rules, by hand

def test_sample_takes_the_latest_sessions_that_share_an_item():
    """The most recent sessions overall share nothing with the prefix: they are never candidates."""
    train = [np.array([1, 2]), np.array([1, 3]), np.array([4, 5]), np.array([4, 6])]
    model = SessionKNN(k=10, sample=1).fit(train, 6)
    row = model.score(np.array([[0, 1]]))[0]
    # only session [1, 3], the latest holding item 1, votes
    assert row[3] > 1 and row[1] > 1 and row[2] < 1


def test_ties_go_to_popularity_then_to_the_smaller_code():
    # one neighbour votes equally for items 2, 3 and 4; item 3 is the most popular,
    # 2 and 4 are equally popular; 5 and 6 get no vote (6 more popular than 5)
    train = [np.array([1, 2, 3, 4]), np.array([3, 6]), np.array([6, 5]), np.array([6, 7])]
    model = SessionKNN(k=1, sample=None).fit(train, 7)
    row = model.score(np.array([[1]]))[0]
    order = list(np.argsort(-row[1:], kind="stable") + 1)
    assert order[:4] == [3, 1, 2, 4]            # voted: popularity, then code
    assert order[4:] == [6, 5, 7]                  # unvoted: popularity, then code
    assert len(set(row[1:])) == 7                  # no two items tie
    assert 0 < row[1:].min() and row[6] < TIE_RESOLUTION


def test_equal_similarity_keeps_the_more_recent_neighbour():
    train = [np.array([1, 2]), np.array([1, 3])]
    row = SessionKNN(k=1, sample=None).fit(train, 3).score(np.array([[1]]))[0]
    assert row[3] > 1 > row[2]


def test_remind_false_gives_the_prefix_no_votes():
    train = [np.array([1, 2, 3])] * 3
    row = VSKNN(remind=False).fit(train, 3).score(np.array([[1, 2]]))[0]
    assert row[3] > 1 > row[1] and row[2] < 1


def test_contract():
    train = [np.array([1, 2, 3]), np.array([2, 3])]
    for cls, key in [(SessionKNN, "sknn"), (VSKNN, "vsknn"), (STAN, "stan")]:
        model = cls()
        assert model.name == key
        assert model.get_params() == {**model.get_params()} and "k" in model.get_params()
        assert cls(**model.get_params()).get_params() == model.get_params()
        assert model.fit(train, 4) is model
        assert model.train_seconds >= 0 and model.params == 5
        scores = model.score(np.zeros((3, 4), dtype=int))     # empty prefixes: popularity
        assert np.isneginf(scores[:, 0]).all()
        assert list(np.argsort(-scores[0, 1:]) + 1) == [2, 3, 1, 4]
    for key, grid in GRIDS.items():
        cls = {"sknn": SessionKNN, "vsknn": VSKNN, "stan": STAN}[key]
        assert grid and all(cls(**params).name == key for params in grid)
        assert any(params["sample"] is None for params in grid)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="similarity"):
        SessionKNN(similarity="dice")
    with pytest.raises(ValueError, match="weighting"):
        VSKNN(weighting="linear")
    with pytest.raises(ValueError, match="item codes"):
        SessionKNN().fit([np.array([1, 5])], 4)


def test_the_neighbourhood_models_keep_the_contract():
    from course_lib.models.base import NextItemBase, NextItemModel
    for model in (SessionKNN(k=20, sample=5000), VSKNN(), STAN()):
        assert isinstance(model, NextItemBase) and isinstance(model, NextItemModel)
    assert [m.name for m in (SessionKNN(), VSKNN(), STAN())] == ["sknn", "vsknn", "stan"]


# --------------------------------------------------------------------------- #
# on data

@pytest.fixture(scope="module")
def shop_split():
    from course_lib.datasets import make_shop
    from course_lib.prep.next_item import next_item_split
    return next_item_split(make_shop(40_000, seed=3).events, test_days=14)


@pytest.mark.parametrize("model", [SessionKNN(), VSKNN(), STAN(),
                                   SessionKNN(remind=False), VSKNN(remind=False), STAN(remind=False)],
                         ids=repr)
def test_each_beats_popularity_on_the_synthetic_shop(shop_split, model):
    from course_lib.evaluate.next_item import fit_and_evaluate
    X, y = shop_split.test_prefixes(10)
    pop = fit_and_evaluate(Popularity(), shop_split, X, y)
    knn = fit_and_evaluate(model, shop_split, X, y)
    assert knn["MRR@20"] > 1.5 * pop["MRR@20"] and knn["HR@20"] > pop["HR@20"]


@pytest.mark.parametrize("cls", [SessionKNN, VSKNN, STAN])
def test_scoring_is_repeatable_batch_independent_and_refit_clean(shop_split, cls):
    X, _ = shop_split.test_prefixes(10)
    model = cls().fit(shop_split.train, shop_split.n_items)
    whole = model.score(X[:300])
    model.batch_rows = 7
    assert np.array_equal(whole, model.score(X[:300]))
    other = list(shop_split.train)[::-1]             # refitting forgets the first fit
    model.fit(other, shop_split.n_items)
    assert np.array_equal(model.score(X[:300]), cls().fit(other, shop_split.n_items).score(X[:300]))
