"""Encryption at rest for patient text and de-identification mappings.

Fernet (AES-128-CBC with HMAC-SHA256) from ``cryptography``, keyed by
``FIELD_ENCRYPTION_KEYS``. ``MultiFernet`` encrypts with the first key and decrypts
with any, which is what key rotation needs: see README, "Rotating the encryption key".
"""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet as _Fernet
from cryptography.fernet import InvalidToken, MultiFernet
from django.conf import settings


class DecryptionError(Exception):
    """The stored value could not be decrypted with any configured key."""


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise RuntimeError("FIELD_ENCRYPTION_KEYS is empty")
    return MultiFernet([_Fernet(key.encode()) for key in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return _current().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    """Return the plaintext; raise DecryptionError (which never carries the token)."""
    if not token:
        return ""
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken:
        raise DecryptionError("stored value could not be decrypted with the configured keys") from None


def rotate(token: str) -> str:
    """Re-encrypt ``token`` under the first (newest) key."""
    return _current().rotate(token.encode()).decode() if token else token
