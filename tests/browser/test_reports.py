"""Dana prepares last year's report for a funder: she chooses the year, reads the preview
(figures, charts, how each is counted), and downloads the PDF after giving her password
again. Every page is axe-clean, and the preview reads on a 360 px phone."""

import os
import re
from datetime import date
from pathlib import Path

import pytest

from tests.browser.conftest import PHONE
from tests.browser.test_case_work import sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture reports it, as a skip or a failure
    expect = None

pytestmark = [
    pytest.mark.browser,
    # the live server runs in another thread and only sees committed data
    pytest.mark.django_db(transaction=True),
]

ARTEFACTS = Path(os.environ.get("SAFESPACE_ARTEFACTS_DIR", Path(__file__).parents[2] / "var"))
YEAR = date.today().year - 1


@pytest.fixture
def last_year(dana_coordinator):
    """Twelve women came to the drop-in last spring: enough to show, not to hide."""
    from cases.models import Participant
    from dropin.models import OpeningSession, Site, Visit

    session = OpeningSession.objects.create(
        site=Site.objects.create(name="Centre"),
        date=date(YEAR, 4, 7),
        opens_at="10:00",
        closes_at="16:00",
        opened_by=dana_coordinator,
    )
    for number in range(12):
        participant = Participant.objects.create(
            reference=f"SS-{YEAR}-{number + 1:04}",
            known_as=f"Visitor {number}",
            opened_on=date(YEAR, 1, 10),
            birth_year=1990 + number,
        )
        Visit.objects.create(session=session, participant=participant, logged_by=dana_coordinator)


def test_dana_prepares_last_years_report_and_downloads_the_pdf_after_her_password(
    dana_coordinator, last_year, password, live_server, page, axe_check
):
    from reports.models import Report
    from safespace.models import AuditEntry

    sign_in(page, live_server, dana_coordinator, password, axe_check)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Annual report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Annual report")
    axe_check(page)
    page.get_by_label("Year").select_option(str(YEAR))
    page.get_by_role("button", name="Prepare the report").click()

    # tasks run in the request here: the report is ready when its page opens
    expect(page).to_have_url(re.compile(r"/reports/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Report for {YEAR}")
    preview = page.get_by_role("region", name="Preview of the report")
    expect(preview).to_contain_text("People supported")
    expect(preview).to_contain_text("How we count")
    axe_check(page)
    page.screenshot(path=str(ARTEFACTS / "report-preview.png"), full_page=False)

    page.get_by_role("link", name="The report (PDF)").click()
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    axe_check(page)
    page.get_by_label("Password").fill(password)
    with page.expect_download() as download_info:
        page.get_by_role("button", name=re.compile("Confirm", re.I)).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    assert Path(download.path()).read_bytes().startswith(b"%PDF")
    report = Report.objects.get()
    assert AuditEntry.objects.filter(
        action="report.downloaded", target_id=str(report.pk), payload={"format": "pdf"}
    ).exists()

    # the same page on a 360 px phone (a second sign-in would reuse this minute's code)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/reports/{report.pk}/")
    expect(page.get_by_role("region", name="Preview of the report")).to_contain_text(
        "People supported"
    )
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the report page scrolls sideways by {overflow}px on a phone"
    axe_check(page)
    page.screenshot(path=str(ARTEFACTS / "report-preview-360px.png"), full_page=False)
