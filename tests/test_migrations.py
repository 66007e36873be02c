from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_models_and_migrations_agree():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:
        pytest.fail(f"makemigrations --check found changes:\n{out.getvalue()}\n{exit_}")


@pytest.mark.django_db
def test_every_role_has_its_group():
    from django.contrib.auth.models import Group

    from safespace.roles import Role

    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}
