"""Training curves: the loss and the validation score after every epoch (lesson 07).

The histories are :class:`course_lib.evaluate.tuning.ValidationStopping`'s
``history`` lists (one dict per epoch with ``epoch``, ``loss`` and the
validation metric), so the picture shows what early stopping saw.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00")


def plot_training_curves(histories: dict, metric: str = "MRR@20", axes=None, title: str = ""):
    """Left: the training loss per epoch; right: ``metric`` on the validation window per epoch.

    ``histories``: model label -> a ``ValidationStopping.history``. The best
    epoch (the one early stopping keeps) is ringed. Returns the two axes.
    """
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11, 3.2))
    if not histories:
        raise ValueError("no training history to draw: give {label: ValidationStopping.history}")
    for (label, history), colour in zip(histories.items(), COLOURS):
        if not history:
            raise ValueError(f"{label}: the history is empty (was the callback passed to fit?)")
        epochs = np.array([row["epoch"] for row in history])
        loss = np.array([row["loss"] for row in history], dtype=float)
        score = np.array([row[metric] for row in history], dtype=float)
        best = int(np.argmax(score))
        axes[0].plot(epochs, loss, "o-", color=colour, ms=3, label=label)
        axes[1].plot(epochs, score, "o-", color=colour, ms=3, label=f"{label} (kept: epoch {epochs[best]})")
        axes[1].scatter([epochs[best]], [score[best]], s=110, facecolors="none", edgecolors=colour, lw=1.5)
    axes[0].set_xlabel("epoch")
    axes[0].set_ylabel("training loss")
    axes[0].set_title("training loss (on the training sessions)", fontsize=10)
    axes[1].set_xlabel("epoch")
    axes[1].set_ylabel(f"validation {metric}")
    axes[1].set_title(f"{metric} on the validation window (ringed: the epoch kept)", fontsize=10)
    for ax in axes:
        ax.legend(fontsize=8)
        ax.xaxis.get_major_locator().set_params(integer=True)
    if title:
        axes[0].figure.suptitle(title, fontsize=11)
    axes[0].figure.tight_layout()
    return axes
