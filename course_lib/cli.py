"""The ``course-lib`` command line (also ``python -m course_lib``).

It only composes the library's layers; every step it runs is one a lesson
shows. ``course-lib validate EVENTS`` reads an event log and prints its
profile, or one clear error; it writes nothing.
"""
from __future__ import annotations

import argparse
import sys

EXAMPLES = """examples:
  course-lib validate events.csv --user visitorid --item itemid --time timestamp --time-unit ms
  course-lib validate otto_sample_sessions.jsonl
  course-lib validate online_retail.csv.gz --user CustomerID --session InvoiceNo \\
      --item StockCode --time InvoiceDate --drop-missing-ids --default-event purchase
"""


def _add_mapping_options(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("column mapping (the usual names are found without it)")
    g.add_argument("--user", metavar="COL", help="column with the user id (e.g. customer_id)")
    g.add_argument("--session", metavar="COL", help="column with the session id; without one, "
                   "sessions are cut after --session-gap of inactivity")
    g.add_argument("--item", metavar="COL", help="column with the item (product) id")
    g.add_argument("--time", metavar="COL", help="column with the event time")
    g.add_argument("--event", metavar="COL", help="column with the event type (view/cart/purchase)")
    g.add_argument("--price", metavar="COL", help="column with the unit price")
    g.add_argument("--category", metavar="COL", help="column with the item category")
    g.add_argument("--quantity", metavar="COL", help="column with the quantity")
    r = parser.add_argument_group("reading")
    r.add_argument("--sep", metavar="SEP", help="CSV separator (default: guessed from the header)")
    r.add_argument("--time-unit", choices=["s", "ms"],
                   help="unit of numeric timestamps (default: guessed from their size)")
    r.add_argument("--time-format", metavar="FMT",
                   help="strftime format of text timestamps, e.g. '%%d/%%m/%%Y %%H:%%M'")
    r.add_argument("--encoding", default="utf-8", help="text encoding (default: utf-8)")
    r.add_argument("--session-gap", default="30min", help="inactivity that ends a session "
                   "when there is no session column (default: 30min)")
    r.add_argument("--drop-missing-ids", action="store_true",
                   help="skip rows with an empty user/session/item id instead of failing")
    r.add_argument("--default-event", default="view",
                   help="event type when there is no event column (default: view)")


def load_from_args(args):
    """The canonical event table described by the parsed options."""
    from course_lib.datasets import load_events

    return load_events(args.events, user=args.user, session=args.session, item=args.item,
                       time=args.time, event=args.event, price=args.price,
                       category=args.category, quantity=args.quantity, sep=args.sep,
                       time_unit=args.time_unit, time_format=args.time_format,
                       encoding=args.encoding, session_gap=args.session_gap,
                       drop_missing_ids=args.drop_missing_ids,
                       default_event=args.default_event)


def cmd_validate(args) -> int:
    from course_lib.datasets import format_profile, profile_events

    events = load_from_args(args)
    print(format_profile(profile_events(events), title=f"{args.events}: valid event log"))
    mapped = ", ".join(f"{k} <- {v}" for k, v in events.attrs.get("columns", {}).items())
    print(f"  {'columns':<12} {mapped}")
    for note in events.attrs.get("notes", []):
        print(f"  note: {note}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="course-lib", description="Tools of the e-commerce behaviour-prediction workbook.",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLES)
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("validate", help="check an event log and print its profile (writes nothing)",
                       formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLES,
                       description="Read an event log (CSV, CSV.gz, Parquet, JSON Lines), check it "
                                   "and print rows, users, sessions, items, time span and event "
                                   "types. Exits 0 if valid, 2 with one clear error otherwise.")
    v.add_argument("events", help="the event log file")
    _add_mapping_options(v)
    v.set_defaults(func=cmd_validate)
    return parser


def main(argv=None) -> int:
    from course_lib.datasets import EventLogError, MissingDataError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (EventLogError, MissingDataError) as exc:
        print(f"course-lib: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
