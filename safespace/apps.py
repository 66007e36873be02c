from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafespaceConfig(AppConfig):
    name = "safespace"
    verbose_name = _("Safespace")

    def ready(self) -> None:
        from safespace import checks, signals  # noqa: F401 - registers checks and receivers
