"""All models, imported here so Alembic and the app see every table."""

from audit.models.account import AccountLink, LinkPurpose, RecoveryCode, UserSession
from audit.models.action import (
    ACTIVE_ACTION_STATUSES,
    Action,
    ActionKind,
    ActionPriority,
    ActionStatus,
    ActionUpdate,
)
from audit.models.api_token import ApiToken, IdempotentRequest, RateLimitWindow
from audit.models.appeal import Appeal, AppealStatus
from audit.models.assignment import OPEN_STATUSES, Assignment, AssignmentStatus
from audit.models.attachment import Attachment, AttachmentKind
from audit.models.audit_event import (
    EVENT_WORDS,
    AuditEvent,
    event_words,
    record_event,
    record_new,
)
from audit.models.calibration import (
    CalibrationAssignment,
    CalibrationCase,
    CalibrationPhoto,
    CalibrationReference,
    CalibrationResponse,
    CaseStatus,
)
from audit.models.coaching import CoachingNote, CoachingReply, Kudos
from audit.models.login_attempt import LoginAttempt
from audit.models.notification import Notification
from audit.models.org import Branch, Region, StaffMember
from audit.models.report_subscription import (
    ReportFrequency,
    ReportMailing,
    ReportSubscription,
    ReportUnit,
    report_subscription_recipients,
)
from audit.models.review import AnswerChange, ReviewerComment
from audit.models.rollup import (
    QuestionDayStats,
    QuestionMonthStats,
    SectionDayStats,
    SectionMonthStats,
    VisitDayStats,
    VisitMonthStats,
)
from audit.models.scorecard import (
    Scorecard,
    ScorecardQuestion,
    ScorecardSection,
    ScorecardVersion,
    VersionStatus,
)
from audit.models.setting import Setting
from audit.models.survey import SurveyContact, SurveyResponse
from audit.models.survey_follow_up import SharedSurveyComment
from audit.models.trust import (
    CROSS_VISIT_KINDS,
    PhotoHash,
    SignalKind,
    SignalLevel,
    VisitSignal,
)
from audit.models.user import SCOPED_ROLES, Role, User, user_regions
from audit.models.visit import (
    REPORTABLE_STATUSES,
    Answer,
    Visit,
    VisitSectionScore,
    VisitStatus,
    visit_staff,
)
from audit.models.webhook import DeliveryStatus, WebhookDelivery, WebhookEndpoint

__all__ = [
    "SharedSurveyComment",
    "SurveyContact",
    "SurveyResponse",
    "ApiToken",
    "IdempotentRequest",
    "RateLimitWindow",
    "AccountLink",
    "LinkPurpose",
    "RecoveryCode",
    "UserSession",
    "ACTIVE_ACTION_STATUSES",
    "Action",
    "ActionKind",
    "ActionPriority",
    "ActionStatus",
    "ActionUpdate",
    "Appeal",
    "AppealStatus",
    "CoachingNote",
    "CoachingReply",
    "Kudos",
    "Notification",
    "QuestionDayStats",
    "QuestionMonthStats",
    "SectionDayStats",
    "SectionMonthStats",
    "VisitDayStats",
    "VisitMonthStats",
    "OPEN_STATUSES",
    "AnswerChange",
    "Assignment",
    "AssignmentStatus",
    "Attachment",
    "AttachmentKind",
    "CalibrationAssignment",
    "CalibrationCase",
    "CalibrationPhoto",
    "CalibrationReference",
    "CalibrationResponse",
    "CaseStatus",
    "ReviewerComment",
    "Setting",
    "REPORTABLE_STATUSES",
    "SCOPED_ROLES",
    "Answer",
    "Scorecard",
    "ScorecardQuestion",
    "ScorecardSection",
    "ScorecardVersion",
    "VersionStatus",
    "Visit",
    "VisitSectionScore",
    "VisitStatus",
    "visit_staff",
    "AuditEvent",
    "EVENT_WORDS",
    "event_words",
    "Branch",
    "ReportFrequency",
    "ReportMailing",
    "ReportSubscription",
    "ReportUnit",
    "report_subscription_recipients",
    "LoginAttempt",
    "Region",
    "Role",
    "StaffMember",
    "User",
    "record_event",
    "record_new",
    "user_regions",
    "DeliveryStatus",
    "WebhookDelivery",
    "WebhookEndpoint",
    "CROSS_VISIT_KINDS",
    "PhotoHash",
    "SignalKind",
    "SignalLevel",
    "VisitSignal",
]
