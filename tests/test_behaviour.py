"""Lesson 08's behaviour model: action sequences, pretraining windows, reuse, cold start, scaling, checkers."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from course_lib.datasets import make_shop
from course_lib.datasets.synthetic import OTHER_ID_OFFSET, other_customers
from course_lib.prep.actions import FIRST_GAP, action_log, gap_codes, pretraining_windows
from course_lib.prep.sequences import ItemVocab

ROOT = Path(__file__).resolve().parents[1]


def tiny_events():
    t = pd.Timestamp("2024-01-01")
    rows = [  # user, session, item, seconds after t, event
        (1, 10, "a", 0, "view"), (1, 10, "b", 30, "view"), (1, 10, "b", 31, "cart"),
        (1, 11, "c", 90_000, "view"), (1, 11, "c", 90_100, "purchase"),
        (2, 20, "b", 5, "view"), (2, 20, "d", 5, "view"), (2, 21, "a", 700, "view"),
    ]
    return pd.DataFrame({"user_id": [r[0] for r in rows], "session_id": [r[1] for r in rows],
                         "item_id": [r[2] for r in rows],
                         "timestamp": [t + pd.Timedelta(seconds=r[3]) for r in rows],
                         "event_type": [r[4] for r in rows]})


def test_gap_codes_buckets_on_a_log_scale():
    codes = gap_codes([np.nan, 0, 0.99, 1, 59, 60, 599, 600, 3_599, 3_600, 86_400, 40 * 86_400])
    assert codes.tolist() == [FIRST_GAP, 2, 2, 3, 3, 4, 4, 5, 5, 6, 7, 9]


def test_action_log_orders_each_user_and_codes_channels():
    log = action_log(tiny_events())
    assert log.users.tolist() == [1, 2] and log.starts.tolist() == [0, 5, 8]
    assert log.events.tolist() == [1, 1, 2, 1, 3, 1, 1, 1]
    assert log.gaps.tolist()[:5] == [FIRST_GAP, 3, 3, 7, 4]  # 30 s, 1 s, 25 h, 100 s
    assert log.gaps[5] == FIRST_GAP and log.gaps[6] == 2          # a new user starts again
    unknown = action_log(tiny_events(), vocab=ItemVocab(["a", "b"]))
    assert set(unknown.items[[3, 4, 6]]) == {unknown.unknown_code}


def test_pretraining_windows_pair_each_action_with_the_next_of_the_same_user():
    log = action_log(tiny_events())
    x, y, w = pretraining_windows(log, max_len=3)
    # user 1: 5 actions -> 4 pairs -> windows of 3 and 1; user 2: 3 actions -> 2 pairs
    assert len(x["items"]) == 3
    assert w["event"].sum() == 4 + 2
    for row in range(len(x["items"])):
        real = w["event"][row] > 0
        inputs, targets = x["items"][row][real], y["item"][row][real]
        assert (inputs[1:] == targets[:-1]).all()       # the target of t is the input of t + 1
    assert (x["items"][w["event"] == 0] == 0).all()      # left padding only
    before = pretraining_windows(log, 3, before=pd.Timestamp("2024-01-01 00:01"))[2]["event"].sum()
    assert before == 2 + 1                               # user 1's first 3 actions, user 2's first 2


def test_windows_at_prediction_time_hold_nothing_later():
    log = action_log(tiny_events())
    at = np.array([pd.Timestamp("2024-01-01 00:00:31"), pd.Timestamp("2024-01-01 00:00:01")], dtype="datetime64[ns]")
    windows = log.windows_before([1, 2], at, max_len=4)
    assert (windows.items[0] > 0).sum() == 2          # the cart at 31 s is not before 31 s
    assert (windows.items[1] > 0).sum() == 0 and np.isnan(windows.since_last_s[1])
    assert windows.since_last_s[0] == pytest.approx(1.0)
    k2 = log.session_windows([11, 20], k=2, max_len=8)
    assert (k2.items[0] > 0).sum() == 5 and (k2.items[1] > 0).sum() == 2
    with pytest.raises(ValueError, match="fewer than 2 actions"):
        log.session_windows([21], k=2, max_len=8)


def test_other_customers_share_the_catalogue_not_the_people():
    shop = make_shop(5_000, seed=3)
    others = other_customers(shop.config, 5_000, stream=1).events
    assert others["user_id"].min() >= OTHER_ID_OFFSET and others["session_id"].min() >= OTHER_ID_OFFSET
    assert set(others["item_id"]) <= set(shop.items.index) | set(shop.events["item_id"])
    again = other_customers(shop.config, 5_000, stream=1).events
    pd.testing.assert_frame_equal(others, again, check_exact=True)
    assert not others.equals(other_customers(shop.config, 5_000, stream=2).events)


@pytest.fixture(scope="module")
def small_model():
    from course_lib.models.behaviour import BehaviourModel

    shop = make_shop(4_000, seed=2)
    log = action_log(shop.events)
    model = BehaviourModel(dim=8, blocks=1, heads=1, max_len=8, epochs=1, batch_size=32).fit(log)
    return shop, log, model


def test_behaviour_model_saves_and_loads_the_same_predictions(small_model, tmp_path):
    from course_lib.models.behaviour import load_behaviour_model

    shop, log, model = small_model
    windows = log.windows_at(log.starts[1:] - 1, 8)
    folder = model.save(tmp_path / "model")
    again = load_behaviour_model(folder)
    np.testing.assert_allclose(again.represent(windows), model.represent(windows), rtol=1e-5, atol=1e-6)
    assert again.meta["actions"] == model.meta["actions"] and list(again.vocab.items) == list(model.vocab.items)
    with pytest.raises(FileNotFoundError, match="saved behaviour model"):
        load_behaviour_model(tmp_path)
    random = model.with_random_weights(seed=1)
    assert not np.allclose(random.represent(windows), model.represent(windows))


def test_behaviour_next_item_follows_the_contract(small_model):
    from course_lib.models.behaviour import BehaviourNextItem
    from course_lib.prep.next_item import next_item_split

    shop, log, model = small_model
    split = next_item_split(shop.events, 5)
    X, _ = split.test_prefixes(6)
    frozen = BehaviourNextItem(model, split.vocab, mode="frozen", max_len=6).fit(split.train, split.n_items)
    scores = frozen.score(X[:7])
    assert scores.shape == (7, split.n_items + 1) and np.isneginf(scores[:, 0]).all()
    # the frozen model's scores of an item are the pretrained model's scores of the same item id
    state = model.represent(model.visit_windows([list(split.vocab.decode(r[r > 0])) for r in X[:7]]))
    item_ids = split.vocab.decode(np.arange(1, split.n_items + 1))
    table = model.network.get_layer("item_embedding").get_weights()[0]
    bias = model.network.get_layer("next_item").get_weights()[0]
    rows = model.item_rows(item_ids)
    expected = state @ table[rows].T + bias[rows]
    np.testing.assert_allclose(scores[:, 1:], expected, rtol=1e-3, atol=1e-3)
    with pytest.raises(ValueError, match="needs the pretrained model"):
        BehaviourNextItem(None, None, mode="finetune")


def test_encoder_weights_copy_when_the_tied_matrix_layers_have_the_same_name():
    # In a fresh process, a loaded pretrained model and a new next-item network both name their
    # tied-output view "embedding_matrix"; copying must not treat it as a weight of its own
    # (lesson 08's frozen model failed when it was the first network built).
    import keras

    from course_lib.models.behaviour import (build_next_item_networks, build_pretraining_network,
                                             copy_encoder_weights)

    keras.backend.clear_session()
    source = build_pretraining_network(9, 6, dim=8, blocks=1, heads=2)
    keras.backend.clear_session()
    target, _ = build_next_item_networks(7, 4, dim=8, blocks=1, heads=2, dropout=0.1)
    shared = {layer.name for layer in source.layers} & {layer.name for layer in target.layers}
    assert any(name.startswith("embedding_matrix") for name in shared)
    copy_encoder_weights(source, target, rows=[-1, 0, 1, 2, 3, 4, 7])
    np.testing.assert_allclose(target.get_layer("item_embedding").get_weights()[0][1:6],
                               source.get_layer("item_embedding").get_weights()[0][:5])


def test_the_fine_tuned_behaviour_model_is_saved_and_served_with_its_visit_channels(small_model, tmp_path):
    from course_lib.models.behaviour import BehaviourNextItem
    from course_lib.models.serving import Recommender, load_recommender
    from course_lib.prep.next_item import next_item_split

    shop, log, model = small_model
    split = next_item_split(shop.events, 5)
    tuned = BehaviourNextItem(model, split.vocab, mode="finetune", max_len=6, epochs=1).fit(split.train, split.n_items)
    folder = Recommender.from_model(tuned, split.vocab).save(tmp_path / "served")
    served = load_recommender(folder)
    assert served.inputs == {"visit": {"event": model.session_event, "gap": model.session_gap}}
    X, _ = split.test_prefixes(6)
    for row in X[:5]:
        history = split.vocab.decode(row[row > 0])
        np.testing.assert_allclose(served.scores(history), tuned.score(row[None])[0, 1:], rtol=1e-4, atol=1e-4)
    # without the channels the network cannot be called: the rule is what makes the folder work
    bare = Recommender(served.model, served.vocab, served.max_len, served.name)
    with pytest.raises(Exception):
        bare.scores(split.vocab.decode(X[0][X[0] > 0]))
    with pytest.raises(ValueError, match="unknown input rule"):
        Recommender(served.model, served.vocab, 6, inputs={"clock": {}})


def test_behaviour_classifier_probe_scores_every_case(small_model):
    from course_lib.models.behaviour import BehaviourClassifier
    from course_lib.prep.intent import intent_examples

    shop, log, model = small_model
    examples = intent_examples(shop.events, k=2)
    scores = BehaviourClassifier(model, log, mode="probe").fit(examples).score(examples)
    assert scores.shape == (len(examples),) and ((scores > 0) & (scores < 1)).all()


def test_validation_cases_hold_out_the_latest_cases_or_a_seeded_random_share():
    from course_lib.prep.labelled import Examples, validation_cases

    n = 10
    times = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n)[::-1], unit="D")
    cases = Examples(pd.DataFrame({"x": np.arange(n)}), np.zeros((n, 1, 1)), None,
                     np.arange(n) % 2, times.to_numpy())
    fit, valid = validation_cases(cases, 0.3)
    assert sorted(valid.features.x) == [0, 1, 2]              # the three latest cases
    assert len(fit) == 7 and fit.time.max() < valid.time.min()
    at_one_cut = Examples(cases.features, cases.steps, None, cases.label, np.repeat(times[:1].to_numpy(), n))
    first, again = validation_cases(at_one_cut, 0.3, seed=3), validation_cases(at_one_cut, 0.3, seed=3)
    assert first[1].features.x.tolist() == again[1].features.x.tolist() and len(first[1]) == 3
    assert validation_cases(at_one_cut, 0.3, seed=4)[1].features.x.tolist() != first[1].features.x.tolist()
    with pytest.raises(ValueError, match="too few"):
        validation_cases(cases.subset(np.arange(n) < 2), 0.2)


def test_fine_tuned_classifier_chooses_its_epochs_on_validation(small_model):
    from course_lib.models.behaviour import BehaviourClassifier
    from course_lib.prep.intent import intent_examples

    shop, log, model = small_model
    examples = intent_examples(shop.events, k=2)
    chosen = BehaviourClassifier(model, log, mode="finetune", max_epochs=3, patience=1).fit(examples)
    history = [h["validation PR-AUC"] for h in chosen.validation_history]
    assert 1 <= len(history) <= 3
    assert chosen.chosen_epochs == 1 + int(np.argmax(history))   # the best validation epoch, the first of ties
    if len(history) < 3:                                        # stopped early: the last epoch gained nothing
        assert history[-1] <= max(history[:-1])
    # the refit restarted the optimizer (its step count counts the refit's epochs only) at its learning rate
    steps = -(-len(examples) // chosen.batch_size)
    assert int(chosen.network.optimizer.iterations) == chosen.chosen_epochs * steps
    assert float(chosen.network.optimizer.learning_rate) == pytest.approx(chosen.learning_rate)
    fixed = BehaviourClassifier(model, log, mode="finetune", epochs=1).fit(examples)
    assert fixed.chosen_epochs == 1 and fixed.validation_history == []
    scores = chosen.score(examples)
    assert scores.shape == (len(examples),) and np.isfinite(scores).all()


def test_recorded_choices_give_the_same_numbers_and_only_for_the_same_inputs(small_model, tmp_path):
    from course_lib.evaluate.recorded_choices import RecordedChoices
    from course_lib.evaluate.tuning import TrainingRule
    from course_lib.models.attention import SASRec
    from course_lib.models.behaviour import BehaviourClassifier
    from course_lib.prep.intent import intent_examples
    from course_lib.prep.next_item import validation_and_test_splits

    shop, log, model = small_model
    examples = intent_examples(shop.events, k=2)
    path = tmp_path / "choices.json"
    make = lambda seed=0: BehaviourClassifier(model, log, mode="finetune", max_epochs=2, seed=seed)  # noqa: E731

    live = make().fit(examples)                                       # chosen on validation, no record
    test = examples.subset(np.arange(len(examples)) % 3 == 0)
    recorder = RecordedChoices(path, record=True)
    recorded = recorder.classifier_scores(recorder.classifier_epochs(make(), examples), examples, test)
    assert path.is_file() and recorder.log == [
        "behaviour model: fine-tuned (epochs): chosen on validation in this run",
        "behaviour model: fine-tuned, seed 0 (test scores): trained in this run"]
    np.testing.assert_array_equal(recorded, live.score(test))

    reader = RecordedChoices(path)
    reused = reader.classifier_epochs(make(), examples)
    assert reader.log == [f"behaviour model: fine-tuned (epochs): recorded in {path.name}"]
    reused.fit(examples)   # trained again for the recorded epochs: the same numbers
    assert (reused.chosen_epochs, reused.validation_history) == (live.chosen_epochs, live.validation_history)
    np.testing.assert_array_equal(reused.score(examples), live.score(examples))
    # the recorded test scores: the same numbers, and what the fit did, without training
    restored = reader.classifier_epochs(make(), examples)
    np.testing.assert_array_equal(reader.classifier_scores(restored, examples, test), live.score(test))
    assert reader.log[-1].startswith("behaviour model: fine-tuned, seed 0 (test scores): recorded in choices.npz "
                                     "(its network trained in ")
    assert (restored.chosen_epochs, restored.validation_history) == (live.chosen_epochs, live.validation_history)
    assert restored.params == live.params and restored.epochs_sentence() == live.epochs_sentence()
    with pytest.raises(RuntimeError, match="no trained network in this run"):
        restored.score(test)
    # another seed, or other cases, are not what was recorded: chosen again, on validation; other
    # test cases, or another number of epochs, are another fit: trained here
    reader.log.clear()
    reader.classifier_epochs(make(seed=1), examples)
    reader.classifier_epochs(make(), examples.subset(np.arange(len(examples)) % 5 > 0))
    assert [line.endswith("chosen on validation in this run") for line in reader.log] == [True, True]
    reader.classifier_scores(reader.classifier_epochs(make(), examples), examples, examples)
    longer = make().use_chosen_epochs(live.chosen_epochs + 1, live.validation_history)
    reader.classifier_scores(longer, examples, test)
    assert [line.endswith("trained in this run") for line in reader.log[-2:]] == [True, True]
    probe = BehaviourClassifier(model, log, mode="probe")   # no network: simply fitted and scored
    assert reader.classifier_scores(probe, examples, test).shape == (len(test),) and len(reader.log) == 5

    valid, _ = validation_and_test_splits(shop.events, test_days=3, valid_days=3)
    rule = TrainingRule(min_batch=32, max_batch=32, min_epochs=1, max_epochs=2, patience=1)
    first = RecordedChoices(path, record=True).tune(SASRec(dim=8, max_len=5), valid, rule=rule, key="sasrec")
    again = RecordedChoices(path).tune(SASRec(dim=8, max_len=5), valid, rule=rule, key="sasrec")
    assert again.params == first.params and again.score == first.score and "recorded" in again.note
    other = RecordedChoices(path)
    other.tune(SASRec(dim=8, max_len=5, learning_rate=1e-2), valid, rule=rule, key="sasrec")
    assert other.log == ["sasrec (next item): chosen on validation in this run"]


def test_recorded_weights_restore_the_same_network_and_only_for_the_same_fit(small_model, tmp_path):
    # lessons 08 and 09's next-item networks: trained once when recorded, restored when the fit is the same
    from course_lib.evaluate.recorded_choices import RecordedChoices
    from course_lib.models.attention import SASRec
    from course_lib.models.baselines import MarkovChain
    from course_lib.models.behaviour import BehaviourNextItem
    from course_lib.models.session_rnn import SessionRNN
    from course_lib.prep.next_item import validation_and_test_splits

    shop, _, pretrained = small_model
    _, test = validation_and_test_splits(shop.events, test_days=3, valid_days=3)
    X, _ = test.test_prefixes(5)
    path = tmp_path / "choices.json"
    networks = {"sasrec": lambda seed=0: SASRec(dim=8, max_len=5, epochs=2, batch_size=32, seed=seed),
                "behaviour": lambda seed=0: BehaviourNextItem(pretrained, test.vocab, max_len=5, epochs=1,
                                                               batch_size=32, seed=seed),
                # lesson 09's GRU: the sampled loss, whose restored network also needs the item counts
                "gru4rec": lambda seed=0: SessionRNN(hidden=8, max_len=5, epochs=1, batch_size=32, loss="sampled",
                                                     n_sample=16, seed=seed)}
    recorder = RecordedChoices(path, record=True)
    trained = {key: recorder.fitted(make(), test.train, test.n_items, key=key) for key, make in networks.items()}
    assert recorder.log == ["sasrec (trained weights): trained in this run",
                            "behaviour (trained weights): trained in this run",
                            "gru4rec (trained weights): trained in this run"]
    markov = recorder.fitted(MarkovChain(), test.train, test.n_items, key="markov")   # no network: just fitted
    assert markov.train_seconds > 0 and len(recorder.log) == 3
    assert recorder.weights_path.is_file() and recorder.weights_path.suffix == ".npz"

    reader = RecordedChoices(path)
    for key, make in networks.items():
        restored = reader.fitted(make(), test.train, test.n_items, key=key)
        np.testing.assert_array_equal(restored.score(X), trained[key].score(X))   # the same numbers
        assert restored.train_seconds == round(trained[key].train_seconds, 1)
        assert restored.params == trained[key].params
    assert all(line.startswith(f"{key} (trained weights): recorded in choices.npz (it trained in ")
               for key, line in zip(networks, reader.log))
    # another seed, or other sessions, are another fit: trained here, and nothing is written
    before = recorder.weights_path.read_bytes()
    other = RecordedChoices(path)
    other.fitted(networks["sasrec"](seed=1), test.train, test.n_items, key="sasrec")
    other.fitted(networks["sasrec"](), test.train[1:], test.n_items, key="sasrec")
    assert other.log == ["sasrec (trained weights): trained in this run"] * 2
    assert recorder.weights_path.read_bytes() == before


def test_the_shipped_records_hold_the_choices_of_lessons_08_and_09_for_the_current_code():
    # Each record holds a choice and the fingerprint of what it depended on, the library code
    # included; the lessons print whether they used it (tests/test_notebooks runs them). A
    # record made with other code is never used, only slower: this test says when to rewrite.
    import json

    from course_lib.evaluate.recorded_choices import SHIPPED_RECORDS, code_digest, shipped_records

    records = json.loads(SHIPPED_RECORDS.read_text())
    kinds = sorted(r["what"] for r in records.values())
    # lesson 08's three networks with seeds 0, 1 and 2; lesson 09 restores the GRU's and SASRec's
    # seed 0 (the same fits, so one record each, named as lesson 09 names them) and its own GRU on
    # Online Retail's baskets; and the test scores of the fine-tuned intent and churn classifiers
    # with seeds 0, 1 and 2
    assert kinds == sorted([
        "Online Retail baskets (lesson 09)", "behaviour (next item)",
        "behaviour model: fine-tuned (epochs)", "behaviour model: fine-tuned (epochs)",
        *(f"behaviour model: fine-tuned, seed {s} (test scores)" for s in (0, 0, 1, 1, 2, 2)),
        *(f"behaviour, seed {s} (trained weights)" for s in (0, 1, 2)),
        "gru4rec (next item)", "gru4rec (trained weights)", "gru4rec (trained weights)",
        *(f"gru4rec, seed {s} (trained weights)" for s in (1, 2)),
        "sasrec (next item)", "sasrec (trained weights)",
        *(f"sasrec, seed {s} (trained weights)" for s in (1, 2))
    ])
    with np.load(shipped_records().weights_path) as weights:   # every recorded network's arrays
        assert sorted(weights.files) == sorted(f"{key}_{i:03d}" for key, r in records.items()
                                               if "arrays" in r["choice"] for i in range(r["choice"]["arrays"]))
    assert {r["code"] for r in records.values()} == {code_digest()}, (
        "the code that trains and tunes models changed since the choices were recorded: "
        "run python scripts/record_validation_choices.py")
    assert shipped_records().path == SHIPPED_RECORDS


def test_the_records_fingerprint_leaves_out_only_code_the_lessons_do_not_train_with():
    """``recorded_choices.NOT_CODE`` (the SQL engines) is left out of the records' code digest, so
    a change there does not make lessons 08 and 09 train again: nothing else under ``CODE``
    imports it (if something did, a change there could change what the lessons train)."""
    import ast

    from course_lib.evaluate import recorded_choices as rc

    modules = {"course_lib." + part.replace("/", ".") for part in rc.NOT_CODE}
    files = rc.code_files()
    assert not [f for f in files if "engines" in f.parts] and len(files) > 20   # left out, and the rest kept
    for file in files:
        tree = ast.parse(file.read_text(encoding="utf-8"))
        imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [m for m in imported if any(m.startswith(x) for x in modules)], file


def test_cold_start_cases_keep_exactly_the_dropped_events():
    from course_lib.prep.cold_start import cold_start_cases

    t = pd.Timestamp("2024-01-01")
    rows = [(1, 1, "a", 0), (1, 1, "b", 1), (2, 2, "a", 86_400 * 9), (2, 2, "new1", 86_400 * 9 + 1),
            (2, 2, "b", 86_400 * 9 + 2), (3, 3, "new2", 86_400 * 9 + 5), (3, 3, "new1", 86_400 * 9 + 6)]
    events = pd.DataFrame({"user_id": [r[0] for r in rows], "session_id": [r[1] for r in rows],
                           "item_id": [r[2] for r in rows], "timestamp": [t + pd.Timedelta(seconds=r[3]) for r in rows],
                           "event_type": "purchase"})
    cases = cold_start_cases(events, test_days=2)
    assert cases.dropped_events == 3                        # new1, new2, new1
    assert cases.targets.tolist() == ["new1", "new1"]       # new2 opens its session: nothing before it
    assert cases.prefixes == [["a"], ["new2"]]
    assert list(cases.catalogue) == ["a", "b", "new1", "new2"] and cases.n_known == 2
    assert cases.target_positions().tolist() == [2, 2]


def test_item_text_ngrams_and_neighbourhood_popularity():
    from course_lib.models.cold_start import NeighbourhoodPopularity, text_vectors
    from course_lib.prep.item_text import item_descriptions, ngram_ids

    raw = pd.DataFrame({"StockCode": ["1", "1", "1", "2", "3"],
                        "Description": ["red retro clock", "RED RETRO CLOCK", "RED  RETRO CLOCK", "blue mug", None]})
    assert item_descriptions(raw).to_dict() == {"1": "RED RETRO CLOCK", "2": "BLUE MUG"}
    texts = ["RED RETRO CLOCK", "BLUE MUG", "BLUE RETRO CLOCK", ""]
    ids = ngram_ids(texts, max_ngrams=32)
    np.testing.assert_array_equal(ids, ngram_ids(texts, max_ngrams=32))   # the same hash every run
    assert (ids[3] == 0).all()
    v = text_vectors(ids)
    sims = (v @ v.T).toarray()
    assert sims[2, 0] > sims[2, 1] > 0 and np.allclose(np.diag(sims)[:3], 1)
    pop = NeighbourhoodPopularity(k=1).fit(v[:3], np.array([10.0, 4.0]), n_known=2)
    assert pop.item_scores.tolist() == [10.0, 4.0, 10.0]   # the new clock takes the red clock's popularity


def test_power_law_frontier_and_local_exponents():
    from course_lib.evaluate.scaling import compute_frontier, fit_power_law, local_exponents

    x = np.geomspace(1e9, 1e12, 6)
    a, b = fit_power_law(x, 7.0 * x ** -0.05)
    assert a == pytest.approx(7.0) and b == pytest.approx(-0.05)
    np.testing.assert_allclose(local_exponents(x, 7.0 * x ** -0.05), -0.05)
    table = pd.DataFrame({"c": [1, 2, 3, 4], "loss": [5.0, 5.2, 4.0, 4.1]})
    assert compute_frontier(table, "c", "loss")["c"].tolist() == [1, 3]
    with pytest.raises(ValueError):
        fit_power_law([1.0], [2.0])


def test_label_subsets_hold_both_outcomes_and_repeat():
    from course_lib.evaluate.label_efficiency import efficiency_summary, label_efficiency, label_subsets

    labels = np.array([1] * 5 + [0] * 195)
    subsets = label_subsets(labels, 0.05, repeats=4, seed=0)
    assert len(subsets) == 4 and all(len(s) == 10 and 0 < labels[s].sum() < 10 for s in subsets)
    assert [s.tolist() for s in subsets] == [s.tolist() for s in label_subsets(labels, 0.05, 4, seed=0)]
    assert len(label_subsets(labels, 1.0, repeats=4)) == 1
    test = np.array([0, 1, 0, 1])
    table = label_efficiency({"perfect": lambda rows: test.astype(float)}, labels, test, fractions=(0.05, 1.0),
                             repeats=3)
    summary = efficiency_summary(table)
    assert summary["repeats"].tolist() == [3, 1] and (summary["mean"] == 1.0).all()


def test_the_shipped_models_load_and_say_what_they_read():
    from course_lib.tasks.behaviour import load_shipped

    for name in ("shop", "retail"):
        model = load_shipped(name)
        assert model.meta["actions"] > 100_000 and "before" in model.meta["corpus"]
    with pytest.raises(ValueError, match="no shipped behaviour model"):
        load_shipped("nope")


@pytest.mark.slow
def test_the_rebuild_script_runs_at_a_small_size(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_behaviour_models.py"), "--only", "shop",
                             "--other-events", "3000", "--epochs", "1", "--dim", "8", "--out", str(tmp_path)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    from course_lib.tasks.behaviour import load_shipped

    model = load_shipped("shop", root=tmp_path)
    assert model.dim == 8 and "3,000 events of other customers" in model.meta["corpus"]


@pytest.mark.slow
def test_the_record_script_writes_what_a_notebook_chose_on_validation(tmp_path):
    import json

    import nbformat

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import course_lib\n"
        "from course_lib.datasets import make_shop\n"
        "from course_lib.evaluate.recorded_choices import RecordedChoices\n"
        "from course_lib.evaluate.tuning import TrainingRule\n"
        "from course_lib.models.baselines import MarkovChain\n"
        "from course_lib.prep.next_item import validation_and_test_splits\n"
        "valid, _ = validation_and_test_splits(make_shop(3000, seed=1).events, test_days=3, valid_days=3)\n"
        "choices = RecordedChoices('unused.json')\n"
        "print(choices.tune(MarkovChain(), valid, rule=TrainingRule(), key='markov').describe())\n")])
    path = tmp_path / "tiny.ipynb"
    nbformat.write(notebook, path)
    out = tmp_path / "records.json"
    out.write_text("{}")
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "record_validation_choices.py"),
                             "--notebook", str(path), "--out", str(out)], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    records = json.loads(out.read_text())
    assert [r["what"] for r in records.values()] == ["markov (next item)"] and "1 record written" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["records.json", "tiny.ipynb"]   # nothing written beside


def test_lesson08_checkers(capsys):
    from course_lib.course import lesson08_checks as check

    def verdict(fn, *args, **kw):
        fn(*args, **kw)
        out = capsys.readouterr().out.strip()
        assert out.count("\n") == 0, out
        return out

    seconds = np.array([np.nan, 0.4, 60, 599, 3_600, 2 * 86_400, 45 * 86_400])
    right = gap_codes(seconds).tolist()
    assert "not attempted" in verdict(check.gap_buckets, None, seconds)
    assert ": correct" in verdict(check.gap_buckets, right, seconds)
    assert "first bucket is code 2" in verdict(check.gap_buckets, [c - 2 for c in right], seconds)
    assert "next bucket" in verdict(check.gap_buckets, [1, 2, 3, 4, 5, 7, 9], seconds)
    assert "not attempted" in verdict(check.training_pairs, None, 70, 32)
    assert ": correct" in verdict(check.training_pairs, (69, 3), 70, 32)
    assert "n - 1 pairs" in verdict(check.training_pairs, (70, 3), 70, 32)
    assert "round up" in verdict(check.training_pairs, (69, 2), 70, 32)
    flops = np.geomspace(1e10, 1e13, 5)
    losses = 5.0 * flops ** -0.04
    assert ": correct" in verdict(check.compute_factor, 0.95 ** (1 / -0.04), flops, losses, reduction=0.05)
    assert "1/b" in verdict(check.compute_factor, 0.95 ** -0.04, flops, losses, reduction=0.05)
    assert "not attempted" in verdict(check.compute_factor, None, flops, losses, reduction=0.05)
