"""Coupon campaigns in the synthetic shop, with a known effect per customer (lesson 09).

:func:`make_campaign` takes a shop from :func:`~course_lib.datasets.make_shop`
and runs randomised coupon campaigns on its customers: on the campaign's
first day every customer who has bought before is either sent a coupon
(treated) or held out (control), by a fair coin. The shop itself is never
changed: the campaign draws from its own random stream, so ``make_shop``
gives the same shop with or without it.

What a coupon does is built from the shop's ground truth
(:attr:`Shop.users`), in three mechanisms:

* a customer who has already left the shop (churned before the campaign)
  never reads the coupon: no effect;
* a customer still active who would **not** have bought in the window is
  persuaded with probability ``persuasion * (1 - buy_propensity)``: the
  coupon tips the hesitant more than the keen;
* the heaviest buyers (the top ``sleeping_dog_share`` by expected purchases)
  dislike being sent discounts: one who would have bought does not, with
  probability ``sleeping_dog_loss``.

Every customer therefore has two potential outcomes, ``Y0`` (no coupon:
what the shop's own log shows in the window) and ``Y1`` (coupon), and falls
in one of the four textbook segments: **sure thing** (buys either way),
**persuadable** (buys only with the coupon), **lost cause** (buys in
neither case) and **sleeping dog** (buys only without it). The true uplift
``P(Y1) - P(Y0)`` is exposed per customer, so a lesson can check what a
model recovers. ``P(Y0)`` is computed in closed form from the shop's
generator (sessions in the window, the funnel, promotion days); it is
approximate only in averaging item prices over a category, and a test
checks it against the realised outcomes of the control group.

The campaign is written into the event log the way a real one would be: one
``campaign`` row per customer at the start (``treatment`` 1 or 0, empty on
every other row), the purchases a coupon caused (a new view, cart and
purchase), and, for sleeping dogs that were sent one, their purchases in the
window removed.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from course_lib.datasets.synthetic import Shop

#: The four potential-outcome segments, keyed by (buys without, buys with the coupon).
SEGMENTS = {(1, 1): "sure thing", (0, 1): "persuadable", (0, 0): "lost cause", (1, 0): "sleeping dog"}
CAMPAIGN_EVENT = "campaign"


@dataclass(frozen=True)
class CampaignConfig:
    """How the coupon works and when the campaigns run (see the module text)."""

    window_days: int = 14
    starts: tuple = ()            # campaign start days (day numbers); () = two, ending with the data
    names: tuple = ("training", "test")
    treated_share: float = 0.5
    persuasion: float = 0.5
    sleeping_dog_share: float = 0.05
    sleeping_dog_loss: float = 0.5
    redeem_days: int = 7
    seed: int = 0


@dataclass
class Campaign:
    """The shop's log with the campaigns in it, and the truth about every customer."""

    events: pd.DataFrame
    customers: pd.DataFrame
    config: CampaignConfig

    def __repr__(self) -> str:
        c = self.customers
        parts = [f"{name}: {len(g):,} customers from {g['start'].iloc[0]:%Y-%m-%d}"
                 for name, g in c.groupby("campaign", sort=False)]
        return f"Campaign({'; '.join(parts)}; {self.config.window_days}-day window)"

    def customers_of(self, name: str) -> pd.DataFrame:
        """One campaign's customers (``"training"`` or ``"test"`` by default)."""
        return self.customers[self.customers["campaign"] == name].reset_index(drop=True)


def make_campaign(shop: Shop, config: CampaignConfig | None = None, **overrides) -> Campaign:
    """Randomised coupon campaigns on ``shop``'s customers, with their true uplift (lesson 09).

    By default two campaigns of ``window_days`` each: a training campaign,
    and the test campaign whose window ends with the data. Deterministic by
    ``seed`` and the shop's seed; ``shop`` is not modified.
    """
    config = replace(config or CampaignConfig(), **overrides)
    n_days, w = shop.config.n_days, config.window_days
    starts = tuple(config.starts) or (n_days - 2 * w, n_days - w)
    if len(config.names) < len(starts):
        raise ValueError(f"{len(starts)} campaign starts but only {len(config.names)} names")
    for a, b in zip(starts, starts[1:]):
        if b < a + w:
            raise ValueError(f"campaigns starting on days {a} and {b} overlap: a window is {w} days")
    if starts[0] < 7 or starts[-1] + w > n_days:
        raise ValueError(f"campaign windows must lie inside the shop's {n_days} days "
                         f"(after its first week); got starts {starts} with {w}-day windows")
    rng = np.random.default_rng([shop.config.seed, 8_17, config.seed])  # a stream of its own

    log = shop.events.assign(treatment=np.nan)
    truth = []
    for name, start in zip(config.names, starts):
        next_session = int(log["session_id"].max()) + 1
        rows, gone, table = _one_campaign(shop, log, start, config, rng, next_session)
        log = pd.concat([log[~gone], rows], ignore_index=True)
        log = log.sort_values("timestamp", kind="stable", ignore_index=True)
        truth.append(table.assign(campaign=name))
    log["event_type"] = pd.Categorical(log["event_type"].astype(str),
                                       categories=list(shop.events["event_type"].cat.categories)
                                       + [CAMPAIGN_EVENT])
    log["category"] = pd.Categorical(log["category"].astype(object),
                                     categories=shop.events["category"].cat.categories)
    customers = pd.concat(truth, ignore_index=True)
    first = ["campaign", "start", "user_id", "treated", "bought"]
    customers = customers[first + [c for c in customers if c not in first]]
    return Campaign(events=log, customers=customers, config=config)


def _one_campaign(shop: Shop, events: pd.DataFrame, start_day: int, cfg: CampaignConfig,
                  rng: np.random.Generator, first_session: int):
    """(new rows, rows to drop, the truth table) of the campaign starting on ``start_day``."""
    origin = pd.Timestamp(shop.config.start)
    start = origin + pd.Timedelta(days=start_day)
    end = start + pd.Timedelta(days=cfg.window_days)
    purchase = (events["event_type"] == "purchase").to_numpy()
    t = events["timestamp"]
    buyers = np.unique(events.loc[purchase & (t < start).to_numpy(), "user_id"].to_numpy())
    in_window = purchase & ((t >= start) & (t < end)).to_numpy()
    y0 = np.isin(buyers, events.loc[in_window, "user_id"].to_numpy()).astype(int)

    users = shop.users.set_index("user_id").loc[buyers]
    churn_day = ((users["churn_date"] - origin).dt.days).to_numpy()
    propensity = users["buy_propensity"].to_numpy()
    p0 = _p_buy_in_window(shop, buyers, start_day, cfg.window_days)
    active = churn_day > start_day
    heavy = users["sessions_per_day"].to_numpy() * propensity
    dogs = heavy >= np.quantile(heavy, 1 - cfg.sleeping_dog_share) if len(heavy) else heavy > 0
    persuade = np.where(active & ~dogs, cfg.persuasion * (1 - propensity), 0.0)
    loss = np.where(dogs, cfg.sleeping_dog_loss, 0.0)
    p1 = p0 * (1 - loss) + (1 - p0) * persuade

    n = len(buyers)
    treated = (rng.random(n) < cfg.treated_share).astype(int)
    u = rng.random(n)
    y1 = np.where(y0 == 1, (u >= loss).astype(int), (u < persuade).astype(int))
    segment = [SEGMENTS[(a, b)] for a, b in zip(y0, y1)]
    bought = np.where(treated == 1, y1, y0)

    # the log: one campaign row per customer, the coupon purchases, the purchases lost
    sessions = first_session + np.arange(n)
    exposure = pd.DataFrame({"user_id": buyers, "session_id": sessions, "item_id": 0,
                             "timestamp": start, "event_type": CAMPAIGN_EVENT, "price": np.nan,
                             "category": None, "quantity": 0, "treatment": treated.astype(float)})
    won = np.flatnonzero((treated == 1) & (y1 > y0))
    coupon = _coupon_purchases(shop, buyers[won], churn_day[won], start_day, cfg, rng,
                               first_session + n)
    lost_users = buyers[(treated == 1) & (y1 < y0)]
    gone = in_window & events["user_id"].isin(lost_users).to_numpy()

    table = pd.DataFrame({
        "start": start, "user_id": buyers, "treated": treated, "bought": bought,
        "segment": pd.Categorical(segment, categories=list(SEGMENTS.values())),
        "p_without": p0, "p_with": p1, "true_uplift": p1 - p0,
        "active": active, "buy_propensity": propensity,
    })
    return pd.concat([exposure, coupon], ignore_index=True), gone, table


def _coupon_purchases(shop: Shop, users, churn_day, start_day: int, cfg: CampaignConfig,
                      rng: np.random.Generator, first_session: int) -> pd.DataFrame:
    """A view, a cart and a purchase of one popular item of the customer's favourite category."""
    n = len(users)
    if n == 0:
        return pd.DataFrame(columns=["user_id", "session_id", "item_id", "timestamp", "event_type",
                                     "price", "category", "quantity", "treatment"])
    items = shop.items
    late = shop.truth["user_preferences_late"][users - 1]
    names = list(items["category"].cat.categories)
    favourite = np.asarray(names, dtype=object)[late.argmax(axis=1)]
    chosen = np.empty(n, dtype=np.int64)
    for i, cat in enumerate(favourite):
        pool = items[items["category"] == cat]
        w = pool["popularity"].to_numpy()
        chosen[i] = pool["item_id"].to_numpy()[rng.choice(len(pool), p=w / w.sum())]
    days = np.minimum(cfg.redeem_days, np.maximum(churn_day - start_day, 1))
    seconds = (rng.random(n) * days * 86_400).astype(np.int64)
    when = (pd.Timestamp(shop.config.start) + pd.Timedelta(days=start_day)
            + pd.to_timedelta(seconds, unit="s"))
    price = items.set_index("item_id").loc[chosen, "price"].to_numpy()
    category = items.set_index("item_id").loc[chosen, "category"].astype(object).to_numpy()
    rows = []
    for k, (kind, lag) in enumerate([("view", 0), ("cart", 20), ("purchase", 80)]):
        rows.append(pd.DataFrame({
            "user_id": users, "session_id": first_session + np.arange(n), "item_id": chosen,
            "timestamp": when + pd.Timedelta(seconds=lag), "event_type": kind, "price": price,
            "category": category, "quantity": 1, "treatment": np.nan}))
    return pd.concat(rows, ignore_index=True)


def _p_buy_in_window(shop: Shop, users, start_day: int, window_days: int) -> np.ndarray:
    """P(at least one purchase in the window without a coupon), from the shop's generator.

    Sessions on a day are Poisson with mean ``sessions_per_day * day_factor``
    while the customer is active; a session holds a purchase with probability
    ``p_buy * (1 - E[prod over views of (1 - 0.85 p_cart)])`` (a cart line is
    bought with probability 0.85), views per session geometric and capped as in
    the generator, item prices averaged over the session's category (on the
    trail, the complements and the popular detours, in the generator's shares).
    """
    cfg, items = shop.config, shop.items
    n_cat = cfg.n_categories
    u = shop.users.set_index("user_id").loc[users]
    origin = pd.Timestamp(cfg.start)
    join = (u["join_date"] - origin).dt.days.to_numpy()
    churn = (u["churn_date"] - origin).dt.days.to_numpy()
    activity = u["sessions_per_day"].to_numpy()
    prop = u["buy_propensity"].to_numpy()
    early = shop.truth["user_preferences_early"][users - 1]
    late = shop.truth["user_preferences_late"][users - 1]

    cat = items["category"].cat.codes.to_numpy()
    price = items["price"].to_numpy()
    pop = items["popularity"].to_numpy()
    weight = (price / np.exp(np.log(price).mean())) ** -0.3
    uniform = np.bincount(cat, weights=weight, minlength=n_cat) / np.bincount(cat, minlength=n_cat)
    popular = np.bincount(cat, weights=weight * pop, minlength=n_cat) / np.bincount(cat, weights=pop,
                                                                                      minlength=n_cat)
    partner = np.array([c ^ 1 if (c ^ 1) < n_cat else c for c in range(n_cat)])
    p_noise = 1 - cfg.p_follow_trail - cfg.p_complement
    mean_weight = ((cfg.p_follow_trail * uniform + p_noise * popular + cfg.p_complement * popular[partner]))

    factor = shop.truth["day_factor"].to_numpy()
    promo = np.isin(shop.truth["day_factor"].index.date, shop.truth["promotion_dates"])
    p_view = 1.0 / cfg.mean_views_per_session
    cap = cfg.max_views_per_session
    rate = np.zeros(len(users))
    for day in range(start_day, min(start_day + window_days, cfg.n_days)):
        lift = promo[day]
        p_cart = cfg.p_cart * 2.5 * prop[:, None] * mean_weight[None, :] \
            * (1 + cfg.promo_cart_lift if lift else 1.0)
        h = 1 - 0.85 * np.clip(p_cart, 0, 0.9)                     # (users, categories)
        r = (1 - p_view) * h
        no_buy = p_view * h * (1 - r ** (cap - 1)) / (1 - r) + (1 - p_view) ** (cap - 1) * h ** cap
        p_buy = np.clip(cfg.p_purchase_given_cart * (0.5 + prop)
                        * (1 + cfg.promo_conversion_lift if lift else 1.0), 0, 0.95)
        drift = day / max(cfg.n_days - 1, 1)
        pref = (1 - drift) * early + drift * late
        q = p_buy * (pref * (1 - no_buy)).sum(axis=1)
        alive = (join <= day) & (day < churn)
        rate += alive * activity * factor[day] * q
    return 1 - np.exp(-rate)
