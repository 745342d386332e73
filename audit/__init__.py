"""Service Audit: the application factory."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from audit.config import PROJECT_ROOT, settings_from_env
from audit.extensions import bootstrap, csrf, db, login_manager, migrate
from audit.models.types import render_migration_item


class AuditFlask(Flask):
    def log_exception(self, exc_info: Any) -> None:
        """The traceback of a failed request, with the id its answer and the person saw."""
        from flask import request

        from audit.web import request_id

        self.logger.error(
            "Exception on %s %s (request %s)",
            request.method,
            request.path,
            request_id.current(),
            exc_info=exc_info,
        )


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = AuditFlask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    if config and "INSTANCE_PATH" in config:
        app.instance_path = str(config["INSTANCE_PATH"])
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(settings_from_env(Path(app.instance_path)))
    if config:
        app.config.update(config)

    register_extensions(app)
    register_blueprints(app)
    register_security(app)
    register_operations(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_commands(app)
    configure_logging(app)
    return app


def register_extensions(app: Flask) -> None:
    from audit import models  # noqa: F401  (every table known to metadata and Alembic)
    from audit.accounts.password_check import check_hash_method
    from audit.languages import register_languages
    from audit.notifications.service import register_mail_hooks
    from audit.org.timezones import check_default_zone, register_local_day_hooks
    from audit.reporting.rollups import register_rollup_hooks
    from audit.storage.files import register_file_cleanup

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(PROJECT_ROOT / "migrations"),
        render_as_batch=True,
        compare_type=True,
        render_item=render_migration_item,
    )
    # Session and engine hooks, registered here rather than as a side effect of an import.
    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)
    register_file_cleanup()
    check_default_zone(app)
    check_hash_method(app)
    register_local_day_hooks()  # before the rollups', which read visits.local_day
    register_rollup_hooks()
    register_mail_hooks()
    csrf.init_app(app)
    bootstrap.init_app(app)
    login_manager.init_app(app)
    register_languages(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(session_key: str) -> models.User | None:
        from audit.accounts.sessions import user_for_key

        return user_for_key(session_key)


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """WAL for concurrent readers and foreign keys on, for every SQLite connection."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def register_blueprints(app: Flask) -> None:
    from audit.accounts import (  # noqa: F401  (their views register on the auth blueprint)
        account_routes,
        api_token_routes,
        invite_routes,
        reset_routes,
        sso_routes,
        two_factor_routes,
    )
    from audit.accounts.routes import bp as auth_bp
    from audit.actions.routes import bp as actions_bp
    from audit.admin.routes import bp as admin_bp
    from audit.api.blueprint import register_api
    from audit.appeals.routes import bp as appeals_bp
    from audit.assignments.routes import bp as assignments_bp
    from audit.calibration.routes import bp as calibration_bp
    from audit.coaching.routes import bp as coaching_bp
    from audit.dashboards import (  # noqa: F401  (views register on bp)
        downloads,
        subscription_routes,
        views,
        voice_views,
    )
    from audit.dashboards.blueprint import bp as reports_bp
    from audit.main.routes import bp as main_bp
    from audit.notifications.routes import bp as notifications_bp
    from audit.org.routes import bp as org_bp
    from audit.privacy.routes import bp as privacy_bp
    from audit.review.routes import bp as review_bp
    from audit.scorecards.routes import bp as scorecards_bp
    from audit.shop.routes import bp as shop_bp
    from audit.surveys.routes import bp as surveys_bp
    from audit.trust import rating_routes, shopper_routes  # noqa: F401  (views on trust bp)
    from audit.trust.routes import bp as trust_bp
    from audit.webhooks.routes import bp as webhooks_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(org_bp, url_prefix="/org")
    app.register_blueprint(review_bp, url_prefix="/review")
    app.register_blueprint(assignments_bp, url_prefix="/assignments")
    app.register_blueprint(scorecards_bp, url_prefix="/scorecards")
    app.register_blueprint(shop_bp, url_prefix="/shop")
    app.register_blueprint(reports_bp, url_prefix="/reports")
    app.register_blueprint(coaching_bp, url_prefix="/coaching")
    app.register_blueprint(notifications_bp, url_prefix="/notifications")
    app.register_blueprint(actions_bp, url_prefix="/actions")
    app.register_blueprint(appeals_bp, url_prefix="/appeals")
    app.register_blueprint(webhooks_bp, url_prefix="/admin/webhooks")
    app.register_blueprint(privacy_bp, url_prefix="/admin/privacy")
    app.register_blueprint(trust_bp, url_prefix="/trust")
    app.register_blueprint(calibration_bp, url_prefix="/calibration")
    app.register_blueprint(surveys_bp, url_prefix="/survey")
    register_api(app)  # /api/v1/: bearer tokens, no CSRF


def register_security(app: Flask) -> None:
    from audit.web import request_id
    from audit.web.compression import gzip_response
    from audit.web.security import add_security_headers

    request_id.register(app)
    app.after_request(add_security_headers)
    if app.config.get("GZIP_RESPONSES"):
        app.after_request(gzip_response)


def register_operations(app: Flask) -> None:
    from audit.ops import register

    register(app)


def register_error_handlers(app: Flask) -> None:
    from audit.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from audit.demo import login_page
    from audit.templating import register

    register(app)
    login_page.register(app)


def register_commands(app: Flask) -> None:
    from audit.cli import register

    register(app)


def configure_logging(app: Flask) -> None:
    from audit.ops import logs
    from audit.web.request_id import RequestIdFilter

    if not app.debug and not app.testing:
        logs.configure(app.config.get("LOG_FORMAT"))  # JSON lines, or text on a terminal
        for handler in logging.getLogger().handlers:
            if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
                handler.addFilter(RequestIdFilter())
