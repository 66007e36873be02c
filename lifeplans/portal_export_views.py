"""From her own space: what she wrote herself, as a file she can keep or take elsewhere
(GDPR article 20). Her plan as a PDF is ``portal_views.portal_plan_pdf``."""

import json

from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from cases.models import Participant
from lifeplans.her_words import her_words_collect, her_words_downloaded
from safespace.access import role_required
from safespace.roles import Role


@never_cache
@require_safe
@role_required(Role.PARTICIPANT)
def portal_my_words(request):
    """Her own words as JSON: goals she set, reflections, safety plan, strengths, dreams."""
    participant = Participant.objects.visible_to(request.user).only("pk").first()
    if participant is None:
        raise Http404
    body = json.dumps(her_words_collect(participant), ensure_ascii=False, indent=2)
    her_words_downloaded(actor=request.user, participant=participant)
    response = HttpResponse(body.encode("utf-8"), content_type="application/json; charset=utf-8")
    # a neutral name: it stays in the downloads of a shared phone
    response["Content-Disposition"] = 'attachment; filename="my-words.json"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    return response
