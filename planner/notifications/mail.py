"""Sending email through the configured SMTP server (``PLANNER_SMTP_*``), and nothing else.

One connection per batch; TLS as configured (``none``, ``starttls`` or implicit ``ssl``),
with the system's certificate store; the password comes from the settings (the
environment), never from the database.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from types import TracebackType

from planner.core import clock
from planner.core.settings import Settings

TIMEOUT_SECONDS = 15


class Mailer:
    """An open connection to the SMTP server, used as a context manager."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        s = self.settings
        if s.smtp_tls == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                s.smtp_host,
                s.smtp_port,
                timeout=TIMEOUT_SECONDS,
                context=ssl.create_default_context(),
            )
        else:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=TIMEOUT_SECONDS)
            if s.smtp_tls == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if s.smtp_username:
            smtp.login(s.smtp_username, s.smtp_password.get_secret_value())
        self._smtp = smtp
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def send(self, *, to: str, subject: str, body: str, notice_id: int, key: str) -> None:
        """Send one notice. Its Message-ID is fixed by the notice (:func:`message_id`), so
        the same notice sent twice (after a crash between the server accepting it and the
        outbox recording it) is the same message to every mail system and client."""
        assert self._smtp is not None, "use the mailer as a context manager"
        message = EmailMessage()
        message["From"] = self.settings.smtp_sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = format_datetime(clock.now())
        message["Message-ID"] = message_id(notice_id, key, self.settings.smtp_sender)
        message["X-Planner-Notice"] = str(notice_id)
        message.set_content(body)
        self._smtp.send_message(message)


def message_id(notice_id: int, key: str, sender: str) -> str:
    """The one Message-ID of a notice, the same at every attempt: its outbox id and a digest
    of its unique key (so ids of two databases never collide), at the sender's domain.
    Delivery is at least once; this is how a duplicate is recognised (RFC 5322 3.6.4)."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "planner.invalid"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return f"<notice-{notice_id}.{digest}@{domain}>"
