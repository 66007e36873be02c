"""A house's address never leaves the one page that reveals it.

A house gets a planted address (so does every other house the URL table's objects make);
Eve lives there tonight, left it once before (with follow-ups after) and is on its waiting
list; Bea works there, Alice does not. Then every actor GETs every URL of the project, and
the planted address must appear in no body, header, redirect, cookie, e-mail, audit entry,
log line or database column in plain text. The reveal page alone is left out, by name.

A URL whose arguments cannot be built fails the test: a new page is crawled the day it is
added, or the test says why it cannot be.
"""

import html
import io
import json
import logging
import shutil
import subprocess
import tempfile
import time
import unicodedata
import zipfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from safespace.models import AuditEntry
from safespace.roles import Role
from shelters.models import AdmissionRequest, Bed, Room, Shelter
from shelters.services import (
    follow_up_record,
    follow_ups_mark_due,
    stay_begin,
    stay_end,
)
from tests.test_access import (
    ACTORS,
    ANON,
    EXPECTED,
    _documents_ctx,
    all_url_names,
    make_actor,
    url_for,
)

PLANTED_ADDRESS = "PLANTED-ADDRESS-7431 rue Secrète, 75999 Cachéville"
# distinctive pieces, so a page showing part of it (or the street alone) is caught too
FRAGMENTS = ("PLANTED-ADDRESS", "ADDRESS-7431", "7431 rue", "rue Secrète", "Cachéville")
# the pages that may show an address: the reveal page alone (one house at a time, after
# re-authentication, audited). Anything else showing it is a leak.
REVEAL_PAGES = {"shelter_address"}


def _folded(text: str) -> str:
    """Lower case without accents: catches |upper, |title and slugified copies too."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _needles() -> set[str]:
    found = set()
    for fragment in FRAGMENTS:
        for variant in (
            fragment,
            html.escape(fragment),
            quote(fragment),
            quote_plus(fragment),
            json.dumps(fragment)[1:-1],
        ):
            found |= {variant.casefold(), _folded(variant)}
    return found


NEEDLES = _needles()


def _leaks(text: str) -> list[str]:
    # the needles come with and without accents, so folding the case is enough here
    hay = text.casefold()
    return sorted(needle for needle in NEEDLES if needle in hay)


def _body_texts(response) -> list[str]:
    """The response's bytes read every way the address could hide in them."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    try:
        texts = [body.decode("utf-8")]
    except UnicodeDecodeError:  # an export in another encoding, or a picture
        texts = [body.decode("utf-8", "replace"), body.decode("cp1252", "replace")]
    if body.startswith(b"PK\x03\x04"):  # spreadsheets and other zipped exports
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            texts += [archive.read(name).decode("utf-8", "replace") for name in archive.namelist()]
    if body.startswith(b"%PDF"):
        texts.append(_pdf_text(body))
    return texts


def _pdf_text(body: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is needed to read the PDFs the crawl meets")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "page.pdf"
        path.write_bytes(body)
        done = subprocess.run(  # noqa: S603 - a fixed tool on a file we wrote
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=False
        )
    return done.stdout


def _response_leaks(response) -> list[str]:
    found = []
    for header, value in response.items():
        found += [f"header {header}: {leak}" for leak in _leaks(value)]
    found += [f"cookie: {leak}" for leak in _leaks(response.cookies.output())]
    for text in _body_texts(response):
        found += [f"body: {leak}" for leak in _leaks(text)]
    return sorted(set(found))


def _planted_house(cast, eve_file):
    """Les Glycines, staffed by Bea (not Alice): Eve lives there tonight, left it once before
    (with follow-ups after), and has a request on its waiting list."""
    alice, bea = cast[Role.SOCIAL_WORKER], cast[Role.PEER_WORKER]
    today = timezone.localdate()
    house = Shelter.objects.create(
        name="Les Glycines", kind=Shelter.Kind.EMERGENCY, address=PLANTED_ADDRESS
    )
    house.staff.set([bea])
    room = Room.objects.create(shelter=house, name="Room 1")
    beds = [Bed.objects.create(room=room, label=f"Bed {n}") for n in (1, 2)]
    # long ago, so that no object of the URL table's can stand in its way
    left_on = today - timedelta(days=300)
    before = stay_begin(
        actor=alice,
        participant=eve_file,
        bed=beds[1],
        starts_on=left_on - timedelta(days=90),
        expected_end_on=left_on,
    )
    before = stay_end(
        actor=alice, stay=before, ended_on=left_on, exit_destination="own_housing", notes="Keys"
    )
    # stay_end scheduled her follow-ups: the first two are done
    for follow_up in before.follow_ups.filter(months_after__lt=6):
        follow_up_record(
            actor=alice, follow_up=follow_up, outcome="stable", done_on=follow_up.due_on
        )
    follow_ups_mark_due(today=today)
    # decided requests (the URL table's own request for her is the open one)
    AdmissionRequest.objects.create(
        participant=eve_file,
        requested_by=alice,
        urgency="immediate",
        wished_kind="emergency",
        status="admitted",
        decided_on=today - timedelta(days=10),
    )
    # the URL table's own objects may already give her a bed tonight: then she keeps it
    # (every house gets the planted address below)
    if not eve_file.stays.open_on(today).exists():
        stay_begin(
            actor=alice,
            participant=eve_file,
            bed=beds[0],
            starts_on=today - timedelta(days=10),
        )
    AdmissionRequest.objects.create(
        participant=eve_file,
        requested_by=alice,
        urgency="planned",
        wished_kind="transition",
        status="refused",
        decision_reason="No flat free before spring",
        decided_on=today,
    )
    return house


@pytest.mark.django_db
def test_the_planted_address_of_a_house_never_leaves_the_reveal_page(
    cast, mallory, eve_file, dana_coordinator, caplog
):
    from cases.services import break_glass_open

    started, cpu = time.monotonic(), time.process_time()
    # the URL table's context, as tests/test_access.py builds it
    grant = break_glass_open(user=dana_coordinator, participant=eve_file, reason="x" * 20)
    grant.created_at -= timedelta(hours=3)
    grant.expires_at -= timedelta(hours=3)
    grant.save()
    ctx = {"cast": cast, "eve_file": eve_file, "grant": grant}
    ctx.update(_documents_ctx(eve_file, cast))
    # every URL is built first (its objects made on demand); one that cannot be built fails
    names = sorted((set(EXPECTED) | all_url_names()) - REVEAL_PAGES)
    urls = {name: url_for(name, ctx) for name in names}
    house = _planted_house(cast, eve_file)
    # every house, the URL table's own too, hides the same address
    for shelter in Shelter.objects.all():
        shelter.address = PLANTED_ADDRESS
        shelter.save(update_fields=["address"])
    assert Shelter.objects.get(pk=house.pk).address == PLANTED_ADDRESS
    assert not house.staff.filter(pk=cast[Role.SOCIAL_WORKER].pk).exists()
    assert eve_file.stays.open_on(timezone.localdate()).exists()
    mail.outbox.clear()

    leaks = []
    caplog.set_level(logging.DEBUG)
    for actor in ACTORS:
        client = Client()
        user = make_actor(actor, cast, mallory)
        if user is not None:
            client.force_login(user)
        for name, url in urls.items():
            response = client.get(url)
            leaks += [f"{actor} GET {name}: {leak}" for leak in _response_leaks(response)]
            if actor != ANON:  # still signed in: the crawl did not fall back to anonymous
                assert response.wsgi_request.user.pk == user.pk, f"{actor} lost at {name}"
        # messages left for the next page are shown there
        leaks += [f"{actor} last messages: {leak}" for leak in _response_leaks(client.get("/"))]
    crawled, crawled_cpu = time.monotonic() - started, time.process_time() - cpu
    assert not leaks, "\n".join(leaks)

    for message in mail.outbox:
        assert not _leaks(f"{message.subject}\n{message.body}\n{message.alternatives}")
    for entry in AuditEntry.objects.all():
        assert not _leaks(json.dumps(entry.payload, ensure_ascii=False)), entry.action
        assert not _leaks(str(vars(entry))), entry.action
    logged = [
        f"{record.name}: {record.getMessage()[:100]}"
        for record in caplog.records
        if _leaks(f"{vars(record)} {record.getMessage()}")
    ]
    assert not logged and not _leaks(caplog.text), logged
    _assert_the_database_holds_no_plain_address()
    print(
        f"\naddress crawl: {len(urls)} URLs x {len(ACTORS)} actors in {crawled:.1f} s "
        f"({crawled_cpu:.1f} s of CPU, PDFs read with pdftotext)"
    )


def _assert_the_database_holds_no_plain_address():
    with connection.cursor() as cursor:
        cursor.execute("SELECT address FROM shelters_shelter")
        stored = [row[0] for row in cursor.fetchall()]
        assert stored and all(value.startswith("gAAAA") for value in stored)
        assert not _leaks("\n".join(stored))
        # nor any other column of any table, sessions read as they decode
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            values = [
                bytes(value).decode("utf-8", "replace")
                if isinstance(value, bytes | memoryview)
                else value
                for row in cursor.fetchall()
                for value in row
            ]
            assert not _leaks("\n".join(map(str, values))), table
    for session in Session.objects.all():
        assert not _leaks(repr(session.get_decoded()))
