"""The engines' names, the loader options they pass on, and their errors (lesson 10)."""
from __future__ import annotations

ENGINES = ("pandas", "duckdb", "spark")
#: the loader's options that the preparation passes on (the column mapping and reading)
LOADER_OPTIONS = ("user", "session", "item", "time", "event", "price", "category", "quantity",
                  "sep", "time_unit", "time_format", "encoding", "drop_missing_ids",
                  "default_event", "exclude", "clean_sales", "drop_duplicates")


class EngineUnavailable(RuntimeError):
    """An engine's package or runtime (duckdb, pyspark, Java) is missing: the message says the fix."""


class UnknownEngine(ValueError):
    """An engine name that is not pandas, duckdb or spark."""


def check_engine(name: str) -> str:
    if name not in ENGINES:
        raise UnknownEngine(f"unknown engine {name!r}; choose from {', '.join(ENGINES)}")
    return name
