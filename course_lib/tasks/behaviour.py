"""The pretrained behaviour models of lesson 08: their corpora, building, shipping, loading.

Two models are pretrained (:class:`~course_lib.models.behaviour.BehaviourModel`,
next-action prediction) and shipped small in ``datasets/behaviour/``, with
``scripts/build_behaviour_models.py`` to rebuild them:

* ``shop``: the case study's synthetic shop. It reads the shop's own
  customers *and* other customers of the same shop (same catalogue and
  trails, other people: :func:`course_lib.datasets.synthetic.other_customers`),
  all before the shop's validation window, so no choice made on validation
  and no test number has seen a pretraining action from its window;
* ``retail``: Online Retail's customers, every line before the churn test
  cut-off (the next-item test window lies later still).

:func:`pretrain_on_log` pretrains the same model on a user's own log, for
``course-lib next-item/report --pretrained``.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from course_lib.datasets import make_shop
from course_lib.datasets.synthetic import other_customers
from course_lib.datasets.uci_retail import REPO_DATASETS
from course_lib.models.behaviour import BehaviourModel, load_behaviour_model
from course_lib.prep.actions import ActionLog, action_log
from course_lib.prep.churn import churn_cutoffs
from course_lib.prep.next_item import validation_and_test_splits
from course_lib.tasks.settings import BehaviourSettings

SHIPPED = REPO_DATASETS / "behaviour"
NAMES = ("shop", "retail")


def shop_and_splits(settings: BehaviourSettings | None = None):
    """(shop, validation split, test split): the case study's shop and its next-item splits."""
    s = settings or BehaviourSettings()
    shop = make_shop(s.shop_events, seed=s.seed)
    valid, test = validation_and_test_splits(shop.events, test_days=s.test_days, valid_days=s.valid_days)
    return shop, valid, test


def shop_pretraining_log(shop, before, other_events: int, stream: int = 1) -> ActionLog:
    """Actions of the shop's own customers and of ``other_events`` events of other customers, all
    strictly before ``before``: what the shop model is pretrained on."""
    others = other_customers(shop.config, other_events, stream=stream).events
    events = pd.concat([shop.events, others], ignore_index=True)
    return action_log(events[events["timestamp"] < before])


def pretrain_shop(settings: BehaviourSettings | None = None, *, progress: bool = False) -> BehaviourModel:
    """The ``shop`` model: pretrained on everything before the shop's validation window."""
    s = settings or BehaviourSettings()
    shop, valid, _ = shop_and_splits(s)
    log = shop_pretraining_log(shop, valid.cut, s.other_events)
    model = BehaviourModel(**s.model_params()).fit(log, progress=progress)
    model.meta["corpus"] = (f"synthetic shop (seed {s.seed}): its {s.shop_events:,}-event log and "
                            f"{s.other_events:,} events of other customers, actions before {valid.cut}")
    return model


def retail_pretraining_cut(retail: pd.DataFrame, settings: BehaviourSettings | None = None) -> pd.Timestamp:
    """The churn test cut-off of Online Retail: the retail model reads only what came before it."""
    s = settings or BehaviourSettings()
    return churn_cutoffs(retail, horizon_days=s.retail_horizon_days)[1]


def pretrain_retail(retail: pd.DataFrame, settings: BehaviourSettings | None = None, *,
                    progress: bool = False) -> BehaviourModel:
    """The ``retail`` model: every customer's invoice lines before the churn test cut-off."""
    s = settings or BehaviourSettings()
    cut = retail_pretraining_cut(retail, s)
    early = retail[retail["timestamp"] < cut]
    model = BehaviourModel(**s.model_params()).fit(action_log(early), progress=progress)
    model.meta["corpus"] = f"Online Retail customers' invoice lines before {cut}"
    return model


def pretrain_on_log(events: pd.DataFrame, before, settings: BehaviourSettings | None = None, *,
                    progress: bool = False) -> BehaviourModel:
    """A behaviour model pretrained on the actions of ``events`` strictly before ``before``
    (``course-lib next-item/report --pretrained``: the validation window's start, so no choice
    made on validation and no test number has seen a pretraining action from its window)."""
    s = settings or BehaviourSettings()
    early = events[events["timestamp"] < before]
    model = BehaviourModel(**s.model_params()).fit(action_log(early), progress=progress)
    model.meta["corpus"] = f"this log's actions before {before}"
    return model


def shipped_folder(name: str, root=None) -> Path:
    """Where the shipped model ``name`` lives (``root`` default: ``datasets/behaviour``)."""
    if name not in NAMES:
        raise ValueError(f"no shipped behaviour model {name!r}: choose from {', '.join(NAMES)}")
    return Path(root or SHIPPED) / name


def load_shipped(name: str, root=None) -> BehaviourModel:
    """The shipped pretrained model ``name`` (``shop`` or ``retail``); the error says how to rebuild."""
    folder = shipped_folder(name, root)
    try:
        return load_behaviour_model(folder)
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"{exc}. Restore it (git checkout {folder}) or rebuild it: "
                                f"python scripts/build_behaviour_models.py --only {name}") from None
