"""The waiting list: asking for a place for her, deciding on the request, one open request
per woman (refused by the database itself), scope, and what the audit keeps (never text)."""

import json
import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from cases.models import Assignment, Participant
from safespace.models import AuditEntry
from safespace.roles import Role
from shelters.admission_views import requests_of
from shelters.models import AdmissionRequest
from shelters.services import (
    AdmissionClosed,
    AdmissionReasonMissing,
    AdmissionStaleEdit,
    OpenRequestExists,
    admission_request_decide,
    admission_request_make,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REASON = "Planted reason: the man at the station knows the house"
TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def _in_english(client):
    """Pages and messages in English, whatever the default language (French)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def zoe_socialworker(db):
    """A social worker who does not support Eve."""
    return UserFactory(username="zoe_socialworker", role=Role.SOCIAL_WORKER)


def _woman(number, *, worker=None, known_as=None):
    participant = Participant.objects.create(
        reference=f"SS-2026-{number:04d}", known_as=known_as or f"Woman {number}"
    )
    if worker is not None:
        Assignment.objects.create(
            participant=participant, worker=worker, kind=Assignment.Kind.KEY_WORKER
        )
    return participant


def _ask(actor, participant, urgency="soon", **extra):
    return admission_request_make(actor=actor, participant=participant, urgency=urgency, **extra)


def _decide(actor, admission, status, reason=""):
    admission.refresh_from_db()
    return admission_request_decide(
        actor=actor, request=admission, status=status, reason=reason, version=admission.version
    )


def _signed_in(client, user):
    client.force_login(user)
    return client


def _detail(admission):
    return reverse("shelter_request_detail", args=[admission.pk])


# --- Making a request ---


def test_asking_for_a_place_puts_her_on_the_waiting_list_with_an_audit_entry_of_no_text(
    alice_socialworker, eve_file
):
    admission = _ask(
        alice_socialworker,
        eve_file,
        urgency="immediate",
        wished_kind="emergency",
        requested_on=TODAY() - timedelta(days=2),
    )
    assert (admission.status, admission.requested_by, admission.version) == (
        "waiting",
        alice_socialworker,
        1,
    )
    assert admission.requested_on == TODAY() - timedelta(days=2)
    entry = AuditEntry.objects.get(action="shelter.request_made")
    assert entry.participant_id == eve_file.pk and entry.actor == alice_socialworker
    assert entry.payload == {"status": "waiting", "kind": "immediate"}


def test_a_request_is_made_today_unless_said_otherwise(alice_socialworker, eve_file):
    assert _ask(alice_socialworker, eve_file).requested_on == TODAY()


def test_a_second_open_request_for_her_is_refused_until_the_first_is_decided(
    alice_socialworker, dana_coordinator, eve_file
):
    first = _ask(alice_socialworker, eve_file)
    with pytest.raises(OpenRequestExists):
        _ask(alice_socialworker, eve_file, urgency="immediate")
    _decide(dana_coordinator, first, "offered")
    with pytest.raises(OpenRequestExists):  # offered is still open
        _ask(dana_coordinator, eve_file)
    _decide(alice_socialworker, first, "withdrawn")
    second = _ask(alice_socialworker, eve_file, urgency="immediate")
    assert list(AdmissionRequest.objects.open().filter(participant=eve_file)) == [second]
    assert AuditEntry.objects.filter(action="shelter.request_made").count() == 2


def test_the_database_itself_refuses_a_second_open_request_for_her(alice_socialworker, eve_file):
    def row(status):
        return AdmissionRequest(
            participant=eve_file, requested_by=alice_socialworker, urgency="soon", status=status
        )

    # decided requests pile up as her history
    AdmissionRequest.objects.bulk_create([row("refused"), row("withdrawn"), row("admitted")])
    AdmissionRequest.objects.create(**_fields(row("waiting")))
    for status in ("waiting", "offered"):
        with pytest.raises(IntegrityError), transaction.atomic():
            AdmissionRequest.objects.create(**_fields(row(status)))
    assert AdmissionRequest.objects.filter(participant=eve_file).count() == 4


def _fields(admission):
    return {
        "participant": admission.participant,
        "requested_by": admission.requested_by,
        "urgency": admission.urgency,
        "status": admission.status,
    }


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
def test_two_workers_asking_for_her_at_the_same_moment_leave_exactly_one_open_request(
    alice_socialworker, dana_coordinator
):
    woman = _woman(7, worker=alice_socialworker)
    results = _race(
        lambda actor, urgency: _ask(actor, woman, urgency=urgency),
        [
            (alice_socialworker, "immediate"),
            (dana_coordinator, "soon"),
            (alice_socialworker, "planned"),
        ],
    )
    assert sorted(kind for kind, _ in results) == ["ok", "refused", "refused"], (
        connection.vendor,
        results,
    )
    assert all(isinstance(error, OpenRequestExists) for kind, error in results if kind == "refused")
    assert AdmissionRequest.objects.filter(participant=woman).count() == 1
    assert AuditEntry.objects.filter(action="shelter.request_made").count() == 1


def test_when_the_check_misses_a_concurrent_request_the_constraint_still_refuses_it_clearly(
    alice_socialworker, eve_file, monkeypatch
):
    from shelters.querysets import AdmissionRequestQuerySet

    first = _ask(alice_socialworker, eve_file)
    # as if the other request were committed just after this one looked
    monkeypatch.setattr(AdmissionRequestQuerySet, "open", lambda self: self.none())
    with transaction.atomic():
        with pytest.raises(OpenRequestExists):
            _ask(alice_socialworker, eve_file, urgency="immediate")
        # the transaction is still usable: the refusal undid only the insert
        assert AdmissionRequest.objects.filter(participant=eve_file).get() == first
    assert AuditEntry.objects.filter(action="shelter.request_made").count() == 1


# --- Deciding ---


def test_a_coordinator_offers_a_place_then_puts_the_offer_back_to_waiting(
    alice_socialworker, dana_coordinator, eve_file
):
    admission = _ask(alice_socialworker, eve_file)
    offered = _decide(dana_coordinator, admission, "offered")
    assert (offered.status, offered.decided_on, offered.version) == ("offered", TODAY(), 2)
    back = _decide(dana_coordinator, admission, "waiting")
    assert (back.status, back.decided_on, back.version) == ("waiting", None, 3)
    payloads = list(
        AuditEntry.objects.filter(action="shelter.request_decided")
        .order_by("pk")
        .values_list("payload", flat=True)
    )
    assert payloads == [
        {"status": "offered", "kind": "soon"},
        {"status": "waiting", "kind": "soon"},
    ]


def test_a_refusal_needs_a_reason_kept_encrypted_and_out_of_the_audit(
    alice_socialworker, dana_coordinator, eve_file
):
    admission = _ask(alice_socialworker, eve_file)
    with pytest.raises(AdmissionReasonMissing):
        _decide(dana_coordinator, admission, "refused", reason="   ")
    refused = _decide(dana_coordinator, admission, "refused", reason=REASON)
    assert (refused.status, refused.decided_on) == ("refused", TODAY())
    refused.refresh_from_db()
    assert refused.decision_reason == REASON
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT decision_reason FROM shelters_admissionrequest WHERE id = %s", [refused.pk]
        )
        raw = cursor.fetchone()[0]
    assert "Planted" not in raw and "station" not in raw
    entries = AuditEntry.objects.filter(action__startswith="shelter.request_")
    assert entries.count() == 2
    for entry in entries:
        assert set(entry.payload) == {"status", "kind"}
        assert "Planted" not in json.dumps(entry.payload)


def test_a_withdrawal_may_give_a_reason_or_none(alice_socialworker, dana_coordinator, eve_file):
    withdrawn = _decide(alice_socialworker, _ask(alice_socialworker, eve_file), "withdrawn")
    assert (withdrawn.status, withdrawn.decision_reason) == ("withdrawn", "")
    again = _decide(
        alice_socialworker,
        _ask(alice_socialworker, eve_file),
        "withdrawn",
        reason="She found a room",
    )
    assert again.decision_reason == "She found a room"


def test_a_decision_on_a_stale_version_is_refused_and_changes_nothing(
    alice_socialworker, dana_coordinator, eve_file
):
    admission = _ask(alice_socialworker, eve_file)
    _decide(dana_coordinator, admission, "offered")
    with pytest.raises(AdmissionStaleEdit):
        admission_request_decide(
            actor=alice_socialworker, request=admission, status="withdrawn", version=1
        )
    admission.refresh_from_db()
    assert (admission.status, admission.version) == ("offered", 2)
    assert AuditEntry.objects.filter(action="shelter.request_decided").count() == 1


def test_a_decided_request_no_longer_changes(alice_socialworker, dana_coordinator, eve_file):
    admission = _ask(alice_socialworker, eve_file)
    _decide(dana_coordinator, admission, "refused", reason=REASON)
    for status in ("waiting", "offered", "withdrawn"):
        with pytest.raises(AdmissionClosed):
            _decide(dana_coordinator, admission, status)


def test_a_waiting_request_cannot_be_put_back_to_waiting_nor_admitted_by_a_decision(
    alice_socialworker, dana_coordinator, eve_file
):
    admission = _ask(alice_socialworker, eve_file)
    for status in ("waiting", "admitted", "nonsense"):
        with pytest.raises(ValueError):
            _decide(dana_coordinator, admission, status)


# --- Asking for a place, on screen ---


def test_her_worker_asks_for_a_place_from_her_file(client, alice_socialworker, eve_file):
    _signed_in(client, alice_socialworker)
    url = reverse("shelter_request_new", args=[eve_file.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"]["requested_on"].value() == TODAY()
    response = client.post(
        url, {"urgency": "immediate", "wished_kind": "", "requested_on": TODAY().isoformat()}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("participant_detail", args=[eve_file.pk]) + "#housing"
    admission = AdmissionRequest.objects.get(participant=eve_file)
    assert (admission.urgency, admission.wished_kind) == ("immediate", "")
    followed = client.get(response["Location"])
    assert "She is on the waiting list." in followed.content.decode()


def test_a_request_dated_in_the_future_is_refused_next_to_the_date(
    client, alice_socialworker, eve_file
):
    _signed_in(client, alice_socialworker)
    response = client.post(
        reverse("shelter_request_new", args=[eve_file.pk]),
        {"urgency": "soon", "requested_on": (TODAY() + timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["requested_on"] == ["This date is in the future."]
    assert not AdmissionRequest.objects.exists()


def test_asking_again_while_she_has_an_open_request_says_so_and_links_to_it(
    client, alice_socialworker, eve_file
):
    _signed_in(client, alice_socialworker)
    url = reverse("shelter_request_new", args=[eve_file.pk])
    assert client.get(url).context["open_request"] is None  # the form, empty
    # meanwhile, someone else puts her on the list
    first = _ask(alice_socialworker, eve_file)
    response = client.post(url, {"urgency": "immediate", "requested_on": TODAY().isoformat()})
    assert response.status_code == 200
    html = response.content.decode()
    assert "She already has an open request for a place" in html
    assert _detail(first) in html
    assert AdmissionRequest.objects.filter(participant=eve_file).count() == 1


def test_a_coordinator_not_assigned_to_her_cannot_ask_from_her_file_and_a_peer_worker_is_told_no(
    client, dana_coordinator, bea_peerworker, eve_file
):
    url = reverse("shelter_request_new", args=[eve_file.pk])
    assert _signed_in(client, dana_coordinator).get(url).status_code == 404
    assert _signed_in(client, bea_peerworker).get(url).status_code == 403
    assert not AdmissionRequest.objects.exists()


# --- A request's page ---


def test_a_coordinator_refuses_with_a_reason_shown_only_on_the_requests_page(
    client, alice_socialworker, dana_coordinator, eve_file
):
    admission = _ask(alice_socialworker, eve_file)
    _signed_in(client, dana_coordinator)
    page = client.get(_detail(admission))
    assert [value for value, _ in page.context["form"].fields["status"].choices] == [
        "offered",
        "refused",
        "withdrawn",
    ]
    response = client.post(
        _detail(admission), {"status": "refused", "reason": REASON, "version": "1"}
    )
    assert response.status_code == 302 and response["Location"] == _detail(admission)
    admission.refresh_from_db()
    assert (admission.status, admission.decision_reason) == ("refused", REASON)
    assert REASON in client.get(_detail(admission)).content.decode()
    decided = client.get(reverse("shelter_requests") + "?status=decided").content.decode()
    assert "Soleil" in decided and REASON not in decided
    # Alice sees the reason on the page too, never in her list
    _signed_in(client, alice_socialworker)
    assert REASON in client.get(_detail(admission)).content.decode()


def test_a_refusal_without_a_reason_is_shown_again_with_the_error_next_to_the_reason(
    client, alice_socialworker, dana_coordinator, eve_file
):
    admission = _ask(alice_socialworker, eve_file)
    _signed_in(client, dana_coordinator)
    response = client.post(_detail(admission), {"status": "refused", "reason": "", "version": "1"})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["Write why the request is refused."]
    admission.refresh_from_db()
    assert admission.status == "waiting"


def test_a_stale_decision_says_so_and_keeps_the_typed_reason(
    client, alice_socialworker, dana_coordinator, eve_file
):
    admission = _ask(alice_socialworker, eve_file)
    _signed_in(client, dana_coordinator)
    client.get(_detail(admission))
    _decide(dana_coordinator, admission, "offered")  # in another tab
    response = client.post(
        _detail(admission), {"status": "refused", "reason": "Typed with care", "version": "1"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else decided on this request" in html
    assert "Typed with care" in html
    assert response.context["version"] == 2
    assert [value for value, _ in response.context["form"].fields["status"].choices] == [
        "waiting",
        "refused",
        "withdrawn",
    ]
    admission.refresh_from_db()
    assert (admission.status, admission.decision_reason) == ("offered", "")


def test_the_worker_who_asked_may_withdraw_the_request_and_nothing_else(
    client, alice_socialworker, eve_file
):
    admission = _ask(alice_socialworker, eve_file)
    _signed_in(client, alice_socialworker)
    page = client.get(_detail(admission))
    assert [value for value, _ in page.context["form"].fields["status"].choices] == ["withdrawn"]
    offer = client.post(_detail(admission), {"status": "offered", "version": "1"})
    assert offer.status_code == 200 and "status" in offer.context["form"].errors
    admission.refresh_from_db()
    assert admission.status == "waiting"
    response = client.post(_detail(admission), {"status": "withdrawn", "version": "1"})
    assert response.status_code == 302
    admission.refresh_from_db()
    assert admission.status == "withdrawn"
    # decided: the page shows no form, and a late post changes nothing
    after = client.get(_detail(admission))
    assert after.context["form"] is None
    late = client.post(_detail(admission), {"status": "withdrawn", "version": "2"})
    assert late.status_code == 200 and "no longer changes" in late.content.decode()


def test_another_social_worker_whose_scope_includes_her_may_withdraw_too(
    client, alice_socialworker, zoe_socialworker, eve_file
):
    Assignment.objects.create(participant=eve_file, worker=zoe_socialworker)
    admission = _ask(alice_socialworker, eve_file)
    _signed_in(client, zoe_socialworker)
    response = client.post(_detail(admission), {"status": "withdrawn", "version": "1"})
    assert response.status_code == 302
    admission.refresh_from_db()
    assert admission.status == "withdrawn"


def test_a_social_worker_outside_her_scope_gets_404_and_never_sees_her_on_the_list(
    client, alice_socialworker, zoe_socialworker, eve_file
):
    admission = _ask(alice_socialworker, eve_file)
    _signed_in(client, zoe_socialworker)
    assert client.get(_detail(admission)).status_code == 404
    assert (
        client.post(_detail(admission), {"status": "withdrawn", "version": "1"}).status_code == 404
    )
    listing = client.get(reverse("shelter_requests"))
    assert listing.status_code == 200 and "Soleil" not in listing.content.decode()
    admission.refresh_from_db()
    assert admission.status == "waiting"


def test_peer_workers_and_volunteers_are_told_no(
    client, alice_socialworker, bea_peerworker, chloe_volunteer, eve_file
):
    admission = _ask(alice_socialworker, eve_file)
    for user in (bea_peerworker, chloe_volunteer):
        _signed_in(client, user)
        assert client.get(reverse("shelter_requests")).status_code == 403
        assert client.get(_detail(admission)).status_code == 403


def test_a_requests_page_is_recorded_as_a_view_of_her_housing(
    client, alice_socialworker, dana_coordinator, eve_file
):
    admission = _ask(alice_socialworker, eve_file)
    _signed_in(client, alice_socialworker).get(_detail(admission))
    _signed_in(client, dana_coordinator).get(_detail(admission))
    views = AuditEntry.objects.filter(action="participant.viewed").order_by("pk")
    assert [(entry.actor, entry.payload) for entry in views] == [
        (alice_socialworker, {"section": "housing", "via": "assignment"}),
        (dana_coordinator, {"section": "housing", "via": "waiting_list"}),
    ]
    assert all(entry.participant_id == eve_file.pk for entry in views)


# --- The waiting list ---


def _list(client, query=""):
    response = client.get(reverse("shelter_requests") + query)
    assert response.status_code == 200
    return [admission.participant.known_as for admission in response.context["page"].object_list]


def test_the_list_puts_tonight_first_then_the_oldest(client, alice_socialworker, dana_coordinator):
    today = TODAY()
    asked = [
        ("Planned old", "planned", 20),
        ("Soon new", "soon", 1),
        ("Tonight new", "immediate", 0),
        ("Soon old", "soon", 9),
        ("Tonight old", "immediate", 3),
    ]
    for number, (name, urgency, days_ago) in enumerate(asked, start=1):
        _ask(
            alice_socialworker,
            _woman(number, worker=alice_socialworker, known_as=name),
            urgency=urgency,
            requested_on=today - timedelta(days=days_ago),
        )
    expected = ["Tonight old", "Tonight new", "Soon old", "Soon new", "Planned old"]
    assert _list(_signed_in(client, dana_coordinator)) == expected
    assert _list(_signed_in(client, alice_socialworker)) == expected


def test_the_list_filters_by_status_and_urgency_with_decided_ones_of_the_last_90_days(
    client, alice_socialworker, dana_coordinator
):
    waiting = _ask(alice_socialworker, _woman(1, known_as="Waiting"), urgency="immediate")
    offered = _ask(alice_socialworker, _woman(2, known_as="Offered"), urgency="planned")
    _decide(dana_coordinator, offered, "offered")
    refused = _ask(alice_socialworker, _woman(3, known_as="Refused"), urgency="immediate")
    _decide(dana_coordinator, refused, "refused", reason=REASON)
    old = _ask(alice_socialworker, _woman(4, known_as="Long ago"))
    _decide(dana_coordinator, old, "withdrawn")
    AdmissionRequest.objects.filter(pk=old.pk).update(decided_on=TODAY() - timedelta(days=91))
    assert waiting.pk

    _signed_in(client, dana_coordinator)
    assert _list(client) == ["Waiting", "Offered"]
    assert _list(client, "?status=waiting") == ["Waiting"]
    assert _list(client, "?status=offered") == ["Offered"]
    assert _list(client, "?status=decided") == ["Refused"]
    assert _list(client, "?urgency=immediate") == ["Waiting"]
    assert _list(client, "?status=decided&urgency=immediate") == ["Refused"]
    assert _list(client, "?status=decided&urgency=planned") == []
    # anything else in the address is ignored: the open requests, any urgency
    assert _list(client, "?status=Soleil&urgency=%27") == ["Waiting", "Offered"]
    page = client.get(reverse("shelter_requests") + "?status=decided&urgency=immediate")
    assert page.context["filters"] == "status=decided&urgency=immediate"


def test_the_list_paginates_fifty_a_page(client, alice_socialworker, dana_coordinator):
    for number in range(1, 53):
        _ask(alice_socialworker, _woman(number))
    _signed_in(client, dana_coordinator)
    assert len(_list(client)) == 50
    assert len(_list(client, "?page=2")) == 2


@pytest.mark.parametrize("who", ["dana_coordinator", "alice_socialworker"])
def test_the_list_issues_the_same_number_of_queries_for_one_request_or_many(
    client, request, who, alice_socialworker
):
    user = request.getfixturevalue(who)
    _ask(alice_socialworker, _woman(1, worker=alice_socialworker))
    _signed_in(client, user)
    client.get(reverse("shelter_requests"))  # warm the session
    with CaptureQueriesContext(connection) as one:
        assert len(_list(client)) == 1
    for number in range(2, 15):
        _ask(alice_socialworker, _woman(number, worker=alice_socialworker), urgency="immediate")
    with CaptureQueriesContext(connection) as many:
        assert len(_list(client)) == 14
    assert len(many.captured_queries) == len(one.captured_queries)
    # the list never reads the decision's reason
    listing = [q["sql"] for q in many.captured_queries if "shelters_admissionrequest" in q["sql"]]
    assert listing and not any("decision_reason" in sql for sql in listing)


def test_the_list_shows_her_reference_urgency_wished_kind_days_waiting_and_who_asked(
    client, alice_socialworker, dana_coordinator, eve_file
):
    _ask(
        alice_socialworker,
        eve_file,
        urgency="immediate",
        wished_kind="transition",
        requested_on=TODAY() - timedelta(days=4),
    )
    html = _signed_in(client, dana_coordinator).get(reverse("shelter_requests")).content.decode()
    for shown in (
        "Soleil",
        "SS-2026-0042",
        "Tonight",
        "Transition apartment",
        "waiting for 4 days",
    ):
        assert shown in html
    assert "alice_socialworker" in html
    assert "Planted-Legalname" not in html and "+33 6" not in html


# --- Her requests in her file, and the coordinator's home ---


def test_her_requests_come_in_one_query_the_open_one_first(
    alice_socialworker, dana_coordinator, eve_file, django_assert_num_queries
):
    first = _ask(alice_socialworker, eve_file, requested_on=TODAY() - timedelta(days=30))
    _decide(dana_coordinator, first, "refused", reason=REASON)
    second = _ask(alice_socialworker, eve_file, requested_on=TODAY() - timedelta(days=10))
    _decide(alice_socialworker, second, "withdrawn")
    current = _ask(alice_socialworker, eve_file, requested_on=TODAY() - timedelta(days=20))
    with django_assert_num_queries(1):
        requests = requests_of(eve_file)
        assert [admission.pk for admission in requests] == [current.pk, second.pk, first.pk]


def test_her_requests_include_links_each_request_and_offers_to_ask_only_without_an_open_one(
    alice_socialworker, eve_file
):
    def rendered():
        return render_to_string(
            "shelters/includes/her_requests.html",
            {"requests": requests_of(eve_file), "participant": eve_file},
        )

    ask = reverse("shelter_request_new", args=[eve_file.pk])
    assert ask in rendered() and "No request for a place yet." in rendered()
    admission = _ask(alice_socialworker, eve_file)
    html = rendered()
    assert _detail(admission) in html and ask not in html and "Waiting" in html
    _decide(alice_socialworker, admission, "withdrawn")
    assert ask in rendered()


def test_the_coordinators_home_counts_the_open_requests_and_those_for_tonight(
    client, alice_socialworker, dana_coordinator
):
    _signed_in(client, dana_coordinator)
    assert "Nobody is on the waiting list" in client.get(reverse("home")).content.decode()
    _ask(alice_socialworker, _woman(1), urgency="immediate")
    _ask(alice_socialworker, _woman(2), urgency="planned")
    refused = _ask(alice_socialworker, _woman(3), urgency="immediate")
    _decide(dana_coordinator, refused, "refused", reason=REASON)
    response = client.get(reverse("home"))
    assert (response.context["open_requests"], response.context["open_requests_tonight"]) == (2, 1)
    html = response.content.decode()
    assert "2 requests for a place are on the waiting list." in html
    assert "1 is for tonight." in html and reverse("shelter_requests") in html


def test_her_worker_gives_her_a_place_from_the_request_and_a_coordinator_outside_her_scope_not(
    alice_socialworker, dana_coordinator, eve_file, client
):
    admission = admission_request_make(
        actor=alice_socialworker, participant=eve_file, urgency="soon"
    )
    admit = reverse("shelter_admit", args=[eve_file.pk]) + f"?request={admission.pk}"
    url = reverse("shelter_request_detail", args=[admission.pk])
    client.force_login(alice_socialworker)
    assert admit in client.get(url).content.decode()
    client.force_login(dana_coordinator)
    assert admit not in client.get(url).content.decode()


def test_two_files_each_with_an_open_request_or_a_bed_the_same_night_are_not_merged(
    alice_socialworker, dana_coordinator
):
    from cases.services import MergeRefused, participant_merge
    from shelters.models import Bed, Room, Shelter
    from shelters.services import stay_begin

    one, two = _woman(1), _woman(2)
    for woman in (one, two):
        admission_request_make(actor=alice_socialworker, participant=woman, urgency="soon")
    with pytest.raises(MergeRefused):
        participant_merge(actor=dana_coordinator, keep=one, merged=two)
    AdmissionRequest.objects.filter(participant=two).update(status="withdrawn")
    room = Room.objects.create(
        shelter=Shelter.objects.create(name="H", kind="emergency", address="x"), name="1"
    )
    today = timezone.localdate()
    for n, woman in enumerate((one, two)):
        bed = Bed.objects.create(room=room, label=f"B{n}")
        stay_begin(actor=alice_socialworker, participant=woman, bed=bed, starts_on=today)
    with pytest.raises(MergeRefused):
        participant_merge(actor=dana_coordinator, keep=one, merged=two)
    assert Participant.objects.get(pk=two.pk).merged_into_id is None
