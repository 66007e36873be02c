"""Her space has a neutral name and icon, set by the organisation; staff pages keep theirs."""

import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from tests.test_settings import manage, production_env

pytestmark = pytest.mark.django_db

PORTAL_PAGES = ("home", "portal_home", "portal_goal_new", "portal_reflection", "portal_road")


def page(client, user, name="home", **extra):
    client.force_login(user)
    response = client.get(reverse(name), **extra)
    assert response.status_code == 200
    return response.content.decode()


def title(html):
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


def site_name(html):
    return re.search(r'<a class="site-name"[^>]*>(.*?)</a>', html, re.S).group(1).strip()


def icon(html):
    return re.search(r'<link rel="icon" href="([^"]+)"', html).group(1)


@pytest.mark.parametrize("name", PORTAL_PAGES)
@override_settings(SAFESPACE_PORTAL_NAME="Garden notes", SAFESPACE_PORTAL_ICON="sun")
def test_her_pages_carry_the_configured_name_and_neutral_icon(
    client, eve_participant, eve_file, name
):
    html = page(client, eve_participant, name, HTTP_ACCEPT_LANGUAGE="en")
    assert title(html) == "Garden notes"
    assert site_name(html) == "Garden notes"
    assert icon(html) == f"{settings.STATIC_URL}img/portal/sun.svg"


@override_settings(SAFESPACE_PORTAL_NAME="Garden notes", SAFESPACE_PORTAL_ICON="circle")
def test_staff_pages_keep_the_organisations_name_and_icon(client, alice_socialworker, eve_file):
    html = page(client, alice_socialworker, HTTP_ACCEPT_LANGUAGE="en")
    assert "Garden notes" not in html
    assert title(html).endswith(settings.SAFESPACE_ORGANISATION_NAME)
    assert site_name(html) == settings.SAFESPACE_ORGANISATION_NAME
    assert icon(html) == f"{settings.STATIC_URL}img/icon.svg"
    assert "img/portal/" not in html


@override_settings(SAFESPACE_ORGANISATION_NAME="Refuge Lumière")
def test_by_default_her_space_is_my_space_with_a_leaf_and_never_the_organisation_name(
    client, eve_participant, eve_file
):
    assert settings.SAFESPACE_PORTAL_NAME == "" and settings.SAFESPACE_PORTAL_ICON == "leaf"
    html = page(client, eve_participant, HTTP_ACCEPT_LANGUAGE="en")
    assert title(html) == "My space"
    assert icon(html) == f"{settings.STATIC_URL}img/portal/leaf.svg"
    assert "Refuge Lumière" not in html
    assert "Refuge Lumi" not in html


def test_the_default_name_speaks_her_language(client, eve_participant, eve_file):
    html = page(client, eve_participant)
    assert '<html lang="fr">' in html
    with translation.override("fr"):
        assert title(html) == translation.gettext("My space")  # "Mon espace"


@pytest.mark.parametrize("name", settings.SAFESPACE_PORTAL_ICONS)
def test_every_neutral_icon_is_a_small_svg_in_static(name):
    path = finders.find(f"img/portal/{name}.svg")
    assert path is not None
    with open(path, encoding="utf-8") as svg:
        text = svg.read()
    assert text.startswith("<svg") and len(text) < 1024
    assert "<script" not in text and "href" not in text


def test_an_unknown_icon_stops_start_up_with_one_clear_line(tmp_path):
    result = manage(production_env(tmp_path, SAFESPACE_PORTAL_ICON="rocket"), "check")
    assert result.returncode == 2
    assert "SAFESPACE_PORTAL_ICON must be one of: leaf, sun, circle." in result.stderr
    assert "Traceback" not in result.stderr


def test_a_chosen_name_and_icon_are_read_from_the_environment(tmp_path):
    env = production_env(tmp_path, SAFESPACE_PORTAL_NAME="  Notes  ", SAFESPACE_PORTAL_ICON="sun")
    result = manage(
        env,
        "shell",
        "-c",
        "from django.conf import settings; "
        "print(repr(settings.SAFESPACE_PORTAL_NAME), settings.SAFESPACE_PORTAL_ICON)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "'Notes' sun"
