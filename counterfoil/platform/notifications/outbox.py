"""The email outbox. A message is queued once per purpose (its dedupe key, such as
`<reference>-receipt`) in the transaction of the change it reports, then sent by SMTP when a host is
configured. A retried send after a crash may repeat a message, never lose one."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage as MimeMessage

from sqlmodel import Session, col, select

from counterfoil.platform.context import Platform
from counterfoil.platform.db.models import EmailMessage


def queue_email(
    session: Session, *, council_id: int, dedupe_key: str, to: str, subject: str, body: str
) -> bool:
    """Queue a message unless one with this key exists; True when this call queued it."""
    if session.exec(select(EmailMessage).where(EmailMessage.dedupe_key == dedupe_key)).first():
        return False
    session.add(
        EmailMessage(
            council_id=council_id, dedupe_key=dedupe_key, to=to, subject=subject, body=body
        )
    )
    return True


def send_email(platform: Platform, dedupe_key: str) -> bool:
    """Send a queued message by SMTP and mark it sent; False when no SMTP host is configured (it
    stays in the outbox, shown on /dev/outbox). SMTP errors propagate, so the caller retries."""
    settings = platform.settings
    if not settings.smtp_host:
        return False
    with platform.session() as session:
        message = session.exec(
            select(EmailMessage).where(EmailMessage.dedupe_key == dedupe_key)
        ).one()
        if message.sent_at is not None:
            return True
        mime = MimeMessage()
        mime["From"] = settings.mail_from
        mime["To"] = message.to
        mime["Subject"] = message.subject
        mime.set_content(message.body)
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
            smtp.send_message(mime)
        message.sent_at = datetime.now(UTC)
        session.add(message)
    return True


def recent(session: Session, limit: int = 100) -> list[EmailMessage]:
    """The newest messages, sent or not, for the dev outbox page."""
    query = select(EmailMessage).order_by(col(EmailMessage.created_at).desc()).limit(limit)
    return list(session.exec(query).all())
