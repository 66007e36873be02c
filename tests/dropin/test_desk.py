"""The drop-in desk: a visit logged in a few seconds, by anyone who runs the session, with
only her known-as name ever shown; anonymous visits; counting rules; corrections."""

from datetime import time, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Participant
from dropin.counting import visit_counts
from dropin.models import OpeningSession, Service, Site, Visit
from dropin.services import visit_log, visitor_code_digest
from safespace.models import AuditEntry
from safespace.roles import Role

pytestmark = pytest.mark.django_db

LEGAL = "Planted-Legalname"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def site():
    return Site.objects.create(name="Belleville")


@pytest.fixture
def session(site, chloe_volunteer):
    return OpeningSession.objects.create(
        site=site, opens_at=time(14), closes_at=time(18), opened_by=chloe_volunteer
    )


@pytest.fixture
def maria(db):
    return Participant.objects.create(
        reference="SS-2026-0101", known_as="Maria", legal_name=f"Ana {LEGAL}", phone="0611223344"
    )


def log(client, session, who, *, services=(), children="0", **extra):
    data = {"v-who": str(who), "v-services": [str(s.pk) for s in services],
            "v-children_count": children} | {f"v-{k}": v for k, v in extra.items()}  # fmt: skip
    return client.post(
        reverse("dropin_visit_new", args=[session.pk]), data, HTTP_ACCEPT_LANGUAGE="en"
    )


def find(client, session, typed):
    return client.post(
        reverse("dropin_people", args=[session.pk]),
        {"v-q": typed},
        HTTP_ACCEPT_LANGUAGE="en",
        HTTP_HX_REQUEST="true",
    )


@pytest.mark.parametrize(
    "role", [Role.SOCIAL_WORKER, Role.PEER_WORKER, Role.VOLUNTEER, Role.COORDINATOR]
)
def test_everyone_who_runs_a_session_logs_a_known_visit(cast, session, maria, role):
    meal, shower = Service.objects.get(code="meal"), Service.objects.get(code="shower")
    response = log(client_for(cast[role]), session, maria.pk, services=[meal, shower], children="2")
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert (visit.participant, visit.children_count, visit.logged_by) == (maria, 2, cast[role])
    assert {given.service for given in visit.services_given.all()} == {meal, shower}
    entry = AuditEntry.objects.get(action="dropin.visit_logged")
    assert entry.participant_id == maria.pk
    assert entry.payload == {"kind": "known", "count": 2}


def test_participants_do_not_reach_the_desk(eve_participant, session):
    response = client_for(eve_participant).get(reverse("dropin_session", args=[session.pk]))
    assert response.status_code == 403


def test_the_desk_finds_her_by_her_known_as_name_only_and_shows_nothing_else(
    chloe_volunteer, session, maria
):
    chloe = client_for(chloe_volunteer)
    html = find(chloe, session, "mar").content.decode()
    assert "Maria" in html
    assert LEGAL not in html and "SS-2026-0101" not in html and "0611" not in html
    # neither her legal name nor her phone nor her reference finds her at the desk
    for typed in ("Planted", "ana", "0611223344", "SS-2026"):
        assert "Maria" not in find(chloe, session, typed).content.decode()


def test_typed_letters_never_travel_in_a_url(chloe_volunteer, session):
    response = client_for(chloe_volunteer).get(
        reverse("dropin_people", args=[session.pk]), {"v-q": "mar"}
    )
    assert response.status_code == 405


def test_closed_and_merged_files_are_not_found_at_the_desk(chloe_volunteer, session, maria):
    Participant.objects.create(reference="SS-2026-0102", known_as="Marianne",
                               closed_on=timezone.localdate())  # fmt: skip
    kept = Participant.objects.create(reference="SS-2026-0103", known_as="Marion")
    merged = Participant.objects.create(reference="SS-2026-0104", known_as="Marine")
    merged.merged_into = kept
    merged.save()
    html = find(client_for(chloe_volunteer), session, "mar").content.decode()
    assert "Maria" in html and "Marion" in html
    assert "Marianne" not in html and "Marine" not in html


def test_a_closed_file_cannot_be_logged_by_posting_its_id(chloe_volunteer, session):
    closed = Participant.objects.create(reference="SS-2026-0102", known_as="Marianne",
                                        closed_on=timezone.localdate())  # fmt: skip
    response = log(client_for(chloe_volunteer), session, closed.pk)
    assert response.status_code == 200
    assert "This person cannot be found any more: search again." in response.content.decode()
    assert not Visit.objects.exists()


def test_an_anonymous_visit_keeps_her_code_only_as_a_keyed_hash(chloe_volunteer, session):
    response = log(client_for(chloe_volunteer), session, "anonymous", nationality="NG",
                   age_band="18_25", first_visit="yes", visitor_code="Rose 12")  # fmt: skip
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert visit.participant is None
    assert (visit.nationality.code, visit.age_band, visit.first_visit) == ("NG", "18_25", True)
    assert visit.visitor_code == visitor_code_digest("rose12") != ""
    with connection.cursor() as cursor:
        cursor.execute("SELECT visitor_code FROM dropin_visit")
        assert "rose" not in cursor.fetchone()[0].lower()
    entry = AuditEntry.objects.get(action="dropin.visit_logged")
    assert entry.participant_id is None and entry.payload == {"kind": "anonymous", "count": 0}


def test_a_known_visitor_is_logged_once_per_session(chloe_volunteer, session, maria):
    chloe = client_for(chloe_volunteer)
    assert log(chloe, session, maria.pk).status_code == 302
    response = log(chloe, session, maria.pk)
    assert response.status_code == 200
    assert "Her visit is already logged in this session" in response.content.decode()
    assert Visit.objects.count() == 1


def test_choosing_no_one_says_so_next_to_the_choice(chloe_volunteer, session):
    response = log(client_for(chloe_volunteer), session, "", children="1")
    assert response.status_code == 200
    assert "Choose who is visiting, or an anonymous visitor." in response.content.decode()
    assert not Visit.objects.exists()


def test_counting_known_people_codes_and_anonymous_visits(site, chloe_volunteer, maria):
    sessions = [
        OpeningSession.objects.create(site=site, date=timezone.localdate() - timedelta(days=n),
                                      opens_at=time(14), closes_at=time(18),
                                      opened_by=chloe_volunteer)
        for n in range(3)
    ]  # fmt: skip
    for session in sessions:
        visit_log(actor=chloe_volunteer, session=session, participant=maria)
        visit_log(actor=chloe_volunteer, session=session, visitor_code="Rose 12")
        visit_log(actor=chloe_volunteer, session=session)  # no code: a visit, not a person
    visit_log(actor=chloe_volunteer, session=sessions[0], visitor_code="lily")
    counts = visit_counts(Visit.objects.all())
    assert counts.visits == 10
    assert counts.known_people == 1
    assert counts.recognised_anonymous_people == 2  # Rose 12 and lily
    assert counts.people == 3
    assert counts.anonymous_visits == 7
    assert counts.unrecognised_anonymous_visits == 3


def test_with_htmx_the_desk_comes_back_ready_for_the_next_visit(chloe_volunteer, session, maria):
    response = client_for(chloe_volunteer).post(
        reverse("dropin_visit_new", args=[session.pk]),
        {"v-who": str(maria.pk), "v-q": "mar", "v-children_count": "0"},
        HTTP_ACCEPT_LANGUAGE="en",
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="desk">')
    assert "Visit of Maria logged." in html
    assert 'value=""' in html and "autofocus" in html  # the name box is empty, with the focus


def test_a_closed_session_takes_no_visit_and_its_visits_are_final(chloe_volunteer, session, maria):
    visit = visit_log(actor=chloe_volunteer, session=session, participant=maria)
    chloe = client_for(chloe_volunteer)
    assert chloe.post(reverse("dropin_session_close", args=[session.pk])).status_code == 302
    assert AuditEntry.objects.filter(action="dropin.session_closed").get().payload == {"count": 1}
    response = log(chloe, session, "anonymous")
    assert "This session is closed" in response.content.decode()
    chloe.post(reverse("dropin_visit_remove", args=[session.pk, visit.pk]))
    assert Visit.objects.filter(pk=visit.pk).exists()
    edit_url = reverse("dropin_visit_edit", args=[session.pk, visit.pk])
    edit = chloe.post(
        edit_url, {"version": "1", "v-children_count": "3"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "This session is closed" in edit.content.decode()
    assert Visit.objects.get().children_count == 0


def test_a_visit_is_corrected_and_removed_within_the_session_and_both_are_audited(
    bea_peerworker, session, maria
):
    meal = Service.objects.get(code="meal")
    visit = visit_log(actor=bea_peerworker, session=session, participant=maria, services=[meal])
    bea = client_for(bea_peerworker)
    listening = Service.objects.get(code="listening")
    url = reverse("dropin_visit_edit", args=[session.pk, visit.pk])
    assert bea.get(url).status_code == 200
    response = bea.post(url, {"version": "1", "v-services": [str(listening.pk)],
                              "v-children_count": "1"})  # fmt: skip
    assert response.status_code == 302
    visit.refresh_from_db()
    assert [g.service for g in visit.services_given.all()] == [listening]
    assert (visit.children_count, visit.version, visit.participant) == (1, 2, maria)
    # a stale form says so and changes nothing
    stale = bea.post(url, {"version": "1", "v-children_count": "4"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Someone else corrected this visit meanwhile" in stale.content.decode()
    assert bea.post(reverse("dropin_visit_remove", args=[session.pk, visit.pk])).status_code == 302
    assert not Visit.objects.exists()
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert "dropin.visit_corrected" in actions and "dropin.visit_removed" in actions


def test_the_session_page_costs_the_same_queries_with_one_or_many_visits(
    chloe_volunteer, session, site
):
    chloe = client_for(chloe_volunteer)
    meal, shower = Service.objects.get(code="meal"), Service.objects.get(code="shower")
    people = [Participant.objects.create(reference=f"SS-2026-{n:04d}", known_as=f"P{n}")
              for n in range(12)]  # fmt: skip

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert chloe.get(reverse("dropin_session", args=[session.pk])).status_code == 200
        return len(queries)

    visit_log(actor=chloe_volunteer, session=session, participant=people[0], services=[meal])
    one = count()
    for person in people[1:]:
        visit_log(actor=chloe_volunteer, session=session, participant=person,
                  services=[meal, shower])  # fmt: skip
    for _ in range(5):
        visit_log(actor=chloe_volunteer, session=session, nationality="FR", services=[meal])
    assert count() == one


def test_opening_a_session_counts_the_person_present_for_its_hours(chloe_volunteer, site):
    response = client_for(chloe_volunteer).post(
        reverse("dropin_session_new"),
        {"site": site.pk, "date": timezone.localdate().isoformat(), "opens_at": "14:00",
         "closes_at": "17:30"},
    )  # fmt: skip
    assert response.status_code == 302
    session = OpeningSession.objects.get()
    assert [(p.person, str(p.hours)) for p in session.presences.all()] == [
        (chloe_volunteer, "3.50")
    ]


def test_a_session_that_closes_before_it_opens_is_refused_next_to_the_field(chloe_volunteer, site):
    response = client_for(chloe_volunteer).post(
        reverse("dropin_session_new"),
        {"site": site.pk, "date": timezone.localdate().isoformat(), "opens_at": "14:00",
         "closes_at": "13:00"},
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert response.status_code == 200
    assert "The session must close after it opens." in response.content.decode()
    assert not OpeningSession.objects.exists()


def test_volunteers_record_their_own_hours(chloe_volunteer, session):
    chloe = client_for(chloe_volunteer)
    url = reverse("dropin_presence", args=[session.pk])
    assert chloe.post(url, {"hours": "2.5"}).status_code == 302
    assert str(session.presences.get(person=chloe_volunteer).hours) == "2.50"
    refused = chloe.post(url, {"hours": "30"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "At most 24 hours." in refused.content.decode()


def test_enter_in_the_name_box_before_choosing_only_searches(chloe_volunteer, session, maria):
    response = client_for(chloe_volunteer).post(
        reverse("dropin_visit_new", args=[session.pk]),
        {"v-q": "mar", "v-children_count": "1"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Maria" in html and "Choose who is visiting" not in html
    assert 'name="v-children_count" value="1"' in html  # what was typed stays
    assert not Visit.objects.exists()


def test_everyone_at_the_desk_finds_todays_sessions_on_their_home_page(cast, session):
    for role in (Role.VOLUNTEER, Role.SOCIAL_WORKER, Role.PEER_WORKER, Role.COORDINATOR):
        html = client_for(cast[role]).get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
        assert reverse("dropin_session", args=[session.pk]) in html.content.decode()


def test_a_social_worker_finds_the_outreach_link_on_her_file(alice_socialworker, eve_file):
    html = client_for(alice_socialworker).get(reverse("participant_detail", args=[eve_file.pk]))
    assert reverse("outreach_link", args=[eve_file.pk]) in html.content.decode()


def test_logging_a_visit_costs_the_same_queries_in_a_quiet_or_a_busy_session(
    chloe_volunteer, session
):
    chloe = client_for(chloe_volunteer)
    meal = Service.objects.get(code="meal")
    people = [Participant.objects.create(reference=f"SS-2026-{n:04d}", known_as=f"P{n}")
              for n in range(30)]  # fmt: skip

    def log_one(person):
        with CaptureQueriesContext(connection) as queries:
            response = chloe.post(
                reverse("dropin_visit_new", args=[session.pk]),
                {"v-who": str(person.pk), "v-services": [str(meal.pk)], "v-children_count": "0"},
                HTTP_HX_REQUEST="true",
            )
        assert response.status_code == 200
        # only the new visit is sent, to be put at the top of the list in place
        assert response.content.decode().count('class="visit"') == 1
        return len(queries)

    log_one(people[0])
    quiet = log_one(people[1])
    for person in people[2:28]:
        visit_log(actor=chloe_volunteer, session=session, participant=person, services=[meal])
    assert log_one(people[29]) == quiet


def test_odd_values_posted_at_the_desk_give_a_message_or_a_404_never_an_error(
    chloe_volunteer, session
):
    chloe = client_for(chloe_volunteer)
    response = log(chloe, session, "²")
    assert response.status_code == 200
    assert "Choose who is visiting, or an anonymous visitor." in response.content.decode()
    url = reverse("dropin_presence", args=[session.pk])
    assert chloe.post(url, {"remove": "abc"}).status_code == 404


def test_the_desk_lists_matches_by_name_not_by_their_encrypted_form(chloe_volunteer, session):
    for n, name in enumerate(["Mathilde", "Maria", "Maelle", "Marta", "Mabel"]):
        Participant.objects.create(reference=f"SS-2026-{n + 10:04d}", known_as=name)
    html = find(client_for(chloe_volunteer), session, "ma").content.decode()
    shown = [name for name in ("Mabel", "Maelle", "Maria", "Marta", "Mathilde") if name in html]
    positions = [html.index(name) for name in shown]
    assert len(shown) == 5 and positions == sorted(positions)


def test_a_session_opened_twice_at_once_is_refused_next_to_the_time(chloe_volunteer, site):
    from dropin.services import SessionTaken, session_open

    day = timezone.localdate()
    session_open(actor=chloe_volunteer, site=site, date=day, opens_at=time(9), closes_at=time(12))
    with pytest.raises(SessionTaken):
        session_open(
            actor=chloe_volunteer, site=site, date=day, opens_at=time(9), closes_at=time(11)
        )
    assert OpeningSession.objects.count() == 1
