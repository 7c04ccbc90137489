"""Layer 1, data: the synthetic shop, UCI Online Retail, your own event log.

Every loader returns the canonical event table described in
:mod:`course_lib.datasets.schema`.
"""
from course_lib.datasets.uci_retail import (MissingDataError, find_online_retail,
                                               load_online_retail, online_retail_events)
from course_lib.datasets.own_data import load_events, load_series
from course_lib.datasets.profile import format_profile, profile_events
from course_lib.datasets.schema import COLUMNS, EVENT_TYPES, EventLogError
from course_lib.datasets.synthetic import Shop, ShopConfig, make_shop

__all__ = ["COLUMNS", "EVENT_TYPES", "EventLogError", "MissingDataError", "Shop", "ShopConfig",
           "find_online_retail", "format_profile", "load_events", "load_online_retail", "load_series",
           "make_shop", "online_retail_events", "profile_events"]
