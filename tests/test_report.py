"""``course-lib report``: every task the data supports, skipped tasks said plainly,
a complete folder or nothing, one clear error on bad input."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from cli_runner import course_lib_command

DATA = Path(os.environ.get("COURSE_DATA_DIR", "../shared/data"))
ROOT = Path(__file__).resolve().parents[1]
# lesson 09's mapping, without --default-event: the loader assumes purchases and says so
RETAIL = ["--user", "CustomerID", "--session", "InvoiceNo", "--item", "StockCode", "--time",
          "InvoiceDate", "--price", "UnitPrice", "--quantity", "Quantity", "--clean-sales",
          "--drop-missing-ids"]


def report(*args, cwd=None):
    return course_lib_command("report", *args, cwd=cwd)


@pytest.fixture(scope="module")
def shop_csv(tmp_path_factory):
    import course_lib  # noqa: F401
    from course_lib.datasets import make_shop

    path = tmp_path_factory.mktemp("shop") / "shop_events.csv"
    make_shop(20_000, seed=0).events.to_csv(path, index=False)
    return path


@pytest.mark.slow
def test_report_on_the_synthetic_shop_runs_all_four_tasks_and_skips_uplift(shop_csv, tmp_path):
    out = tmp_path / "report"
    before = shop_csv.read_bytes()
    result = report(shop_csv, "--out", out, "--budget-s", "5", "--max-epochs", "2", "--models",
                    "pop,markov,sknn,gru4rec")
    assert result.returncode == 0, result.stderr[-3000:]
    assert shop_csv.read_bytes() == before
    files = set(os.listdir(out))
    assert {"next_item_leaderboard.csv", "next_item_breakdown.csv", "intent_leaderboard.csv",
            "churn_leaderboard.csv", "demand_leaderboard.csv", "stock_costs.csv", "summary.md",
            "model_card.md", "model", "next_item_mrr.png", "intent_pr_auc.png", "churn_pr_auc.png",
            "demand_orders.png", "chosen_settings.csv", "chosen_settings.json"} <= files
    board = pd.read_csv(out / "next_item_leaderboard.csv")
    assert sorted(board["model"]) == ["gru4rec", "markov", "pop", "sknn"]  # stable keys, nothing else
    pop = board.set_index("model").loc["pop", "MRR@20"]
    assert (board["MRR@20"].max()) > 3 * pop
    intent = pd.read_csv(out / "intent_leaderboard.csv")
    assert (intent["PR-AUC"] > intent["base rate"]).all()
    summary = (out / "summary.md").read_text()
    for heading in ("Next-item recommendation", "Purchase intent", "Churn", "Demand and stock",
                    "How far to trust these numbers"):
        assert heading in summary
    # the one task skipped: no campaign in the log, and the summary says what to map
    assert summary.count("**Skipped:**") == 1 and "the log has no treatment column" in summary
    # the trust section: how much test, which differences are significant, what was tuned, the warnings
    trust = summary.split("## How far to trust these numbers")[1]
    assert "test sessions" in trust and "predictions" in trust and "differences are significant" in trust
    assert "Tuned" in trust and "Kept their default settings" in trust and "**Warnings**" in trust
    assert "best on the validation window" in trust
    assert {"MRR@20_lower", "MRR@20_upper"} <= set(board.columns)
    assert {"PR-AUC_lower", "ROC-AUC_upper"} <= set(intent.columns)
    costs = pd.read_csv(out / "stock_costs.csv")
    assert costs["chosen on validation"].sum() == 1 and "per day_lower" in costs
    for line in ("[1/5] next-item", "[4/5] demand", "[5/5] uplift"):
        assert line in result.stdout
    # the saved model serves recommendations
    import course_lib  # noqa: F401
    from course_lib.models.serving import load_recommender

    # every model was tuned on validation; the shipped model is the best there, neural or not
    chosen = pd.read_csv(out / "chosen_settings.csv").set_index("model")
    assert list(chosen.index) == ["pop", "markov", "sknn", "gru4rec"]
    best = chosen["validation MRR@20"].idxmax()
    card = (out / "model_card.md").read_text()
    assert card.startswith(f"# Model card: {best} ") and "best on the validation window" in card
    assert json.loads((out / "model" / "recommender.json").read_text())["name"] == best
    settings = json.loads((out / "chosen_settings.json").read_text())
    assert settings["gru4rec"]["settings"]["epochs"] <= 2 and settings["gru4rec"]["trials"]
    rec = load_recommender(out / "model")
    first_item = pd.read_csv(shop_csv, nrows=1)["item_id"].iloc[0]
    assert len(rec.recommend([first_item], 5)) == 5


@pytest.mark.skipif(not (DATA / "otto_sample_sessions.jsonl").exists(), reason="no shared data")
def test_report_on_the_otto_sample_skips_what_it_cannot_support(tmp_path):
    out = tmp_path / "otto"
    result = report(DATA / "otto_sample_sessions.jsonl", "--out", out, "--quiet")
    assert result.returncode == 0, result.stderr[-3000:]
    summary = (out / "summary.md").read_text()
    assert "next_item_leaderboard.csv" in os.listdir(out)
    assert summary.count("**Skipped:**") == 4, summary       # intent, churn, demand, uplift
    assert "too few" in result.stdout


@pytest.mark.slow
def test_report_on_online_retail(tmp_path):
    out = tmp_path / "retail"
    result = report(ROOT / "datasets" / "online_retail.parquet", *RETAIL, "--test-days", "28",
                    "--models", "pop,markov", "--quiet", "--out", out)
    assert result.returncode == 0, result.stderr[-3000:]
    # what the loader assumed is printed, and the intent task's skip says which option to use
    assert "every event is a purchase, assumed because the column 'InvoiceNo'" in result.stdout
    assert "every event is a purchase (no views or carts)" in result.stdout
    assert "--event COL" in result.stdout
    assert "397,884 events" in result.stdout  # the rows lesson 09 reads
    churn = pd.read_csv(out / "churn_leaderboard.csv")
    assert (churn["ROC-AUC"] > 0.65).all() and (churn["PR-AUC"] > churn["base rate"]).all()
    costs = pd.read_csv(out / "stock_costs.csv")
    assert {"order the forecast", "order the quantile"} == set(costs["policy"])
    # no neural model was trained: the best on validation, the Markov chain, is saved and said so
    card = (out / "model_card.md").read_text()
    assert card.startswith("# Model card: markov ") and "a simple baseline, not a neural network" in card
    assert "chosen_settings.json" in os.listdir(out)
    summary = (out / "summary.md").read_text()
    assert summary.count("**Skipped:**") == 2              # intent (no views), uplift (no campaign)


def test_a_log_read_as_views_names_the_flag_in_every_skip_reason(tmp_path):
    """No event column and nothing that looks like sales: every purchase task says --default-event."""
    src = tmp_path / "clicks.csv"
    src.write_text("user,sku,ts\n" + "".join(f"{u},{i},2024-01-{d:02d} 10:0{i}\n"
                                               for u in range(3) for d in range(1, 29) for i in range(3)))
    out = tmp_path / "out"
    result = report(src, "--tasks", "intent,churn,demand", "--quiet", "--out", out)
    assert result.returncode == 0, result.stderr[-3000:]
    skips = [line for line in result.stdout.splitlines() if line.strip().startswith("skipped:")]
    assert len(skips) == 3 and all("--default-event purchase" in line for line in skips), skips
    assert "every event is a view, assumed because" in result.stdout


@pytest.mark.slow
def test_report_on_a_purchases_table_without_items(tmp_path):
    """customer, date, amount (CDNOW-like): churn and demand run, next item and intent say why not."""
    out = tmp_path / "cd"
    result = report(ROOT / "datasets" / "examples" / "cd_purchases.csv.gz", "--price", "amount",
                    "--quiet", "--out", out)
    assert result.returncode == 0, result.stderr[-3000:]
    assert {"churn_leaderboard.csv", "demand_leaderboard.csv", "stock_costs.csv",
            "summary.md"} <= set(os.listdir(out))
    assert "next_item_leaderboard.csv" not in os.listdir(out) and "model" not in os.listdir(out)
    summary = (out / "summary.md").read_text()
    assert summary.count("**Skipped:**") == 3              # next-item, intent (no items), uplift (no campaign)
    assert "no item column (map one with --item COL" in summary
    assert "items        none (no item column)" in summary
    churn = pd.read_csv(out / "churn_leaderboard.csv")
    assert (churn["ROC-AUC"] > 0.6).all()


@pytest.mark.parametrize("content, args, expected", [
    ("user,item,when\n1,a,2024-01-01\n2,b,tomorrow\n", ["--time", "when"],
     "bad.csv, column 'when', line 3: cannot parse 'tomorrow'"),
    ("user,item,time\n1,a,2024-01-01\n", ["--tasks", "next-item,weather"], "unknown task(s) ['weather']"),
    ("user,item,time\n1,a,2024-01-01\n", ["--models", "pop,bert"], "unknown model(s) ['bert']"),
    ("user,item,time,sent\n1,a,2024-01-01,\n2,,2024-01-02,maybe\n", ["--treatment", "sent"],
     "bad.csv, column 'sent', line 3: cannot read 'maybe' as a treatment"),
])
def test_report_errors_write_nothing(tmp_path, content, args, expected):
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    result = report(bad, *args, "--out", tmp_path / "out", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0, result.stderr  # one line, no traceback
    assert expected in result.stderr
    assert sorted(os.listdir(tmp_path)) == ["bad.csv"]
    assert bad.read_text() == content


def test_report_refuses_a_folder_with_files(shop_csv, tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    result = report(shop_csv, "--out", tmp_path)
    assert result.returncode == 2 and "not an empty folder" in result.stderr
    assert os.listdir(tmp_path) == ["keep.txt"]


def test_report_help_explains_every_option_with_examples():
    result = subprocess.run([sys.executable, "-m", "course_lib", "report", "--help"],
                            capture_output=True, text=True)
    assert result.returncode == 0
    text = result.stdout
    assert "examples:" in text and "course-lib report" in text
    for option in ("--out", "--tasks", "--test-days", "--models", "--intent-k", "--churn-days",
                   "--shortage-cost", "--leftover-cost", "--no-model", "--quiet"):
        assert option in text
