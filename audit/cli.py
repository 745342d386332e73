"""Every ``flask --app wsgi`` command, registered in one place.

Each area keeps its commands in its own ``cli.py`` (a click group named after the
area, or a single command); this list is the only place they are added to the app.
"""

from __future__ import annotations

from flask import Flask

from audit.accounts.cli import users_cli
from audit.actions.cli import actions_cli
from audit.api.cli import tokens_cli
from audit.assignments.cli import assignments_cli
from audit.backup.cli import backup_cli
from audit.coaching.cli import coaching_cli
from audit.demo.cli import demo_command
from audit.documents.cli import report_cli
from audit.jobs.cli import jobs_cli, worker_command
from audit.notifications.cli import notifications_cli
from audit.org.cli import branches_cli, staff_cli
from audit.privacy.cli import erase_cli, retention_cli
from audit.scorecards.cli import scorecards_cli
from audit.storage.cli import storage_cli
from audit.surveys.cli import surveys_cli
from audit.trust.cli import trust_cli
from audit.visits.cli import visits_cli
from audit.webhooks.cli import webhooks_cli

COMMANDS = (
    demo_command,
    users_cli,
    tokens_cli,
    branches_cli,
    staff_cli,
    scorecards_cli,
    visits_cli,
    assignments_cli,
    actions_cli,
    coaching_cli,
    notifications_cli,
    report_cli,
    jobs_cli,
    storage_cli,
    backup_cli,
    retention_cli,
    erase_cli,
    webhooks_cli,
    trust_cli,
    surveys_cli,
)


def register(app: Flask) -> None:
    if worker_command.name not in report_cli.commands:
        report_cli.add_command(worker_command)
    for command in COMMANDS:
        app.cli.add_command(command)
