"""A short profile of an event table (lesson 00, ``course-lib validate``)."""
from __future__ import annotations

import pandas as pd


def profile_events(events: pd.DataFrame) -> dict:
    """Rows, users, sessions, items, time span and event-type counts.

    Says so when the file had no item column, or no event-type column (then
    every event has the type the loader assumed, ``events.attrs["default_event"]``).
    """
    span = events["timestamp"].max() - events["timestamp"].min()
    profile = {
        "rows": len(events),
        "users": int(events["user_id"].nunique()),
        "sessions": int(events["session_id"].nunique()),
        "items": int(events["item_id"].nunique()) if "item_id" in events else "none (no item column)",
        "first event": events["timestamp"].min(),
        "last event": events["timestamp"].max(),
        "days": round(span / pd.Timedelta(days=1), 1),
        "event types": {str(k): int(v) for k, v in
                        events["event_type"].value_counts(sort=False).items() if v > 0},
    }
    if events.attrs.get("default_event"):
        profile["event column"] = (f"none: every row read as a {events.attrs['default_event']} "
                                   "(see the note; --default-event to change)")
    return profile


def format_profile(profile: dict, title: str = "") -> str:
    """The profile as aligned text lines."""
    lines = [title] if title else []
    for key, value in profile.items():
        if key == "event types":
            value = ", ".join(f"{k} {v:,}" for k, v in value.items())
        elif isinstance(value, int):
            value = f"{value:,}"
        elif isinstance(value, pd.Timestamp):
            value = f"{value:%Y-%m-%d %H:%M:%S}"
        lines.append(f"  {key:<12} {value}")
    return "\n".join(lines)
