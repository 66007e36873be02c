"""Her safety plan: for her assigned workers, never for a break-glass reader; encrypted."""

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from cases.services import break_glass_open
from lifeplans.models import SafetyPlan
from safespace.models import AuditEntry

pytestmark = pytest.mark.django_db
PLANTED_CODE = "Planted code word: is the bakery open"


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _save(client, participant, version=0, **data):
    fields = {"strategies": "", "safe_places": "", "trusted_contacts": "", "code_words": ""}
    return client.post(
        reverse("lifeplan_safety", args=[participant.pk]),
        {**fields, **data, "version": version},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_her_peer_worker_writes_her_safety_plan_and_it_is_stored_encrypted(
    bea_peerworker, eve_file
):
    response = _save(_client(bea_peerworker), eve_file, code_words=PLANTED_CODE)
    assert response.status_code == 302
    assert SafetyPlan.objects.get().code_words == PLANTED_CODE
    with connection.cursor() as cursor:
        cursor.execute("SELECT code_words FROM lifeplans_safetyplan")
        assert PLANTED_CODE not in cursor.fetchone()[0]
    entry = AuditEntry.objects.get(action="safety_plan.updated")
    assert entry.payload == {"fields": ["code_words"]}


def test_a_coordinator_who_broke_glass_cannot_read_her_safety_plan(
    alice_socialworker, dana_coordinator, eve_file
):
    _save(_client(alice_socialworker), eve_file, code_words=PLANTED_CODE)
    break_glass_open(user=dana_coordinator, participant=eve_file, reason="Urgent safety call")
    response = _client(dana_coordinator).get(reverse("lifeplan_safety", args=[eve_file.pk]))
    assert response.status_code == 403
    plan_page = _client(dana_coordinator).get(reverse("lifeplan_detail", args=[eve_file.pk]))
    assert PLANTED_CODE not in plan_page.content.decode()


def test_two_workers_saving_at_once_cannot_overwrite_each_other(
    alice_socialworker, bea_peerworker, eve_file
):
    _save(_client(alice_socialworker), eve_file, strategies="First version")
    _save(_client(alice_socialworker), eve_file, version=1, strategies="Alice's second")
    response = _save(_client(bea_peerworker), eve_file, version=1, strategies="Bea's text")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else changed her safety plan" in html and "Bea&#x27;s text" in html
    assert SafetyPlan.objects.get().strategies == "Alice's second"


def test_a_very_long_paste_gets_a_message_and_keeps_the_text(alice_socialworker, eve_file):
    long_text = "🌷 مرحبا <script>x</script> " * 250_000  # about 9 MB
    response = _save(_client(alice_socialworker), eve_file, strategies=long_text)
    assert response.status_code == 200
    assert "At most 5000 characters" in response.content.decode()
    assert not SafetyPlan.objects.exists()


def test_the_page_is_never_cached(alice_socialworker, eve_file):
    response = _client(alice_socialworker).get(reverse("lifeplan_safety", args=[eve_file.pk]))
    assert response["Cache-Control"] == "no-store, private"


# --- She writes her own safety plan ---


def _her_save(client, version=0, **data):
    fields = {"strategies": "", "safe_places": "", "trusted_contacts": "", "code_words": ""}
    return client.post(
        reverse("portal_safety_edit"), {**fields, **data, "version": version},
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip


def test_she_writes_her_own_safety_plan_and_her_workers_see_it(
    eve_participant, alice_socialworker, eve_file
):
    eve = _client(eve_participant)
    page = eve.get(reverse("portal_safety_edit"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "What keeps me safe right now" in page and "People I trust" in page
    assert _her_save(eve, code_words=PLANTED_CODE).status_code == 302
    plan = SafetyPlan.objects.get()
    assert (plan.code_words, plan.updated_by, plan.version) == (PLANTED_CODE, eve_participant, 1)
    entry = AuditEntry.objects.get(action="safety_plan.updated")
    assert entry.payload == {"fields": ["code_words"], "via": "portal"}
    staff_page = _client(alice_socialworker).get(reverse("lifeplan_safety", args=[eve_file.pk]))
    assert PLANTED_CODE in staff_page.content.decode()


def test_an_empty_first_save_creates_no_plan(eve_participant, eve_file):
    assert _her_save(_client(eve_participant)).status_code == 302
    assert not SafetyPlan.objects.exists()
    assert not AuditEntry.objects.filter(action="safety_plan.updated").exists()


def test_when_her_worker_saved_in_between_her_words_stay_on_the_page(
    eve_participant, alice_socialworker, eve_file
):
    _save(_client(alice_socialworker), eve_file, strategies="Keep the phone charged")
    response = _her_save(_client(eve_participant), version=0, strategies="Call my cousin")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your worker changed your plan while you were writing" in html
    assert "Call my cousin" in html
    assert SafetyPlan.objects.get().strategies == "Keep the phone charged"
    # the page now carries the latest version: saving again works
    assert 'name="version" value="1"' in html
    assert (
        _her_save(_client(eve_participant), version=1, strategies="Call my cousin").status_code
        == 302
    )


def test_a_participant_without_a_file_has_no_safety_plan_to_write(mallory):
    assert _client(mallory).get(reverse("portal_safety_edit")).status_code == 404
