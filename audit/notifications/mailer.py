"""Send plain-text e-mail (with attachments, if any) through an SMTP server with smtplib.

Nothing here knows about requests or the database: :func:`send_messages`
takes the settings and the messages, opens one connection, and says which
messages went. A server that is down or refuses a message is logged and
reported back as not sent; it never raises, so no user action fails because
of e-mail.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from audit.metrics import MAIL_FAILURES

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MailSettings:
    server: str
    port: int = 25
    use_tls: bool = False
    username: str = ""
    password: str = ""
    sender: str = "service-audit@localhost"
    timeout: float = 10.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings | None:
        """The app's mail settings, or None when ``MAIL_SERVER`` is not set."""
        server = config.get("MAIL_SERVER")
        if not server:
            return None
        return cls(
            server=server,
            port=int(config.get("MAIL_PORT") or 25),
            use_tls=bool(config.get("MAIL_USE_TLS")),
            username=config.get("MAIL_USERNAME") or "",
            password=config.get("MAIL_PASSWORD") or "",
            sender=config.get("MAIL_FROM") or cls.sender,
            timeout=float(config.get("MAIL_TIMEOUT") or 10.0),
        )


@dataclass(frozen=True)
class MailAttachment:
    filename: str
    data: bytes
    content_type: str = "application/pdf"


@dataclass(frozen=True)
class OutgoingMail:
    """One message; ``key`` lets the caller tell which messages were sent. ``headers`` are
    added as they are (``List-Unsubscribe``…), ``attachments`` after the text."""

    key: int
    to: str
    subject: str
    body: str
    headers: tuple[tuple[str, str], ...] = ()
    attachments: tuple[MailAttachment, ...] = ()


def build_message(settings: MailSettings, mail: OutgoingMail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    for name, value in mail.headers:
        message[name] = value
    message.set_content(mail.body)
    for attachment in mail.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return message


def send_messages(settings: MailSettings, mails: Iterable[OutgoingMail]) -> list[int]:
    """Send every message over one connection; return the keys of those the server accepted."""
    mails = list(mails)
    if not mails:
        return []
    sent: list[int] = []
    try:
        with smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout) as smtp:
            if settings.use_tls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.username:
                smtp.login(settings.username, settings.password)
            for mail in mails:
                try:
                    smtp.send_message(build_message(settings, mail))
                except smtplib.SMTPException:
                    log.exception("mail to %s refused by %s", mail.to, settings.server)
                else:
                    sent.append(mail.key)
    except (OSError, smtplib.SMTPException):
        log.exception(
            "could not send %d mail(s) through %s:%s", len(mails), settings.server, settings.port
        )
    MAIL_FAILURES.inc(len(mails) - len(sent))
    return sent
