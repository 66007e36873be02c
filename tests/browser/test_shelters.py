"""Alice gives Eve a free bed from her file; then, for another woman, the same bed the same
night is refused with a clear message next to the bed field. The house is named, never
located."""

import os
import re
from pathlib import Path

import pytest

from tests.browser.test_case_work import section, sign_in
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

ARTEFACTS = Path(os.environ.get("SAFESPACE_ARTEFACTS_DIR", Path(__file__).parents[2] / "var"))
ADDRESS = "Planted address: 12 rue des Lilas"
BED = "Les Tilleuls · Chambre 1 · Lit A"


@pytest.fixture
def house(db):
    from shelters.models import Bed, Room, Shelter

    shelter = Shelter.objects.create(name="Les Tilleuls", kind="emergency", address=ADDRESS)
    room = Room.objects.create(shelter=shelter, name="Chambre 1")
    return [Bed.objects.create(room=room, label=label) for label in ("Lit A", "Lit B")]


@pytest.fixture
def maria_file(alice_socialworker):
    """A second woman Alice is key worker of."""
    from cases.models import Assignment, Participant

    maria = Participant.objects.create(reference="SS-2026-0101", known_as="Maria")
    Assignment.objects.create(
        participant=maria, worker=alice_socialworker, kind=Assignment.Kind.KEY_WORKER
    )
    return maria


def open_file_of(page, name, axe_check):
    page.get_by_role("link", name=name, exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    axe_check(page)


def test_alice_admits_eve_to_a_free_bed_and_the_same_bed_is_refused_for_maria(
    alice_socialworker, eve_file, maria_file, house, password, live_server, page, axe_check
):
    from shelters.models import Stay

    sign_in(page, live_server, alice_socialworker, password, axe_check)
    open_file_of(page, PLANTED["known_as"], axe_check)
    housing = section(page, "Housing")
    expect(housing.get_by_text("She has no place in a house at the moment.")).to_be_visible()

    housing.get_by_role("link", name="Give her a place").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Give her a place")
    axe_check(page)
    page.get_by_label("Bed").select_option(label=f"{BED} (free tonight)")
    page.get_by_role("button", name="Give her this place").click()

    expect(page).to_have_url(re.compile(r"/people/\d+/#housing$"))
    expect(page.get_by_role("status")).to_contain_text("She has a place from")
    housing = section(page, "Housing")
    expect(housing).to_contain_text("Her place now")
    expect(housing).to_contain_text("Les Tilleuls")
    expect(housing).to_contain_text("Chambre 1 · Lit A")
    axe_check(page)
    assert ADDRESS not in page.content()
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "housing-section.png"), full_page=True)

    # Maria, the same bed, the same night: refused, next to the bed field
    page.goto(live_server.url + "/")
    open_file_of(page, "Maria", axe_check)
    section(page, "Housing").get_by_role("link", name="Give her a place").click()
    bed = page.get_by_label("Bed")
    bed.select_option(label=f"{BED} (taken tonight)")
    page.get_by_role("button", name="Give her this place").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Give her a place")
    bed = page.get_by_label("Bed")
    error = page.locator("#id_bed_error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("This bed is already taken on one of these nights.")
    expect(page.locator(".field", has=bed).locator("#id_bed_error")).to_have_count(1)
    expect(bed).to_have_attribute("aria-invalid", "true")
    expect(bed).to_have_accessible_description(re.compile("already taken"))
    # what she chose is still chosen
    expect(bed.locator("option:checked")).to_have_text(f"{BED} (taken tonight)")
    axe_check(page)
    assert ADDRESS not in page.content()
    page.screenshot(path=str(ARTEFACTS / "housing-bed-taken.png"), full_page=True)

    assert list(Stay.objects.values_list("participant__known_as", flat=True)) == [
        PLANTED["known_as"]
    ]
