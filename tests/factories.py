"""The fixed cast of HOUSE_STYLE.md, built with factory_boy."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from safespace.roles import Role

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted is not None:
            self.groups.add(Group.objects.get_or_create(name=Role(extracted).value)[0])
