"""HTML from the templates in templates/pdf/, and PDF from HTML with WeasyPrint.

Two steps, timed apart by the benchmark: :func:`build_html` (our queries and
Jinja) and :func:`render_pdf` (WeasyPrint alone). Rendering never touches the
network: :class:`LocalFetcher` serves only files under the static folder and
a local storage folder (and ``data:`` URIs, which carry photos from a remote
store); every other URL is refused, so a stray ``http://`` in a comment cannot
make the server fetch anything.
"""

from __future__ import annotations

import base64
import logging
import mimetypes
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app
from flask_babel import gettext, ngettext
from markupsafe import Markup
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from audit.reporting.charts import heatmap_css
from audit.storage import ObjectMissing, Storage, storage
from audit.storage.local import LocalStorage
from audit.templating import format_datetime

# WeasyPrint logs every layout step at INFO; the app logs at INFO in production.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

#: Called with (done, total, message) while a long report is made.
Progress = Callable[[int, int, str], None]


def no_progress(done: int, total: int, message: str) -> None:
    """The default progress callback: ignore."""


class FetchRefused(ValueError):
    """A URL outside the static and upload folders."""


class LocalFetcher(URLFetcher):
    """A WeasyPrint fetcher that reads local files under ``roots`` and nothing else."""

    def __init__(self, roots: Iterable[Path]) -> None:
        super().__init__(allowed_protocols=("file", "data"))
        self.roots = tuple(Path(r).resolve() for r in roots)

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise FetchRefused(f"only local files are used in reports, not {url}")
        path = Path(unquote(parts.path)).resolve()
        if not any(path.is_relative_to(root) for root in self.roots) or not path.is_file():
            raise FetchRefused(f"not a report resource: {url}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            path.as_uri(), path.read_bytes(), headers={"Content-Type": content_type}
        )


@dataclass(frozen=True)
class Resources:
    """Where report files come from: static/ (CSS, logo) and the app's storage (photos).

    With a local folder the photos are read from it as ``file:`` URLs; with a remote
    store (S3) each photo is fetched once and inlined as a ``data:`` URL, so the
    renderer still never touches the network itself.
    """

    static: Path
    uploads: Path | None  # the storage folder when it is local, else None
    store: Storage | None = None

    @classmethod
    def from_app(cls) -> Resources:
        store = storage()
        uploads = store.root.resolve() if isinstance(store, LocalStorage) else None
        return cls(Path(current_app.static_folder or "static").resolve(), uploads, store)

    @property
    def base_url(self) -> str:
        return self.static.as_uri() + "/"

    @property
    def roots(self) -> tuple[Path, ...]:
        """The folders the fetcher may read."""
        return tuple(root for root in (self.static, self.uploads) if root is not None)

    def upload_uri(self, name: str) -> str | None:
        """A URI for a stored upload, or None when the object is missing."""
        if self.uploads is not None:
            path = (self.uploads / name).resolve()
            if not path.is_relative_to(self.uploads) or not path.is_file():
                return None
            return path.as_uri()
        if self.store is None:
            return None
        try:
            data = self.store.get(name)
        except (ObjectMissing, ValueError):
            return None
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return f"data:{content_type};base64,{base64.b64encode(data).decode()}"


def build_html(template: str, **context: Any) -> str:
    """The report's HTML: ``templates/pdf/<template>`` rendered with ``context``.

    Needs an application context (the Jinja environment and the folders),
    never a request.
    """
    env = current_app.jinja_env
    return env.get_template(f"pdf/{template}").render(
        heatmap_css=Markup(heatmap_css("table.heatmap td.cell")),  # noqa: S704 - our own constant CSS
        generated_at=format_datetime(datetime.now(UTC), "UTC", zone=True),  # reader's words
        **context,
    )


def render_pdf(
    html: str,
    resources: Resources | None = None,
    progress: Progress = no_progress,
) -> bytes:
    """WeasyPrint alone: lay out ``html`` and write the PDF bytes."""
    resources = resources or Resources.from_app()
    fetcher = LocalFetcher(resources.roots)
    progress(0, 2, gettext("Laying out the pages"))
    document = HTML(string=html, base_url=resources.base_url, url_fetcher=fetcher).render()
    pages = len(document.pages)
    progress(1, 2, ngettext("Writing %(num)d page", "Writing %(num)d pages", pages))
    data = document.write_pdf()
    progress(2, 2, gettext("Done"))
    assert data is not None  # noqa: S101 - write_pdf() without a target returns bytes
    return data
