"""Configuration comes from the environment and fails loudly, in one clear line."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
CONFIG_VARS = (
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "FIELD_ENCRYPTION_KEYS",
    "BLIND_INDEX_KEY",
    "REDIS_URL",
    "SAFESPACE_EXIT_URL",
)


def production_env(tmp_path, **overrides):
    env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    env.update(
        DJANGO_SETTINGS_MODULE="safespace.settings",
        SAFESPACE_VAR_DIR=str(tmp_path / "var"),
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="safespace.example.org",
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        BLIND_INDEX_KEY=secrets.token_urlsafe(48),
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_passes_with_every_key_set(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_warns_when_redis_is_missing(tmp_path):
    env = production_env(tmp_path, REDIS_URL=None)
    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "safespace.W001" in result.stderr + result.stdout


@pytest.mark.parametrize(
    "missing", ["DJANGO_SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"]
)
def test_a_missing_key_stops_production_with_a_clear_message(tmp_path, missing):
    result = manage(production_env(tmp_path, **{missing: None}), "check")
    assert result.returncode == 2
    assert f"{missing} is not set" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "var" / "dev-secrets.json").exists(), "no key generated in production"


def test_missing_allowed_hosts_stops_production(tmp_path):
    result = manage(production_env(tmp_path, DJANGO_ALLOWED_HOSTS=None), "check")
    assert result.returncode == 2
    assert "DJANGO_ALLOWED_HOSTS is not set" in result.stderr


def test_an_unreadable_debug_flag_is_refused_not_guessed(tmp_path):
    result = manage(production_env(tmp_path, DJANGO_DEBUG="maybe"), "check")
    assert result.returncode == 2
    assert "DJANGO_DEBUG must be one of" in result.stderr


def test_a_malformed_encryption_key_is_refused_without_echoing_it(tmp_path):
    bad_key = "not-a-fernet-key-" + secrets.token_hex(8)
    env = production_env(
        tmp_path, FIELD_ENCRYPTION_KEYS=f"{Fernet.generate_key().decode()},{bad_key}"
    )
    result = manage(env, "check")
    assert result.returncode == 2
    assert "key number 2 is not a valid Fernet key" in result.stderr
    assert bad_key not in result.stderr


def test_the_blind_index_key_cannot_reuse_the_secret_key(tmp_path):
    env = production_env(tmp_path)
    env["BLIND_INDEX_KEY"] = env["DJANGO_SECRET_KEY"]
    result = manage(env, "check")
    assert result.returncode == 2
    assert "BLIND_INDEX_KEY must be a separate secret" in result.stderr
    assert env["DJANGO_SECRET_KEY"] not in result.stderr


def test_a_bad_database_url_is_refused(tmp_path):
    result = manage(production_env(tmp_path, DATABASE_URL="mysql-ish:/nowhere"), "check")
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_debug_mode_generates_keys_once_into_var(tmp_path):
    env = production_env(
        tmp_path,
        DJANGO_DEBUG="1",
        DJANGO_SECRET_KEY=None,
        FIELD_ENCRYPTION_KEYS=None,
        BLIND_INDEX_KEY=None,
        DJANGO_ALLOWED_HOSTS=None,
    )
    assert manage(env, "check").returncode == 0
    secrets_file = tmp_path / "var" / "dev-secrets.json"
    first = secrets_file.read_text()
    assert oct(secrets_file.stat().st_mode & 0o777) == "0o600"
    assert manage(env, "check").returncode == 0
    assert secrets_file.read_text() == first
