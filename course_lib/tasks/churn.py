"""Task 3 of the case study: which customers buy nothing in the next N days (lesson 09, ``course-lib``)."""
from __future__ import annotations

import pandas as pd

from course_lib.datasets.own_data import event_type_hint
from course_lib.models.classifiers import FeatureModel, RuleScore, SequenceClassifier
from course_lib.prep.churn import churn_train_test
from course_lib.tasks.results import YesNoResult
from course_lib.tasks.settings import ChurnSettings
from course_lib.tasks.yes_no import too_few, yes_no_result


def churn_models() -> list:
    """A recency rule, logistic regression, gradient boosting, and a GRU over weekly activity."""
    return [RuleScore("recency_days", name="rule: days since last order"), FeatureModel("logistic"),
            FeatureModel("boosting"), SequenceClassifier(use_items=False)]


def churn_task(events: pd.DataFrame, settings: ChurnSettings | None = None, *,
               progress: bool = True) -> YesNoResult:
    """Customers who buy nothing in the next ``settings.horizon(events)`` days."""
    s = settings or ChurnSettings()
    horizon = s.horizon(events)
    result = YesNoResult("churn", f"Churn: no purchase in the next {horizon} days")
    if not (events["event_type"] == "purchase").any():
        result.skipped = ("the log has no purchase events, so no customer can be seen to stop buying"
                          + event_type_hint(events))
        return result
    try:
        train, test = churn_train_test(events, horizon_days=horizon, weeks=s.history_weeks(horizon))
    except ValueError as exc:
        result.skipped = str(exc)
        return result
    why = too_few(train, test, s.min_cases)
    if why:
        result.skipped = f"churn cannot be learnt and judged here: {why}"
        return result
    result.notes.append(f"Training cut-off {pd.Timestamp(train.time[0]):%Y-%m-%d}: {train.describe()}; "
                        f"test cut-off {pd.Timestamp(test.time[0]):%Y-%m-%d}: {test.describe()}.")
    return yes_no_result(result, churn_models(), train, test, f"churn within {horizon} days", progress)
