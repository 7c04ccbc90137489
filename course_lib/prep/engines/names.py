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


#: a memory size: a number and K, M, G or T, with B or iB or neither ('3GB', '1.5g', '4GiB')
_MEMORY = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmgt])(i?b)?\s*", re.I)


def memory_limit(text: str | None, engine: str) -> str | None:
    """``--memory-limit`` as ``engine`` writes it: a whole number in the largest unit that keeps
    it whole ('1.5GB' is '1500MB' for DuckDB, '1500m' for Spark's driver, whose JVM takes whole
    numbers only), or one sentence saying what is wrong with it, before any work. pandas does
    not use it."""
    if text is None or engine == "pandas":
        return text
    size = _MEMORY.fullmatch(str(text))
    if not size:
        raise BadEngineOption(f"--memory-limit (memory_limit=) {text!r} is not a size: write a number "
                              "and a unit, such as 3GB, 1.5GB, 500MB or 4GiB")
    number, unit, suffix = float(size[1]), "kmgt".index(size[2].lower()), (size[3] or "").lower()
    if number <= 0:
        raise BadEngineOption(f"--memory-limit (memory_limit=) {text!r} must be more than 0")
    base = 1024 if suffix == "ib" else 1000
    while number != int(number) and unit > 0:   # 1.5GB -> 1500MB
        number, unit = number * base, unit - 1
    number = max(1, round(number))
    if engine == "spark":
        return f"{number}{'kmgt'[unit]}"
    return f"{number}{'KMGT'[unit]}{'iB' if suffix == 'ib' else 'B'}"
