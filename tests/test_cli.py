"""``course-lib validate``: a profile and exit 0, or one clear error and exit 2; never writes."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(os.environ.get("COURSE_DATA_DIR", "../shared/data"))
SCRIPT = Path(sys.executable).with_name("course-lib")


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "course_lib", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


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


@pytest.mark.skipif(not (DATA / "online_retail.csv.gz").exists(), reason="no shared data")
def test_validate_online_retail_with_a_mapping():
    result = run("validate", DATA / "online_retail.csv.gz", "--user", "CustomerID", "--session",
                 "InvoiceNo", "--item", "StockCode", "--time", "InvoiceDate",
                 "--drop-missing-ids", "--default-event", "purchase")
    assert result.returncode == 0, result.stderr
    for line in ["rows         406,829", "users        4,372", "sessions     22,190",
                 "items        3,684", "first event  2010-12-01 08:26:00",
                 "last event   2011-12-09 12:50:00", "dropped 135,080 rows with an empty id"]:
        assert line in result.stdout, result.stdout


def test_malformed_file_one_error_nonzero_exit_nothing_written(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("user,item,when\n1,a,2024-01-01\n2,b,tomorrow\n")
    result = run("validate", bad, "--time", "when", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().count("\n") == 0  # one line, no traceback
    assert "bad.csv, column 'when', line 3: cannot parse 'tomorrow'" in result.stderr
    assert sorted(os.listdir(tmp_path)) == ["bad.csv"]


def test_console_script_and_help():
    assert SCRIPT.exists(), "course-lib console script not installed (pip install -e .)"
    result = subprocess.run([str(SCRIPT), "validate", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for option in ["--user", "--session", "--item", "--time", "--event", "--sep", "--time-unit",
                   "examples:"]:
        assert option in result.stdout
