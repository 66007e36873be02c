"""Erasure (issue 10): after a file is anonymised, nothing planted about her is left
anywhere in the database, and the annual report's figures are the same."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from benchmarks.generate import generate
from cases import blind_index
from cases.erasure import ErasureRefused, Reason, participant_anonymise, routes
from cases.models import Assignment, Participant
from lifeplans.models import DreamImage, DreamItem, LifePlan, SafetyPlan, Strength
from safespace.crypto import DecryptionError, decrypt_bytes, decrypt_text, encrypt_bytes
from safespace.fields import StrictEncryptionMixin
from safespace.models import AuditEntry
from tests.conftest import sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MARK = "PLANTEDZQX"  # every planted value carries it
NAME = "Zinnia Quorvath"


def _plant(participant, worker):
    """Her file and every record attached to it, each encrypted value replaced by a marked
    one; plus a document, a dream-board image, a safety plan, strengths and an account."""
    from cases.models import Document, DocumentContent

    plan, _ = LifePlan.objects.get_or_create(participant=participant)
    SafetyPlan.objects.update_or_create(plan=plan, defaults={"updated_by": worker})
    Strength.objects.create(plan=plan, recorded_by=worker)
    item = DreamItem.objects.create(plan=plan, year=2027, added_by=worker, content_type="image/png")
    DreamImage.objects.create(item=item, token=encrypt_bytes(f"{MARK}-image".encode()))
    document = Document.objects.create(
        participant=participant, kind="identity", content_type="application/pdf", size=9,
        uploaded_by=worker,
    )  # fmt: skip
    DocumentContent.objects.create(document=document, token=encrypt_bytes(f"{MARK}-doc".encode()))
    from lifeplans.models import CorrectionRequest

    CorrectionRequest.objects.create(participant=participant, words="to be planted")
    account = UserFactory(username="zinnia_space", role="participant", first_name=MARK)
    account.email = f"{MARK.lower()}@example.org"
    account.save()
    planted = 0
    for route in routes():
        fields = [
            f for f in route.model._meta.concrete_fields if isinstance(f, StrictEncryptionMixin)
        ]
        for row in route.rows(participant):
            for f in fields:
                internal = f.get_internal_type()
                if "Date" in type(f).__name__:
                    value = date(1911, 11, 11)
                elif "Integer" in type(f).__name__:
                    value = 911911
                elif "Email" in type(f).__name__:
                    value = f"{MARK.lower()}@example.org"
                else:
                    value = f"{MARK} {route.model.__name__} {f.name} {internal}"
                setattr(row, f.name, value)
                planted += 1
            if fields:
                type(row)._default_manager.filter(pk=row.pk).update(
                    **{f.name: getattr(row, f.name) for f in fields}
                )
    Participant.objects.filter(pk=participant.pk).update(
        account=account, referral_source=f"{MARK} referrer", known_as=NAME, legal_name=NAME
    )
    participant.refresh_from_db()
    participant.search_tokens_rebuild()
    return planted


def _leftovers(digests: set[str]) -> list[str]:
    """Every value of every table that carries the mark, decrypted where it is a token, or
    that is one of her blind-index digests."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from the DB
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, memoryview | bytes):
                        value = bytes(value).decode("latin-1")
                    if not isinstance(value, str):
                        continue
                    texts = [value]
                    if value.startswith("gAAAAA"):
                        for decrypt in (decrypt_text, decrypt_bytes):
                            try:
                                clear = decrypt(value)
                            except (DecryptionError, UnicodeError):
                                continue
                            texts.append(clear if isinstance(clear, str) else clear.decode())
                            break
                    for text in texts:
                        if MARK in text or MARK.lower() in text or "1911-11-11" in text:
                            found.append(f"{table}: {text[:60]}")
                        if "911911" in text or NAME in text or text in digests:
                            found.append(f"{table}: {text[:60]}")
    return found


@pytest.fixture
def organisation():
    return generate("tiny")


def _richest(organisation):
    """The generated file with the most kinds of records attached."""
    people = Participant.objects.filter(reference__startswith="BENCH-").exclude(
        pk__in=[organisation.busy_file.pk, organisation.quiet_file.pk]
    )
    best = max(
        people,
        key=lambda p: sum(
            route.rows(p).exists() for route in routes() if route.model is not Participant
        ),
    )
    return best


def _figures(year):
    from reports.figures import report_figures

    return report_figures(
        start=date(year, 1, 1), end=date(year, 12, 31), organisation="Org", threshold=5
    ).as_json()


def test_nothing_planted_about_her_is_left_anywhere_after_anonymisation(
    organisation, dana_coordinator
):
    her = _richest(organisation)
    worker = organisation.typical_worker
    assert _plant(her, worker) > 20
    digests = set(her.search_tokens.values_list("digest", flat=True))
    digests |= blind_index.name_digests(NAME, NAME)
    assert digests and _leftovers(digests)  # planted, and found before

    erased = participant_anonymise(
        actor=dana_coordinator, participant=her, reason=Reason.HER_REQUEST
    )

    assert erased > 0
    assert _leftovers(digests) == []
    her.refresh_from_db()
    assert her.reference.startswith("ANON-") and her.anonymised_at is not None
    assert not her.search_tokens.exists()
    assert not DreamImage.objects.filter(item__plan__participant=her).exists()
    assert not her.documents.exists()
    assert not her.assignments.filter(ended_at__isnull=True).exists()


def test_the_annual_report_is_the_same_after_anonymisation(organisation, dana_coordinator):
    year = timezone.localdate().year - 1
    before = [_figures(year), _figures(year + 1)]
    for her in Participant.objects.filter(reference__startswith="BENCH-")[:8]:
        participant_anonymise(actor=dana_coordinator, participant=her, reason=Reason.HER_REQUEST)
    assert [_figures(year), _figures(year + 1)] == before


def test_the_audit_keeps_that_an_erasure_happened_not_what(organisation, dana_coordinator):
    her = _richest(organisation)
    _plant(her, organisation.typical_worker)
    participant_anonymise(actor=dana_coordinator, participant=her, reason=Reason.CONSENT_WITHDRAWN)
    entry = AuditEntry.objects.get(action="participant.anonymised")
    assert entry.participant_id == her.pk and entry.actor == dana_coordinator
    assert set(entry.payload) == {"kind", "count"}
    assert entry.payload["kind"] == "consent_withdrawn"


def test_her_account_can_no_longer_sign_in(organisation, dana_coordinator, password):
    her = _richest(organisation)
    _plant(her, organisation.typical_worker)
    account = Participant.objects.get(pk=her.pk).account
    participant_anonymise(actor=dana_coordinator, participant=her, reason=Reason.HER_REQUEST)
    account.refresh_from_db()
    assert not account.is_active and not account.has_usable_password()
    assert account.username.startswith("anonymised-") and account.email == ""
    assert Participant.objects.get(pk=her.pk).account is None


def test_a_file_under_a_legal_hold_or_already_anonymised_is_refused(eve_file, dana_coordinator):
    Participant.objects.filter(pk=eve_file.pk).update(legal_hold=True)
    with pytest.raises(ErasureRefused, match="legal hold"):
        participant_anonymise(actor=dana_coordinator, participant=eve_file, reason="her_request")
    Participant.objects.filter(pk=eve_file.pk).update(legal_hold=False)
    participant_anonymise(actor=dana_coordinator, participant=eve_file, reason="her_request")
    with pytest.raises(ErasureRefused, match="already"):
        participant_anonymise(actor=dana_coordinator, participant=eve_file, reason="her_request")


def test_the_routes_reach_only_her_own_records_never_shared_ones():
    labels = {route.model._meta.label for route in routes()}
    assert {"cases.CaseNote", "lifeplans.GoalChange", "lifeplans.DreamImage", "dropin.Visit",
            "shelters.BedNight", "cases.DocumentContent"} <= labels  # fmt: skip
    shared = {"dropin.OpeningSession", "dropin.PeerGroupSession", "dropin.OutreachRound",
              "shelters.Shelter", "cases.Partner", "safespace.AuditEntry",
              "reports.Report"}  # fmt: skip
    assert not labels & shared


# --- the coordinator's pages -----------------------------------------------------------------


@pytest.fixture
def dana(dana_coordinator, password, eve_file):
    Assignment.objects.create(participant=eve_file, worker=dana_coordinator, kind="support")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    sign_in(client, dana_coordinator, password)
    client.post(reverse("account_reauthenticate"), {"password": password})
    return client


def test_a_coordinator_anonymises_a_file_after_typing_its_reference(dana, eve_file):
    url = reverse("participant_anonymise", args=[eve_file.pk])
    page = dana.get(url)
    assert b"What is destroyed" in page.content and b"What stays" in page.content

    wrong = dana.post(url, {"reason": "her_request", "confirm": "SS-2026-9999"})
    assert wrong.status_code == 200
    assert b"This is not the reference of this file" in wrong.content
    assert b'value="SS-2026-9999"' in wrong.content  # what she typed is kept
    assert Participant.objects.get(pk=eve_file.pk).anonymised_at is None

    done = dana.post(url, {"reason": "her_request", "confirm": eve_file.reference.lower()})
    assert done.status_code == 302 and done["Location"] == reverse("retention_overview")
    assert Participant.objects.get(pk=eve_file.pk).anonymised_at is not None


def test_anonymising_asks_for_the_password_again(dana_coordinator, eve_file):
    Assignment.objects.create(participant=eve_file, worker=dana_coordinator, kind="support")
    client = Client()
    client.force_login(dana_coordinator)
    response = client.get(reverse("participant_anonymise", args=[eve_file.pk]))
    assert response["Location"].startswith(reverse("account_reauthenticate"))


def test_a_legal_hold_is_placed_and_lifted_from_her_file(dana, eve_file):
    url = reverse("participant_legal_hold", args=[eve_file.pk])
    dana.post(url, {"hold": "on"})
    held = Participant.objects.get(pk=eve_file.pk)
    assert held.legal_hold and held.legal_hold_since == timezone.localdate()
    page = dana.get(reverse("participant_anonymise", args=[eve_file.pk]))
    assert b"under a legal hold" in page.content
    dana.post(url, {"hold": "off"})
    assert not Participant.objects.get(pk=eve_file.pk).legal_hold
    actions = list(
        AuditEntry.objects.filter(
            participant_id=eve_file.pk, action__startswith="participant.legal"
        )
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["participant.legal_hold_set", "participant.legal_hold_lifted"]


def test_the_panel_is_on_her_file_for_coordinators_only(
    dana, eve_file, alice_socialworker, password
):
    assert b'id="her-data"' in dana.get(reverse("participant_detail", args=[eve_file.pk])).content
    alice = Client(HTTP_ACCEPT_LANGUAGE="en")
    sign_in(alice, alice_socialworker, password)
    page = alice.get(reverse("participant_detail", args=[eve_file.pk]))
    assert page.status_code == 200 and b'id="her-data"' not in page.content


def test_a_coordinator_not_working_with_her_gets_404(dana_coordinator, password, eve_file):
    client = Client()
    sign_in(client, dana_coordinator, password)
    client.post(reverse("account_reauthenticate"), {"password": password})
    assert client.get(reverse("participant_anonymise", args=[eve_file.pk])).status_code == 404
    url = reverse("participant_legal_hold", args=[eve_file.pk])
    assert client.post(url, {"hold": "on"}).status_code == 404


def test_the_retention_page_lists_what_is_coming(dana, eve_file):
    years = 5
    closed = timezone.localdate() - timedelta(days=365 * years - 10)
    Participant.objects.filter(pk=eve_file.pk).update(opened_on=closed, closed_on=closed)
    page = dana.get(reverse("retention_overview"))
    assert page.status_code == 200
    assert eve_file.reference.encode() in page.content
    assert b"Soleil" not in page.content  # references and dates only


def test_her_documents_never_reach_the_media_folder(settings, tmp_path, eve_file, dana_coordinator):
    """Uploads live encrypted in the database only: erasing the rows erases them."""
    from cases.services import document_add

    settings.MEDIA_ROOT = tmp_path
    alice = eve_file.assignments.get(kind="key_worker").worker
    document_add(
        actor=alice, participant=eve_file, title="Residence permit", kind="residence",
        content_type="application/pdf", content=b"%PDF-1.4\n" + MARK.encode() + b"\n%%EOF\n",
    )  # fmt: skip
    assert list(tmp_path.rglob("*")) == []
    participant_anonymise(actor=dana_coordinator, participant=eve_file, reason="her_request")
    assert not eve_file.documents.exists()
    assert list(tmp_path.rglob("*")) == []
