"""Settings from environment variables, with safe defaults for the embedded setup."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

#: The repository: templates/, static/, migrations/, scorecards/ and instance/ live here.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def development_secret_key(instance_path: Path) -> str:
    """A random key kept in instance/, so sessions survive restarts on one machine.

    Production sets SECRET_KEY; nothing here is ever a fixed, guessable key.
    """
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def engine_options(database_url: str) -> dict[str, Any]:
    """SQLAlchemy's engine options for the database. On PostgreSQL, JIT compilation is off
    for the app's connections: the dashboards' aggregates are short queries whose plans
    PostgreSQL judges costly enough to compile, and compiling took 0.5 to 1.8 s a query
    at a million visits, more than running them (bench/reports.py)."""
    options: dict[str, Any] = {"pool_pre_ping": True}
    if database_url.startswith("postgresql"):
        options["connect_args"] = {"options": "-c jit=off"}
    return options


def settings_from_env(instance_path: Path) -> dict[str, Any]:
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'audit.db'}"
    if database_url.startswith("postgres://"):  # the form some hosts hand out
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgres://")
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or development_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(database_url),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE"),
        # "Keep me signed in": how long a remembered session lasts without being used.
        "REMEMBER_COOKIE_DURATION": timedelta(days=_int("REMEMBER_DAYS", 30)),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=_int("SESSION_HOURS", 12)),
        "WTF_CSRF_TIME_LIMIT": None,  # a long form must still submit after hours in a car park
        "BOOTSTRAP_SERVE_LOCAL": True,
        "BOOTSTRAP_BTN_SIZE": "md",
        "MAX_CONTENT_LENGTH": _int("MAX_UPLOAD_MB", 16) * 1024 * 1024,
        # Visit photos and receipts: stored outside the database, one file per upload.
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER") or str(instance_path / "uploads"),
        # Where every stored file lives (photos, evidence, report PDFs; audit/storage):
        # file:///ABSOLUTE/PATH or s3://BUCKET[/PREFIX] (endpoint, keys and region from the
        # standard AWS_* variables, read by boto3). Unset: file:// + UPLOAD_FOLDER.
        "STORAGE_URL": os.environ.get("STORAGE_URL") or None,
        # S3: send browsers (after the access check) to a presigned URL valid this many
        # seconds, instead of streaming the file through the app.
        "STORAGE_REDIRECT": _flag("STORAGE_REDIRECT"),
        "STORAGE_URL_SECONDS": _int("STORAGE_URL_SECONDS", 300),
        # S3: seconds to wait for the store to connect; "path" or "virtual" bucket addressing.
        "STORAGE_TIMEOUT": float(os.environ.get("STORAGE_TIMEOUT") or 10),
        "S3_ADDRESSING_STYLE": os.environ.get("S3_ADDRESSING_STYLE") or "path",
        "MAX_PHOTO_MB": _int("MAX_PHOTO_MB", 10),
        # gzip text responses (HTML, CSS, JS, JSON, SVG) when the client accepts it.
        "GZIP_RESPONSES": _flag("GZIP_RESPONSES", True),
        # Sign-in throttling: failures counted over a window, per account and per address.
        "LOGIN_THROTTLE_WINDOW_MINUTES": _int("LOGIN_THROTTLE_WINDOW_MINUTES", 15),
        "LOGIN_THROTTLE_PER_ACCOUNT": _int("LOGIN_THROTTLE_PER_ACCOUNT", 5),
        "LOGIN_THROTTLE_PER_ADDRESS": _int("LOGIN_THROTTLE_PER_ADDRESS", 20),
        # How new passwords are hashed: a method string of werkzeug.security ("scrypt" is
        # werkzeug's default; "pbkdf2:sha256:600000" where only FIPS algorithms are
        # allowed). Stored hashes name their own method, so a change applies to passwords
        # set from then on and every older one still signs in.
        "PASSWORD_HASH_METHOD": os.environ.get("PASSWORD_HASH_METHOD") or "scrypt",
        # E-mail for notifications, sent with smtplib when MAIL_SERVER is set (none by default).
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS"),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or "",
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or "",
        "MAIL_FROM": os.environ.get("MAIL_FROM") or "service-audit@localhost",
        "MAIL_TIMEOUT": float(os.environ.get("MAIL_TIMEOUT") or 10),
        # The address people open the app at, for links in e-mails (e.g. https://audit.example.org).
        "APP_URL": os.environ.get("APP_URL") or "",
        # The interface's language when neither the person's setting nor the browser's
        # Accept-Language names a shipped one (audit/languages.py): en or es.
        "AUDIT_DEFAULT_LANGUAGE": (os.environ.get("AUDIT_DEFAULT_LANGUAGE") or "en").strip(),
        # The IANA time zone a branch is put in when none is given (audit/org/timezones.py).
        "AUDIT_DEFAULT_TIMEZONE": (os.environ.get("AUDIT_DEFAULT_TIMEZONE") or "UTC").strip(),
        # The public survey page (audit/surveys): a response sent sooner than this many
        # seconds after the page was served is a robot's and is refused.
        "SURVEY_MIN_FILL_SECONDS": _int("SURVEY_MIN_FILL_SECONDS", 4),
        # Single sign-on with OpenID Connect, on when OIDC_ISSUER and OIDC_CLIENT_ID are set
        # (audit/accounts/sso_client.py). Register APP_URL + /login/sso/callback as the
        # redirect URI at the provider, and APP_URL + /login as the post-logout redirect URI.
        "OIDC_ISSUER": (os.environ.get("OIDC_ISSUER") or "").strip().rstrip("/") or None,
        "OIDC_CLIENT_ID": os.environ.get("OIDC_CLIENT_ID") or None,
        "OIDC_CLIENT_SECRET": os.environ.get("OIDC_CLIENT_SECRET") or "",
        # The button reads "Sign in with" and this name.
        "OIDC_PROVIDER_NAME": (
            os.environ.get("OIDC_PROVIDER_NAME") or "your organisation's sign-in"
        ),
        "OIDC_SCOPES": os.environ.get("OIDC_SCOPES") or "openid email profile",
        # Background jobs: RQ on Redis when REDIS_URL is set, a thread pool in the web
        # process otherwise (REPORT_THREADS workers).
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "REPORT_QUEUE": os.environ.get("REPORT_QUEUE") or "reports",
        "REPORT_THREADS": _int("REPORT_THREADS", 2),
        # The RQ queue of background tasks (e-mail, the periodic jobs); same worker command.
        "TASK_QUEUE": os.environ.get("TASK_QUEUE") or "default",
        # Report PDFs are made by background jobs; a download waits this long for its
        # job before sending the browser to the job's progress page.
        "REPORT_WAIT_SECONDS": _int("REPORT_WAIT_SECONDS", 20),
        # A comparison PDF over more branches than this goes to the progress page at once.
        "REPORT_JOB_MIN_BRANCHES": _int("REPORT_JOB_MIN_BRANCHES", 40),
        # Dashboard results cached per process until the data changes (0 turns it off).
        "REPORT_CACHE_SIZE": _int("REPORT_CACHE_SIZE", 64),
        # Webhooks: targets on private, loopback, link-local or reserved addresses are
        # refused unless this is set (tests, on-premises receivers); an endpoint is paused
        # after this many failed attempts in a row.
        "WEBHOOK_ALLOW_PRIVATE": _flag("WEBHOOK_ALLOW_PRIVATE"),
        "WEBHOOK_PAUSE_AFTER": _int("WEBHOOK_PAUSE_AFTER", 20),
        # REST API: requests a minute per token (a fixed window; Redis when REDIS_URL is set).
        "API_RATE_LIMIT": _int("API_RATE_LIMIT", 600),
        # Operations (audit/ops): /metrics is served to loopback, or to anyone sending
        # "Authorization: Bearer METRICS_TOKEN". Under several gunicorn workers, set
        # PROMETHEUS_MULTIPROC_DIR (read by prometheus_client itself at start, so it must be
        # in the environment) to an empty folder the workers share.
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN") or None,
        "PROMETHEUS_MULTIPROC_DIR": os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None,
        # Log lines: "json" (one object a line) or "text"; unset: text on a terminal, json
        # otherwise (under gunicorn, systemd or a container).
        "LOG_FORMAT": (os.environ.get("LOG_FORMAT") or "").strip().lower() or None,
        # Seconds /readyz waits for each part (database, storage, Redis) before calling it down.
        "READINESS_TIMEOUT": float(os.environ.get("READINESS_TIMEOUT") or 2),
    }
