"""The token signing secret: SECRET_KEY, or in development one generated once per data
directory.

Development never falls back to a constant (a published secret would let anyone sign a
token). The first start writes 48 random bytes (urlsafe base64) to `<data_dir>/secret_key`,
readable by its owner only; every later start, and every other process using the same data
directory (`gateway demo` beside `gateway serve`), reads the same file, so tokens survive a
restart. Production must set SECRET_KEY (gateway/settings.py refuses to start otherwise).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from gateway.settings import Settings

FILE_NAME = "secret_key"


def signing_secret(settings: Settings) -> str:
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    if not settings.is_development:  # the settings validator already refuses this
        raise RuntimeError("SECRET_KEY must be set outside development")
    return _generated_once(settings.data_dir / FILE_NAME)


def purpose_mac(secret: str, purpose: bytes, message: bytes) -> bytes:
    """HMAC-SHA256 of `message` under a key derived from the secret for one purpose only
    (unsubscribe links, open pixels, file links), so a signature made for one can never
    pass for another."""
    key = hmac.new(secret.encode(), purpose, hashlib.sha256).digest()
    return hmac.new(key, message, hashlib.sha256).digest()


def _generated_once(path: Path) -> str:
    if path.exists():
        return _read(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48) + "\n")
    try:
        os.link(draft, path)  # atomic, and refuses to replace one another process just made
    except FileExistsError:
        pass
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(draft)
    return _read(path)


def _read(path: Path) -> str:
    secret = path.read_text().strip()
    if len(secret) < 32:
        raise RuntimeError(f"{path} holds no usable secret; delete it to generate a new one")
    return secret
