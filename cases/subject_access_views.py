"""Her data, for her (GDPR articles 15 and 20): a coordinator produces everything the
organisation holds about one participant, as a readable PDF or as JSON. The file comes
through her scope (out of scope is 404), the download asks for the password again, is never
cached, has a neutral name, and is recorded (the format only)."""

import json

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from cases.models import Participant
from cases.subject_access import (
    FORMATS,
    subject_access_collect,
    subject_access_export_record,
    subject_access_view,
)
from safespace.access import role_required
from safespace.roles import Role


def _her_file_or_404(request, pk) -> Participant:
    """Her file through the coordinator's scope, loading only what the page names her by."""
    return get_object_or_404(
        Participant.objects.visible_to(request.user).only("pk", "reference", "known_as"), pk=pk
    )


@never_cache
@require_safe
@role_required(Role.COORDINATOR)
def subject_access_page(request, pk):
    """What the download holds, that it is recorded, and the two buttons (PDF, JSON)."""
    participant = _her_file_or_404(request, pk)
    return render(request, "cases/subject_access.html", {"participant": participant})


@never_cache
@require_safe
@role_required(Role.COORDINATOR)
def subject_access_download(request, pk, fmt):
    """Everything about her as a PDF or JSON, after the password again; recorded."""
    if fmt not in FORMATS:
        raise Http404
    # out of scope answers 404 before anything else, the password prompt included
    participant = _her_file_or_404(request, pk)
    return _download(request, participant, fmt)


@reauthentication_required
def _download(request, participant, fmt):
    data = subject_access_collect(participant)
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
        content_type = "application/json; charset=utf-8"
    else:
        from reports.rendering import StaticOnlyURLFetcher, html_to_pdf

        html = render_to_string(
            "cases/subject_access_pdf.html",
            {
                "organisation": settings.SAFESPACE_ORGANISATION_NAME,
                "known_as": data["her_file"]["known_as"],
                "reference": data["her_file"]["reference"],
                "today": timezone.localdate(),
                "sections": subject_access_view(data),
            },
            request=request,
        )
        # files inside the static folder only: never the network, never another file on disk
        body = html_to_pdf(html, url_fetcher=StaticOnlyURLFetcher(fail_on_errors=True))
        content_type = "application/pdf"
    subject_access_export_record(actor=request.user, participant=participant, fmt=fmt)
    response = HttpResponse(body, content_type=content_type)
    # her reference only: the name shows in download lists and on shared computers
    reference = "".join(
        c for c in participant.reference if c.isascii() and (c.isalnum() or c == "-")
    )
    name = f"her-data-{reference}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    return response
