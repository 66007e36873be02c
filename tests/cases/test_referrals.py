"""Referrals to partners: only with her consent to share with that partner, or a
coordinator's written decision; followed up without losing anyone's edits."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Assignment, Consent, Participant, Partner, Referral
from cases.services import (
    ConsentMissing,
    InactivePartner,
    consent_record,
    consent_withdraw,
    partner_update,
    referral_create,
    referral_update,
)
from safespace.models import AuditEntry

pytestmark = pytest.mark.django_db

REASON = "Her life is in danger tonight and she cannot be reached to ask."


@pytest.fixture
def alice(alice_socialworker):
    client = Client()
    client.force_login(alice_socialworker)
    return client


@pytest.fixture
def dana(dana_coordinator, eve_file):
    """Dana, a coordinator, supporting Eve's file (so it is in her scope)."""
    Assignment.objects.create(participant=eve_file, worker=dana_coordinator, kind="support")
    client = Client()
    client.force_login(dana_coordinator)
    return client


@pytest.fixture
def clinic(db):
    return Partner.objects.create(name="Clinique des Lilas", kind=Partner.Kind.HEALTH)


@pytest.fixture
def lawyers(db):
    return Partner.objects.create(name="Avocats solidaires", kind=Partner.Kind.LEGAL_AID)


def share(actor, participant, partner, **kwargs):
    values = {"method": "oral", "given_on": timezone.localdate()}
    values.update(kwargs)
    return consent_record(
        actor=actor, participant=participant, purpose="share_partner", partner=partner, **values
    )


def post(client, url, data):
    return client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")


def new_url(participant):
    return reverse("participant_referral_new", args=[participant.pk])


def file_page(client, participant):
    return client.get(
        reverse("participant_detail", args=[participant.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()


def assert_refused_for_lack_of_consent(response):
    assert response.status_code == 200
    html = response.content.decode()
    assert "She has not given her consent to share with this partner" in html
    assert "record her answer in the consents of her file" in html
    # the error sits with the partner field, and a link leads to her consents
    field = html.split('id="id_partner_error"', 1)[1].split("</select>", 1)[0]
    assert "She has not given her consent" in field
    assert reverse("participant_consent_new", args=[response.context["participant"].pk]) in html
    assert not Referral.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="referral.").exists()


def test_a_referral_without_her_consent_is_refused(alice, eve_file, clinic):
    assert_refused_for_lack_of_consent(post(alice, new_url(eve_file), {"partner": clinic.pk}))


def test_her_consent_for_another_partner_does_not_count(
    alice, alice_socialworker, eve_file, clinic, lawyers
):
    share(alice_socialworker, eve_file, lawyers)
    assert_refused_for_lack_of_consent(post(alice, new_url(eve_file), {"partner": clinic.pk}))


def test_an_ended_consent_does_not_count(alice, alice_socialworker, eve_file, clinic):
    today = timezone.localdate()
    share(
        alice_socialworker,
        eve_file,
        clinic,
        given_on=today - timedelta(days=90),
        expires_on=today,
    )
    assert_refused_for_lack_of_consent(post(alice, new_url(eve_file), {"partner": clinic.pk}))


def test_a_withdrawn_consent_does_not_count(alice, alice_socialworker, eve_file, clinic):
    consent = share(alice_socialworker, eve_file, clinic)
    consent_withdraw(actor=alice_socialworker, consent=consent)
    assert_refused_for_lack_of_consent(post(alice, new_url(eve_file), {"partner": clinic.pk}))


def test_a_consent_for_another_purpose_does_not_count(alice, alice_socialworker, eve_file, clinic):
    consent_record(
        actor=alice_socialworker,
        participant=eve_file,
        purpose="keep_file",
        method="written",
        given_on=timezone.localdate(),
    )
    assert_refused_for_lack_of_consent(post(alice, new_url(eve_file), {"partner": clinic.pk}))


def test_with_her_consent_the_referral_is_recorded_and_audited(
    alice, alice_socialworker, eve_file, clinic
):
    consent = share(alice_socialworker, eve_file, clinic)
    response = post(alice, new_url(eve_file), {"partner": clinic.pk, "kind": ""})
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.consent == consent
    assert referral.kind == "health"  # the partner's type, unless another is chosen
    assert referral.status == "proposed"
    assert referral.override_by is None and referral.override_reason == ""
    entry = AuditEntry.objects.get(action="referral.created")
    assert entry.payload == {"kind": "health", "status": "proposed"}
    assert entry.participant_id == eve_file.pk
    assert entry.actor_id == alice_socialworker.pk
    assert not AuditEntry.objects.filter(action="referral.consent_overridden").exists()
    html = file_page(alice, eve_file)
    assert "Clinique des Lilas" in html
    assert "Proposed" in html


def test_another_type_can_be_chosen_for_the_referral(alice, alice_socialworker, eve_file, clinic):
    share(alice_socialworker, eve_file, clinic)
    post(alice, new_url(eve_file), {"partner": clinic.pk, "kind": "mental_health"})
    assert Referral.objects.get().kind == "mental_health"


def test_a_coordinator_may_go_ahead_with_a_reason_audited_without_its_text(
    dana, dana_coordinator, eve_file, clinic
):
    response = post(dana, new_url(eve_file), {"partner": clinic.pk})
    assert_refused_for_lack_of_consent(response)
    assert "write why below" in response.content.decode()
    response = post(dana, new_url(eve_file), {"partner": clinic.pk, "override_reason": REASON})
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.consent is None
    assert referral.override_by == dana_coordinator
    assert referral.override_reason == REASON
    # kept encrypted: the column does not hold the words
    with connection.cursor() as cursor:
        cursor.execute("SELECT override_reason FROM cases_referral WHERE id = %s", [referral.pk])
        stored = cursor.fetchone()[0]
    assert "danger" not in str(stored)
    overridden = AuditEntry.objects.get(action="referral.consent_overridden")
    assert overridden.actor_id == dana_coordinator.pk
    assert overridden.target_id == str(referral.pk)
    assert overridden.participant_id == eve_file.pk
    for entry in AuditEntry.objects.all():
        assert "danger" not in str(entry.payload)
    html = file_page(dana, eve_file)
    assert "Made without her consent, on a coordinator" in html


def test_a_coordinator_with_her_consent_does_not_override(
    dana, alice_socialworker, eve_file, clinic
):
    consent = share(alice_socialworker, eve_file, clinic)
    post(dana, new_url(eve_file), {"partner": clinic.pk, "override_reason": REASON})
    referral = Referral.objects.get()
    assert referral.consent == consent
    assert referral.override_by is None and referral.override_reason == ""
    assert not AuditEntry.objects.filter(action="referral.consent_overridden").exists()


def test_an_override_reason_must_say_enough(dana, eve_file, clinic):
    response = post(dana, new_url(eve_file), {"partner": clinic.pk, "override_reason": "urgent"})
    assert "Ensure this value has at least 20 characters" in response.content.decode()
    assert "urgent" in response.content.decode()  # what she typed is kept
    assert not Referral.objects.exists()


def test_a_social_worker_cannot_override(alice, alice_socialworker, eve_file, clinic):
    response = alice.get(new_url(eve_file), HTTP_ACCEPT_LANGUAGE="en")
    assert "override_reason" not in response.content.decode()
    response = post(alice, new_url(eve_file), {"partner": clinic.pk, "override_reason": REASON})
    assert_refused_for_lack_of_consent(response)
    assert "write why below" not in response.content.decode()
    with pytest.raises(ConsentMissing):
        referral_create(
            actor=alice_socialworker,
            participant=eve_file,
            partner=clinic,
            override_reason=REASON,
        )
    assert not Referral.objects.exists()


def test_an_inactive_partner_cannot_receive_a_referral(
    dana, dana_coordinator, alice, alice_socialworker, eve_file, clinic
):
    share(alice_socialworker, eve_file, clinic)
    partner_update(actor=dana_coordinator, partner=clinic, changes={"active": False})
    page = alice.get(new_url(eve_file), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Clinique des Lilas" not in page
    response = post(alice, new_url(eve_file), {"partner": clinic.pk})
    assert "Select a valid choice" in response.content.decode()
    with pytest.raises(InactivePartner):
        referral_create(
            actor=dana_coordinator, participant=eve_file, partner=clinic, override_reason=REASON
        )
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"partner": "999999"},
        {"partner": "<script>alert(1)</script>"},
        {"partner": "🌷", "kind": "sex work"},
    ],
)
def test_bad_input_for_a_new_referral_gives_field_errors(alice, eve_file, clinic, data):
    response = post(alice, new_url(eve_file), data)
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert not Referral.objects.exists()


@pytest.fixture
def referral(alice_socialworker, eve_file, clinic):
    share(alice_socialworker, eve_file, clinic)
    return referral_create(actor=alice_socialworker, participant=eve_file, partner=clinic)


def edit_url(referral):
    return reverse("participant_referral_edit", args=[referral.participant_id, referral.pk])


def test_following_up_a_referral_is_saved_and_audited_without_the_outcome(
    alice, alice_socialworker, eve_file, referral
):
    outcome = 'مرحبا 🌷 <script>alert("x")</script> seen by the nurse on Tuesday'
    response = post(
        alice,
        edit_url(referral),
        {"status": "accepted", "outcome": outcome, "version": referral.version},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.outcome, referral.version) == ("accepted", outcome, 2)
    entry = AuditEntry.objects.get(action="referral.updated")
    assert entry.payload == {"fields": ["outcome", "status"], "status": "accepted"}
    assert entry.participant_id == eve_file.pk
    assert "nurse" not in str(entry.payload)
    html = file_page(alice, eve_file)
    assert "Accepted" in html
    assert "مرحبا 🌷" in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html


def test_a_stale_edit_is_refused_and_her_text_is_kept(
    alice, alice_socialworker, eve_file, referral
):
    referral_update(
        actor=alice_socialworker,
        referral=referral,
        version=1,
        status="sent",
        outcome="Sent by post",
    )
    response = post(
        alice,
        edit_url(referral),
        {"status": "completed", "outcome": "She saw the lawyer", "version": 1},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else changed this referral while you were editing." in html
    assert "She saw the lawyer" in html
    assert 'name="version" value="2"' in html
    referral.refresh_from_db()
    assert (referral.status, referral.outcome) == ("sent", "Sent by post")
    assert AuditEntry.objects.filter(action="referral.updated").count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"status": "lost", "outcome": ""}, "Select a valid choice"),
        ({"status": "", "outcome": ""}, "This field is required."),
        ({"status": "sent", "outcome": "x" * 10_000_000}, "at most 20000 characters"),
    ],
)
def test_bad_input_for_a_follow_up_gives_field_errors(alice, referral, data, message):
    response = post(alice, edit_url(referral), {**data, "version": referral.version})
    assert response.status_code == 200
    assert message in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == "proposed" and referral.version == 1


def test_a_referral_of_another_file_cannot_be_reached_through_hers(
    alice, alice_socialworker, eve_file, clinic, referral
):
    other = Participant.objects.create(reference="SS-2026-0043", known_as="Lune")
    Assignment.objects.create(participant=other, worker=alice_socialworker, kind="key_worker")
    url = reverse("participant_referral_edit", args=[other.pk, referral.pk])
    assert alice.get(url).status_code == 404


def test_a_peer_worker_and_a_volunteer_never_see_her_referrals(
    bea_peerworker, chloe_volunteer, eve_file, clinic, referral
):
    bea = Client()
    bea.force_login(bea_peerworker)
    html = file_page(bea, eve_file)
    assert "Her referrals are for her social workers only." in html
    assert "Clinique des Lilas" not in html
    assert bea.post(new_url(eve_file), {"partner": clinic.pk}).status_code == 403
    assert bea.get(edit_url(referral)).status_code == 403
    chloe = Client()
    chloe.force_login(chloe_volunteer)
    assert chloe.get(reverse("participant_detail", args=[eve_file.pk])).status_code == 404
    assert chloe.get(edit_url(referral)).status_code == 403
    assert Referral.objects.count() == 1


def test_her_referrals_cost_the_same_queries_for_one_or_twenty(
    alice, alice_socialworker, eve_file, referral, django_assert_num_queries
):
    file_page(alice, eve_file)
    with CaptureQueriesContext(connection) as few:
        file_page(alice, eve_file)
    for n in range(19):
        partner = Partner.objects.create(name=f"Partner {n:02d}", kind=Partner.Kind.OTHER)
        share(alice_socialworker, eve_file, partner)
        made = referral_create(actor=alice_socialworker, participant=eve_file, partner=partner)
        referral_update(
            actor=alice_socialworker, referral=made, version=1, status="sent", outcome=f"n{n}"
        )
    assert Referral.objects.count() == 20 and Consent.objects.count() == 20
    with django_assert_num_queries(len(few.captured_queries)):
        html = file_page(alice, eve_file)
    assert "Partner 18" in html
