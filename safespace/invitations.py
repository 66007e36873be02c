"""Invitation codes: generated here, stored only as a keyed digest."""

import re
import secrets

from django.utils.crypto import salted_hmac

# no 0/O, 1/I/L: read aloud or copied from paper without mistakes
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
GROUPS, GROUP_LENGTH = 3, 4
CODE_PATTERN = re.compile(rf"^[{ALPHABET}]{{{GROUPS * GROUP_LENGTH}}}$")


def code_generate() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_LENGTH))
    return "-".join(raw[i : i + GROUP_LENGTH] for i in range(0, len(raw), GROUP_LENGTH))


def code_normalise(typed: str) -> str:
    """Upper-case, without spaces or dashes: how people type what they read."""
    return re.sub(r"[\s\-]", "", typed or "").upper()


def code_digest(code: str) -> str:
    return salted_hmac("safespace.invitation", code_normalise(code), algorithm="sha256").hexdigest()
