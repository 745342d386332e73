"""The HTTP client deliveries are posted with: requests, with no redirects, no proxy or
credentials from the environment, and, unless private targets are allowed, a check of the
address each connection actually reached.

Resolving the host and checking its addresses before the request
(:func:`audit.webhooks.targets.check_target`) leaves a gap: the HTTP library resolves the
name again to connect, and a name can answer differently the second time (DNS
rebinding). So the connection itself is checked too: the pools below refuse a socket
whose peer is an address :func:`~audit.webhooks.targets.refused_address` refuses, right
after it connects and before a byte of the delivery is sent.
"""

from __future__ import annotations

import ipaddress
import socket

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from audit.webhooks.targets import TargetRefused, refused_address

__all__ = ["delivery_session"]


def _checked(sock: socket.socket, host: str) -> socket.socket:
    peer = sock.getpeername()[0]
    address = ipaddress.ip_address(peer.split("%", 1)[0])
    if refused_address(address):
        sock.close()
        raise TargetRefused(
            f"{host} connected to {address}, a private, loopback, link-local or reserved "
            "address: not sent.",
            field="url",
        )
    return sock


class _CheckedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return _checked(super()._new_conn(), self.host)


class _CheckedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        return _checked(super()._new_conn(), self.host)


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class _PublicOnlyAdapter(HTTPAdapter):
    """Connections that reach only public addresses."""

    def init_poolmanager(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _CheckedHTTPPool,
            "https": _CheckedHTTPSPool,
        }


def delivery_session(allow_private: bool) -> requests.Session:
    """A session for one delivery (close it after use)."""
    session = requests.Session()
    session.trust_env = False  # no proxy, .netrc or CA bundle from the environment
    if not allow_private:
        adapter = _PublicOnlyAdapter(max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
    return session
