from django.db import migrations, models


class Migration(migrations.Migration):
    """A woman has at most one open request for a place (waiting, or offered one) at a time."""

    dependencies = [
        ("shelters", "0001_shelters_beds_stays_bed_nights_follow_ups"),
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
