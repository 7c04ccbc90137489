"""Every default and rule of thumb of the case-study tasks, in one place (lessons 09-10, ``course-lib``).

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

TASKS = ("next_item", "intent", "churn", "demand", "uplift")
#: what ``course-lib forecast`` counts per period in an event log
COUNTS = ("events", "quantity", "revenue", "sessions")
# the next-item models' stable keys (course_lib.tasks.registry maps each to its constructor)
MODEL_KEYS = ("pop", "markov", "sknn", "vsknn", "stan", "gru4rec", "lstm", "srgnn", "sasrec")
NEXT_ITEM_MODELS = ("pop", "markov", "sknn", "gru4rec", "lstm")   # course-lib next-item
REPORT_MODELS = ("pop", "markov", "sknn", "gru4rec")              # course-lib report


class SettingsError(ValueError):
    """A setting that cannot work (an unknown model or task, a bad number): one sentence."""


#: settings whose ``course-lib`` option is not their name with dashes
FLAGS = {"k": "intent-k", "horizon_days": "churn-days", "underage_cost": "shortage-cost",
         "overage_cost": "leftover-cost", "window_days": "uplift-days"}


def option(name: str) -> str:
    """How a sentence names a setting: its ``course-lib`` option and its Python keyword
    (``"test_days"`` -> ``"--test-days (test_days=)"``, ``"k"`` -> ``"--intent-k (k=)"``)."""
    return f"--{FLAGS.get(name, name.replace('_', '-'))} ({name}=)"


def _at_least_one(settings, *names: str, optional: bool = False) -> None:
    """One error for the first of ``names`` that is not a whole number of at least 1."""
    for name in names:
        value = getattr(settings, name)
        if optional and value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise SettingsError(f"{option(name)} must be a whole number of at least 1, got {value!r}")


def _not_negative(settings, *names: str, positive: bool = False) -> None:
    """One error for the first of ``names`` that is negative (or, with ``positive``, not above 0)."""
    for name in names:
        value = getattr(settings, name)
        ok = value > 0 if positive else value >= 0   # NaN is neither
        if not ok:
            raise SettingsError(f"{option(name)} must {'be positive' if positive else 'not be negative'}, "
                                f"got {value:g}")


@dataclass(frozen=True)
class NextItemSettings:
    """The next-item task (lessons 05-09): models, their shared settings, the tuning grids.

    By default every model is tuned on the ``valid_days`` before the test
    window, within ``budget_s`` seconds for all of them, refits included
    (:func:`course_lib.evaluate.tuning.tune_models` says how the budget is
    shared): session-kNN over its grid, the neural models over learning
    rate, loss, size and dropout (one at a time, the first values first:
    ``learning_rate`` and ``hidden`` head their lists), each with early
    stopping on validation; their batch size and most epochs follow
    :class:`course_lib.evaluate.tuning.TrainingRule` (at most ``max_epochs``).
    With ``budget_s=0`` nothing is tuned and the models train with the
    settings as given (``epochs``, ``batch_size``...). SR-GNN then trains 2/3
    of the epochs on batches twice as large (lesson 06: as accurate, in less
    time); SASRec has one attention block (lesson 07: a second did not pay off).
    """

    models: tuple[str, ...] = NEXT_ITEM_MODELS
    test_days: float = 7            # the last days are the test window
    valid_days: float = 7           # the days before the test tune every model (0: no tuning)
    budget_s: float = 100           # seconds to tune all models on validation and refit them (0: no tuning)
    max_len: int = 10               # prefixes keep their last max_len items
    hidden: int = 64                # hidden units / embedding size of the neural models
    epochs: int = 6                 # without tuning; with tuning early stopping chooses
    max_epochs: int = 20            # with tuning: the most epochs a model trains
    batch_size: int = 256           # without tuning; with tuning the TrainingRule's
    learning_rate: float = 1e-2
    loss: str = "auto"              # the neural models' loss before (or without) tuning
    learning_rates: tuple[float, ...] = (1e-2, 3e-3, 3e-2)   # the neural models' search
    losses: tuple[str, ...] = ("auto", "bpr-max")
    sizes: tuple[int, ...] = (64, 128)
    dropouts: tuple[float, ...] = (0.1, 0.3)
    sknn_k: int = 100               # session-kNN before (or without) tuning
    sknn_sample: int = 5000
    sknn_remind: bool = True        # votes for the prefix's own items too (SessionKNN's default)
    sknn_ks: tuple[int, ...] = (20, 100)           # the validation grid of session-kNN
    sknn_samples: tuple[int, ...] = (1000, 5000)
    sasrec_blocks: int = 1
    long_session_floor: int = 3     # the breakdown's "long session" starts at least here
    seeds: int = 1                  # each neural model trained with seeds 0..seeds-1 (mean and spread)
    resamples: int = 2000           # bootstrap resamples of the test sessions (0: no intervals)
    pretrained: bool = False        # add lesson 08's behaviour model, pretrained on the log (off:
                                    # it beat SASRec there, not the GRU, and pretraining costs time)

    def __post_init__(self):
        models = tuple(m.strip() for m in self.models if m.strip())
        unknown = [m for m in models if m not in MODEL_KEYS]
        if unknown or not models:
            raise SettingsError(f"unknown model(s) {unknown}; choose from {', '.join(MODEL_KEYS)}")
        object.__setattr__(self, "models", models)
        _at_least_one(self, "max_len", "hidden", "epochs", "max_epochs", "batch_size", "seeds")
        _not_negative(self, "test_days", positive=True)
        _not_negative(self, "valid_days", "budget_s")
        if self.resamples < 0 or 0 < self.resamples < 100:
            raise SettingsError(f"{option('resamples')} must be 0 (no intervals) or at least 100, "
                                f"got {self.resamples}")
        losses = ("auto", "softmax", "sampled", "bpr-max")   # course_lib.models.sampling.LOSSES
        if self.loss not in losses or any(v not in losses for v in self.losses):
            raise SettingsError(f"a loss must be one of {', '.join(losses)}")

    @property
    def tunes(self) -> bool:
        """Whether the models are tuned on a validation window."""
        return self.budget_s > 0 and self.valid_days > 0

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
        return [{"k": k, "sample": s, "remind": remind} for k in self.sknn_ks
                for s in self.sknn_samples for remind in (False, True)]

    def neural_grid(self, size: str = "hidden", dropout: bool = True) -> dict:
        """A neural model's search (one parameter at a time, first values first): learning
        rate, loss, ``size`` (its name for the hidden size) and dropout."""
        def first(value, values):
            return (value, *[v for v in values if v != value])

        grid = {"learning_rate": first(self.learning_rate, self.learning_rates),
                "loss": first(self.loss, self.losses), size: first(self.hidden, self.sizes)}
        if dropout:
            grid["dropout"] = self.dropouts
        return grid

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
    """Purchase intent (lesson 09): will a session end in a purchase, after its first ``k`` events?"""

    k: int = 3
    test_days: float = 7
    min_cases: int = 20             # fewer sessions on either side of the cut: skipped

    def __post_init__(self):
        _at_least_one(self, "k")


@dataclass(frozen=True)
class ChurnSettings:
    """Churn (lesson 09): which customers buy nothing in the next ``horizon_days``?"""

    horizon_days: int | None = None  # None: the rule of :meth:`horizon`
    min_cases: int = 20

    def __post_init__(self):
        _at_least_one(self, "horizon_days", optional=True)

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
    """Rolling-origin evaluation of daily forecasts (lessons 03 and 09, ``course-lib forecast``).

    The first training window is ``initial`` values, or by default 60 % of
    the series (less where that would leave too few values for the origins)
    but at least four seasons: seasonal differencing (SARIMA)
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

    def __post_init__(self):
        _at_least_one(self, "season", "horizon")
        _at_least_one(self, "initial", "step", optional=True)

    def initial_window(self, n: int) -> int:
        """Length of the first training window for a series of ``n`` values: 60 % of it, shortened
        (to four seasons at least) where that would leave too few values for the origins."""
        if self.initial:
            return self.initial
        tail = (self.min_origins - 1) * (self.step or self.horizon) + self.horizon
        return max(self.initial_seasons * self.season, min(int(self.initial_share * n), n - tail))

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
    """Demand and stock (lesson 09): forecasts turned into orders; what a unit short or left costs."""

    underage_cost: float = 4.0      # a unit of demand not in stock
    overage_cost: float = 1.0       # a unit left over

    def __post_init__(self):
        super().__post_init__()
        _not_negative(self, "underage_cost", "overage_cost", positive=True)   # the newsvendor needs both


@dataclass(frozen=True)
class UpliftSettings:
    """Uplift (lesson 09): whom a campaign should target, and what each plan earns.

    A customer's outcome is a purchase within ``window_days`` of the assignment;
    the budget table prices a purchase at ``margin``, a redeemed coupon at
    ``coupon_cost`` and each coupon sent at ``send_cost``.
    """

    window_days: int = 14
    margin: float = 25.0
    coupon_cost: float = 10.0
    send_cost: float = 1.0
    n_boot: int = 500

    def __post_init__(self):
        _at_least_one(self, "window_days")
        _not_negative(self, "margin", "coupon_cost", "send_cost")


@dataclass(frozen=True)
class ForecastSettings(RollingOriginSettings):
    """``course-lib forecast``: what the series counts, and how it is evaluated."""

    count: str = "events"           # events, quantity, revenue or sessions per period
    freq: str = "D"
    trading_days: bool = False      # drop periods with a zero value (a shop that was closed)

    def __post_init__(self):
        super().__post_init__()
        if self.count not in COUNTS:
            raise SettingsError(f"{option('count')} {self.count!r}: choose from {', '.join(COUNTS)}")
        try:
            ok = pd.tseries.frequencies.to_offset(self.freq).n > 0   # '0D' and '-1D' parse
        except (ValueError, TypeError):
            ok = False
        if not ok:
            raise SettingsError(f"{option('freq')} {self.freq!r} is not a frequency pandas knows: D "
                                "(days), W (weeks ending Sunday), MS (months), 2D (two days) ...")


@dataclass(frozen=True)
class Settings:
    """Everything ``course-lib report`` (and lesson 10) runs with: the tasks and each one's settings."""

    tasks: tuple[str, ...] = TASKS
    next_item: NextItemSettings = field(default_factory=lambda: NextItemSettings(models=REPORT_MODELS))
    intent: IntentSettings = field(default_factory=IntentSettings)
    churn: ChurnSettings = field(default_factory=ChurnSettings)
    demand: DemandSettings = field(default_factory=DemandSettings)
    uplift: UpliftSettings = field(default_factory=UpliftSettings)

    def __post_init__(self):
        tasks = tuple(t.strip().replace("-", "_") for t in self.tasks if t.strip())
        unknown = [t for t in tasks if t not in TASKS]
        if unknown or not tasks:
            raise SettingsError(f"unknown task(s) {unknown}; choose from "
                                f"{', '.join(t.replace('_', '-') for t in TASKS)}")
        object.__setattr__(self, "tasks", tasks)


@dataclass(frozen=True)
class BehaviourSettings:
    """The pretrained behaviour model of lesson 08: its corpora, its size, its training.

    The synthetic shop is the case study's (``shop_events``, ``seed``; next
    item and purchase intent are judged on its own customers); pretraining
    reads the shop's own history and ``other_events`` events of *other*
    customers of the same shop, all before the validation window, about 1M
    actions in all. Online Retail's model reads every customer's lines
    before the churn test cut-off.
    """

    shop_events: int = 100_000
    other_events: int = 1_400_000
    seed: int = 0
    test_days: float = 14
    valid_days: float = 14
    retail_horizon_days: int = 90
    dim: int = 64
    blocks: int = 2
    heads: int = 2
    max_len: int = 32
    dropout: float = 0.1
    epochs: int = 2
    batch_size: int = 256
    learning_rate: float = 3e-3

    def model_params(self) -> dict:
        """The constructor arguments of :class:`course_lib.models.behaviour.BehaviourModel`."""
        return dict(dim=self.dim, blocks=self.blocks, heads=self.heads, max_len=self.max_len,
                    dropout=self.dropout, epochs=self.epochs, batch_size=self.batch_size,
                    learning_rate=self.learning_rate, seed=self.seed)
