"""She asks, from her space, for something in her file to be corrected; her key worker answers
in the app. Her words never leave the app: not in a URL, a log line, the audit trail or an
email. Of two answers at once, the first is kept and the second is told so."""

import json
import logging
import re
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Assignment, Participant
from lifeplans.models import CorrectionRequest
from lifeplans.services import CorrectionAlreadyAnswered, correction_answer, correction_ask
from safespace.audit import ALLOWED_PAYLOAD_KEYS
from safespace.models import AuditEntry
from safespace.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HER_WORDS = "Planted request: my name is Amina, not Anna; and I have a residence permit now"
ANSWER = "Planted answer: I corrected your name and your papers in your file"
OTHER_WORDS = "Planted request of another woman: remove the address of my sister"


def client_for(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def ask_page(client, data=None):
    url = reverse("portal_corrections")
    return client.post(url, data) if data is not None else client.get(url)


def answer_url(correction):
    return reverse("lifeplan_correction_answer", kwargs={"correction_pk": correction.pk})


@pytest.fixture
def eves_request(eve_file, eve_participant):
    return correction_ask(actor=eve_participant, participant=eve_file, words=HER_WORDS)


@pytest.fixture
def mallory_file(mallory):
    return Participant.objects.create(reference="SS-2026-0099", known_as="M", account=mallory)


@pytest.fixture
def fanny_socialworker(db):
    """A social worker who supports none of these women."""
    return UserFactory(username="fanny_socialworker", role=Role.SOCIAL_WORKER)


def _other_woman(n, worker, *, kind=Assignment.Kind.KEY_WORKER):
    participant = Participant.objects.create(reference=f"SS-2026-{n:04d}", known_as=f"Woman {n}")
    Assignment.objects.create(participant=participant, worker=worker, kind=kind)
    return participant


# --- She asks ---


def test_her_space_has_a_discreet_link_to_ask_for_a_correction(eve_participant, eve_file):
    html = client_for(eve_participant).get(reverse("portal_home")).content.decode()
    assert reverse("portal_corrections") in html
    assert "Ask for a correction" in html


def test_she_asks_for_a_correction_in_her_words_and_sees_it_waiting(eve_participant, eve_file):
    client = client_for(eve_participant)
    response = ask_page(client, {"words": HER_WORDS})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal_corrections")  # POST, redirect, GET
    correction = CorrectionRequest.objects.get()
    assert correction.participant == eve_file
    assert correction.words == HER_WORDS
    assert correction.status == CorrectionRequest.Status.WAITING
    html = client.get(response["Location"]).content.decode()
    assert "Your request is sent." in html
    assert HER_WORDS.replace("'", "&#x27;") in html
    assert "Waiting for an answer" in html
    entry = AuditEntry.objects.get(action="correction.requested")
    assert entry.actor == eve_participant and entry.participant_id == eve_file.pk
    assert entry.target_type == "lifeplans.correctionrequest"
    assert entry.target_id == str(correction.pk)
    assert entry.payload == {"via": "portal"}


def test_the_page_says_nothing_is_sent_by_email_and_who_answers(eve_participant, eve_file):
    html = ask_page(client_for(eve_participant)).content.decode()
    assert "<h1>Ask for a correction</h1>" in html
    assert "What is wrong, and what should it say?" in html
    assert "Nothing is sent by email or text message." in html
    assert "no worker follows your file" not in html


def test_she_is_told_when_no_worker_follows_her_file(eve_participant, eve_file):
    eve_file.assignments.update(ended_at=timezone.now())
    html = ask_page(client_for(eve_participant)).content.decode()
    assert "no worker follows your file: your request is kept" in html


def test_what_she_writes_is_stored_encrypted(eves_request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT words FROM lifeplans_correctionrequest")
        (stored,) = cursor.fetchone()
    assert "Amina" not in stored and "permit" not in stored


# --- Bad input: shown next to the field, her text kept, never a 500 ---


@pytest.mark.parametrize(
    ("words", "error"),
    [
        ("", "Write a few words."),
        ("   \r\n  ", "Write a few words."),
        ("x" * 2001, "This is 2,001 characters long. Please make it shorter: at most 2,000."),
        ("y" * 10_000_000, "This is 10,000,000 characters long."),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_saves_nothing(
    eve_participant, eve_file, words, error
):
    response = ask_page(client_for(eve_participant), {"words": words})
    assert response.status_code == 200
    html = response.content.decode()
    assert error in html
    # the error sits in the field's group, with the textarea
    field = html.split('<div class="field">', 1)[1].split("</form>", 1)[0]
    assert error in field and "<textarea" in field
    assert not CorrectionRequest.objects.exists()


def test_too_long_keeps_all_she_typed_and_the_page_cuts_nothing(eve_participant, eve_file):
    typed = "<script>alert(1)</script> Amina " + "z" * 2100
    html = ask_page(client_for(eve_participant), {"words": typed}).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Amina " + "z" * 2100 in html
    assert "<script>alert(1)" not in html
    textarea = re.search(r"<textarea[^>]*>", html).group(0)
    assert "maxlength" not in textarea  # a browser would cut a long paste silently
    assert "You can write up to 2,000 characters." in html


def test_a_form_sent_without_the_field_never_fails(eve_participant, eve_file):
    response = ask_page(client_for(eve_participant), {"something": "else"})
    assert response.status_code == 200
    assert "Write a few words." in response.content.decode()


# --- Her key worker sees it and answers; she reads the answer ---


def test_her_key_worker_sees_the_waiting_request_on_her_home_page(alice_socialworker, eves_request):
    html = client_for(alice_socialworker).get(reverse("home")).content.decode()
    panel = html.split("Correction requests waiting</h2>", 1)[1].split("</section>", 1)[0]
    assert "1 request for a correction is waiting for an answer." in panel
    assert reverse("lifeplan_corrections") in panel
    assert answer_url(eves_request) in panel
    assert "Soleil, asked on" in panel
    assert HER_WORDS not in html  # her words only on the request's own page


def test_the_list_shows_names_and_dates_and_the_request_page_her_words(
    alice_socialworker, eve_file, eves_request
):
    client = client_for(alice_socialworker)
    listing = client.get(reverse("lifeplan_corrections"))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "Read and answer: Soleil" in html and answer_url(eves_request) in html
    assert "SS-2026-0042" in html
    assert "Amina" not in html
    page = client.get(answer_url(eves_request))
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]
    html = page.content.decode()
    assert "Amina, not Anna" in html
    assert "Your answer to her" in html and "Send the answer" in html
    assert reverse("participant_detail", args=[eve_file.pk]) in html
    # her legal name and other details are never loaded here
    assert "Planted-Legalname" not in html
    viewed = AuditEntry.objects.get(action="participant.viewed")
    assert viewed.participant_id == eve_file.pk
    assert viewed.payload == {"section": "corrections", "via": "assignment"}


def test_her_key_worker_answers_and_she_reads_the_answer_in_her_space(
    alice_socialworker, eve_participant, eve_file, eves_request
):
    response = client_for(alice_socialworker).post(answer_url(eves_request), {"answer": ANSWER})
    assert response.status_code == 302
    assert response["Location"] == reverse("lifeplan_corrections")
    eves_request.refresh_from_db()
    assert eves_request.status == CorrectionRequest.Status.ANSWERED
    assert eves_request.answer == ANSWER
    assert eves_request.answered_by == alice_socialworker
    assert eves_request.answered_at is not None
    entry = AuditEntry.objects.get(action="correction.answered")
    assert entry.actor == alice_socialworker and entry.participant_id == eve_file.pk
    assert entry.target_id == str(eves_request.pk)
    assert entry.payload == {"status": "answered"}

    html = ask_page(client_for(eve_participant)).content.decode()
    assert "Your worker answered on" in html
    assert "I corrected your name and your papers" in html
    assert "Waiting for an answer" not in html
    assert "alice_socialworker" not in html  # "your worker", never a name

    home = client_for(alice_socialworker).get(reverse("home")).content.decode()
    assert "No correction request is waiting." in home
    page = client_for(alice_socialworker).get(answer_url(eves_request)).content.decode()
    assert "The answer she reads" in page and "I corrected your name" in page
    assert "Send the answer" not in page


def test_an_empty_answer_is_refused_next_to_the_field(alice_socialworker, eves_request):
    response = client_for(alice_socialworker).post(answer_url(eves_request), {"answer": "  "})
    assert response.status_code == 200
    assert "Write your answer." in response.content.decode()
    eves_request.refresh_from_db()
    assert eves_request.status == CorrectionRequest.Status.WAITING


def test_a_too_long_answer_keeps_the_text_typed(alice_socialworker, eves_request):
    typed = "w" * 5001
    response = client_for(alice_socialworker).post(answer_url(eves_request), {"answer": typed})
    assert response.status_code == 200
    html = response.content.decode()
    assert "At most 5000 characters; this has 5001." in html
    assert typed in html
    eves_request.refresh_from_db()
    assert eves_request.status == CorrectionRequest.Status.WAITING


def test_a_coordinator_sees_and_answers_the_requests_of_the_files_she_may_open(
    dana_coordinator, eve_file, eves_request
):
    client = client_for(dana_coordinator)
    assert client.get(answer_url(eves_request)).status_code == 404
    Assignment.objects.create(
        participant=eve_file, worker=dana_coordinator, kind=Assignment.Kind.SUPPORT
    )
    assert "Read and answer: Soleil" in client.get(reverse("lifeplan_corrections")).content.decode()
    assert "1 request for a correction" in client.get(reverse("home")).content.decode()
    assert client.post(answer_url(eves_request), {"answer": ANSWER}).status_code == 302


# --- Only hers, only for her key worker ---


def test_mallory_cannot_see_or_answer_eves_request(mallory, mallory_file, eves_request):
    client = client_for(mallory)
    html = ask_page(client).content.decode()
    assert "Amina" not in html
    assert client.get(answer_url(eves_request)).status_code == 403
    assert client.post(answer_url(eves_request), {"answer": "mine"}).status_code == 403
    assert client.get(reverse("lifeplan_corrections")).status_code == 403
    ask_page(client, {"words": OTHER_WORDS})
    mine = CorrectionRequest.objects.exclude(pk=eves_request.pk).get()
    assert mine.participant == mallory_file and mine.words == OTHER_WORDS
    eves_request.refresh_from_db()
    assert eves_request.status == CorrectionRequest.Status.WAITING


def test_mallory_without_a_file_gets_404(mallory, eves_request):
    client = client_for(mallory)
    assert ask_page(client).status_code == 404
    assert ask_page(client, {"words": OTHER_WORDS}).status_code == 404
    assert CorrectionRequest.objects.count() == 1


def test_eve_does_not_see_mallorys_request(eve_participant, eve_file, mallory, mallory_file):
    correction_ask(actor=mallory, participant=mallory_file, words=OTHER_WORDS)
    assert "sister" not in ask_page(client_for(eve_participant)).content.decode()


def test_a_worker_not_assigned_gets_404_and_sees_none(fanny_socialworker, eves_request):
    client = client_for(fanny_socialworker)
    assert client.get(answer_url(eves_request)).status_code == 404
    assert client.post(answer_url(eves_request), {"answer": ANSWER}).status_code == 404
    html = client.get(reverse("lifeplan_corrections")).content.decode()
    assert "Soleil" not in html and "No correction request is waiting." in html
    assert "No correction request is waiting." in client.get(reverse("home")).content.decode()
    eves_request.refresh_from_db()
    assert eves_request.status == CorrectionRequest.Status.WAITING


def test_a_social_worker_who_is_not_her_key_worker_gets_404(
    fanny_socialworker, eve_file, eves_request
):
    Assignment.objects.create(
        participant=eve_file, worker=fanny_socialworker, kind=Assignment.Kind.SUPPORT
    )
    client = client_for(fanny_socialworker)
    assert client.get(answer_url(eves_request)).status_code == 404
    assert "Soleil" not in client.get(reverse("lifeplan_corrections")).content.decode()


def test_her_key_worker_whose_assignment_ended_gets_404(alice_socialworker, eve_file, eves_request):
    eve_file.assignments.filter(worker=alice_socialworker).update(ended_at=timezone.now())
    assert client_for(alice_socialworker).get(answer_url(eves_request)).status_code == 404


@pytest.mark.parametrize("who", ["bea_peerworker", "chloe_volunteer", "eve_participant"])
def test_peer_workers_volunteers_and_participants_are_told_no_on_the_staff_pages(
    request, who, eves_request
):
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("lifeplan_corrections")).status_code == 403
    assert client.get(answer_url(eves_request)).status_code == 403
    assert client.post(answer_url(eves_request), {"answer": ANSWER}).status_code == 403


def test_her_peer_worker_sees_no_panel_and_staff_cannot_ask_in_her_name(
    bea_peerworker, alice_socialworker, eves_request
):
    assert "Correction requests waiting" not in (
        client_for(bea_peerworker).get(reverse("home")).content.decode()
    )
    assert ask_page(client_for(alice_socialworker)).status_code == 403
    assert ask_page(client_for(alice_socialworker), {"words": "x"}).status_code == 403


# --- Two answers at once: the first wins ---


def test_a_second_answer_is_refused_and_changes_nothing(
    alice_socialworker, dana_coordinator, eves_request
):
    correction_answer(actor=alice_socialworker, correction=eves_request, answer=ANSWER)
    with pytest.raises(CorrectionAlreadyAnswered):
        correction_answer(actor=dana_coordinator, correction=eves_request, answer="Second")
    eves_request.refresh_from_db()
    assert eves_request.answer == ANSWER and eves_request.answered_by == alice_socialworker
    assert AuditEntry.objects.filter(action="correction.answered").count() == 1


def test_the_second_worker_is_told_and_keeps_her_text(alice_socialworker, eve_file, eves_request):
    """Two key workers open the page; the other one answers first."""
    other = UserFactory(username="gaelle_socialworker", role=Role.SOCIAL_WORKER)
    Assignment.objects.create(participant=eve_file, worker=other, kind=Assignment.Kind.KEY_WORKER)
    client = client_for(alice_socialworker)
    assert "Send the answer" in client.get(answer_url(eves_request)).content.decode()
    correction_answer(actor=other, correction=eves_request, answer=ANSWER)
    mine = "My answer, written at the same time: I changed your name"
    response = client.post(answer_url(eves_request), {"answer": mine})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone answered her request before you" in html
    assert "I corrected your name and your papers" in html  # the first answer, kept
    assert mine in html  # hers, on the page to copy
    assert "Send the answer" not in html
    eves_request.refresh_from_db()
    assert eves_request.answer == ANSWER and eves_request.answered_by == other


def test_an_answer_to_a_request_answered_since_the_page_opened_keeps_even_a_bad_text(
    alice_socialworker, dana_coordinator, eve_file, eves_request
):
    correction_answer(actor=dana_coordinator, correction=eves_request, answer=ANSWER)
    typed = "v" * 6000
    response = client_for(alice_socialworker).post(answer_url(eves_request), {"answer": typed})
    assert response.status_code == 200
    assert typed in response.content.decode()


def test_sending_the_same_answer_twice_says_it_is_already_sent(alice_socialworker, eves_request):
    client = client_for(alice_socialworker)
    assert client.post(answer_url(eves_request), {"answer": ANSWER}).status_code == 302
    again = client.post(answer_url(eves_request), {"answer": ANSWER + " again"})
    assert again.status_code == 200
    html = again.content.decode()
    assert "You already answered this request" in html and "again" in html
    eves_request.refresh_from_db()
    assert eves_request.answer == ANSWER


def _race(target, arguments):
    """Run target(*args) for each args at the same moment, each in its own connection."""
    barrier = threading.Barrier(len(arguments))
    results = []

    def run(args):
        try:
            barrier.wait()
            results.append(("ok", target(*args)))
        except Exception as error:  # noqa: BLE001 - the outcome is what is tested
            results.append(("refused", error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(args,)) for args in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_two_answers_at_once_the_first_wins_and_the_second_is_told(
    alice_socialworker, eve_participant, eve_file
):
    correction = correction_ask(actor=eve_participant, participant=eve_file, words=HER_WORDS)
    workers = [alice_socialworker]
    for n in range(2):
        worker = UserFactory(username=f"key_worker_{n}", role=Role.SOCIAL_WORKER)
        Assignment.objects.create(
            participant=eve_file, worker=worker, kind=Assignment.Kind.KEY_WORKER
        )
        workers.append(worker)

    def answer(worker):
        return correction_answer(
            actor=worker, correction=correction, answer=f"Answer of {worker.username}"
        )

    results = _race(answer, [(worker,) for worker in workers])
    outcomes = sorted(kind for kind, _ in results)
    assert outcomes == ["ok", "refused", "refused"], (connection.vendor, results)
    assert all(
        isinstance(error, CorrectionAlreadyAnswered) for kind, error in results if kind == "refused"
    )
    winner = next(value for kind, value in results if kind == "ok")
    correction.refresh_from_db()
    assert correction.answered_by_id == winner.answered_by_id
    assert correction.answer == f"Answer of {correction.answered_by.username}"
    assert AuditEntry.objects.filter(action="correction.answered").count() == 1


# --- Her words stay in the app ---


def test_her_words_and_the_answer_never_reach_the_audit_trail_a_url_a_log_or_an_email(
    alice_socialworker, eve_participant, eve_file, caplog
):
    caplog.set_level(logging.DEBUG)
    her = client_for(eve_participant)
    asked = ask_page(her, {"words": HER_WORDS})
    correction = CorrectionRequest.objects.get()
    alice = client_for(alice_socialworker)
    alice.get(reverse("home"))
    alice.get(reverse("lifeplan_corrections"))
    alice.get(answer_url(correction))
    answered = alice.post(answer_url(correction), {"answer": ANSWER})
    ask_page(her)
    for response in (asked, answered):
        assert "Amina" not in response["Location"] and "corrected" not in response["Location"]
    for entry in AuditEntry.objects.all():
        stored = json.dumps([entry.action, entry.target_type, entry.target_id, entry.payload])
        assert "Amina" not in stored and "permit" not in stored and "corrected" not in stored
        assert set(entry.payload) <= ALLOWED_PAYLOAD_KEYS
    assert {"correction.requested", "correction.answered"} <= set(
        AuditEntry.objects.values_list("action", flat=True)
    )
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Amina" not in logged and "corrected your name" not in logged
    assert mail.outbox == []  # a mailbox may be read by someone else


# --- Light, discreet pages ---


def test_her_page_is_discreet_light_and_has_the_emergency_exit(
    eve_participant, eves_request, settings
):
    response = ask_page(client_for(eve_participant))
    html = response.content.decode()
    assert len(response.content) < 200 * 1024
    assert re.search(r"<title>(.*?)</title>", html, re.S).group(1) == "My space"
    assert f'data-exit-url="{settings.SAFESPACE_EXIT_URL}"' in html
    assert "Emergency exit" in html and reverse("account_logout") in html
    assert "style=" not in html and "<script>" not in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_her_page_speaks_french_by_default(eve_participant, eve_file):
    client = Client()
    client.force_login(eve_participant)
    assert '<html lang="fr">' in client.get(reverse("portal_corrections")).content.decode()


# --- A fixed number of queries, whatever the number of requests ---


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_her_page_takes_as_many_queries_with_1_or_20_requests(
    eve_participant, eve_file, alice_socialworker, django_assert_num_queries
):
    first = correction_ask(actor=eve_participant, participant=eve_file, words="one")
    correction_answer(actor=alice_socialworker, correction=first, answer="done")
    client = client_for(eve_participant)
    one = _queries(client, reverse("portal_corrections"))
    for n in range(20):
        correction_ask(actor=eve_participant, participant=eve_file, words=f"request {n}")
    with django_assert_num_queries(one):
        client.get(reverse("portal_corrections"))


def _many_requests(alice, count):
    """`count` women Alice is key worker of, each with a waiting and an answered request."""
    for n in range(count):
        participant = _other_woman(100 + n, alice)
        correction_ask(actor=alice, participant=participant, words=f"wrong {n}")
        answered = correction_ask(actor=alice, participant=participant, words=f"old {n}")
        correction_answer(actor=alice, correction=answered, answer="fixed")


def test_the_list_takes_as_many_queries_with_1_or_many_requests(
    alice_socialworker, eves_request, django_assert_num_queries
):
    client = client_for(alice_socialworker)
    correction_answer(
        actor=alice_socialworker,
        correction=correction_ask(
            actor=alice_socialworker, participant=eves_request.participant, words="old"
        ),
        answer="fixed",
    )
    one = _queries(client, reverse("lifeplan_corrections"))
    _many_requests(alice_socialworker, 60)  # more than a page
    with django_assert_num_queries(one):
        html = client.get(reverse("lifeplan_corrections")).content.decode()
    assert "Page 1 of 2" in html


def test_the_home_panel_takes_one_query_and_as_many_with_1_or_many_requests(
    alice_socialworker, eves_request, django_assert_num_queries
):
    from safespace.reminders import corrections_waiting
    from safespace.roles import role_of

    role_of(alice_socialworker)  # her role, as the home page knows it already
    with django_assert_num_queries(1):
        assert corrections_waiting(alice_socialworker)["count"] == 1
    client = client_for(alice_socialworker)
    one = _queries(client, reverse("home"))
    _many_requests(alice_socialworker, 12)
    with django_assert_num_queries(1):
        waiting = corrections_waiting(alice_socialworker)
    assert waiting["count"] == 13 and len(waiting["oldest"]) == 5
    assert waiting["oldest"][0] == eves_request  # the oldest first
    with django_assert_num_queries(one):
        html = client.get(reverse("home")).content.decode()
    assert "13 requests for a correction are waiting for an answer." in html


def test_the_oldest_waiting_requests_come_first_on_the_home_page(alice_socialworker, eve_file):
    older = CorrectionRequest.objects.create(
        participant=eve_file, words="older", created_at=timezone.now() - timedelta(days=3)
    )
    CorrectionRequest.objects.create(participant=eve_file, words="newer")
    from safespace.reminders import corrections_waiting

    assert corrections_waiting(alice_socialworker)["oldest"][0] == older
