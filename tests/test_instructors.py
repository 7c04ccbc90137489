"""The instructor kit (book/instructors/): a 90-minute plan for every lesson, the cheat sheet, the links.

Every lesson in ``notebooks/`` has ``book/instructors/lesson_NN.md`` whose
timing table adds up to 90 minutes, with a pause for the exercises, 3-5
discussion questions each with its short answer, and typical mistakes.
The README's and the kit's links resolve, and the book includes every page.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from book import build as book_build

ROOT = Path(__file__).resolve().parents[1]
KIT = ROOT / "book" / "instructors"
TIMING_ROW = re.compile(r"^\|\s*(\d+)\s*\|", re.M)
TOTAL_ROW = re.compile(r"^\|\s*\*\*(\d+)\*\*\s*\|", re.M)
QUESTION = re.compile(r"^\d+\.\s+\*\*(.+?)\*\*\s*\*Answer:\*\s*\S", re.M)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def lesson_numbers() -> list[str]:
    return sorted({p.name[:2] for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")} | {"00", "09", "10"})


def section(text: str, title: str) -> str:
    found = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert found, f"no section '## {title}'"
    return found.group(1).strip()


def plan_problems(text: str) -> list[str]:
    """What is wrong with one lesson plan (empty when nothing)."""
    problems = []
    try:
        timing = section(text, "Timing")
        minutes = [int(m) for m in TIMING_ROW.findall(timing)]
        total = TOTAL_ROW.findall(timing)
        if sum(minutes) != 90:
            problems.append(f"the timings add up to {sum(minutes)} minutes, not 90")
        if total != ["90"]:
            problems.append(f"the total row says {total}, not 90")
        questions = QUESTION.findall(section(text, "Discussion questions"))
        if not 3 <= len(questions) <= 5:
            problems.append(f"{len(questions)} discussion questions with answers, not 3-5")
        for title in ("Pause for the exercises", "Typical mistakes"):
            if len(section(text, title).split()) < 10:
                problems.append(f"'{title}' says almost nothing")
    except AssertionError as missing:
        problems.append(str(missing))
    return problems


@pytest.mark.parametrize("number", lesson_numbers())
def test_every_lesson_has_a_90_minute_plan(number):
    plan = KIT / f"lesson_{number}.md"
    assert plan.exists(), f"lesson {number} has no plan: write {plan.relative_to(ROOT)}"
    assert plan_problems(plan.read_text()) == []
    notebook = sorted((ROOT / "notebooks").glob(f"{number}_*.ipynb"))
    assert notebook and notebook[0].name in plan.read_text(), "the plan names its notebook"


def test_a_bad_plan_is_caught():
    good = (KIT / "lesson_04.md").read_text()
    assert plan_problems(good) == []
    assert "add up to 95" in " ".join(plan_problems(good.replace("| 10 | opening", "| 15 | opening", 1)))
    two_questions = re.sub(r"^3\. .*\n(4\. .*\n)?", "", good, flags=re.M)
    assert "not 3-5" in " ".join(plan_problems(two_questions))
    assert "no section '## Typical mistakes'" in " ".join(plan_problems(good.split("## Typical mistakes")[0]))


def test_the_cheat_sheet_has_the_equations_the_rules_and_the_metrics_on_two_pages():
    text = (KIT / "cheat_sheet.md").read_text()
    for title in ("Models", "Evaluation rules (every lesson)", "Metrics"):
        assert section(text, title)
    for term in ("AR(p)", "MA(q)", "LSTM", "GRU", "GCN", "SR-GNN", "SASRec", "MASE", "MRR@K", "HR@K",
                 "NDCG@K", "PR-AUC", "bootstrap"):
        assert term in text, term
    assert len(text.split()) <= 1500, "more than two pages"


@pytest.mark.parametrize("page", [ROOT / "README.md", *sorted(KIT.glob("*.md"))],
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_links_resolve(page):
    broken = []
    for target in LINK.findall(page.read_text()):
        if "://" in target or target.startswith(("#", "mailto:")):
            continue
        if not (page.parent / target.split("#")[0]).exists():
            broken.append(target)
    assert broken == []


def test_the_readme_and_the_book_link_the_kit():
    readme = (ROOT / "README.md").read_text()
    assert "(book/instructors/README.md)" in readme and "(book/instructors/cheat_sheet.md)" in readme
    kit_index = (KIT / "README.md").read_text()
    for plan in KIT.glob("lesson_*.md"):
        assert f"({plan.name})" in kit_index, f"the kit's index does not link {plan.name}"
    index = book_build.index_page()
    assert "(instructors/README.md)" in index
    for page in book_build.instructor_pages():
        assert f"instructors/{page.stem}" in index, page.name
