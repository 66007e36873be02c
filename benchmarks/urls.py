"""The benchmark's URLs: the site's own, plus the floor view, which only exists here.

The floor is what any staff page costs before it does any work of its own: the
same middleware stack (sessions, authentication, MFA enrolment check, session
timeout, CSP...), the role check, the same database, and base.html with its
context processors around an empty page. Pages are reported as a ratio to it.
exit_help is not used as the floor: it is exempt from the MFA enrolment check
and from the role check, so it would skip work every staff page pays for.
"""

from django.http import HttpResponse
from django.template import engines
from django.urls import path
from django.views.decorators.http import require_safe

from safespace.access import role_required
from safespace.roles import STAFF_ROLES
from safespace.urls import urlpatterns as site_urlpatterns

FLOOR_TEMPLATE = engines["django"].from_string(
    '{% extends "base.html" %}{% block head_title %}Floor{% endblock %}'
    "{% block content %}<p>Floor.</p>{% endblock %}"
)


@require_safe
@role_required(*STAFF_ROLES)
def floor(request):
    return HttpResponse(FLOOR_TEMPLATE.render({}, request))


urlpatterns = [path("bench/floor/", floor, name="bench_floor"), *site_urlpatterns]
