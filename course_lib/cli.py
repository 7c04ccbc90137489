"""The ``course-lib`` command line (also ``python -m course_lib``).

It only composes the library's layers. Each command turns its options into
settings (:mod:`course_lib.tasks.settings`), loads the data
(:mod:`course_lib.datasets`), runs one task (:mod:`course_lib.tasks`) and
writes one new folder with :func:`course_lib.files.write_folder`, completely
or not at all. ``course-lib validate EVENTS`` reads an event log and prints
its profile, or one clear error; it writes nothing.
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pandas as pd

from course_lib.datasets import (EventLogError, MissingDataError, format_profile, load_events,
                                 load_series, profile_events, without_assignments)
from course_lib.datasets.own_data import how_many
from course_lib.files import FolderNotEmptyError, new_output_folder, write_folder
from course_lib.prep.engines import (ENGINES, BadEngineOption, EngineUnavailable, enough_to_train_and_test,
                                     prepare)
from course_lib.prep.prepared import PreparedData
from course_lib.tasks.settings import (COUNTS, MODEL_KEYS, NEXT_ITEM_MODELS, REPORT_MODELS, TASKS,
                                       ChurnSettings, DemandSettings, ForecastSettings,
                                       IntentSettings, NextItemSettings, Settings, SettingsError,
                                       UpliftSettings)

# The tasks are imported inside the commands that run them ("lazy"), after the input is read:
# they load Keras, JAX and statsmodels (several seconds), which `--help`, `validate` and an
# error in the user's file never need.

EXAMPLES = """examples:
  course-lib validate events.csv --user visitorid --item itemid --time timestamp --time-unit ms
  course-lib validate otto_sample_sessions.jsonl
  course-lib validate datasets/examples/cd_purchases.csv.gz --price amount
  course-lib validate online_retail.csv.gz --user CustomerID --session InvoiceNo \\
      --item StockCode --time InvoiceDate --drop-missing-ids --default-event purchase
"""

FORECAST_EXAMPLES = """examples:
  course-lib forecast daily_sales.csv --time date --value units --season 7 --horizon 7 --out results/
  course-lib forecast online_retail.csv.gz --session InvoiceNo --no-user --item StockCode \\
      --time InvoiceDate --default-event purchase --count sessions --trading-days --season 6 \\
      --horizon 6 --out retail/
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
    g.add_argument("--treatment", metavar="COL",
                   help="column saying who was sent a campaign's coupon or ad (1) or held out (0), "
                        "on each customer's assignment row, empty elsewhere (report's uplift task)")
    r = parser.add_argument_group("reading")
    r.add_argument("--sep", metavar="SEP", help="CSV separator (default: guessed from the header)")
    r.add_argument("--time-unit", choices=["s", "ms", "us", "ns"],
                   help="unit of numeric timestamps (default: guessed from their size)")
    r.add_argument("--time-format", metavar="FMT",
                   help="strftime format of text timestamps, e.g. '%%d/%%m/%%Y %%H:%%M'")
    r.add_argument("--encoding", default="utf-8", help="text encoding (default: utf-8)")
    r.add_argument("--session-gap", default="30min", help="inactivity that ends a session "
                   "when there is no session column (default: 30min)")
    r.add_argument("--drop-missing-ids", action="store_true",
                   help="skip rows with an empty user/session/item id instead of failing")
    r.add_argument("--default-event", metavar="TYPE",
                   help="event type of every row when there is no event column (default: "
                        "guessed and said in a note: purchase when an invoice, order or amount "
                        "column, or quantities other than 1, suggest a sales log; else view)")
    r.add_argument("--clean-sales", action="store_true",
                   help="drop lines with a quantity or price of zero or less (cancellations, "
                        "returns, adjustments); counted in a note")
    r.add_argument("--drop-duplicates", action="store_true",
                   help="drop rows that repeat an earlier row in every column read (the ids, time "
                        "and event type, and price, category, quantity or treatment where mapped); "
                        "counted in a note, which also counts them when they are kept")
    x = parser.add_argument_group("leaving a column out (even when it has a usual name)")
    for keyword in NO_COLUMN:
        x.add_argument(f"--no-{keyword}", action="store_true",
                       help=f"no {keyword} column: {NO_COLUMN[keyword]}")


#: ``--no-KEYWORD``: what the loader does without that column
NO_COLUMN = {
    "user": "each session is its own user (e.g. --session InvoiceNo --no-user)",
    "session": "sessions are cut after --session-gap of inactivity",
    "item": "a purchases table of customer, date and amount (churn and demand only)",
    "event": "every row is a --default-event",
    "price": "the file's price column is ignored",
    "category": "the file's category column is ignored",
    "quantity": "the file's quantity column is ignored",
    "treatment": "the file's treatment column is ignored (no uplift task)",
}


def loader_options(args) -> dict:
    """The loader's options (column mapping and reading) from the parsed arguments."""
    return dict(user=args.user, session=args.session, item=args.item, time=args.time,
                event=args.event, price=args.price, category=args.category,
                quantity=args.quantity, treatment=args.treatment, sep=args.sep, time_unit=args.time_unit,
                time_format=args.time_format, encoding=args.encoding,
                drop_missing_ids=args.drop_missing_ids, default_event=args.default_event,
                exclude=[k for k in NO_COLUMN if getattr(args, f"no_{k}", False)],
                clean_sales=args.clean_sales, drop_duplicates=args.drop_duplicates)


def load_from_args(args, keep_assignments: bool = False):
    """The canonical event table described by the parsed options (without a campaign's
    assignment rows unless ``keep_assignments``: only report's uplift task reads them)."""
    events = load_events(args.events, session_gap=args.session_gap, **loader_options(args))
    return events if keep_assignments else without_assignments(events)


def _print_notes(events) -> None:
    """The loader's notes: every choice it made for the user (validate, report, next-item, forecast)."""
    for note in events.attrs.get("notes", []):
        print(f"  note: {note}", flush=True)


def _next_item_events(args, path):
    """The events of ``path``, notes printed; one clear error without an item column."""
    events = load_from_args(argparse.Namespace(**{**vars(args), "events": path}))
    if events.attrs.get("notes"):   # a heading for the notes; alone it would be a bare "path:"
        print(f"{path}:", flush=True)
    _print_notes(events)
    if "item_id" not in events.columns:
        raise EventLogError("no item column, which next-item recommendation needs: map one "
                            "with --item COL", path=path)
    return events


def cmd_validate(args) -> int:
    events = load_from_args(args)
    print(format_profile(profile_events(events), title=f"{args.events}: valid event log"))
    mapped = ", ".join(f"{k} <- {v}" for k, v in events.attrs.get("columns", {}).items())
    print(f"  {'columns':<12} {mapped}")
    _print_notes(events)
    return 0


def cmd_forecast(args) -> int:
    out = new_output_folder(args.out)
    settings = ForecastSettings(season=args.season, horizon=args.horizon, initial=args.initial,
                                step=args.step, count=args.count, freq=args.freq,
                                trading_days=args.trading_days)
    if args.value:
        values = load_series(args.events, time=args.time or "date", value=args.value, sep=args.sep,
                             time_format=args.time_format, encoding=args.encoding)
    else:
        events = load_from_args(args)
        _print_notes(events)
    # lazy, and only once the input is read: statsmodels loads after a bad file is reported
    from course_lib.tasks.forecast import (forecast_files, forecast_task, series_from_events,
                                           series_from_values)

    if args.value:
        series, what = series_from_values(values, args.value, settings)
        _print_notes(series)   # the loader's and the missing periods'
    else:
        series, what = series_from_events(events, settings)
        _print_notes(series)   # periods without a purchase at the log's ends
    result = forecast_task(series, what, settings, source=str(args.events),
                           progress=not args.quiet, log=_log)
    files = forecast_files(result)
    write_folder(out, files)
    print("validation origins (the model is chosen here):")
    _print_table(result.choice.validation, 3)
    print("test origins (rows in validation order):")
    _print_table(result.leaderboard, 3)
    for note in result.notes:
        print(note)
    print(f"written: {out}/{', '.join(files)}")
    return 0


NEXT_ITEM_EXAMPLES = """examples:
  course-lib next-item events.csv --user visitorid --item itemid --time timestamp --time-unit ms \\
      --test-days 7 --out results/
  course-lib next-item otto_sample_sessions.jsonl --test-days 7 --models pop,markov,sknn --out otto/
  course-lib next-item datasets/online_retail.parquet --session InvoiceNo --no-user --test-days 28 \\
      --models pop,markov --out baskets/
  course-lib next-item --train train.csv --test test.csv --models pop,markov,gru4rec --out split/
"""


def next_item_settings(args, models: str) -> NextItemSettings:
    """The next-item options of ``next-item`` and ``report`` as settings."""
    test_days = NextItemSettings.test_days if args.test_days is None else args.test_days
    return NextItemSettings(models=tuple(models.split(",")), test_days=test_days,
                            valid_days=args.valid_days, budget_s=args.budget_s,
                            max_len=args.max_len, hidden=args.hidden, epochs=args.epochs,
                            max_epochs=args.max_epochs, batch_size=args.batch_size,
                            learning_rate=args.learning_rate, loss=args.loss, seeds=args.seeds,
                            resamples=args.resamples, pretrained=args.pretrained)


def cmd_next_item(args) -> int:
    if args.prepared:
        return _next_item_prepared(args)
    out = new_output_folder(args.out)
    settings = next_item_settings(args, args.models)
    if args.train or args.test:
        if not (args.train and args.test) or args.events:
            raise EventLogError("give either EVENTS, or both --train FILE and --test FILE")
        train_events = _next_item_events(args, args.train)
        test_events = _next_item_events(args, args.test)
        source, history = f"{args.train} + {args.test}", train_events
    elif args.events:
        source = str(args.events)
        history = _next_item_events(args, args.events)
    else:
        raise EventLogError("give an event log (EVENTS) or --train and --test files")
    # lazy, and only once the input is read: a bad file is reported before Keras loads
    from course_lib.evaluate.tuning import chosen_settings_json
    from course_lib.tasks.next_item import leaderboard_task, split_given, split_log

    if args.train:
        split, earlier = split_given(train_events, test_events)
    else:
        split, earlier = split_log(history, settings, source)
    result = leaderboard_task(split, earlier, settings, source=source, progress=not args.quiet,
                              log=_log, history=history)
    board = result.leaderboard
    files = {"leaderboard.csv": lambda p: board.to_csv(p, index=False, float_format="%.4f")}
    if result.tuned:
        chosen = result.tables["chosen_settings"]
        text = json.dumps(chosen_settings_json(result.tuned), indent=1)
        files["chosen_settings.csv"] = lambda p: chosen.to_csv(p, index=False, float_format="%.4f")
        files["chosen_settings.json"] = lambda p: Path(p).write_text(text)
    write_folder(out, files)
    _print_intervals(board)
    for note in result.notes:
        print(note)
    print(f"written: {out}/{', '.join(files)} (leaderboard.csv: every metric with _lower/_upper, "
          "and the differences to the baseline with their intervals)")
    return 0


def _print_intervals(board: pd.DataFrame) -> None:
    """A next-item leaderboard, each number with its interval (the CSV holds every column)."""
    from course_lib.show.intervals import interval_view  # lazy: matplotlib

    if "MRR@20_lower" not in board:
        _print_table(board, 4)
        return
    view = interval_view(board, ("HR@20", "MRR@20"), extra=("train_s",))
    _print_table(view, 2)
    baseline = board.attrs.get("baseline")
    print("[lower, upper]: 95 % interval over test sessions"
          + (f"; * the difference to {baseline} excludes 0" if baseline else "")
          + ("; ± sd over seeds" if "seeds" in board else ""))


def _next_item_prepared(args) -> int:
    """``next-item --prepared DIR``: train from a prepared folder's shards (lesson 10)."""
    # lazy (Keras): see the note at the top
    from course_lib.evaluate.prepared import prepared_leaderboard  # lazy
    from course_lib.models.streaming import data_parallel  # lazy
    from course_lib.tasks.registry import make_models  # lazy

    if args.events or args.train or args.test:
        raise EventLogError("give either EVENTS (or --train/--test), or --prepared DIR, not both")
    if args.pretrained:
        raise EventLogError("--pretrained reads an event log (EVENTS), not a prepared folder")
    out = new_output_folder(args.out)
    data = PreparedData(args.prepared)
    cut_with = data.manifest.get("settings", {}).get("test_days")
    if args.test_days is not None and cut_with is not None and args.test_days != cut_with:   # was ignored
        raise EventLogError(f"--test-days {args.test_days:g}: the folder was cut with its own test "
                            f"window ({cut_with:g} days); prepare it again with --test-days "
                            f"{args.test_days:g} to change it", path=args.prepared)
    enough_to_train_and_test(data.manifest, args.prepared)   # a folder an older version wrote
    settings = replace(next_item_settings(args, args.models), max_len=data.max_len)
    distribution = data_parallel() if args.data_parallel else None
    if distribution is not None:
        devices = len(distribution.device_mesh.devices.ravel())
        if settings.batch_size % devices:
            raise EventLogError(f"--batch-size {settings.batch_size} must be a multiple of the "
                                f"{devices} devices of --data-parallel", column="--batch-size")
        _log(f"data parallel over {devices} device(s)")
    _log(f"{args.prepared}: {data.describe()}")
    board, _ = prepared_leaderboard(data, make_models(settings), progress=not args.quiet,
                                    distribution=distribution, log=_log)
    write_folder(out, {"leaderboard.csv": lambda p: board.to_csv(p, index=False, float_format="%.4f")})
    _print_intervals(board)
    if board.attrs.get("baseline"):
        from course_lib.evaluate.next_item import verdict  # lazy

        print(f"differences are relative to {board.attrs['baseline']}, {board.attrs['baseline_note']}")
        print(verdict(board, ("pop", "markov", "sknn", "vsknn", "stan")))
    print(f"written: {out}/leaderboard.csv")
    return 0


PREPARE_EXAMPLES = """examples:
  course-lib prepare events.parquet --out prepared/                      # pandas, in memory
  course-lib prepare big.parquet --engine duckdb --memory-limit 4GB --out prepared/
  course-lib prepare big.parquet --engine spark --out prepared/           # Java 17 + pyspark
  course-lib next-item --prepared prepared/ --models pop,markov,gru4rec --out results/
"""


def cmd_prepare(args) -> int:
    """``prepare EVENTS --engine ... --out DIR``: windows and prefixes as Parquet shards (lesson 10)."""
    if args.treatment:
        raise SettingsError("prepare reads events for next-item training; a campaign's treatment "
                            "column is for `course-lib report` (its uplift task)")
    if args.max_len < 1:
        raise SettingsError(f"--max-len must be a whole number of at least 1, got {args.max_len}")
    if not args.test_days > 0:
        raise SettingsError(f"--test-days must be positive, got {args.test_days:g}")
    options = loader_options(args)
    del options["treatment"]
    options["exclude"] = [*options["exclude"], "treatment"]   # never read as events
    out = new_output_folder(args.out)
    manifest = prepare(args.events, out, engine=args.engine, test_days=args.test_days,
                       max_len=args.max_len, session_gap=args.session_gap,
                       memory_limit=args.memory_limit, threads=args.threads,
                       scratch=args.scratch, log=None if args.quiet else _log, **options)
    c = manifest["counts"]
    print(f"{args.events} ({manifest['engine']}): cut {manifest['cut']}; "
          f"{how_many(c['train_sessions'], 'training session', 'training sessions')} -> "
          f"{how_many(c['windows'], 'window', 'windows')}, "
          f"{how_many(c['test_sessions'], 'test session', 'test sessions')} -> "
          f"{how_many(c['prefixes'], 'prefix', 'prefixes')}, "
          f"{how_many(c['items'], 'item', 'items')}, in {manifest['total_seconds']:.1f} s")
    for note in manifest.get("notes", []):
        print(f"  note: {note}")
    files = len(manifest["shards"]["train"]) + len(manifest["shards"]["test"])
    print(f"written: {out}/ (manifest.json, vocabulary.parquet, {files} shards)")
    return 0


REPORT_EXAMPLES = """examples:
  course-lib report shop_events.csv --out shop_report/
  course-lib report online_retail.csv.gz --user CustomerID --session InvoiceNo --item StockCode \\
      --time InvoiceDate --price UnitPrice --quantity Quantity --default-event purchase \\
      --drop-missing-ids --test-days 28 --out retail_report/
  course-lib report otto_sample_sessions.jsonl --test-days 7 --tasks next-item,intent --out otto_report/
  course-lib report events.csv --models pop,markov,sknn --quiet --out quick_report/
"""


def report_settings(args) -> Settings:
    """The options of ``report`` as settings."""
    return Settings(
        tasks=tuple(args.tasks.split(",")),
        next_item=next_item_settings(args, args.models),
        intent=IntentSettings(k=args.intent_k, test_days=args.test_days),
        churn=ChurnSettings(horizon_days=args.churn_days),
        demand=DemandSettings(season=args.season, horizon=args.horizon,
                              underage_cost=args.shortage_cost, overage_cost=args.leftover_cost),
        uplift=UpliftSettings(window_days=args.uplift_days, margin=args.margin,
                              coupon_cost=args.coupon_cost, send_cost=args.send_cost))


def cmd_report(args) -> int:
    import matplotlib

    matplotlib.use("Agg")  # figures are only saved: no window, before pyplot is loaded
    out = new_output_folder(args.out)
    settings = report_settings(args)
    events = load_from_args(args, keep_assignments=True)
    # lazy, and only once the input is read: a bad file is reported before Keras loads
    from course_lib.tasks.report import report_files, run_tasks

    items = (how_many(events["item_id"].nunique(), "item", "items") if "item_id" in events
             else "no item column")
    _log(f"{args.events}: {how_many(len(events), 'event', 'events')}, "
         f"{how_many(events['session_id'].nunique(), 'session', 'sessions')}, "
         f"{items}, {events['timestamp'].min():%Y-%m-%d} to {events['timestamp'].max():%Y-%m-%d}")
    _print_notes(events)
    results = run_tasks(events, settings, progress=not args.quiet, log=_log)
    files = report_files(str(args.events), events, results, save_model=not args.no_model,
                         max_len=settings.next_item.max_len)
    write_folder(out, files)
    for r in results:
        if r.skipped:
            print(f"\n{r.title}: skipped, {r.skipped}")
            continue
        for name, table in r.tables.items():
            if name.endswith("breakdown") or name == "chosen_settings":
                continue  # in the CSV and the summary; too long for the terminal
            print(f"\n{r.title}: {name.replace('_', ' ')}")
            if name == "next_item_leaderboard":
                _print_intervals(table)
            else:
                _print_table(table, 4)
    from course_lib.tasks.trust import trust_lines  # lazy, as above

    print("\nHow far to trust these numbers (also in summary.md):")
    print("\n".join(trust_lines(results, events)))
    print(f"\nwritten: {out}/ ({', '.join(sorted(files))})")
    return 0


def _log(message: str) -> None:
    print(message, flush=True)


def _print_table(table: pd.DataFrame, digits: int) -> None:
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(table.round(digits).to_string(index=False))


def _add_next_item_model_options(parser: argparse.ArgumentParser, default_models: tuple) -> None:
    """The next-item models and their settings (``next-item`` and ``report``); defaults from
    :class:`~course_lib.tasks.settings.NextItemSettings`."""
    d = NextItemSettings()
    models = ",".join(default_models)
    parser.add_argument("--valid-days", type=float, default=d.valid_days, metavar="V",
                        help="validation window just before the test: every model is tuned on it "
                             f"(default {d.valid_days:g} days; 0: no tuning)")
    parser.add_argument("--budget-s", type=float, default=d.budget_s, metavar="S",
                        help=f"seconds for tuning all models on the validation window and refitting the "
                             f"chosen settings (default {d.budget_s:g}; 0: no tuning, the settings as "
                             "given). Each model gets an equal share of what is left when its turn "
                             "comes, less the refits expected of the models before it; when time runs "
                             "out a model keeps the best setting so far, and the output says so. "
                             "The chosen settings are written to chosen_settings.csv/.json (not "
                             "with 0: nothing is chosen)")
    parser.add_argument("--models", default=models,
                        help=f"comma-separated next-item models, from: {', '.join(MODEL_KEYS)} "
                             f"(default {models}; srgnn and sasrec are the slowest)")
    parser.add_argument("--learning-rate", type=float, default=d.learning_rate,
                        help=f"Adam learning rate (default {d.learning_rate:g}; tuning starts here "
                             f"and also tries {', '.join(f'{v:g}' for v in d.learning_rates if v != d.learning_rate)})")
    parser.add_argument("--hidden", type=int, default=d.hidden,
                        help=f"hidden units / embedding size of the neural models (default {d.hidden}; "
                             f"tuning starts here and also tries {', '.join(str(v) for v in d.sizes if v != d.hidden)})")
    parser.add_argument("--loss", default=d.loss, choices=["auto", "softmax", "sampled", "bpr-max"],
                        help="training loss of the neural models (default auto: full softmax up to "
                             "2,000 items, cross-entropy over sampled candidates above; tuning also "
                             "tries bpr-max)")
    parser.add_argument("--max-epochs", type=int, default=d.max_epochs,
                        help=f"with tuning: the most epochs a neural model trains (default "
                             f"{d.max_epochs}); early stopping on validation chooses fewer, and the "
                             "batch size follows the number of training examples")
    parser.add_argument("--epochs", type=int, default=d.epochs,
                        help=f"without tuning (--budget-s 0): training epochs of gru4rec/lstm/sasrec "
                             f"(default {d.epochs}; srgnn trains 2/3 as many on batches twice as "
                             f"large; sasrec has {d.sasrec_blocks} block)")
    parser.add_argument("--batch-size", type=int, default=d.batch_size,
                        help=f"without tuning: the training batch size (default {d.batch_size})")
    parser.add_argument("--max-len", type=int, default=d.max_len,
                        help=f"prefix length kept (default {d.max_len})")
    parser.add_argument("--seeds", type=int, default=d.seeds, metavar="N",
                        help=f"train each neural model N times with seeds 0..N-1 and the chosen "
                             f"settings; the leaderboard gives the mean and the spread over seeds "
                             f"beside the bootstrap interval (default {d.seeds})")
    parser.add_argument("--resamples", type=int, default=d.resamples, metavar="R",
                        help=f"bootstrap resamples of the test sessions for the 95 %% intervals "
                             f"(default {d.resamples}; 0: no intervals)")
    parser.add_argument("--pretrained", action="store_true",
                        help="add lesson 08's behaviour model (key 'behaviour'): a transformer "
                             "pretrained on this log's views, carts and purchases before the "
                             "validation window (next-action prediction), then fine-tuned for next "
                             "items and tuned like the other neural models. Off by default: in lesson "
                             "08 it beat SASRec on the synthetic shop, not the GRU, and its "
                             "pretraining adds time outside --budget-s. When it is the best on "
                             "validation, it is saved as the report's model, as any other")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="course-lib", description="Tools of the e-commerce behaviour-prediction workbook.",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLES)
    fd, ni, it, dm = ForecastSettings(), NextItemSettings(), IntentSettings(), DemandSettings()
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("validate", help="check an event log and print its profile (writes nothing)",
                       formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLES,
                       description="Read an event log (CSV, CSV.gz, Parquet, JSON Lines), check it "
                                   "and print rows, users, sessions, items, time span and event "
                                   "types. Exits 0 if valid, 2 with one clear error otherwise.")
    v.add_argument("events", help="the event log file")
    _add_mapping_options(v)
    v.set_defaults(func=cmd_validate)

    f = sub.add_parser("forecast", help="rolling-origin forecast leaderboard of a daily series",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog=FORECAST_EXAMPLES,
                       description="Evaluate the benchmarks (mean, naive, seasonal naive, drift) "
                                   "and the ARMA family on a series under rolling-origin "
                                   "evaluation. The input is a series (give --value) or an event "
                                   "log, aggregated per day. The model is chosen on the earlier "
                                   "half of the origins (validation) and reported on the later half "
                                   "(test). Writes OUT/leaderboard.csv (test origins: model, MAE, "
                                   "RMSE, MASE, skill, coverage, fit seconds, 95 % intervals), "
                                   "validation.csv, forecasts.csv, series.csv and forecast.png into "
                                   "a new folder, completely or not at all, and prints both tables.")
    f.add_argument("events", metavar="SERIES_OR_EVENTS", help="a series file or an event log")
    f.add_argument("--value", metavar="COL", help="the value column of a series file "
                   "(its time column is --time, default 'date')")
    f.add_argument("--count", default=fd.count, choices=COUNTS,
                   help=f"what to count per day in an event log (default: {fd.count}; purchases "
                        "only when the log has any)")
    f.add_argument("--freq", default=fd.freq, help=f"aggregation frequency (default {fd.freq}, daily)")
    f.add_argument("--season", type=int, default=fd.season, metavar="M",
                   help=f"seasonal period m for seasonal naive, SARIMA and MASE (default {fd.season})")
    f.add_argument("--horizon", type=int, default=fd.horizon, metavar="H",
                   help=f"steps ahead (default {fd.horizon})")
    f.add_argument("--initial", type=int, metavar="N",
                   help=f"length of the first training window (default: {fd.initial_share * 100:.0f}%% of "
                        f"the series, less where that leaves too few values for the origins, at "
                        f"least {fd.initial_seasons} seasons)")
    f.add_argument("--step", type=int, metavar="S", help="origin step (default: the horizon)")
    f.add_argument("--trading-days", action="store_true",
                   help="drop days with a zero value (a shop that was closed)")
    f.add_argument("--out", required=True, metavar="DIR", help="new folder for the results")
    f.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_mapping_options(f)
    f.set_defaults(func=cmd_forecast)

    n = sub.add_parser("next-item", help="next-item recommendation leaderboard under the course's protocol",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog=NEXT_ITEM_EXAMPLES,
                       description="Split an event log in time (the last --test-days are the test), "
                                   "predict every next item of every test session from its prefix, "
                                   "rank it against every training item (ties count against it) and "
                                   "write OUT/leaderboard.csv (model, HR@10, HR@20, MRR@20, NDCG@10, "
                                   "train_s, predict_s, params; each metric M with M_lower and "
                                   "M_upper, a 95 % interval from a paired bootstrap over test "
                                   "sessions; M_vs_B, the relative difference to the best simple "
                                   "baseline B chosen on validation, with its interval and "
                                   "M_vs_B_excludes_0; with --seeds N the spread over seeds). Every model is first tuned on the "
                                   "--valid-days before the test, within --budget-s seconds, and "
                                   "refitted with its chosen settings, which go to "
                                   "OUT/chosen_settings.csv and .json. Data already split: --train "
                                   "and --test (the validation window is then the end of --train). "
                                   "Logs without an event-type column are read as views.")
    n.add_argument("events", nargs="?", metavar="EVENTS", help="the event log (or use --train/--test)")
    n.add_argument("--train", metavar="FILE", help="training events, when the data arrives split")
    n.add_argument("--test", metavar="FILE", help="test events, when the data arrives split")
    n.add_argument("--prepared", metavar="DIR", help="train from a folder that course-lib prepare "
                   "wrote (Keras models read its shards as a stream; --max-len is the folder's)")
    n.add_argument("--data-parallel", action="store_true", help="with --prepared: train the Keras "
                   "models on every device Keras sees (keras.distribution.DataParallel)")
    n.add_argument("--test-days", type=float, metavar="D",   # None: not given (see --prepared)
                   help=f"test window (default {ni.test_days:g} days; with --prepared, the folder's)")
    _add_next_item_model_options(n, NEXT_ITEM_MODELS)
    n.add_argument("--out", required=True, metavar="DIR", help="new folder for the results")
    n.add_argument("--quiet", action="store_true", help="no progress bars")
    _add_mapping_options(n)
    n.set_defaults(func=cmd_next_item)

    pr = sub.add_parser("prepare", help="prepare an event log for next-item training: Parquet "
                        "shards of windows and prefixes (pandas, DuckDB or Spark)",
                        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=PREPARE_EXAMPLES,
                        description="Sessionise, split in time (the last --test-days are the test), "
                                    "build the item vocabulary from training, and write the training "
                                    "windows and test prefixes as Parquet shards with manifest.json "
                                    "into a new folder, completely or not at all. The engines give "
                                    "identical results: pandas (in memory, every row checked by the "
                                    "loader), duckdb (out of core on one machine), spark (local mode "
                                    "here, a cluster with spark-submit). duckdb and spark need "
                                    "pip install 'course-lib[scale]'; spark also Java 17.")
    pr.add_argument("events", metavar="EVENTS", help="the event log (Parquet or CSV; pandas also JSON Lines)")
    pr.add_argument("--engine", default="pandas", choices=ENGINES, help="default: pandas")
    pr.add_argument("--out", required=True, metavar="DIR", help="new folder for the prepared data")
    pr.add_argument("--test-days", type=float, default=7, metavar="D", help="test window (default 7 days)")
    pr.add_argument("--max-len", type=int, default=10, help="prefix length kept (default 10)")
    pr.add_argument("--memory-limit", metavar="SIZE", help="duckdb: buffer pool (default 3GB); "
                    "spark: driver memory (default 2g)")
    pr.add_argument("--threads", type=int, metavar="N", help="duckdb/spark threads (default: all cores)")
    pr.add_argument("--scratch", metavar="DIR", help="where duckdb/spark keep intermediate data "
                    "(default: beside --out; removed afterwards)")
    pr.add_argument("--quiet", action="store_true", help="no progress lines")
    _add_mapping_options(pr)
    pr.set_defaults(func=cmd_prepare)

    r = sub.add_parser("report", help="the case study's tasks on an event log: tables, figures, summary",
                       formatter_class=argparse.RawDescriptionHelpFormatter, epilog=REPORT_EXAMPLES,
                       description="Run lesson 09's tasks that the data supports: next-item "
                                   "recommendation (leaderboard and breakdown), purchase intent "
                                   "(needs views or carts and purchases), churn (needs purchases "
                                   "over a long enough span) and demand with stock costs (needs "
                                   "purchases), and uplift with a budget table (needs a treatment column: a randomised campaign's assignment rows). A task the data cannot support is skipped and the "
                                   "reason is printed. Writes DIR with the leaderboards as CSV, the "
                                   "figures as PNG, summary.md (one page), the settings chosen on "
                                   "validation (chosen_settings.csv/.json), and the next-item model "
                                   "best on validation, neural or not (model/, loadable with "
                                   "course_lib.models.serving.load_recommender) with model_card.md; "
                                   "completely or not at all.")
    r.add_argument("events", metavar="EVENTS", help="the event log (CSV, CSV.gz, Parquet, JSON Lines)")
    r.add_argument("--out", required=True, metavar="DIR", help="new folder for the report")
    tasks = ", ".join(t.replace("_", "-") for t in TASKS)
    r.add_argument("--tasks", default=tasks.replace(" ", ""),
                   help=f"comma-separated subset of {tasks} (default: all)")
    r.add_argument("--test-days", type=float, default=ni.test_days, metavar="D",
                   help=f"test window of next-item and intent (default {ni.test_days:g} days)")
    _add_next_item_model_options(r, REPORT_MODELS)
    r.add_argument("--intent-k", type=int, default=it.k, metavar="K",
                   help=f"purchase intent is predicted after a session's first K events (default {it.k})")
    r.add_argument("--churn-days", type=int, metavar="N",
                   help="churn = no purchase in the next N days (default: 90 with a year of data, "
                        "else a quarter of the span)")
    r.add_argument("--season", type=int, default=dm.season, metavar="M",
                   help=f"seasonal period of daily demand (default {dm.season})")
    r.add_argument("--horizon", type=int, default=dm.horizon, metavar="H",
                   help=f"days ordered for at a time (default {dm.horizon})")
    r.add_argument("--shortage-cost", type=float, default=dm.underage_cost, metavar="CU",
                   help=f"money lost per unit of demand not in stock (default {dm.underage_cost:g})")
    r.add_argument("--leftover-cost", type=float, default=dm.overage_cost, metavar="CO",
                   help=f"money lost per unit left over (default {dm.overage_cost:g})")
    up = UpliftSettings()
    r.add_argument("--uplift-days", type=int, default=up.window_days, metavar="N",
                   help=f"uplift: a customer responds by buying within N days of the assignment "
                        f"(default {up.window_days})")
    r.add_argument("--margin", type=float, default=up.margin, metavar="M",
                   help=f"uplift: money earned per purchase, before the coupon (default {up.margin:g})")
    r.add_argument("--coupon-cost", type=float, default=up.coupon_cost, metavar="C",
                   help=f"uplift: value of a coupon redeemed with a purchase (default {up.coupon_cost:g})")
    r.add_argument("--send-cost", type=float, default=up.send_cost, metavar="S",
                   help=f"uplift: cost of sending one coupon or ad (default {up.send_cost:g})")
    r.add_argument("--no-model", action="store_true", help="do not save the next-item model")
    r.add_argument("--quiet", action="store_true", help="no progress bars")
    _add_mapping_options(r)
    r.set_defaults(func=cmd_report)
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM (a ``kill``, a job scheduler's stop), raised like Ctrl-C so that a half-written
    output folder is removed on the way out (:func:`course_lib.files.write_folder`)."""


_TERMINATED = threading.Event()   # set by SIGTERM: an engine may turn Terminated into its own error


def _raise_terminated(signum, frame):
    _TERMINATED.set()
    raise Terminated()


def _os_error_sentence(exc: OSError) -> str:
    """One sentence for a file-system error: the path, and what went wrong."""
    if exc.filename is None:
        return str(exc)
    return f"{exc.filename}: {exc.strerror or exc} (nothing was written)"


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    in_main_thread = threading.current_thread() is threading.main_thread()
    before = signal.signal(signal.SIGTERM, _raise_terminated) if in_main_thread else None
    _TERMINATED.clear()
    try:
        return args.func(args)
    except (EventLogError, MissingDataError, FolderNotEmptyError, SettingsError,
            EngineUnavailable, BadEngineOption) as exc:
        print(f"course-lib: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:   # a folder that cannot be written, a disk that is full...
        print(f"course-lib: error: {_os_error_sentence(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:   # Ctrl-C, or SIGTERM (Terminated)
        out = getattr(args, "out", None)
        written = out is not None and Path(out).is_dir() and any(Path(out).iterdir())
        where = "" if out is None else f"; {out} was written" if written else f"; nothing written to {out}"
        print(f"course-lib: interrupted{where}", file=sys.stderr)
        return 143 if isinstance(exc, Terminated) or _TERMINATED.is_set() else 130
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, signal.SIG_DFL if before is None else before)


if __name__ == "__main__":
    sys.exit(main())
