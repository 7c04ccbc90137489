"""Block network access outside the loopback interface (the test suite's guard).

conftest.py (at the top of the repository) puts this folder first on PYTHONPATH, so every Python
process the tests start (notebook kernels, the command line, JupyterLab)
imports it at start-up: nothing in the course may download at run time.
Loopback stays open because Jupyter kernels talk to their clients over it.
"""
import ipaddress
import socket

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


class NetworkBlockedError(OSError):
    """Raised instead of opening a connection to a non-loopback address."""


def _is_local(address) -> bool:
    if not isinstance(address, tuple):  # AF_UNIX paths and the like
        return True
    host = address[0]
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:  # a host name: resolving it would already use the network
        return False


def check_address(address) -> None:
    """Raise NetworkBlockedError unless ``address`` is on this machine."""
    if not _is_local(address):
        raise NetworkBlockedError(f"network access to {address!r} is blocked during the tests: "
                                  "the course must work offline")


def _offline_connect(self, address):
    check_address(address)
    return _real_connect(self, address)


def _offline_connect_ex(self, address):
    check_address(address)
    return _real_connect_ex(self, address)


socket.socket.connect = _offline_connect
socket.socket.connect_ex = _offline_connect_ex
