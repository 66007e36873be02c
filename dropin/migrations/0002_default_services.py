"""The default services of DOMAIN.md (their names are translated in dropin/catalogue.py)."""

from django.db import migrations

# code, English name, category, position: kept here, as migrations never import app code
DEFAULTS = [
    ("meal", "Meal or coffee", "food", 10),
    ("food_parcel", "Food parcel", "food", 20),
    ("shower", "Shower", "hygiene", 30),
    ("laundry", "Laundry", "hygiene", 40),
    ("clothes", "Clothes", "hygiene", 50),
    ("hygiene_kit", "Hygiene kit", "hygiene", 60),
    ("locker", "Locker", "other", 70),
    ("listening", "Listening", "listening", 80),
    ("psychological_support", "Psychological support", "psychological", 90),
    ("rights_information", "Information on rights", "rights", 100),
    ("paperwork", "Help with paperwork", "rights", 110),
    ("legal_information", "Legal information", "rights", 120),
    ("referral", "Referral", "rights", 130),
    ("language_class", "Language class", "learning", 140),
    ("computer_cv", "Computer or CV workshop", "learning", 150),
    ("health", "Health", "health", 160),
    ("childcare", "Childcare", "children", 170),
]


def create(apps, schema_editor):
    Service = apps.get_model("dropin", "Service")
    for code, name, category, position in DEFAULTS:
        Service.objects.get_or_create(
            code=code, defaults={"name": name, "category": category, "position": position}
        )


def remove(apps, schema_editor):
    apps.get_model("dropin", "Service").objects.filter(
        code__in=[row[0] for row in DEFAULTS], given__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("dropin", "0001_sites_sessions_visits_outreach_activities_peer_groups")]

    operations = [migrations.RunPython(create, remove)]
