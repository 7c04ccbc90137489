"""What each task returns: typed results (lessons 09-10, ``course-lib``).

Every result can go into the report as it is: ``tables`` (written as CSV),
``figures`` (PNG) and ``notes`` (sentences for the summary), or ``skipped``
with the reason, said plainly. Each kind of result adds the objects a lesson
works with next: the split, the fitted models, the leaderboards.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd
from matplotlib.figure import Figure

from course_lib.evaluate.forecast_choice import ForecastChoice
from course_lib.evaluate.rolling import RollingResult
from course_lib.prep.labelled import Examples
from course_lib.prep.next_item import NextItemSplit

if TYPE_CHECKING:  # for the annotations only: these load Keras, which a forecast never needs
    from course_lib.evaluate.next_item import RankedBoard
    from course_lib.evaluate.tuning import TuningResult
    from course_lib.models.base import NextItemModel

#: why a task that needs items is skipped on a log without an item column
NO_ITEMS = "the log has no item column (map one with --item COL / item=)"


@dataclass
class TaskResult:
    """One task's outcome: tables (CSV), figures (PNG), sentences; or why it was skipped."""

    name: str
    title: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    skipped: str | None = None
    seconds: float = 0.0


@dataclass
class NextItemResult(TaskResult):
    """The next-item task: the split, the fitted models by key, the leaderboard and its breakdown."""

    split: NextItemSplit | None = None
    models: dict[str, NextItemModel] = field(default_factory=dict)
    leaderboard: pd.DataFrame | None = None
    breakdown: pd.DataFrame | None = None
    tuned: dict[str, TuningResult] = field(default_factory=dict)  # key -> what validation chose
    ranked: RankedBoard | None = None  # the test ranks, the intervals, the seed runs


@dataclass
class YesNoResult(TaskResult):
    """Purchase intent or churn: training and test examples, and the leaderboard."""

    train: Examples | None = None
    test: Examples | None = None
    leaderboard: pd.DataFrame | None = None


@dataclass
class DemandResult(TaskResult):
    """Demand and stock: the daily series, the rolling-origin run, its leaderboard, the costs."""

    series: pd.Series | None = None
    rolled: RollingResult | None = None
    leaderboard: pd.DataFrame | None = None     # the test origins, rows in validation order
    costs: pd.DataFrame | None = None           # test origins; the plan chosen on validation marked
    choice: ForecastChoice | None = None        # the forecaster chosen on the validation origins
    plan: tuple | None = None                   # (model, policy) chosen on the validation origins


@dataclass
class ForecastResult(TaskResult):
    """``course-lib forecast``: the series, the rolling-origin run and its leaderboard."""

    series: pd.Series | None = None
    what: str = ""
    rolled: RollingResult | None = None
    leaderboard: pd.DataFrame | None = None     # the test origins, rows in validation order
    choice: ForecastChoice | None = None        # what was chosen on the validation origins
