"""Where people's words are stored: the columns an erasure sweeps for a person's name,
e-mail and staff code (:func:`audit.privacy.rewrite.sweep`).

An explicit list, because most text columns are not prose: a setting's value, a role, a
link, a storage key, a code. Rewriting "admin" there because someone was named Admin
broke two-factor sign-in; rewriting a staff code 104 turned ``/visits/104`` into a
pseudonym. So only what people wrote, and the app's copies of it (the audit trail's
details, notifications, stored API answers and webhook bodies, mail errors naming a
recipient), is swept.

Every other text column is in :data:`LEFT_OUT`; a test fails for a text column in
neither, so a column added later is classified rather than silently skipped.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, select

from audit.models import (
    Action,
    ActionUpdate,
    Answer,
    AnswerChange,
    Appeal,
    Assignment,
    Attachment,
    AuditEvent,
    CalibrationCase,
    CalibrationReference,
    CalibrationResponse,
    CoachingNote,
    CoachingReply,
    IdempotentRequest,
    Kudos,
    Notification,
    ReportMailing,
    ReportSubscription,
    ReviewerComment,
    ScorecardQuestion,
    SurveyContact,
    Visit,
    VisitSignal,
    WebhookDelivery,
)
from audit.privacy.rewrite import Place

__all__ = ["LEFT_OUT", "free_text", "written_answer"]

#: Text columns that hold no one's words, as ``table.column`` (``table.*``: all of it).
LEFT_OUT = frozenset(
    {
        # Settings, scorecards and figures: what the app runs on.
        "settings.*",
        "scorecards.*",
        "scorecard_versions.*",
        "scorecard_sections.*",
        "scorecard_questions.*",
        "question_day_stats.*",
        "question_month_stats.*",
        "section_day_stats.*",
        "section_month_stats.*",
        "visit_day_stats.*",
        "visit_month_stats.*",
        "visit_section_scores.*",
        # The organisation, secrets, hashes, endpoints and tokens.
        "regions.*",
        "branches.*",
        "account_links.*",
        "recovery_codes.*",
        "api_tokens.*",
        "webhook_endpoints.*",
        "photo_hashes.*",
        "survey_responses.*",
        # Who people are: changed by the erasure itself, never by a sweep (a namesake
        # keeps their name); sessions and failed sign-ins are deleted.
        "users.*",
        "staff_members.*",
        "user_sessions.*",
        "login_attempts.*",
        # Keys, codes, links, states and storage names beside the free text.
        "audit_events.action",
        "audit_events.subject_type",
        "notifications.kind",
        "notifications.link",
        "reviewer_comments.category",
        "api_idempotency.key",
        "api_idempotency.request_hash",
        "api_idempotency.headers",
        "webhook_deliveries.event",
        "webhook_deliveries.delivery_id",
        "report_subscriptions.scorecard",
        "report_mailings.keys",
        "report_mailings.filename",
        "visits.external_id",
        "visits.local_day",
        "visits.band",
        "visits.client_token",
        "actions.source_key",
        "actions.question_key",
        "answers.question_key",
        "answer_changes.question_key",
        "answer_changes.source",
        "appeals.question_key",
        "appeals.evidence_name",
        "appeals.evidence_thumb_name",
        "attachments.question_key",
        "attachments.stored_name",
        "attachments.thumb_name",
        "attachments.content_type",
        "attachments.sha256",
        "action_updates.photo_name",
        "action_updates.thumb_name",
        "visit_signals.evidence",
        "calibration_photos.*",
        "calibration_references.question_key",
        "calibration_responses.question_key",
        # Values that score (a rater's answer, like a visit's choice answers).
        "calibration_references.value_text",
        "calibration_responses.value_text",
    }
)


def written_answer(model: Any) -> ColumnElement[bool]:
    """Rows of ``model`` (with ``visit_id`` and ``question_key``) about an answer to a
    free-text question: a choice's label must stay what it scores as."""
    return exists(
        select(Answer.id).where(
            Answer.visit_id == model.visit_id,
            Answer.question_key == model.question_key,
            _written(),
        )
    )


def _written() -> ColumnElement[bool]:
    return Answer.question_id.in_(
        select(ScorecardQuestion.id).where(ScorecardQuestion.type == "text")
    )


def _place(model: Any, *names: str, where: ColumnElement[bool] | None = None) -> Place:
    table = model.__table__
    return table, [table.c[name] for name in names], where


def free_text() -> list[Place]:
    """Every column where a person's name, e-mail or staff code can stand in someone's
    words or in a copy of them, with the rows that count (None: all)."""
    return [
        _place(AuditEvent, "details"),
        _place(Notification, "message"),
        _place(WebhookDelivery, "body", "response_excerpt"),
        _place(IdempotentRequest, "body"),
        _place(ReportSubscription, "last_mail_error"),
        _place(ReportMailing, "sent_to", "last_error"),
        _place(SurveyContact, "email"),
        _place(Visit, "staff_description", "exclusion_reason", "return_reason"),
        _place(Answer, "comment"),
        _place(Answer, "value_text", where=_written()),
        _place(AnswerChange, "old_comment", "new_comment", "reason"),
        _place(AnswerChange, "old_value", "new_value", where=written_answer(AnswerChange)),
        _place(Appeal, "reason", "decision_note"),
        _place(Appeal, "requested_value", where=written_answer(Appeal)),
        _place(Attachment, "original_name"),
        _place(VisitSignal, "detail"),
        _place(
            Assignment,
            "scenario",
            "override_reason",
            "rating_override_reason",
            "decline_reason",
            "cancel_reason",
        ),
        _place(CoachingNote, "body", "goal", "closing_note"),
        _place(CoachingReply, "body"),
        _place(Kudos, "message", "quoted"),
        _place(Action, "title", "description", "dismiss_reason"),
        _place(ActionUpdate, "note"),
        _place(ReviewerComment, "text"),
        _place(CalibrationCase, "title", "scenario", "transcript"),
        _place(CalibrationReference, "explanation"),
        _place(CalibrationResponse, "comment"),
    ]
