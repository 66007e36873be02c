"""Encryption fails loudly, a wrong key stops the service, and keys rotate safely."""

import secrets
from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from cases.models import BreakGlassGrant, Participant
from cases.services import break_glass_open
from safespace.checks import encryption_keys_read_the_data
from safespace.crypto import (
    CANARY_PLAINTEXT,
    blind_index_check,
    canary_verify,
    decrypt_text,
    encrypt_text,
)
from safespace.models import EncryptionCanary
from safespace.rotation import encrypted_columns
from tests.conftest import PLANTED
from tests.factories import TEST_TOTP_SECRET

pytestmark = pytest.mark.django_db


def rotate(**options):
    out = StringIO()
    call_command("rotate_encryption_keys", stdout=out, **options)
    return out.getvalue()


def raw_values():
    """Every encrypted column's stored text, read with plain SQL."""
    values = []
    with connection.cursor() as cursor:
        for model, name in encrypted_columns():
            column = model._meta.get_field(name).column
            cursor.execute(f'SELECT "{column}" FROM "{model._meta.db_table}"')  # noqa: S608
            values += [row[0] for row in cursor.fetchall() if row[0]]
    return values


def test_raw_sql_over_every_encrypted_column_shows_only_tokens(eve_file, dana_coordinator):
    break_glass_open(user=dana_coordinator, participant=eve_file, reason="Urgent safety call.")
    canary_verify()
    values = raw_values()
    assert len(values) >= 6
    assert all(value.startswith("gAAAAA") for value in values)
    for planted in PLANTED.values():
        assert all(planted not in value for value in values)


def test_the_service_refuses_to_start_with_a_key_that_cannot_read_the_data(settings):
    canary_verify()  # first start writes the canary
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured, match="refusing to start"):
        canary_verify()
    problems = encryption_keys_read_the_data(None, databases=["default"])
    assert [problem.id for problem in problems] == ["safespace.E001"]


def test_the_service_refuses_to_start_with_a_blind_index_key_that_did_not_make_the_index(
    settings,
):
    canary_verify()
    settings.BLIND_INDEX_KEY = secrets.token_urlsafe(48).encode()
    with pytest.raises(ImproperlyConfigured, match="BLIND_INDEX_KEY is not the key"):
        canary_verify()
    problems = encryption_keys_read_the_data(None, databases=["default"])
    assert [problem.id for problem in problems] == ["safespace.E001"]


def test_rebuilding_the_search_index_under_a_new_key_lets_the_service_start_again(
    settings, eve_file
):
    canary_verify()
    settings.BLIND_INDEX_KEY = secrets.token_urlsafe(48).encode()
    call_command("rebuild_search_index", stdout=StringIO())
    canary_verify()
    assert list(Participant.objects.search(PLANTED["known_as"])) == [eve_file]


def test_a_canary_from_before_the_search_check_learns_the_key_in_use():
    EncryptionCanary.objects.create(token=encrypt_text(CANARY_PLAINTEXT))
    canary_verify()
    assert EncryptionCanary.objects.get().blind_index_check == blind_index_check()


def test_a_new_key_in_front_of_the_old_one_still_starts(settings):
    canary_verify()
    settings.FIELD_ENCRYPTION_KEYS = [
        Fernet.generate_key().decode(),
        *settings.FIELD_ENCRYPTION_KEYS,
    ]
    canary_verify()


def test_rotation_leaves_every_value_readable_with_the_new_key_alone(
    settings, eve_file, alice_socialworker, dana_coordinator
):
    reason = "Night call, her key worker away."
    grant = break_glass_open(user=dana_coordinator, participant=eve_file, reason=reason)
    canary_verify()
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, *old_keys]

    output = rotate()
    assert "cases.Participant.legal_name: 1 re-encrypted" in output
    assert "mfa.Authenticator.data: 3 re-encrypted" in output  # alice, bea and dana

    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone
    participant = Participant.objects.get(pk=eve_file.pk)
    assert participant.legal_name == PLANTED["legal_name"]
    assert participant.notes == PLANTED["notes"]
    assert BreakGlassGrant.objects.get(pk=grant.pk).reason == reason
    secret = Authenticator.objects.get(user=alice_socialworker).data["secret"]
    assert decrypt_text(secret) == TEST_TOTP_SECRET
    canary_verify()


def test_rotation_is_idempotent_and_resumable(settings, eve_file):
    Participant.objects.create(reference="SS-2026-0002", known_as="Lune", legal_name="L")
    settings.FIELD_ENCRYPTION_KEYS = [
        Fernet.generate_key().decode(),
        *settings.FIELD_ENCRYPTION_KEYS,
    ]
    # an interrupted run: only the first row of the first column was done
    first = Participant.objects.order_by("pk").first()
    first.known_as = first.known_as  # saving re-encrypts with the first key
    first.save(update_fields=["known_as"])

    output = rotate(chunk_size=1)
    assert "cases.Participant.known_as: 1 re-encrypted, 1 already under the first key" in output
    again = rotate()
    assert "Nothing left to re-encrypt" in again
    assert " re-encrypted, " in again and "1 re-encrypted" not in again


def test_encrypted_numbers_and_dates_round_trip_on_every_database(eve_file):
    """PostgreSQL once refused an encrypted integer (adapted as an integer for a text column)."""
    from datetime import date

    eve_file.children_count = 0
    eve_file.date_of_birth = date(2004, 5, 12)
    eve_file.save()
    again = Participant.objects.get(pk=eve_file.pk)
    assert again.children_count == 0
    assert again.date_of_birth == date(2004, 5, 12)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT children_count, date_of_birth FROM cases_participant WHERE id = %s",
            [eve_file.pk],
        )
        raw = cursor.fetchone()
    assert all(decrypt_text(value) in {"0", "2004-05-12"} for value in raw)


def test_every_encrypted_column_of_a_full_caseload_holds_only_tokens():
    """The demo caseload fills every kind of case work: raw SQL shows no value in clear."""
    from cases.services import document_add
    from safespace.demo import demo_organisation_create
    from safespace.fields import StrictEncryptionMixin

    demo_organisation_create(password="a-demo-password-for-tests")
    participant = Participant.objects.filter(account__isnull=False).first()
    worker = participant.assignments.first().worker
    break_glass_open(user=worker, participant=participant, reason="Checking her safety plan")
    document_add(
        actor=worker,
        participant=participant,
        title="Planted document title",
        kind="other",
        content_type="application/pdf",
        content=b"%PDF-1.4 planted document body",
    )
    empty = []
    with connection.cursor() as cursor:
        for model, name in encrypted_columns():
            column = model._meta.get_field(name).column
            cursor.execute(f'SELECT "{column}" FROM "{model._meta.db_table}"')  # noqa: S608
            raw = [row[0] for row in cursor.fetchall() if row[0]]
            if model._meta.app_label in ("cases", "lifeplans", "dropin") and not raw:
                empty.append(f"{model.__name__}.{name}")
                continue
            assert all(value.startswith("gAAAAA") for value in raw), (model, name)
            if isinstance(model._meta.get_field(name), StrictEncryptionMixin):
                shown = {
                    str(value)
                    for value in model.objects.values_list(name, flat=True)
                    # shorter values turn up inside random base64 by chance ("Lola" did)
                    if value not in (None, "") and len(str(value)) > 5
                }
                joined = "\n".join(raw)
                assert not [value for value in shown if value in joined], (model, name)
    assert not empty, f"the demo leaves these encrypted columns untested: {empty}"
    assert b"planted document body" not in "".join(raw_values()).encode()
