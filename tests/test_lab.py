"""The README's lab command serves JupyterLab (HTTP 200 on /lab), then shuts down."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from jupyter_lab import running_lab

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_lab_command_serves_jupyterlab(tmp_path):
    with running_lab([sys.executable, str(ROOT / "tasks.py"), "lab"], ROOT, tmp_path) as url:
        assert url.startswith("http://127.0.0.1:")
