"""Every default and rule of thumb of the case-study tasks, in one place (lessons 08-09, ``course-lib``).

One frozen dataclass per task, gathered in :class:`Settings`. Settings are
never changed in place: make a changed copy with :func:`dataclasses.replace`
(``replace(settings, epochs=3)``), so one settings object can be passed to
several runs and stays what it was. A rule that depends on the data (how
long a churn horizon, how long the first rolling-origin window) is a method
here, next to the numbers it uses, so it is written once.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# Light on purpose: the command line imports this module before it knows whether it
# will train anything, so it imports no model (and so no Keras).

TASKS = ("next_item", "intent", "churn", "demand")
# the next-item models' stable keys (course_lib.tasks.registry maps each to its constructor)
MODEL_KEYS = ("pop", "markov", "sknn", "vsknn", "stan", "gru4rec", "lstm", "srgnn", "sasrec")
NEXT_ITEM_MODELS = ("pop", "markov", "sknn", "gru4rec", "lstm")   # course-lib next-item
REPORT_MODELS = ("pop", "markov", "sknn", "gru4rec")              # course-lib report


class SettingsError(ValueError):
    """A setting that cannot work (an unknown model or task, a bad number): one sentence."""


@dataclass(frozen=True)
class NextItemSettings:
    """The next-item task (lessons 05-08): models, their shared settings, session-kNN's grid.

    The neural settings were chosen on lesson 05's validation window
    (learning rate 1e-2 over 3e-3). SR-GNN trains 2/3 of the epochs on
    batches twice as large (lesson 06: as accurate, in less time); SASRec
    has one attention block (lesson 07: a second did not pay off).
    """

    models: tuple[str, ...] = NEXT_ITEM_MODELS
    test_days: float = 7            # the last days are the test window
    valid_days: float = 7           # the days before the test tune session-kNN (0: no tuning)
    max_len: int = 10               # prefixes keep their last max_len items
    hidden: int = 64                # hidden units / embedding size of the neural models
    epochs: int = 6
    batch_size: int = 256
    learning_rate: float = 1e-2
    sknn_k: int = 100               # session-kNN before (or without) tuning
    sknn_sample: int = 5000
    sknn_ks: tuple[int, ...] = (20, 100)           # the validation grid of session-kNN
    sknn_samples: tuple[int, ...] = (1000, 5000)
    sasrec_blocks: int = 1
    long_session_floor: int = 3     # the breakdown's "long session" starts at least here

    def __post_init__(self):
        models = tuple(m.strip() for m in self.models if m.strip())
        unknown = [m for m in models if m not in MODEL_KEYS]
        if unknown or not models:
            raise SettingsError(f"unknown model(s) {unknown}; choose from {', '.join(MODEL_KEYS)}")
        object.__setattr__(self, "models", models)
        for name in ("max_len", "hidden", "epochs", "batch_size"):
            if getattr(self, name) < 1:
                raise SettingsError(f"{name} must be at least 1, not {getattr(self, name)}")
        if self.test_days <= 0 or self.valid_days < 0:
            raise SettingsError("test_days must be positive and valid_days not negative")

    @property
    def srgnn_epochs(self) -> int:
        """SR-GNN's epochs: two thirds of ``epochs``, at least one."""
        return max(1, self.epochs * 2 // 3)

    @property
    def srgnn_batch_size(self) -> int:
        """SR-GNN's batches: twice ``batch_size``."""
        return 2 * self.batch_size

    @property
    def sknn_grid(self) -> list[dict]:
        """Session-kNN's candidate settings, tried on the validation window."""
        return [{"k": k, "sample": s} for k in self.sknn_ks for s in self.sknn_samples]

    def long_from(self, test_sessions) -> int:
        """Where a "long" session starts in the breakdown: the median length of the session
        a test prediction comes from (each session counts once per prediction), at least
        ``long_session_floor``."""
        lengths = np.asarray([len(s) for s in test_sessions])
        per_prediction = np.repeat(lengths, np.maximum(lengths - 1, 0))
        if not len(per_prediction):
            return self.long_session_floor
        return max(self.long_session_floor, int(np.median(per_prediction)))


@dataclass(frozen=True)
class IntentSettings:
    """Purchase intent (lesson 08): will a session end in a purchase, after its first ``k`` events?"""

    k: int = 3
    test_days: float = 7
    min_cases: int = 20             # fewer sessions on either side of the cut: skipped


@dataclass(frozen=True)
class ChurnSettings:
    """Churn (lesson 08): which customers buy nothing in the next ``horizon_days``?"""

    horizon_days: int | None = None  # None: the rule of :meth:`horizon`
    min_cases: int = 20

    def horizon(self, events: pd.DataFrame) -> int:
        """``horizon_days`` if set; else 90 days with a year of data or more, otherwise a
        quarter of the time span (at least 7 days)."""
        if self.horizon_days:
            return int(self.horizon_days)
        span = (events["timestamp"].max() - events["timestamp"].min()).days
        return 90 if span >= 360 else max(7, span // 4)

    @staticmethod
    def history_weeks(horizon: int) -> int:
        """Weeks of activity a customer's sequence covers: two per week of horizon, 4 to 26."""
        return min(26, max(4, horizon // 7 * 2))


@dataclass(frozen=True)
class RollingOriginSettings:
    """Rolling-origin evaluation of daily forecasts (lessons 03 and 08, ``course-lib forecast``).

    The first training window is ``initial`` values, or by default 60 % of
    the series but at least four seasons: seasonal differencing (SARIMA)
    spends one season, and MASE's scale and the seasonal naive forecast
    need more than one. At least ``min_origins`` origins follow it: the
    earlier half is the validation block (a model is chosen there), the later
    half the test block (the choice is reported there).
    """

    season: int = 7                 # seasonal period m of seasonal naive, SARIMA and MASE
    horizon: int = 7
    initial: int | None = None      # None: the rule of :meth:`initial_window`
    step: int | None = None         # None: the horizon
    initial_share: float = 0.6
    initial_seasons: int = 4
    min_origins: int = 4            # two validation and two test origins at least

    def initial_window(self, n: int) -> int:
        """Length of the first training window for a series of ``n`` values."""
        return self.initial or max(self.initial_seasons * self.season, int(self.initial_share * n))

    def too_short(self, n: int) -> str | None:
        """Why a series of ``n`` values cannot be evaluated (one sentence), or None."""
        initial = self.initial_window(n)
        if initial <= 2 * self.season:
            return (f"the first window ({initial} values) must hold more than two seasons "
                    f"(2 x {self.season})")
        step = self.step or self.horizon
        needed = initial + (self.min_origins - 1) * step + self.horizon
        if n < needed:
            return (f"rolling-origin evaluation with validation and test origins needs at least "
                    f"{needed} values (a first window of {initial}, {self.min_origins} origins "
                    f"{step} apart and a horizon of {self.horizon}); the series has {n}")
        return None


@dataclass(frozen=True)
class DemandSettings(RollingOriginSettings):
    """Demand and stock (lesson 08): forecasts turned into orders; what a unit short or left costs."""

    underage_cost: float = 4.0      # a unit of demand not in stock
    overage_cost: float = 1.0       # a unit left over


@dataclass(frozen=True)
class ForecastSettings(RollingOriginSettings):
    """``course-lib forecast``: what the series counts, and how it is evaluated."""

    count: str = "events"           # events, quantity, revenue or sessions per period
    freq: str = "D"
    trading_days: bool = False      # drop periods with a zero value (a shop that was closed)


@dataclass(frozen=True)
class Settings:
    """Everything ``course-lib report`` (and lesson 09) runs with: the tasks and each one's settings."""

    tasks: tuple[str, ...] = TASKS
    next_item: NextItemSettings = field(default_factory=lambda: NextItemSettings(models=REPORT_MODELS))
    intent: IntentSettings = field(default_factory=IntentSettings)
    churn: ChurnSettings = field(default_factory=ChurnSettings)
    demand: DemandSettings = field(default_factory=DemandSettings)

    def __post_init__(self):
        tasks = tuple(t.strip().replace("-", "_") for t in self.tasks if t.strip())
        unknown = [t for t in tasks if t not in TASKS]
        if unknown or not tasks:
            raise SettingsError(f"unknown task(s) {unknown}; choose from "
                                f"{', '.join(t.replace('_', '-') for t in TASKS)}")
        object.__setattr__(self, "tasks", tasks)
