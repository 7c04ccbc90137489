"""Task 1 of the case study: the next-item leaderboard and its breakdown (lesson 09, ``course-lib``).

The protocol of lessons 05-07 on any event log: split in time, tune every
model on the days before the test (never on the test) within a time budget,
refit the chosen settings on the whole training window, rank the full
catalogue for every next item, and break the result down into repeat/new
items and short/long sessions.

Every number gets its uncertainty: each model's test ranks are computed
once, and a paired bootstrap over the test *sessions* gives each metric a
95 % interval and each model's difference to the best simple baseline
(chosen on validation) an interval of its own; a winner is named only when
that interval excludes 0. With ``settings.seeds`` > 1 every neural model is
trained once per seed and the spread over seeds is reported beside the
interval.

* :func:`next_item_task`: all of it (``course-lib report``, lesson 10);
* :func:`split_log` or :func:`split_given`, then :func:`leaderboard_task`:
  the leaderboard alone (``course-lib next-item``).
"""
from __future__ import annotations

from dataclasses import replace

import pandas as pd

from course_lib.datasets import EventLogError
from course_lib.evaluate.next_item import RankedBoard, breakdown, ranked_leaderboard, verdict
from course_lib.evaluate.tuning import (TrainingRule, TuningResult, chosen_settings_table,
                                        tune_models, tuned_model, validation_sample)
from course_lib.prep.next_item import (NextItemSplit, next_item_split, sequence_events,
                                      split_sessions)
from course_lib.show.plots import plot_metric_bars
from course_lib.models.behaviour import BehaviourModel
from course_lib.tasks.behaviour import pretrain_on_log
from course_lib.tasks.registry import (BASELINES, LABELS, NEURAL, PRETRAINED, grid, make_model,
                                       make_pretrained)
from course_lib.tasks.results import NO_ITEMS, NextItemResult
from course_lib.tasks.settings import NextItemSettings


def validation_split(earlier: pd.DataFrame, settings: NextItemSettings) -> NextItemSplit | None:
    """The protocol on the events before the test cut: its last ``settings.valid_days`` are the
    validation window (None when there is none, or too little data in it)."""
    if settings.valid_days <= 0:
        return None
    try:
        valid = next_item_split(earlier, settings.valid_days, event_types=None)
    except ValueError:
        return None
    if not len(valid.test) or len(valid.train) < 2:
        return None
    return valid


_SPLIT_HERE = object()   # "compute the validation split": a caller may pass the one it has


def pretrain(earlier: pd.DataFrame, settings: NextItemSettings, log=print,
             history: pd.DataFrame | None = None, valid=_SPLIT_HERE) -> BehaviourModel | None:
    """With ``settings.pretrained``: lesson 08's behaviour model pretrained on the actions
    (views, carts and purchases) of ``history`` (default ``earlier``, the sequence events before
    the test cut) that come before the validation window; None without the option.
    ``valid``: the :func:`validation_split` of ``earlier`` if the caller has it (or None)."""
    if not settings.pretrained:
        return None
    if valid is _SPLIT_HERE:
        valid = validation_split(earlier, settings) if settings.tunes else None
    before = valid.cut if valid is not None else earlier["timestamp"].max() + pd.Timedelta(1, "s")
    try:
        model = pretrain_on_log(earlier if history is None else history, before)
    except ValueError as exc:
        raise EventLogError(f"--pretrained: the behaviour model cannot be pretrained on this log "
                            f"({exc})") from None
    meta = model.meta
    log(f"behaviour model pretrained on {meta['actions']:,} actions of {meta['users']:,} users "
        f"before {before} in {meta['train_seconds']:.0f} s")
    return model


def tune_on_validation(earlier: pd.DataFrame, settings: NextItemSettings, log=print,
                       pretrained: BehaviourModel | None = None, valid=_SPLIT_HERE) -> dict[str, TuningResult]:
    """Every model of ``settings`` tuned on the validation window, in ``settings.budget_s``.

    The budget covers the refits on the whole training window too (once per
    seed): the tuner keeps back each neural model's expected refit time,
    its chosen trial's training time scaled by the refit's share of events.
    ``earlier`` holds the events before the test cut only. Returns key ->
    :class:`~course_lib.evaluate.tuning.TuningResult` (the settings to refit
    with, the validation MRR@20, how the search went), or {} when nothing is
    tuned (``budget_s`` or ``valid_days`` 0, or too little data). With ``pretrained``
    (:func:`pretrain`) the ``behaviour`` model is tuned too: its epochs, by early stopping.
    ``valid``: the :func:`validation_split` of ``earlier`` if the caller has it (or None).
    """
    if valid is _SPLIT_HERE:
        valid = validation_split(earlier, settings) if settings.tunes else None
    if valid is None:
        return {}
    log(f"validation window ({settings.valid_days:g} days before the test): {valid.describe()}")
    X, y = validation_sample(valid, settings.max_len)
    models = {key: make_model(key, settings) for key in settings.models}
    grids = {key: grid(key, settings) for key in settings.models}
    if pretrained is not None:
        models["behaviour"] = make_pretrained(pretrained, valid.vocab, settings)
    return tune_models(models, valid, grids, budget_s=settings.budget_s, X=X, y=y,
                       rule=TrainingRule(max_epochs=settings.max_epochs),
                       refit_scale=refit_scale(valid) * max(1, settings.seeds), log=log)


def refit_scale(valid: NextItemSplit) -> float:
    """How much longer a refit on the whole training window trains than a trial on the
    validation split's training part: the ratio of their events."""
    before = int(valid.train.map(len).sum())
    return (before + int(valid.test.map(len).sum())) / max(before, 1)


def rank_models(split: NextItemSplit, settings: NextItemSettings,
                tuned: dict[str, TuningResult] | None = None, progress: bool = True,
                log=print, pretrained: BehaviourModel | None = None,
                validation: dict[str, float] | None = None, fit=None) -> RankedBoard:
    """Fit ``settings.models`` (and the ``behaviour`` model, given ``pretrained``) with the
    settings ``tuned`` chose on validation (neural ones once per seed of ``settings.seeds``),
    rank the test once, and add the intervals (``settings.resamples`` bootstrap resamples of
    test sessions; none when 0) and the differences to the best simple baseline, chosen on the
    validation scores: those of ``tuned``, and ``validation`` (model -> validation MRR@20) for
    models scored on validation without a tuning result (lesson 09). ``fit`` fits one model
    (see :func:`~course_lib.evaluate.next_item.ranked_leaderboard`; lesson 09 restores recorded
    networks with it)."""
    X, y = split.test_prefixes(settings.max_len)
    models = [tuned_model(make_model(key, settings), (tuned or {}).get(key)) for key in settings.models]
    if pretrained is not None:
        models.append(tuned_model(make_pretrained(pretrained, split.vocab, settings),
                                  (tuned or {}).get("behaviour")))
    seeds = {}
    if settings.seeds > 1:
        for m in models:
            if m.name in NEURAL + PRETRAINED:
                first = int(m.get_params().get("seed", 0))
                seeds[m.name] = range(first, first + settings.seeds)
    ranked = ranked_leaderboard(models, split, X, y, baselines=BASELINES,
                                validation={**{k: r.score for k, r in (tuned or {}).items()}, **(validation or {})},
                                seeds=seeds,
                                n_resamples=settings.resamples, progress=progress, log=log, fit=fit)
    ranked.board.attrs.update(seeds=settings.seeds)
    return ranked


def next_item_leaderboard(split: NextItemSplit, settings: NextItemSettings,
                          tuned: dict[str, TuningResult] | None = None, progress: bool = True,
                          log=print) -> tuple[pd.DataFrame, list]:
    """(leaderboard, fitted models) of ``settings.models`` on one split, each with the settings
    ``tuned`` chose for it on validation (or those of ``settings``). The plain columns; for
    the intervals use :func:`rank_models`."""
    ranked = rank_models(split, replace(settings, resamples=0), tuned, progress=progress, log=log)
    return ranked.plain(), ranked.models


def interval_notes(ranked: RankedBoard) -> list[str]:
    """Sentences on the intervals: how they were computed, the verdict, every difference."""
    board = ranked.board
    if "MRR@20_lower" not in board:
        return ["No intervals were computed (too few test sessions, or resamples 0)."]
    notes = [f"95 % intervals from {board.attrs['n_resamples']:,} paired bootstrap resamples of the "
             f"{board.attrs['n_sessions']:,} test sessions ({board.attrs['n_predictions']:,} predictions); "
             + (f"differences are relative to {ranked.baseline}, {ranked.baseline_note}."
                if ranked.baseline else f"{ranked.baseline_note}, so no differences are given.")]
    if ranked.seed_runs:
        notes.append(f"Neural models trained with {board.attrs['seeds']} seeds: their metrics are the "
                     "means over seeds; _seed_sd/_seed_min/_seed_max give the spread that training luck "
                     "adds, beside the interval from the choice of test sessions.")
    notes.append(verdict(board, BASELINES))
    return notes


def pretrained_note(pretrained: BehaviourModel) -> str:
    """One sentence on the pretrained behaviour model: what it read, how long it took."""
    meta = pretrained.meta
    return (f"The behaviour model (lesson 08) was pretrained on {meta['actions']:,} actions of "
            f"{meta['users']:,} users, all before the validation window ({meta['corpus']}), in "
            f"{meta['train_seconds']:.0f} s, then fine-tuned for next items like the other "
            "neural models; its pretraining time is not part of --budget-s.")


def chosen_notes(tuned: dict[str, TuningResult], settings: NextItemSettings) -> list[str]:
    """Sentences on what tuning chose (or why nothing was tuned)."""
    if not tuned:
        why = ("--budget-s is 0" if settings.budget_s <= 0 else "there is no validation window"
               if settings.valid_days <= 0 else "the validation window holds too little data")
        return [f"Nothing was tuned ({why}): the models trained with the settings as given."]
    spent = sum(r.seconds for r in tuned.values())
    refits = sum(r.refit_s for r in tuned.values())
    kept = f", keeping {refits:.0f} s for the refits," if refits > 0 else ""
    return [f"Every model was tuned on the {settings.valid_days:g} days before the test "
            f"(validation MRR@20), in {spent:.0f} s{kept} of a {settings.budget_s:g} s budget; "
            "the chosen settings were refitted on the whole training window:"] + \
           [f"{r.describe()}" for r in tuned.values()]


def too_little_data(split: NextItemSplit, seq: pd.DataFrame, test_days: float) -> str | None:
    """Why ``split`` cannot train and test a model (fewer than two training sessions or no test
    session), naming the cause where the log shows it; ``None`` if it can."""
    if len(split.train) >= 2 and len(split.test) >= 1:
        return None
    said = f"too little data for the protocol: {split.describe()}"
    lengths = seq.groupby("session_id", sort=False).size()
    span = (seq["timestamp"].max() - seq["timestamp"].min()) / pd.Timedelta("1D")
    if not (lengths >= 2).any():
        return (said + f": every one of the log's {len(lengths):,} sessions has a single event, and a "
                "next item needs two (check --session, or a longer --session-gap)")
    if span <= test_days:
        return (said + f": the log spans {span:.1f} days, no more than --test-days {test_days:g}, so "
                "no day is left to train on")
    in_test = int((seq["timestamp"] >= split.cut).sum())
    return (said + f": the last {test_days:g} days hold {in_test:,} of the log's {len(seq):,} events; "
            "try another --test-days (test_days=), and check the log's last times")


def split_log(events: pd.DataFrame, settings: NextItemSettings,
              source: str = "events") -> tuple[NextItemSplit, pd.DataFrame]:
    """(split, the events before the test cut) of one log: its last ``settings.test_days`` are the test."""
    seq = sequence_events(events)
    try:
        split = next_item_split(seq, settings.test_days, event_types=None)
    except ValueError as exc:
        raise EventLogError(f"the log is too small for the protocol ({exc})", path=source) from None
    why = too_little_data(split, seq, settings.test_days)
    if why:
        raise EventLogError(why, path=source)
    return split, seq[seq["timestamp"] < split.cut]


def same_id_types(train_events: pd.DataFrame, test_events: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two logs whose ids have one type: where one file's ids are integers and the other's text
    (one id such as "A7" makes a whole file's ids text), both become text, so that item 5 of
    one file is item "5" of the other (``course-lib next-item --train --test``)."""
    for c in ("user_id", "session_id", "item_id"):
        if c in train_events and c in test_events and train_events[c].dtype != test_events[c].dtype:
            train_events = train_events.assign(**{c: train_events[c].astype("string")})
            test_events = test_events.assign(**{c: test_events[c].astype("string")})
    return train_events, test_events


def check_test_after_train(train_events: pd.DataFrame, test_events: pd.DataFrame) -> None:
    """One error if the test file has events before the training file's last one: the models
    would be trained on what comes after the events they predict (``--train``/``--test``)."""
    last = train_events["timestamp"].max()
    early = (test_events["timestamp"] < last).to_numpy()
    if early.any():
        first = test_events.iloc[int(early.argmax())]
        item = f", item {first['item_id']}" if "item_id" in test_events else ""
        raise EventLogError(f"{int(early.sum()):,} test events come before the last training event "
                            f"({last}), the first at {first['timestamp']} (user {first['user_id']}"
                            f"{item}): the test must come after the training data, so split the "
                            "log in time (or give one file and --test-days)",
                            path=test_events.attrs.get("source", "the test events"))


def split_given(train_events: pd.DataFrame, test_events: pd.DataFrame) -> tuple[NextItemSplit, pd.DataFrame]:
    """(split, the training events) of data that arrives split (``--train`` and ``--test`` files):
    the ids of both get one type, and a test event before the last training event is an error."""
    check_test_after_train(train_events, test_events)
    train_events, test_events = same_id_types(train_events, test_events)
    train_events, test_events = sequence_events(train_events), sequence_events(test_events)
    return split_sessions(train_events, test_events), train_events


def leaderboard_task(split: NextItemSplit, earlier: pd.DataFrame, settings: NextItemSettings, *,
                     source: str = "events", progress: bool = True, log=print,
                     history: pd.DataFrame | None = None) -> NextItemResult:
    """Every model tuned on the days before the test, then the leaderboard of ``settings.models``.

    ``history``: all the log's events (any type), which ``--pretrained`` reads before the
    validation window; default ``earlier``."""
    if len(split.train) < 2 or len(split.test) < 1:
        raise EventLogError(f"too little data for the protocol: {split.describe()}; try another "
                            "test window", path=source)
    log(f"{source}: {split.describe()}")
    valid = validation_split(earlier, settings) if settings.tunes else None   # computed once
    pretrained = pretrain(earlier, settings, log=log, history=history, valid=valid)
    tuned = tune_on_validation(earlier, settings, log=log, pretrained=pretrained, valid=valid)
    ranked = rank_models(split, settings, tuned, progress=progress, log=log, pretrained=pretrained)
    board = ranked.board
    tables = {"next_item_leaderboard": board}
    if tuned:
        tables["chosen_settings"] = chosen_settings_table(tuned)
    return NextItemResult("next_item", "Next-item recommendation", tables=tables,
                          notes=[*([pretrained_note(pretrained)] if pretrained is not None else []),
                                 *chosen_notes(tuned, settings), *interval_notes(ranked)], split=split,
                          models={m.name: m for m in ranked.models}, leaderboard=board, tuned=tuned,
                          ranked=ranked)


def next_item_task(events: pd.DataFrame, settings: NextItemSettings | None = None, *,
                   progress: bool = True, log=print) -> NextItemResult:
    """The next-item leaderboard of ``settings.models`` on ``events``, and its breakdown."""
    settings = settings or NextItemSettings()
    result = NextItemResult("next_item", "Next-item recommendation")
    if "item_id" not in events.columns:
        result.skipped = NO_ITEMS
        return result
    seq = sequence_events(events)
    kinds = sorted(seq["event_type"].astype(str).unique())
    try:
        split = next_item_split(seq, settings.test_days, event_types=None)
    except ValueError as exc:
        result.skipped = f"the log is too small for the protocol ({exc})"
        return result
    why = too_little_data(split, seq, settings.test_days)
    if why:
        result.skipped = why
        return result
    result.notes.append(f"Sequences of {'/'.join(kinds)} events. {split.describe()}.")
    earlier = seq[seq["timestamp"] < split.cut]
    valid = validation_split(earlier, settings) if settings.tunes else None   # computed once
    pretrained = pretrain(earlier, settings, log=log, history=events, valid=valid)
    if pretrained is not None:
        result.notes.append(pretrained_note(pretrained))
    tuned = tune_on_validation(earlier, settings, log=log, pretrained=pretrained, valid=valid)
    result.notes += chosen_notes(tuned, settings)
    ranked = rank_models(split, settings, tuned, progress=progress, log=log, pretrained=pretrained)
    board, fitted = ranked.board, ranked.models
    X, y = split.test_prefixes(settings.max_len)
    long_from = settings.long_from(split.test)
    parts = pd.concat([breakdown(m, split, X, y, long_from=long_from, ranks=ranked.ranks[m.name])
                       for m in fitted], ignore_index=True)
    result.tables = {"next_item_leaderboard": board, "next_item_breakdown": parts}
    if tuned:
        result.tables["chosen_settings"] = chosen_settings_table(tuned)
    pop = board.loc[board["model"] == "pop", "MRR@20"]
    ax = plot_metric_bars(board, "MRR@20", title="next-item MRR@20 (full-catalogue ranking)",
                          reference=float(pop.iloc[0]) if len(pop) else None,
                          reference_label="popularity", labels=LABELS)
    ax.figure.tight_layout()
    result.figures["next_item_mrr"] = ax.figure
    result.notes += interval_notes(ranked)
    result.split, result.models, result.tuned = split, {m.name: m for m in fitted}, tuned
    result.ranked = ranked
    result.leaderboard, result.breakdown = board, parts
    return result
