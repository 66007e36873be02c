"""System checks that `manage.py check --deploy` runs before production."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def redis_configured(app_configs, **kwargs):
    if settings.REDIS_URL:
        return []
    return [
        Warning(
            "REDIS_URL is not set: background work runs inside web requests and login "
            "throttling is not shared between processes.",
            hint="Set REDIS_URL to the Redis server (see docker-compose.yml).",
            id="safespace.W001",
        )
    ]


@register(Tags.database)
def encryption_keys_read_the_data(app_configs, databases=None, **kwargs):
    """`manage.py check --database default` (and runserver's checks) verify the canary."""
    from django.core.checks import Critical
    from django.core.exceptions import ImproperlyConfigured

    from safespace.crypto import canary_verify

    if not databases:
        return []
    try:
        canary_verify()
    except ImproperlyConfigured as error:
        return [Critical(str(error), id="safespace.E001")]
    return []
