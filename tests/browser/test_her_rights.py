"""Dana, a coordinator working with Eve, anonymises Eve's file at her request: she reads
what goes and what stays, gives her password again, types the file reference, and lands on
the retention calendar. A first try with a wrong reference keeps what she typed. Every
page is axe-clean; the confirmation page reads on a 360 px phone."""

import re

import pytest

from tests.browser.test_case_work import sign_in
from tests.conftest import PLANTED

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture reports it, as a skip or a failure
    expect = None

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def dana_works_with_eve(dana_coordinator, eve_file):
    from cases.models import Assignment

    Assignment.objects.create(participant=eve_file, worker=dana_coordinator, kind="support")
    return eve_file


def test_dana_anonymises_eves_file_after_her_password_and_the_reference(
    dana_coordinator, dana_works_with_eve, password, live_server, page, axe_check
):
    from cases.models import Participant

    eve_file = dana_works_with_eve
    sign_in(page, live_server, dana_coordinator, password, axe_check)
    page.goto(f"{live_server.url}/people/{eve_file.pk}/")
    panel = page.get_by_role("region", name="Her data")
    expect(panel).to_be_visible()
    axe_check(page)

    panel.get_by_role("link", name="Anonymise her file").click()
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name=re.compile("Confirm", re.I)).click()

    expect(page.get_by_role("heading", name="What is destroyed")).to_be_visible()
    axe_check(page)
    page.get_by_label("She asked for her file to be erased").check()
    page.get_by_label("To confirm, type the file reference").fill("SS-2026-9999")
    page.get_by_role("button", name="Anonymise her file").click()
    expect(page.get_by_text("This is not the reference of this file")).to_be_visible()
    expect(page.get_by_label("To confirm, type the file reference")).to_have_value("SS-2026-9999")
    axe_check(page)

    page.set_viewport_size({"width": 360, "height": 740})
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= 360, f"the page scrolls sideways on a phone ({scroll} px)"
    page.get_by_label("To confirm, type the file reference").fill(eve_file.reference)
    page.get_by_role("button", name="Anonymise her file").click()

    expect(page).to_have_url(re.compile(r"/people/retention/"))
    expect(page.get_by_text("What it held about her is gone")).to_be_visible()
    axe_check(page)
    assert PLANTED["known_as"] not in page.content()
    assert Participant.objects.get(pk=eve_file.pk).anonymised_at is not None
