"""A short model card for a saved next-item model (lesson 09, ``course-lib report``).

A model card (Mitchell et al. 2019) says what a model is for, what data it
learned from, how it was evaluated and where it fails, next to the model
file, so that whoever picks it up later does not have to guess.
"""
from __future__ import annotations

import pandas as pd


def markdown_table(frame: pd.DataFrame, digits: int = 3) -> str:
    """A DataFrame as a Markdown table, floats to ``digits`` places (model card, report summary)."""
    frame = frame.copy()
    for column in frame.columns:
        if pd.api.types.is_float_dtype(frame[column]):
            frame[column] = frame[column].map(lambda v: f"{v:.{digits}f}")
    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join(map(str, row)) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def model_card(*, model_name: str, data: str, split, leaderboard: pd.DataFrame,
               breakdown: pd.DataFrame | None = None, limits=(), intended_use: str = "",
               why: str = "") -> str:
    """The card as Markdown: use, why this model, data, evaluation (leaderboard with the
    baselines), limits."""
    n_pred = int(sum(len(s) - 1 for s in split.test))
    chosen = leaderboard[leaderboard["model"] == model_name]
    headline = ""
    if len(chosen):
        row = chosen.iloc[0]
        headline = f" It reached MRR@20 {row['MRR@20']:.3f} and HR@20 {row['HR@20']:.3f} on the test window."
    lines = [
        f"# Model card: {model_name} next-item recommender",
        "",
        "## Intended use",
        intended_use or ("Suggest the next items to show a shopper, given the items of the current "
                         "session so far. A teaching model: evaluate it on your own data before use."),
        "",
        *(["## Why this model", why, ""] if why else []),
        "## Data",
        f"{data}. Time-based split: trained on sessions before {split.cut:%Y-%m-%d %H:%M}, "
        f"tested on the {len(split.test):,} sessions after it ({n_pred:,} next-item predictions). "
        f"The vocabulary holds the {split.n_items:,} items seen in training; "
        f"{split.dropped_unknown:,} test events with new items were dropped (no model could predict them).",
        "",
        "## Evaluation",
        f"Every next item of every test session is ranked against the full catalogue (ties count "
        f"against the target), beside the simple baselines.{headline}",
        "",
        markdown_table(leaderboard.drop(columns=[c for c in ("predict_s", "params") if c in leaderboard])),
    ]
    if breakdown is not None and len(breakdown):
        lines += ["", "Where it does well and where it does not:", "",
                  markdown_table(breakdown[breakdown["model"] == model_name].drop(columns="model"))]
    lines += ["", "## Limits"]
    lines += [f"- {limit}" for limit in limits]
    best = leaderboard.iloc[0]
    if len(chosen) and best["model"] != model_name:
        lines.append(f"- On this test window {best['model']} scored higher (MRR@20 {best['MRR@20']:.3f} "
                     f"against {chosen.iloc[0]['MRR@20']:.3f}); this model was not chosen for its "
                     "test score, but weigh the other one before relying on this.")
    lines += ["- Items first seen after training cannot be recommended until the model is retrained.",
              "- Offline metrics on past sessions are not the same as what a shopper would click; "
              "confirm with an online test before relying on it."]
    return "\n".join(lines) + "\n"
