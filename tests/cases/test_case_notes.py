"""Case notes: append-only, encrypted, and read only by those their author chose."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cases.models import Assignment, CaseNote
from cases.services import assignment_end, break_glass_open, case_note_write
from safespace.models import AuditEntry
from safespace.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SECRET = "Planted case note: she hides at her cousin's near the market"
TEAM, KEY_WORKER, AUTHOR = "team", "key_worker", "author"


@pytest.fixture
def fay_socialworker(eve_file):
    """Another social worker assigned to Eve, not her key worker."""
    fay = UserFactory(username="fay_socialworker", role=Role.SOCIAL_WORKER)
    Assignment.objects.create(participant=eve_file, worker=fay, kind=Assignment.Kind.SUPPORT)
    return fay


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def get(client, url, **params):
    return client.get(url, params, HTTP_ACCEPT_LANGUAGE="en")


def write(author, participant, confidentiality=TEAM, text=SECRET, kind="phone_call", **extra):
    return case_note_write(
        actor=author,
        participant=participant,
        kind=kind,
        confidentiality=confidentiality,
        happened_on=extra.get("happened_on", timezone.localdate()),
        text=text,
    )


@pytest.fixture
def six_notes(eve_file, alice_socialworker, fay_socialworker):
    """One note of each confidentiality by Alice (key worker) and by Fay (support)."""
    return {
        (who, level): write(author, eve_file, level, text=f"{who}-{level}")
        for who, author in (("alice", alice_socialworker), ("fay", fay_socialworker))
        for level in (TEAM, KEY_WORKER, AUTHOR)
    }


def readable_texts(user, participant):
    return sorted(note.text for note in CaseNote.objects.readable_by(user, participant))


def test_the_key_worker_reads_team_key_worker_and_her_own_notes(
    alice_socialworker, eve_file, six_notes
):
    assert readable_texts(alice_socialworker, eve_file) == [
        "alice-author",
        "alice-key_worker",
        "alice-team",
        "fay-key_worker",
        "fay-team",
    ]


def test_another_assigned_social_worker_reads_team_notes_and_her_own(
    fay_socialworker, eve_file, six_notes
):
    assert readable_texts(fay_socialworker, eve_file) == [
        "alice-team",
        "fay-author",
        "fay-key_worker",
        "fay-team",
    ]


def test_a_coordinator_through_break_glass_reads_team_notes_only(
    dana_coordinator, eve_file, six_notes
):
    break_glass_open(user=dana_coordinator, participant=eve_file, reason="x" * 20)
    assert readable_texts(dana_coordinator, eve_file) == ["alice-team", "fay-team"]


def test_an_assigned_coordinator_reads_team_notes_but_not_key_worker_notes(
    dana_coordinator, eve_file, six_notes
):
    Assignment.objects.create(
        participant=eve_file, worker=dana_coordinator, kind=Assignment.Kind.SUPPORT
    )
    assert readable_texts(dana_coordinator, eve_file) == ["alice-team", "fay-team"]


def test_a_second_key_worker_reads_key_worker_notes(eve_file, six_notes):
    gail = UserFactory(username="gail_socialworker", role=Role.SOCIAL_WORKER)
    Assignment.objects.create(participant=eve_file, worker=gail, kind=Assignment.Kind.KEY_WORKER)
    assert readable_texts(gail, eve_file) == [
        "alice-key_worker",
        "alice-team",
        "fay-key_worker",
        "fay-team",
    ]


def test_a_former_key_worker_reads_nothing_once_her_assignment_ends(
    alice_socialworker, dana_coordinator, eve_file, six_notes
):
    assignment = eve_file.assignments.get(worker=alice_socialworker)
    assignment_end(actor=dana_coordinator, assignment=assignment)
    assert readable_texts(alice_socialworker, eve_file) == []


@pytest.mark.parametrize("who", ["bea_peerworker", "chloe_volunteer", "eve_participant", "mallory"])
def test_peer_workers_volunteers_and_participants_read_no_notes(request, who, eve_file, six_notes):
    assert readable_texts(request.getfixturevalue(who), eve_file) == []


def test_notes_of_another_file_are_never_readable(alice_socialworker, eve_file, six_notes):
    from cases.models import Participant

    other = Participant.objects.create(reference="SS-2026-0099", known_as="Other")
    assert readable_texts(alice_socialworker, other) == []


@pytest.mark.parametrize(
    ("who", "status"),
    [("bea_peerworker", 403), ("chloe_volunteer", 404), ("dana_coordinator", 404)],
)
def test_planted_note_text_never_reaches_those_who_may_not_read_it(
    request, who, status, alice_socialworker, eve_file
):
    write(alice_socialworker, eve_file, TEAM)
    client = client_for(request.getfixturevalue(who))
    detail = get(client, reverse("participant_detail", args=[eve_file.pk]))
    assert SECRET not in detail.content.decode()
    response = get(client, reverse("participant_notes", args=[eve_file.pk]))
    assert response.status_code == status
    assert SECRET not in response.content.decode()
    new = client.post(
        reverse("participant_note_new", args=[eve_file.pk]),
        {"kind": "other", "confidentiality": TEAM, "happened_on": "2026-01-01", "text": "x"},
    )
    assert new.status_code in (403, 404)
    assert CaseNote.objects.count() == 1


def test_a_peer_worker_is_told_notes_are_not_for_her(bea_peerworker, alice_socialworker, eve_file):
    write(alice_socialworker, eve_file)
    html = get(client_for(bea_peerworker), reverse("participant_detail", args=[eve_file.pk]))
    assert "Case notes are for her social workers only." in html.content.decode()


def test_the_file_page_shows_the_latest_ten_and_says_why_others_are_hidden(
    alice_socialworker, fay_socialworker, eve_file
):
    for day in range(12):
        write(
            alice_socialworker,
            eve_file,
            text=f"team note number {day:02d}",
            happened_on=timezone.localdate() - timedelta(days=day),
        )
    write(alice_socialworker, eve_file, KEY_WORKER, text="for the key worker only")
    write(alice_socialworker, eve_file, AUTHOR, text="for alice only")
    html = get(client_for(fay_socialworker), reverse("participant_detail", args=[eve_file.pk]))
    html = html.content.decode()
    assert "team note number 00" in html and "team note number 09" in html
    assert "team note number 10" not in html  # beyond the latest ten
    assert "for the key worker only" not in html and "for alice only" not in html
    assert "2 more notes are not shown" in html
    assert reverse("participant_notes", args=[eve_file.pk]) in html
    assert "All her notes (12)" in html


def test_writing_a_note_is_audited_without_its_text(alice_socialworker, eve_file):
    response = client_for(alice_socialworker).post(
        reverse("participant_note_new", args=[eve_file.pk]),
        {
            "kind": "accompaniment",
            "confidentiality": KEY_WORKER,
            "happened_on": timezone.localdate().isoformat(),
            "text": SECRET,
        },
    )
    note = CaseNote.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith("#case-notes")
    assert (note.author, note.kind, note.confidentiality, note.text) == (
        alice_socialworker,
        "accompaniment",
        KEY_WORKER,
        SECRET,
    )
    entry = AuditEntry.objects.get(action="case_note.written")
    assert entry.payload == {"kind": "accompaniment"}
    assert (entry.target_id, entry.participant_id) == (str(note.pk), eve_file.pk)
    everything = json.dumps(list(AuditEntry.objects.values()), default=str)
    assert "hides at her cousin" not in everything


def test_the_note_text_is_encrypted_in_the_database(alice_socialworker, eve_file):
    note = write(alice_socialworker, eve_file)
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM cases_casenote WHERE id = %s", [note.pk])
        stored = cursor.fetchone()[0]
    assert "cousin" not in stored


@pytest.mark.parametrize(
    ("changes", "field_error"),
    [
        ({"happened_on": "2999-01-01"}, "This date is in the future."),
        ({"happened_on": "31/02/2026"}, "Enter a valid date."),
        ({"text": ""}, "Write the note."),
        ({"text": "   \n  "}, "Write the note."),
        (
            {"text": "x" * 20_001},
            "A note can be at most 20,000 characters long; this one has 20001",
        ),
        ({"text": "x" * 10_000_000}, "A note can be at most 20,000 characters long"),
        ({"kind": "gossip"}, "Select a valid choice."),
        ({"confidentiality": "everyone"}, "Select a valid choice."),
    ],
)
def test_bad_input_gets_a_clear_message_and_keeps_what_she_typed(
    alice_socialworker, eve_file, changes, field_error
):
    data = {
        "kind": "phone_call",
        "confidentiality": TEAM,
        "happened_on": timezone.localdate().isoformat(),
        "text": "Typed with care: keep me",
    } | changes
    response = client_for(alice_socialworker).post(
        reverse("participant_note_new", args=[eve_file.pk]), data, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert field_error in html
    if "text" not in changes:
        assert "Typed with care: keep me" in html
    assert not CaseNote.objects.exists()
    assert not AuditEntry.objects.filter(action="case_note.written").exists()


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert('x')</script> she said no",
        "هي بخير اليوم، تحدثنا عن السكن",
        "Elle a souri 😊🌸 aujourd'hui",
        "x" * 20_000,
    ],
)
def test_her_words_are_kept_as_written_and_shown_safely(alice_socialworker, eve_file, text):
    client = client_for(alice_socialworker)
    client.post(
        reverse("participant_note_new", args=[eve_file.pk]),
        {
            "kind": "other",
            "confidentiality": TEAM,
            "happened_on": timezone.localdate().isoformat(),
            "text": text,
        },
    )
    assert CaseNote.objects.get().text == text
    html = get(client, reverse("participant_notes", args=[eve_file.pk])).content.decode()
    assert "<script>alert" not in html
    if text.startswith("<script>"):
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; she said no" in html
    else:
        assert escape(text) in html


def test_notes_cannot_be_edited_a_correction_is_a_new_note(alice_socialworker, eve_file):
    from django.urls import NoReverseMatch

    note = write(alice_socialworker, eve_file)
    for name in ("participant_note_edit", "case_note_edit", "participant_note_delete"):
        with pytest.raises(NoReverseMatch):
            reverse(name, args=[eve_file.pk, note.pk])
    html = get(client_for(alice_socialworker), reverse("participant_note_new", args=[eve_file.pk]))
    assert "a correction is a new note" in html.content.decode()


def test_all_notes_page_paginates_by_25_and_filters_by_type(alice_socialworker, eve_file):
    for number in range(30):
        write(alice_socialworker, eve_file, text=f"call {number:02d}", kind="phone_call")
    write(alice_socialworker, eve_file, text="the outreach evening", kind="outreach")
    client = client_for(alice_socialworker)
    url = reverse("participant_notes", args=[eve_file.pk])
    first = get(client, url)
    assert len(first.context["page"].object_list) == 25
    assert "Page 1 of 2" in first.content.decode()
    second = get(client, url, page=2)
    assert len(second.context["page"].object_list) == 6
    only_outreach = get(client, url, kind="outreach").content.decode()
    assert "the outreach evening" in only_outreach and "call 00" not in only_outreach
    unknown = get(client, url, kind="<b>nonsense</b>")
    assert unknown.status_code == 200
    assert len(unknown.context["page"].object_list) == 25


def test_reading_all_notes_is_recorded(alice_socialworker, eve_file):
    get(client_for(alice_socialworker), reverse("participant_notes", args=[eve_file.pk]))
    entry = AuditEntry.objects.get(action="participant.viewed")
    assert entry.payload == {"section": "case_notes", "via": "assignment"}


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = get(client, url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("page", ["participant_detail", "participant_notes"])
def test_query_count_does_not_grow_with_the_number_of_notes(
    alice_socialworker, fay_socialworker, eve_file, page
):
    client = client_for(alice_socialworker)
    url = reverse(page, args=[eve_file.pk])
    write(fay_socialworker, eve_file, KEY_WORKER)
    one = _queries(client, url)
    for number in range(29):
        author = (alice_socialworker, fay_socialworker)[number % 2]
        write(author, eve_file, (TEAM, KEY_WORKER, AUTHOR)[number % 3], text=f"note {number}")
    assert _queries(client, url) == one


def test_a_break_glass_coordinator_sees_team_notes_and_is_told_others_exist(
    dana_coordinator, alice_socialworker, eve_file
):
    write(alice_socialworker, eve_file, TEAM, text="team: she starts training on Monday")
    write(alice_socialworker, eve_file, KEY_WORKER, text=SECRET)
    break_glass_open(user=dana_coordinator, participant=eve_file, reason="x" * 20)
    client = client_for(dana_coordinator)
    for name in ("participant_detail", "participant_notes"):
        html = get(client, reverse(name, args=[eve_file.pk])).content.decode()
        assert "she starts training on Monday" in html
        assert "hides at her cousin" not in html
        assert "1 more note is not shown" in html or "1 note of her file is not shown" in html
