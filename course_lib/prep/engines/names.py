"""The engines' names, the loader options they pass on, and their errors (lesson 10)."""
from __future__ import annotations

import re

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


class BadEngineOption(ValueError):
    """An engine option that cannot work (a memory size neither engine reads): one sentence."""


#: a memory size both engines read: a whole number and K, M, G or T, with B or iB or neither
_MEMORY = re.compile(r"\s*(\d+)\s*([kmgt])(i?b)?\s*", re.I)


def memory_limit(text: str | None, engine: str) -> str | None:
    """``--memory-limit`` as ``engine`` writes it ('3GB' for DuckDB, '3g' for Spark's driver),
    or one sentence saying what is wrong with it, before any work."""
    if text is None:
        return None
    size = _MEMORY.fullmatch(str(text))
    if not size:
        raise BadEngineOption(f"--memory-limit (memory_limit=) {text!r} is not a size: write a whole "
                              "number and a unit, such as 3GB, 500MB or 4GiB")
    number, unit, suffix = size.groups()
    if engine == "spark":
        return f"{number}{unit.lower()}"
    return f"{number}{unit.upper()}{'iB' if suffix and suffix.lower() == 'ib' else 'B'}"
