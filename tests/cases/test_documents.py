"""Documents in her file: typed by their bytes, photos cleaned, encrypted, served only to her
social workers, through one checked view."""

import re
from io import BytesIO

import pytest
from cryptography.fernet import Fernet
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import ExifTags, Image, features

from cases.models import Document, DocumentContent, Participant
from cases.services import document_add, document_remove
from safespace.audit import ACTION_LABELS
from safespace.models import AuditEntry
from safespace.rotation import rotate_all

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
TITLE = "Titre de séjour, recto"


def picture(fmt="PNG", size=(40, 30), **save):
    out = BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, fmt, **save)
    return out.getvalue()


def jpeg_with_gps():
    """A phone photo as a pimp could read it: GPS position, camera make, a comment."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PlantedCamera"
    exif[ExifTags.Base.Orientation] = 6  # taken sideways: the pixels must be turned
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (48.0, 51.0, 24.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (2.0, 21.0, 3.0),
    }
    return picture("JPEG", size=(40, 30), exif=exif.tobytes(), comment=b"PlantedComment")


def upload(client, participant, data, *, name="scan.pdf", content_type="application/pdf", **form):
    fields = {"title": TITLE, "kind": "residence", **form}
    fields["file"] = SimpleUploadedFile(name, data, content_type=content_type)
    return client.post(
        reverse("document_new", args=[participant.pk]), fields, HTTP_ACCEPT_LANGUAGE="en"
    )


def download(client, participant, document):
    return client.get(
        reverse("document_download", args=[participant.pk, document.pk]),
        HTTP_ACCEPT_LANGUAGE="en",
    )


def stored_bytes(document):
    client = Client()
    client.force_login(document.uploaded_by)
    response = download(client, document.participant, document)
    assert response.status_code == 200
    return response.content


@pytest.fixture
def alice(alice_socialworker):
    client = Client()
    client.force_login(alice_socialworker)
    return client


def test_a_pdf_is_kept_as_it_is_and_downloads_with_a_neutral_name(alice, eve_file):
    response = upload(alice, eve_file, PDF, name="Marguerite permit.pdf")
    assert response.status_code == 302
    assert response["Location"].endswith("#documents")
    document = Document.objects.get()
    assert (document.title, document.kind, document.content_type, document.size) == (
        TITLE,
        "residence",
        "application/pdf",
        len(PDF),
    )

    response = download(alice, eve_file, document)
    assert response.content == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="document-{document.pk}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store, private"


@pytest.mark.parametrize(
    ("fmt", "content_type", "extension"),
    [("PNG", "image/png", "png"), ("JPEG", "image/jpeg", "jpg")]
    + ([("WEBP", "image/webp", "webp")] if features.check("webp") else []),
)
def test_pictures_are_accepted_and_encoded_again(alice, eve_file, fmt, content_type, extension):
    # the browser's word and the name are wrong on purpose: the bytes decide
    response = upload(
        alice, eve_file, picture(fmt), name="photo.pdf", content_type="application/pdf"
    )
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.content_type == content_type
    response = download(alice, eve_file, document)
    assert response["Content-Disposition"].endswith(f'.{extension}"')
    with Image.open(BytesIO(response.content)) as image:
        assert image.format == fmt
        assert image.size == (40, 30)


def test_gps_position_and_camera_details_are_dropped_from_a_photo(alice, eve_file):
    original = jpeg_with_gps()
    with Image.open(BytesIO(original)) as image:  # the planted details are really there
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert b"PlantedCamera" in original

    assert upload(alice, eve_file, original, name="photo.jpg").status_code == 302
    data = stored_bytes(Document.objects.get())
    assert b"Exif" not in data
    assert b"PlantedCamera" not in data
    assert b"PlantedComment" not in data
    with Image.open(BytesIO(data)) as image:
        assert not image.getexif()
        assert "icc_profile" not in image.info and "xmp" not in image.info
        assert image.size == (30, 40)  # turned upright before the orientation tag went


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200, "permit.pdf"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "a.png"),
        (b"<html><script>alert(1)</script></html>", "scan.jpg"),
        (b"PK\x03\x04" + b"\x00" * 100, "scan.pdf"),
    ],
    ids=["windows-program", "svg", "html", "zip"],
)
def test_a_file_that_is_not_a_pdf_or_a_picture_is_refused(alice, eve_file, data, name):
    response = upload(alice, eve_file, data, name=name, content_type="application/pdf")
    assert response.status_code == 200
    html = response.content.decode()
    assert "This type of file is not accepted." in html
    assert f'value="{TITLE}"' in html  # what she typed is kept
    assert not Document.objects.exists()


def test_a_ten_megabyte_file_is_accepted(alice, eve_file, settings):
    data = PDF + b"0" * (settings.SAFESPACE_DOCUMENT_MAX_BYTES - len(PDF))
    assert upload(alice, eve_file, data).status_code == 302
    assert stored_bytes(Document.objects.get()) == data


def test_a_larger_file_is_refused_next_to_the_field(alice, eve_file, settings):
    data = PDF + b"0" * (settings.SAFESPACE_DOCUMENT_MAX_BYTES - len(PDF) + 1)
    response = upload(alice, eve_file, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "This file is too large: up to 10.0\xa0MB is accepted." in html
    assert f'value="{TITLE}"' in html
    assert not Document.objects.exists()


def test_an_upload_is_never_written_to_a_temporary_file(alice, eve_file, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a plaintext temporary file was opened")

    monkeypatch.setattr(TemporaryFileUploadHandler, "new_file", refuse)
    data = PDF + b"0" * (3 * 1024 * 1024)  # past Django's 2.5 MB in-memory limit
    assert upload(alice, eve_file, data).status_code == 302


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 20,
        picture("JPEG")[:200],  # truncated
    ],
    ids=["corrupt-png", "truncated-jpeg"],
)
def test_a_damaged_picture_is_refused_next_to_the_field(alice, eve_file, data):
    response = upload(alice, eve_file, data, name="photo.png", content_type="image/png")
    assert response.status_code == 200
    assert "This picture could not be read" in response.content.decode()
    assert not Document.objects.exists()


def test_a_decompression_bomb_is_refused(alice, eve_file):
    out = BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG")  # 100 million pixels in a few KB
    response = upload(alice, eve_file, out.getvalue(), name="a.png", content_type="image/png")
    assert response.status_code == 200
    assert "This picture could not be read" in response.content.decode()
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    ("title", "error"),
    [
        ("", "This field is required."),
        ("x" * 201, "Ensure this value has at most 200 characters"),
    ],
)
def test_a_missing_or_long_title_is_refused_next_to_the_field(alice, eve_file, title, error):
    response = upload(alice, eve_file, PDF, title=title)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Document.objects.exists()


def test_a_missing_file_is_refused_next_to_the_field(alice, eve_file):
    response = alice.post(
        reverse("document_new", args=[eve_file.pk]),
        {"title": TITLE, "kind": "health"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_titles_with_script_tags_right_to_left_text_and_emoji_are_kept_and_escaped(alice, eve_file):
    title = "<script>alert(1)</script> بطاقة 🌷"
    assert upload(alice, eve_file, PDF, title=title).status_code == 302
    assert Document.objects.get().title == title
    html = alice.get(
        reverse("participant_detail", args=[eve_file.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; بطاقة 🌷" in html
    assert "<script>alert(1)" not in html


def test_the_upload_form_works_with_csrf_and_the_content_security_policy(
    alice_socialworker, eve_file
):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice_socialworker)
    url = reverse("document_new", args=[eve_file.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert "style=" not in html and "onclick" not in html and "<script>" not in html
    assert "form-action 'self'" in page["Content-Security-Policy"]

    fields = {"title": TITLE, "kind": "health", "file": SimpleUploadedFile("a.pdf", PDF)}
    assert client.post(url, fields).status_code == 403  # no token
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    fields["file"] = SimpleUploadedFile("a.pdf", PDF)
    response = client.post(url, {**fields, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Document.objects.count() == 1


def test_raw_sql_shows_only_tokens_for_the_title_and_the_content(alice, eve_file):
    secret = b"%PDF-1.4\nPlanted: Marguerite lives at 12 rue Cachee\n%%EOF\n"
    assert upload(alice, eve_file, secret).status_code == 302
    with connection.cursor() as cursor:
        cursor.execute("SELECT token FROM cases_documentcontent")
        (token,) = cursor.fetchone()
        cursor.execute("SELECT title FROM cases_document")
        (title,) = cursor.fetchone()
    assert token.startswith("gAAAAA") and title.startswith("gAAAAA")
    assert "Planted" not in token and "%PDF" not in token
    assert "séjour" not in title and "Titre" not in title


def test_the_list_shows_title_type_size_and_who_added_it(alice, eve_file):
    assert upload(alice, eve_file, PDF).status_code == 302
    html = alice.get(
        reverse("participant_detail", args=[eve_file.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert TITLE in html
    assert f"Residence or asylum paper · PDF · {len(PDF)}\xa0bytes" in html
    assert "by alice_socialworker" in html
    document = Document.objects.get()
    assert reverse("document_download", args=[eve_file.pk, document.pk]) in html
    assert reverse("document_remove", args=[eve_file.pk, document.pk]) in html
    assert reverse("document_new", args=[eve_file.pk]) in html


def test_a_peer_worker_is_told_documents_are_not_for_her(
    alice_socialworker, bea_peerworker, eve_file
):
    document = document_add(
        actor=alice_socialworker,
        participant=eve_file,
        title=TITLE,
        kind="health",
        content_type="application/pdf",
        content=PDF,
    )
    client = Client()
    client.force_login(bea_peerworker)
    html = client.get(
        reverse("participant_detail", args=[eve_file.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Her documents are for her social workers only." in html
    assert TITLE not in html
    assert download(client, eve_file, document).status_code == 403
    assert upload(client, eve_file, PDF).status_code == 403


@pytest.mark.parametrize("who", ["chloe_volunteer", "dana_coordinator", "mallory"])
def test_people_outside_her_file_cannot_download(request, alice_socialworker, eve_file, who):
    document = document_add(
        actor=alice_socialworker,
        participant=eve_file,
        title=TITLE,
        kind="health",
        content_type="application/pdf",
        content=PDF,
    )
    client = Client()
    client.force_login(request.getfixturevalue(who))
    assert download(client, eve_file, document).status_code in (403, 404)
    assert not AuditEntry.objects.filter(action="document.downloaded").exists()


def test_a_document_of_another_file_is_not_reached_through_hers(
    alice, alice_socialworker, dana_coordinator, eve_file
):
    other = Participant.objects.create(reference="SS-2026-0099", known_as="Lune")
    document = document_add(
        actor=dana_coordinator,
        participant=other,
        title="Not hers",
        kind="health",
        content_type="application/pdf",
        content=PDF,
    )
    assert download(alice, eve_file, document).status_code == 404
    assert download(alice, other, document).status_code == 404
    response = alice.post(reverse("document_remove", args=[eve_file.pk, document.pk]))
    assert response.status_code == 404
    assert Document.objects.filter(pk=document.pk).exists()


def test_adding_downloading_and_removing_are_in_the_audit_trail(
    alice, alice_socialworker, eve_file
):
    assert upload(alice, eve_file, picture("PNG"), name="x.png").status_code == 302
    document = Document.objects.get()
    download(alice, eve_file, document)
    url = reverse("document_remove", args=[eve_file.pk, document.pk])
    assert alice.get(url).status_code == 200  # the confirmation page removes nothing
    assert Document.objects.exists()
    assert alice.post(url).status_code == 302

    entries = AuditEntry.objects.filter(action__startswith="document.").order_by("id")
    assert [(e.action, e.payload) for e in entries] == [
        ("document.added", {"kind": "residence", "format": "png"}),
        ("document.downloaded", {"kind": "residence", "format": "png"}),
        ("document.removed", {"kind": "residence", "format": "png"}),
    ]
    for entry in entries:
        assert entry.actor_id == alice_socialworker.pk
        assert entry.participant_id == eve_file.pk
        assert entry.target_id == str(document.pk)
        assert entry.action in ACTION_LABELS


def test_removing_deletes_the_content_without_loading_it(alice_socialworker, eve_file):
    document = document_add(
        actor=alice_socialworker,
        participant=eve_file,
        title=TITLE,
        kind="health",
        content_type="application/pdf",
        content=PDF,
    )
    with CaptureQueriesContext(connection) as queries:
        assert document_remove(actor=alice_socialworker, document=document)
    assert not any(
        q["sql"].startswith("SELECT") and "cases_documentcontent" in q["sql"] for q in queries
    )
    assert not Document.objects.exists() and not DocumentContent.objects.exists()
    # removing again records nothing more
    assert not document_remove(actor=alice_socialworker, document=document)
    assert AuditEntry.objects.filter(action="document.removed").count() == 1


def test_documents_still_download_identically_after_key_rotation(
    alice, alice_socialworker, eve_file, settings
):
    assert upload(alice, eve_file, jpeg_with_gps(), name="p.jpg").status_code == 302
    assert upload(alice, eve_file, PDF + bytes(range(256))).status_code == 302  # not UTF-8
    before = {d.pk: stored_bytes(d) for d in Document.objects.all()}
    titles = {d.pk: d.title for d in Document.objects.all()}

    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, *settings.FIELD_ENCRYPTION_KEYS]
    report = rotate_all(chunk_size=1)
    assert report.rotated["cases.DocumentContent.token"] == 2
    assert report.rotated["cases.Document.title"] == 2

    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone
    assert {d.pk: stored_bytes(d) for d in Document.objects.all()} == before
    assert {d.pk: d.title for d in Document.objects.all()} == titles
    assert rotate_all().total_rotated == 0


def _file_page_queries(client, participant):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("participant_detail", args=[participant.pk]))
    assert response.status_code == 200
    assert not any("cases_documentcontent" in q["sql"] for q in queries)
    return len(queries)


def test_the_file_page_issues_the_same_queries_for_1_or_20_documents(
    alice, alice_socialworker, eve_file
):
    def add(n):
        for i in range(n):
            document_add(
                actor=alice_socialworker,
                participant=eve_file,
                title=f"Paper {i}",
                kind="other",
                content_type="application/pdf",
                content=PDF,
            )

    add(1)
    one = _file_page_queries(alice, eve_file)
    add(19)
    assert _file_page_queries(alice, eve_file) == one


def test_the_size_limit_follows_the_setting(alice, eve_file, settings):
    settings.SAFESPACE_DOCUMENT_MAX_BYTES = 2048
    response = upload(alice, eve_file, PDF + b"0" * 2048)
    assert "This file is too large: up to 2.0\xa0KB is accepted." in response.content.decode()
    assert upload(alice, eve_file, PDF).status_code == 302


def test_no_url_serves_uploaded_files(settings):
    from django.urls import URLPattern, URLResolver, get_resolver
    from django.views.static import serve

    def callbacks(resolver):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                yield from callbacks(pattern)
            elif isinstance(pattern, URLPattern):
                yield pattern.callback

    # MEDIA_URL is left unset (Django reads it as "/"): nothing is published under it
    assert settings.MEDIA_URL in ("", "/")
    assert getattr(settings, "WHITENOISE_ROOT", None) is None
    assert serve not in set(callbacks(get_resolver()))
