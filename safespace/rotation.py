"""Re-encrypt every encrypted value with the first key of FIELD_ENCRYPTION_KEYS.

Idempotent and resumable: a value already under the first key is left alone,
and each chunk of rows is committed on its own, so an interrupted run can simply
be started again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import TextField
from django.db.models.functions import Cast

from safespace.crypto import DecryptionError, fernet
from safespace.fields import StrictEncryptionMixin

# allauth MFA keeps its encrypted secrets inside a JSON column, under these keys
MFA_ENCRYPTED_KEYS = ("secret", "seed")


@dataclass
class RotationReport:
    rotated: Counter = field(default_factory=Counter)
    current: Counter = field(default_factory=Counter)

    @property
    def total_rotated(self) -> int:
        return sum(self.rotated.values())


def encrypted_columns():
    """(model, field name) of every strictly encrypted field in the project."""
    for model in apps.get_models():
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, StrictEncryptionMixin):
                yield model, model_field.name
    yield apps.get_model("safespace", "EncryptionCanary"), "token"
    # documents in her file: the content's bytes are one Fernet token, rotated like the rest
    yield apps.get_model("cases", "DocumentContent"), "token"
    yield apps.get_model("lifeplans", "DreamImage"), "token"
    # the annual report's files (PDF, CSV, XLSX), kept for 30 days
    yield apps.get_model("reports", "ReportFile"), "token"


# Columns whose tokens can weigh megabytes (a document up to SAFESPACE_DOCUMENT_MAX_BYTES):
# read a few rows at a time so a rotation never holds hundreds of documents in memory.
LARGE_COLUMNS = {
    "cases.DocumentContent.token": 5,
    "lifeplans.DreamImage.token": 5,
    "reports.ReportFile.token": 5,
}


def _write_raw(model, name: str, pk, token: str) -> None:
    """Store a token as is: the ORM would encrypt it a second time."""
    quote = connection.ops.quote_name
    column = model._meta.get_field(name).column
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET {quote(column)} = %s "  # noqa: S608
        f"WHERE {quote(model._meta.pk.column)} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [token, pk])


def _under_primary_key(token: str, primary: Fernet) -> bool:
    try:
        primary.decrypt(token.encode("ascii"))
        return True
    except (InvalidToken, ValueError):
        return False


def _rotate_token(token: str, primary: Fernet) -> str | None:
    """The token re-encrypted under the first key, or None if it already is."""
    if _under_primary_key(token, primary):
        return None
    try:
        return fernet().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, ValueError):
        raise DecryptionError(
            "A stored value could not be decrypted with any of FIELD_ENCRYPTION_KEYS."
        ) from None


def rotate_all(*, chunk_size: int = 500) -> RotationReport:
    primary = Fernet(settings.FIELD_ENCRYPTION_KEYS[0])
    report = RotationReport()
    for model, name in encrypted_columns():
        label = f"{model._meta.label}.{name}"
        size = min(chunk_size, LARGE_COLUMNS.get(label, chunk_size))
        last_pk = None
        while True:
            rows = model.objects.order_by("pk")
            if last_pk is not None:
                rows = rows.filter(pk__gt=last_pk)
            # the raw token, not the decrypted value the field would give
            chunk = list(rows.annotate(raw=Cast(name, TextField())).values_list("pk", "raw")[:size])
            if not chunk:
                break
            with transaction.atomic():
                for pk, token in chunk:
                    new = _rotate_token(token, primary) if token is not None else None
                    if new is None:
                        report.current[label] += 1
                    else:
                        _write_raw(model, name, pk, new)
                        report.rotated[label] += 1
            last_pk = chunk[-1][0]
    _rotate_mfa_secrets(primary, report)
    return report


def _rotate_mfa_secrets(primary: Fernet, report: RotationReport) -> None:
    authenticator_model = apps.get_model("mfa", "Authenticator")
    label = "mfa.Authenticator.data"
    for authenticator in authenticator_model.objects.order_by("pk").iterator(chunk_size=500):
        data, changed = dict(authenticator.data), False
        for key in MFA_ENCRYPTED_KEYS:
            if isinstance(data.get(key), str):
                new = _rotate_token(data[key], primary)
                if new is not None:
                    data[key], changed = new, True
        if changed:
            authenticator_model.objects.filter(pk=authenticator.pk).update(data=data)
            report.rotated[label] += 1
        else:
            report.current[label] += 1
