"""Her dream board: pictures cleaned of their metadata, encrypted, fetched only by her and the
workers assigned to her; words in her own words; a calm board on her phone."""

import json
from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image

from cases.models import BreakGlassGrant, Participant
from lifeplans import services
from lifeplans.models import DreamImage, DreamItem
from lifeplans.services import dream_add
from safespace.models import AuditEntry
from tests.cases.test_documents import PDF, jpeg_with_gps, picture

pytestmark = pytest.mark.django_db

WISH = "Planted wish: a kitchen of my own, near the river"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def her_upload(client, data=None, *, words="", name="photo.jpg", content_type="image/jpeg"):
    fields = {"words": words}
    if data is not None:
        fields["file"] = SimpleUploadedFile(name, data, content_type=content_type)
    return client.post(reverse("portal_dream_new"), fields, HTTP_ACCEPT_LANGUAGE="en")


def fetch(client, item):
    return client.get(reverse("portal_dream_picture", args=[item.pk]), HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def eve(eve_file, eve_participant):
    return client_for(eve_participant)


@pytest.fixture
def other_file(mallory):
    return Participant.objects.create(reference="SS-2026-0099", account=mallory, known_as="Mo")


def test_the_picture_she_adds_comes_back_without_its_gps_position_or_camera(eve):
    original = jpeg_with_gps()
    with Image.open(BytesIO(original)) as image:  # the planted details are really there
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo)

    response = her_upload(eve, original, words=WISH)
    assert response.status_code == 302
    item = DreamItem.objects.get()
    assert (item.words, item.content_type, item.year) == (
        WISH,
        "image/jpeg",
        timezone.localdate().year,
    )

    response = fetch(eve, item)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "no-store, private"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == f'inline; filename="picture-{item.pk}.jpg"'
    data = response.content
    assert b"Exif" not in data and b"PlantedCamera" not in data and b"PlantedComment" not in data
    with Image.open(BytesIO(data)) as image:
        assert not image.getexif()
        assert image.size == (30, 40)  # turned upright before the orientation tag went


def test_a_large_photo_is_scaled_down_to_fit_a_phone_screen(eve):
    assert her_upload(eve, picture("JPEG", size=(4000, 3000))).status_code == 302
    with Image.open(BytesIO(fetch(eve, DreamItem.objects.get()).content)) as image:
        assert image.size == (1280, 960)


def test_the_picture_and_her_words_are_encrypted_at_rest(eve):
    original = picture("PNG", size=(20, 20))
    her_upload(eve, original, words=WISH, name="a.png", content_type="image/png")
    item = DreamItem.objects.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT token FROM lifeplans_dreamimage")
        (token,) = cursor.fetchone()
        cursor.execute("SELECT words FROM lifeplans_dreamitem")
        (words,) = cursor.fetchone()
    assert "PNG" not in token and "IHDR" not in token
    assert "kitchen" not in words
    assert DreamImage.objects.get(item=item).token == token


def test_words_alone_are_enough_and_the_audit_keeps_none_of_them(eve, eve_file):
    assert her_upload(eve, words=WISH).status_code == 302
    item = DreamItem.objects.get()
    assert item.content_type == ""
    entry = AuditEntry.objects.get(action="dream.added")
    assert entry.participant_id == eve_file.pk
    assert entry.payload == {"kind": "words", "via": "portal"}
    assert "kitchen" not in json.dumps(entry.payload)
    # words alone have no picture to fetch
    assert fetch(eve, item).status_code == 404


def test_an_empty_form_says_what_is_missing(eve):
    response = her_upload(eve)
    assert response.status_code == 200
    assert "Add a picture, a few words, or both." in response.content.decode()
    assert not DreamItem.objects.exists()


def test_a_file_that_is_not_a_picture_is_refused_next_to_the_field_and_her_words_are_kept(eve):
    response = her_upload(eve, PDF, words=WISH, name="dream.pdf", content_type="application/pdf")
    assert response.status_code == 200
    html = response.content.decode()
    assert "This is not a picture we can show. Choose a JPEG, PNG or WebP photo." in html
    assert "a kitchen of my own" in html
    assert not DreamItem.objects.exists()


def test_a_damaged_picture_is_refused_without_an_error_page(eve):
    response = her_upload(eve, picture("JPEG")[:200], words=WISH)
    assert response.status_code == 200
    assert "This picture could not be read" in response.content.decode()


def test_an_upload_is_never_written_to_a_temporary_file(eve, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a plaintext temporary file was opened")

    monkeypatch.setattr(TemporaryFileUploadHandler, "new_file", refuse)
    big = picture("PNG", size=(1400, 1400))
    big += b"\0" * max(0, 3 * 1024 * 1024 - len(big))  # past Django's 2.5 MB in-memory limit
    response = her_upload(eve, big, name="a.png", content_type="image/png")
    assert response.status_code == 302


def test_a_full_board_says_so_calmly(eve, monkeypatch):
    monkeypatch.setattr(services, "DREAMS_PER_YEAR", 1)
    assert her_upload(eve, words="one").status_code == 302
    response = her_upload(eve, words="two")
    assert response.status_code == 200
    assert "Your board for this year is full" in response.content.decode()
    assert DreamItem.objects.count() == 1


def test_another_womans_pictures_answer_404_to_her(eve, other_file, mallory):
    theirs = dream_add(
        actor=mallory, participant=other_file, words="Not Eve's", picture=picture(),
        content_type="image/png",
    )  # fmt: skip
    assert fetch(eve, theirs).status_code == 404
    remove = reverse("portal_dream_remove", args=[theirs.pk])
    assert eve.get(remove).status_code == 404
    assert eve.post(remove).status_code == 404
    assert DreamItem.objects.filter(pk=theirs.pk).exists()


def test_she_takes_a_picture_off_her_board_for_good(eve, eve_file, eve_participant):
    item = dream_add(
        actor=eve_participant, participant=eve_file, words=WISH, picture=picture(),
        content_type="image/png",
    )  # fmt: skip
    remove = reverse("portal_dream_remove", args=[item.pk])
    page = eve.get(remove, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Take this off your board?" in page
    assert eve.post(remove).status_code == 302
    assert not DreamItem.objects.exists() and not DreamImage.objects.exists()
    entry = AuditEntry.objects.get(action="dream.removed")
    assert entry.payload == {"kind": "picture", "via": "portal"}


def test_her_workers_see_her_board_and_her_pictures(eve_file, eve_participant, cast):
    item = dream_add(
        actor=eve_participant, participant=eve_file, words=WISH, picture=picture(),
        content_type="image/png",
    )  # fmt: skip
    for worker in (cast["social_worker"], cast["peer_worker"]):
        client = client_for(worker)
        board = client.get(reverse("lifeplan_dreams", args=[eve_file.pk]))
        assert board.status_code == 200
        assert WISH in board.content.decode()
        picture_url = reverse("lifeplan_dream_picture", args=[eve_file.pk, item.pk])
        assert picture_url in board.content.decode()
        assert client.get(picture_url).status_code == 200
    viewed = AuditEntry.objects.filter(action="participant.viewed", payload__section="dream_board")
    assert viewed.count() == 2


def test_a_coordinator_opening_her_file_in_an_emergency_cannot_see_her_pictures(
    eve_file, eve_participant, dana_coordinator
):
    item = dream_add(
        actor=eve_participant, participant=eve_file, words=WISH, picture=picture(),
        content_type="image/png",
    )  # fmt: skip
    now = timezone.now()
    BreakGlassGrant.objects.create(
        user=dana_coordinator, participant=eve_file, reason="She called the night line",
        created_at=now, expires_at=now + timedelta(hours=2),
    )  # fmt: skip
    dana = client_for(dana_coordinator)
    assert dana.get(reverse("lifeplan_dreams", args=[eve_file.pk])).status_code == 403
    url = reverse("lifeplan_dream_picture", args=[eve_file.pk, item.pk])
    assert dana.get(url).status_code == 403
    # and the plan page offers no link to it
    plan = dana.get(reverse("lifeplan_detail", args=[eve_file.pk]))
    assert reverse("lifeplan_dreams", args=[eve_file.pk]) not in plan.content.decode()


def test_her_worker_adds_a_picture_with_her(eve_file, alice_socialworker):
    alice = client_for(alice_socialworker)
    response = alice.post(
        reverse("lifeplan_dream_new", args=[eve_file.pk]),
        {"words": WISH, "file": SimpleUploadedFile("a.jpg", jpeg_with_gps(), "image/jpeg")},
    )
    assert response.status_code == 302
    item = DreamItem.objects.get()
    assert item.added_by == alice_socialworker
    assert AuditEntry.objects.get(action="dream.added").payload == {"kind": "picture"}


def test_the_board_shows_another_year_when_asked_and_ignores_a_wrong_year(eve, eve_file):
    last_year = timezone.localdate().year - 1
    DreamItem.objects.create(
        plan=services.plan_for(eve_file), year=last_year, words="A wish from last year",
        added_by=eve_file.account,
    )  # fmt: skip
    url = reverse("portal_dreams")
    assert "A wish from last year" not in eve.get(url).content.decode()
    assert "A wish from last year" in eve.get(url, {"year": last_year}).content.decode()
    assert eve.get(url, {"year": "nonsense"}).status_code == 200


def test_her_home_shows_her_latest_wishes(eve, eve_file, eve_participant):
    dream_add(actor=eve_participant, participant=eve_file, words=WISH)
    html = eve.get(reverse("portal_home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "My dream board" in html
    assert WISH in html


@pytest.mark.parametrize("url_name", ["portal_dreams", "portal_home"])
def test_her_board_costs_the_same_queries_with_one_or_many_items(
    eve, eve_file, eve_participant, url_name
):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert eve.get(reverse(url_name)).status_code == 200
        return len(queries)

    dream_add(actor=eve_participant, participant=eve_file, words="one", picture=picture(),
              content_type="image/png")  # fmt: skip
    one = count()
    for n in range(6):
        dream_add(actor=eve_participant, participant=eve_file, words=f"wish {n}",
                  picture=picture(), content_type="image/png")  # fmt: skip
    assert count() == one


def test_the_staff_board_costs_the_same_queries_with_one_or_many_items(
    eve_file, eve_participant, alice_socialworker
):
    alice = client_for(alice_socialworker)
    url = reverse("lifeplan_dreams", args=[eve_file.pk])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert alice.get(url).status_code == 200
        return len(queries)

    dream_add(actor=eve_participant, participant=eve_file, words="one")
    one = count()
    for n in range(6):
        dream_add(actor=eve_participant, participant=eve_file, words=f"wish {n}",
                  picture=picture(), content_type="image/png")  # fmt: skip
    assert count() == one
