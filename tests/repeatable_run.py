"""The pipelines of lessons 03, 05 and 07, small: run as a fresh process, print their tables.

``test_repeatability.py`` runs this file twice, each time in a fresh Python with
another hash seed, and compares what it prints. It does what a lesson does,
at a size that runs in seconds:

* the seeding of every lesson's first cell (``SEED``, NumPy, Keras);
* lesson 03: a rolling-origin leaderboard over the benchmarks and ARMA models,
  the forecaster chosen on validation origins and scored on test origins, with
  its bootstrap interval;
* lessons 05 and 07: a synthetic shop, its validation and test splits,
  session-kNN chosen from a grid on validation, the GRU tuned on validation
  (learning rate and epochs), the LSTM and SASRec, and the ranked test
  leaderboard with its intervals and the GRU over two seeds.

Timing columns are left out: they measure the machine, not the models.
After them, below the line ``UNSEEDED_MARK``, it prints one table whose model
draws its noise without a seed: the test shows that the comparison catches it
(in the same two runs, so no third and fourth Python starts for it).
"""
from __future__ import annotations

import course_lib  # noqa: F401  (chooses the Keras backend first)
import keras
import numpy as np
import pandas as pd

SEED = 0
TIMING = ["train_s", "predict_s", "fit_seconds"]
UNSEEDED_MARK = "--- a model without a seed (must differ between the runs) ---"


def seed_everything() -> None:
    """What every lesson's first cell does."""
    np.random.seed(SEED)
    keras.utils.set_random_seed(SEED)


def table(frame: pd.DataFrame) -> str:
    return frame.drop(columns=[c for c in TIMING if c in frame]).to_csv(float_format="%.6f")


def forecasting() -> str:
    """Lesson 03, small: rolling origins, a choice on validation origins, the test skill."""
    from course_lib.datasets import make_shop
    from course_lib.evaluate.forecast_choice import choose_forecaster
    from course_lib.evaluate.rolling import rolling_origin
    from course_lib.models.forecasters import ARMAForecast, benchmarks, weekday_indicators
    from course_lib.prep import daily_series

    y = daily_series(make_shop(15_000, seed=SEED).events, value="sessions")
    exog = weekday_indicators(y.index)
    models = benchmarks(7) + [ARMAForecast((1, 0, 1)),
                              ARMAForecast((0, 1, 1), exog_columns=list(exog.columns), log=True)]
    result = rolling_origin(y, models, horizon=7, initial=len(y) - 56, m=7, exog=exog, progress=False)
    choice = choose_forecaster(result, test_share=0.5, n_resamples=200, seed=SEED)
    return "\n".join([f"chosen on validation: {choice.chosen}", table(choice.validation), table(choice.test)])


def next_item() -> str:
    """Lessons 05 and 07, small: baselines and neural models tuned on validation, ranked on test."""
    from course_lib.datasets import make_shop
    from course_lib.evaluate.next_item import fit_and_evaluate, ranked_leaderboard, tune
    from course_lib.evaluate.tuning import TrainingRule, tune_model, tuned_model
    from course_lib.models.attention import SASRec
    from course_lib.models.baselines import MarkovChain, Popularity
    from course_lib.models.neighbours import SessionKNN
    from course_lib.models.session_rnn import SessionRNN
    from course_lib.prep.next_item import validation_and_test_splits

    shop = make_shop(12_000, seed=SEED)
    valid, test = validation_and_test_splits(shop.events, test_days=14, valid_days=14)
    X_valid, y_valid = valid.test_prefixes(8)
    X_test, y_test = test.test_prefixes(8)
    knn_grid = [{"k": k, "sample": s} for k in (20, 50) for s in (200, 1000)]
    best_knn, knn_table = tune(SessionKNN, knn_grid, valid, X_valid, y_valid)
    rule = TrainingRule(max_epochs=2, patience=1)
    gru = SessionRNN(hidden=16, max_len=8)
    gru_tuning = tune_model(gru, valid, {"learning_rate": [1e-2, 3e-3]}, X=X_valid, y=y_valid, rule=rule)
    baselines = [Popularity(), MarkovChain(), SessionKNN(**best_knn)]
    validation = {m.name: fit_and_evaluate(m, valid, X_valid, y_valid)["MRR@20"] for m in baselines}
    models = [Popularity(), MarkovChain(), SessionKNN(**best_knn), tuned_model(gru, gru_tuning),
              SessionRNN(cell="lstm", hidden=16, max_len=8, epochs=1),
              SASRec(dim=16, blocks=1, max_len=8, epochs=1)]
    ranked = ranked_leaderboard(models, test, X_test, y_test, validation=validation,
                                seeds={"gru4rec": (0, 1)}, n_resamples=200)
    return "\n".join([table(knn_table), table(gru_tuning.trials.drop(columns="seconds")),
                      f"baseline: {ranked.baseline}", table(ranked.board)])


def unseeded() -> str:
    """A deliberately broken model: its noise is drawn without a seed."""
    from course_lib.datasets import make_shop
    from course_lib.evaluate.next_item import fit_and_evaluate
    from course_lib.prep.next_item import next_item_split
    from noisy_markov import NoisyMarkov

    split = next_item_split(make_shop(3_000, seed=SEED).events, test_days=7)
    row = fit_and_evaluate(NoisyMarkov(seed=None), split, *split.test_prefixes(8))   # no seed: the bug
    return table(pd.DataFrame([row]))


if __name__ == "__main__":
    seed_everything()
    print(forecasting())
    print(next_item())
    print(UNSEEDED_MARK)
    print(unseeded())
