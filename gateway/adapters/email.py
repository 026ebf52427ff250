"""Sending email: SMTP (aiosmtplib) when EMAIL_ADAPTER=smtp, else the sandbox.

The sandbox accepts every message and records it, except for two reserved domains that
let the demo and the tests see the other outcomes: `bounce.example.test` answers a
permanent failure (a hard bounce), `defer.example.test` a temporary one (retry later).

An email with an `open_pixel` (its open tracking URL, gateway/organic/opens.py) goes out
with that image at the end of its HTML part (`html_part`); a plain-text email gets an HTML
part of its text for it. The sandbox records the URL beside the HTML as written.
"""

from __future__ import annotations

import html as markup
import re
from dataclasses import asdict, dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters import sandbox

if TYPE_CHECKING:
    from gateway.settings import Settings

BOUNCE_DOMAIN = "bounce.example.test"
DEFER_DOMAIN = "defer.example.test"


@dataclass(frozen=True)
class Email:
    workspace_id: str
    to: str
    subject: str
    text: str
    html: str | None = None
    sender: str | None = None  # the configured EMAIL_FROM when None
    headers: dict[str, str] = field(default_factory=dict)  # List-Unsubscribe, tags ...
    open_pixel: str | None = None  # the URL of its open pixel


_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)


def html_part(email: Email) -> str | None:
    """The HTML part as sent: the email's HTML (or its text as HTML) with the open pixel."""
    if email.open_pixel is None:
        return email.html
    image = (
        f'<img src="{markup.escape(email.open_pixel)}" width="1" height="1" alt="" '
        'style="display:block;border:0;width:1px;height:1px">'
    )
    body = email.html
    if body is None:
        paragraphs = markup.escape(email.text).replace("\n", "<br>\n")
        return f"<html><body><div>{paragraphs}</div>{image}</body></html>"
    ends = list(_BODY_END.finditer(body))
    if not ends:
        return body + image
    at = ends[-1].start()
    return body[:at] + image + body[at:]


@dataclass(frozen=True)
class Sent:
    status: str  # "sent" | "bounced" (permanent) | "deferred" (temporary: retry)
    message_id: str
    reason: str | None = None


class EmailSender(Protocol):
    name: str

    async def send(self, email: Email) -> Sent: ...


class SandboxEmail:
    name = "sandbox"

    def __init__(self, sessions: async_sessionmaker[AsyncSession], default_sender: str) -> None:
        self.sessions, self.default_sender = sessions, default_sender

    async def send(self, email: Email) -> Sent:
        domain = email.to.rpartition("@")[2].lower()
        message_id = make_msgid(domain="sandbox.gateway.invalid")
        if domain == BOUNCE_DOMAIN:
            sent = Sent("bounced", message_id, "550 5.1.1 mailbox does not exist")
        elif domain == DEFER_DOMAIN:
            sent = Sent("deferred", message_id, "451 4.7.1 try again later")
        else:
            sent = Sent("sent", message_id)
        payload = {**asdict(email), "sender": email.sender or self.default_sender}
        await sandbox.record(
            self.sessions,
            workspace_id=email.workspace_id,
            adapter="email",
            action="send",
            payload=payload,
            outcome=asdict(sent),
        )
        return sent


class SmtpEmail:
    name = "smtp"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, email: Email) -> Sent:
        import aiosmtplib

        s = self.settings
        message = EmailMessage()
        message["From"] = email.sender or s.email_from
        message["To"] = email.to
        message["Subject"] = email.subject
        message["Message-ID"] = make_msgid()
        for name, value in email.headers.items():
            message[name] = value
        message.set_content(email.text)
        if html := html_part(email):
            message.add_alternative(html, subtype="html")
        try:
            await aiosmtplib.send(
                message,
                hostname=s.smtp_host,
                port=s.smtp_port,
                username=s.smtp_username,
                password=s.smtp_password.get_secret_value() if s.smtp_password else None,
                start_tls=s.smtp_starttls,
                timeout=s.smtp_timeout_seconds,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            return Sent("bounced", message["Message-ID"], str(exc))
        except (aiosmtplib.SMTPException, OSError) as exc:
            return Sent("deferred", message["Message-ID"], str(exc))
        return Sent("sent", message["Message-ID"])


def from_settings(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> EmailSender:
    if settings.email_adapter == "smtp":
        return SmtpEmail(settings)
    return SandboxEmail(sessions, settings.email_from)
