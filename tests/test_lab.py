"""The README's lab command serves JupyterLab (HTTP 200 on /lab).

The server is the session's shared one (``jupyter_lab`` in ``tests/jupyter_lab.py``),
started with ``python3 tasks.py lab``; the browser tests use the same server.
"""
from __future__ import annotations

import urllib.request

import pytest


@pytest.mark.slow
def test_lab_command_serves_jupyterlab(jupyter_lab):
    assert jupyter_lab.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(jupyter_lab + "/lab", timeout=30) as reply:
        assert reply.status == 200
        assert "JupyterLab" in reply.read().decode()
