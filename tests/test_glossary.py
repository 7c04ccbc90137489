"""The glossary: links resolve, and the source article's own terms are all there."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEXT = (ROOT / "GLOSSARY.md").read_text()

#: The terms of the source article's glossary (its section 1.4).
ARTICLE_TERMS = ["用户行为序列预测", "机器学习", "深度学习", "序列模型", "图神经网络",
                 "循环神经网络", "长短期记忆网络", "时间序列分析", "自回归模型", "移动平均模型",
                 "自回归移动平均模型", "大模型"]


def test_every_link_points_to_an_existing_lesson():
    links = re.findall(r"\]\((notebooks/[^)]+)\)", TEXT)
    assert links
    for link in links:
        assert (ROOT / link).exists(), link


def test_every_written_lesson_is_linked():
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        assert f"notebooks/{path.name}" in TEXT, path.name


def test_the_article_terms_are_all_there():
    missing = [t for t in ARTICLE_TERMS if t not in TEXT]
    assert missing == []
