import logging

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from safespace.roles import Role, role_of

logger = logging.getLogger(__name__)

HOME_TEMPLATES = {
    Role.COORDINATOR: "home/coordinator.html",
    Role.SOCIAL_WORKER: "home/social_worker.html",
    Role.PEER_WORKER: "home/peer_worker.html",
    Role.VOLUNTEER: "home/volunteer.html",
    Role.PARTICIPANT: "home/participant.html",
}


@require_safe
@login_required
def home(request):
    """Each role lands on its own home page; an account without a role is told why."""
    template = HOME_TEMPLATES.get(role_of(request.user), "home/no_role.html")
    return render(request, template)


@require_safe
def exit_help(request):
    return render(request, "help/exit.html")


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        logger.warning("healthz: database check failed")
        return False


def _broker_ok() -> bool:
    if not settings.REDIS_URL:
        return True
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2
        )
        return bool(client.ping())
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        logger.warning("healthz: broker check failed")
        return False


@never_cache
@require_safe
def healthz(request):
    """200 when the database (and the broker, when configured) answer; 503 otherwise.

    Says nothing else: no versions, no hostnames, no error text.
    """
    healthy = _database_ok() and _broker_ok()
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable"}, status=200 if healthy else 503
    )
