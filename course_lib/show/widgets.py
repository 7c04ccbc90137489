"""Interactive explorers (ipywidgets) used in the lessons.

Each returns a widget to display; the figures they draw come from
:mod:`course_lib.show.plots`, so the static and the interactive view agree.
"""
from __future__ import annotations

import ipywidgets as widgets
from IPython.display import display
import matplotlib.pyplot as plt
import pandas as pd

from course_lib.show.plots import plot_user_timeline


def user_timeline_explorer(events: pd.DataFrame, n_users: int = 30):
    """Lesson 00: pick one of the most active users and see their sessions in time."""
    active = events["user_id"].value_counts().index[:n_users].tolist()
    picker = widgets.Dropdown(options=active, value=active[0], description="user")
    only_buyers = widgets.Checkbox(value=False, description="users who bought only")
    out = widgets.Output()
    buyers = set(events.loc[events["event_type"] == "purchase", "user_id"])

    def draw(*_):
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(9, 3))
            plot_user_timeline(events, picker.value, ax=ax)
            display(fig)
            plt.close(fig)

    def refilter(*_):
        options = [u for u in active if u in buyers] if only_buyers.value else active
        picker.options = options or active

    picker.observe(draw, names="value")
    only_buyers.observe(refilter, names="value")
    draw()
    return widgets.VBox([widgets.HBox([picker, only_buyers]), out])
