"""Outgoing email: the sandbox records what it would send and answers the documented
outcomes; the SMTP adapter really talks SMTP (to a local aiosmtpd server)."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from gateway.adapters import email, sandbox
from gateway.settings import Settings


async def test_the_sandbox_records_each_message_and_its_outcome(sessions: Any, workspace: str):
    sender = email.from_settings(Settings(_env_file=None), sessions)
    assert sender.name == "sandbox"
    ok = await sender.send(
        email.Email(workspace, "ada@example.test", "Welcome", "Hello Ada", html="<p>Hello</p>")
    )
    bounced = await sender.send(
        email.Email(workspace, "nobody@bounce.example.test", "Welcome", "Hello")
    )
    later = await sender.send(email.Email(workspace, "busy@defer.example.test", "Hi", "Hello"))
    assert (ok.status, bounced.status, later.status) == ("sent", "bounced", "deferred")
    assert bounced.reason and bounced.reason.startswith("550")

    recorded = await sandbox.calls(sessions, workspace, "email")
    assert [c.payload["to"] for c in recorded] == [
        "ada@example.test",
        "nobody@bounce.example.test",
        "busy@defer.example.test",
    ]
    assert recorded[0].payload["html"] == "<p>Hello</p>"
    assert recorded[0].payload["sender"].endswith("<no-reply@gateway.invalid>")
    assert recorded[0].outcome["message_id"] == ok.message_id


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Any:
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


async def test_the_smtp_adapter_delivers_over_smtp(smtp_server: Any, sessions: Any, workspace):
    controller, inbox = smtp_server
    settings = Settings(
        _env_file=None,
        email_adapter="smtp",
        smtp_host="127.0.0.1",
        smtp_port=controller.port,
        smtp_starttls=False,
        email_from="Team <team@example.test>",
    )
    sender = email.from_settings(settings, sessions)
    sent = await sender.send(
        email.Email(
            workspace,
            "grace@example.test",
            "Your export",
            "It is ready",
            headers={"List-Unsubscribe": "<https://example.test/u/1>"},
        )
    )
    assert sent.status == "sent"
    (envelope,) = inbox.messages
    assert envelope.rcpt_tos == ["grace@example.test"]
    content = envelope.content.decode()
    assert "Subject: Your export" in content and "List-Unsubscribe" in content
    assert await sandbox.calls(sessions, workspace, "email") == []  # nothing recorded


async def test_an_unreachable_smtp_server_is_a_temporary_failure(sessions: Any, workspace: str):
    settings = Settings(
        _env_file=None,
        email_adapter="smtp",
        smtp_port=_free_port(),
        smtp_starttls=False,
        smtp_timeout_seconds=2,
    )
    sent = await email.from_settings(settings, sessions).send(
        email.Email(workspace, "grace@example.test", "Hi", "Hello")
    )
    assert sent.status == "deferred"


async def test_the_smtp_adapter_puts_the_open_pixel_in_the_html_part(
    smtp_server: Any, sessions: Any, workspace: str
):
    controller, inbox = smtp_server
    settings = Settings(
        _env_file=None,
        email_adapter="smtp",
        smtp_host="127.0.0.1",
        smtp_port=controller.port,
        smtp_starttls=False,
    )
    sender = email.from_settings(settings, sessions)
    pixel = "https://mail.example.test/api/email/open?t=abc.def"
    for html in ("<html><body><p>Hi</p></body></html>", None):
        sent = await sender.send(
            email.Email(workspace, "lin@example.test", "Hi", "Hello\nLin", html=html,
                        open_pixel=pixel)
        )  # fmt: skip
        assert sent.status == "sent"
    parts = []
    for envelope in inbox.messages:
        message = message_from_bytes(envelope.content, policy=policy.default)
        parts.append(message.get_body(("html",)).get_content())
    with_html, text_only = parts
    image = f'<img src="{pixel}" width="1" height="1" alt=""'
    assert with_html.startswith("<html><body><p>Hi</p>" + image)
    assert with_html.rstrip().endswith("</body></html>")
    assert "<div>Hello<br>" in text_only and image in text_only  # plain text gets an HTML part
