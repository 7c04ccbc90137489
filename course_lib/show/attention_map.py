"""Attention weights drawn as a map, with the items named (lesson 07).

The weights come from :func:`course_lib.models.attention.sasrec_attention`,
i.e. from the trained model itself; padded positions are left out.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def real_positions(prefix) -> np.ndarray:
    """The positions of a left-padded prefix that hold an item (code > 0)."""
    return np.flatnonzero(np.asarray(prefix) > 0)


def plot_attention(weights, prefix, names, ax=None, title: str = ""):
    """One head's (max_len, max_len) weights for one prefix: rows = query (the position that
    predicts), columns = key (the item it looks at); ``names`` maps item codes to labels."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4.8))
    keep = real_positions(prefix)
    if len(keep) == 0:
        raise ValueError("the prefix holds no item (all padding)")
    part = np.asarray(weights)[np.ix_(keep, keep)]
    labels = [f"{i + 1}. {names(int(prefix[p]))}" for i, p in enumerate(keep)]
    image = ax.imshow(part, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(keep)), labels, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(keep)), labels, fontsize=8)
    for i in range(len(keep)):
        for j in range(i + 1):
            ax.text(j, i, f"{part[i, j]:.2f}", ha="center", va="center", fontsize=7,
                    color="white" if part[i, j] > 0.6 else "black")
    ax.set_xlabel("looks at (key)")
    ax.set_ylabel("predicting after (query)")
    ax.set_title(title or "attention weights", fontsize=10)
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    return ax
