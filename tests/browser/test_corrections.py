"""Eve asks for a correction on a 360 px phone, with the keyboard too, and reads the answer."""

import os
from pathlib import Path

import pytest

from cases.models import Assignment, Participant
from lifeplans.models import CorrectionRequest
from lifeplans.services import correction_answer
from tests.browser.test_portal import fits, small_targets

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture reports it, as a skip or a failure
    expect = None

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTEFACTS = Path(os.environ.get("SAFESPACE_ARTEFACTS_DIR", Path(__file__).parents[2] / "var"))
LABEL = "What is wrong, and what should it say?"


def test_eve_asks_for_a_correction_on_her_phone_and_reads_the_answer(
    eve_participant, alice_socialworker, password, live_server, new_page, axe_check
):
    participant = Participant.objects.create(reference="SS-2026-0042", account=eve_participant)
    Assignment.objects.create(
        participant=participant, worker=alice_socialworker, kind=Assignment.Kind.KEY_WORKER
    )
    page = new_page(phone=True)
    page.goto(live_server.url + "/accounts/login/")
    page.locator("#id_login").fill(eve_participant.username)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Ask for a correction").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask for a correction")
    axe_check(page)
    assert fits(page)
    assert small_targets(page) == []

    # too long: the message sits by the field, and every word she typed is still there
    typed = "My name is Amina, not Anna. " * 80
    page.get_by_label(LABEL).fill(typed)
    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_role("alert")).to_contain_text("Please check what you wrote")
    expect(page.get_by_text("Please make it shorter")).to_be_visible()
    assert page.get_by_label(LABEL).input_value() == typed
    axe_check(page)
    assert fits(page)

    # with the keyboard only: the link in the alert leads to the field
    page.get_by_role("link", name="Please check what you wrote, below.").focus()
    page.keyboard.press("Enter")
    page.get_by_label(LABEL).fill("My name is Amina, not Anna.")
    page.get_by_label(LABEL).press("Tab")
    page.keyboard.press("Enter")  # the send button has the focus
    expect(page.get_by_text("Your request is sent.")).to_be_visible()
    expect(page.get_by_text("Waiting for an answer")).to_be_visible()
    assert fits(page)

    correction_answer(
        actor=alice_socialworker,
        correction=CorrectionRequest.objects.get(),
        answer="I corrected your name in your file.",
    )
    page.reload()
    expect(page.get_by_text("I corrected your name in your file.")).to_be_visible()
    axe_check(page)
    assert fits(page)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "her-corrections-360px.png"), full_page=True)
