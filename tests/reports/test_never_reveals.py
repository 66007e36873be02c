"""No report or export ever holds a name, a reference, a date of birth or an address.

Eve's file carries planted values; she stays in a house with a planted address, visits the
drop-in, has goals, a referral and a pathway. A report is then built with small numbers
SHOWN (the most revealing kind, for internal use), and its frozen figures, preview, PDF
(read back with pdftotext), CSV and XLSX are searched for every planted value.
"""

import io
import subprocess
import zipfile
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import PathwayEntry
from dropin.models import OpeningSession, Site, Visit
from reports.services import report_build, report_request
from safespace.crypto import decrypt_bytes
from safespace.roles import Role
from shelters.models import Bed, Room, Shelter
from shelters.services import stay_begin, stay_end
from tests.conftest import PLANTED

ADDRESS = "PLANTED-ADDRESS-9120 impasse Cachée"
BIRTH = date(1991, 7, 23)


@pytest.fixture
def planted_report(eve_file, cast):
    dana, alice = cast[Role.COORDINATOR], cast[Role.SOCIAL_WORKER]
    eve_file.date_of_birth = BIRTH
    eve_file.nationality = "ER"
    eve_file.save()
    today = timezone.localdate()
    house = Shelter.objects.create(name="Maison A", kind="emergency", address=ADDRESS)
    bed = Bed.objects.create(room=Room.objects.create(shelter=house, name="1"), label="a")
    stay = stay_begin(
        actor=alice,
        participant=eve_file,
        bed=bed,
        starts_on=today - timedelta(days=40),
        expected_end_on=today - timedelta(days=10),
    )
    stay_end(actor=alice, stay=stay, ended_on=today - timedelta(days=10), exit_destination="family")
    site = Site.objects.create(name="Centre")
    session = OpeningSession.objects.create(
        site=site,
        date=today - timedelta(days=3),
        opens_at="10:00",
        closes_at="12:00",
        opened_by=dana,
    )
    Visit.objects.create(session=session, participant=eve_file, logged_by=alice)
    PathwayEntry.objects.create(
        participant=eve_file, status="exited", since=today - timedelta(days=5), recorded_by=alice
    )
    report = report_request(
        actor=dana,
        start=today - timedelta(days=60),
        end=today,
        language="en",
        suppressed=False,
        reason="Internal check",
    )
    return report_build(report.pk)


def _texts(report):
    pdf = decrypt_bytes(report.files.get(kind="pdf").token)
    pdf_text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    csv_text = decrypt_bytes(report.files.get(kind="csv").token).decode("utf-8-sig")
    with zipfile.ZipFile(io.BytesIO(decrypt_bytes(report.files.get(kind="xlsx").token))) as xlsx:
        xlsx_text = "".join(xlsx.read(name).decode() for name in xlsx.namelist())
    return {"figures": str(report.document), "pdf": pdf_text, "csv": csv_text, "xlsx": xlsx_text}


@pytest.mark.django_db
def test_no_report_output_holds_a_name_reference_birth_date_or_address(planted_report, cast):
    assert planted_report.status == "ready"
    texts = _texts(planted_report)
    client = Client()
    client.force_login(cast[Role.COORDINATOR])
    texts["preview"] = client.get(
        reverse("report_detail", args=[planted_report.pk])
    ).content.decode()
    planted = [
        *PLANTED.values(),
        ADDRESS,
        "PLANTED-ADDRESS",
        "SS-2026-0042",
        BIRTH.isoformat(),
        "23/07/1991",
        "1991-07-23",
    ]
    for output, text in texts.items():
        for value in planted:
            assert value not in text, f"{value!r} in the {output}"
    # the figures are there all the same: she was supported, housed, and has exited
    assert "Exited" in texts["pdf"] and "Family reintegration" in texts["csv"]
