"""The suite's network guard: loopback allowed, everything else refused, in every process."""
from __future__ import annotations

import subprocess
import sys

import pytest

import sitecustomize as guard


@pytest.mark.parametrize("address", [("127.0.0.1", 8888), ("::1", 80, 0, 0), ("localhost", 1), "/tmp/sock"])
def test_loopback_is_allowed(address):
    guard.check_address(address)


@pytest.mark.parametrize("address", [("192.0.2.1", 443), ("2001:db8::1", 80, 0, 0), ("pypi.org", 443)])
def test_other_addresses_are_refused_before_any_packet(address):
    with pytest.raises(guard.NetworkBlockedError, match="blocked during the tests"):
        guard.check_address(address)


def test_child_processes_get_the_guard():
    code = "import socket; print(socket.socket.connect.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "_offline_connect"
