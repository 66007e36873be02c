"""Her consents, per purpose: recorded, withdrawn, never a condition of her support."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Assignment, Consent, Participant, Partner
from cases.services import (
    InactivePartner,
    consent_live,
    consent_record,
    consent_withdraw,
    partner_update,
)
from safespace.models import AuditEntry

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def alice(alice_socialworker):
    client = Client()
    client.force_login(alice_socialworker)
    return client


@pytest.fixture
def clinic(db):
    return Partner.objects.create(name="Clinique des Lilas", kind=Partner.Kind.HEALTH)


@pytest.fixture
def lawyers(db):
    return Partner.objects.create(name="Avocats solidaires", kind=Partner.Kind.LEGAL_AID)


def post(client, url, data):
    return client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")


def file_page(client, participant):
    return client.get(
        reverse("participant_detail", args=[participant.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()


def record(actor, participant, **kwargs):
    values = {"purpose": "photos", "method": "oral", "given_on": TODAY()}
    values.update(kwargs)
    return consent_record(actor=actor, participant=participant, **values)


def test_the_consent_page_says_support_continues_whatever_she_decides(alice, eve_file):
    response = alice.get(
        reverse("participant_consent_new", args=[eve_file.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Support continues whatever she decides." in response.content.decode()
    assert "Support continues whatever she decides." in file_page(alice, eve_file)


def test_recording_a_consent_shows_her_answer_and_is_audited(
    alice, alice_socialworker, eve_file, clinic
):
    response = post(
        alice,
        reverse("participant_consent_new", args=[eve_file.pk]),
        {
            "purpose": "share_partner",
            "partner": clinic.pk,
            "method": "written",
            "given_on": TODAY().isoformat(),
        },
    )
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert (consent.participant, consent.partner, consent.method) == (eve_file, clinic, "written")
    assert consent.recorded_by == alice_socialworker
    entry = AuditEntry.objects.get(action="consent.recorded")
    assert entry.payload == {"kind": "share_partner"}
    assert entry.participant_id == eve_file.pk
    assert entry.actor_id == alice_socialworker.pk
    html = file_page(alice, eve_file)
    assert "Clinique des Lilas" in html
    assert "written, with no end date" in html


def test_sharing_needs_a_partner_and_other_purposes_take_none(alice, eve_file, clinic):
    url = reverse("participant_consent_new", args=[eve_file.pk])
    today = TODAY().isoformat()
    response = post(
        url=url,
        client=alice,
        data={"purpose": "share_partner", "method": "oral", "given_on": today},
    )
    assert "Choose the partner she agrees we share with." in response.content.decode()
    response = post(
        alice,
        url,
        {"purpose": "photos", "partner": clinic.pk, "method": "oral", "given_on": today},
    )
    assert "A partner is named only for sharing." in response.content.decode()
    assert not Consent.objects.exists()


@pytest.mark.parametrize(
    ("given_on", "expires_on", "message"),
    [
        ("2999-01-01", "", "This date is in the future."),
        ("2025-13-45", "", "Enter a valid date."),
        ("0099-01-01", "", "Please check the year."),
        ("2025-05-01", "2025-05-01", "This date must come after the day she gave it."),
        ("2025-05-01", "2025-04-01", "This date must come after the day she gave it."),
        ("", "", "This field is required."),
        ("<script>alert(1)</script>", "", "Enter a valid date."),
    ],
)
def test_bad_dates_are_refused_next_to_the_field(alice, eve_file, given_on, expires_on, message):
    response = post(
        alice,
        reverse("participant_consent_new", args=[eve_file.pk]),
        {"purpose": "photos", "method": "oral", "given_on": given_on, "expires_on": expires_on},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "<script>alert(1)</script>" not in html
    assert not Consent.objects.exists()


def test_an_unknown_purpose_or_method_is_refused(alice, eve_file):
    response = post(
        alice,
        reverse("participant_consent_new", args=[eve_file.pk]),
        {"purpose": "everything 🌷", "method": "telepathy", "given_on": TODAY().isoformat()},
    )
    assert response.status_code == 200
    assert response.content.decode().count("Select a valid choice") == 2
    assert not Consent.objects.exists()


def test_an_inactive_partner_cannot_receive_a_consent(
    alice, alice_socialworker, dana_coordinator, eve_file, clinic
):
    partner_update(actor=dana_coordinator, partner=clinic, changes={"active": False})
    response = post(
        alice,
        reverse("participant_consent_new", args=[eve_file.pk]),
        {
            "purpose": "share_partner",
            "partner": clinic.pk,
            "method": "oral",
            "given_on": TODAY().isoformat(),
        },
    )
    assert "Select a valid choice" in response.content.decode()
    with pytest.raises(InactivePartner):
        record(alice_socialworker, eve_file, purpose="share_partner", partner=clinic)
    assert not Consent.objects.exists()


def test_withdrawing_a_consent_ends_it_from_today_and_is_audited(
    alice, alice_socialworker, eve_file, clinic
):
    consent = record(
        alice_socialworker,
        eve_file,
        purpose="share_partner",
        partner=clinic,
        given_on=TODAY() - timedelta(days=10),
    )
    response = alice.post(
        reverse("participant_consent_withdraw", args=[eve_file.pk, consent.pk]),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_on == TODAY()
    assert consent.withdrawn_by == alice_socialworker
    assert consent_live(eve_file, purpose="share_partner", partner=clinic) is None
    # it was live on the days before she withdrew it
    yesterday = TODAY() - timedelta(days=1)
    assert consent_live(eve_file, purpose="share_partner", partner=clinic, day=yesterday)
    entry = AuditEntry.objects.get(action="consent.withdrawn")
    assert entry.payload == {"kind": "share_partner"}
    assert entry.participant_id == eve_file.pk
    assert "withdrawn on" in file_page(alice, eve_file)


def test_withdrawing_twice_changes_nothing_the_second_time(alice_socialworker, eve_file):
    consent = record(alice_socialworker, eve_file, given_on=TODAY() - timedelta(days=3))
    consent_withdraw(actor=alice_socialworker, consent=consent)
    consent_withdraw(actor=alice_socialworker, consent=consent)
    assert AuditEntry.objects.filter(action="consent.withdrawn").count() == 1


def test_a_withdrawal_cannot_be_sent_by_get(alice, alice_socialworker, eve_file):
    consent = record(alice_socialworker, eve_file)
    response = alice.get(reverse("participant_consent_withdraw", args=[eve_file.pk, consent.pk]))
    assert response.status_code == 405
    consent.refresh_from_db()
    assert consent.withdrawn_on is None


def test_a_consent_of_another_file_cannot_be_withdrawn_through_hers(
    alice, alice_socialworker, eve_file
):
    other = Participant.objects.create(reference="SS-2026-0043", known_as="Lune")
    Assignment.objects.create(participant=other, worker=alice_socialworker, kind="key_worker")
    consent = record(alice_socialworker, other)
    response = alice.post(reverse("participant_consent_withdraw", args=[eve_file.pk, consent.pk]))
    assert response.status_code == 404
    consent.refresh_from_db()
    assert consent.withdrawn_on is None


def test_only_a_live_consent_counts(alice_socialworker, eve_file, clinic, lawyers):
    today = TODAY()
    assert consent_live(eve_file, purpose="photos") is None
    record(
        alice_socialworker,
        eve_file,
        given_on=today - timedelta(days=60),
        expires_on=today,  # ends today: no longer in force
    )
    assert consent_live(eve_file, purpose="photos") is None
    assert consent_live(eve_file, purpose="photos", day=today - timedelta(days=1))
    shared = record(alice_socialworker, eve_file, purpose="share_partner", partner=clinic)
    assert consent_live(eve_file, purpose="share_partner", partner=clinic) == shared
    assert consent_live(eve_file, purpose="share_partner", partner=lawyers) is None
    assert consent_live(eve_file, purpose="statistics") is None
    with pytest.raises(ValueError):
        consent_live(eve_file, purpose="share_partner")


def test_her_latest_answer_counts_over_an_older_one(alice_socialworker, eve_file):
    today = TODAY()
    record(alice_socialworker, eve_file, given_on=today - timedelta(days=100))
    newer = record(alice_socialworker, eve_file, given_on=today - timedelta(days=5))
    consent_withdraw(actor=alice_socialworker, consent=newer)
    # the older consent, never withdrawn itself, does not come back to life
    assert consent_live(eve_file, purpose="photos") is None


def test_her_file_shows_each_purpose_and_one_line_per_partner(
    alice, alice_socialworker, eve_file, clinic, lawyers
):
    today = TODAY()
    record(alice_socialworker, eve_file, purpose="share_partner", partner=clinic)
    withdrawn = record(
        alice_socialworker,
        eve_file,
        purpose="share_partner",
        partner=lawyers,
        given_on=today - timedelta(days=9),
    )
    consent_withdraw(actor=alice_socialworker, consent=withdrawn)
    record(
        alice_socialworker,
        eve_file,
        purpose="statistics",
        method="written",
        given_on=today - timedelta(days=400),
        expires_on=today - timedelta(days=35),
    )
    html = file_page(alice, eve_file)
    answers = html.split('class="consent-answers"', 1)[1].split("</dl>", 1)[0]
    assert answers.count("<dt>") == len(Consent.Purpose.choices)
    assert "Avocats solidaires</strong>" in answers
    assert "Clinique des Lilas</strong>" in answers
    assert "withdrawn on" in answers
    assert "ended on" in answers
    assert "not given" in answers  # keeping her file, photos
    assert "History: 3 answers" in html


def test_a_consent_ending_within_30_days_is_pointed_out_calmly(
    alice, alice_socialworker, eve_file, clinic
):
    today = TODAY()
    record(alice_socialworker, eve_file, expires_on=today + timedelta(days=40))
    assert "Ask her whether she wants to renew it." not in file_page(alice, eve_file)
    record(
        alice_socialworker,
        eve_file,
        purpose="share_partner",
        partner=clinic,
        expires_on=today + timedelta(days=12),
    )
    html = file_page(alice, eve_file)
    assert "Ask her whether she wants to renew it." in html
    assert "Clinique des Lilas)" in html


def test_a_peer_worker_and_a_volunteer_never_see_her_consents(
    bea_peerworker, chloe_volunteer, alice_socialworker, eve_file, clinic
):
    consent = record(alice_socialworker, eve_file, purpose="share_partner", partner=clinic)
    bea = Client()
    bea.force_login(bea_peerworker)
    html = file_page(bea, eve_file)
    assert "Her consents are for her social workers only." in html
    assert "Clinique des Lilas" not in html
    url = reverse("participant_consent_new", args=[eve_file.pk])
    data = {"purpose": "photos", "method": "oral", "given_on": TODAY().isoformat()}
    assert bea.post(url, data).status_code == 403
    withdraw = reverse("participant_consent_withdraw", args=[eve_file.pk, consent.pk])
    assert bea.post(withdraw).status_code == 403
    chloe = Client()
    chloe.force_login(chloe_volunteer)
    assert chloe.get(reverse("participant_detail", args=[eve_file.pk])).status_code == 404
    assert chloe.post(url, data).status_code == 403
    consent.refresh_from_db()
    assert consent.withdrawn_on is None
    assert Consent.objects.count() == 1


def test_her_consents_cost_the_same_queries_for_one_or_twenty(
    alice, alice_socialworker, eve_file, django_assert_num_queries
):
    partners = [
        Partner.objects.create(name=f"Partner {n:02d}", kind=Partner.Kind.OTHER) for n in range(20)
    ]
    record(alice_socialworker, eve_file, purpose="share_partner", partner=partners[0])
    file_page(alice, eve_file)
    with CaptureQueriesContext(connection) as few:
        file_page(alice, eve_file)
    for partner in partners[1:]:
        consent = record(alice_socialworker, eve_file, purpose="share_partner", partner=partner)
        consent_withdraw(actor=alice_socialworker, consent=consent)
    with django_assert_num_queries(len(few.captured_queries)):
        html = file_page(alice, eve_file)
    assert "Partner 19" in html
