"""The task layer (``course_lib.tasks``): frozen settings, the model registry, typed results."""
from __future__ import annotations

import dataclasses

import course_lib  # noqa: F401  (chooses the Keras backend first)
import numpy as np
import pandas as pd
import pytest

from course_lib.datasets import make_shop
from course_lib.evaluate.classification import classification_metrics
from course_lib.evaluate.rolling import leaderboard, rolling_origin
from course_lib.models.forecasters import NaiveForecast, SeasonalNaiveForecast
from course_lib.tasks import registry
from course_lib.tasks.next_item import next_item_task, tune_on_validation
from course_lib.tasks.results import NextItemResult
from course_lib.tasks.settings import (MODEL_KEYS, ChurnSettings, DemandSettings, ForecastSettings,
                                       IntentSettings, NextItemSettings, Settings, SettingsError,
                                       UpliftSettings)
from course_lib.tasks.yes_no import yes_no_metrics


def test_settings_are_frozen_and_changed_by_copy():
    settings = NextItemSettings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.epochs = 3
    quick = dataclasses.replace(settings, epochs=3)
    assert quick.epochs == 3 and settings.epochs == 6
    assert Settings().next_item.models == ("pop", "markov", "sknn", "gru4rec")


@pytest.mark.parametrize("make, message", [
    (lambda: NextItemSettings(models=("pop", "lstm4rec")), "unknown model(s) ['lstm4rec']"),
    (lambda: NextItemSettings(models=()), "unknown model(s) []"),
    (lambda: NextItemSettings(epochs=0), "--epochs (epochs=) must be a whole number of at least 1, got 0"),
    (lambda: NextItemSettings(test_days=0), "--test-days (test_days=) must be positive, got 0"),
    (lambda: NextItemSettings(valid_days=-1), "--valid-days (valid_days=) must not be negative, got -1"),
    (lambda: NextItemSettings(budget_s=float("nan")), "--budget-s (budget_s=) must not be negative, got nan"),
    (lambda: ForecastSettings(horizon=0), "--horizon (horizon=) must be a whole number of at least 1, got 0"),
    (lambda: ForecastSettings(season=0), "--season (season=) must be a whole number of at least 1, got 0"),
    (lambda: DemandSettings(step=-1), "--step (step=) must be a whole number of at least 1, got -1"),
    (lambda: Settings(tasks=("next-item", "weather")), "unknown task(s) ['weather']"),
    # settings whose option is not their name: the message names both
    (lambda: IntentSettings(k=0), "--intent-k (k=) must be a whole number of at least 1, got 0"),
    (lambda: ChurnSettings(horizon_days=0), "--churn-days (horizon_days=) must be a whole number of at least 1, got 0"),
    (lambda: DemandSettings(underage_cost=-1), "--shortage-cost (underage_cost=) must be positive, got -1"),
    (lambda: DemandSettings(overage_cost=0), "--leftover-cost (overage_cost=) must be positive, got 0"),
    (lambda: UpliftSettings(window_days=0), "--uplift-days (window_days=) must be a whole number of at least 1, got 0"),
    (lambda: UpliftSettings(margin=-5), "--margin (margin=) must not be negative, got -5"),
    (lambda: UpliftSettings(send_cost=float("nan")), "--send-cost (send_cost=) must not be negative, got nan"),
    (lambda: ForecastSettings(freq="X"), "--freq (freq=) 'X' is not a frequency pandas knows"),
    (lambda: ForecastSettings(freq="0D"), "--freq (freq=) '0D' is not a frequency pandas knows"),
    (lambda: ForecastSettings(freq="-1D"), "--freq (freq=) '-1D' is not a frequency pandas knows"),
    (lambda: ForecastSettings(count="units"), "--count (count=) 'units': choose from events, quantity"),
])
def test_settings_refuse_what_cannot_work(make, message):
    with pytest.raises(SettingsError) as error:
        make()
    assert message in str(error.value)


def test_revenue_of_a_log_without_quantities_is_the_sum_of_its_prices():
    """A log of orders and their amounts (the shipped CD purchases: an amount mapped as the price,
    no quantity): --count revenue crashed with KeyError: 'quantity'. Each line is one unit."""
    from course_lib.tasks.forecast import series_from_events

    events = pd.DataFrame({"timestamp": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 12:00", "2024-01-03 09:00"]),
                           "event_type": "purchase", "price": [10.0, 2.5, 4.0]})
    series, what = series_from_events(events, ForecastSettings(count="revenue"))
    assert series.tolist() == [12.5, 0.0, 4.0]
    assert what == ("revenue of purchase events per day (the sum of prices: no quantity column, so each "
                    "line is one unit)")
    with_units = events.assign(quantity=[2, 1, 3])
    assert series_from_events(with_units, ForecastSettings(count="revenue"))[0].tolist() == [22.5, 0.0, 12.0]
    with pytest.raises(SettingsError, match=r"--count \(count=\) quantity needs a quantity column"):
        series_from_events(events, ForecastSettings(count="quantity"))


def test_the_registry_builds_every_key_with_the_settings_hyper_parameters():
    assert set(registry.CONSTRUCTORS) == set(MODEL_KEYS)  # each key: a constructor and a label
    assert set(registry.LABELS) == set(MODEL_KEYS) | set(registry.PRETRAINED)  # --pretrained's too
    settings = NextItemSettings(models=MODEL_KEYS, hidden=16, epochs=3, batch_size=64, sknn_k=7,
                                sknn_sample=1000, sknn_remind=False)
    models = registry.make_models(settings)
    assert [m.name for m in models] == list(MODEL_KEYS)  # the key is the model's name, nothing more
    by_key = {m.name: m for m in models}
    # every setting a session-kNN grid chooses reaches the model (lesson 09 passes all three)
    assert (by_key["sknn"].k, by_key["sknn"].sample, by_key["sknn"].remind) == (7, 1000, False)
    assert set(settings.sknn_grid[0]) == {"k", "sample", "remind"}
    assert by_key["lstm"].cell == "lstm" and by_key["lstm"].hidden == 16
    assert by_key["srgnn"].epochs == 2 and by_key["srgnn"].batch_size == 128  # 2/3 the epochs, 2x the batch
    assert by_key["sasrec"].blocks == 1 and by_key["sasrec"].dim == 16
    assert registry.label("gru4rec") == "GRU4Rec" and registry.label("other") == "other"
    with pytest.raises(KeyError):
        registry.make_model("bert", settings)


def test_rules_of_thumb_live_in_the_settings():
    events = pd.DataFrame({"timestamp": pd.to_datetime(["2024-01-01", "2024-03-01"])})
    assert ChurnSettings().horizon(events) == 15          # a quarter of 60 days
    assert ChurnSettings(horizon_days=30).horizon(events) == 30
    assert ChurnSettings.history_weeks(90) == 24 and ChurnSettings.history_weeks(7) == 4
    demand, forecast = DemandSettings(), ForecastSettings()
    assert demand.initial_window(100) == forecast.initial_window(100) == 60   # 60 %
    assert demand.initial_window(30) == 28                                    # at least 4 seasons
    assert DemandSettings(initial=40).initial_window(30) == 40
    # the first window, then 4 origins (2 validation, 2 test) a horizon apart, then a horizon; under
    # 70 values the window shrinks to leave them, down to 4 seasons: 56 values at least, at any length
    assert demand.initial_window(67) == 39 and demand.initial_window(70) == 42
    assert demand.too_short(56) is None and demand.too_short(67) is None
    for n in (40, 55):
        assert "needs at least 56 values (a first window of 28" in demand.too_short(n)
    assert "more than two seasons" in ForecastSettings(initial=14).too_short(100)
    settings = NextItemSettings()
    test = pd.Series([np.arange(2), np.arange(9), np.arange(9)])   # predictions from sessions of 2, 9, 9
    assert settings.long_from(test) == 9
    assert settings.long_from(pd.Series([np.arange(2)] * 3)) == 3                # the floor


def test_the_forecast_baseline_is_found_by_its_key_not_its_name():
    y = pd.Series(np.tile([5.0, 9.0, 7.0], 12) + np.arange(36) * 0.1,
                  index=pd.date_range("2024-01-01", periods=36))
    renamed = SeasonalNaiveForecast(3)
    renamed.name = "last week again"
    result = rolling_origin(y, [NaiveForecast(), renamed], horizon=3, initial=24, m=3, progress=False)
    assert result.baseline == "last week again"
    board = leaderboard(result).set_index("model")
    assert board.loc["last week again", "skill"] == pytest.approx(0.0)
    assert board.loc["naive", "skill"] < 0


def test_yes_no_metrics_of_scikit_learn_agree_with_the_lesson_s_own():
    rng = np.random.default_rng(0)
    labels = (rng.random(300) < 0.2).astype(int)
    scores = labels * 0.5 + rng.random(300).round(1)   # ties on purpose
    ours, theirs = classification_metrics(labels, scores), yes_no_metrics(labels, scores)
    assert ours.keys() == theirs.keys()
    for key in ours:
        assert theirs[key] == pytest.approx(ours[key], abs=1e-12), key


@pytest.mark.slow
def test_every_model_is_tuned_on_validation_and_the_task_a_typed_result():
    events = make_shop(20_000, seed=0).events
    settings = NextItemSettings(models=("pop", "markov", "sknn"), sknn_ks=(5, 50),
                                sknn_samples=(300,))
    views = events[events["event_type"] == "view"]
    earlier = views[views["timestamp"] < views["timestamp"].max() - pd.Timedelta(days=7)]
    tuned = tune_on_validation(earlier, settings, log=lambda message: None)
    assert list(tuned) == ["pop", "markov", "sknn"]          # every model gets a validation score
    choice = tuned["sknn"].params
    assert choice in settings.sknn_grid and len(tuned["sknn"].trials) == len(settings.sknn_grid)
    assert tuned["markov"].params == {} and 0 < tuned["markov"].score < 1
    assert (settings.sknn_k, settings.sknn_sample) == (100, 5000)   # the caller's settings unchanged
    assert tune_on_validation(earlier, dataclasses.replace(settings, valid_days=0)) == {}
    assert tune_on_validation(earlier, dataclasses.replace(settings, budget_s=0)) == {}
    result = next_item_task(events, settings, progress=False, log=lambda message: None)
    assert isinstance(result, NextItemResult) and result.skipped is None
    assert list(result.models) == ["pop", "markov", "sknn"] and result.tuned["sknn"].params == choice
    assert result.models["sknn"].k == choice["k"]
    assert sorted(result.leaderboard["model"]) == ["markov", "pop", "sknn"]
    assert set(result.breakdown["model"]) == {"pop", "markov", "sknn"}
    assert set(result.tables) == {"next_item_leaderboard", "next_item_breakdown", "chosen_settings"}
    assert result.tables["chosen_settings"]["model"].tolist() == ["pop", "markov", "sknn"]


def test_the_neural_grids_start_from_the_settings():
    settings = NextItemSettings(learning_rate=3e-3, hidden=128, loss="bpr-max")
    grid = registry.grid("gru4rec", settings)
    assert list(grid) == ["learning_rate", "loss", "hidden", "dropout"]
    assert grid["learning_rate"] == (3e-3, 1e-2, 3e-2) and grid["hidden"] == (128, 64)
    assert grid["loss"] == ("bpr-max", "auto")
    assert "dropout" not in registry.grid("srgnn", settings) and "dim" in registry.grid("sasrec", settings)
    assert registry.grid("sknn", settings) == settings.sknn_grid and registry.grid("markov", settings) == []
    assert set(registry.GRIDS) <= set(MODEL_KEYS)
    with pytest.raises(SettingsError, match="budget_s"):
        NextItemSettings(budget_s=-1)


def _log_file(tmp_path, name, rows):
    from course_lib.datasets import load_events

    path = tmp_path / name
    path.write_text("user,session,item,time\n" + "".join(f"{r}\n" for r in rows))
    return load_events(path)


def test_a_test_file_that_starts_before_the_training_data_ends_is_an_error(tmp_path):
    from course_lib.datasets import EventLogError
    from course_lib.tasks.next_item import split_given

    train = _log_file(tmp_path, "train.csv", ["u1,s1,1,2024-01-01 10:00", "u1,s1,2,2024-01-01 10:01",
                                              "u2,s2,1,2024-01-05 10:00", "u2,s2,2,2024-01-05 10:01"])
    test = _log_file(tmp_path, "test.csv", ["u3,s3,1,2024-01-02 10:00", "u3,s3,2,2024-01-02 10:01"])
    with pytest.raises(EventLogError, match=r"test\.csv: 2 test events come before the last training "
                       r"event \(2024-01-05 10:01:00\), the first at 2024-01-02 10:00:00 \(user u3, item 1\)"):
        split_given(train, test)


def test_train_and_test_files_get_one_id_type(tmp_path):
    from course_lib.tasks.next_item import split_given

    train = _log_file(tmp_path, "train.csv", ["u1,s1,1,2024-01-01 10:00", "u1,s1,2,2024-01-01 10:01",
                                              "u2,s2,1,2024-01-01 11:00", "u2,s2,2,2024-01-01 11:01"])
    # one text id makes the test file's ids text; items 1 and 2 must still be known
    test = _log_file(tmp_path, "test.csv", ["u3,s3,1,2024-01-02 10:00", "u3,s3,2,2024-01-02 10:01",
                                            "u3,s3,A7,2024-01-02 10:02"])
    assert train["item_id"].dtype == "int64" and test["item_id"].dtype != "int64"
    split, _ = split_given(train, test)
    assert split.dropped_unknown == 1 and [len(s) for s in split.test] == [2]


def test_days_missing_from_a_series_file_become_zeros_and_a_note():
    from course_lib.tasks.forecast import series_from_events, series_from_values

    days = pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-05", "2024-01-06"])
    series, _ = series_from_values(pd.Series([1.0, 2, 3, 4], index=days), "units", ForecastSettings())
    assert series.tolist() == [1, 2, 0, 0, 3, 4]
    assert series.attrs["notes"] == ["2 days between the first and the last are missing from the file "
                                     "and were filled with 0, the first 2024-01-03; if they are not "
                                     "zeros, add them to the file"]
    events = make_shop(2_000, seed=0).events
    assert series_from_events(events, ForecastSettings())[1] == "purchase events per day"


def _small_log(sessions: int, events_per_session: int, days: float, purchase_every: int = 2) -> pd.DataFrame:
    """A log of ``sessions`` sessions of ``events_per_session`` views (every ``purchase_every``-th
    session ends in a purchase) spread over ``days``."""
    rows = []
    start = pd.Timestamp("2024-01-01")
    for s in range(sessions):
        t0 = start + pd.Timedelta(days=days * s / sessions)
        for j in range(events_per_session):
            bought = j == events_per_session - 1 and s % purchase_every == 0
            rows.append({"user_id": s % 7, "session_id": s, "item_id": (s + j) % 11,
                         "timestamp": t0 + pd.Timedelta(minutes=j),
                         "event_type": "purchase" if bought else "view"})
    return pd.DataFrame(rows)


def test_logs_too_small_for_a_task_say_why():
    """A report on a log of one-event sessions died in the intent task (IndexError), losing the
    other tasks; intent and churn blamed "positives and negatives" that both sides had, or
    printed "base rate nan%"; next-item said "try another test window" whatever the cause."""
    from course_lib.tasks.intent import intent_task
    from course_lib.tasks.next_item import next_item_task

    single = _small_log(300, 1, 60)
    intent = intent_task(single, progress=False)
    assert intent.skipped.startswith("no session has 3 events before its first purchase"), intent.skipped
    assert "--intent-k (k=)" in intent.skipped
    few = _small_log(100, 4, 60)          # the last 7 days hold 12 sessions
    skipped = intent_task(few, progress=False).skipped
    assert skipped.startswith("too few usable sessions: ") and skipped.endswith(
        "after it, and at least 20 are needed on each side of the cut (min_cases=)"), skipped
    assert "nan" not in skipped
    said = next_item_task(single, NextItemSettings(models=("pop",), budget_s=0), progress=False).skipped
    # sequences are of views (the log has some): the 150 sessions of one view
    assert said.endswith("every one of the log's 150 sessions has a single event, and a next item needs "
                         "two (check --session, or a longer --session-gap)"), said
    short = next_item_task(_small_log(50, 3, 5), NextItemSettings(models=("pop",), budget_s=0), progress=False)
    assert "the log spans 4.9 days, no more than --test-days 7, so no day is left to train on" in short.skipped


def test_too_few_names_the_side_and_the_reason():
    from course_lib.prep.labelled import Examples
    from course_lib.tasks.yes_no import too_few

    def cases(labels):
        n = len(labels)
        return Examples(features=pd.DataFrame({"x": np.zeros(n)}), steps=np.zeros((n, 1, 1)), items=None,
                        label=np.asarray(labels), time=np.zeros(n, dtype="datetime64[ns]"), what="customers")

    both = cases([0, 1] * 15)
    assert too_few(both, both, 20) is None
    assert too_few(cases([]), both, 20) == ("no customers in training, and at least 20 are needed on each "
                                            "side of the cut (min_cases=)")
    assert too_few(both, cases([1] * 30), 20) == ("all 30 customers in the test are positive: each side of "
                                                  "the cut needs both outcomes")


def test_days_without_a_purchase_at_the_ends_of_the_log_are_zeros():
    """Views went on for 10 days after the last purchase: the daily series stopped at the last
    purchase, silently, so the forecasts never saw the sales stop."""
    from course_lib.tasks.forecast import series_from_events

    days = pd.date_range("2024-01-01", periods=40, freq="D")
    events = pd.DataFrame({"timestamp": days.repeat(2), "event_type": ["view", "purchase"] * 40})
    events.loc[(events["timestamp"] >= days[30]) & (events["event_type"] == "purchase"), "event_type"] = "view"
    series, _ = series_from_events(events, ForecastSettings())
    assert len(series) == 40 and series.iloc[30:].eq(0).all() and series.iloc[:30].eq(1).all()
    assert series.attrs["notes"] == ["10 days of the log without a purchase at its start or end (2024-01-31 to "
                                     "2024-02-09) are counted as 0: the log has other events then"]
    whole, _ = series_from_events(events.assign(event_type="purchase"), ForecastSettings())
    assert len(whole) == 40 and whole.attrs["notes"] == []


def test_a_report_where_no_task_ran_says_so_in_its_trust_section():
    """Every task skipped: the trust section said 'none of the usual ones' (warnings), as if there
    were numbers to trust."""
    from course_lib.tasks.results import YesNoResult
    from course_lib.tasks.trust import trust_lines

    skipped = [YesNoResult("intent", "Purchase intent"), YesNoResult("churn", "Churn")]
    for r in skipped:
        r.skipped = "too few"
    assert trust_lines(skipped) == ["- No task could run on this log (each one's reason is above), so "
                                    "there is no number to trust yet."]


def test_a_catalogue_no_larger_than_the_list_gets_a_warning_about_hr_at_20():
    """A shop of a handful of items: every model had HR@20 1.000 [1.000, 1.000] and nothing said why."""
    from course_lib.tasks.next_item import next_item_task
    from course_lib.tasks.trust import trust_lines

    log = _small_log(400, 4, 60)   # items 0-10
    result = next_item_task(log, NextItemSettings(models=("pop", "markov"), budget_s=0), progress=False)
    assert result.skipped is None and (result.leaderboard["HR@20"] == 1).all()
    warned = [ln for ln in trust_lines([result], log) if "HR@20 is 1 for every model" in ln]
    assert warned == ["- ⚠ The catalogue holds 11 items, no more than the 20 a list of 20 shows: HR@20 is 1 "
                      "for every model by construction, so compare MRR@20 and NDCG, which still weigh "
                      "where the item ranks."]
