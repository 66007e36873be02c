from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def demo_totp_code(user) -> str:
    """The current code of a demo account's authenticator, only while DJANGO_DEBUG is on.

    Lets anyone trying `make run` walk through every role without an authenticator
    app. With debug off this returns nothing, whoever asks.
    """
    if not settings.DEBUG or user is None:
        return ""
    from safespace.demo import demo_totp_code_for

    return demo_totp_code_for(user)
