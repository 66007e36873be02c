"""Her peer worker builds her life plan with her, at one screen on a phone, in real Chromium."""

import os

import pytest

from tests.browser.test_case_work import sign_in
from tests.conftest import PLANTED

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture reports it, as a skip or a failure
    expect = None

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GOAL = "Apprendre à conduire pour aller travailler"
STEP = "S'inscrire à l'auto-école"


def test_her_peer_worker_proposes_a_goal_records_her_agreement_and_ticks_a_step_at_360_px(
    bea_peerworker, eve_file, password, live_server, new_page, axe_check
):
    page = new_page(phone=True)
    sign_in(page, live_server, bea_peerworker, password, axe_check)
    page.get_by_role("link", name=PLANTED["known_as"]).first.click()
    page.get_by_role("link", name="Open her life plan").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(PLANTED["known_as"])
    axe_check(page)

    page.get_by_label("The goal, in her words").fill(GOAL)
    page.get_by_label("When").select_option("medium")
    page.get_by_label("Domain").select_option("integration")
    page.get_by_role("button", name="Add the goal").click()
    goal = page.locator("article.goal").filter(has_text=GOAL)
    expect(goal.get_by_text("A proposal: it counts once she agrees.")).to_be_visible()

    goal.get_by_label("She agrees: she is here with me").check()
    goal.get_by_role("button", name="Record her agreement").click()
    goal = page.locator("article.goal").filter(has_text=GOAL)
    expect(goal.get_by_text("A proposal")).to_have_count(0)

    goal.get_by_role("link", name="Add a step").click()
    page.get_by_label("The step").fill(STEP)
    page.get_by_role("button", name="Save").click()
    goal = page.locator("article.goal").filter(has_text=GOAL)
    expect(goal.get_by_text("Steps: 0 of 1 done")).to_be_visible()
    goal.get_by_role("button", name="Done").click()
    goal = page.locator("article.goal").filter(has_text=GOAL)
    expect(goal.get_by_text("Steps: 1 of 1 done")).to_be_visible()

    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    axe_check(page)
    artefacts = os.environ.get("SAFESPACE_ARTEFACTS")
    if artefacts:
        page.screenshot(path=os.path.join(artefacts, "lifeplan-staff-360.png"), full_page=True)
