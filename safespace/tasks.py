from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone


@shared_task
def sessions_clear_expired() -> int:
    """Delete expired sessions, so a stolen old cookie finds nothing. Returns the count."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task
def ping(value: int) -> dict:
    """A task that touches nothing: proves a worker picks up work and stores results."""
    return {"pong": value}
