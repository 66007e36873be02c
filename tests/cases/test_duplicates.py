"""Possible duplicates at intake: the same name and birth year, found without decrypting."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import blind_index
from cases.models import Assignment, Participant, SearchToken
from safespace.models import AuditEntry
from safespace.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def helene(alice_socialworker):
    participant = Participant.objects.create(
        reference="SS-2026-0107",
        known_as="Hélène",
        legal_name="Maëlle Dupré-Lefèvre",
        birth_year=1998,
    )
    Assignment.objects.create(
        participant=participant, worker=alice_socialworker, kind=Assignment.Kind.KEY_WORKER
    )
    return participant


@pytest.fixture
def alice(alice_socialworker):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(alice_socialworker)
    return client


def intake(client, **data):
    return client.post(reverse("participant_new"), data)


def test_full_names_are_indexed_as_keyed_digests_never_in_clear(helene):
    digests = set(helene.search_tokens.values_list("digest", flat=True))
    assert blind_index.digest("fullname", "helene") in digests
    assert blind_index.digest("fullname", "maelle dupre lefevre") in digests
    with connection.cursor() as cursor:
        cursor.execute("SELECT digest FROM cases_searchtoken")
        stored = " ".join(row[0] for row in cursor.fetchall())
    for fragment in ("hel", "mael", "dupre", "lefevre", "Hélène"):
        assert fragment not in stored.lower()


def test_rebuilding_the_search_index_restores_full_name_digests(helene):
    SearchToken.objects.all().delete()
    call_command("rebuild_search_index", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Participant.objects.possible_duplicates(known_as="helene", birth_year=1998).get() == (
        helene
    )


@pytest.mark.parametrize(
    ("known_as", "legal_name"),
    [
        ("HÉLÈNE", ""),
        ("  helene ", ""),
        ("Someone", "maelle dupre-lefevre"),
        ("Someone", "MAËLLE   DUPRÉ LEFÈVRE"),
        ("Maëlle Dupré-Lefèvre", ""),  # her legal name typed as the known-as name
        ("Someone", "Hélène"),  # her known-as name typed as the legal name
    ],
)
def test_a_same_name_and_birth_year_warns_whatever_the_case_or_accents(
    alice, helene, known_as, legal_name
):
    response = intake(alice, known_as=known_as, legal_name=legal_name, birth_year="1998")
    html = response.content.decode()
    assert response.status_code == 200
    assert "We may already know her." in html
    assert reverse("participant_detail", args=[helene.pk]) in html
    assert "This is someone else: open a new file" in html
    assert Participant.objects.count() == 1
    assert known_as.strip() in html  # what she typed is kept
    entry = AuditEntry.objects.get(action="participant.duplicate_warned")
    assert entry.payload == {"count": 1}


def test_a_date_of_birth_gives_the_birth_year(alice, helene):
    html = intake(alice, known_as="helene", date_of_birth="1998-05-04").content.decode()
    assert "We may already know her." in html


def test_a_different_birth_year_does_not_warn(alice, helene):
    response = intake(alice, known_as="Hélène", birth_year="1999")
    assert response.status_code == 302
    assert Participant.objects.count() == 2
    assert not AuditEntry.objects.filter(action="participant.duplicate_warned").exists()


def test_no_birth_year_typed_does_not_warn(alice, helene):
    assert intake(alice, known_as="Hélène").status_code == 302


def test_a_name_prefix_is_not_a_duplicate(alice, helene):
    assert intake(alice, known_as="Hélè", birth_year="1998").status_code == 302


def test_ticking_someone_else_opens_a_new_file(alice, helene):
    response = intake(alice, known_as="Hélène", birth_year="1998", someone_else="on")
    assert response.status_code == 302
    assert Participant.objects.count() == 2


def test_a_merged_file_is_not_a_duplicate(alice, helene):
    keep = Participant.objects.create(reference="SS-2020-0001", known_as="Other", birth_year=1990)
    Participant.objects.filter(pk=helene.pk).update(merged_into=keep)
    assert intake(alice, known_as="Hélène", birth_year="1998").status_code == 302


def test_an_out_of_scope_duplicate_shows_only_its_reference(helene):
    other_worker = UserFactory(username="other_sw", role=Role.SOCIAL_WORKER)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(other_worker)
    html = intake(client, known_as="Zora", legal_name="maelle dupre lefevre", birth_year="1998")
    html = html.content.decode()
    assert "SS-2026-0107" in html
    assert "not in your caseload" in html
    assert reverse("break_glass") in html
    assert reverse("participant_detail", args=[helene.pk]) not in html
    assert "Hélène" not in html and "Dupré" not in html
    entry = AuditEntry.objects.get(action="participant.duplicate_warned")
    assert entry.payload == {"count": 1}
    assert entry.participant_id is None


def test_the_lookup_never_decrypts_a_file(helene, django_assert_num_queries):
    with django_assert_num_queries(1) as captured:
        found = list(
            Participant.objects.possible_duplicates(known_as="helene", birth_year=1998).only(
                "pk", "reference"
            )
        )
    assert found == [helene]
    assert "known_as" not in captured.captured_queries[0]["sql"]


def test_bad_input_is_refused_next_to_the_field_and_kept(alice, helene):
    html = intake(
        alice, known_as="<script>alert(1)</script>", birth_year="2999", legal_name="x" * 300
    ).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "errorlist" in html
    assert Participant.objects.count() == 1


def test_rtl_and_emoji_names_are_compared_too(alice, alice_socialworker):
    Participant.objects.create(reference="SS-2026-0200", known_as="نور 🌙", birth_year=2001)
    Assignment.objects.create(
        participant=Participant.objects.get(reference="SS-2026-0200"),
        worker=alice_socialworker,
        kind=Assignment.Kind.KEY_WORKER,
    )
    html = intake(alice, known_as="نور", birth_year="2001").content.decode()
    assert "We may already know her." in html


def test_the_warning_costs_the_same_queries_for_one_or_many_duplicates(
    alice, alice_socialworker, helene, django_assert_num_queries
):
    data = {"known_as": "Hélène", "birth_year": "1998"}
    intake(alice, **data)
    with CaptureQueriesContext(connection) as one:
        intake(alice, **data)
    for n in range(20):
        twin = Participant.objects.create(
            reference=f"SS-2025-{n:04d}", known_as="HELENE", birth_year=1998
        )
        if n % 2:
            Assignment.objects.create(
                participant=twin, worker=alice_socialworker, kind=Assignment.Kind.KEY_WORKER
            )
    with django_assert_num_queries(len(one.captured_queries)):
        html = intake(alice, **data).content.decode()
    assert html.count("not in your caseload") + html.count("instead</a>") == 10  # first ten shown
