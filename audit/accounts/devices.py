"""A signed-in device as a person names it: "Chrome on Android", "Safari on iPhone".

The User-Agent header is read with ``ua-parser`` (the maintained uap-core rules), not
with regular expressions of our own: browsers change their strings every few months and
the shared rules keep up. Only the words a person recognises are kept; version numbers
are left out because a session list is for spotting "that is not my phone".
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from ua_parser import parse

from audit.extensions import N_, in_english

__all__ = ["describe_device"]

#: The rule set's names, as people say them.
_BROWSERS = {
    "Chrome Mobile": "Chrome",
    "Chrome Mobile iOS": "Chrome",
    "Chrome Mobile WebView": N_("Android app"),
    "HeadlessChrome": "Headless Chrome",
    "Mobile Safari": "Safari",
    "Mobile Safari UI/WKWebView": N_("iPhone app"),
    "Firefox Mobile": "Firefox",
    "Firefox iOS": "Firefox",
    "Edge Mobile": "Edge",
    "Samsung Internet": "Samsung Internet",
    "Opera Mobile": "Opera",
    "Python Requests": N_("Python script"),
}
_SYSTEMS = {
    "Mac OS X": "macOS",
    "Windows Phone": "Windows Phone",
    "Chrome OS": "ChromeOS",
}
#: On iOS the device says more than the system ("Safari on iPhone").
_APPLE_DEVICES = ("iPhone", "iPad", "iPod")


def describe_device(user_agent: str | None, say: Callable[..., str] = in_english) -> str:
    """A short readable name for the browser and system behind ``user_agent``, in English
    (the audit trail's words) unless ``say`` is ``gettext`` (a page's)."""
    browser, system = _browser_and_system((user_agent or "").strip())
    if browser and system:
        return say(N_("%(browser)s on %(system)s"), browser=say(browser), system=system)
    if browser:
        return say(browser)
    if system:
        return say(N_("A browser on %(system)s"), system=system)
    return say(N_("Unknown device"))


@lru_cache(maxsize=512)
def _browser_and_system(text: str) -> tuple[str | None, str | None]:
    """The browser and system as people name them (parsing is the slow part: cached)."""
    if not text:
        return None, None
    result = parse(text)
    browser = result.user_agent.family if result.user_agent else None
    system = result.os.family if result.os else None
    device = result.device.family if result.device else None
    browser = _BROWSERS.get(browser or "", browser)
    if system == "iOS" and device in _APPLE_DEVICES:
        system = device
    else:
        system = _SYSTEMS.get(system or "", system)
    return browser, system
