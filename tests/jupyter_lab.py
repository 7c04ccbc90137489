"""Start and stop a JupyterLab server on a free loopback port; the session fixture ``jupyter_lab``."""
from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_lab(command: list[str], cwd, tmp_path, timeout: float = 120):
    """Run ``command + [--port=P ...]``, wait for HTTP 200 on /lab, yield the base URL, stop it.

    Raises AssertionError with the server's output if it exits or never answers.
    """
    port = free_port()
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config")}
    args = [*command, "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
            "--IdentityProvider.token=", "--ServerApp.port_retries=0"]
    proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + timeout
        while True:
            try:
                with urllib.request.urlopen(url + "/lab", timeout=5) as reply:
                    assert reply.status == 200
                    assert "JupyterLab" in reply.read().decode()
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise AssertionError("JupyterLab did not answer:\n"
                                         + (proc.stdout.read().decode()[-3000:] if proc.poll() is not None else "timeout"))
                time.sleep(1)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def shut_down_kernels(url: str) -> int:
    """Stop every kernel the JupyterLab at ``url`` runs; return how many there were.

    A browser test's lesson kernel would otherwise stay alive (and hold its
    memory) for the rest of the session, beside the notebook runs that follow.
    """
    with urllib.request.urlopen(url + "/api/kernels", timeout=10) as reply:
        kernels = json.load(reply)
    if not kernels:
        return 0
    with urllib.request.urlopen(url + "/lab", timeout=10) as reply:  # sets the _xsrf cookie
        cookie = reply.headers.get_all("Set-Cookie") or []
    xsrf = next(c.split(";")[0].split("=", 1)[1] for c in cookie if c.startswith("_xsrf="))
    headers = {"X-XSRFToken": xsrf, "Cookie": f"_xsrf={xsrf}"}
    for kernel in kernels:
        request = urllib.request.Request(f"{url}/api/kernels/{kernel['id']}", method="DELETE",
                                         headers=headers)
        with urllib.request.urlopen(request, timeout=30):
            pass
    return len(kernels)


@pytest.fixture(scope="session")
def jupyter_lab(tmp_path_factory):
    """One JupyterLab for the whole session, started by the README's command (``tasks.py lab``).

    Shared by the lab start-up test and every browser test; ``expose_app_in_browser``
    lets a browser test drive it (``window.jupyterapp``). Its kernels talk over Unix
    sockets (``transport=ipc``), not TCP ports: these tests run beside nbval's notebook
    runs (``tasks.py test``), and two kernels started at once can pick the same free ports.
    """
    root = Path(__file__).resolve().parents[1]
    command = [sys.executable, str(root / "tasks.py"), "lab", "--LabApp.expose_app_in_browser=True",
               "--KernelManager.transport=ipc",
               f"--ServerApp.root_dir={root}"]
    with running_lab(command, root, tmp_path_factory.mktemp("lab"), timeout=120) as url:
        yield url
