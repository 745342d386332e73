"""Builders for test data, the one place tests make their records.

Import everything from here (``from tests.builders import make_branch``); the modules
are grouped by noun:

- :mod:`.org`: regions, branches, staff members, user accounts
- :mod:`.scorecards`: the rules card, the branch-visit card's two versions, any card
- :mod:`.visits`: answer sets, visits imported, started, reviewed or with a given
  percent; answer changes and photos
- :mod:`.assignments`, :mod:`.actions`, :mod:`.appeals`, :mod:`.coaching`: those records
- :mod:`.events`: reading the audit trail, and back-dated events
- :mod:`.worlds`: small organisations for groups of tests (:func:`make_world` and those
  built on it)
- :mod:`.small_org`: the report tests' small organisation and the feedback built on it

Small builders add to the session and flush; worlds commit. Actions, appeals, notes and
visits go through the app's services where the data allows, so they come with the events
and notifications the app would make.
"""

from tests.builders.actions import make_action
from tests.builders.appeals import make_appeal
from tests.builders.assignments import TODAY, S, make_assignment
from tests.builders.coaching import make_note
from tests.builders.events import (
    audit_events,
    count_events,
    event_actions,
    event_log,
    make_event,
)
from tests.builders.org import make_branch, make_region, make_staff, make_staff_login, make_user
from tests.builders.scorecards import (
    BRANCH_VISIT,
    DATA,
    RULES_CARD,
    branch_visit_versions,
    definition_of_data,
    publish_card,
    publish_report_cards,
    published_card,
)
from tests.builders.small_org import (
    APPELLANT_MANAGER_NAME,
    DECIDER_NAME,
    GREETED,
    PHOTO_ORIGINAL,
    REPORT_SHOPPER_EMAIL,
    REPORT_SHOPPER_NAME,
    REVIEWER_NAME,
    ReviewStory,
    Small,
    add_review_story,
    build_small,
    make_dashboard_feedback_world,
    make_report_feedback_world,
)
from tests.builders.visits import (
    EXCELLENT,
    FULL,
    PARTLY,
    add_visits,
    approved_record,
    attach_photo,
    import_visits,
    make_answer_change,
    make_visit,
    publish_reviewed,
    started_draft,
)
from tests.builders.worlds import (
    SHOPPER_EMAIL,
    SHOPPER_NAME,
    make_appeal_figures_world,
    make_appeal_world,
    make_assignment_world,
    make_coaching_world,
    make_shop_world,
    make_staff_visit_world,
    make_world,
)

__all__ = [
    "approved_record",
    "APPELLANT_MANAGER_NAME",
    "BRANCH_VISIT",
    "DATA",
    "DECIDER_NAME",
    "EXCELLENT",
    "FULL",
    "GREETED",
    "PARTLY",
    "PHOTO_ORIGINAL",
    "REPORT_SHOPPER_EMAIL",
    "REPORT_SHOPPER_NAME",
    "REVIEWER_NAME",
    "RULES_CARD",
    "S",
    "SHOPPER_EMAIL",
    "SHOPPER_NAME",
    "TODAY",
    "ReviewStory",
    "Small",
    "add_review_story",
    "add_visits",
    "attach_photo",
    "audit_events",
    "branch_visit_versions",
    "build_small",
    "count_events",
    "definition_of_data",
    "event_actions",
    "event_log",
    "import_visits",
    "make_action",
    "make_answer_change",
    "make_appeal",
    "make_appeal_figures_world",
    "make_appeal_world",
    "make_assignment",
    "make_assignment_world",
    "make_branch",
    "make_coaching_world",
    "make_dashboard_feedback_world",
    "make_event",
    "make_note",
    "make_region",
    "make_report_feedback_world",
    "make_shop_world",
    "make_staff_visit_world",
    "make_staff",
    "make_staff_login",
    "make_user",
    "make_visit",
    "make_world",
    "publish_card",
    "publish_report_cards",
    "publish_reviewed",
    "published_card",
    "started_draft",
]
