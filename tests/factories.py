"""The fixed cast of HOUSE_STYLE.md, built with factory_boy."""

import factory
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from safespace.crypto import decrypt_text
from safespace.roles import STAFF_ROLES, Role

TEST_PASSWORD = "correct-horse-battery-staple"
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class UserFactory(factory.django.DjangoModelFactory):
    """A user; staff roles come enrolled in TOTP, as they must be to reach anything."""

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
            self._test_role = Role(extracted)

    @factory.post_generation
    def mfa(self, create, extracted, **kwargs):
        staff = getattr(self, "_test_role", None) in STAFF_ROLES
        enrol = extracted if extracted is not None else staff
        if create and enrol and not Authenticator.objects.filter(user=self).exists():
            TOTP.activate(self, TEST_TOTP_SECRET)


def current_totp_code(user) -> str:
    """The code the user's authenticator app would show right now."""
    import time

    from allauth.mfa import app_settings

    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = decrypt_text(authenticator.data["secret"])
    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))
