"""French and English from day one."""

import os
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.urls import reverse

SOURCE_FOLDERS = ["safespace", "cases", "lifeplans", "shelters", "dropin", "reports", "templates"]
PO_FILE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def untranslated_in(po_file):
    with po_file.open("rb") as handle:
        catalog = read_po(handle)
    return [
        message.id
        for message in catalog
        if message.id
        and (
            message.fuzzy
            or not (message.string if isinstance(message.string, str) else all(message.string))
        )
    ]


def test_every_french_string_is_translated():
    untranslated = untranslated_in(PO_FILE)
    assert not untranslated, f"untranslated or fuzzy French strings: {untranslated}"


@pytest.mark.django_db
def test_pages_are_in_french_by_default(client):
    html = client.get(reverse("account_login")).content.decode()
    assert '<html lang="fr">' in html
    assert "Aller au contenu principal" in html
    assert "<h1>Se connecter</h1>" in html


@pytest.mark.django_db
def test_a_browser_asking_for_english_gets_english(client):
    html = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html
    assert "<h1>Sign in</h1>" in html


@pytest.mark.django_db
def test_the_language_switcher_remembers_the_choice(client):
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("account_login")}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")
    html = client.get(reverse("account_login")).content.decode()
    assert "<h1>Sign in</h1>" in html


@pytest.mark.django_db
def test_the_language_switcher_never_redirects_to_another_site(client):
    response = client.post(
        reverse("set_language"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_role_names_are_translated_on_the_home_page(client, alice_socialworker):
    client.force_login(alice_socialworker)
    html = client.get(reverse("home")).content.decode()
    assert "Travailleuse sociale" in html


@pytest.mark.django_db
def test_each_language_is_offered_in_its_own_name(client):
    html = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="fr" aria-pressed="false">Français</button>' in html
    assert 'lang="en" aria-pressed="true">English</button>' in html


def test_every_string_marked_in_the_code_is_in_the_french_catalogue(tmp_path, settings):
    """Extract the strings afresh (as `make messages` would), in a copy of the tree."""
    if shutil.which("xgettext") is None:
        if os.environ.get("SAFESPACE_REQUIRE_BROWSER") == "1":
            pytest.fail("xgettext not found: install the Debian package gettext")
        pytest.skip("xgettext not found: install GNU gettext to check the catalogue")
    from django.core.management import call_command

    root = Path(settings.BASE_DIR)
    for folder in SOURCE_FOLDERS:
        shutil.copytree(root / folder, tmp_path / folder, ignore=shutil.ignore_patterns("*.pyc"))
    target = tmp_path / "locale" / "fr" / "LC_MESSAGES"
    target.mkdir(parents=True)
    shutil.copy(PO_FILE, target / "django.po")
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        call_command("makemessages", locale=["fr"], no_obsolete=True, no_location=True, verbosity=0)
    finally:
        os.chdir(cwd)
    missing = untranslated_in(target / "django.po")
    assert not missing, f"strings with no French translation (run make messages): {missing}"
