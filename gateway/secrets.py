"""Third-party secrets at rest (channel tokens, OAuth credentials, social access tokens):
sealed with Fernet (AES-128-CBC + HMAC-SHA256, from the maintained `cryptography` package)
before they reach the database, opened only where the gateway itself calls the service.
Nothing ever returns them to a client.

Keys: ENCRYPTION_KEYS, comma-separated Fernet keys (`gateway generate-key` prints one); the
first seals, every one opens (MultiFernet), so a key is rotated by putting the new one first
and re-sealing. Unset, one key is derived from SECRET_KEY with HKDF-SHA256: enough for
development and the demo, but rotating SECRET_KEY then loses what was sealed, so production
deployments should set ENCRYPTION_KEYS.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from gateway.auth.signing_secret import signing_secret

if TYPE_CHECKING:
    from gateway.settings import Settings

PREFIX = "fernet:"  # marks a sealed value, so a plaintext one can never be mistaken for it


class SecretUnreadable(ValueError):
    """A sealed value no configured key opens (a lost or rotated-away key)."""


class SecretBox:
    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is needed")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretBox:
        configured = settings.encryption_keys.get_secret_value() if settings.encryption_keys else ""
        keys = [k.strip().encode() for k in configured.split(",") if k.strip()]
        return cls(keys or [derived_key(signing_secret(settings))])

    def seal(self, plaintext: str) -> str:
        return PREFIX + self._fernet.encrypt(plaintext.encode()).decode()

    def open(self, sealed: str) -> str:
        if not sealed.startswith(PREFIX):
            raise SecretUnreadable("not a sealed value")
        try:
            return self._fernet.decrypt(sealed[len(PREFIX) :].encode()).decode()
        except InvalidToken:
            raise SecretUnreadable("no configured encryption key opens this value") from None

    def reseal(self, sealed: str) -> str:
        """The same secret under the first (newest) key."""
        return PREFIX + self._fernet.rotate(sealed[len(PREFIX) :].encode()).decode()


def derived_key(secret_key: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"gateway secrets at rest")
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode()))


def new_key() -> str:
    return Fernet.generate_key().decode()
