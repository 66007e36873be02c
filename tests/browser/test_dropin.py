"""Chloe, a volunteer, opens today's drop-in session and logs three visits with the keyboard
alone: two women she knows by their known-as names, and an anonymous visitor."""

import os
from pathlib import Path

import pytest

from tests.browser.test_case_work import sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture reports it, as a skip or a failure
    expect = None

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTEFACTS = Path(os.environ.get("SAFESPACE_ARTEFACTS_DIR", Path(__file__).parents[2] / "var"))


@pytest.fixture
def drop_in(db):
    from cases.models import Participant
    from dropin.models import Site

    Site.objects.create(name="Belleville")
    Participant.objects.create(reference="SS-2026-0101", known_as="Maria", legal_name="Ana X")
    Participant.objects.create(reference="SS-2026-0102", known_as="Fatou", legal_name="Awa Y")


def settled(page):
    """No htmx request in flight (a slow answer must not land while keys are pressed)."""
    page.wait_for_function("!document.querySelector('.htmx-request')")


def test_chloe_logs_three_visits_with_the_keyboard_alone(
    chloe_volunteer, drop_in, password, live_server, page, axe_check
):
    from dropin.models import Visit

    sign_in(page, live_server, chloe_volunteer, password, axe_check)
    page.get_by_role("link", name="Drop-in").click()
    axe_check(page)
    page.get_by_label("Opens at").fill("14:00")
    page.get_by_label("Closes at").fill("18:00")
    page.get_by_role("button", name="Open the session").click()
    expect(page.get_by_text("The session is open.")).to_be_visible()
    axe_check(page)

    # 1. Maria, two children, a meal: the name box has the focus
    expect(page.get_by_label("Her name (first letters)")).to_be_focused()
    page.keyboard.type("Mar")
    expect(page.get_by_role("radio", name="Maria")).to_be_checked()
    settled(page)
    page.keyboard.press("Tab")  # her name, chosen
    page.keyboard.press("Tab")  # the anonymous details (closed)
    page.keyboard.press("Tab")  # children
    page.keyboard.type("2")
    page.keyboard.press("Tab")  # the first service: a meal or coffee
    page.keyboard.press("Space")
    page.keyboard.press("Enter")
    expect(page.locator(".desk-status")).to_have_text("Visit of Maria logged.")
    expect(page.locator("#visits")).to_contain_text("Meal or coffee")
    expect(page.locator("#visits")).to_contain_text("2 children with her")

    # 2. Fatou, a food parcel; the desk came back empty, with the focus in the name box
    expect(page.get_by_label("Her name (first letters)")).to_have_value("")
    expect(page.get_by_label("Her name (first letters)")).to_be_focused()
    page.keyboard.type("fat")
    expect(page.get_by_role("radio", name="Fatou")).to_be_checked()
    settled(page)
    for _ in range(4):  # her name, the details, children, a meal
        page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # food parcel
    page.keyboard.press("Space")
    page.keyboard.press("Enter")
    expect(page.locator(".desk-status")).to_have_text("Visit of Fatou logged.")

    # 3. An anonymous visitor from Nigeria, 18 to 25, first visit, with a visitor code
    expect(page.get_by_label("Her name (first letters)")).to_be_focused()
    page.keyboard.press("Tab")  # "An anonymous visitor", the only choice
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # open the details
    page.keyboard.press("Tab")
    page.keyboard.type("Nigeria")
    page.keyboard.press("Tab")
    page.keyboard.type("18")
    page.keyboard.press("Tab")  # first visit? "Not known" has the focus
    page.keyboard.press("ArrowDown")  # yes
    page.keyboard.press("Tab")
    page.keyboard.type("rose 12")
    page.keyboard.press("Enter")
    expect(page.locator(".desk-status")).to_have_text("Visit of an anonymous visitor logged.")
    expect(page.locator("#visits")).to_contain_text("3 visits, at least 3 different people")
    expect(page.locator("#visits")).to_contain_text("Nigeria")
    axe_check(page)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "drop-in-desk.png"), full_page=True)

    anonymous = Visit.objects.get(participant__isnull=True)
    assert (anonymous.nationality.code, anonymous.age_band, anonymous.first_visit) == (
        "NG",
        "18_25",
        True,
    )
    assert Visit.objects.filter(participant__reference="SS-2026-0101", children_count=2).exists()
