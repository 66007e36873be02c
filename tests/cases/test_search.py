"""Finding a person by the first letters of her names, her phone or her reference,
without her names ever being stored or searched in clear."""

import re
import unicodedata

import pytest
from django.db import connection
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.models import Assignment, Participant
from safespace.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def helene(alice_socialworker):
    participant = Participant.objects.create(
        reference="SS-2026-0107",
        known_as="Hélène",
        legal_name="Maëlle Dupré-Lefèvre",
        phone="+33 6 12 34 56 78",
    )
    Assignment.objects.create(
        participant=participant, worker=alice_socialworker, kind=Assignment.Kind.KEY_WORKER
    )
    return participant


def found(user, typed):
    return list(Participant.objects.visible_to(user).search(typed))


@pytest.mark.parametrize(
    "typed",
    [
        "hel",
        "HÉLÈNE",
        "  helene ",
        "mae",
        "maelle",
        "dup",
        "lefe",
        "LEFÈVRE",
        "hel dup",
        "dupré mael",
    ],
)
def test_first_letters_of_any_word_of_her_names_find_her(alice_socialworker, helene, typed):
    assert found(alice_socialworker, typed) == [helene]


@pytest.mark.parametrize("typed", ["h", "hex", "lene", "hel xyz", "martin"])
def test_other_letters_do_not(alice_socialworker, helene, typed):
    assert found(alice_socialworker, typed) == []


@pytest.mark.parametrize(
    "typed", ["+33 6 12 34 56 78", "06 12 34 56 78", "0612345678", "33612345678"]
)
def test_her_phone_finds_her_in_any_format(alice_socialworker, helene, typed):
    assert found(alice_socialworker, typed) == [helene]


def test_her_reference_finds_her(alice_socialworker, helene):
    assert found(alice_socialworker, "ss-2026-0107") == [helene]


def test_search_never_reaches_beyond_what_she_may_open(helene):
    stranger = UserFactory(username="other_sw", role=Role.SOCIAL_WORKER)
    assert found(stranger, "hel") == []
    assert found(stranger, "0612345678") == []


def test_the_search_index_holds_no_name_in_clear(helene):
    with connection.cursor() as cursor:
        cursor.execute("SELECT digest FROM cases_searchtoken")
        stored = " ".join(row[0] for row in cursor.fetchall())
    for fragment in ("hel", "mae", "dup", "lef"):
        assert fragment not in stored
    # digits can only be told apart from a digest's hex by its shape: every token is one
    # (a phone number's "5678" turns up by chance in some random digest's hex)
    assert all(re.fullmatch(r"[0-9a-f]{16,128}", token) for token in stored.split())


def test_changing_her_name_updates_the_index(alice_socialworker, helene):
    helene.known_as = "Zoé"
    helene.save()
    assert found(alice_socialworker, "zoe") == [helene]
    assert found(alice_socialworker, "hel") == []
    assert found(alice_socialworker, "mae") == [helene]  # her legal name did not change


def _variants(word):
    """Case, accent and spacing variants of a word, as people type them."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
    return st.tuples(
        st.sampled_from([word, plain]),
        st.sampled_from([str.lower, str.upper, str.title]),
        st.integers(min_value=2, max_value=len(plain)),
        st.sampled_from(["", " ", "  "]),
    ).map(lambda t: t[3] + t[1](t[0][: t[2]]) + t[3])


@settings(
    max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(typed=st.one_of(_variants("Hélène"), _variants("Lefèvre"), _variants("Maëlle")))
def test_any_case_accent_or_spacing_variant_of_a_prefix_finds_her(
    alice_socialworker, helene, typed
):
    assert found(alice_socialworker, typed) == [helene]


def test_the_search_page_works_by_post_so_names_stay_out_of_urls(
    client, alice_socialworker, helene
):
    client.force_login(alice_socialworker)
    url = reverse("participant_search")
    assert "Hélène" not in client.get(url, {"q": "hel"}).content.decode()
    response = client.post(url, {"q": "hel"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Hélène" in html
    assert "<html" not in html  # htmx gets the results fragment only


def test_searching_costs_the_same_queries_for_few_or_many_files(
    client, alice_socialworker, helene, django_assert_num_queries
):
    client.force_login(alice_socialworker)
    url = reverse("participant_search")
    client.post(url, {"q": "hel"})
    with django_assert_num_queries(5) as few:
        client.post(url, {"q": "hel"})
    for n in range(30):
        p = Participant.objects.create(reference=f"SS-2026-2{n:03d}", known_as=f"Helga {n}")
        Assignment.objects.create(participant=p, worker=alice_socialworker, kind="key_worker")
    with django_assert_num_queries(len(few.captured_queries)):
        html = client.post(url, {"q": "hel"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "type more letters" in html
