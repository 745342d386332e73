"""All models, imported here so Alembic and the app see every table."""

from audit.models.audit_event import AuditEvent, record_event
from audit.models.login_attempt import LoginAttempt
from audit.models.org import Branch, Region, StaffMember
from audit.models.user import SCOPED_ROLES, Role, User, user_regions

__all__ = [
    "SCOPED_ROLES",
    "AuditEvent",
    "Branch",
    "LoginAttempt",
    "Region",
    "Role",
    "StaffMember",
    "User",
    "record_event",
    "user_regions",
]
