"""Log lines: one JSON object a line for machines, or readable text for a person.

``LOG_FORMAT=json`` or ``text``; unset, the choice follows where the lines go: text
when stderr is a terminal (``make run``, ``flask run``), JSON otherwise (gunicorn
under systemd, a container, anything whose output is collected). Every line carries
the request id (``-`` outside a request), so a request's log line, its traceback and
the id the person saw on an error page find each other.

A JSON line holds ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``,
``request_id``, the fields a caller passed as ``extra={"fields": {...}}`` (the request
log line's method, path, status...) and ``exc`` with the traceback when there is one.
The formatter is written here rather than taken from a package because it is these
twenty lines.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

JSON, TEXT = "json", "text"
FORMATS = (JSON, TEXT)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object a line (see the module's docstring for its keys)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or "-",
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update({k: v for k, v in fields.items() if k not in line})
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exc"] = record.exc_text
        return json.dumps(line, default=str, ensure_ascii=False)


def chosen_format(configured: str | None) -> str:
    """``LOG_FORMAT`` as configured, or text on a terminal and JSON elsewhere."""
    if configured is None:
        return TEXT if sys.stderr.isatty() else JSON
    if configured not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {configured!r}")
    return configured


def formatter(kind: str) -> logging.Formatter:
    return JsonFormatter() if kind == JSON else logging.Formatter(TEXT_FORMAT)


def configure(configured: str | None) -> None:
    """Send INFO and above to stderr in the chosen format, unless logging is set up already
    (a second app in the same process, or a host that configured the root logger)."""
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(chosen_format(configured)))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
