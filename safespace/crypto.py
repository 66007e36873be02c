"""Fernet encryption with the project's keys, failing loudly on a wrong key."""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DecryptionError(Exception):
    """A value could not be decrypted with any configured key. Never carries the value."""


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def fernet() -> MultiFernet:
    keys = tuple(settings.FIELD_ENCRYPTION_KEYS)
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty.")
    return _fernet(keys)


def encrypt_text(text: str) -> str:
    return fernet().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt_text(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError, ValueError):
        raise DecryptionError(
            "A stored value could not be decrypted with FIELD_ENCRYPTION_KEYS: "
            "a key is missing or wrong."
        ) from None


CANARY_PLAINTEXT = "safespace-canary-v1"


def canary_verify() -> None:
    """Refuse to go on when FIELD_ENCRYPTION_KEYS cannot read what was written before.

    Creates the canary on first use (an empty database). Raises
    ImproperlyConfigured when the stored canary does not decrypt.
    """
    from django.db import DatabaseError

    from safespace.models import EncryptionCanary

    try:
        canary = EncryptionCanary.objects.order_by("pk").first()
    except DatabaseError:
        return  # not migrated yet: nothing encrypted can exist
    if canary is None:
        EncryptionCanary.objects.create(token=encrypt_text(CANARY_PLAINTEXT))
        return
    try:
        ok = decrypt_text(canary.token) == CANARY_PLAINTEXT
    except DecryptionError:
        ok = False
    if not ok:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS cannot decrypt this database's data (encryption check "
            "failed). Restore the right keys; refusing to start rather than corrupt data."
        )


def encrypt_bytes(data: bytes) -> str:
    """Any bytes (a document's content) as one Fernet token under the first key."""
    return fernet().encrypt(data).decode("ascii")


def decrypt_bytes(token: str) -> bytes:
    try:
        return fernet().decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeError, ValueError):
        raise DecryptionError(
            "A stored document could not be decrypted with FIELD_ENCRYPTION_KEYS: "
            "a key is missing or wrong."
        ) from None
