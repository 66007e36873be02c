"""Fernet encryption with the project's keys, failing loudly on a wrong key."""

import hashlib
import hmac
from contextlib import nullcontext
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
# a kind no search digest uses ("name", "fullname", "phone", "known"): never a real entry
BLIND_INDEX_CANARY = b"canary:safespace-blind-index-canary-v1"


def canary_reads(token: str) -> bool:
    """True when FIELD_ENCRYPTION_KEYS decrypt this canary token to the known text."""
    try:
        return decrypt_text(token) == CANARY_PLAINTEXT
    except DecryptionError:
        return False


def blind_index_check() -> str:
    """The keyed hash of a fixed text under BLIND_INDEX_KEY: tells which key made the index.

    Reveals nothing of the key (HMAC), and nothing a search digest does not already."""
    return hmac.new(settings.BLIND_INDEX_KEY, BLIND_INDEX_CANARY, hashlib.sha256).hexdigest()


def blind_index_check_matches(stored: str) -> bool:
    return hmac.compare_digest(stored, blind_index_check())


def blind_index_check_record() -> None:
    """After the search index was rebuilt under BLIND_INDEX_KEY: the check follows it."""
    from safespace.models import EncryptionCanary

    EncryptionCanary.objects.update(blind_index_check=blind_index_check())


def canary_verify() -> None:
    """Refuse to go on when the keys cannot read what was written before.

    Creates the canary on first use (an empty database). Raises
    ImproperlyConfigured when the stored canary does not decrypt with
    FIELD_ENCRYPTION_KEYS, or when BLIND_INDEX_KEY is not the key the search
    index was made with (a canary from before that check learns the key in use).
    """
    from django.db import DatabaseError

    from safespace.models import EncryptionCanary

    try:
        # the token alone: read even before the blind-index column is migrated
        canary = EncryptionCanary.objects.order_by("pk").values_list("pk", "token").first()
    except DatabaseError:
        return  # not migrated yet: nothing encrypted can exist
    if canary is None:
        EncryptionCanary.objects.create(
            token=encrypt_text(CANARY_PLAINTEXT), blind_index_check=blind_index_check()
        )
        return
    pk, token = canary
    if not canary_reads(token):
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS cannot decrypt this database's data (encryption check "
            "failed). Restore the right keys; refusing to start rather than corrupt data."
        )
    _blind_index_check_verify(pk)


def _blind_index_check_verify(pk: int) -> None:
    from django.db import DatabaseError, connection, transaction

    from safespace.models import EncryptionCanary

    rows = EncryptionCanary.objects.filter(pk=pk).values_list("blind_index_check", flat=True)
    # inside a transaction, a savepoint: a missing column must not break the caller's
    guard = transaction.atomic() if connection.in_atomic_block else nullcontext()
    try:
        with guard:
            stored = rows.first()
    except DatabaseError:
        return  # migration 0007 not applied yet: checked once it is
    if not stored:
        EncryptionCanary.objects.filter(pk=pk, blind_index_check="").update(
            blind_index_check=blind_index_check()
        )
        return
    if not blind_index_check_matches(stored):
        raise ImproperlyConfigured(
            "BLIND_INDEX_KEY is not the key this database's search index was made with "
            "(search check failed). Restore the right key, or run manage.py "
            "rebuild_search_index if it was changed on purpose; refusing to start rather "
            "than mix two indexes."
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
