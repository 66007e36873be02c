"""Needs assessments: a dated level per rights domain, and how it changed since last time."""

import json
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import DomainNeed, NeedsAssessment, RightsDomain
from cases.services import break_glass_open, needs_assess
from safespace.models import AuditEntry

pytestmark = pytest.mark.django_db

COMMENT = "Planted comment: her landlord threatens her"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def get(client, url, **params):
    return client.get(url, params, HTTP_ACCEPT_LANGUAGE="en")


def form_data(assessed_on=None, **levels):
    """The form as posted: every domain not assessed unless given as domain=(level, comment)."""
    data = {"assessed_on": (assessed_on or timezone.localdate()).isoformat()}
    for domain in RightsDomain:
        level, comment = levels.get(domain.value, ("", ""))
        data[f"level_{domain.value}"] = level
        data[f"comment_{domain.value}"] = comment
    return data


def assess(actor, participant, day, **levels):
    return needs_assess(
        actor=actor,
        participant=participant,
        assessed_on=day,
        levels={domain: (level, comment) for domain, (level, comment) in levels.items()},
    )


def test_an_assessment_keeps_the_domains_assessed_and_is_audited_with_a_count(
    alice_socialworker, eve_file
):
    response = client_for(alice_socialworker).post(
        reverse("participant_needs_new", args=[eve_file.pk]),
        form_data(housing=("3", COMMENT), health=("1", ""), justice=("0", "")),
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#needs")
    assessment = NeedsAssessment.objects.get()
    assert assessment.recorded_by == alice_socialworker
    levels = {need.domain: (need.level, need.comment) for need in assessment.domains.all()}
    assert levels == {"housing": (3, COMMENT), "health": (1, ""), "justice": (0, "")}
    entry = AuditEntry.objects.get(action="needs.assessed")
    assert entry.payload == {"count": 3}
    assert entry.participant_id == eve_file.pk
    assert "landlord" not in json.dumps(list(AuditEntry.objects.values()), default=str)


def test_comments_are_encrypted_in_the_database(alice_socialworker, eve_file):
    assess(alice_socialworker, eve_file, date(2026, 1, 5), housing=(2, COMMENT))
    with connection.cursor() as cursor:
        cursor.execute("SELECT comment FROM cases_domainneed")
        assert "landlord" not in cursor.fetchone()[0]


def test_the_file_shows_the_latest_level_and_the_change_in_words(alice_socialworker, eve_file):
    assess(
        alice_socialworker,
        eve_file,
        date(2025, 6, 1),
        housing=(3, ""),
        health=(1, ""),
        justice=(1, ""),
        parenthood=(2, ""),
    )
    assess(
        alice_socialworker,
        eve_file,
        date(2025, 12, 1),
        housing=(1, "A room at last"),
        health=(1, ""),
        justice=(2, ""),
    )
    html = get(
        client_for(alice_socialworker), reverse("participant_detail", args=[eve_file.pk])
    ).content.decode()
    assert "Better than on June 1, 2025 (Urgent need)" in html  # housing
    assert "Same as on June 1, 2025" in html  # health
    assert "Worse than on June 1, 2025 (Some need)" in html  # justice
    # parenthood was not assessed in December: its latest level is June's, first of its kind
    assert "First assessment of this domain" in html
    assert "A room at last" in html
    assert "Not assessed yet" in html  # financial, administrative...
    assert reverse("participant_needs_history", args=[eve_file.pk]) in html


def test_two_assessments_on_one_day_compare_in_the_order_they_were_recorded(
    alice_socialworker, eve_file
):
    day = date(2026, 2, 1)
    assess(alice_socialworker, eve_file, day, housing=(3, ""))
    assess(alice_socialworker, eve_file, day, housing=(2, ""))
    html = get(
        client_for(alice_socialworker), reverse("participant_detail", args=[eve_file.pk])
    ).content.decode()
    assert "Better than on" in html


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (form_data(timezone.localdate() + timedelta(days=1), housing=("1", "")), "in the future"),
        ({**form_data(housing=("1", "")), "assessed_on": "2026-13-45"}, "Enter a valid date."),
        (form_data(), "Assess at least one domain."),
        (form_data(housing=("", "Kept: she talked about it")), "Choose a level for this comment"),
        (form_data(housing=("9", "Kept: she talked about it")), "Select a valid choice."),
        (form_data(housing=("1", "x" * 2_001)), "at most 2000 characters"),
        (form_data(housing=("1", "x" * 10_000_000)), "at most 2000 characters"),
    ],
)
def test_bad_input_is_refused_next_to_the_field_and_keeps_what_was_typed(
    alice_socialworker, eve_file, data, error
):
    response = client_for(alice_socialworker).post(
        reverse("participant_needs_new", args=[eve_file.pk]), data, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert error in html
    if "Kept" in data["comment_housing"]:
        assert "Kept: she talked about it" in html
    assert not NeedsAssessment.objects.exists()


@pytest.mark.parametrize(
    "comment", ["<script>alert(1)</script>", "تحتاج إلى سكن", "Un toit 🏠 enfin"]
)
def test_comments_are_kept_as_written_and_shown_safely(alice_socialworker, eve_file, comment):
    client = client_for(alice_socialworker)
    client.post(
        reverse("participant_needs_new", args=[eve_file.pk]), form_data(housing=("1", comment))
    )
    assert DomainNeed.objects.get().comment == comment
    html = get(client, reverse("participant_needs_history", args=[eve_file.pk])).content.decode()
    assert "<script>alert(1)" not in html
    if not comment.startswith("<"):
        assert comment in html


def test_a_peer_worker_is_told_needs_are_not_for_her(bea_peerworker, alice_socialworker, eve_file):
    assess(alice_socialworker, eve_file, date(2026, 1, 5), housing=(2, COMMENT))
    client = client_for(bea_peerworker)
    html = get(client, reverse("participant_detail", args=[eve_file.pk])).content.decode()
    assert "Her needs assessments are for her social workers only." in html
    assert "landlord" not in html and "Important need" not in html
    assert get(client, reverse("participant_needs_history", args=[eve_file.pk])).status_code == 403
    response = client.post(
        reverse("participant_needs_new", args=[eve_file.pk]), form_data(housing=("1", ""))
    )
    assert response.status_code == 403


def test_a_break_glass_coordinator_reads_the_history_and_it_is_recorded(
    dana_coordinator, alice_socialworker, eve_file
):
    assess(alice_socialworker, eve_file, date(2026, 1, 5), housing=(2, ""))
    grant = break_glass_open(user=dana_coordinator, participant=eve_file, reason="x" * 20)
    response = get(
        client_for(dana_coordinator), reverse("participant_needs_history", args=[eve_file.pk])
    )
    assert response.status_code == 200
    entry = AuditEntry.objects.filter(action="participant.viewed").last()
    assert entry.payload == {"section": "needs", "via": "break_glass"}
    assert grant.pk


def test_history_shows_domains_by_dates_newest_first_six_a_page(alice_socialworker, eve_file):
    for month in range(1, 9):
        assess(alice_socialworker, eve_file, date(2025, month, 1), housing=(month % 4, ""))
    client = client_for(alice_socialworker)
    url = reverse("participant_needs_history", args=[eve_file.pk])
    first = get(client, url)
    columns = first.context["columns"]
    assert [column.assessed_on.month for column in columns] == [8, 7, 6, 5, 4, 3]
    housing = first.context["grid"][0]
    assert [cell.level for cell in housing["cells"]] == [0, 3, 2, 1, 0, 3]
    assert all(cell is None for cell in first.context["grid"][1]["cells"])
    assert "Page 1 of 2" in first.content.decode()
    assert len(get(client, url, page=2).context["columns"]) == 2


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = get(client, url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("page", ["participant_detail", "participant_needs_history"])
def test_query_count_does_not_grow_with_the_number_of_assessments(
    alice_socialworker, eve_file, page
):
    client = client_for(alice_socialworker)
    url = reverse(page, args=[eve_file.pk])
    every_domain = {domain.value: (1, "a comment") for domain in RightsDomain}
    assess(alice_socialworker, eve_file, date(2024, 1, 1), **every_domain)
    one = _queries(client, url)
    for day in range(29):
        assess(alice_socialworker, eve_file, date(2024, 2, 1) + timedelta(days=day), **every_domain)
    assert _queries(client, url) == one
