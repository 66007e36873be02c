from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LifeplansConfig(AppConfig):
    name = "lifeplans"
    verbose_name = _("Life plans")
