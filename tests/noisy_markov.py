"""A model under the next-item contract whose scores depend on its seed, as a neural model's do.

Used by ``test_seeds.py`` (seeds spread the scores) and ``repeatable_run.py``
(``seed=None`` draws the noise without a seed: the bug the repeatability test
must catch).
"""
from __future__ import annotations

import numpy as np

from course_lib.models.baselines import MarkovChain


class NoisyMarkov:
    """The Markov chain's scores plus noise drawn with ``seed``."""

    name = "noisy-markov"
    train_seconds = 0.0

    def __init__(self, noise: float = 0.5, seed: int | None = 0):
        self.noise, self.seed = noise, seed

    def get_params(self) -> dict:
        """What ``course_lib.models.base.clone`` copies (a leaderboard trains one clone per seed)."""
        return {"noise": self.noise, "seed": self.seed}

    def fit(self, sessions, n_items, progress=False):
        self.markov = MarkovChain().fit(sessions, n_items)
        self.jitter = np.random.default_rng(self.seed).normal(0, self.noise, n_items + 1)
        self.params = self.markov.params
        return self

    def score(self, X):
        return self.markov.score(X) + self.jitter
