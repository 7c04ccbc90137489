"""``--pretrained`` (issue 16 part 6): lesson 08's behaviour model joins the next-item
leaderboard of ``course-lib next-item`` and ``report``, pretrained on the log's own actions
before the validation window, tuned and judged like the other models."""
from __future__ import annotations

import course_lib  # noqa: F401  (chooses the Keras backend first)
import numpy as np
import pytest

from course_lib import cli
from course_lib.datasets import make_shop
from course_lib.tasks import next_item as task
from course_lib.tasks.next_item import leaderboard_task, split_log, validation_split
from course_lib.tasks.registry import SERVABLE
from course_lib.models.serving import load_recommender
from course_lib.tasks.report import model_files, model_to_ship
from course_lib.tasks.settings import NextItemSettings


@pytest.fixture(scope="module")
def shop():
    return make_shop(6_000, seed=3)


@pytest.mark.slow
def test_the_behaviour_model_is_pretrained_before_the_validation_window_and_ranked(shop, monkeypatch, tmp_path):
    settings = NextItemSettings(models=("pop", "markov"), test_days=14, valid_days=14, budget_s=8,
                                max_epochs=2, resamples=200, pretrained=True)
    split, earlier = split_log(shop.events, settings)
    seen = {}
    real = task.pretrain_on_log

    def spy(events, before, *args, **kwargs):
        seen["before"], seen["latest"] = before, events["timestamp"].max()
        return real(events, before, *args, **kwargs)

    monkeypatch.setattr(task, "pretrain_on_log", spy)
    splits = []
    real_split = task.validation_split
    monkeypatch.setattr(task, "validation_split", lambda *a, **k: splits.append(1) or real_split(*a, **k))
    result = leaderboard_task(split, earlier, settings, progress=False, log=lambda line: None,
                              history=shop.events)
    assert len(splits) == 1                                # pretraining and tuning share one split
    valid = validation_split(earlier, settings)
    assert seen["before"] == valid.cut < split.cut        # never the validation or test window
    meta = result.models["behaviour"].pretrained.meta
    assert meta["actions"] <= int((shop.events["timestamp"] < valid.cut).sum())
    board = result.leaderboard.set_index("model")
    assert "behaviour" in board.index and board.loc["behaviour", "MRR@20_lower"] <= board.loc["behaviour", "MRR@20"]
    assert "behaviour" in result.tuned and result.tuned["behaviour"].params["epochs"] >= 1
    assert "pretrained on" in result.notes[0] and "not part of --budget-s" in result.notes[0]
    # servable: when it is the best on validation, the report saves it, and the folder serves it
    assert "behaviour" in SERVABLE
    result.tuned["behaviour"].score = 1.0
    key, why = model_to_ship(result)
    assert key == "behaviour" and "pretrained on the log's own actions" in why and "MRR@20 1.0000" in why
    files = model_files("shop", result, max_len=settings.max_len)
    files["model"](tmp_path / "model")
    served = load_recommender(tmp_path / "model")
    X, _ = split.test_prefixes(settings.max_len)
    history = split.vocab.decode(X[3][X[3] > 0])
    np.testing.assert_allclose(served.scores(history), result.models["behaviour"].score(X[3:4])[0, 1:],
                               rtol=1e-4, atol=1e-4)


def test_without_the_option_nothing_is_pretrained(shop):
    settings = NextItemSettings(models=("pop",), test_days=14, budget_s=0)
    assert task.pretrain(shop.events, settings) is None


def test_the_option_reaches_the_settings_and_refuses_prepared_folders(tmp_path, capsys):
    parser = cli.build_parser()
    args = parser.parse_args(["next-item", "events.csv", "--pretrained", "--out", str(tmp_path / "a")])
    assert cli.next_item_settings(args, args.models).pretrained
    args = parser.parse_args(["report", "events.csv", "--out", str(tmp_path / "b")])
    assert not cli.next_item_settings(args, "pop").pretrained
    code = cli.main(["next-item", "--prepared", str(tmp_path), "--pretrained", "--out",
                     str(tmp_path / "out")])
    assert code == 2 and "--pretrained reads an event log" in capsys.readouterr().err


def test_the_trust_section_says_only_the_epochs_were_chosen():
    from course_lib.evaluate.tuning import TuningResult
    from course_lib.tasks.results import NextItemResult
    from course_lib.tasks.trust import tuned_lines
    empty = __import__("pandas").DataFrame()
    result = NextItemResult("next_item", "Next-item recommendation")
    result.models = {"markov": None, "behaviour": None}
    result.tuned = {"markov": TuningResult("markov", {}, 0.4, empty, "", 0.1),
                    "behaviour": TuningResult("behaviour", {"batch_size": 64, "epochs": 9}, 0.5, empty,
                                              "", 27.0, grid_size=0)}
    text = " ".join(tuned_lines(result))
    assert "Only the number of epochs chosen on validation (early stopping), the other settings kept: behaviour (9 epochs)" in text
    assert "Kept their default settings (nothing to tune): markov;" in text
