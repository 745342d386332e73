"""Coaching notes over the API: the coaching area's forms, service and guard. Managers
write and read notes to staff in their regions; a staff member's token reaches only the
notes to them, as their portal shows them, and may acknowledge and answer them.

Creates and one-time decisions accept ``Idempotency-Key``: a retry of a request that
worked gets its first answer again instead of a second record or a 409.
"""

from __future__ import annotations

from flask import url_for
from sqlalchemy import false
from sqlalchemy.orm import joinedload, selectinload

from audit.access import MANAGERS, get_staff_member, get_visit
from audit.api.auth import api_access, api_user
from audit.api.blueprint import bp
from audit.api.followup_schemas import (
    CoachingNoteClosing,
    CoachingNoteCreate,
    CoachingNoteOut,
    CoachingNotePage,
    CoachingNoteQuery,
    CoachingReplyCreate,
    coaching_note_out,
)
from audit.api.form_input import as_formdata, form_kwargs, validated
from audit.api.idempotency import idempotent
from audit.api.pagination import page_of
from audit.api.refusals import refusal, sent_record
from audit.api.spec import api_spec, responses
from audit.coaching import service
from audit.coaching.forms import CloseForm, NoteForm, ReplyForm
from audit.coaching.routes import get_note
from audit.coaching.service import CoachingError, NoteFilter
from audit.models import CoachingNote, CoachingReply, Role, Visit

TAGS = ["coaching notes"]
#: Who reads notes: managers in their regions, staff the notes to them.
READERS = (Role.STAFF, *MANAGERS)


def _noted(note: CoachingNote, status: int = 200):  # noqa: ANN202  (a view's answer)
    out = coaching_note_out(note, api_user())
    if status == 201:
        return out, 201, {"Location": url_for("api.read_coaching_note", note_id=note.id)}
    return out


@bp.get("/coaching-notes")
@api_access("coaching-notes", roles=READERS)
@api_spec.validate(query=CoachingNoteQuery, resp=responses(200, CoachingNotePage, 422), tags=TAGS)
def list_coaching_notes(query: CoachingNoteQuery):
    """Coaching notes: a manager's to staff in their regions; a staff member's own, as
    their portal lists them. ``status`` is all by default."""
    user = api_user()
    rows = service.notes_query(user, NoteFilter(query.status), branch_id=query.branch_id)
    if user.role is Role.STAFF:
        member = user.staff_member
        rows = rows.where(
            CoachingNote.staff_member_id == member.id if member is not None else false()
        )
    if query.staff_id is not None:
        rows = rows.where(CoachingNote.staff_member_id == query.staff_id)
    rows = rows.order_by(None).options(
        selectinload(CoachingNote.replies).joinedload(CoachingReply.author),
        joinedload(CoachingNote.visit),
    )
    items, next_cursor = page_of(rows, CoachingNote.id, query.limit, query.cursor)
    return CoachingNotePage(
        items=[coaching_note_out(n, user) for n in items], next_cursor=next_cursor
    )


@bp.get("/coaching-notes/<int:note_id>")
@api_access("coaching-notes", roles=READERS)
@api_spec.validate(resp=responses(200, CoachingNoteOut, 404), tags=TAGS)
def read_coaching_note(note_id: int):
    """One note with its replies."""
    return _noted(get_note(note_id, api_user()))


@bp.post("/coaching-notes")
@api_access("coaching-notes", write=True, roles=MANAGERS)
@idempotent
@api_spec.validate(json=CoachingNoteCreate, resp=responses(201, CoachingNoteOut, 422), tags=TAGS)
def create_coaching_note(json: CoachingNoteCreate):
    """Write a note to a staff member in the caller's regions, about a reviewed visit that
    names them or about nothing in particular (accepts ``Idempotency-Key``). The staff
    member is told."""
    user = api_user()
    member = sent_record(get_staff_member, json.staff_id, "staff_id", "staff member", user)
    visit: Visit | None = None
    if json.visit_id is not None:
        visit = sent_record(get_visit, json.visit_id, "visit_id", "visit", user)
    sent = {"body": json.body, "goal": json.goal, "follow_up_on": json.follow_up_on}
    form = validated(NoteForm(formdata=as_formdata(sent), **form_kwargs()), {})
    try:
        if visit is not None:
            service.check_visit_for(member, visit)
        note = service.create_note(
            user,
            member,
            form.body.data,
            goal=form.goal.data or "",
            follow_up_on=form.follow_up_on.data,
            visit=visit,
        )
    except CoachingError as error:
        raise refusal(error, fallback="visit_id" if visit else "body") from None
    return _noted(note, 201)


@bp.post("/coaching-notes/<int:note_id>/replies")
@api_access("coaching-notes", write=True, roles=READERS)
@idempotent
@api_spec.validate(
    json=CoachingReplyCreate, resp=responses(201, CoachingNoteOut, 404, 409, 422), tags=TAGS
)
def reply_to_coaching_note(note_id: int, json: CoachingReplyCreate):
    """Answer an open note: the staff member's reply tells its author, a manager's the
    staff member (accepts ``Idempotency-Key``)."""
    user = api_user()
    note = get_note(note_id, user)
    form = validated(ReplyForm(formdata=as_formdata(json.model_dump()), **form_kwargs()), {})
    try:
        service.reply(note, user, form.body.data)
    except CoachingError as error:
        raise refusal(error) from None
    return _noted(note, 201)


@bp.post("/coaching-notes/<int:note_id>/acknowledge")
@api_access("coaching-notes", write=True, roles=(Role.STAFF,))
@idempotent
@api_spec.validate(resp=responses(200, CoachingNoteOut, 404, 409), tags=TAGS)
def acknowledge_coaching_note(note_id: int):
    """The staff member confirms they have read the note (once); its author is told."""
    user = api_user()
    note = get_note(note_id, user)
    try:
        service.acknowledge(note, user)
    except CoachingError as error:
        raise refusal(error) from None
    return _noted(note)


@bp.post("/coaching-notes/<int:note_id>/close")
@api_access("coaching-notes", write=True, roles=MANAGERS)
@idempotent
@api_spec.validate(
    json=CoachingNoteClosing, resp=responses(200, CoachingNoteOut, 404, 409, 422), tags=TAGS
)
def close_coaching_note(note_id: int, json: CoachingNoteClosing):
    """Close a note once the follow-up has happened."""
    user = api_user()
    note = get_note(note_id, user)
    form = validated(CloseForm(formdata=as_formdata(json.model_dump()), **form_kwargs()), {})
    try:
        service.close(note, user, form.closing_note.data or "")
    except CoachingError as error:
        raise refusal(error) from None
    return _noted(note)
