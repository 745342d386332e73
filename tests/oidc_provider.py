"""A real OpenID Connect provider for tests: the ``oidc_provider`` fixture.

It starts ``node tests/oidc/provider.mjs`` (npm's certified ``oidc-provider``, with its
development settings: in-memory storage, generated keys, its own sign-in page) on
127.0.0.1 and a free port, waits for its discovery document, and stops it after the
test. ``make test`` installs the package (``npm ci --prefix tests/oidc``); without Node.js
the tests that use it are skipped (a failure in CI).

:func:`sign_in_at_provider` walks the provider's pages with ``requests`` as a browser
would: the authorization request, the sign-in form, the redirects, up to the address it
sends the browser back to.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

from tests.conftest import unavailable
from tests.mail_server import free_port

OIDC_DIR = Path(__file__).parent / "oidc"
STARTUP_SECONDS = 20


@dataclass
class OidcProvider:
    issuer: str
    client_id: str
    client_secret: str
    accounts_file: Path

    def set_accounts(self, *accounts: dict[str, object]) -> None:
        """The accounts the provider knows from now on: dicts with ``email``,
        ``email_verified`` (default true), ``sub``, ``name``, ``login`` (see provider.mjs)."""
        self.accounts_file.write_text(json.dumps(list(accounts)))

    def config(self) -> dict[str, object]:
        """The app settings that point single sign-on at this provider."""
        return {
            "OIDC_ISSUER": self.issuer,
            "OIDC_CLIENT_ID": self.client_id,
            "OIDC_CLIENT_SECRET": self.client_secret,
            "OIDC_PROVIDER_NAME": "Test Identity",
            "OIDC_SCOPES": "openid email profile",
        }


@dataclass
class _Provider:
    process: subprocess.Popen[bytes]
    log: Path


@dataclass
class OidcProviders:
    """Starts providers for one test (each with its redirect URIs) and stops them after."""

    tmp_path: Path
    started: list[_Provider] = field(default_factory=list)

    def start(
        self,
        redirect_uris: Sequence[str],
        post_logout_redirect_uris: Sequence[str] = (),
        *,
        port: int | None = None,
    ) -> OidcProvider:
        node = shutil.which("node")
        if node is None:
            unavailable("Node.js is not installed: the single sign-on tests need it")
        if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
            pytest.fail("The test OpenID provider is not installed: run make oidc-provider")
        port = port or free_port()
        number = len(self.started)
        accounts = self.tmp_path / f"oidc-accounts-{number}.json"
        log = self.tmp_path / f"oidc-provider-{number}.log"
        provider = OidcProvider(
            issuer=f"http://127.0.0.1:{port}",
            client_id="service-audit",
            client_secret=secrets.token_urlsafe(24),
            accounts_file=accounts,
        )
        provider.set_accounts()
        command = [
            node,
            str(OIDC_DIR / "provider.mjs"),
            "--port",
            str(port),
            "--client-id",
            provider.client_id,
            # one argument: a random secret may begin with "-", which would read as an option
            f"--client-secret={provider.client_secret}",
            "--accounts",
            str(accounts),
        ]
        for uri in redirect_uris:
            command += ["--redirect-uri", uri]
        for uri in post_logout_redirect_uris:
            command += ["--post-logout-redirect-uri", uri]
        with log.open("wb") as out:
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        self.started.append(_Provider(process, log))
        _wait_for_discovery(provider.issuer, process, log)
        return provider

    def stop(self) -> None:
        for started in self.started:
            started.process.terminate()
            try:
                started.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                started.process.kill()
                started.process.wait()


def _wait_for_discovery(issuer: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    url = issuer + "/.well-known/openid-configuration"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"The OpenID provider stopped at start:\n{log.read_text()}")
        try:
            if requests.get(url, timeout=1).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    pytest.fail(f"The OpenID provider did not answer within {STARTUP_SECONDS}s:\n{log.read_text()}")


@pytest.fixture
def oidc_provider(tmp_path: Path) -> Iterator[OidcProviders]:
    providers = OidcProviders(tmp_path)
    try:
        yield providers
    finally:
        providers.stop()


# --- walking the provider's pages ------------------------------------------------------


class _Forms(HTMLParser):
    """The forms of a page: each one's action and its named inputs with their values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, object]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            form: dict[str, object] = {"action": attributes.get("action", ""), "fields": {}}
            self.forms.append(form)
        elif tag == "input" and self.forms and attributes.get("name"):
            self.forms[-1]["fields"][attributes["name"]] = attributes.get("value", "")  # type: ignore[index]


def page_forms(html: str) -> list[dict[str, object]]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def follow_until(
    http: requests.Session, response: requests.Response, stop_at: str
) -> requests.Response | str:
    """Follow redirects on the provider; the first address starting with ``stop_at`` (the
    app) is returned unvisited, else the provider's page the redirects end on."""
    while response.is_redirect:
        location = urljoin(response.url, response.headers["Location"])
        if location.startswith(stop_at):
            return location
        response = http.get(location, allow_redirects=False, timeout=10)
    return response


def sign_in_at_provider(
    http: requests.Session, authorization_url: str, login: str, app_url: str
) -> str:
    """Sign in as ``login`` on the provider's page reached from ``authorization_url``; the
    address the provider then sends the browser to on ``app_url`` (the callback)."""
    response = http.get(authorization_url, allow_redirects=False, timeout=10)
    page = follow_until(http, response, app_url)
    if isinstance(page, str):  # already signed in at the provider
        return page
    assert page.status_code == 200, page.text
    form = next(f for f in page_forms(page.text) if "login" in f["fields"])  # type: ignore[operator]
    fields = dict(form["fields"])  # type: ignore[call-overload]
    fields.update(login=login, password="any password")  # noqa: S106
    response = http.post(
        urljoin(page.url, str(form["action"])), data=fields, allow_redirects=False, timeout=10
    )
    landed = follow_until(http, response, app_url)
    assert isinstance(landed, str), f"the provider did not send the browser back:\n{landed.text}"
    return landed


def sign_out_at_provider(http: requests.Session, end_session_url: str, app_url: str) -> str:
    """Confirm the sign-out on the provider's page; the address it then sends the browser
    to on ``app_url`` (the post-logout redirect URI)."""
    response = http.get(end_session_url, allow_redirects=False, timeout=10)
    page = follow_until(http, response, app_url)
    if isinstance(page, str):
        return page
    assert page.status_code == 200, page.text
    form = page_forms(page.text)[0]
    fields = dict(form["fields"])  # type: ignore[call-overload]
    fields["logout"] = "yes"
    response = http.post(
        urljoin(page.url, str(form["action"])), data=fields, allow_redirects=False, timeout=10
    )
    landed = follow_until(http, response, app_url)
    assert isinstance(landed, str), f"the provider did not send the browser back:\n{landed.text}"
    return landed
