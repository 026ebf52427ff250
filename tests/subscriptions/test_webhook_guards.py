"""The SSRF guard and Standard Webhooks signatures."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from subscriptions.webhooks import signing, ssrf
from subscriptions.webhooks.delivery import MAX_DELAY_SECONDS, backoff

REFUSED = [
    "http://127.0.0.1/hook",
    "http://2130706433/hook",  # decimal 127.0.0.1
    "http://0x7f000001/hook",  # hex
    "http://0x7f.0.0.1/hook",
    "http://0177.0.0.1/hook",  # octal
    "http://127.1/hook",
    "http://localhost:8080/hook",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://10.0.0.5/hook",
    "http://192.168.1.1/hook",
    "http://172.16.0.1/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://[fd00:ec2::254]/",
    "http://100.100.100.200/",
    "http://0.0.0.0/",
    "http://[fe80::1]/",
    "ftp://example.com/hook",
    "http://user:pw@example.com/hook",
]


@pytest.mark.parametrize("url", REFUSED)
async def test_inward_urls_are_refused(url):
    with pytest.raises(ssrf.UnsafeUrl):
        await ssrf.resolve_safe(url, allow_loopback=False)


async def test_loopback_setting_allows_loopback_only():
    assert str(await ssrf.resolve_safe("http://0x7f000001:9/", allow_loopback=True)) == "127.0.0.1"
    with pytest.raises(ssrf.UnsafeUrl):
        await ssrf.resolve_safe("http://10.1.2.3/", allow_loopback=True)
    assert str(await ssrf.resolve_safe("https://93.184.215.14/x", allow_loopback=False))


def test_signature_follows_standard_webhooks():
    body = b'{"id":"evt_1","type":"lead.created"}'
    headers = signing.headers("webhook_secret_key", "evt_1", 1709287200, body)
    expected = base64.b64encode(
        hmac.new(b"webhook_secret_key", b"evt_1.1709287200." + body, hashlib.sha256).digest()
    ).decode()
    assert headers["webhook-signature"] == f"v1,{expected}"
    assert headers["webhook-id"] == "evt_1" and headers["webhook-timestamp"] == "1709287200"
    assert signing.verify("webhook_secret_key", headers, body, now=1709287230)
    assert not signing.verify("other", headers, body, now=1709287230)
    assert not signing.verify("webhook_secret_key", headers, body + b" ", now=1709287230)
    assert not signing.verify("webhook_secret_key", headers, body, now=1709287200 + 3600)
    # whsec_ secrets are base64 keys, as the Standard Webhooks libraries read them
    secret = signing.new_secret()
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, b"evt_1.1.body", hashlib.sha256).digest()
    assert signing.sign(secret, "evt_1", 1, b"body") == "v1," + base64.b64encode(mac).decode()


def test_backoff_grows_with_jitter_and_honours_retry_after():
    for attempt, nominal in [(1, 30), (2, 60), (5, 480)]:
        assert nominal * 0.8 <= backoff(attempt, 30) <= nominal * 1.2
    assert backoff(40, 30) <= MAX_DELAY_SECONDS * 1.2
    assert backoff(1, 30, retry_after=600) == 600
