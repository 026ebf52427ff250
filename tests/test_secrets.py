"""Third-party secrets at rest: sealed values never hold the plaintext, open only with a
configured key, and survive a key rotation."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from gateway.secrets import SecretBox, SecretUnreadable, new_key
from gateway.settings import Settings

TOKEN = "EAAG-sandbox-page-token-4412"


def _settings(**kw: object) -> Settings:
    return Settings(_env_file=None, **kw)  # type: ignore[arg-type]


def test_a_sealed_value_hides_the_secret_and_opens_again() -> None:
    box = SecretBox.from_settings(_settings(encryption_keys=SecretStr(new_key())))
    sealed = box.seal(TOKEN)
    assert TOKEN not in sealed and sealed != box.seal(TOKEN)  # fresh IV every time
    assert box.open(sealed) == TOKEN


def test_rotation_keeps_old_values_readable_and_reseals_under_the_new_key() -> None:
    old, new = new_key(), new_key()
    sealed = SecretBox.from_settings(_settings(encryption_keys=SecretStr(old))).seal(TOKEN)
    rotated = SecretBox.from_settings(_settings(encryption_keys=SecretStr(f"{new},{old}")))
    assert rotated.open(sealed) == TOKEN
    resealed = rotated.reseal(sealed)
    only_new = SecretBox.from_settings(_settings(encryption_keys=SecretStr(new)))
    assert only_new.open(resealed) == TOKEN
    with pytest.raises(SecretUnreadable):
        only_new.open(sealed)


def test_without_keys_one_is_derived_from_the_secret_key() -> None:
    one = SecretBox.from_settings(_settings(secret_key=SecretStr("a" * 40)))
    same = SecretBox.from_settings(_settings(secret_key=SecretStr("a" * 40)))
    other = SecretBox.from_settings(_settings(secret_key=SecretStr("b" * 40)))
    sealed = one.seal(TOKEN)
    assert same.open(sealed) == TOKEN
    with pytest.raises(SecretUnreadable):
        other.open(sealed)
    with pytest.raises(SecretUnreadable):
        one.open(TOKEN)  # a plaintext value is never taken for a sealed one
