"""Log filters: a log line never carries a token from a URL."""

import logging
import re

# allauth's password-reset and email-confirmation links carry their secret in the path
_SECRET_PATHS = re.compile(r"(/accounts/(?:password/reset/key|confirm-email))/[^\s\"'?/]+")


def redact(text: str) -> str:
    return _SECRET_PATHS.sub(r"\1/[redacted]", text)


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
