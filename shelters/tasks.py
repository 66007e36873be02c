from celery import shared_task


@shared_task
def follow_ups_mark_due() -> int:
    """Mark due the follow-ups after a stay whose day has come. No arguments, and nothing
    leaves the app (no email, no notification): her worker sees them on her pages.
    Returns how many were marked now."""
    from shelters.services import follow_ups_mark_due as mark

    return mark()
