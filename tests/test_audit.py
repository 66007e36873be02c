"""The audit trail: append-only, hash-chained, tamper-evident, and free of content."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.urls import reverse

from safespace.audit import AuditPayloadError, audit_record, audit_verify
from safespace.models import AuditEntry, AuditImmutableError
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def three_entries(actor):
    return [
        audit_record(action="test.one", actor=actor),
        audit_record(action="test.two", actor=actor, payload={"fields": ["legal_name"]}),
        audit_record(action="test.three", actor=actor, payload={"section": "notes"}),
    ]


def test_each_entry_is_chained_to_the_one_before(alice_socialworker):
    first, second, third = three_entries(alice_socialworker)
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert audit_verify().intact


def test_the_application_cannot_change_or_delete_an_entry(alice_socialworker):
    entry, *_ = three_entries(alice_socialworker)
    entry.action = "test.changed"
    with pytest.raises(AuditImmutableError):
        entry.save()
    with pytest.raises(AuditImmutableError):
        entry.delete()
    with pytest.raises(AuditImmutableError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="test.changed")
    with pytest.raises(AuditImmutableError):
        AuditEntry.objects.all().delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
def test_postgresql_itself_refuses_to_change_an_entry(alice_socialworker):
    entry, *_ = three_entries(alice_socialworker)
    for sql in (
        "UPDATE safespace_auditentry SET action = 'x' WHERE id = %s",
        "DELETE FROM safespace_auditentry WHERE id = %s",
    ):
        with (
            pytest.raises(Exception, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])


def _tamper(sql, params):
    """Change a row behind the application's back, as an intruder with the database would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # needs a superuser, as a real intruder would; disables the append-only trigger
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


def test_audit_verify_reports_the_first_entry_whose_content_was_changed(alice_socialworker):
    first, second, third = three_entries(alice_socialworker)
    _tamper("UPDATE safespace_auditentry SET action = 'test.innocent' WHERE id = %s", [second.pk])
    report = audit_verify()
    assert not report.intact
    assert report.broken_at == second.pk
    assert report.checked == 1
    with pytest.raises(CommandError, match=f"broken at entry {second.pk}"):
        call_command("audit_verify")


def test_audit_verify_reports_a_deleted_entry_as_a_broken_link(alice_socialworker):
    first, second, third = three_entries(alice_socialworker)
    _tamper("DELETE FROM safespace_auditentry WHERE id = %s", [second.pk])
    report = audit_verify()
    assert report.broken_at == third.pk
    assert "link" in report.reason


def test_audit_verify_says_how_many_entries_are_intact(alice_socialworker):
    three_entries(alice_socialworker)
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert "intact: 3 entries" in out.getvalue()


@pytest.mark.parametrize(
    "payload",
    [
        {"note": "she said her pimp is back"},
        {"fields": "Ada Lovelace, 12 rue des Lilas"},
        {"fields": ["legal_name", "rue des Lilas 12"]},
        {"section": {"nested": "dict"}},
    ],
)
def test_free_text_cannot_enter_an_audit_payload(alice_socialworker, payload):
    with pytest.raises(AuditPayloadError) as error:
        audit_record(action="test.leak", actor=alice_socialworker, payload=payload)
    assert "Lovelace" not in str(error.value)
    assert "pimp" not in str(error.value)
    assert not AuditEntry.objects.exists()


def test_a_successful_login_is_recorded(client, alice_socialworker, password):
    sign_in(client, alice_socialworker, password)
    entry = AuditEntry.objects.get(action="auth.login")
    assert entry.actor == alice_socialworker


def test_a_failed_login_is_recorded_without_what_was_typed(client, alice_socialworker):
    client.post(
        reverse("account_login"),
        {"login": alice_socialworker.username, "password": "my-secret-guess"},
    )
    entry = AuditEntry.objects.get(action="auth.login_failed")
    assert entry.actor == alice_socialworker
    assert "my-secret-guess" not in str(entry.payload)


def test_a_failed_login_for_an_unknown_name_is_recorded_without_the_name(client):
    client.post(reverse("account_login"), {"login": "hunter2-typed-here", "password": "x"})
    entry = AuditEntry.objects.get(action="auth.login_failed")
    assert entry.actor is None
    assert "hunter2" not in repr(entry.payload) + entry.target_id


def test_signing_out_is_recorded(client, eve_participant):
    client.force_login(eve_participant)
    client.post(reverse("account_logout"))
    assert AuditEntry.objects.filter(action="auth.logout", actor=eve_participant).exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain(alice_socialworker):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    def write(n):
        try:
            for _ in range(n):
                audit_record(action="test.concurrent", actor=alice_socialworker)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, [10, 10, 10, 10]))
    assert AuditEntry.objects.filter(action="test.concurrent").count() == 40
    assert audit_verify().intact
