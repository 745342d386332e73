from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from audit.config import development_secret_key, engine_options, settings_from_env
from tests.conftest import POSTGRES_URL, make_app


def test_development_key_is_generated_once_and_kept(tmp_path: Path):
    first = development_secret_key(tmp_path)
    assert len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert development_secret_key(tmp_path) == first
    assert development_secret_key(tmp_path / "other") != first


def test_secret_key_from_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    assert settings_from_env(tmp_path)["SECRET_KEY"] == "from-env"
    assert not (tmp_path / "secret_key").exists()


def test_default_database_is_sqlite_in_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert settings_from_env(tmp_path)["SQLALCHEMY_DATABASE_URI"] == (
        f"sqlite:///{tmp_path / 'audit.db'}"
    )


def test_postgres_urls_use_psycopg3(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    assert settings_from_env(tmp_path)["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    assert settings_from_env(tmp_path)["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_postgres_connections_run_without_jit(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    options = settings_from_env(tmp_path)["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options == engine_options("postgresql+psycopg://u@h/db")
    assert options["connect_args"] == {"options": "-c jit=off"}
    assert "connect_args" not in engine_options("sqlite:///audit.db")
    if POSTGRES_URL:  # the option as PostgreSQL takes it
        engine = create_engine(POSTGRES_URL, **options)
        with engine.connect() as connection:
            assert connection.scalar(text("SHOW jit")) == "off"
        engine.dispose()


def test_secure_cookie_flag(tmp_path, monkeypatch):
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    settings = settings_from_env(tmp_path)
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"


#: A value for every variable .env.example documents, different from its default.
DOCUMENTED = {
    "DATABASE_URL": "postgresql://u@h/db",
    "SECRET_KEY": "from-the-environment",
    "SESSION_COOKIE_SECURE": "1",
    "SESSION_HOURS": "3",
    "MAX_UPLOAD_MB": "5",
    "UPLOAD_FOLDER": "/srv/uploads",
    "STORAGE_URL": "s3://bucket/prefix",
    "STORAGE_REDIRECT": "1",
    "STORAGE_URL_SECONDS": "60",
    "STORAGE_TIMEOUT": "3",
    "S3_ADDRESSING_STYLE": "virtual",
    "MAX_PHOTO_MB": "4",
    "GZIP_RESPONSES": "0",
    "LOGIN_THROTTLE_WINDOW_MINUTES": "30",
    "LOGIN_THROTTLE_PER_ACCOUNT": "9",
    "LOGIN_THROTTLE_PER_ADDRESS": "99",
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:600000",
    "MAIL_SERVER": "smtp.example.org",
    "MAIL_PORT": "587",
    "MAIL_USE_TLS": "1",
    "MAIL_USERNAME": "mailer",
    "MAIL_PASSWORD": "secret",
    "MAIL_FROM": "audit@example.org",
    "MAIL_TIMEOUT": "3",
    "APP_URL": "https://audit.example.org",
    "AUDIT_DEFAULT_LANGUAGE": "es",
    "AUDIT_DEFAULT_TIMEZONE": "Europe/Madrid",
    "SURVEY_MIN_FILL_SECONDS": "9",
    "REDIS_URL": "redis://127.0.0.1:6379/5",
    "REPORT_QUEUE": "pdfs",
    "REPORT_THREADS": "5",
    "TASK_QUEUE": "mail",
    "REPORT_WAIT_SECONDS": "3",
    "REPORT_JOB_MIN_BRANCHES": "12",
    "REPORT_CACHE_SIZE": "0",
    "API_RATE_LIMIT": "60",
    "WEBHOOK_ALLOW_PRIVATE": "1",
    "WEBHOOK_PAUSE_AFTER": "5",
    "REMEMBER_DAYS": "14",
    "OIDC_ISSUER": "https://id.example.org",
    "OIDC_CLIENT_ID": "service-audit",
    "OIDC_CLIENT_SECRET": "change-me",
    "OIDC_PROVIDER_NAME": "Acme ID",
    "OIDC_SCOPES": "openid email",
    "METRICS_TOKEN": "change-me",
    "PROMETHEUS_MULTIPROC_DIR": "/run/service-audit/metrics",
    "LOG_FORMAT": "json",
    "READINESS_TIMEOUT": "5",
}


def documented_variables() -> set[str]:
    from audit.config import PROJECT_ROOT

    text = (PROJECT_ROOT / ".env.example").read_text()
    return {
        line.split("=", 1)[0].lstrip("# ").strip()
        for line in text.splitlines()
        if "=" in line and line.lstrip("# ").split("=", 1)[0].strip().isupper()
    }


def test_every_documented_variable_changes_its_setting(tmp_path, monkeypatch):
    assert documented_variables() == set(DOCUMENTED)
    for name in DOCUMENTED:
        monkeypatch.delenv(name, raising=False)
    defaults = settings_from_env(tmp_path)
    for name, value in DOCUMENTED.items():
        monkeypatch.setenv(name, value)
        changed = {k for k, v in settings_from_env(tmp_path).items() if defaults.get(k) != v}
        monkeypatch.delenv(name)
        assert changed, f"{name}={value} changes no setting"


def test_new_passwords_are_hashed_by_the_configured_method_and_old_ones_still_match(app):
    from audit.models import User

    with app.app_context():
        app.config["PASSWORD_HASH_METHOD"] = "scrypt"
        old = User(email="old@example.org", name="Old")
        old.set_password("an older password")
        app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:600000"
        new = User(email="new@example.org", name="New")
        new.set_password("a newer password")
    assert old.password_hash.startswith("scrypt:") and new.password_hash.startswith("pbkdf2:")
    assert old.check_password("an older password") and new.check_password("a newer password")
    assert not old.check_password("a newer password")


@pytest.mark.parametrize("method", ["scrpyt", "pbkdf2:sha999", "pbkdf2:sha256:many"])
def test_an_unknown_password_hash_method_stops_the_app_at_start(tmp_path, method):
    with pytest.raises(RuntimeError, match="PASSWORD_HASH_METHOD"):
        make_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path, PASSWORD_HASH_METHOD=method)
