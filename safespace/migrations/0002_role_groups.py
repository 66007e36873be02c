"""Create one Django group per role (data migration, kept apart from schema changes)."""

from django.db import migrations

ROLE_GROUPS = ["coordinator", "social_worker", "peer_worker", "volunteer", "participant"]


def create_role_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("safespace", "0001_user"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_role_groups, migrations.RunPython.noop)]
