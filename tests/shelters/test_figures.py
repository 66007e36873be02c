"""Period figures on the houses, on a small hand-made month whose numbers are written out."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Participant
from shelters.figures import shelter_figures
from shelters.models import Bed, Room, Shelter
from shelters.services import stay_begin, stay_end, stay_move

pytestmark = pytest.mark.django_db

JANUARY = {"start": date(2026, 1, 1), "end": date(2026, 1, 31)}
AFTER_JANUARY = date(2026, 2, 15)
ADDRESS = "Planted address: 12 rue des Lilas"


def d(month, day, year=2026):
    return date(year, month, day)


@pytest.fixture
def month(alice_socialworker):
    """Two houses and six women, around January 2026 (31 nights).

    Les Acacias (emergency): beds 1 and 2 in use, bed 3 not. Les Bouleaux (transition): bed 1.

    - Ana    Acacias 1, Dec 20 -> Jan 10, family: crosses the start (9 nights in January,
             21 nights in all).
    - Binta  Acacias 2, from Jan 25, planned until Mar 1: crosses the end (7 nights).
    - Chiara Acacias 1 Jan 12, moved to Bouleaux 1 on Jan 20, left Jan 28 for her own
             housing: a chain of moves, 8 + 8 nights, ONE stay of 16 nights.
    - Dounia Acacias 2, Dec 1 -> Dec 31: before the period, not counted.
    - Elif   Bouleaux 1, Jan 29 -> Feb 1 (returned): 3 nights in January; she left after it.
    - Farah  Acacias 2 Jan 2, to bed 1 of the same house on Jan 10, left Jan 12 to another
             service: 8 + 2 nights, one stay of 10 nights.
    """
    alice = alice_socialworker
    acacias = Shelter.objects.create(name="Les Acacias", kind="emergency", address=ADDRESS)
    bouleaux = Shelter.objects.create(name="Les Bouleaux", kind="transition", address=ADDRESS)
    room_a = Room.objects.create(shelter=acacias, name="1")
    a1, a2 = (Bed.objects.create(room=room_a, label=f"A{n}") for n in (1, 2))
    Bed.objects.create(room=room_a, label="A3", active=False)
    b1 = Bed.objects.create(room=Room.objects.create(shelter=bouleaux, name="1"), label="B1")
    women = {
        name: Participant.objects.create(reference=f"SS-2026-{n:04d}", known_as=name)
        for n, name in enumerate(["Ana", "Binta", "Chiara", "Dounia", "Elif", "Farah"], 1)
    }

    def stay(name, bed, starts_on, expected_end_on):
        return stay_begin(
            actor=alice,
            participant=women[name],
            bed=bed,
            starts_on=starts_on,
            expected_end_on=expected_end_on,
        )

    def end(a_stay, ended_on, destination):
        stay_end(actor=alice, stay=a_stay, ended_on=ended_on, exit_destination=destination)

    end(stay("Ana", a1, d(12, 20, 2025), d(1, 10)), d(1, 10), "family")
    stay("Binta", a2, d(1, 25), d(3, 1))
    chiara = stay_move(
        actor=alice, stay=stay("Chiara", a1, d(1, 12), d(1, 28)), bed=b1, moved_on=d(1, 20)
    )
    end(chiara, d(1, 28), "own_housing")
    end(stay("Dounia", a2, d(12, 1, 2025), d(12, 31, 2025)), d(12, 31, 2025), "family")
    end(stay("Elif", b1, d(1, 29), d(2, 1)), d(2, 1), "returned")
    farah = stay_move(
        actor=alice, stay=stay("Farah", a2, d(1, 2), d(1, 12)), bed=a1, moved_on=d(1, 10)
    )
    end(farah, d(1, 12), "other_service")
    return {"acacias": acacias, "bouleaux": bouleaux}


def _by_name(period):
    return {house.name: house for house in period.houses}


def test_the_figures_of_a_month_per_house_and_in_total(month):
    period = shelter_figures(**JANUARY, today=AFTER_JANUARY)
    assert period.days == 31 and period.until == d(1, 31)
    acacias, bouleaux = _by_name(period)["Les Acacias"], _by_name(period)["Les Bouleaux"]

    # Ana, Binta, Chiara (her part here), Farah (one stay across two beds)
    assert acacias.stays == 4 and acacias.people == 4
    # Chiara (arrived from another house), Elif
    assert bouleaux.stays == 2 and bouleaux.people == 2
    # Ana, Binta, Chiara's chain, Elif, Farah: each once; Dounia left before January
    assert period.total.stays == 5 and period.total.people == 5

    # Ana 9, Binta 7, Chiara 8, Farah 8 + 2 | Chiara 8, Elif 3
    assert (acacias.nights, bouleaux.nights, period.total.nights) == (34, 11, 45)
    assert (acacias.beds, bouleaux.beds, period.total.beds) == (2, 1, 3)  # bed A3 not in use
    assert acacias.occupancy == pytest.approx(34 / 62)  # 54.8 %
    assert bouleaux.occupancy == pytest.approx(11 / 31)  # 35.5 %
    assert period.total.occupancy == pytest.approx(45 / 93)  # 48.4 %

    # left in January: Ana (21 nights) and Farah (10) from Les Acacias, Chiara (16, her
    # whole chain) from Les Bouleaux; Elif left on Feb 1, Chiara's move is no departure
    assert (acacias.departures, bouleaux.departures, period.total.departures) == (2, 1, 3)
    assert (acacias.average_nights, acacias.median_nights) == (15.5, 15.5)
    assert (bouleaux.average_nights, bouleaux.median_nights) == (16, 16)
    assert period.total.average_nights == pytest.approx(47 / 3)
    assert period.total.median_nights == 16
    assert acacias.destinations == {
        "family": 1,
        "own_housing": 0,
        "transition": 0,
        "other_service": 1,
        "returned": 0,
        "unknown": 0,
    }
    assert bouleaux.destinations["own_housing"] == 1 and sum(bouleaux.destinations.values()) == 1
    assert period.total.destinations == {
        "family": 1,
        "own_housing": 1,
        "transition": 0,
        "other_service": 1,
        "returned": 0,
        "unknown": 0,
    }


def test_figures_for_some_houses_count_a_chain_from_elsewhere_once_and_whole(month):
    period = shelter_figures(**JANUARY, shelters=[month["bouleaux"]], today=AFTER_JANUARY)
    assert [house.name for house in period.houses] == ["Les Bouleaux"]
    total = period.total
    assert (total.stays, total.people, total.nights, total.beds) == (2, 2, 11, 1)
    # Chiara's stay runs from her arrival at Les Acacias
    assert (total.departures, total.average_nights) == (1, 16)


def test_a_period_of_one_day_at_the_edges(month):
    # the night of Jan 10: Farah's first night in bed A1, the morning Ana left
    period = shelter_figures(start=d(1, 10), end=d(1, 10), today=AFTER_JANUARY)
    acacias = _by_name(period)["Les Acacias"]
    assert (acacias.stays, acacias.people, acacias.nights) == (1, 1, 1)
    assert acacias.departures == 1 and acacias.destinations["family"] == 1  # Ana, that morning
    assert acacias.occupancy == pytest.approx(1 / 2)


def test_planned_nights_after_today_are_not_provided_yet(alice_socialworker):
    today = timezone.localdate()
    shelter = Shelter.objects.create(name="Les Cèdres", kind="emergency", address=ADDRESS)
    bed = Bed.objects.create(room=Room.objects.create(shelter=shelter, name="1"), label="1")
    her = Participant.objects.create(reference="SS-2026-0099", known_as="Gloria")
    stay_begin(
        actor=alice_socialworker,
        participant=her,
        bed=bed,
        starts_on=today - timedelta(days=3),
        expected_end_on=today + timedelta(days=10),
    )
    period = shelter_figures(start=today - timedelta(days=5), end=today + timedelta(days=20))
    assert period.until == today and period.days == 6
    assert period.total.nights == 4  # three nights before tonight, and tonight
    assert period.total.occupancy == pytest.approx(4 / 6)
    assert period.total.stays == 1 and period.total.departures == 0
    assert period.total.average_nights is None


def test_the_figures_take_seven_queries_whatever_the_data(
    month, alice_socialworker, django_assert_num_queries
):
    with django_assert_num_queries(7):
        shelter_figures(**JANUARY, today=AFTER_JANUARY)
    with django_assert_num_queries(7):
        shelter_figures(start=d(6, 1, 2020), end=d(6, 30, 2020), today=AFTER_JANUARY)


def test_the_address_is_never_loaded(month, django_assert_num_queries):
    with django_assert_num_queries(7) as queries:
        shelter_figures(**JANUARY, today=AFTER_JANUARY)
    assert not any('"address"' in query["sql"] for query in queries.captured_queries)


# --- The coordinator's page -----------------------------------------------------------


def _get(user, language="en", **params):
    client = Client()
    client.force_login(user)
    return client.get(reverse("shelter_figures"), params, HTTP_ACCEPT_LANGUAGE=language)


def test_the_page_shows_a_row_per_house_and_the_total_never_a_name_or_an_address(
    month, dana_coordinator
):
    response = _get(dana_coordinator, start="2026-01-01", end="2026-01-31")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Les Acacias" in html and "Les Bouleaux" in html and "All houses" in html
    assert "54.8%" in html and "48.4%" in html and "15.7" in html
    for name in ("Ana", "Binta", "Chiara", "Elif", "Farah"):
        assert f">{name}<" not in html and f" {name} " not in html
    assert ADDRESS not in html and "rue des Lilas" not in html


def test_numbers_follow_the_users_language(month, dana_coordinator):
    html = _get(dana_coordinator, "fr", start="2026-01-01", end="2026-01-31").content.decode()
    assert "54,8" in html and "15,7" in html


def test_the_default_period_is_this_year_to_date(dana_coordinator):
    html = _get(dana_coordinator).content.decode()
    today = timezone.localdate()
    assert f'value="{date(today.year, 1, 1).isoformat()}"' in html
    assert f'value="{today.isoformat()}"' in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-13-45"}, "Enter a date, for example 2026-01-01."),
        ({"start": "yesterday"}, "Enter a date, for example 2026-01-01."),
        ({"end": "31/01/2026x"}, "Enter a date, for example 2026-12-31."),
        ({"start": "2026-02-01", "end": "2026-01-01"}, "This date is before the start date."),
        ({"start": "0999-01-01"}, "Please check the year."),
    ],
)
def test_a_bad_date_is_explained_next_to_the_field(dana_coordinator, params, message):
    response = _get(dana_coordinator, **params)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and "All houses" not in html


def test_only_coordinators_see_the_figures(alice_socialworker):
    assert _get(alice_socialworker).status_code == 403


def test_a_period_still_to_come_counts_nothing_and_says_why(month, dana_coordinator):
    period = shelter_figures(start=d(1, 1, 2099), end=d(12, 31, 2099))
    assert period.days == 0 and period.total.nights == 0 and period.total.stays == 0
    assert period.total.occupancy is None
    html = _get(dana_coordinator, start="2099-01-01", end="2099-12-31").content.decode()
    assert "Counted up to today" in html and "All houses" in html


def test_occupancy_counts_the_nights_of_a_bed_taken_out_of_use_since(alice_socialworker):
    house = Shelter.objects.create(name="Les Charmes", kind="emergency", address=ADDRESS)
    room = Room.objects.create(shelter=house, name="1")
    beds = [Bed.objects.create(room=room, label=f"C{n}") for n in (1, 2)]
    for n, bed in enumerate(beds, 1):
        woman = Participant.objects.create(reference=f"SS-9{n}", known_as="W")
        stay_begin(actor=alice_socialworker, bed=bed, participant=woman,
                   starts_on=d(1, 1), expected_end_on=d(1, 11))  # fmt: skip
    Bed.objects.filter(pk=beds[1].pk).update(active=False)
    figures = shelter_figures(start=d(1, 1), end=d(1, 10), today=d(2, 1))
    # 20 nights provided; capacity: one bed in use today x 10 nights + 10 nights in the other
    assert figures.total.nights == 20 and figures.total.occupancy == 1.0
