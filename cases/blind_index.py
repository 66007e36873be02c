"""Searching encrypted names without decrypting them: keyed hashes of prefixes.

For each word of her known-as and legal names, the HMAC (keyed with
BLIND_INDEX_KEY, never the encryption key) of every prefix from two letters
up is stored; a search hashes what was typed and looks the hashes up. Names
are folded first (case, accents, spacing), so "Hélène", "helene" and
" HELENE " find the same file. Phone numbers are matched on their last nine
digits, so +33 6 12 34 56 78 and 06 12 34 56 78 are the same number.
Each whole name also gets one "fullname" digest (its folded words joined by one
space), so intake can spot a possible duplicate by exact name, still without
decrypting anyone's file.

What this reveals to someone holding the database without the key: how many
prefixes a name has and which files share one, never a letter.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from django.conf import settings

MIN_PREFIX = 2
MAX_PREFIX = 12
PHONE_DIGITS = 9


def fold(text: str) -> str:
    """Lower case, without accents; ß, œ and æ spelled out."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold().replace("œ", "oe").replace("æ", "ae")


def words(text: str) -> list[str]:
    return [word for word in re.split(r"[^\w]+", fold(text)) if word]


def digest(kind: str, value: str) -> str:
    return hmac.new(
        settings.BLIND_INDEX_KEY, f"{kind}:{value}".encode(), hashlib.sha256
    ).hexdigest()


def name_digests(*names: str) -> set[str]:
    found = set()
    for name in names:
        for word in words(name):
            for length in range(MIN_PREFIX, min(len(word), MAX_PREFIX) + 1):
                found.add(digest("name", word[:length]))
    return found


def fullname_key(name: str) -> str:
    """Her name as compared for duplicates: folded words joined by one space."""
    return " ".join(words(name))


def fullname_digests(*names: str) -> set[str]:
    """One digest per non-empty name: "Hélène  DUPRÉ" and "helene dupre" give the same."""
    return {digest("fullname", key) for key in map(fullname_key, names) if key}


def phone_key(phone: str) -> str | None:
    digits = re.sub(r"\D", "", phone or "")
    return digits[-PHONE_DIGITS:] if len(digits) >= PHONE_DIGITS else None


def phone_digests(phone: str) -> set[str]:
    key = phone_key(phone)
    return {digest("phone", key)} if key else set()


def query_digests(typed: str) -> list[str]:
    """One digest per typed word (each must match), longer prefixes cut to the indexed length."""
    return [digest("name", word[:MAX_PREFIX]) for word in words(typed) if len(word) >= MIN_PREFIX]


# --- At the drop-in desk: her known-as name only ---
# The desk (volunteers included) finds a known visitor by the first letters of her known-as
# name, never by her legal name or phone: these digests have their own kind.


def known_as_digests(known_as: str) -> set[str]:
    found = set()
    for word in words(known_as):
        for length in range(MIN_PREFIX, min(len(word), MAX_PREFIX) + 1):
            found.add(digest("known", word[:length]))
    return found


def desk_query_digests(typed: str) -> list[str]:
    """One digest per typed word of her known-as name (each must match)."""
    return [digest("known", word[:MAX_PREFIX]) for word in words(typed) if len(word) >= MIN_PREFIX]
