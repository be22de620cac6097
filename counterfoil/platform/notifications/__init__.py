"""Email: an outbox table, sent by SMTP when configured, shown on a dev page otherwise."""

from counterfoil.platform.notifications.outbox import queue_email, recent, send_email

__all__ = ["queue_email", "recent", "send_email"]
