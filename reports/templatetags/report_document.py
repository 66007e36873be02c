from django import template

from reports.rendering import report_view

register = template.Library()


@register.simple_tag(takes_context=True)
def report_document_view(context, document):
    """The document formatted for the report's templates, in the active language (the PDF
    template sets ``for_pdf``: its logo is read from the static folder)."""
    return report_view(document, for_pdf=bool(context.get("for_pdf")))
