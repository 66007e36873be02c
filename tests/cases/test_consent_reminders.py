"""Consents with an end date remind her key worker, on her home page, before they lapse; one
that just ended with nothing after it shows as ended. Never by email."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Assignment, Consent, Participant, Partner
from cases.services import consent_record, consent_withdraw
from safespace.reminders import CONSENT_LAPSED_SHOWN_DAYS, consents_to_renew
from safespace.roles import Role, role_of
from tests.factories import UserFactory
from tests.test_settings import manage, production_env

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def in_days(days):
    return TODAY() + timedelta(days=days)


def record(actor, participant, *, expires_in, given_ago=200, **kwargs):
    values = {"purpose": Consent.Purpose.PHOTOS, "method": Consent.Method.ORAL}
    values.update(kwargs)
    consent = consent_record(
        actor=actor,
        participant=participant,
        given_on=in_days(-given_ago),
        expires_on=in_days(expires_in) if expires_in is not None else None,
        **values,
    )
    return consent


def home(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client.get(reverse("home")).content.decode()


def panel(html):
    return html.split("Consents ending soon</h2>", 1)[1].split("</section>", 1)[0]


@pytest.fixture
def clinic(db):
    return Partner.objects.create(name="Clinique des Lilas", kind=Partner.Kind.HEALTH)


def _woman(n, worker, kind=Assignment.Kind.KEY_WORKER):
    participant = Participant.objects.create(reference=f"SS-2026-{n:04d}", known_as=f"Woman {n}")
    Assignment.objects.create(participant=participant, worker=worker, kind=kind)
    return participant


def test_her_home_page_shows_a_consent_of_her_file_ending_within_30_days(
    alice_socialworker, eve_file
):
    consent = record(alice_socialworker, eve_file, expires_in=10)
    html = panel(home(alice_socialworker))
    assert "Soleil" in html
    assert "Photos and dream-board images" in html
    assert "(in 10 days)" in html
    assert reverse("participant_detail", args=[eve_file.pk]) + "#consents" in html
    [row] = consents_to_renew(alice_socialworker)
    assert row.consent == consent and not row.ended and row.days_left == 10


def test_a_sharing_consent_names_the_partner(alice_socialworker, eve_file, clinic):
    record(
        alice_socialworker,
        eve_file,
        expires_in=1,
        purpose=Consent.Purpose.SHARE_PARTNER,
        partner=clinic,
    )
    html = panel(home(alice_socialworker))
    assert "Sharing with a named partner (Clinique des Lilas)" in html
    assert "(in 1 day)" in html


def test_a_consent_ending_after_the_window_or_with_no_end_is_not_shown(
    alice_socialworker, eve_file, clinic
):
    record(alice_socialworker, eve_file, expires_in=31)
    record(alice_socialworker, eve_file, expires_in=None, purpose=Consent.Purpose.STATISTICS)
    assert consents_to_renew(alice_socialworker) == []
    assert "No consent in your files ends in the next 30 days." in home(alice_socialworker)


def test_the_window_is_the_setting(alice_socialworker, eve_file, settings):
    record(alice_socialworker, eve_file, expires_in=40)
    assert consents_to_renew(alice_socialworker) == []
    settings.SAFESPACE_CONSENT_REMINDER_DAYS = 45
    assert len(consents_to_renew(alice_socialworker)) == 1
    settings.SAFESPACE_CONSENT_REMINDER_DAYS = 7
    assert "No consent in your files ends in the next 7 days." in home(alice_socialworker)


def test_a_withdrawn_consent_is_not_shown(alice_socialworker, eve_file):
    consent = record(alice_socialworker, eve_file, expires_in=5)
    consent_withdraw(actor=alice_socialworker, consent=consent)
    assert consents_to_renew(alice_socialworker) == []
    assert "Soleil" not in panel(home(alice_socialworker))


def test_only_the_files_she_is_the_key_worker_of(
    alice_socialworker, bea_peerworker, dana_coordinator, eve_file
):
    record(alice_socialworker, eve_file, expires_in=5)
    fanny = UserFactory(username="fanny_socialworker", role=Role.SOCIAL_WORKER)
    record(fanny, _woman(1, fanny), expires_in=5)  # another worker's file
    supported = _woman(2, alice_socialworker, kind=Assignment.Kind.SUPPORT)
    record(alice_socialworker, supported, expires_in=5)  # she supports, not key worker
    ended = _woman(3, alice_socialworker)
    record(alice_socialworker, ended, expires_in=5)
    ended.assignments.update(ended_at=timezone.now())  # no longer hers
    rows = consents_to_renew(alice_socialworker)
    assert [row.consent.participant_id for row in rows] == [eve_file.pk]
    html = panel(home(alice_socialworker))
    assert "Soleil" in html and "Woman" not in html
    # her peer worker and a coordinator have no such panel
    assert consents_to_renew(bea_peerworker) == []
    assert "Consents ending soon" not in home(bea_peerworker)
    assert "Consents ending soon" not in home(dana_coordinator)


def test_a_consent_that_just_ended_with_nothing_after_shows_as_ended(alice_socialworker, eve_file):
    record(alice_socialworker, eve_file, expires_in=-3)
    [row] = consents_to_renew(alice_socialworker)
    assert row.ended
    html = panel(home(alice_socialworker))
    assert "ended on" in html and "(in" not in html


def test_a_consent_ending_today_has_ended(alice_socialworker, eve_file):
    """As on her file: a consent is in force until the day before its end date."""
    consent = record(alice_socialworker, eve_file, expires_in=0)
    [row] = consents_to_renew(alice_socialworker)
    assert row.ended and not consent.is_live()


def test_a_consent_ended_long_ago_is_not_shown(alice_socialworker, eve_file):
    record(alice_socialworker, eve_file, expires_in=-(CONSENT_LAPSED_SHOWN_DAYS + 1))
    assert consents_to_renew(alice_socialworker) == []


def test_a_renewed_consent_is_not_shown_whether_it_ended_or_is_ending(alice_socialworker, eve_file):
    record(alice_socialworker, eve_file, expires_in=-3)
    record(alice_socialworker, eve_file, expires_in=365, given_ago=3)
    record(alice_socialworker, eve_file, expires_in=5, purpose=Consent.Purpose.STATISTICS)
    record(
        alice_socialworker,
        eve_file,
        expires_in=400,
        given_ago=0,
        purpose=Consent.Purpose.STATISTICS,
    )
    assert consents_to_renew(alice_socialworker) == []


def test_her_later_refusal_replaces_it_too(alice_socialworker, eve_file):
    """Her latest answer counts: a newer consent she withdrew means she said no since."""
    record(alice_socialworker, eve_file, expires_in=5)
    newer = record(alice_socialworker, eve_file, expires_in=None, given_ago=1)
    consent_withdraw(actor=alice_socialworker, consent=newer)
    assert consents_to_renew(alice_socialworker) == []


def test_a_consent_to_share_with_another_partner_does_not_replace_it(
    alice_socialworker, eve_file, clinic
):
    lawyers = Partner.objects.create(name="Avocats solidaires", kind=Partner.Kind.LEGAL_AID)
    sharing = {"purpose": Consent.Purpose.SHARE_PARTNER}
    record(alice_socialworker, eve_file, expires_in=5, partner=clinic, **sharing)
    record(alice_socialworker, eve_file, expires_in=None, given_ago=1, partner=lawyers, **sharing)
    [row] = consents_to_renew(alice_socialworker)
    assert row.consent.partner == clinic


def test_a_consent_given_in_the_future_does_not_count_yet(alice_socialworker, eve_file):
    """As on her file: only answers given by today count."""
    record(alice_socialworker, eve_file, expires_in=5)
    record(alice_socialworker, eve_file, expires_in=None, given_ago=-2)
    assert len(consents_to_renew(alice_socialworker)) == 1


def test_soonest_first_and_no_email(alice_socialworker, eve_file):
    other = _woman(1, alice_socialworker)
    record(alice_socialworker, other, expires_in=20)
    record(alice_socialworker, eve_file, expires_in=2)
    record(alice_socialworker, eve_file, expires_in=-1, purpose=Consent.Purpose.STATISTICS)
    days = [row.days_left for row in consents_to_renew(alice_socialworker)]
    assert days == [-1, 2, 20]
    assert mail.outbox == []


def test_one_query_whatever_the_number_of_consents(
    alice_socialworker, eve_file, clinic, django_assert_num_queries
):
    record(alice_socialworker, eve_file, expires_in=3)
    role_of(alice_socialworker)  # her role, as the home page knows it already
    with django_assert_num_queries(1):
        assert len(consents_to_renew(alice_socialworker)) == 1
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(alice_socialworker)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("home"))
    for n in range(15):
        woman = _woman(10 + n, alice_socialworker)
        record(alice_socialworker, woman, expires_in=n + 1)
        record(alice_socialworker, woman, expires_in=-n, purpose=Consent.Purpose.STATISTICS)
        partner = Partner.objects.create(name=f"Partner {n}", kind=Partner.Kind.OTHER)
        record(
            alice_socialworker,
            woman,
            expires_in=n,
            purpose=Consent.Purpose.SHARE_PARTNER,
            partner=partner,
        )
    with django_assert_num_queries(1):
        assert len(consents_to_renew(alice_socialworker)) > 40
    with django_assert_num_queries(len(one.captured_queries)):
        html = client.get(reverse("home")).content.decode()
    assert "Partner 14" in html


def test_the_window_is_read_from_the_environment(tmp_path):
    code = "from django.conf import settings; print(settings.SAFESPACE_CONSENT_REMINDER_DAYS)"
    result = manage(production_env(tmp_path), "shell", "-c", code)
    assert result.stdout.strip().splitlines()[-1] == "30", result.stderr
    result = manage(
        production_env(tmp_path, SAFESPACE_CONSENT_REMINDER_DAYS="60"), "shell", "-c", code
    )
    assert result.stdout.strip().splitlines()[-1] == "60", result.stderr
    result = manage(production_env(tmp_path, SAFESPACE_CONSENT_REMINDER_DAYS="0"), "check")
    assert result.returncode != 0
    assert "SAFESPACE_CONSENT_REMINDER_DAYS must be at least 1" in result.stderr
