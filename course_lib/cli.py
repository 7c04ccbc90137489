"""The ``course-lib`` command line (also ``python -m course_lib``).

It only composes the library's layers; every step it runs is one a lesson
shows. ``course-lib validate EVENTS`` reads an event log and prints its
profile, or one clear error; it writes nothing.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXAMPLES = """examples:
  course-lib validate events.csv --user visitorid --item itemid --time timestamp --time-unit ms
  course-lib validate otto_sample_sessions.jsonl
  course-lib validate online_retail.csv.gz --user CustomerID --session InvoiceNo \\
      --item StockCode --time InvoiceDate --drop-missing-ids --default-event purchase
"""

FORECAST_EXAMPLES = """examples:
  course-lib forecast daily_sales.csv --time date --value units --season 7 --horizon 7 --out results/
  course-lib forecast online_retail.csv.gz --session InvoiceNo --item StockCode --time InvoiceDate \\
      --default-event purchase --count sessions --trading-days --season 6 --horizon 6 --out retail/
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


def loader_options(args) -> dict:
    """The loader's options (column mapping and reading) from the parsed arguments."""
    return dict(user=args.user, session=args.session, item=args.item, time=args.time,
                event=args.event, price=args.price, category=args.category,
                quantity=args.quantity, sep=args.sep, time_unit=args.time_unit,
                time_format=args.time_format, encoding=args.encoding,
                drop_missing_ids=args.drop_missing_ids, default_event=args.default_event)


def load_from_args(args):
    """The canonical event table described by the parsed options."""
    from course_lib.datasets import load_events

    return load_events(args.events, session_gap=args.session_gap, **loader_options(args))


def cmd_validate(args) -> int:
    from course_lib.datasets import format_profile, profile_events

    events = load_from_args(args)
    print(format_profile(profile_events(events), title=f"{args.events}: valid event log"))
    mapped = ", ".join(f"{k} <- {v}" for k, v in events.attrs.get("columns", {}).items())
    print(f"  {'columns':<12} {mapped}")
    for note in events.attrs.get("notes", []):
        print(f"  note: {note}")
    return 0


_PERIOD = {"D": "day", "W": "week", "M": "month", "MS": "month", "ME": "month"}


def _series_from_args(args):
    """The series to forecast: read as it is (--value) or aggregated from events."""
    from course_lib.datasets import load_series
    from course_lib.prep import daily_series, trading_days

    if args.value:
        series = load_series(args.events, time=args.time or "date", value=args.value,
                             sep=args.sep, time_format=args.time_format, encoding=args.encoding)
        series = series.resample(args.freq).sum()
        what = f"{args.value} per {_PERIOD.get(args.freq.upper(), args.freq)}"
    else:
        events = load_from_args(args)
        has_purchases = (events["event_type"] == "purchase").any()
        kind = "purchase" if has_purchases else None
        series = daily_series(events, event_type=kind, value=args.count, freq=args.freq)
        what = (f"{args.count} of {'purchase' if kind else 'all'} events per "
                f"{_PERIOD.get(args.freq.upper(), args.freq)}")
    if args.trading_days:
        series = trading_days(series)
        what += ", trading days only"
    return series.rename("value"), what


def _new_output_folder(path) -> Path:
    """``--out``: a folder that does not exist yet, or is empty (checked before any work)."""
    from course_lib.datasets import EventLogError

    out = Path(path)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise EventLogError("exists and is not an empty folder; choose a new --out", path=out)
    return out


def _write_all_or_nothing(out: Path, files: dict) -> None:
    """Write ``files`` (name -> callable(path)) into a new folder ``out``, atomically."""
    import shutil
    import tempfile

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        for name, write in files.items():
            write(tmp / name)
        if out.exists():
            out.rmdir()  # empty (checked before any work)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def cmd_forecast(args) -> int:
    from course_lib.datasets import EventLogError

    out = _new_output_folder(args.out)
    series, what = _series_from_args(args)
    m, h = args.season, args.horizon
    initial = args.initial or max(3 * m, int(0.6 * len(series)))
    if len(series) < initial + h or initial <= 2 * m:
        raise EventLogError(f"the series has {len(series)} values ({what}); rolling-origin "
                            f"evaluation needs more than {max(initial, 2 * m) + h} "
                            f"(initial window + horizon {h})", path=args.events)

    from course_lib.evaluate.rolling import leaderboard, rolling_origin
    from course_lib.models.forecasters import standard_forecasters, weekday_indicators

    exog = weekday_indicators(series.index) if args.freq.upper() == "D" else None
    columns = list(exog.columns) if exog is not None and exog.shape[1] else None
    models = standard_forecasters(series.iloc[:initial].to_numpy(), m, weekday_columns=columns)
    print(f"{args.events}: {len(series)} values ({what}), {series.index[0]:%Y-%m-%d} to "
          f"{series.index[-1]:%Y-%m-%d}; initial window {initial}, horizon {h}, step "
          f"{args.step or h}, seasonal period m={m}", flush=True)
    result = rolling_origin(series, models, horizon=h, initial=initial, m=m, step=args.step,
                            exog=exog, progress=not args.quiet)
    board = leaderboard(result)

    def write_plot(path):
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from course_lib.show.plots import plot_rolling_forecasts

        fig, ax = plt.subplots(figsize=(12, 4))
        names = list(dict.fromkeys([board["model"].iloc[0], f"seasonal naive (m={m})"]))
        plot_rolling_forecasts(series, result.forecasts, names, ax=ax,
                               title=f"{Path(args.events).name}: {what}")
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)

    _write_all_or_nothing(out, {
        "leaderboard.csv": lambda p: board.to_csv(p, index=False, float_format="%.4f"),
        "forecasts.csv": lambda p: result.forecasts.to_csv(p, index=False, float_format="%.4f"),
        "series.csv": lambda p: series.rename_axis("date").to_csv(p),
        "forecast.png": write_plot,
    })
    with pd_options():
        print(board.round(3).to_string(index=False))
    best = board.iloc[0]
    skill = f", skill {best['skill']:+.1%} against seasonal naive" if "skill" in board else ""
    print(f"best: {best['model']} with MASE(m={m}) {best[f'MASE(m={m})']:.3f}{skill}")
    print(f"written: {out}/leaderboard.csv, forecasts.csv, series.csv, forecast.png")
    return 0


NEXT_ITEM_EXAMPLES = """examples:
  course-lib next-item events.csv --user visitorid --item itemid --time timestamp --time-unit ms \\
      --test-days 7 --out results/
  course-lib next-item otto_sample_sessions.jsonl --test-days 7 --models pop,markov,sknn --out otto/
  course-lib next-item --train train.csv --test test.csv --models pop,markov,gru4rec --out split/
"""

def _settings_from_args(args, names):
    from course_lib.report import NextItemSettings

    return NextItemSettings(models=tuple(names), max_len=args.max_len, hidden=args.hidden,
                            epochs=args.epochs, batch_size=args.batch_size,
                            learning_rate=args.learning_rate)


def _model_names(text: str) -> list[str]:
    from course_lib.datasets import EventLogError
    from course_lib.report import NEXT_ITEM_MODELS

    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in NEXT_ITEM_MODELS]
    if unknown or not names:
        raise EventLogError(f"unknown model(s) {unknown}; choose from {', '.join(NEXT_ITEM_MODELS)}",
                            column="--models")
    return names


def cmd_next_item(args) -> int:
    from course_lib.datasets import EventLogError
    from course_lib.evaluate.next_item import LEADERBOARD_COLUMNS
    from course_lib.prep.next_item import next_item_split, sequence_events, split_sessions
    from course_lib.report import next_item_leaderboard, tune_sknn

    if args.prepared:
        return _next_item_prepared(args)
    out = _new_output_folder(args.out)
    settings = _settings_from_args(args, _model_names(args.models))
    if args.train or args.test:
        if not (args.train and args.test) or args.events:
            raise EventLogError("give either EVENTS, or both --train FILE and --test FILE")
        args.events = args.train
        train_events = sequence_events(load_from_args(args))
        args.events = args.test
        test_events = sequence_events(load_from_args(args))
        source = f"{args.train} + {args.test}"
        split = split_sessions(train_events, test_events)
        earlier = train_events
    else:
        if not args.events:
            raise EventLogError("give an event log (EVENTS) or --train and --test files")
        events = sequence_events(load_from_args(args))
        source = str(args.events)
        split = next_item_split(events, args.test_days, event_types=None)
        earlier = events[events["timestamp"] < split.cut]
    if len(split.train) < 2 or len(split.test) < 1:
        raise EventLogError(f"too little data for the protocol: {split.describe()}; try another "
                            "--test-days", path=source)
    print(f"{source}: {split.describe()}", flush=True)
    tune_sknn(earlier, args.valid_days, settings, log=_log)
    board, _ = next_item_leaderboard(split, settings, progress=not args.quiet, log=_log)
    _write_all_or_nothing(out, {
        "leaderboard.csv": lambda p: board[LEADERBOARD_COLUMNS].to_csv(p, index=False, float_format="%.4f"),
    })
    with pd_options():
        print(board.round(4).to_string(index=False))
    print(f"written: {out}/leaderboard.csv")
    return 0


def _next_item_prepared(args) -> int:
    """``next-item --prepared DIR``: train from a prepared folder's shards (issue 18)."""
    from dataclasses import replace

    from course_lib.datasets import EventLogError
    from course_lib.evaluate.next_item import LEADERBOARD_COLUMNS
    from course_lib.evaluate.prepared import prepared_leaderboard
    from course_lib.prep.prepared import PreparedData
    from course_lib.report import make_next_item_models

    if args.events or args.train or args.test:
        raise EventLogError("give either EVENTS (or --train/--test), or --prepared DIR, not both")
    out = _new_output_folder(args.out)
    data = PreparedData(args.prepared)
    settings = replace(_settings_from_args(args, _model_names(args.models)), max_len=data.max_len)
    distribution = None
    if args.data_parallel:
        from course_lib.models.streaming import data_parallel

        distribution = data_parallel()
        devices = len(distribution.device_mesh.devices.ravel())
        if settings.batch_size % devices:
            raise EventLogError(f"--batch-size {settings.batch_size} must be a multiple of the "
                                f"{devices} devices of --data-parallel", column="--batch-size")
        _log(f"data parallel over {devices} device(s)")
    _log(f"{args.prepared}: {data.describe()}")
    board, _ = prepared_leaderboard(data, make_next_item_models(settings),
                                    progress=not args.quiet, distribution=distribution, log=_log)
    _write_all_or_nothing(out, {
        "leaderboard.csv": lambda p: board[LEADERBOARD_COLUMNS].to_csv(p, index=False, float_format="%.4f"),
    })
    with pd_options():
        print(board.round(4).to_string(index=False))
    print(f"written: {out}/leaderboard.csv")
    return 0


PREPARE_EXAMPLES = """examples:
  course-lib prepare events.parquet --out prepared/                      # pandas, in memory
  course-lib prepare big.parquet --engine duckdb --memory-limit 4GB --out prepared/
  course-lib prepare big.parquet --engine spark --out prepared/           # Java 17 + pyspark
  course-lib next-item --prepared prepared/ --models pop,markov,gru4rec --out results/
"""


def cmd_prepare(args) -> int:
    """``prepare EVENTS --engine ... --out DIR``: windows and prefixes as Parquet shards (issue 18)."""
    from course_lib.prep.engines import prepare

    out = _new_output_folder(args.out)
    manifest = prepare(args.events, out, engine=args.engine, test_days=args.test_days,
                       max_len=args.max_len, session_gap=args.session_gap,
                       memory_limit=args.memory_limit, threads=args.threads,
                       scratch=args.scratch, log=None if args.quiet else _log,
                       **loader_options(args))
    c = manifest["counts"]
    print(f"{args.events} ({manifest['engine']}): cut {manifest['cut']}; "
          f"{c['train_sessions']:,} training sessions -> {c['windows']:,} windows, "
          f"{c['test_sessions']:,} test sessions -> {c['prefixes']:,} prefixes, "
          f"{c['items']:,} items, in {manifest['total_seconds']:.1f} s")
    for note in manifest.get("notes", []):
        print(f"  note: {note}")
    files = len(manifest["shards"]["train"]) + len(manifest["shards"]["test"])
    print(f"written: {out}/ (manifest.json, vocabulary.parquet, {files} shards)")
    return 0


def _log(message: str) -> None:
    print(message, flush=True)


REPORT_EXAMPLES = """examples:
  course-lib report shop_events.csv --out shop_report/
  course-lib report online_retail.csv.gz --user CustomerID --session InvoiceNo --item StockCode \\
      --time InvoiceDate --price UnitPrice --quantity Quantity --default-event purchase \\
      --drop-missing-ids --test-days 28 --out retail_report/
  course-lib report otto_sample_sessions.jsonl --test-days 7 --tasks next-item,intent --out otto_report/
  course-lib report events.csv --models pop,markov,sknn --quiet --out quick_report/
"""


def cmd_report(args) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from course_lib.datasets import EventLogError
    from course_lib.report import TASKS, run_tasks, report_files

    out = _new_output_folder(args.out)
    tasks = [t.strip().replace("-", "_") for t in args.tasks.split(",") if t.strip()]
    unknown = [t for t in tasks if t not in TASKS]
    if unknown or not tasks:
        raise EventLogError(f"unknown task(s) {unknown}; choose from "
                            f"{', '.join(t.replace('_', '-') for t in TASKS)}", column="--tasks")
    settings = _settings_from_args(args, _model_names(args.models))
    events = load_from_args(args)
    _log(f"{args.events}: {len(events):,} events, {events['session_id'].nunique():,} sessions, "
         f"{events['item_id'].nunique():,} items, {events['timestamp'].min():%Y-%m-%d} to "
         f"{events['timestamp'].max():%Y-%m-%d}")
    results = run_tasks(events, tasks=tasks, test_days=args.test_days, valid_days=args.valid_days,
                        settings=settings, intent_k=args.intent_k, churn_days=args.churn_days,
                        season=args.season, horizon=args.horizon, underage_cost=args.shortage_cost,
                        overage_cost=args.leftover_cost, progress=not args.quiet, log=_log)
    files = report_files(str(args.events), events, results, save_model=not args.no_model)
    _write_all_or_nothing(out, files)
    with pd_options():
        for r in results:
            if r.skipped:
                print(f"\n{r.title}: skipped, {r.skipped}")
                continue
            for name, table in r.tables.items():
                if name.endswith("breakdown"):
                    continue  # in the CSV and the summary; too long for the terminal
                print(f"\n{r.title}: {name.replace('_', ' ')}")
                print(table.round(4).to_string(index=False))
    print(f"\nwritten: {out}/ ({', '.join(sorted(files))})")
    return 0


def pd_options():
    import pandas as pd

    return pd.option_context("display.width", 160, "display.max_columns", 20)


def _add_next_item_model_options(parser: argparse.ArgumentParser, default_models: str) -> None:
    """The next-item models and their settings (``next-item`` and ``report``)."""
    parser.add_argument("--valid-days", type=float, default=7, metavar="V",
                        help="validation window before the test, for tuning session-kNN "
                             "(default 7; 0: no tuning)")
    parser.add_argument("--models", default=default_models,
                        help="comma-separated next-item models, from: pop, markov, sknn, gru4rec, "
                             f"lstm, srgnn, sasrec (default {default_models}; srgnn and sasrec "
                             "are the slowest)")
    parser.add_argument("--epochs", type=int, default=6,
                        help="training epochs of gru4rec/lstm/sasrec (default 6; srgnn trains 2/3 "
                             "as many on batches twice as large; sasrec has one block)")
    parser.add_argument("--hidden", type=int, default=64,
                        help="hidden units / embedding size of the neural models (default 64)")
    parser.add_argument("--max-len", type=int, default=10, help="prefix length kept (default 10)")
    parser.add_argument("--batch-size", type=int, default=256, help="training batch size (default 256)")
    parser.add_argument("--learning-rate", type=float, default=1e-2,
                        help="Adam learning rate (default 0.01, chosen on lesson 05's validation window)")


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

    f = sub.add_parser("forecast", help="rolling-origin forecast leaderboard of a daily series",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog=FORECAST_EXAMPLES,
                       description="Evaluate the benchmarks (mean, naive, seasonal naive, drift) "
                                   "and the ARMA family on a series under rolling-origin "
                                   "evaluation. The input is a series (give --value) or an event "
                                   "log, aggregated per day. Writes OUT/leaderboard.csv "
                                   "(model, MAE, RMSE, MASE, skill, coverage, fit seconds), "
                                   "forecasts.csv, series.csv and forecast.png into a new folder, "
                                   "completely or not at all, and prints the leaderboard.")
    f.add_argument("events", metavar="SERIES_OR_EVENTS", help="a series file or an event log")
    f.add_argument("--value", metavar="COL", help="the value column of a series file "
                   "(its time column is --time, default 'date')")
    f.add_argument("--count", default="events", choices=["events", "quantity", "revenue", "sessions"],
                   help="what to count per day in an event log (default: events; purchases "
                        "only when the log has any)")
    f.add_argument("--freq", default="D", help="aggregation frequency (default D, daily)")
    f.add_argument("--season", type=int, default=7, metavar="M",
                   help="seasonal period m for seasonal naive, SARIMA and MASE (default 7)")
    f.add_argument("--horizon", type=int, default=7, metavar="H", help="steps ahead (default 7)")
    f.add_argument("--initial", type=int, metavar="N",
                   help="length of the first training window (default: 60%% of the series)")
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
                                   "train_s, predict_s, params). Data already split: --train and "
                                   "--test. Logs without an event-type column are read as views.")
    n.add_argument("events", nargs="?", metavar="EVENTS", help="the event log (or use --train/--test)")
    n.add_argument("--train", metavar="FILE", help="training events, when the data arrives split")
    n.add_argument("--test", metavar="FILE", help="test events, when the data arrives split")
    n.add_argument("--prepared", metavar="DIR", help="train from a folder that course-lib prepare "
                   "wrote (Keras models read its shards as a stream; --max-len is the folder's)")
    n.add_argument("--data-parallel", action="store_true", help="with --prepared: train the Keras "
                   "models on every device Keras sees (keras.distribution.DataParallel)")
    n.add_argument("--test-days", type=float, default=7, metavar="D", help="test window (default 7 days)")
    _add_next_item_model_options(n, "pop,markov,sknn,gru4rec,lstm")
    n.add_argument("--out", required=True, metavar="DIR", help="new folder for the results")
    n.add_argument("--quiet", action="store_true", help="no progress bars")
    _add_mapping_options(n)
    n.set_defaults(func=cmd_next_item)

    from course_lib.prep.engines import ENGINES

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
                       description="Run lesson 08's tasks that the data supports: next-item "
                                   "recommendation (leaderboard and breakdown), purchase intent "
                                   "(needs views or carts and purchases), churn (needs purchases "
                                   "over a long enough span) and demand with stock costs (needs "
                                   "purchases). A task the data cannot support is skipped and the "
                                   "reason is printed. Writes DIR with the leaderboards as CSV, the "
                                   "figures as PNG, summary.md (one page), and the best neural "
                                   "next-item model (model/, loadable with "
                                   "course_lib.models.serving.load_recommender) with model_card.md; "
                                   "completely or not at all.")
    r.add_argument("events", metavar="EVENTS", help="the event log (CSV, CSV.gz, Parquet, JSON Lines)")
    r.add_argument("--out", required=True, metavar="DIR", help="new folder for the report")
    r.add_argument("--tasks", default="next-item,intent,churn,demand",
                   help="comma-separated subset of next-item, intent, churn, demand (default: all)")
    r.add_argument("--test-days", type=float, default=7, metavar="D",
                   help="test window of next-item and intent (default 7 days)")
    _add_next_item_model_options(r, "pop,markov,sknn,gru4rec")
    r.add_argument("--intent-k", type=int, default=3, metavar="K",
                   help="purchase intent is predicted after a session's first K events (default 3)")
    r.add_argument("--churn-days", type=int, metavar="N",
                   help="churn = no purchase in the next N days (default: 90 with a year of data, "
                        "else a quarter of the span)")
    r.add_argument("--season", type=int, default=7, metavar="M", help="seasonal period of daily demand (default 7)")
    r.add_argument("--horizon", type=int, default=7, metavar="H", help="days ordered for at a time (default 7)")
    r.add_argument("--shortage-cost", type=float, default=4.0, metavar="CU",
                   help="money lost per unit of demand not in stock (default 4)")
    r.add_argument("--leftover-cost", type=float, default=1.0, metavar="CO",
                   help="money lost per unit left over (default 1)")
    r.add_argument("--no-model", action="store_true", help="do not save the next-item model")
    r.add_argument("--quiet", action="store_true", help="no progress bars")
    _add_mapping_options(r)
    r.set_defaults(func=cmd_report)
    return parser


def main(argv=None) -> int:
    from course_lib.datasets import EventLogError, MissingDataError
    from course_lib.prep.engines import EngineUnavailable

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (EventLogError, MissingDataError, EngineUnavailable) as exc:
        print(f"course-lib: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
