"""Task 2 of the case study: purchase intent after a session's first k events (lesson 09, ``course-lib``)."""
from __future__ import annotations

import pandas as pd

from course_lib.datasets.own_data import event_type_hint
from course_lib.models.classifiers import FeatureModel, RuleScore, SequenceClassifier
from course_lib.prep.intent import has_intent_task, intent_examples
from course_lib.prep.labelled import split_by_time
from course_lib.prep.split import cut_before_last_days
from course_lib.tasks.results import NO_ITEMS, YesNoResult
from course_lib.tasks.settings import IntentSettings
from course_lib.tasks.yes_no import too_few, yes_no_result


def intent_models() -> list:
    """A cart-count rule, logistic regression, gradient boosting, and a GRU over the events."""
    return [RuleScore("carts", name="rule: carts so far"), FeatureModel("logistic"),
            FeatureModel("boosting"), SequenceClassifier(use_items=False)]


def intent_task(events: pd.DataFrame, settings: IntentSettings | None = None, *,
                progress: bool = True) -> YesNoResult:
    """Will a session end in a purchase, from its first ``settings.k`` events?"""
    s = settings or IntentSettings()
    result = YesNoResult("intent", f"Purchase intent after {s.k} events")
    ok, why = has_intent_task(events)
    if not ok:
        result.skipped = why + event_type_hint(events)
        return result
    if "item_id" not in events.columns:
        result.skipped = NO_ITEMS
        return result
    examples = intent_examples(events, k=s.k)
    train, test = split_by_time(examples, cut_before_last_days(events, s.test_days))
    if not len(examples):
        result.skipped = (f"no session has {s.k} events before its first purchase (sessions that "
                          f"buy within their first {s.k} events are decided already): a smaller "
                          "--intent-k (k=) may leave some")
        return result
    why = too_few(train, test, s.min_cases, sides=("before the test cut", "after it"))
    if why:
        result.skipped = f"too few usable sessions: {why}"
        return result
    result.notes.append(f"Training: {train.describe()}; test (last {s.test_days:g} days): "
                        f"{test.describe()}.")
    return yes_no_result(result, intent_models(), train, test,
                         f"purchase intent after {s.k} events", progress)
