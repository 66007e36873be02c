"""Strengths and skills she recognises in herself: a few words as tags, and her own words,
written down with her workers or by herself in her own space."""

import json

import pytest
from django import forms
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Assignment, Participant
from lifeplans.forms import strength_tags_normalise
from lifeplans.models import Strength
from lifeplans.services import strength_add, strength_remove
from safespace.models import AuditEntry

pytestmark = pytest.mark.django_db

HER_WORDS = "Je nourris dix personnes avec presque rien"
OTHER_WORDS = "Planted strength of another woman: drives a truck"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def post(client, url, data):
    return client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")


def get(client, url):
    return client.get(url, HTTP_ACCEPT_LANGUAGE="en")


def new_url(participant):
    return reverse("lifeplan_strength_new", args=[participant.pk])


def remove_url(participant, strength):
    return reverse("lifeplan_strength_remove", args=[participant.pk, strength.pk])


def plan_url(participant):
    return reverse("lifeplan_detail", args=[participant.pk])


def audit_text():
    """Everything the audit trail holds of strengths, as one string."""
    return json.dumps(
        list(
            AuditEntry.objects.filter(action__startswith="strength.").values_list(
                "payload", flat=True
            )
        ),
        ensure_ascii=False,
    )


@pytest.fixture
def mallory_file(mallory, alice_socialworker):
    """Mallory's own file, with a strength of her own."""
    participant = Participant.objects.create(reference="SS-2026-0099", account=mallory)
    strength_add(actor=mallory, participant=participant, tags="driving", words=OTHER_WORDS)
    return participant


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


# --- Adding, from both sides ---


def test_her_worker_writes_down_a_strength_and_the_audit_keeps_none_of_her_words(
    alice_socialworker, eve_file
):
    response = post(
        client_for(alice_socialworker),
        new_url(eve_file),
        {"tags": "patient, good cook", "words": HER_WORDS},
    )
    assert response.status_code == 302
    assert response["Location"] == plan_url(eve_file) + "#strengths"
    strength = Strength.objects.get()
    assert strength.plan.participant == eve_file
    assert strength.tags == "patient, good cook" and strength.words == HER_WORDS
    assert strength.recorded_by == alice_socialworker
    entry = AuditEntry.objects.get(action="strength.added")
    assert entry.payload == {"fields": ["tags", "words"]}
    assert entry.participant_id == eve_file.pk and entry.actor_id == alice_socialworker.pk
    assert "patient" not in audit_text() and "dix personnes" not in audit_text()


def test_she_adds_a_strength_in_her_own_words_from_her_space(eve_participant, eve_file):
    eve = client_for(eve_participant)
    response = post(eve, reverse("portal_strengths"), {"tags": "", "words": HER_WORDS})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal_strengths")
    strength = Strength.objects.get()
    assert strength.words == HER_WORDS and strength.tags == ""
    assert strength.recorded_by == eve_participant
    entry = AuditEntry.objects.get(action="strength.added")
    assert entry.payload == {"fields": ["words"], "via": "portal"}
    assert "dix personnes" not in audit_text()
    html = get(eve, reverse("portal_strengths")).content.decode()
    assert "<h1>What I am good at</h1>" in html
    assert HER_WORDS in html and "Saved. Thank you for sharing it." in html


def test_her_peer_worker_writes_down_a_strength_with_her(bea_peerworker, eve_file):
    response = post(client_for(bea_peerworker), new_url(eve_file), {"tags": "courage"})
    assert response.status_code == 302
    assert Strength.objects.get().recorded_by == bea_peerworker


def test_a_volunteer_or_a_coordinator_outside_her_scope_cannot_add_or_remove(
    chloe_volunteer, dana_coordinator, alice_socialworker, eve_file
):
    strength = strength_add(actor=alice_socialworker, participant=eve_file, tags="x", words="")
    # a volunteer is told no (403); a coordinator not assigned to her does not learn it exists
    for user, status in ((chloe_volunteer, 403), (dana_coordinator, 404)):
        client = client_for(user)
        assert post(client, new_url(eve_file), {"tags": "courage"}).status_code == status
        assert get(client, remove_url(eve_file, strength)).status_code == status
        assert post(client, remove_url(eve_file, strength), {}).status_code == status
    assert list(Strength.objects.values_list("pk", flat=True)) == [strength.pk]
    assert not AuditEntry.objects.filter(action="strength.removed").exists()


def test_staff_cannot_use_her_space_to_add_a_strength(alice_socialworker, eve_file):
    response = post(client_for(alice_socialworker), reverse("portal_strengths"), {"tags": "x"})
    assert response.status_code == 403
    assert not Strength.objects.exists()


# --- Her few words become short tags ---


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("patient, good cook", "patient, good cook"),
        ("  patient ,Good  cook,, good COOK ; speaks three languages\nPatient ", None),
        ("courage", "courage"),
        (" , ;\n ", ""),
        ("مرحبا, 🌱", "مرحبا, 🌱"),
    ],
)
def test_her_few_words_become_short_comma_separated_tags(typed, kept):
    expected = "patient, Good cook, speaks three languages" if kept is None else kept
    assert strength_tags_normalise(typed) == expected


def test_a_tag_longer_than_forty_characters_or_more_than_ten_tags_are_refused():
    with pytest.raises(forms.ValidationError):
        strength_tags_normalise("a" * 41)
    assert strength_tags_normalise("a" * 40) == "a" * 40
    with pytest.raises(forms.ValidationError):
        strength_tags_normalise(", ".join(f"tag {n}" for n in range(11)))
    assert strength_tags_normalise(", ".join(f"tag {n}" for n in range(10))).count(",") == 9
    # ten long tags would not fit the column once joined
    with pytest.raises(forms.ValidationError):
        strength_tags_normalise(", ".join(f"{n:02d}" + "x" * 38 for n in range(10)))


def test_the_tags_she_typed_are_stored_normalised_and_shown_as_chips(eve_participant, eve_file):
    eve = client_for(eve_participant)
    post(eve, reverse("portal_strengths"), {"tags": "Patient,, patient ;good cook", "words": ""})
    assert Strength.objects.get().tags == "Patient, good cook"
    html = get(eve, reverse("portal_strengths")).content.decode()
    assert '<li class="chip">Patient</li>' in html and '<li class="chip">good cook</li>' in html


# --- Bad input: a message next to the field, and what she typed is kept ---


def test_an_empty_strength_gets_a_message_next_to_the_field_in_her_space(eve_participant, eve_file):
    response = post(
        client_for(eve_participant), reverse("portal_strengths"), {"tags": " , ", "words": "  "}
    )
    assert response.status_code == 200
    html = response.content.decode()
    field = html.split('for="id_tags"', 1)[1].split('for="id_words"', 1)[0]
    assert "Write a few words." in field
    assert 'href="#add-strength"' in html
    assert not Strength.objects.exists()


def test_a_too_long_tag_keeps_what_she_typed(eve_participant, eve_file):
    typed = "je sais parler aux gens qui ont peur et les rassurer doucement"
    response = post(
        client_for(eve_participant),
        reverse("portal_strengths"),
        {"tags": typed, "words": HER_WORDS},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Each one is at most 40 characters" in html
    assert typed in html and HER_WORDS in html
    assert not Strength.objects.exists()


def test_an_empty_strength_on_the_staff_side_is_reshown_with_its_error(
    alice_socialworker, eve_file
):
    response = post(client_for(alice_socialworker), new_url(eve_file), {"tags": "", "words": " "})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Write her strength in a few words, or in her words." in html
    assert "In her words" in html
    assert not Strength.objects.exists()


def test_the_service_refuses_a_strength_with_no_words(alice_socialworker, eve_file):
    with pytest.raises(ValueError):
        strength_add(actor=alice_socialworker, participant=eve_file, tags=" ", words="\n")
    assert not Strength.objects.exists()


# --- Removing ---


def test_she_removes_one_of_her_strengths_after_a_question(eve_participant, eve_file):
    strength = strength_add(actor=eve_participant, participant=eve_file, tags="sewing", words="")
    # a tap on "Remove" asks first: nothing is deleted by a mis-tap on a shared phone
    question = get(
        client_for(eve_participant), reverse("portal_strength_remove", args=[strength.pk])
    )
    assert "Remove this?" in question.content.decode() and "sewing" in question.content.decode()
    assert Strength.objects.exists()
    response = post(
        client_for(eve_participant),
        reverse("portal_strength_remove", args=[strength.pk]),
        {},
    )
    assert response.status_code == 302 and response["Location"] == reverse("portal_strengths")
    assert not Strength.objects.exists()
    entry = AuditEntry.objects.get(action="strength.removed")
    assert entry.payload == {"via": "portal"} and entry.participant_id == eve_file.pk
    assert entry.target_id == str(strength.pk)


def test_she_cannot_remove_another_womans_strength(eve_participant, eve_file, mallory_file):
    other = Strength.objects.get(plan__participant=mallory_file)
    response = post(
        client_for(eve_participant), reverse("portal_strength_remove", args=[other.pk]), {}
    )
    assert response.status_code == 404
    assert Strength.objects.filter(pk=other.pk).exists()


def test_she_sees_only_her_own_strengths(eve_participant, eve_file, mallory_file):
    strength_add(actor=eve_participant, participant=eve_file, tags="", words=HER_WORDS)
    html = get(client_for(eve_participant), reverse("portal_strengths")).content.decode()
    assert HER_WORDS in html and OTHER_WORDS not in html and "driving" not in html


def test_her_worker_removes_a_strength_after_a_confirmation_page(alice_socialworker, eve_file):
    strength = strength_add(
        actor=alice_socialworker, participant=eve_file, tags="languages", words=HER_WORDS
    )
    alice = client_for(alice_socialworker)
    page = get(alice, remove_url(eve_file, strength))
    assert page.status_code == 200
    assert "Remove this strength?" in page.content.decode() and HER_WORDS in page.content.decode()
    assert Strength.objects.exists()
    response = post(alice, remove_url(eve_file, strength), {})
    assert response.status_code == 302
    assert response["Location"] == plan_url(eve_file) + "#strengths"
    assert not Strength.objects.exists()
    assert AuditEntry.objects.get(action="strength.removed").payload == {}
    # the page that showed her words is recorded as a view of her plan
    viewed = AuditEntry.objects.filter(action="participant.viewed").last()
    assert viewed.payload["section"] == "lifeplan"


def test_a_strength_of_another_file_answers_404_to_her_worker(alice_socialworker, eve_file):
    other = Participant.objects.create(reference="SS-2026-0098", known_as="Other")
    Assignment.objects.create(
        participant=other, worker=alice_socialworker, kind=Assignment.Kind.KEY_WORKER
    )
    strength = strength_add(actor=alice_socialworker, participant=other, tags="x", words="")
    # her file is in scope, but the strength is not hers
    alice = client_for(alice_socialworker)
    assert get(alice, remove_url(eve_file, strength)).status_code == 404
    assert post(alice, remove_url(eve_file, strength), {}).status_code == 404
    assert Strength.objects.filter(pk=strength.pk).exists()


def test_removing_twice_records_one_removal(alice_socialworker, eve_file):
    strength = strength_add(actor=alice_socialworker, participant=eve_file, tags="x", words="")
    assert strength_remove(actor=alice_socialworker, strength=strength) is True
    assert strength_remove(actor=alice_socialworker, strength=strength) is False
    assert AuditEntry.objects.filter(action="strength.removed").count() == 1


# --- At rest, her words are encrypted ---


def test_her_strengths_are_encrypted_at_rest(eve_participant, eve_file):
    strength_add(
        actor=eve_participant, participant=eve_file, tags="patient, good cook", words=HER_WORDS
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT tags, words FROM lifeplans_strength")
        tags, words = cursor.fetchone()
    assert tags.startswith("gAAAAA") and words.startswith("gAAAAA")
    assert "patient" not in tags and "dix personnes" not in words


# --- Pages: what shows, and their cost ---


def test_the_plan_page_shows_her_strengths_as_chips_and_her_words(
    alice_socialworker, eve_participant, eve_file
):
    strength_add(actor=eve_participant, participant=eve_file, tags="patient, good cook", words="")
    strength_add(actor=alice_socialworker, participant=eve_file, tags="", words=HER_WORDS)
    html = get(client_for(alice_socialworker), plan_url(eve_file)).content.decode()
    assert '<a href="#strengths">Her strengths</a>' in html
    section = html.split('id="strengths"', 1)[1].split("</section>", 1)[0]
    assert (
        '<li class="chip">patient</li>' in section and '<li class="chip">good cook</li>' in section
    )
    assert f'<p class="in-her-words">{HER_WORDS}</p>' in section
    assert "She wrote it herself" in section and "Written down by alice_socialworker" in section
    assert "In a few words (for example: patient, good cook, speaks three languages)" in section
    assert reverse("lifeplan_strength_new", args=[eve_file.pk]) in section
    # its fields do not share ids with the goal form on the same page
    assert 'for="strength_tags"' in section and 'id="strength_words"' in section


def test_the_plan_page_costs_the_same_queries_for_one_or_five_strengths(
    alice_socialworker, eve_participant, eve_file
):
    alice = client_for(alice_socialworker)
    url = plan_url(eve_file)
    strength_add(actor=alice_socialworker, participant=eve_file, tags="a", words="b")
    alice.get(url)
    one = _queries(alice, url)
    for n in range(4):
        actor = eve_participant if n % 2 else alice_socialworker
        strength_add(actor=actor, participant=eve_file, tags=f"tag {n}", words=f"words {n}")
    assert _queries(alice, url) == one


def test_her_strengths_page_costs_the_same_queries_for_one_or_five(eve_participant, eve_file):
    eve = client_for(eve_participant)
    url = reverse("portal_strengths")
    strength_add(actor=eve_participant, participant=eve_file, tags="a", words="b")
    eve.get(url)
    one = _queries(eve, url)
    for n in range(4):
        strength_add(actor=eve_participant, participant=eve_file, tags=f"t{n}", words=f"w{n}")
    assert _queries(eve, url) == one
    assert get(eve, url).content.decode().count('class="portal-goal portal-strength"') == 5


def test_her_home_links_to_what_she_is_good_at(eve_participant, eve_file):
    html = get(client_for(eve_participant), reverse("portal_home")).content.decode()
    do = html.split("What do you want to do?", 1)[1]
    assert f'href="{reverse("portal_strengths")}"' in do and "What I am good at" in do
