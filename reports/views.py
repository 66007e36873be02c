"""The annual report pages, for coordinators: ask for a report, follow its progress, read
its preview, download its files after re-authentication (each download recorded)."""

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HttpResponseClientRefresh

from reports.document import ReportDocument
from reports.forms import ReportRequestForm
from reports.models import Report, ReportFile
from reports.services import ReportRefused, report_file_read, report_request
from safespace.access import role_required
from safespace.roles import Role

# never shown on a page: not loaded, so not decrypted
NOT_SHOWN = ("unsuppressed_reason",)
CONTENT_TYPES = {
    ReportFile.Kind.PDF: "application/pdf",
    ReportFile.Kind.CSV: "text/csv; charset=utf-8",
    ReportFile.Kind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _request_from(request, form) -> Report | None:
    data = form.cleaned_data
    try:
        return report_request(
            actor=request.user,
            start=data["start"],
            end=data["end"],
            site=data["site"],
            language=data["language"],
            suppressed=not data["show_small_numbers"],
            reason=data["reason"],
        )
    except ReportRefused as refusal:
        form.add_error(None, str(refusal))
        return None


@never_cache
@role_required(Role.COORDINATOR)
def report_list(request):
    """The reports made so far (newest first), and the form to ask for a new one."""
    form = ReportRequestForm(
        request.POST if request.method == "POST" else None,
        initial={"language": get_language()},
    )
    if request.method == "POST" and form.is_valid():
        report = _request_from(request, form)
        if report is not None:
            return redirect("report_detail", pk=report.pk)
    page = Paginator(
        Report.objects.select_related("site", "requested_by").defer(*NOT_SHOWN, "document"), 20
    ).get_page(request.GET.get("page"))
    return render(request, "reports/list.html", {"form": form, "page": page})


def _report_or_404(pk) -> Report:
    return get_object_or_404(
        Report.objects.select_related("site", "requested_by").defer(*NOT_SHOWN), pk=pk
    )


@never_cache
@require_safe
@role_required(Role.COORDINATOR)
def report_detail(request, pk):
    """Its progress while it is prepared (polled by htmx), then its preview and files."""
    report = _report_or_404(pk)
    if request.htmx and request.GET.get("progress"):
        if report.is_finished:
            return HttpResponseClientRefresh()
        return render(request, "reports/detail.html#progress", {"report": report})
    document = ReportDocument.from_json(report.document) if report.document else None
    files = {f.kind: f for f in report.files.only("pk", "kind", "size", "report_id")}
    context = {"report": report, "document": document, "files": files}
    if document is not None:
        from reports.rendering import render_report_html

        # our own template, autoescaped: safe to place in the page as it is
        context["document_html"] = mark_safe(render_report_html(document))  # noqa: S308
    return render(request, "reports/detail.html", context)


@require_POST
@role_required(Role.COORDINATOR)
def report_regenerate(request, pk):
    """A new version of the same period and site, from today's data (small numbers hidden;
    to show them, ask again from the form with a reason)."""
    report = _report_or_404(pk)
    new = report_request(
        actor=request.user,
        start=report.start,
        end=report.end,
        site=report.site,
        language=report.language,
    )
    messages.success(request, _("A new version is being prepared."))
    return redirect("report_detail", pk=new.pk)


@never_cache
@require_safe
@role_required(Role.COORDINATOR)
def report_download(request, pk, kind):
    """One file of a report; asks for the password again first, and records the download."""
    if kind not in ReportFile.Kind.values:
        raise Http404
    return _download(request, pk, kind)


@reauthentication_required
def _download(request, pk, kind):
    report = _report_or_404(pk)
    report_file = report.files.filter(kind=kind).first()
    if report_file is None:
        raise Http404  # not built, or past its keeping date
    data = report_file_read(actor=request.user, report_file=report_file)
    response = HttpResponse(data, content_type=CONTENT_TYPES[kind])
    scope = "site" if report.site_id else "organisation"
    name = f"report-{report.start:%Y%m%d}-{report.end:%Y%m%d}-{scope}-v{report.version}.{kind}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store, private"
    return response
