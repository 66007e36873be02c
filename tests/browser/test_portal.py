"""Eve's own space on a 360 px phone: she marks a step done, writes in her words, leaves fast."""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from cases.models import Participant
from lifeplans.models import Goal, LifePlan, Step

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture reports it, as a skip or a failure
    expect = None

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXIT_NAME = "Emergency exit: leave this page now"
# kept after the run (git-ignored var/), for people to look at her space as she sees it
ARTEFACTS = Path(os.environ.get("SAFESPACE_ARTEFACTS_DIR", Path(__file__).parents[2] / "var"))


@pytest.fixture
def eve_space(eve_participant, alice_socialworker):
    participant = Participant.objects.create(reference="SS-2026-0042", account=eve_participant)
    plan = LifePlan.objects.create(participant=participant)
    goal = Goal.objects.create(
        plan=plan,
        horizon="short",
        domain="housing",
        words="Find a flat near the school",
        proposed_by="her",
        proposed_by_user=eve_participant,
        status="agreed",
        agreed_on=timezone.localdate(),
    )
    Step.objects.create(
        goal=goal, words="Call the housing office", owner="her", created_by=alice_socialworker
    )
    Goal.objects.create(
        plan=plan,
        horizon="medium",
        domain="integration",
        words="Take French lessons",
        proposed_by="worker",
        proposed_by_user=alice_socialworker,
    )
    return participant


def fits(page):
    page.wait_for_load_state()  # the stylesheet must be in before anything is measured
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def weight_before_images(page):
    """Bytes the phone fetched for this page, images left out: the page, its CSS and JS."""
    return page.evaluate(
        """() => {
            const [nav] = performance.getEntriesByType("navigation");
            const others = performance.getEntriesByType("resource")
                .filter((entry) => entry.initiatorType !== "img");
            return others.reduce((sum, entry) => sum + entry.encodedBodySize, nav.encodedBodySize);
        }"""
    )


def small_targets(page):
    """Buttons, button links and choices of the page that are less than 44 px high."""
    return page.evaluate(
        """() => [...document.querySelectorAll(
                "main button, main a.button, main fieldset label")]
            .filter((el) => el.getBoundingClientRect().height < 44)
            .map((el) => el.textContent.trim())"""
    )


def test_eve_marks_a_step_done_writes_a_reflection_and_leaves_with_the_exit_on_her_phone(
    eve_participant, eve_space, password, live_server, new_page, axe_check
):
    page = new_page(phone=True)
    page.goto(live_server.url + "/accounts/login/")
    page.locator("#id_login").fill(eve_participant.username)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My space")
    expect(page.get_by_text("0 of 1 step done")).to_be_visible()
    assert fits(page)
    assert 10_000 < weight_before_images(page) < 200 * 1024
    assert small_targets(page) == []
    axe_check(page)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "her-space-360px.png"), full_page=True)

    page.get_by_role("button", name="I did it").click()
    expect(page.get_by_text("1 of 1 step done")).to_be_visible()
    expect(page.get_by_role("button", name="Not done yet")).to_be_visible()

    page.get_by_role("button", name="Yes, this is my goal").click()
    expect(page.get_by_role("heading", name="Proposed to you")).to_have_count(0)

    page.get_by_role("link", name="Write how it is going").click()
    assert fits(page)
    axe_check(page)
    page.get_by_label("How is it going? In your words").fill("I called them. I was brave.")
    page.get_by_role("button", name="Save my words").click()
    expect(page.get_by_text("I called them. I was brave.")).to_be_visible()

    page.get_by_role("link", name="Back to my space").click()
    page.get_by_role("link", name="Add a goal").click()
    assert fits(page)
    assert small_targets(page) == []
    axe_check(page)
    page.get_by_label("This year").check()
    page.get_by_label("What is it about?").select_option("health")
    page.get_by_label("Your goal, in your words").fill("Sleep better")
    page.get_by_role("button", name="Save my goal").click()
    expect(page.get_by_text("Sleep better")).to_be_visible()

    page.get_by_role("link", name=EXIT_NAME).click()
    expect(page).to_have_url(re.compile("^" + re.escape(settings.SAFESPACE_EXIT_URL)))


def test_eve_puts_a_photo_on_her_dream_board_and_sees_it_on_her_phone(
    eve_participant, eve_space, password, live_server, new_page, axe_check, tmp_path
):
    from PIL import Image

    photo = tmp_path / "IMG_2041.jpg"
    Image.new("RGB", (1600, 1200), (120, 170, 200)).save(photo, "JPEG")

    page = new_page(phone=True)
    page.goto(live_server.url + "/accounts/login/")
    page.locator("#id_login").fill(eve_participant.username)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My dream board")).to_be_visible()

    page.get_by_role("link", name="Add to my board").click()
    assert fits(page)
    assert small_targets(page) == []
    axe_check(page)
    page.get_by_label("Your wish, in your words").fill("The sea, with my son")
    page.get_by_label("A picture (if you like)").set_input_files(str(photo))
    page.get_by_role("button", name="Put it on my board").click()

    expect(page.get_by_text("It is on your dream board.")).to_be_visible()
    picture = page.get_by_role("img", name="The sea, with my son")
    expect(picture).to_be_visible()
    # the picture really loads, scaled to the phone's width
    assert picture.evaluate("(img) => img.complete && img.naturalWidth") == 1280
    assert fits(page)
    assert 10_000 < weight_before_images(page) < 200 * 1024
    axe_check(page)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "her-dream-board-360px.png"), full_page=True)

    page.get_by_role("link", name="Take off the board").click()
    axe_check(page)
    page.get_by_role("button", name="Yes, take it off").click()
    expect(page.get_by_text("It is off your board.")).to_be_visible()
    expect(page.get_by_role("img")).to_have_count(0)
