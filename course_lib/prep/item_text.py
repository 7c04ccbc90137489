"""Item descriptions as hashed character n-grams: text a model can read (lesson 08).

An item nobody has bought has no behaviour to learn from, but it has a
description. ``"BLUE RETRO KITCHEN WALL CLOCK"`` shares most of its
character 3-grams with ``"RED RETRO KITCHEN WALL CLOCK"``, so n-grams carry
what the words say, survive typos and need no dictionary. Each n-gram is
hashed into one of ``n_buckets`` ids (the *hashing trick*: no vocabulary to
store, new words get ids too); id 0 is padding.

* :func:`item_descriptions`: one description per item of Online Retail (the
  most frequent one, as the shop's till printed it);
* :func:`ngram_ids`: texts -> (n_texts, max_ngrams) left-padded n-gram ids.
"""
from __future__ import annotations

import re
import zlib

import numpy as np
import pandas as pd

N_BUCKETS = 2 ** 14


def item_descriptions(raw: pd.DataFrame, item: str = "StockCode", text: str = "Description") -> pd.Series:
    """The most frequent description of each item (index: item id), upper case, spaces tidied."""
    lines = raw[[item, text]].dropna()
    lines = lines[lines[text].astype(str).str.strip() != ""]
    counts = lines.groupby([item, text], observed=True).size().rename("n").reset_index()
    counts = counts.sort_values(["n", text], ascending=[False, True], kind="stable")
    first = counts.drop_duplicates(item).set_index(item)[text].astype(str)
    return first.str.upper().str.replace(r"\s+", " ", regex=True).str.strip().rename("description")


def ngrams(text: str, n: int = 3) -> list[str]:
    """Character ``n``-grams of each word (with ``<`` and ``>`` marking its ends) and the words."""
    grams = []
    for word in re.findall(r"[A-Z0-9]+", str(text).upper()):
        padded = f"<{word}>"
        grams.append(word)
        grams += [padded[i:i + n] for i in range(max(1, len(padded) - n + 1))]
    return grams


def ngram_ids(texts, max_ngrams: int = 64, n_buckets: int = N_BUCKETS, n: int = 3) -> np.ndarray:
    """(len(texts), max_ngrams) int32: each text's hashed n-gram ids (1..n_buckets-1), left-padded.

    The hash is CRC-32, the same on every machine and in every run (Python's
    own ``hash`` of a string changes from one process to the next).
    """
    out = np.zeros((len(texts), max_ngrams), dtype=np.int32)
    for row, text in enumerate(texts):
        ids = [1 + zlib.crc32(g.encode()) % (n_buckets - 1) for g in ngrams(text, n)][:max_ngrams]
        if ids:
            out[row, max_ngrams - len(ids):] = ids
    return out
