"""Where a webhook may point: an http(s) URL whose host resolves only to public addresses.

A webhook is a request the server makes on an administrator's say-so; without this check
it could reach what only the server can reach (the cloud's metadata service on
169.254.169.254, a database on localhost, the office network). Every address the host
resolves to is checked, at registration and again before each attempt, because a name
can be pointed somewhere else after it was checked (DNS rebinding).
``WEBHOOK_ALLOW_PRIVATE=1`` lifts the address check (tests, receivers on the same
network); the URL must still be http(s) with a host.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext

from audit.service_errors import FieldError

__all__ = ["TargetRefused", "check_target", "check_url", "refused_address"]

#: The longest URL kept (the column's size).
URL_MAX = 2000

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefused(FieldError):
    """A URL a webhook may not be sent to; ``str()`` says why."""


def check_url(url: str) -> str:
    """``url`` stripped when it is an absolute http(s) URL with a host (no address check)."""
    url = (url or "").strip()
    if not url:
        raise TargetRefused(gettext("Enter the URL deliveries are posted to."), field="url")
    if len(url) > URL_MAX:
        raise TargetRefused(
            gettext("Keep the URL under %(max)s characters.", max=URL_MAX), field="url"
        )
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError as error:
        raise TargetRefused(
            gettext("This is not a valid URL: %(error)s.", error=error), field="url"
        ) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused(
            gettext("Enter a full http:// or https:// URL with a host."), field="url"
        )
    if parts.username or parts.password:
        raise TargetRefused(
            gettext(
                "Leave the user name and password out of the URL: deliveries are signed instead."
            ),
            field="url",
        )
    return url


def refused_address(address: IPAddress) -> bool:
    """True for an address a webhook must not reach without ``WEBHOOK_ALLOW_PRIVATE``."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
        or not address.is_global
    )


def _addresses(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise TargetRefused(
            gettext("The host %(host)s could not be found (%(error)s).", host=host, error=error),
            field="url",
        ) from None
    return [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]


def check_target(url: str) -> str:
    """``url`` when a delivery may be posted to it now; else :class:`TargetRefused`.

    Resolves the host and checks every address it resolves to, unless
    ``WEBHOOK_ALLOW_PRIVATE`` is set."""
    url = check_url(url)
    if current_app.config.get("WEBHOOK_ALLOW_PRIVATE"):
        return url
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    for address in _addresses(parts.hostname or "", port):
        if refused_address(address):
            raise TargetRefused(
                gettext(
                    "%(host)s resolves to %(address)s, a private, loopback, link-local or "
                    "reserved address: webhooks may only reach public addresses (set "
                    "WEBHOOK_ALLOW_PRIVATE=1 to allow them on an internal installation).",
                    host=parts.hostname,
                    address=address,
                ),
                field="url",
            )
    return url
