"""``course-lib validate``: a profile and exit 0, or one clear error and exit 2; never writes."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from cli_runner import course_lib_command

DATA = Path(os.environ.get("COURSE_DATA_DIR", "../shared/data"))
RETAIL = Path(__file__).resolve().parents[1] / "datasets" / "online_retail.parquet"
SCRIPT = Path(sys.executable).with_name("course-lib")


def run(*args, cwd=None):
    return course_lib_command(*args, cwd=cwd)


@pytest.mark.skipif(not (DATA / "otto_sample_sessions.jsonl").exists(), reason="no shared data")
def test_validate_otto_sample(tmp_path):
    src = tmp_path / "otto.jsonl"
    shutil.copy(DATA / "otto_sample_sessions.jsonl", src)
    result = run("validate", src, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for line in ["rows         862", "sessions     20", "items        510",
                 "event types  view 800, cart 52, purchase 10", "2022-07-31 22:00:00"]:
        assert line in out, out
    assert sorted(os.listdir(tmp_path)) == ["otto.jsonl"]


def test_validate_online_retail_with_a_mapping():
    result = run("validate", RETAIL, "--user", "CustomerID", "--session",
                 "InvoiceNo", "--item", "StockCode", "--time", "InvoiceDate",
                 "--drop-missing-ids", "--default-event", "purchase")
    assert result.returncode == 0, result.stderr
    for line in ["rows         406,829", "users        4,372", "sessions     22,190",
                 "items        3,684", "first event  2010-12-01 08:26:00",
                 "last event   2011-12-09 12:50:00", "dropped 135,080 rows with an empty id"]:
        assert line in result.stdout, result.stdout


def test_no_user_keeps_a_usual_name_out(tmp_path):
    """Online Retail's CustomerID is empty on guest lines: with the invoice as session, say --no-user."""
    src = tmp_path / "sales.csv"
    src.write_text("InvoiceNo,StockCode,InvoiceDate,CustomerID\n1,A,2024-01-01 10:00,\n"
                   "1,B,2024-01-01 10:00,\n2,A,2024-01-02 10:00,17\n")
    refused = run("validate", src, "--session", "InvoiceNo")
    assert refused.returncode == 2 and "column 'CustomerID', line 2: empty id" in refused.stderr
    result = run("validate", src, "--session", "InvoiceNo", "--no-user")
    assert result.returncode == 0, result.stderr
    assert "users        2" in result.stdout and "no user column" in result.stdout
    assert "assumed because the column 'InvoiceNo'" in result.stdout  # read as sales, said so
    help_text = run("report", "--help").stdout
    for flag in ("--no-user", "--no-session", "--no-item", "--no-event", "--clean-sales",
                 "--default-event"):
        assert flag in help_text


def test_validate_counts_exact_duplicates_and_drops_them_on_request(tmp_path):
    src = tmp_path / "e.csv"
    src.write_text("user,item,time\n1,a,2024-01-01 10:00\n1,a,2024-01-01 10:00\n1,b,2024-01-01 10:05\n")
    result = run("validate", src)
    assert result.returncode == 0 and "note: 1 row repeats an earlier row in every column read" in result.stdout
    result = run("validate", src, "--drop-duplicates")
    assert "dropped 1 row that repeated an earlier row" in result.stdout, result.stdout + result.stderr


def test_next_item_on_online_retail_with_the_invoice_as_session_and_no_user(tmp_path):
    out = tmp_path / "baskets"
    result = run("next-item", RETAIL, "--session", "InvoiceNo", "--no-user", "--test-days", "28",
                 "--valid-days", "0", "--models", "pop,markov", "--quiet", "--out", out)
    assert result.returncode == 0, result.stderr
    assert "no user column: each session (InvoiceNo) is its own user" in result.stdout
    board = pd.read_csv(out / "leaderboard.csv").set_index("model")
    assert board.loc["markov", "MRR@20"] > 5 * board.loc["pop", "MRR@20"]


def test_next_item_without_an_item_column_says_which_option_is_missing(tmp_path):
    src = Path(__file__).resolve().parents[1] / "datasets" / "examples" / "cd_purchases.csv.gz"
    result = run("next-item", src, "--out", tmp_path / "o", "--quiet")
    assert result.returncode == 2 and "no item column" in result.stderr and "--item" in result.stderr
    assert not (tmp_path / "o").exists()


def test_malformed_file_one_error_nonzero_exit_nothing_written(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("user,item,when\n1,a,2024-01-01\n2,b,tomorrow\n")
    result = run("validate", bad, "--time", "when", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().count("\n") == 0  # one line, no traceback
    assert "bad.csv, column 'when', line 3: cannot parse 'tomorrow'" in result.stderr
    assert sorted(os.listdir(tmp_path)) == ["bad.csv"]


@pytest.mark.parametrize("args, expected", [
    (["validate", "--encoding", "latin9x"], "--encoding (encoding=) 'latin9x' is not a text encoding"),
    (["validate", "--session-gap", "foo"], "--session-gap (session_gap=) must be a positive duration"),
    (["forecast", "--horizon", "0", "--out", "o"], "--horizon (horizon=) must be a whole number of at least 1, got 0"),
    (["forecast", "--season", "0", "--out", "o"], "--season (season=) must be a whole number of at least 1, got 0"),
    (["next-item", "--test-days", "0", "--out", "o"], "--test-days (test_days=) must be positive, got 0"),
    (["report", "--intent-k", "0", "--out", "o"], "--intent-k (k=) must be a whole number of at least 1, got 0"),
    (["report", "--churn-days", "0", "--out", "o"], "--churn-days (horizon_days=) must be a whole number"),
    (["report", "--leftover-cost", "-1", "--out", "o"], "--leftover-cost (overage_cost=) must be positive"),
    # these were tracebacks, or (a misspelt event type) no error at all
    (["forecast", "--freq", "X", "--out", "o"], "--freq (freq=) 'X' is not a frequency pandas knows"),
    (["forecast", "--count", "quantity", "--out", "o"], "--count (count=) quantity needs a quantity column"),
    (["forecast", "--count", "revenue", "--out", "o"], "--count (count=) revenue needs a price column"),
    (["validate", "--default-event", "purchse"], "'purchse' is not an event type (did you mean 'purchase'?)"),
    (["prepare", "--engine", "duckdb", "--memory-limit", "3XB", "--out", "o"],
     "--memory-limit (memory_limit=) '3XB' is not a size: write a number and a unit"),
])
def test_bad_option_values_get_one_sentence_naming_the_option(tmp_path, args, expected):
    src = tmp_path / "e.csv"
    src.write_text("user,item,time\n1,a,2024-01-01 10:00\n")
    result = run(args[0], src, *args[1:], cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert sorted(os.listdir(tmp_path)) == ["e.csv"]


def test_non_utf8_file_names_the_option_that_reads_it(tmp_path):
    src = tmp_path / "e.csv"
    src.write_bytes(b"user,item,time\ncaf\xe9,a,2024-01-01 10:00\n")
    result = run("validate", src)
    assert "pass --encoding latin-1 (encoding='latin-1')" in result.stderr, result.stderr
    assert run("validate", src, "--encoding", "latin-1").returncode == 0


def test_console_script_and_help():
    assert SCRIPT.exists(), "course-lib console script not installed (pip install -e .)"
    result = subprocess.run([str(SCRIPT), "validate", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for option in ["--user", "--session", "--item", "--time", "--event", "--sep", "--time-unit",
                   "examples:"]:
        assert option in result.stdout
    for command in ("validate", "forecast", "next-item", "prepare", "report"):
        shown = run(command, "--help").stdout
        assert "%%" not in shown, command   # a description is printed as written, not %-formatted


# --------------------------------------------------------------------------- #
# course-lib forecast

@pytest.fixture(scope="module")
def shop_csv(tmp_path_factory):
    from course_lib.datasets import make_shop

    path = tmp_path_factory.mktemp("shop") / "shop events.csv"
    make_shop(40_000, seed=0).events.to_csv(path, index=False)
    return path


def test_forecast_on_events_writes_a_complete_leaderboard(shop_csv, tmp_path):
    import pandas as pd

    out = tmp_path / "results"
    result = run("forecast", shop_csv, "--out", out, "--quiet", "--season", "7", "--horizon", "7")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["forecast.png", "forecasts.csv", "leaderboard.csv",
                                                     "series.csv", "validation.csv"]
    board = pd.read_csv(out / "leaderboard.csv")    # the test origins
    assert list(board.columns[:7]) == ["model", "MAE", "RMSE", "MASE(m=7)", "skill",
                                       "coverage(95%)", "fit_seconds"]
    assert {"MASE(m=7)_lower", "MASE(m=7)_upper", "skill_lower", "skill_upper", "chosen"} <= set(board.columns)
    assert "seasonal naive (m=7)" in set(board["model"]) and len(board) >= 6
    validation = pd.read_csv(out / "validation.csv")
    assert validation["MASE(m=7)"].is_monotonic_increasing            # the choice is made here
    assert list(board["model"]) == list(validation["model"])          # the test keeps that order
    chosen = board.loc[board["chosen"], "model"]
    assert list(chosen) == [validation["model"].iloc[0]]
    assert set(pd.read_csv(out / "forecasts.csv")["block"]) == {"validation", "test"}
    assert "best:" not in result.stdout
    assert "validation origins" in result.stdout and f": {chosen.iloc[0]}, MASE(m=7)" in result.stdout
    assert "test origins" in result.stdout and "seasonal naive (m=7)" in result.stdout
    assert not list(tmp_path.glob(".results.partial-*"))


def test_forecast_on_a_series_file(tmp_path):
    import numpy as np
    import pandas as pd

    idx = pd.date_range("2024-01-01", periods=120)
    values = 100 + 20 * (idx.day_of_week >= 5) + np.random.default_rng(0).normal(0, 5, 120)
    src = tmp_path / "sales.csv"
    pd.DataFrame({"day": idx.strftime("%Y-%m-%d"), "units": values.round(1)}).to_csv(src, index=False)
    result = run("forecast", src, "--time", "day", "--value", "units", "--out", tmp_path / "o", "--quiet")
    assert result.returncode == 0, result.stderr
    board = pd.read_csv(tmp_path / "o" / "leaderboard.csv")
    # the weekend effect is strong: a weekly model must beat the naive forecast
    assert board.set_index("model").loc["naive", "MASE(m=7)"] > board["MASE(m=7)"].min()
    # intervals from 3 test origins come with the report's caveat
    assert "Warning: only 3 test origins, so every forecast interval is rough" in result.stdout


@pytest.mark.parametrize("case", ["existing output", "too short", "bad value", "missing column"])
def test_forecast_errors_write_nothing(tmp_path, case):
    src = tmp_path / "s.csv"
    rows = [f"2024-01-{d:02d},{d}" for d in range(1, 21)]
    out = tmp_path / "out"
    args = ["--time", "day", "--value", "v"]
    if case == "existing output":
        rows = [f"2024-{1 + d // 28:02d}-{1 + d % 28:02d},{d % 7}" for d in range(120)]
        out.mkdir()
        (out / "keep.txt").write_text("mine")
        expected = "exists and is not an empty folder"
    elif case == "too short":
        expected = "needs at least"
    elif case == "bad value":
        rows[5] = "2024-01-06,lots"
        expected = "column 'v', line 7: cannot read 'lots'"
    else:
        args = ["--time", "day", "--value", "units"]
        expected = "column 'units': not found"
    src.write_text("day,v\n" + "\n".join(rows) + "\n")
    before = sorted(p.name for p in tmp_path.iterdir())
    result = run("forecast", src, *args, "--out", out, "--quiet")
    assert result.returncode == 2, result.stdout + result.stderr
    assert expected in result.stderr and result.stderr.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    if case == "existing output":
        assert [p.name for p in out.iterdir()] == ["keep.txt"]


@pytest.mark.slow
def test_forecast_on_online_retail(tmp_path):
    result = run("forecast", RETAIL, "--user", "InvoiceNo", "--session",
                 "InvoiceNo", "--item", "StockCode", "--time", "InvoiceDate", "--default-event",
                 "purchase", "--count", "sessions", "--trading-days", "--season", "6", "--horizon",
                 "6", "--out", tmp_path / "retail", "--quiet")
    assert result.returncode == 0, result.stderr
    assert "MASE(m=6)" in result.stdout and (tmp_path / "retail" / "forecast.png").stat().st_size > 10_000


# --------------------------------------------------------------------------- #
# course-lib next-item

# each metric followed by its 95 % interval; the differences to the baseline come after params
NEXT_ITEM_COLUMNS = ("model,HR@10,HR@10_lower,HR@10_upper,HR@20,HR@20_lower,HR@20_upper,MRR@20,MRR@20_lower,"
                     "MRR@20_upper,NDCG@10,NDCG@10_lower,NDCG@10_upper,train_s,predict_s,params,HR@10_vs_")


@pytest.mark.skipif(not (DATA / "otto_sample_sessions.jsonl").exists(), reason="no shared data")
def test_next_item_on_the_otto_sample(tmp_path):
    out = tmp_path / "otto"
    result = run("next-item", DATA / "otto_sample_sessions.jsonl", "--test-days", "7", "--budget-s", "10",
                 "--max-epochs", "2", "--out", out, "--quiet")
    assert result.returncode == 0, result.stderr
    lines = (out / "leaderboard.csv").read_text().splitlines()
    assert lines[0].startswith(NEXT_ITEM_COLUMNS) and len(lines) == 6
    assert "predictions" in result.stdout and "unseen items dropped" in result.stdout
    # 20 sessions: no validation window before the test to tune on, said plainly
    assert "Nothing was tuned (the validation window holds too little data)" in result.stdout
    assert not (out / "chosen_settings.csv").exists()


def test_next_item_tunes_every_model_on_validation_within_the_budget(shop_csv, tmp_path):
    import pandas as pd

    out = tmp_path / "shop"
    result = run("next-item", shop_csv, "--models", "pop,markov,sknn,gru4rec", "--budget-s", "5",
                 "--max-epochs", "2", "--out", out, "--quiet")
    assert result.returncode == 0, result.stderr
    chosen = pd.read_csv(out / "chosen_settings.csv").set_index("model")
    assert list(chosen.index) == ["pop", "markov", "sknn", "gru4rec"]
    # "auto" is the full softmax on a small catalogue; the tuner may choose BPR-max on validation
    expected = "bpr-max" if "loss=bpr-max" in chosen.loc["gru4rec", "settings"] else "softmax"
    assert chosen.loc["gru4rec", "loss used"] == expected
    assert "epochs=" in chosen.loc["gru4rec", "settings"] and "batch_size=" in chosen.loc["gru4rec", "settings"]
    assert "tuned on the 7 days before the test" in result.stdout
    assert json.loads((out / "chosen_settings.json").read_text())["gru4rec"]["trials"]


def test_next_item_with_train_and_test_files_and_no_event_column(shop_csv, tmp_path):
    import pandas as pd

    events = pd.read_csv(shop_csv, parse_dates=["timestamp"])
    views = events[events["event_type"] == "view"].drop(columns=["event_type"])
    cut = views["timestamp"].max() - pd.Timedelta(days=10)
    views[views["timestamp"] < cut].to_csv(tmp_path / "train.csv", index=False)
    late = views[views["timestamp"] >= cut]
    late[~late["session_id"].isin(views.loc[views["timestamp"] < cut, "session_id"])].to_csv(
        tmp_path / "test.csv", index=False)
    result = run("next-item", "--train", tmp_path / "train.csv", "--test", tmp_path / "test.csv",
                 "--models", "pop,markov,sknn", "--out", tmp_path / "o", "--quiet")
    assert result.returncode == 0, result.stderr
    board = pd.read_csv(tmp_path / "o" / "leaderboard.csv").set_index("model")
    assert board.loc["markov", "MRR@20"] > board.loc["pop", "MRR@20"]
    chosen = json.loads((tmp_path / "o" / "chosen_settings.json").read_text())
    assert set(chosen) == {"pop", "markov", "sknn"} and set(chosen["sknn"]["settings"]) == {"k", "sample", "remind"}


def test_next_item_without_tuning_says_so(shop_csv, tmp_path):
    result = run("next-item", shop_csv, "--models", "pop,markov", "--budget-s", "0",
                 "--out", tmp_path / "o", "--quiet")
    assert result.returncode == 0, result.stderr
    assert "Nothing was tuned (--budget-s is 0)" in result.stdout
    assert sorted(os.listdir(tmp_path / "o")) == ["leaderboard.csv"]


@pytest.mark.parametrize("args, expected", [
    (["--models", "pop,magic"], "unknown model(s) ['magic']"),
    (["--test-days", "0.000001"], "too little data"),
])
def test_next_item_errors_write_nothing(shop_csv, tmp_path, args, expected):
    result = run("next-item", shop_csv, *args, "--out", tmp_path / "o", "--quiet")
    assert result.returncode == 2 and expected in result.stderr, result.stderr
    assert not (tmp_path / "o").exists()


# --------------------------------------------------------------------------- #
# the file system and signals: one line, and nothing half-written

def test_an_os_error_is_one_sentence_naming_the_path(tmp_path, monkeypatch):
    import course_lib.cli as cli

    def fails(args):
        raise PermissionError(13, "Permission denied", str(tmp_path / "o" / "leaderboard.csv"))

    monkeypatch.setattr(cli, "cmd_forecast", fails)
    result = run("forecast", tmp_path / "s.csv", "--out", tmp_path / "o")
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert f"{tmp_path / 'o' / 'leaderboard.csv'}: Permission denied" in result.stderr
    (tmp_path / "file.txt").write_text("mine")   # an --out that cannot be made fails before any work
    result = run("next-item", tmp_path / "s.csv", "--out", tmp_path / "file.txt" / "o")
    assert result.returncode == 2 and "file.txt is a file, not a folder" in result.stderr, result.stderr


def test_sigterm_while_writing_leaves_nothing_and_says_so(tmp_path, monkeypatch):
    import signal

    import course_lib.cli as cli
    from course_lib.files import write_folder

    def killed_while_writing(args):
        write_folder(args.out, {"a.csv": lambda p: p.write_text("a"),
                                "b.csv": lambda p: os.kill(os.getpid(), signal.SIGTERM)})

    def not_handled(signum, frame):
        raise RuntimeError("SIGTERM reached the caller")

    monkeypatch.setattr(cli, "cmd_forecast", killed_while_writing)
    before = signal.signal(signal.SIGTERM, not_handled)
    try:
        result = run("forecast", tmp_path / "s.csv", "--out", tmp_path / "o")
    finally:
        signal.signal(signal.SIGTERM, before)
    assert result.returncode == 143, result.stderr
    assert result.stderr == f"course-lib: interrupted; nothing written to {tmp_path / 'o'}\n"
    assert os.listdir(tmp_path) == []   # no hidden .o.partial-* folder either
