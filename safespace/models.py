from django.contrib.auth.models import AbstractUser
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who signs in: staff or participant.

    Email is optional: many participants have none, or share one with someone
    who must not read her messages.
    """

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
