"""A form that maps your file's columns onto the canonical event table (lesson 10).

``column_mapping_form(path)`` reads only the file's header (and a few rows to
preview), offers one dropdown per canonical column pre-filled with the guesses
:func:`course_lib.datasets.load_events` would make from the usual column
names, fields for the reading options, and a **Validate** button that runs
``load_events`` and shows the profile, or the loader's one-line error.

It works without a browser as well: set the widgets' values in code, call
:meth:`ColumnMappingForm.validate`, and read :attr:`ColumnMappingForm.mapping`
(the keyword arguments for ``load_events``), :meth:`ColumnMappingForm.code`
or :meth:`ColumnMappingForm.command` (the same choice as Python or as a
``course-lib`` command line). The file is only read, never written.
"""
from __future__ import annotations

import html
import shlex
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from course_lib.datasets.own_data import KEYWORDS, guess_columns, load_events, read_header
from course_lib.datasets.profile import format_profile, profile_events
from course_lib.datasets.schema import EVENT_TYPES, EventLogError

#: keyword of ``load_events`` -> canonical column, in the form's order
FIELDS = KEYWORDS
#: what each canonical column is for (the dropdowns' tooltips)
HELP = {
    "user": "who acted; without it each session is its own user",
    "session": "one visit; without it sessions are cut after the session gap",
    "item": "the product; without it only churn and demand can run",
    "time": "when (required): text, or seconds / milliseconds since 1970",
    "event": "view / cart / purchase (or synonyms); without it every event is the default event",
    "price": "optional: unit price",
    "category": "optional: product category",
    "quantity": "optional: units",
    "treatment": "optional: 1 sent the campaign's coupon or ad, 0 held out (assignment rows only)",
}
REQUIRED = ("time",)
NONE = "(none)"
CHOOSE = "(choose a column)"


class ColumnMappingForm:
    """Lesson 10's column-mapping form; build it with :func:`column_mapping_form`.

    ``dropdowns`` holds one ``Dropdown`` per keyword of ``load_events`` (user,
    session, item, time, event, price, category, quantity, treatment); ``time_format``,
    ``time_unit``, ``session_gap``, ``default_event``, ``drop_missing_ids``,
    ``clean_sales`` and ``drop_duplicates`` the reading options. ``widget`` is what to display;
    ``validate()`` is what the button runs. The header, the guesses and the
    loading are the loader's own (:func:`~course_lib.datasets.read_header`,
    :func:`~course_lib.datasets.guess_columns`, :func:`~course_lib.datasets.load_events`),
    so the form, its ``code()`` and its ``command()`` load the same table.
    """

    def __init__(self, path, sep: str | None = None, encoding: str = "utf-8"):
        self.path = Path(path)
        self.encoding = encoding
        self.header, self.sep, self.preview = read_header(self.path, sep=sep, encoding=encoding,
                                                          rows=5)
        self.guesses = guess_columns(self.header)
        self.events: pd.DataFrame | None = None
        self.error: EventLogError | None = None
        self.message = ""

        self.dropdowns = {}
        for keyword in FIELDS:
            empty = CHOOSE if keyword in REQUIRED else NONE
            self.dropdowns[keyword] = widgets.Dropdown(
                options=[empty] + list(self.header), value=self.guesses[keyword] or empty,
                description=keyword, tooltip=HELP[keyword],
                layout=widgets.Layout(width="260px"))
        self.time_format = widgets.Text(
            value="", description="time format", placeholder="e.g. %d/%m/%Y %H:%M (empty: guess)",
            layout=widgets.Layout(width="340px"), style={"description_width": "90px"})
        self.time_unit = widgets.Dropdown(
            options=[("guess", ""), ("seconds", "s"), ("milliseconds", "ms"),
                     ("microseconds", "us"), ("nanoseconds", "ns")], value="",
            description="time unit", tooltip="for numeric times only",
            layout=widgets.Layout(width="220px"))
        self.session_gap = widgets.Text(
            value="30min", description="session gap",
            tooltip="inactivity that ends a session (used without a session column)",
            layout=widgets.Layout(width="220px"), style={"description_width": "90px"})
        self.default_event = widgets.Dropdown(
            options=[("guess", "")] + [(t, t) for t in EVENT_TYPES], value="",
            description="default event",
            tooltip="every event's type when there is no event column (guess: purchase for a "
                    "sales log, else view; the note says which)",
            layout=widgets.Layout(width="220px"), style={"description_width": "90px"})
        self.drop_missing_ids = widgets.Checkbox(
            value=False, description="drop rows with an empty id", indent=False)
        self.clean_sales = widgets.Checkbox(
            value=False, description="drop lines with quantity or price ≤ 0", indent=False)
        self.drop_duplicates = widgets.Checkbox(
            value=False, description="drop rows that repeat an earlier row (every column read)", indent=False)
        self.button = widgets.Button(description="Validate", button_style="primary", icon="check")
        self.button.on_click(lambda _: self.validate())
        self.status = widgets.HTML(value="<i>Choose the columns, then press Validate.</i>")

        preview = widgets.HTML(value=self.preview.to_html(index=False, max_cols=20, border=0))
        drops = list(self.dropdowns.values())
        self.widget = widgets.VBox([
            widgets.HTML(value=f"<b>{html.escape(self.path.name)}</b>: the first rows as written"),
            preview,
            widgets.HTML(value="<b>Which column holds what</b> (pre-filled with the usual names)"),
            widgets.HBox(drops[:4]), widgets.HBox(drops[4:]),
            widgets.HTML(value="<b>Reading options</b>"),
            widgets.HBox([self.time_format, self.time_unit]),
            widgets.HBox([self.session_gap, self.default_event]),
            widgets.HBox([self.drop_missing_ids, self.clean_sales, self.drop_duplicates]),
            self.button, self.status,
        ])

    # ------------------------------------------------------------------ #
    @property
    def mapping(self) -> dict:
        """The keyword arguments for ``load_events(path, **mapping)`` (defaults left out).

        A column set to "(none)" although the file has one under a usual name
        is listed in ``exclude``, so the loader leaves it out too.
        """
        kwargs = {}
        for keyword, box in self.dropdowns.items():
            if box.value not in (NONE, CHOOSE):
                kwargs[keyword] = box.value
        if self.left_out():
            kwargs["exclude"] = self.left_out()
        if self.sep not in (None, ","):
            kwargs["sep"] = self.sep
        if self.time_format.value.strip():
            kwargs["time_format"] = self.time_format.value.strip()
        if self.time_unit.value:
            kwargs["time_unit"] = self.time_unit.value
        if self.encoding.lower().replace("-", "") != "utf8":
            kwargs["encoding"] = self.encoding
        if self.session_gap.value.strip() not in ("", "30min"):
            kwargs["session_gap"] = self.session_gap.value.strip()
        if self.drop_missing_ids.value:
            kwargs["drop_missing_ids"] = True
        if self.default_event.value:
            kwargs["default_event"] = self.default_event.value
        if self.clean_sales.value:
            kwargs["clean_sales"] = True
        if self.drop_duplicates.value:
            kwargs["drop_duplicates"] = True
        return kwargs

    def left_out(self) -> list[str]:
        """Keywords set to "(none)" although the file has a column under one of their usual names."""
        return [k for k, box in self.dropdowns.items() if box.value == NONE and self.guesses[k]]

    def validate(self):
        """Run ``load_events`` with the form's choices: the events, or the :class:`EventLogError`.

        Shows the profile (or the error) under the button and keeps it in
        ``message``; the events are also kept in ``events``.
        """
        self.events, self.error = None, None
        try:
            for keyword in REQUIRED:
                if self.dropdowns[keyword].value == CHOOSE:
                    raise EventLogError(f"no column chosen for the {keyword}, which every event "
                                        "log needs: pick one in its dropdown", path=self.path)
            events = load_events(self.path, **self.mapping)
        except EventLogError as exc:
            self.error = exc
            self.message = f"✘ {exc}"
            self.status.value = (f"<pre style='color:#b00020; white-space:pre-wrap'>"
                                 f"{html.escape(self.message)}</pre>")
            return exc
        self.events = events
        mapped = ", ".join(f"{k} <- {v}" for k, v in events.attrs.get("columns", {}).items())
        lines = [format_profile(profile_events(events), title=f"✔ {self.path.name}: valid event log"),
                 f"  {'columns':<12} {mapped}"]
        lines += [f"  note: {note}" for note in events.attrs.get("notes", [])]
        self.message = "\n".join(lines)
        self.status.value = f"<pre>{html.escape(self.message)}</pre>"
        return events

    def code(self, name: str = "events") -> str:
        """The same choice as one line of Python."""
        args = [repr(str(self.path))] + [f"{k}={v!r}" for k, v in self.mapping.items()]
        return f"{name} = load_events({', '.join(args)})"

    def command(self, subcommand: str = "report", out: str | None = "report/") -> str:
        """The same choice as a ``course-lib`` command line (``validate`` or ``report``)."""
        parts = ["course-lib", subcommand, str(self.path)]
        for keyword, value in self.mapping.items():
            if keyword == "exclude":
                parts += [f"--no-{k}" for k in value]
                continue
            flag = "--" + keyword.replace("_", "-")
            parts += [flag] if value is True else [flag, str(value)]
        if subcommand != "validate" and out:
            parts += ["--out", out]
        return " ".join(shlex.quote(p) for p in parts)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


def column_mapping_form(path, sep: str | None = None, encoding: str = "utf-8") -> ColumnMappingForm:
    """Lesson 10: a form to map ``path``'s columns, validate them and get the code that does it.

    Display ``form.widget`` (or the form itself) in a notebook; without a
    browser, set ``form.dropdowns["item"].value = "sku"`` and friends, then
    call ``form.validate()``. A column set to "(none)" is left out even where
    the loader would find it by its name (``exclude=`` / ``--no-user``...).
    """
    return ColumnMappingForm(path, sep=sep, encoding=encoding)
