"""Standard Webhooks signatures (https://www.standardwebhooks.com).

Headers: `webhook-id` (the event id, the same on every retry), `webhook-timestamp` (Unix
seconds of this attempt) and `webhook-signature: v1,<base64 HMAC-SHA256 of
"{id}.{timestamp}.{body}">`. A secret of the form `whsec_<base64>` is used as the standard
libraries do (the decoded bytes); any other secret (spec 000 and 003 let owners choose one,
e.g. "webhook_secret_key") is used as its UTF-8 bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

TOLERANCE_SECONDS = 5 * 60


def secret_key(secret: str) -> bytes:
    if secret.startswith("whsec_"):
        return base64.b64decode(secret.removeprefix("whsec_"))
    return secret.encode()


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
        "content-type": "application/json",
    }


def verify(secret: str, headers: dict[str, str], body: bytes, *, now: int) -> bool:
    """What a receiver does: the timestamp is recent and one listed signature matches."""
    message_id, timestamp = headers["webhook-id"], int(headers["webhook-timestamp"])
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        return False
    expected = sign(secret, message_id, timestamp, body)
    return any(hmac.compare_digest(expected, s) for s in headers["webhook-signature"].split())
