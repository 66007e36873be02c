"""The default services catalogue (DOMAIN.md), created by migration 0002 with these codes.

Their names are translated here, so a French-speaking volunteer reads "Repas" while the
database keeps one row per service; coordinators may rename, reorder or stop offering them,
and add their own."""

from django.utils.translation import gettext_lazy as _

# code -> (category, position); the migration creates the same rows
DEFAULTS = {
    "meal": ("food", 10),
    "food_parcel": ("food", 20),
    "shower": ("hygiene", 30),
    "laundry": ("hygiene", 40),
    "clothes": ("hygiene", 50),
    "hygiene_kit": ("hygiene", 60),
    "locker": ("other", 70),
    "listening": ("listening", 80),
    "psychological_support": ("psychological", 90),
    "rights_information": ("rights", 100),
    "paperwork": ("rights", 110),
    "legal_information": ("rights", 120),
    "referral": ("rights", 130),
    "language_class": ("learning", 140),
    "computer_cv": ("learning", 150),
    "health": ("health", 160),
    "childcare": ("children", 170),
}

DEFAULT_NAMES = {
    "meal": _("Meal or coffee"),
    "food_parcel": _("Food parcel"),
    "shower": _("Shower"),
    "laundry": _("Laundry"),
    "clothes": _("Clothes"),
    "hygiene_kit": _("Hygiene kit"),
    "locker": _("Locker"),
    "listening": _("Listening"),
    "psychological_support": _("Psychological support"),
    "rights_information": _("Information on rights"),
    "paperwork": _("Help with paperwork"),
    "legal_information": _("Legal information"),
    "referral": _("Referral"),
    "language_class": _("Language class"),
    "computer_cv": _("Computer or CV workshop"),
    "health": _("Health"),
    "childcare": _("Childcare"),
}


def defaults_ensure() -> None:
    """Create the default services that are missing (the migration creates them; a test
    database flushed between tests loses them)."""
    from django.utils import translation

    from dropin.models import Service

    with translation.override("en"):
        for code, (category, position) in DEFAULTS.items():
            Service.objects.get_or_create(
                code=code,
                defaults={"name": str(DEFAULT_NAMES[code]), "category": category,
                          "position": position},
            )  # fmt: skip
