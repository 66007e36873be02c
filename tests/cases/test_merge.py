"""Coordinators merge a duplicate into the file kept: everything attached moves, nothing
the file kept holds is overwritten, and the duplicate lives on only as a pointer."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from cases.models import (
    Appointment,
    Assignment,
    BreakGlassGrant,
    CaseNote,
    Consent,
    Document,
    DocumentContent,
    DomainNeed,
    NeedsAssessment,
    Participant,
    Partner,
    PathwayEntry,
    Referral,
)
from cases.services import MergeRefused, participant_merge
from safespace.models import AuditEntry
from safespace.roles import Role
from tests.conftest import PLANTED, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def duplicate(alice_socialworker):
    """A second file for Eve, opened by mistake, with one row of every kind attached."""
    worker = alice_socialworker
    other = UserFactory(username="other_sw", role=Role.SOCIAL_WORKER)
    dup = Participant.objects.create(
        reference="SS-2026-0099",
        known_as="Soleil B",
        legal_name="Wrong Legal Name",
        date_of_birth=date(1990, 4, 2),
        email="soleil@example.org",
        notes="Duplicate notes",
    )
    Assignment.objects.create(participant=dup, worker=worker, kind="key_worker")  # Alice: both
    Assignment.objects.create(participant=dup, worker=other, kind="support")
    PathwayEntry.objects.create(
        participant=dup, status="on_the_path", since=date(2025, 1, 1), recorded_by=worker
    )
    partner = Partner.objects.create(name="Legal aid centre", kind="legal_aid")
    consent = Consent.objects.create(
        participant=dup, purpose="share_partner", partner=partner, method="oral", recorded_by=worker
    )
    assessment = NeedsAssessment.objects.create(participant=dup, recorded_by=worker)
    DomainNeed.objects.create(assessment=assessment, domain="housing", level=2)
    CaseNote.objects.create(participant=dup, author=worker, kind="other", text="A note")
    Appointment.objects.create(
        participant=dup, worker=worker, starts_at=timezone.now(), created_by=worker
    )
    Referral.objects.create(
        participant=dup, partner=partner, kind="legal_aid", consent=consent, created_by=worker
    )
    document = Document.objects.create(
        participant=dup, title="ID", kind="identity", content_type="image/png", size=3,
        uploaded_by=worker,
    )  # fmt: skip
    DocumentContent.objects.create(document=document, token="x")
    now = timezone.now()
    BreakGlassGrant.objects.create(
        user=worker, participant=dup, reason="x" * 20, created_at=now,
        expires_at=now + timedelta(hours=2),
    )  # fmt: skip
    return dup


ATTACHED = [
    PathwayEntry,
    Consent,
    NeedsAssessment,
    CaseNote,
    Appointment,
    Referral,
    Document,
    BreakGlassGrant,
]


def test_a_merge_moves_every_kind_of_row_attached(dana_coordinator, eve_file, duplicate):
    participant_merge(actor=dana_coordinator, keep=eve_file, merged=duplicate)
    for model in ATTACHED:
        assert model.objects.filter(participant=eve_file).count() == 1, model
        assert not model.objects.filter(participant=duplicate).exists(), model
    assert not Assignment.objects.filter(participant=duplicate).exists()
    # Alice was assigned to both: the duplicate's assignment ended, hers on Eve's stays open
    alice_open = Assignment.objects.filter(participant=eve_file, ended_at__isnull=True)
    assert alice_open.count() == 3  # Alice, Bea, and the other worker
    assert Assignment.objects.filter(participant=eve_file, ended_at__isnull=False).count() == 1


def test_a_merge_fills_blank_details_and_never_overwrites(dana_coordinator, eve_file, duplicate):
    plan = participant_merge(actor=dana_coordinator, keep=eve_file, merged=duplicate)
    kept = Participant.objects.get(pk=eve_file.pk)
    assert kept.known_as == PLANTED["known_as"]
    assert kept.legal_name == PLANTED["legal_name"]
    assert kept.notes == PLANTED["notes"]
    assert kept.email == "soleil@example.org"
    assert kept.date_of_birth == date(1990, 4, 2)
    assert kept.birth_year == 1990
    assert kept.version == eve_file.version + 1
    assert sorted(plan["fill"]) == ["date_of_birth", "email"]
    assert sorted(plan["differ"]) == ["legal_name", "notes"]


def test_the_merged_file_keeps_only_its_reference(dana_coordinator, eve_file, duplicate):
    participant_merge(actor=dana_coordinator, keep=eve_file, merged=duplicate)
    gone = Participant.objects.get(pk=duplicate.pk)
    assert gone.reference == "SS-2026-0099"
    assert gone.merged_into_id == eve_file.pk
    assert gone.closed_on == timezone.localdate()
    assert gone.closing_reason == Participant.ClosingReason.MERGED
    assert (gone.known_as, gone.legal_name, gone.email, gone.notes) == ("", "", "", "")
    assert gone.date_of_birth is None
    assert gone.version == duplicate.version + 1
    assert not gone.search_tokens.exists()
    # Eve's file is now found by the duplicate's names too, the duplicate by nothing
    assert list(Participant.objects.search("soleil")) == [eve_file]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_participant WHERE id = %s", [duplicate.pk])
        assert cursor.fetchone()[0] == 1


def test_a_merge_is_audited_with_counts_and_field_names_only(dana_coordinator, eve_file, duplicate):
    participant_merge(actor=dana_coordinator, keep=eve_file, merged=duplicate)
    entry = AuditEntry.objects.get(action="participant.merged")
    assert entry.actor == dana_coordinator
    assert entry.participant_id == eve_file.pk
    assert entry.target_id == str(eve_file.pk)
    # 2 assignments + one each of the eight other kinds
    assert entry.payload == {"count": 10, "fields": ["date_of_birth", "email"]}


def test_her_account_moves_when_only_the_duplicate_has_one(dana_coordinator, eve_participant):
    keep = Participant.objects.create(reference="SS-2026-0100", known_as="A")
    dup = Participant.objects.create(
        reference="SS-2026-0101", known_as="B", account=eve_participant
    )
    participant_merge(actor=dana_coordinator, keep=keep, merged=dup)
    assert Participant.objects.get(pk=keep.pk).account == eve_participant
    assert Participant.objects.get(pk=dup.pk).account is None


def test_two_accounts_are_refused_with_a_clear_message(
    dana_coordinator, eve_file, duplicate, mallory
):
    Participant.objects.filter(pk=duplicate.pk).update(account=mallory)
    duplicate.refresh_from_db()
    with (
        translation.override("en"),
        pytest.raises(MergeRefused, match="Both files have an account"),
    ):
        participant_merge(actor=dana_coordinator, keep=eve_file, merged=duplicate)
    assert CaseNote.objects.get().participant_id == duplicate.pk  # nothing moved


def test_a_file_cannot_be_merged_into_itself(dana_coordinator, eve_file):
    with pytest.raises(MergeRefused):
        participant_merge(actor=dana_coordinator, keep=eve_file, merged=eve_file)


def test_an_already_merged_file_cannot_be_merged_again(dana_coordinator, eve_file, duplicate):
    third = Participant.objects.create(reference="SS-2026-0300", known_as="C")
    participant_merge(actor=dana_coordinator, keep=eve_file, merged=duplicate)
    with pytest.raises(MergeRefused):
        participant_merge(actor=dana_coordinator, keep=third, merged=duplicate)
    with pytest.raises(MergeRefused):
        participant_merge(actor=dana_coordinator, keep=duplicate, merged=third)
    assert not AuditEntry.objects.filter(action="participant.merged", participant_id=third.pk)


@pytest.mark.django_db(transaction=True)
def test_two_crossed_merges_at_once_leave_one_file(dana_coordinator):
    """A into B and B into A at the same moment: the row locks let only one happen."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    a = Participant.objects.create(reference="SS-2026-0501", known_as="A")
    b = Participant.objects.create(reference="SS-2026-0502", known_as="B")

    def merge(pair):
        keep, merged = pair
        try:
            participant_merge(actor=dana_coordinator, keep=keep, merged=merged)
            return "merged"
        except MergeRefused:
            return "refused"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(merge, [(a, b), (b, a)]))
    assert outcomes == ["merged", "refused"]
    assert Participant.objects.filter(merged_into__isnull=True).count() == 1
    assert AuditEntry.objects.filter(action="participant.merged").count() == 1


# --- the page -----------------------------------------------------------------------------


@pytest.fixture
def dana(dana_coordinator, password):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    sign_in(client, dana_coordinator, password)
    client.post(reverse("account_reauthenticate"), {"password": password})
    return client


def test_the_confirmation_shows_counts_never_content(dana, eve_file, duplicate):
    response = dana.post(
        reverse("participant_merge"), {"keep": "ss-2026-0042", "merged": "SS-2026-0099"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Case notes" in html and "Merge the files" in html
    for secret in ("Soleil", "Wrong Legal Name", "soleil@example.org", "A note", "Duplicate notes"):
        assert secret not in html
    assert "2 details missing from the file kept will be filled in." in html
    assert not Participant.objects.filter(merged_into__isnull=False).exists()


def test_confirming_merges_the_files(dana, eve_file, duplicate):
    response = dana.post(
        reverse("participant_merge"),
        {"keep": "SS-2026-0042", "merged": "SS-2026-0099", "confirm": "yes"},
    )
    assert response.status_code == 302
    assert Participant.objects.get(pk=duplicate.pk).merged_into_id == eve_file.pk
    assert (
        "SS-2026-0099 is merged into SS-2026-0042."
        in dana.get(response["Location"]).content.decode()
    )


@pytest.mark.parametrize(
    ("keep", "merged", "error"),
    [
        ("SS-2026-0042", "SS-2026-0042", "cannot be merged into itself"),
        ("SS-2026-0042", "SS-1999-0001", "No file has this reference"),
    ],
)
def test_refused_merges_are_explained_next_to_the_field(dana, eve_file, keep, merged, error):
    response = dana.post(reverse("participant_merge"), {"keep": keep, "merged": merged})
    assert response.status_code == 200
    assert error in response.content.decode()


def test_two_accounts_are_explained_on_the_page(dana, eve_file, duplicate, mallory):
    Participant.objects.filter(pk=duplicate.pk).update(account=mallory)
    html = dana.post(
        reverse("participant_merge"), {"keep": "SS-2026-0042", "merged": "SS-2026-0099"}
    ).content.decode()
    assert "Both files have an account" in html


def test_merging_asks_for_the_password_again(dana_coordinator):
    client = Client()
    client.force_login(dana_coordinator)
    response = client.get(reverse("participant_merge"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))


@pytest.mark.parametrize("role", ["alice_socialworker", "bea_peerworker", "chloe_volunteer"])
def test_only_coordinators_merge_files(request, role, eve_file, duplicate):
    client = Client()
    client.force_login(request.getfixturevalue(role))
    response = client.post(
        reverse("participant_merge"),
        {"keep": "SS-2026-0042", "merged": "SS-2026-0099", "confirm": "yes"},
    )
    assert response.status_code == 403
    assert not Participant.objects.filter(merged_into__isnull=False).exists()
