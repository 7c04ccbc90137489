"""A synthetic online shop whose ground truth is known (introduced in lesson 00).

Every lesson that needs data it can check against uses :func:`make_shop`.
The generator is deterministic by seed and vectorised, so a lesson-sized shop
(about 20,000 events) takes well under a second and 10 million events a
minute or so.

How the shop works is told in :data:`HOW_THE_SHOP_WORKS` (lesson 00 prints it);
all of it is exposed in :attr:`Shop.truth`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import numpy as np
import pandas as pd

from course_lib.datasets.schema import EVENT_TYPES

HOW_THE_SHOP_WORKS = """\
How the shop works (all of it is exposed in `Shop.truth`):

* **Catalogue.** Items belong to categories that come in complementary pairs
  (phones and cases, coffee and mugs...). Inside a category popularity is
  Zipf-like; prices are log-normal around a category price level.
* **Trails.** Each category has browsing *trails*: fixed item sequences that
  shoppers tend to walk along (think "compare these models in this order").
  Every item lies on about two trails, so the item just viewed does not say
  which item comes next; the items viewed before it do. This is the
  higher-order structure a first-order Markov chain cannot learn but a
  recurrent or attention model can.
* **Detours.** A step leaves the trail for a complementary item (a graph of
  complements between paired categories) or a popular item of the category,
  and the next step returns to the trail: again a pattern that needs memory.
* **Users** join, browse at their own rate, have category preferences that
  drift from one profile to another over the window, and churn after an
  exponential lifetime.
* **Funnel.** A view becomes a cart event with a probability that grows with
  the user's buying propensity and falls with the price; a session with carts
  ends in purchases with a probability that again depends on the user.
* **Demand.** Sessions per day follow a weekly profile, a log-linear trend
  and promotion days that lift traffic and conversion by known factors.
"""

#: Category names in complementary pairs: category 2k complements 2k+1.
CATEGORY_NAMES = (
    "phones", "phone cases", "laptops", "laptop bags", "coffee", "mugs",
    "running shoes", "sports socks", "cameras", "memory cards", "books", "reading lamps",
)

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class ShopConfig:
    """Parameters of the synthetic shop. ``ShopConfig.for_events(n)`` sizes one."""

    n_users: int = 1_500
    n_items: int = 240
    n_categories: int = 12
    n_days: int = 91
    start: str = "2024-01-01"
    sessions_per_user_day: float = 0.05
    mean_views_per_session: float = 6.0
    max_views_per_session: int = 40
    trail_length: int = 8
    p_follow_trail: float = 0.70
    p_complement: float = 0.12
    weekly_profile: tuple = (1.00, 0.95, 0.95, 1.00, 1.10, 1.30, 1.20)
    trend_per_day: float = 0.003
    n_promotions: int = 3
    promotion_days: int = 3
    promo_traffic_lift: float = 0.50
    promo_cart_lift: float = 0.30
    promo_conversion_lift: float = 0.30
    mean_lifetime_days: float = 75.0
    preference_concentration: float = 0.3
    p_cart: float = 0.15
    p_purchase_given_cart: float = 0.55
    mean_gap_seconds: float = 45.0
    seed: int = 0

    @classmethod
    def for_events(cls, n_events: int, seed: int = 0, **overrides) -> "ShopConfig":
        """A configuration that yields about ``n_events`` events.

        Users grow linearly with ``n_events``; items and categories grow more
        slowly, as in real shops (a 20k-event shop has 240 items, 10M events
        about 5,000).
        """
        base = cls(seed=seed)
        scale = max(n_events, 500) / 20_000
        n_items = int(np.clip(round(240 * scale ** 0.5), 60, 20_000))
        n_categories = int(np.clip(round(12 * scale ** 0.25), 6, 48))
        n_categories += n_categories % 2
        config = replace(base, n_items=n_items, n_categories=n_categories, **overrides)
        per_user = config.expected_events_per_user()
        return replace(config, n_users=max(20, int(round(n_events / per_user))))

    def expected_events_per_user(self) -> float:
        """Expected events per user over the window (views, carts, purchases).

        The session part is computed from the same join/churn/day-factor model
        the generator uses (with its own fixed random stream); the funnel part
        from the mean cart and purchase probabilities.
        """
        rng = np.random.default_rng(12345)
        _, factor, _ = _day_factors(self, rng)
        cum_day = np.concatenate([[0.0], np.cumsum(factor)])
        n = 20_000
        join = np.maximum(rng.uniform(-0.6 * self.n_days, 0.8 * self.n_days, n), 0).astype(int)
        churn = join + np.ceil(rng.exponential(self.mean_lifetime_days, n)).astype(int)
        exposure = cum_day[np.minimum(churn, self.n_days)] - cum_day[np.minimum(join, self.n_days)]
        sessions = self.sessions_per_user_day * exposure.mean()
        cap = self.max_views_per_session
        p = 1.0 / self.mean_views_per_session
        views = (1 - (1 - p) ** cap) / p  # mean of a geometric capped at `cap`
        carts = views * self.p_cart * 2.5 * (2 / 7) * 1.05
        purchases = carts * self.p_purchase_given_cart * 0.8 * 0.85
        return sessions * (views + carts + purchases * 1.3)


@dataclass
class Shop:
    """A generated shop: the event log and everything that produced it."""

    events: pd.DataFrame
    items: pd.DataFrame
    users: pd.DataFrame
    truth: dict = field(repr=False)
    config: ShopConfig = field(repr=False)

    def __repr__(self) -> str:
        e = self.events
        return (f"Shop({len(e):,} events, {e['user_id'].nunique():,} users, "
                f"{e['session_id'].nunique():,} sessions, {len(self.items):,} items, "
                f"{e['timestamp'].min():%Y-%m-%d} to {e['timestamp'].max():%Y-%m-%d})")


def make_shop(n_events: int = 20_000, seed: int = 0, config: ShopConfig | None = None,
              **overrides) -> Shop:
    """Generate a synthetic shop of about ``n_events`` events (lesson 00 on).

    ``make_shop(20_000, seed=0)`` gives the same shop on every machine. Pass a
    :class:`ShopConfig` (or keyword overrides of its fields) to change how it
    behaves; ``n_events`` is then ignored if ``config`` is given.
    """
    if config is None:
        config = ShopConfig.for_events(n_events, seed=seed, **overrides)
    elif overrides:
        config = replace(config, **overrides)
    return _generate(config)


# --------------------------------------------------------------------------- #
# generation

def _category_names(n: int) -> list[str]:
    names = list(CATEGORY_NAMES[:n])
    k = 2
    while len(names) < n:
        names += [f"{a} {k}" for a in CATEGORY_NAMES][: n - len(names)]
        k += 1
    return names


def _catalogue(cfg: ShopConfig, rng: np.random.Generator):
    n_items, n_cat = cfg.n_items, cfg.n_categories
    category = np.concatenate([np.arange(n_cat), rng.integers(0, n_cat, n_items - n_cat)])
    rng.shuffle(category)
    # Zipf-like popularity inside each category.
    popularity = np.empty(n_items)
    for c in range(n_cat):
        members = np.flatnonzero(category == c)
        ranks = rng.permutation(len(members)) + 1
        popularity[members] = 1.0 / ranks ** 0.9
    price_level = np.exp(rng.normal(3.2, 0.8, n_cat))
    price = np.round(price_level[category] * np.exp(rng.normal(0, 0.35, n_items)), 2)
    price = np.maximum(price, 0.99)
    return category, popularity, price


def _trails(cfg: ShopConfig, category: np.ndarray, rng: np.random.Generator):
    """Fixed item paths per category; each item lies on about two trails."""
    L = cfg.trail_length
    trails, trail_cat = [], []
    for c in range(cfg.n_categories):
        members = np.flatnonzero(category == c)
        order = np.concatenate([rng.permutation(members), rng.permutation(members)])
        n = max(1, int(np.ceil(len(order) / L)))
        order = np.resize(order, n * L)  # wrap around to fill the last trail
        for t in range(n):
            trails.append(order[t * L:(t + 1) * L])
            trail_cat.append(c)
    trails = np.array(trails)
    trail_cat = np.array(trail_cat)
    starts = np.searchsorted(trail_cat, np.arange(cfg.n_categories))
    counts = np.bincount(trail_cat, minlength=cfg.n_categories)
    return trails, trail_cat, starts, counts


def _complements(cfg: ShopConfig, category, popularity, rng, k: int = 2):
    """Each item points to ``k`` items of its paired category (popular ones likelier)."""
    comp = np.empty((len(category), k), dtype=np.int64)
    for c in range(cfg.n_categories):
        mine = np.flatnonzero(category == c)
        partner = np.flatnonzero(category == (c ^ 1 if (c ^ 1) < cfg.n_categories else c))
        w = popularity[partner] / popularity[partner].sum()
        comp[mine] = rng.choice(partner, size=(len(mine), k), p=w)
    return comp


def _day_factors(cfg: ShopConfig, rng: np.random.Generator):
    dates = pd.date_range(cfg.start, periods=cfg.n_days, freq="D")
    weekly = np.asarray(cfg.weekly_profile)[dates.day_of_week]
    trend = np.exp(cfg.trend_per_day * np.arange(cfg.n_days))
    promo = np.zeros(cfg.n_days, dtype=bool)
    if cfg.n_promotions:
        slots = np.arange(7, cfg.n_days - cfg.promotion_days, cfg.promotion_days + 4)
        chosen = np.sort(rng.choice(slots, size=min(cfg.n_promotions, len(slots)), replace=False))
        for s in chosen:
            promo[s:s + cfg.promotion_days] = True
    factor = weekly * trend * np.where(promo, 1 + cfg.promo_traffic_lift, 1.0)
    return dates, factor, promo


def _sample_rows(cum: np.ndarray, rows: np.ndarray, u: np.ndarray, chunk: int = 200_000):
    """Inverse-CDF sampling: for each i, first column j with cum[rows[i], j] > u[i]."""
    out = np.empty(len(rows), dtype=np.int64)
    for s in range(0, len(rows), chunk):
        sl = slice(s, s + chunk)
        out[sl] = (cum[rows[sl]] <= u[sl, None]).sum(axis=1)
    return np.minimum(out, cum.shape[1] - 1)


def _generate(cfg: ShopConfig, people_rng: np.random.Generator | None = None) -> Shop:
    """The shop of ``cfg``. The catalogue, trails and calendar come from ``cfg.seed``;
    the users and their sessions from the same stream, or from ``people_rng`` if given
    (:func:`shop_event_chunks`: one catalogue, many independent groups of users)."""
    rng = np.random.default_rng(cfg.seed)
    n_cat = cfg.n_categories
    category, popularity, price = _catalogue(cfg, rng)
    trails, trail_cat, trail_start, trail_count = _trails(cfg, category, rng)
    complements = _complements(cfg, category, popularity, rng)
    dates, day_factor, promo = _day_factors(cfg, rng)
    if people_rng is not None:
        rng = people_rng

    # Popularity sampling inside a category: global cumulative weights offset by category.
    by_cat = np.argsort(category, kind="stable")
    cat_sorted = category[by_cat]
    w = popularity[by_cat]
    cat_tot = np.bincount(cat_sorted, weights=w, minlength=n_cat)
    cum_in_cat = np.cumsum(w) - np.concatenate([[0], np.cumsum(cat_tot)[:-1]])[cat_sorted]
    cum_global = cat_sorted + cum_in_cat / cat_tot[cat_sorted]

    def popular_item(cats):
        pos = np.searchsorted(cum_global, cats + rng.random(len(cats)), side="right")
        return by_cat[np.minimum(pos, len(by_cat) - 1)]

    # ---- users
    n_users = cfg.n_users
    join = rng.uniform(-0.6 * cfg.n_days, 0.8 * cfg.n_days, n_users)
    join = np.maximum(join, 0).astype(int)
    lifetime = rng.exponential(cfg.mean_lifetime_days, n_users)
    churn = join + np.ceil(lifetime).astype(int)
    activity = rng.gamma(2.0, cfg.sessions_per_user_day / 2.0, n_users)
    propensity = rng.beta(2.0, 5.0, n_users)
    pref_early = rng.dirichlet(np.full(n_cat, cfg.preference_concentration), n_users)
    pref_late = rng.dirichlet(np.full(n_cat, cfg.preference_concentration), n_users)

    # ---- sessions: count per user, then days drawn from the day factors
    cum_day = np.concatenate([[0.0], np.cumsum(day_factor)])
    lo = cum_day[np.minimum(join, cfg.n_days)]
    hi = cum_day[np.minimum(churn, cfg.n_days)]
    n_sessions_user = rng.poisson(activity * (hi - lo))
    s_user = np.repeat(np.arange(n_users), n_sessions_user)
    u = lo[s_user] + rng.random(len(s_user)) * (hi - lo)[s_user]
    s_day = np.clip(np.searchsorted(cum_day, u, side="right") - 1, 0, cfg.n_days - 1)
    hour_profile = np.array([1, .5, .3, .2, .2, .3, .6, 1, 1.5, 1.8, 2, 2, 2.2, 2.1, 2, 2,
                             2.1, 2.4, 2.8, 3.2, 3.4, 3, 2.2, 1.5])
    hours = rng.choice(24, size=len(s_user), p=hour_profile / hour_profile.sum())
    s_start = (dates.values[s_day] + (hours * 3600 + rng.integers(0, 3600, len(s_user)))
               .astype("timedelta64[s]"))
    order = np.argsort(s_start, kind="stable")
    s_user, s_day, s_start = s_user[order], s_day[order], s_start[order]
    n_sess = len(s_user)

    # drifting preferences: later in the window, more sessions use the late profile
    drift = s_day / max(cfg.n_days - 1, 1)
    use_late = rng.random(n_sess) < drift
    cum_pref = np.cumsum(np.concatenate([pref_early, pref_late]), axis=1)
    s_cat = _sample_rows(cum_pref, s_user + n_users * use_late, rng.random(n_sess))

    # ---- the walk along trails, vectorised over sessions
    n_views = np.minimum(rng.geometric(1.0 / cfg.mean_views_per_session, n_sess),
                         cfg.max_views_per_session)
    L = cfg.trail_length
    trail = trail_start[s_cat] + (rng.random(n_sess) * trail_count[s_cat]).astype(int)
    pos = rng.integers(0, L // 2 + 1, n_sess)
    max_len = int(n_views.max()) if n_sess else 0
    items = np.full((n_sess, max(max_len, 1)), -1, dtype=np.int64)
    items[:, 0] = trails[trail, pos]
    for t in range(1, max_len):
        act = np.flatnonzero(n_views > t)
        r = rng.random(len(act))
        follow = r < cfg.p_follow_trail
        comp = (~follow) & (r < cfg.p_follow_trail + cfg.p_complement)
        noise = ~(follow | comp)
        # follow: next position on the trail, or a fresh trail of the category at the end
        f = act[follow]
        pos[f] += 1
        done = f[pos[f] >= L]
        cats = trail_cat[trail[done]]
        trail[done] = trail_start[cats] + (rng.random(len(done)) * trail_count[cats]).astype(int)
        pos[done] = 0
        items[f, t] = trails[trail[f], pos[f]]
        # detour to a complement of the previous item (the trail resumes afterwards)
        c = act[comp]
        prev = items[c, t - 1]
        items[c, t] = complements[prev, rng.integers(0, complements.shape[1], len(c))]
        # detour to a popular item of the session's category
        nz = act[noise]
        items[nz, t] = popular_item(s_cat[nz])

    # ---- views with their times
    v_sess = np.repeat(np.arange(n_sess), n_views)
    v_step = np.arange(len(v_sess)) - np.repeat(np.cumsum(n_views) - n_views, n_views)
    v_item = items[v_sess, v_step]
    gaps = 5 + rng.exponential(cfg.mean_gap_seconds, len(v_sess))
    gaps[v_step == 0] = 0
    offset = np.cumsum(gaps)
    offset -= np.repeat(offset[np.cumsum(n_views) - n_views], n_views)
    v_time = s_start[v_sess] + offset.astype(np.int64).astype("timedelta64[s]")

    # ---- funnel: carts after views, purchases at the end of the session
    promo_s = promo[s_day]
    rel_price = price / np.exp(np.log(price).mean())
    p_cart = (cfg.p_cart * 2.5 * propensity[s_user[v_sess]]
              * rel_price[v_item] ** -0.3 * np.where(promo_s[v_sess], 1 + cfg.promo_cart_lift, 1.0))
    carted = rng.random(len(v_sess)) < np.clip(p_cart, 0, 0.9)
    c_sess, c_item = v_sess[carted], v_item[carted]
    c_time = v_time[carted] + rng.integers(1, 4, carted.sum()).astype("timedelta64[s]")
    has_cart = np.bincount(c_sess, minlength=n_sess) > 0
    p_buy = (cfg.p_purchase_given_cart * (0.5 + propensity[s_user])
             * np.where(promo_s, 1 + cfg.promo_conversion_lift, 1.0))
    buys = has_cart & (rng.random(n_sess) < np.clip(p_buy, 0, 0.95))
    bought = buys[c_sess] & (rng.random(len(c_sess)) < 0.85)
    p_sess, p_item = c_sess[bought], c_item[bought]
    last_time = v_time[np.cumsum(n_views) - 1]
    p_time = last_time[p_sess] + rng.integers(30, 120, len(p_sess)).astype("timedelta64[s]")
    p_qty = 1 + rng.poisson(0.3, len(p_sess))

    kinds = np.concatenate([np.zeros(len(v_sess), np.int8), np.ones(len(c_sess), np.int8),
                            np.full(len(p_sess), 2, np.int8)])
    sess = np.concatenate([v_sess, c_sess, p_sess])
    item = np.concatenate([v_item, c_item, p_item])
    when = np.concatenate([v_time, c_time, p_time]).astype("datetime64[ns]")
    qty = np.concatenate([np.ones(len(v_sess) + len(c_sess), np.int64), p_qty])
    order = np.lexsort((kinds, when))
    sess, item, when, qty, kinds = sess[order], item[order], when[order], qty[order], kinds[order]

    names = _category_names(n_cat)
    events = pd.DataFrame({
        "user_id": s_user[sess] + 1,
        "session_id": sess + 1,
        "item_id": item + 1,
        "timestamp": when,
        "event_type": pd.Categorical.from_codes(kinds, categories=list(EVENT_TYPES)),
        "price": price[item],
        "category": pd.Categorical.from_codes(category[item], categories=names),
        "quantity": qty,
    })
    items_df = pd.DataFrame({
        "item_id": np.arange(cfg.n_items) + 1,
        "category": pd.Categorical.from_codes(category, categories=names),
        "price": price,
        "popularity": popularity,
    })
    end = cfg.n_days
    users_df = pd.DataFrame({
        "user_id": np.arange(n_users) + 1,
        "join_date": pd.Timestamp(cfg.start) + pd.to_timedelta(join, unit="D"),
        "churn_date": pd.Timestamp(cfg.start) + pd.to_timedelta(churn, unit="D"),
        "churned_in_window": churn < end,
        "sessions_per_day": activity,
        "buy_propensity": propensity,
    })
    truth = {
        "weekly_profile": dict(zip(WEEKDAYS, cfg.weekly_profile)),
        "trend_per_day": cfg.trend_per_day,
        "promotion_dates": list(dates[promo].date),
        "promo_traffic_lift": cfg.promo_traffic_lift,
        "promo_cart_lift": cfg.promo_cart_lift,
        "promo_conversion_lift": cfg.promo_conversion_lift,
        # purchases on a promotion day, relative to the same day without it (before clipping
        # of the probabilities, which makes the realised lift slightly smaller)
        "promo_purchase_multiplier": ((1 + cfg.promo_traffic_lift) * (1 + cfg.promo_cart_lift)
                                      * (1 + cfg.promo_conversion_lift)),
        "day_factor": pd.Series(day_factor, index=dates, name="day_factor"),
        "trails": trails + 1,
        "trail_category": [names[c] for c in trail_cat],
        "complements": pd.DataFrame(complements + 1, index=np.arange(cfg.n_items) + 1,
                                    columns=[f"complement_{k + 1}" for k in range(complements.shape[1])]),
        "category_pairs": [(names[c], names[c ^ 1]) for c in range(0, n_cat - 1, 2)],
        "p_follow_trail": cfg.p_follow_trail,
        "p_complement": cfg.p_complement,
        "user_preferences_early": pref_early,
        "user_preferences_late": pref_late,
    }
    return Shop(events=events, items=items_df, users=users_df, truth=truth, config=cfg)


def shop_event_chunks(n_events: int, chunk_events: int = 2_000_000, seed: int = 0):
    """The event log of a shop of about ``n_events`` events, in chunks (issue 18: 100M events).

    Yields ``(k, events)`` for k = 0, 1, ...: each chunk is one group of users
    of the same shop (one catalogue, trails and calendar, from ``seed``) with
    its own random stream, generated and sorted by time on its own, so memory
    stays that of one chunk. User and session ids are offset so that no two
    chunks share a user or a session: the chunks written one after the other
    are one valid log (sorted by time within each chunk only; the loaders and
    the preparation engines sort). For ``n_events <= chunk_events`` this is
    not ``make_shop(n_events)``: the users come from another random stream.
    """
    config = ShopConfig.for_events(n_events, seed=seed)
    n_chunks = max(1, -(-n_events // max(chunk_events, 1)))
    bounds = np.linspace(0, config.n_users, n_chunks + 1).round().astype(int)
    session_offset = 0
    for k in range(n_chunks):
        users = int(bounds[k + 1] - bounds[k])
        if users <= 0:
            continue
        people = np.random.default_rng([seed, k + 1])
        shop = _generate(replace(config, n_users=users), people_rng=people)
        events = shop.events
        events["user_id"] += int(bounds[k])
        events["session_id"] += session_offset
        if len(events):               # the ids above are already offset: the next chunk starts after them
            session_offset = int(events["session_id"].max())
        yield k, events


def config_as_dict(config: ShopConfig) -> dict:
    """The configuration as a plain dict (for data cards and reports)."""
    return asdict(config)


#: added to the user and session ids of :func:`other_customers` (times the stream)
OTHER_ID_OFFSET = 10 ** 9


def other_customers(config: ShopConfig, n_events: int, stream: int = 1) -> Shop:
    """About ``n_events`` events of *other* customers of the shop of ``config`` (lesson 08).

    Same catalogue, trails, prices and calendar as ``make_shop(config=config)``
    (they come from ``config.seed``), but a different population of users,
    drawn from their own random stream (``stream`` 1, 2, ... give disjoint
    populations, none of them the shop's own users; their user and session
    ids are offset by ``OTHER_ID_OFFSET * stream``): what a shop's larger
    log looks like, for pretraining a model whose tasks are then judged on
    the shop's own customers.
    """
    if stream < 1:
        raise ValueError("stream must be 1 or more (0 would be the shop's own users)")
    users = max(20, int(round(n_events / config.expected_events_per_user())))
    shop = _generate(replace(config, n_users=users),
                     people_rng=np.random.default_rng([config.seed, 1_000 + stream]))
    # ids of their own, so a log of both populations never merges two people or two visits
    offset = OTHER_ID_OFFSET * stream
    shop.events["user_id"] += offset
    shop.events["session_id"] += offset
    return shop
