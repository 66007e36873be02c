"""Her right of access and to portability: everything about her, and nothing about anyone
else, as a PDF and as JSON for a coordinator; her own words from her own space."""

import json
import shutil
import subprocess
from datetime import time, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import (
    Appointment,
    Assignment,
    CaseNote,
    Consent,
    NeedsAssessment,
    Participant,
    Partner,
    PathwayEntry,
    Referral,
)
from cases.subject_access import subject_access_collect, subject_access_view
from safespace.models import AuditEntry
from tests.conftest import PLANTED, sign_in

TODAY = timezone.localdate()
ADDRESS = "12 impasse Cachée-Planted, 75020"
# what is hers, planted in every part of her file
EVE = {
    "author_note": "Eve author-only planted note",
    "team_note": "Eve team planted note",
    "stay_note": "Eve planted stay note",
    "referral_outcome": "Eve planted referral outcome",
    "goal": "Un café à moi, in Eve's words",
    "worker_goal": "Worker-proposed goal for Eve",
    "reflection": "Eve planted reflection",
    "worker_note": "Eve planted worker note",
    "code_words": "Eve planted code word: blue umbrella",
    "strength": "Eve planted strength words",
    "dream": "Eve planted dream words",
    "correction": "Eve planted correction: my birth year is wrong",
    "correction_answer": "Eve planted answer from her worker",
}
# the other woman: she shares a group, an activity, a house, a partner and a session with Eve
OTHER = {
    "reference": "SS-2026-0077",
    "known_as": "Rosalind",
    "legal_name": "Ottilie Othername-Planted",
    "phone": "+33 7 11 22 33 44",
    "notes": "Other planted file note",
}
OTHER_PLANTS = [
    *OTHER.values(),
    "Other planted case note",
    "Other planted stay note",
    "Other planted referral outcome",
    "Other planted reflection",
    "Other planted correction",
    "Facilitators planted notes about the whole group",
    ADDRESS,
    "Cachée",
]


def _client(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _reauthenticated(user, password):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    sign_in(client, user, password)
    client.post(reverse("account_reauthenticate"), {"password": password})
    return client


def _case_work(participant, *, worker, plants: dict, partner, count: int = 1):
    """Notes, an appointment, a pathway entry, needs and a referral in her file."""
    for n in range(count):
        CaseNote.objects.create(
            participant=participant,
            author=worker,
            kind="appointment",
            confidentiality="team",
            text=f"{plants['team_note']} {n}",
        )
        Appointment.objects.create(
            participant=participant,
            worker=worker,
            created_by=worker,
            starts_at=timezone.now() + timedelta(days=n + 1),
            purpose="Papers",
        )
        PathwayEntry.objects.create(
            participant=participant, status="on_the_path", since=TODAY, recorded_by=worker
        )
        assessment = NeedsAssessment.objects.create(participant=participant, recorded_by=worker)
        assessment.domains.create(domain="housing", level=2, comment="Needs a room")
    CaseNote.objects.create(
        participant=participant,
        author=worker,
        kind="other",
        confidentiality="author",
        text=plants["author_note"],
    )
    consent = Consent.objects.create(
        participant=participant,
        purpose="share_partner",
        partner=partner,
        method="oral",
        recorded_by=worker,
    )
    Referral.objects.create(
        participant=participant,
        partner=partner,
        kind=partner.kind,
        consent=consent,
        outcome=plants["referral_outcome"],
        created_by=worker,
    )


def _life_plan(participant, *, her, worker, plants: dict, count: int = 1):
    from lifeplans.models import DreamItem, Goal, LifePlan, Review, SafetyPlan, Step, Strength

    plan, _ = LifePlan.objects.get_or_create(participant=participant)
    for n in range(count):
        goal = Goal.objects.create(
            plan=plan,
            horizon="short",
            domain="housing",
            words=f"{plants['goal']} {n}",
            proposed_by="her",
            proposed_by_user=her or worker,
            status="agreed",
            agreed_on=TODAY,
        )
        Step.objects.create(goal=goal, words="Call the office", owner="her", created_by=worker)
        goal.changes.create(changed_by=worker, fields=["created"], status_after="agreed")
        Review.objects.create(
            plan=plan,
            her_reflection=f"{plants['reflection']} {n}",
            worker_note=plants.get("worker_note", ""),
            recorded_by=worker,
        )
        Strength.objects.create(
            plan=plan, tags="patient", words=plants.get("strength", ""), recorded_by=worker
        )
        DreamItem.objects.create(
            plan=plan, year=TODAY.year, words=plants.get("dream", ""), added_by=worker
        )
    Goal.objects.create(
        plan=plan,
        horizon="long",
        domain="health",
        words=plants.get("worker_goal", "A worker's idea"),
        proposed_by="worker",
        proposed_by_user=worker,
    )
    SafetyPlan.objects.update_or_create(
        plan=plan,
        defaults={"code_words": plants.get("code_words", ""), "updated_by": worker},
    )


@pytest.fixture
def partner(db):
    return Partner.objects.create(name="Legal aid clinic", kind="legal_aid")


@pytest.fixture
def other_file(alice_socialworker):
    other = Participant.objects.create(**OTHER)
    Assignment.objects.create(participant=other, worker=alice_socialworker, kind="key_worker")
    return other


@pytest.fixture
def dana_supports_eve(eve_file, dana_coordinator):
    """Dana, a coordinator, with Eve's file in her scope."""
    Assignment.objects.create(participant=eve_file, worker=dana_coordinator, kind="support")
    return dana_coordinator


@pytest.fixture
def shared(
    eve_file,
    other_file,
    eve_participant,
    alice_socialworker,
    bea_peerworker,
    partner,
):
    """Eve and the other woman share a peer group, an activity session, a house (different
    beds, overlapping stays), a referral partner and a drop-in session."""
    from dropin.models import (
        Activity,
        ActivityAttendance,
        ActivitySession,
        OpeningSession,
        OutreachContact,
        OutreachRound,
        PeerGroup,
        PeerGroupAttendance,
        PeerGroupMember,
        PeerGroupSession,
        Service,
        ServiceGiven,
        Site,
        Visit,
    )
    from lifeplans.models import CorrectionRequest
    from shelters.models import Bed, Room, Shelter
    from shelters.services import admission_request_make, stay_begin, stay_end

    alice = alice_socialworker
    women = (eve_file, other_file)
    _case_work(eve_file, worker=alice, plants=EVE, partner=partner)
    _case_work(
        other_file,
        worker=alice,
        partner=partner,
        plants={
            "team_note": "Other planted case note",
            "author_note": "Other planted case note, author only",
            "referral_outcome": "Other planted referral outcome",
        },
    )
    _life_plan(eve_file, her=eve_participant, worker=alice, plants=EVE)
    _life_plan(
        other_file,
        her=None,
        worker=alice,
        plants={"goal": "Other planted goal", "reflection": "Other planted reflection"},
    )

    group = PeerGroup.objects.create(name="Tuesday circle", starts_on=TODAY, created_by=alice)
    group.facilitators.set([bea_peerworker])
    group_session = PeerGroupSession.objects.create(
        group=group,
        date=TODAY,
        facilitator_notes="Facilitators planted notes about the whole group",
        recorded_by=bea_peerworker,
    )
    activity = Activity.objects.create(kind="cooking", title="Soup workshop", created_by=alice)
    activity_session = ActivitySession.objects.create(
        activity=activity, date=TODAY, anonymous_count=3, recorded_by=alice
    )
    site = Site.objects.create(name="Belleville")
    desk = OpeningSession.objects.create(
        site=site, opens_at=time(14), closes_at=time(18), opened_by=alice
    )
    meal = Service.objects.get(code="meal")
    for woman in women:
        PeerGroupMember.objects.create(group=group, participant=woman, enrolled_by=alice)
        PeerGroupAttendance.objects.create(session=group_session, participant=woman)
        ActivityAttendance.objects.create(session=activity_session, participant=woman)
        visit = Visit.objects.create(session=desk, participant=woman, logged_by=alice)
        ServiceGiven.objects.create(service=meal, visit=visit, given_on=TODAY, given_by=alice)

    round_ = OutreachRound.objects.create(
        kind="street",
        area="Old town",
        contacts_made=2,
        new_contacts=1,
        notes="Other planted case note on the round",
        recorded_by=alice,
    )
    OutreachContact.objects.create(round=round_, participant=eve_file)
    OutreachContact.objects.create(round=round_, participant=other_file)

    shelter = Shelter.objects.create(name="Les Tilleuls", kind="long_term", address=ADDRESS)
    room = Room.objects.create(shelter=shelter, name="1")
    bed_a = Bed.objects.create(room=room, label="A")
    bed_b = Bed.objects.create(room=room, label="B")
    eve_stay = stay_begin(
        actor=alice,
        participant=eve_file,
        bed=bed_a,
        starts_on=TODAY - timedelta(days=60),
        expected_end_on=TODAY - timedelta(days=30),
    )
    eve_stay.notes = EVE["stay_note"]
    eve_stay.save(update_fields=["notes"])
    stay_end(
        actor=alice, stay=eve_stay, ended_on=TODAY - timedelta(days=30), exit_destination="family"
    )
    other_stay = stay_begin(
        actor=alice, participant=other_file, bed=bed_b, starts_on=TODAY - timedelta(days=45)
    )
    other_stay.notes = "Other planted stay note"
    other_stay.save(update_fields=["notes"])
    CorrectionRequest.objects.create(
        participant=eve_file,
        words=EVE["correction"],
        status="answered",
        answer=EVE["correction_answer"],
        answered_by=alice,
        answered_at=timezone.now(),
    )
    CorrectionRequest.objects.create(participant=other_file, words="Other planted correction")
    admission_request_make(actor=alice, participant=eve_file, urgency="soon")
    admission_request_make(actor=alice, participant=other_file, urgency="immediate")

    # Alice opens both files: only the opening of Eve's is Eve's to see
    client = _client(alice)
    assert client.get(reverse("participant_detail", args=[eve_file.pk])).status_code == 200
    assert client.get(reverse("participant_detail", args=[other_file.pk])).status_code == 200
    return {"group": group, "activity": activity, "shelter": shelter, "site": site}


def _text_of(data) -> str:
    return json.dumps(data, ensure_ascii=False)


# --- what her export holds ---------------------------------------------------------------


@pytest.mark.django_db
def test_her_export_holds_everything_about_her_and_nothing_about_the_other_woman(
    eve_file, shared, alice_socialworker
):
    data = subject_access_collect(eve_file)
    text = _text_of(data)
    for value in [*PLANTED.values(), eve_file.reference, *EVE.values()]:
        assert value in text, value
    for value in OTHER_PLANTS:
        assert value not in text, value
    # shared things are named, the other people in them are not
    assert data["peer_groups"][0]["group"] == "Tuesday circle"
    assert data["peer_groups"][0]["sessions_attended"] == [TODAY.isoformat()]
    assert data["activities"][0]["activity"] == "Soup workshop"
    assert data["drop_in_visits"][0]["site"] == "Belleville"
    assert data["drop_in_visits"][0]["services"][0]["service"] == "meal"
    assert [r["partner"] for r in data["referrals"]] == ["Legal aid clinic"]
    [stay] = data["shelter_stays"]
    assert (stay["shelter"], stay["bed"], stay["nights"]) == ("Les Tilleuls", "A", 30)
    assert data["bed_nights"] == 30
    assert [f["months_after"] for f in stay["follow_ups"]] == [1, 3, 6, 12]
    assert len(data["admission_requests"]) == 1
    assert len(data["outreach_contacts"]) == 1
    # every note, whoever may read it inside the organisation
    assert {n["confidentiality"] for n in data["case_notes"]} == {"team", "author"}


@pytest.mark.django_db
def test_the_access_section_lists_who_opened_her_file_and_nothing_else_of_the_entries(
    eve_file, shared, alice_socialworker
):
    access = subject_access_collect(eve_file)["file_access"]
    opened = [row for row in access if row["action"] == "participant.viewed"]
    assert opened == [
        {"at": opened[0]["at"], "who": "alice_socialworker", "role": "social_worker",
         "action": "participant.viewed"}
    ]  # fmt: skip
    assert all(set(row) == {"at", "who", "role", "action"} for row in access)
    theirs = AuditEntry.objects.exclude(participant_id=eve_file.pk).exclude(participant_id=None)
    assert theirs.exists()  # the other woman's entries exist, and are not in Eve's file
    assert len(access) == AuditEntry.objects.filter(participant_id=eve_file.pk).count()


@pytest.mark.django_db
def test_the_json_keys_are_stable_english_and_carry_a_format_version(eve_file, shared):
    data = subject_access_collect(eve_file)
    assert data["format_version"] == 1
    assert list(data) == [
        "format_version",
        "organisation",
        "produced_at",
        "her_file",
        "support_team",
        "pathway",
        "consents",
        "needs_assessments",
        "case_notes",
        "appointments",
        "referrals",
        "documents",
        "life_plan",
        "correction_requests",
        "drop_in_visits",
        "services_given",
        "activities",
        "peer_groups",
        "outreach_contacts",
        "shelter_stays",
        "bed_nights",
        "admission_requests",
        "file_access",
    ]
    assert json.loads(json.dumps(data)) == data


@pytest.mark.django_db
def test_documents_are_listed_without_their_content(eve_file, alice_socialworker):
    from cases.services import document_add

    document_add(
        actor=alice_socialworker,
        participant=eve_file,
        title="Residence permit",
        kind="residence",
        content_type="application/pdf",
        content=b"%PDF-1.4 planted-document-bytes %%EOF",
    )
    [row] = subject_access_collect(eve_file)["documents"]
    assert (row["title"], row["kind"], row["uploaded_by"]) == (
        "Residence permit",
        "residence",
        "alice_socialworker",
    )
    assert "planted-document-bytes" not in _text_of(row)


@pytest.mark.django_db
def test_every_field_of_the_pdf_is_labelled_in_the_readers_language(eve_file, shared):
    from django.utils import translation

    data = subject_access_collect(eve_file)
    for language in ("en", "fr"):
        with translation.override(language):
            sections = subject_access_view(data)
            records = [record for section in sections for record in section.records]
            records += [child for r in records for _title, kids in r.children for child in kids]
            labels = {str(label) for record in records for label, _text in record.facts}
        # a label is a verbose name, never a JSON key left as it is
        assert not [label for label in labels if "_" in label], language
    with translation.override("en"):
        her_file = subject_access_view(data)[0].records[0].facts
    assert ("known-as name", "Soleil") in [(str(label), text) for label, text in her_file]


@pytest.mark.django_db
def test_the_number_of_queries_does_not_grow_with_her_file(
    eve_file, eve_participant, alice_socialworker, partner
):
    with CaptureQueriesContext(connection) as small:
        subject_access_collect(eve_file)
    _case_work(eve_file, worker=alice_socialworker, plants=EVE, partner=partner, count=15)
    _life_plan(eve_file, her=eve_participant, worker=alice_socialworker, plants=EVE, count=15)
    with CaptureQueriesContext(connection) as big:
        data = subject_access_collect(eve_file)
    assert len(data["case_notes"]) == 16 and len(data["life_plan"]["goals"]) == 16
    # one query per kind of row (32 today), whatever their number
    assert len(big.captured_queries) == len(small.captured_queries) < 40


# --- the coordinator's pages ---------------------------------------------------------------


@pytest.mark.django_db
def test_a_coordinator_with_her_file_in_scope_sees_what_the_export_holds(
    eve_file, dana_supports_eve
):
    response = _client(dana_supports_eve).get(reverse("subject_access", args=[eve_file.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Each download is recorded" in page
    assert reverse("subject_access_download", args=[eve_file.pk, "pdf"]) in page
    assert reverse("subject_access_download", args=[eve_file.pk, "json"]) in page
    detail = _client(dana_supports_eve).get(reverse("participant_detail", args=[eve_file.pk]))
    assert reverse("subject_access", args=[eve_file.pk]) in detail.content.decode()


@pytest.mark.django_db
def test_only_a_coordinator_with_her_file_in_scope_reaches_her_data(
    eve_file, alice_socialworker, dana_coordinator, mallory, eve_participant
):
    urls = [
        reverse("subject_access", args=[eve_file.pk]),
        reverse("subject_access_download", args=[eve_file.pk, "json"]),
    ]
    for url in urls:
        # her key worker, her, and another participant: not a page for their role
        for user in (alice_socialworker, eve_participant, mallory):
            assert _client(user).get(url).status_code == 403
        # a coordinator whose scope does not hold her file is told it is not there
        assert _client(dana_coordinator).get(url).status_code == 404
    detail = _client(alice_socialworker).get(reverse("participant_detail", args=[eve_file.pk]))
    assert reverse("subject_access", args=[eve_file.pk]) not in detail.content.decode()


@pytest.mark.django_db
def test_the_download_asks_for_the_password_again_and_records_the_format_only(
    eve_file, shared, dana_supports_eve, password
):
    url = reverse("subject_access_download", args=[eve_file.pk, "pdf"])
    assert "Soleil" not in url
    stale = _client(dana_supports_eve).get(url)
    assert stale.status_code == 302 and "reauthenticate" in stale["Location"]
    assert not AuditEntry.objects.filter(action="participant.data_exported").exists()

    response = _reauthenticated(dana_supports_eve, password).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"] == 'attachment; filename="her-data-SS-2026-0042.pdf"'
    entry = AuditEntry.objects.get(action="participant.data_exported")
    assert entry.actor == dana_supports_eve
    assert entry.participant_id == eve_file.pk
    assert entry.payload == {"format": "pdf"}


@pytest.mark.django_db
def test_the_pdf_reads_her_data_and_nothing_about_the_other_woman(
    eve_file, shared, dana_supports_eve, password, tmp_path
):
    client = _reauthenticated(dana_supports_eve, password)
    response = client.get(reverse("subject_access_download", args=[eve_file.pk, "pdf"]))
    assert response.status_code == 200
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "her-data.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    text = " ".join(text.split())
    for value in ("Soleil", "SS-2026-0042", "Les Tilleuls", "Tuesday circle", "GDPR"):
        assert value in text, value
    assert EVE["author_note"] in text and EVE["code_words"] in text
    for value in ("Rosalind", "Othername", "SS-2026-0077", "Cachée", "Other planted"):
        assert value not in text, value
    # labels and choices in her reader's language, dates formatted
    assert "Known-as name" in text and "Key worker" in text and "Opened a file" in text


@pytest.mark.django_db
def test_the_json_download_is_the_same_content_in_utf8(
    eve_file, shared, dana_supports_eve, password
):
    client = _reauthenticated(dana_supports_eve, password)
    response = client.get(reverse("subject_access_download", args=[eve_file.pk, "json"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"] == 'attachment; filename="her-data-SS-2026-0042.json"'
    assert "café".encode() in response.content  # not escaped: ensure_ascii=False
    data = json.loads(response.content)
    assert data["format_version"] == 1
    assert data["her_file"]["known_as"] == "Soleil"
    for value in OTHER_PLANTS:
        assert value not in response.content.decode(), value
    entry = AuditEntry.objects.get(action="participant.data_exported")
    assert entry.payload == {"format": "json"}


@pytest.mark.django_db
def test_an_unknown_format_is_not_there(eve_file, dana_supports_eve, password):
    client = _reauthenticated(dana_supports_eve, password)
    for fmt in ("xml", "csv", "PDF"):
        url = f"/people/{eve_file.pk}/her-data/{fmt}/"
        assert client.get(url).status_code == 404
    assert not AuditEntry.objects.filter(action="participant.data_exported").exists()


# --- her own words, from her own space --------------------------------------------------


@pytest.mark.django_db
def test_she_downloads_her_own_words_and_nothing_a_worker_wrote(eve_file, shared, eve_participant):
    response = _client(eve_participant).get(reverse("portal_my_words"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == 'attachment; filename="my-words.json"'
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode()
    data = json.loads(text)
    assert data["format_version"] == 1
    assert [g["words"] for g in data["goals"]] == [f"{EVE['goal']} 0"]
    assert [r["words"] for r in data["reflections"]] == [f"{EVE['reflection']} 0"]
    assert data["safety_plan"]["code_words"] == EVE["code_words"]
    assert data["strengths"][0]["words"] == EVE["strength"]
    assert data["dream_board"][0]["words"] == EVE["dream"]
    assert [c["words"] for c in data["correction_requests"]] == [EVE["correction"]]
    for value in (
        EVE["worker_note"],
        EVE["author_note"],
        EVE["team_note"],
        EVE["stay_note"],
        EVE["worker_goal"],
        EVE["correction_answer"],
        PLANTED["notes"],
        PLANTED["legal_name"],
        "alice_socialworker",
        *OTHER_PLANTS,
    ):
        assert value not in text, value
    entry = AuditEntry.objects.get(action="lifeplan.words_downloaded_by_her")
    assert entry.actor == eve_participant and entry.participant_id == eve_file.pk
    assert entry.payload == {"via": "portal", "format": "json"}


@pytest.mark.django_db
def test_her_own_words_are_hers_alone(eve_file, mallory, alice_socialworker, eve_participant):
    url = reverse("portal_my_words")
    assert _client(mallory).get(url).status_code == 404  # no file of her own
    assert _client(alice_socialworker).get(url).status_code == 403
    assert _client(eve_participant).post(url).status_code == 405
    home = _client(eve_participant).get(reverse("portal_home")).content.decode()
    assert url in home
    assert not AuditEntry.objects.filter(action="lifeplan.words_downloaded_by_her").exists()
