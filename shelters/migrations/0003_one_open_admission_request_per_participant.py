from django.db import migrations, models


class Migration(migrations.Migration):
    """A woman has at most one open request for a place (waiting, or offered one) at a time."""

    dependencies = [
        ("shelters", "0002_shelter_version"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="admissionrequest",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["waiting", "offered"])),
                fields=("participant",),
                name="one_open_admission_request_per_participant",
            ),
        ),
    ]
