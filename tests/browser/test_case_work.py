"""A social worker's busy day in a real Chromium: her file, notes, consent and referral."""

import re

import pytest
from django.utils import timezone

from tests.browser.test_journeys import assert_signed_in, submit_login_form
from tests.conftest import PLANTED

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture reports it, as a skip or a failure
    expect = None

pytestmark = [
    pytest.mark.browser,
    # the live server runs in another thread and only sees committed data
    pytest.mark.django_db(transaction=True),
]

PARTNER_NAME = "Clinique juridique des femmes"
EMAIL = "soleil.planted@example.org"
NOTE_TEXT = "Phoned her about the housing appointment; she will bring her papers on Monday."


def sign_in(page, live_server, user, password, axe_check):
    page.goto(live_server.url + "/accounts/login/")
    posted = submit_login_form(page, user.username, password)
    assert_signed_in(page, live_server, posted, user, axe_check)


def open_her_file(page, live_server, user, password, axe_check):
    """Sign in and open Eve's file from the caseload, as a worker does each morning."""
    sign_in(page, live_server, user, password, axe_check)
    page.get_by_role("link", name=PLANTED["known_as"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PLANTED["known_as"])
    axe_check(page)


def section(page, name):
    return page.get_by_role("region", name=name)


@pytest.fixture
def legal_aid(db):
    """A partner of the directory (only coordinators add them, so it is made here)."""
    from cases.models import Partner

    return Partner.objects.create(
        name=PARTNER_NAME, kind=Partner.Kind.LEGAL_AID, contact="Tuesdays 9-12"
    )


@pytest.fixture
def full_file(eve_file, alice_socialworker, legal_aid):
    """Eve's file with a note, a consent to share, a referral and a needs assessment."""
    from cases.models import CaseNote, Consent, DomainNeed, RightsDomain
    from cases.services import case_note_write, consent_record, needs_assess, referral_create

    today = timezone.localdate()
    case_note_write(
        actor=alice_socialworker,
        participant=eve_file,
        kind=CaseNote.Kind.ACCOMPANIMENT,
        confidentiality=CaseNote.Confidentiality.TEAM,
        happened_on=today,
        text=NOTE_TEXT,
    )
    consent_record(
        actor=alice_socialworker,
        participant=eve_file,
        purpose=Consent.Purpose.SHARE_PARTNER,
        partner=legal_aid,
        method=Consent.Method.WRITTEN,
        given_on=today,
    )
    referral_create(actor=alice_socialworker, participant=eve_file, partner=legal_aid)
    needs_assess(
        actor=alice_socialworker,
        participant=eve_file,
        assessed_on=today,
        levels={
            RightsDomain.HOUSING: (DomainNeed.Level.URGENT, "Sleeps at a friend's, week to week."),
            RightsDomain.HEALTH: (DomainNeed.Level.SOME, ""),
        },
    )
    return eve_file


def test_her_phone_stays_hidden_until_her_key_worker_presses_show_and_then_appears_in_place(
    alice_socialworker, eve_file, password, live_server, page, axe_check
):
    """Contact details wait behind a Show button; htmx puts the phone in place, no reload."""
    eve_file.email = EMAIL
    eve_file.save()
    open_her_file(page, live_server, alice_socialworker, password, axe_check)
    assert PLANTED["phone"] not in page.content()
    assert EMAIL not in page.content()
    file_url = page.url
    # a reload would forget this marker
    page.evaluate("window.__sameDocument = true")

    show = page.get_by_role("button", name="Show phone")
    expect(show).to_be_visible()
    with page.expect_response(lambda response: "/reveal/phone/" in response.url) as revealed:
        show.click()

    assert revealed.value.status == 200
    expect(page.locator("#reveal-phone")).to_have_text(PLANTED["phone"])
    expect(page.get_by_text(PLANTED["phone"])).to_be_visible()
    expect(page.get_by_role("button", name="Show phone")).to_have_count(0)
    # the keyboard and a screen reader land on what appeared, not back at the top
    expect(page.locator("#reveal-phone .revealed")).to_be_focused()
    assert page.get_attribute("#reveal-phone", "aria-live") == "polite"
    assert page.evaluate("window.__sameDocument === true")
    assert page.url == file_url
    # only what she asked for is shown, and the asking is recorded
    expect(page.get_by_role("button", name="Show email")).to_be_visible()
    assert EMAIL not in page.content()
    from safespace.models import AuditEntry

    entry = AuditEntry.objects.get(action="participant.contact_revealed")
    assert entry.payload == {"fields": ["phone"]}
    axe_check(page)


def test_her_key_worker_writes_a_case_note_and_reads_it_in_her_file(
    alice_socialworker, eve_file, password, live_server, page, axe_check
):
    """Write a note → type, who can read it, text → save; it is listed under Case notes."""
    open_her_file(page, live_server, alice_socialworker, password, axe_check)
    notes = section(page, "Case notes")
    expect(notes.get_by_text("No notes you can read yet.")).to_be_visible()

    notes.get_by_role("link", name="Write a note").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Write a note")
    axe_check(page)
    page.get_by_label("Type").select_option(label="Phone call")
    page.get_by_role("radio", name="Her key worker only").check()
    page.get_by_role("textbox", name="Note:").fill(NOTE_TEXT)
    page.get_by_role("button", name="Save the note").click()

    expect(page).to_have_url(re.compile(r"/people/\d+/#case-notes$"))
    expect(page.get_by_role("status")).to_contain_text("Your note is saved.")
    notes = section(page, "Case notes")
    note = notes.get_by_role("listitem").filter(has_text=NOTE_TEXT)
    expect(note).to_be_visible()
    expect(note).to_contain_text("Phone call")
    expect(note).to_contain_text("Her key worker only")
    expect(notes.get_by_text("No notes you can read yet.")).to_have_count(0)
    axe_check(page)


def test_a_referral_without_her_consent_is_refused_next_to_the_partner_then_made_once_she_agrees(
    alice_socialworker, eve_file, legal_aid, password, live_server, page, axe_check
):
    """No consent, no referral: the refusal is tied to the Partner field; her consent opens it."""
    open_her_file(page, live_server, alice_socialworker, password, axe_check)
    expect(section(page, "Her referrals").get_by_text("No referral yet.")).to_be_visible()

    section(page, "Her referrals").get_by_role("link", name="Refer her to a partner").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Refer her to a partner")
    axe_check(page)
    partner = page.get_by_label("Partner")
    partner.select_option(label=PARTNER_NAME)
    page.get_by_role("button", name="Record the referral").click()

    # the refusal sits next to the field, and a screen reader reads it with the field
    expect(page.get_by_role("heading", level=1)).to_have_text("Refer her to a partner")
    partner = page.get_by_label("Partner")
    error = page.locator("#id_partner_error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("She has not given her consent to share with this partner")
    expect(page.locator(".field", has=partner).locator("#id_partner_error")).to_have_count(1)
    expect(partner).to_have_attribute("aria-invalid", "true")
    expect(partner).to_have_accessible_description(re.compile("not given her consent"))
    partner.focus()
    expect(partner).to_be_focused()
    axe_check(page)
    from cases.models import Referral

    assert not Referral.objects.filter(participant=eve_file).exists()

    # she agrees: record her answer, then refer again
    page.get_by_role("link", name="Record her consent").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Her consent")
    axe_check(page)
    page.get_by_role("radio", name="Sharing with a named partner").check()
    page.get_by_role("combobox", name="Partner").select_option(label=PARTNER_NAME)
    page.get_by_role("radio", name="Written").check()
    page.get_by_role("button", name="Record her answer").click()

    expect(page).to_have_url(re.compile(r"/people/\d+/#consents$"))
    expect(page.get_by_role("status")).to_contain_text("Her answer is recorded.")
    consents = section(page, "Her consents")
    expect(consents.get_by_text(PARTNER_NAME, exact=True)).to_be_visible()
    expect(consents).to_contain_text("written")
    axe_check(page)

    section(page, "Her referrals").get_by_role("link", name="Refer her to a partner").click()
    page.get_by_label("Partner").select_option(label=PARTNER_NAME)
    page.get_by_role("button", name="Record the referral").click()

    expect(page).to_have_url(re.compile(r"/people/\d+/#referrals$"))
    expect(page.get_by_role("status")).to_contain_text("The referral is recorded.")
    referrals = section(page, "Her referrals")
    referral = referrals.get_by_role("listitem").filter(has_text=PARTNER_NAME)
    expect(referral).to_be_visible()
    expect(referral).to_contain_text("Legal aid")
    expect(referrals.get_by_text("No referral yet.")).to_have_count(0)
    axe_check(page)


def test_her_full_file_fits_a_360_px_phone_without_sideways_scrolling(
    alice_socialworker, full_file, password, live_server, new_page, axe_check
):
    """With a note, a consent, a referral and an assessment, nothing scrolls sideways."""
    page = new_page(phone=True)
    open_her_file(page, live_server, alice_socialworker, password, axe_check)

    expect(section(page, "Case notes").get_by_text(NOTE_TEXT)).to_be_visible()
    expect(section(page, "Her consents").get_by_text(PARTNER_NAME, exact=True)).to_be_visible()
    expect(section(page, "Her referrals").get_by_text(PARTNER_NAME, exact=True)).to_be_visible()
    expect(section(page, "Her needs").get_by_text("Urgent need")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    )
    # the longest open part of the page, the consent history, must fit too
    page.locator(".consent-history summary").click()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    axe_check(page)


def test_the_keyboard_reaches_the_on_this_page_links_and_enter_moves_to_case_notes(
    alice_socialworker, eve_file, password, live_server, page, axe_check
):
    """Tab reaches the section links at the top of her file; Enter on one goes to it."""
    open_her_file(page, live_server, alice_socialworker, password, axe_check)
    on_this_page = page.get_by_role("navigation", name="On this page")
    expect(on_this_page).to_be_visible()
    case_notes = on_this_page.get_by_role("link", name="Case notes")

    first = on_this_page.get_by_role("link").first
    for _ in range(40):
        page.keyboard.press("Tab")
        if first.evaluate("link => link === document.activeElement"):
            break
    else:
        pytest.fail("40 presses of Tab never reached the 'On this page' links")
    expect(first).to_have_text("Her details")
    while not case_notes.evaluate("link => link === document.activeElement"):
        assert on_this_page.evaluate("nav => nav.contains(document.activeElement)"), (
            "Tab left the 'On this page' links before Case notes"
        )
        page.keyboard.press("Tab")
    expect(case_notes).to_be_focused()

    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/people/\d+/#case-notes$"))
    expect(section(page, "Case notes")).to_be_in_viewport()
    axe_check(page)
