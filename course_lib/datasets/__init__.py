"""Layer 1, data: the synthetic shop, UCI Online Retail, your own event log.

Every loader returns the canonical event table described in
:mod:`course_lib.datasets.schema`; the real data and your own files go
through one loader, :func:`load_events`.
"""
from course_lib.datasets.uci_retail import (MissingDataError, find_online_retail,
                                               load_online_retail, online_retail_events,
                                               online_retail_or_stand_in)
from course_lib.datasets.own_data import (detect_format, guess_columns, load_events, load_series,
                                          read_header, without_assignments)
from course_lib.datasets.profile import format_profile, profile_events
from course_lib.datasets.schema import COLUMNS, EVENT_TYPES, EventLogError
from course_lib.datasets.synthetic import Shop, ShopConfig, make_shop

__all__ = ["COLUMNS", "EVENT_TYPES", "EventLogError", "MissingDataError", "Shop", "ShopConfig",
           "detect_format", "find_online_retail", "format_profile", "guess_columns", "load_events",
           "load_online_retail", "load_series", "make_shop", "online_retail_events", "without_assignments",
           "online_retail_or_stand_in", "profile_events", "read_header"]
