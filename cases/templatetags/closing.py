"""The close-her-file form, for the small panel the file page includes."""

from django import template

register = template.Library()


@register.simple_tag
def close_file_form(participant):
    from cases.forms import CloseFileForm

    return CloseFileForm(participant=participant)
