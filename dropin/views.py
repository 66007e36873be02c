"""The drop-in desk: opening sessions and logging visits in a few seconds."""

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from dropin.models import OpeningSession
from safespace.access import DESK_ROLES, role_required


@require_safe
@role_required(*DESK_ROLES)
def dropin_home(request):
    """Today's sessions, and the way to open one."""
    today = timezone.localdate()
    sessions = list(
        OpeningSession.objects.filter(date=today).select_related("site").order_by("opens_at")
    )
    return render(request, "dropin/home.html", {"sessions": sessions, "today": today})
