"""A log line never carries a token from a URL."""

import logging

from safespace.logging import RedactSecretsFilter, redact


def test_reset_and_confirmation_tokens_are_redacted():
    line = "Not Found: /accounts/password/reset/key/4-abc123-secret-token/"
    assert redact(line) == "Not Found: /accounts/password/reset/key/[redacted]/"
    assert "k3y" not in redact('"GET /accounts/confirm-email/k3y:value/ HTTP/1.1" 404')


def test_django_style_log_records_are_redacted_with_their_arguments():
    # django.request logs "Not Found: %s" with the path as an argument
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Not Found: %s",
        ("/accounts/confirm-email/leaky-token-456/",),
        None,
    )
    assert RedactSecretsFilter().filter(record) is True
    assert "leaky-token" not in record.getMessage()


def test_other_log_lines_are_left_alone():
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/people/12/",), None
    )
    RedactSecretsFilter().filter(record)
    assert record.getMessage() == "Not Found: /people/12/"


def test_the_console_handler_uses_the_filter(settings):
    assert "redact_secrets" in settings.LOGGING["handlers"]["console"]["filters"]
