"""Reading configuration from the environment, strictly.

Every helper raises ``ImproperlyConfigured`` with a message that names the
variable and says what is expected, and never echoes a secret value back.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}."
    )


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def validate_fernet_keys(keys: list[str], name: str = "FIELD_ENCRYPTION_KEYS") -> list[str]:
    """Each key must be 32 url-safe base64-encoded bytes (a Fernet key)."""
    keys = [key for key in keys if key]
    if not keys:
        raise ImproperlyConfigured(f"{name} must hold at least one Fernet key.")
    for position, key in enumerate(keys, start=1):
        try:
            decoded = base64.urlsafe_b64decode(key.encode("ascii"))
        except (binascii.Error, UnicodeEncodeError, ValueError):
            decoded = b""
        if len(decoded) != 32:
            raise ImproperlyConfigured(
                f"{name}: key number {position} is not a valid Fernet key "
                "(32 url-safe base64-encoded bytes). Generate one with "
                "`python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`."
            )
    if len(set(keys)) != len(keys):
        raise ImproperlyConfigured(f"{name} lists the same key twice.")
    return keys


def validate_blind_index_key(key: str, encryption_keys: list[str], secret_key: str) -> bytes:
    """The blind-index key must be long, and must not reuse another secret."""
    if len(key) < 32:
        raise ImproperlyConfigured("BLIND_INDEX_KEY must be at least 32 characters long.")
    if key in encryption_keys or key == secret_key:
        raise ImproperlyConfigured(
            "BLIND_INDEX_KEY must be a separate secret, not an encryption key or the SECRET_KEY."
        )
    return key.encode("utf-8")


def generate_fernet_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def development_secrets(var_dir: Path) -> dict[str, str]:
    """Keys for debug/demo mode, generated once into ``var/`` (git-ignored).

    Only ever called when DJANGO_DEBUG is on, so a production deployment can
    never silently run on generated keys.
    """
    path = var_dir / "dev-secrets.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    wanted = {
        "DJANGO_SECRET_KEY": lambda: secrets.token_urlsafe(64),
        "FIELD_ENCRYPTION_KEYS": generate_fernet_key,
        "BLIND_INDEX_KEY": lambda: secrets.token_urlsafe(48),
    }
    changed = False
    for name, make in wanted.items():
        if not data.get(name):
            data[name] = make()
            changed = True
    if changed:
        var_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        # owner-only: these keys decrypt the demo database
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle, indent=2)
        os.replace(tmp, path)
    return data


def secret(name: str, debug: bool, dev_values: dict[str, str] | None) -> str:
    """A secret from the environment; in debug mode fall back to ``var/``."""
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if debug and dev_values is not None:
        return dev_values[name]
    raise ImproperlyConfigured(
        f"{name} is not set. It is required when DJANGO_DEBUG is off "
        "(see .env.example and the README)."
    )


def env_ascending_ints(
    name: str, default: tuple[int, ...], *, minimum: int = 1, maximum: int | None = None
) -> tuple[int, ...]:
    """Whole numbers separated by commas (e.g. "1,3,6,12"), each from ``minimum`` to
    ``maximum``, in ascending order and without repeats; at least one."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        values = tuple(default)
    else:
        try:
            values = tuple(int(item.strip()) for item in raw.split(","))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must be whole numbers separated by commas, e.g. 1,3,6,12; got {raw!r}."
            ) from None
    if not values:
        raise ImproperlyConfigured(f"{name} must hold at least one number.")
    for value in values:
        if value < minimum or (maximum is not None and value > maximum):
            bounds = (
                f"from {minimum} to {maximum}" if maximum is not None else f"at least {minimum}"
            )
            raise ImproperlyConfigured(f"{name}: each number must be {bounds}; got {value}.")
    if list(values) != sorted(set(values)):
        raise ImproperlyConfigured(
            f"{name} must be in ascending order without repeats, e.g. 1,3,6,12; "
            f"got {','.join(map(str, values))}."
        )
    return values
