"""The services catalogue: the default set of DOMAIN.md, named in the reader's language."""

import pytest
from django.utils import translation

from dropin.catalogue import DEFAULT_NAMES, DEFAULTS
from dropin.models import Service

pytestmark = pytest.mark.django_db


def test_the_default_services_of_the_domain_are_there_with_their_categories():
    services = {service.code: service for service in Service.objects.all()}
    assert set(services) == set(DEFAULTS) == set(DEFAULT_NAMES)
    for code, (category, position) in DEFAULTS.items():
        assert (services[code].category, services[code].position) == (category, position)
    assert {"food", "psychological"} <= {service.category for service in services.values()}


def test_a_default_service_is_named_in_the_readers_language_and_a_new_one_as_written():
    meal = Service.objects.get(code="meal")
    with translation.override("en"):
        assert str(meal.label) == "Meal or coffee"
    with translation.override("fr"):
        assert str(meal.label) == "Repas ou café"
    sewing = Service.objects.create(name="Atelier couture", category="learning")
    assert sewing.label == "Atelier couture"
