"""Journeys through a real Chromium: signing in, the emergency exit, keyboard and phone use."""

import re

import pytest
from django.conf import settings

from safespace.roles import Role
from tests.factories import current_totp_code

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture reports it, as a skip or a failure
    expect = None

pytestmark = [
    pytest.mark.browser,
    # the live server runs in another thread and only sees committed data
    pytest.mark.django_db(transaction=True),
]

HOME_HEADINGS = {
    Role.COORDINATOR: "Coordination",
    Role.SOCIAL_WORKER: "My caseload",
    Role.PEER_WORKER: "My peer support",
    Role.VOLUNTEER: "Drop-in",
    Role.PARTICIPANT: "My space",
}
LOGIN_PATH = "/accounts/login/"
MFA_PATH = "/accounts/2fa/authenticate/"
EXIT_NAME = "Emergency exit: leave this page now"


def submit_login_form(page, username, password):
    """Fill in and send the login form; return the server's answer to the POST."""
    page.locator("#id_login").fill(username)
    page.locator("#id_password").fill(password)
    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        page.get_by_role("button", name="Sign in").click()
    return posted.value


def answer_mfa_step(page, live_server, user, axe_check=None):
    """Staff are asked for their authenticator code after the password."""
    if not page.url.startswith(live_server.url + MFA_PATH):
        return
    if axe_check is not None:
        axe_check(page)
    page.locator("#id_code").fill(current_totp_code(user))
    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        page.locator("main form.panel button[type=submit]").click()
    assert posted.value.status == 302, f"the MFA form answered {posted.value.status}"


def assert_signed_in(page, live_server, posted, user, axe_check=None):
    # a 403 here (CSRF) would otherwise only show up as a wrong URL after a timeout
    assert posted.status == 302, f"the login form answered {posted.status}, not a redirect"
    page.wait_for_load_state()
    answer_mfa_step(page, live_server, user, axe_check)
    expect(page).to_have_url(live_server.url + "/")


def sign_in(page, live_server, user, password):
    page.goto(live_server.url + LOGIN_PATH)
    assert_signed_in(page, live_server, submit_login_form(page, user.username, password), user)


def expect_neutral_page(page):
    expect(page).to_have_url(re.compile("^" + re.escape(settings.SAFESPACE_EXIT_URL)))
    expect(page.get_by_text("Neutral weather page")).to_be_visible()


@pytest.mark.parametrize("role", list(Role), ids=[role.value for role in Role])
def test_each_role_signs_in_and_lands_on_her_home_page(
    role, cast, password, live_server, page, axe_check
):
    """Every role signs in through the form and lands on her own, accessible home page."""
    page.goto(live_server.url + LOGIN_PATH)
    axe_check(page)

    posted = submit_login_form(page, cast[role].username, password)

    assert_signed_in(page, live_server, posted, cast[role], axe_check)
    expect(page.get_by_role("heading", level=1)).to_have_text(HOME_HEADINGS[role])
    axe_check(page)


def test_participant_home_page_fits_a_360_px_phone(
    eve_participant, password, live_server, new_page
):
    """On a small phone nothing scrolls sideways and Exit and Sign out stay in view."""
    page = new_page(phone=True)
    sign_in(page, live_server, eve_participant, password)

    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    expect(page.get_by_role("link", name=EXIT_NAME)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_exit_button_leaves_for_the_neutral_site_and_back_does_not_return(
    eve_participant, password, live_server, page
):
    """The Exit button replaces the page with the neutral site; Back cannot bring it back."""
    sign_in(page, live_server, eve_participant, password)
    # In a fresh tab "My space" is the only Safespace entry in the history, so
    # Back can only reach Safespace if the exit pushed an entry instead of
    # replacing it. (The login page stays in the first tab's history.)
    tab = page.context.new_page()
    page.close()
    tab.goto(live_server.url + "/")
    expect(tab.get_by_role("heading", level=1)).to_have_text("My space")

    tab.get_by_role("link", name=EXIT_NAME).click()
    expect_neutral_page(tab)

    tab.go_back()
    assert not tab.url.startswith(live_server.url)
    expect(tab.get_by_text("My space")).to_have_count(0)


def test_pressing_shift_three_times_leaves_for_the_neutral_site(
    eve_participant, password, live_server, page
):
    """Three quick presses of Shift do what the Exit button does."""
    sign_in(page, live_server, eve_participant, password)
    # the shortcut is wired up by a deferred script, not by the HTML itself
    page.wait_for_load_state()

    for _ in range(3):
        page.keyboard.press("Shift")

    expect_neutral_page(page)


def test_in_her_space_escape_leaves_for_the_neutral_site(
    eve_participant, password, live_server, page
):
    """On her phone or a shared computer, one press of Escape is enough to leave."""
    sign_in(page, live_server, eve_participant, password)
    page.wait_for_load_state()

    page.keyboard.press("Escape")

    expect_neutral_page(page)


def test_on_staff_pages_escape_stays_put(alice_socialworker, password, live_server, page):
    """Staff press Escape to close lists and pickers: only her space leaves on Escape."""
    sign_in(page, live_server, alice_socialworker, password)
    page.wait_for_load_state()
    here = page.url

    page.keyboard.press("Escape")
    page.wait_for_timeout(300)

    assert page.url == here


def test_first_tab_reaches_the_skip_link_which_moves_focus_to_main(live_server, page):
    """Keyboard users can jump straight past the header to the main content."""
    page.goto(live_server.url + LOGIN_PATH)

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()

    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_wrong_password_keeps_the_username_and_says_what_went_wrong(
    eve_participant, live_server, page, axe_check
):
    """A wrong password is an accessible form error, not a crash, and the username stays."""
    page.goto(live_server.url + LOGIN_PATH)

    posted = submit_login_form(page, eve_participant.username, "not-her-password")

    assert posted.status == 200
    expect(page.locator("#id_login")).to_have_value(eve_participant.username)
    expect(page.get_by_role("alert")).to_contain_text("not correct")
    axe_check(page)


def test_signing_out_returns_to_the_login_page_and_closes_the_session(
    dana_coordinator, password, live_server, page
):
    """Sign out leads back to the login page, and the home page then asks to sign in again."""
    sign_in(page, live_server, dana_coordinator, password)

    page.get_by_role("navigation", name="Main").get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(live_server.url + LOGIN_PATH)

    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile("^" + re.escape(live_server.url + LOGIN_PATH)))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


def test_a_coordinator_invites_a_participant_who_sets_her_own_password_from_the_qr_link(
    dana_coordinator, password, live_server, page, new_page, axe_check
):
    """The invitation round trip: create her account, hand over the code, she picks a password."""
    sign_in(page, live_server, dana_coordinator, password)
    page.get_by_role("link", name="Accounts").click()
    axe_check(page)
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Username").fill("lune")
    page.get_by_label("Role").select_option("participant")
    axe_check(page)
    page.get_by_role("button", name="Create and get the invitation").click()
    code = page.locator(".invitation-code").inner_text()
    axe_check(page)

    # the QR code opens the welcome page with the code after '#'
    her = new_page(phone=True)
    her.goto(f"{live_server.url}/welcome/#{code}")
    expect(her.get_by_label("Invitation code")).to_have_value(code)
    assert "#" not in her.url  # the code left the address bar and history
    axe_check(her)
    her.get_by_label("Choose a password").fill("a-long-new-password-42")
    her.get_by_label("Type the same password again").fill("a-long-new-password-42")
    her.get_by_role("button", name="Set my password").click()
    expect(her).to_have_url(live_server.url + "/")
    expect(her.get_by_role("heading", level=1)).to_have_text("My space")


def test_her_key_worker_opens_her_file_from_the_caseload_and_a_peer_worker_sees_less(
    alice_socialworker, bea_peerworker, eve_file, password, live_server, page, new_page, axe_check
):
    """The file page is accessible, and tells a peer worker why details are withheld."""
    sign_in(page, live_server, alice_socialworker, password)
    axe_check(page)
    page.get_by_role("link", name="Soleil").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Soleil")
    expect(page.get_by_text("Marguerite Planted-Legalname")).to_be_visible()
    axe_check(page)

    phone = new_page(phone=True)
    sign_in(phone, live_server, bea_peerworker, password)
    phone.get_by_role("link", name="Soleil").click()
    expect(phone.get_by_text("Only her key worker can see contact details.")).to_be_visible()
    assert "Marguerite" not in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    axe_check(phone)


def test_a_social_worker_finds_her_by_typing_the_first_letters(
    alice_socialworker, eve_file, password, live_server, page, axe_check
):
    """Typing a few letters lists matching files at once (htmx), and the URL never holds them."""
    sign_in(page, live_server, alice_socialworker, password)
    page.get_by_role("link", name="Find a person").click()
    page.get_by_label("Find a person").press_sequentially("sol", delay=30)
    expect(page.locator("#search-results").get_by_role("link", name="Soleil")).to_be_visible()
    assert "sol" not in page.url.lower()
    axe_check(page)
