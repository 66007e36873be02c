from unittest import mock

import pytest
from django.db.utils import OperationalError
from django.urls import reverse


@pytest.mark.django_db
def test_healthz_answers_ok_when_the_database_answers(client, settings):
    settings.REDIS_URL = ""
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_says_unavailable_and_nothing_else_when_the_database_fails(client, settings):
    settings.REDIS_URL = ""
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=OperationalError("could not connect to server at 10.0.0.5 password=hunter2"),
    ):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    assert b"10.0.0.5" not in response.content


@pytest.mark.django_db
def test_healthz_checks_the_broker_when_one_is_configured(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


def test_healthz_refuses_writes(client):
    assert client.post(reverse("healthz")).status_code == 405
