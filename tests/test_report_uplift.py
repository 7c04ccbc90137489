"""The uplift task in ``course-lib report``: a log with a treatment column gets the uplift
leaderboard and the budget table; the other tasks never see the campaign's assignment rows."""
from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

import course_lib  # noqa: F401
from course_lib.datasets import EventLogError, load_events, make_shop, without_assignments
from course_lib.datasets.campaign import make_campaign
from cli_runner import course_lib_command


@pytest.fixture(scope="module")
def campaign():
    return make_campaign(make_shop(60_000, seed=0))


@pytest.fixture(scope="module")
def campaign_csv(campaign, tmp_path_factory):
    """The campaign log as a shop would export it: assignment rows without item or event type,
    the treatment written as words."""
    log = campaign.events.copy()
    assigned = log["treatment"].notna()
    log["item_id"] = log["item_id"].astype(object)
    log["event_type"] = log["event_type"].astype(object)
    log.loc[assigned, ["item_id", "event_type"]] = None
    log["sent"] = log.pop("treatment").map({1.0: "treatment", 0.0: "control"})
    path = tmp_path_factory.mktemp("campaign") / "campaign.csv"
    log.to_csv(path, index=False)
    return path


def test_the_loader_reads_assignment_rows_and_the_tasks_do_not_see_them(campaign, campaign_csv):
    events = load_events(campaign_csv, treatment="sent")
    expected = campaign.events
    assert (events["treatment"].notna().sum(), (events["treatment"] == 1).sum()) == \
        (expected["treatment"].notna().sum(), (expected["treatment"] == 1).sum())
    assigned = events["treatment"].notna()
    assert (events.loc[assigned, "event_type"] == "campaign").all()
    assert any("campaign assignment rows" in note for note in events.attrs["notes"])
    plain = without_assignments(events)
    assert "treatment" not in plain and len(plain) == int((~assigned).sum())
    assert "campaign" not in plain["event_type"].cat.categories
    # a log without a treatment column is returned as it is
    assert without_assignments(plain) is plain


def test_a_treatment_that_is_not_one_or_zero_names_its_row(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("user,item,time,treated\n1,a,2024-01-01,\n2,,2024-01-02,2\n")
    with pytest.raises(EventLogError, match=r"bad.csv, column 'treated', line 3: cannot read '2'"):
        load_events(bad)


@pytest.mark.slow
def test_report_runs_uplift_on_a_campaign_log(campaign_csv, tmp_path):
    before = campaign_csv.read_bytes()
    out = tmp_path / "report"
    result = course_lib_command("report", campaign_csv, "--treatment", "sent", "--tasks", "uplift,churn", "--out", out,
                        "--quiet")
    assert result.returncode == 0, result.stderr[-3000:]
    assert campaign_csv.read_bytes() == before
    assert {"uplift_leaderboard.csv", "uplift_budget.csv", "uplift_plan_choice.csv", "churn_leaderboard.csv",
            "summary.md"} <= set(os.listdir(out))
    board = pd.read_csv(out / "uplift_leaderboard.csv")
    assert np.isfinite(board.select_dtypes("number").to_numpy(dtype=float)).any()
    summary = (out / "summary.md").read_text()
    assert "Uplift" in summary and "**Skipped:**" not in summary
    assert "the plan chosen on the training campaign is" in summary   # never the test's own best
