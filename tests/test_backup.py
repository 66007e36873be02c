"""Backups that can be restored: the drill, on SQLite or on PostgreSQL (DATABASE_URL).

Back up, restore into a fresh database, compare every table's rows, read her file with
the escrowed keys; other keys are refused by the restore and by the app's start-up.
"""

import os
import secrets
import shutil
import stat
import subprocess
import sys
import tarfile
from io import StringIO
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from cases import blind_index
from cases.models import DocumentContent, Participant, SearchToken
from cases.services import document_add
from safespace import backup
from safespace.crypto import CANARY_PLAINTEXT, canary_verify, decrypt_bytes, decrypt_text
from safespace.models import AuditEntry, EncryptionCanary
from tests.conftest import PLANTED

pytestmark = pytest.mark.django_db(transaction=True)
ON_POSTGRESQL = connection.vendor == "postgresql"
DOCUMENT = b"%PDF-1.4 planted document body"


def url_of(config: dict) -> str:
    if config["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{config['NAME']}"
    password = f":{config['PASSWORD']}" if config.get("PASSWORD") else ""
    return (
        f"postgres://{config['USER']}{password}@{config['HOST'] or '127.0.0.1'}:"
        f"{config['PORT'] or 5432}/{config['NAME']}"
    )


def row_counts(alias: str) -> dict[str, int]:
    """Every table's rows, read through Django's own introspection (not the module's)."""
    with connections[alias].cursor() as cursor:
        names = connections[alias].introspection.table_names(cursor)
        counts = {}
        for name in names:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")  # noqa: S608
            counts[name] = cursor.fetchone()[0]
    return counts


def tables_in(target: dict) -> list[str]:
    if target["ENGINE"].endswith("sqlite3") and not Path(target["NAME"]).exists():
        return []
    with backup.connected(target) as alias, connections[alias].cursor() as cursor:
        return connections[alias].introspection.table_names(cursor)


@pytest.fixture(autouse=True)
def _backups_in_a_folder_of_their_own(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def target(tmp_path):
    """A fresh database to restore into: a new SQLite file, or a PostgreSQL database."""
    config = dict(connection.settings_dict)
    if not ON_POSTGRESQL:
        yield {**config, "NAME": str(tmp_path / "restored.sqlite3")}
        return
    pg_restore_or_skip()
    name = f"{config['NAME']}_restore"
    quoted = connection.ops.quote_name(name)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {quoted}")
    yield {**config, "NAME": name}
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")


def pg_restore_or_skip():
    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (postgresql-client); CI has it")


@pytest.fixture
def her_file(eve_file, alice_socialworker):
    """Eve's file with its planted values and a document, and the canary of a started app."""
    document_add(
        actor=alice_socialworker,
        participant=eve_file,
        title="Planted document title",
        kind="other",
        content_type="application/pdf",
        content=DOCUMENT,
    )
    canary_verify()
    return eve_file


def backup_make() -> Path:
    if ON_POSTGRESQL:
        pg_restore_or_skip()
    out = StringIO()
    call_command("backup", stdout=out, stderr=StringIO())
    first = out.getvalue().splitlines()[0]
    assert first.startswith("Backup written: ")
    return Path(first.removeprefix("Backup written: ").rsplit(" (", 1)[0])


def restore(path: Path, target: dict, **options) -> str:
    out = StringIO()
    call_command("restore", str(path), into=url_of(target), stdout=out, **options)
    return out.getvalue()


def test_a_restored_backup_holds_every_row_and_reads_with_the_escrowed_keys(her_file, target):
    before = row_counts("default")
    path = backup_make()

    output = restore(path, target)

    with backup.connected(target) as alias:
        assert row_counts(alias) == before
        canary = EncryptionCanary.objects.using(alias).order_by("pk").first()
        assert decrypt_text(canary.token) == CANARY_PLAINTEXT
        restored = Participant.objects.using(alias).get(reference=her_file.reference)
        assert restored.known_as == PLANTED["known_as"]
        assert restored.legal_name == PLANTED["legal_name"]
        content = DocumentContent.objects.using(alias).get(document__participant=restored)
        assert decrypt_bytes(content.token) == DOCUMENT
        # the search index still answers under the same BLIND_INDEX_KEY
        digest = blind_index.digest("known", "sol")
        assert SearchToken.objects.using(alias).filter(digest=digest).exists()
    printed = dict(line.split() for line in output.splitlines() if line.split()[0] in before)
    assert printed == {name: str(count) for name, count in before.items()}
    assert "FIELD_ENCRYPTION_KEYS and BLIND_INDEX_KEY read it" in output


def test_restoring_with_other_encryption_keys_is_refused_and_writes_nothing(
    her_file, target, settings
):
    path = backup_make()
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(CommandError, match="FIELD_ENCRYPTION_KEYS do not match this backup"):
        restore(path, target)
    assert tables_in(target) == []


def test_restoring_with_another_blind_index_key_is_refused_too(her_file, target, settings):
    path = backup_make()
    settings.BLIND_INDEX_KEY = secrets.token_urlsafe(48).encode()

    with pytest.raises(CommandError, match="BLIND_INDEX_KEY does not match this backup"):
        restore(path, target)
    assert tables_in(target) == []


def test_a_restore_the_keys_cannot_read_once_written_is_dropped(
    her_file, target, settings, monkeypatch
):
    """Should the manifest's check pass and the restored canary not, nothing is left behind."""
    path = backup_make()
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    monkeypatch.setattr(backup, "_keys_verify_manifest", lambda manifest: None)

    with pytest.raises(CommandError, match="the restored data was dropped"):
        restore(path, target)
    assert tables_in(target) == []


def test_the_app_refuses_to_start_on_a_restored_database_with_other_keys(her_file, target):
    restore(backup_make(), target)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "safespace.settings",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": url_of(target),
        "REDIS_URL": "",
        "DJANGO_SECRET_KEY": django_settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": ",".join(django_settings.FIELD_ENCRYPTION_KEYS),
        "BLIND_INDEX_KEY": django_settings.BLIND_INDEX_KEY.decode(),
    }

    def start(**changed):
        return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
            [sys.executable, "-c", "import safespace.wsgi"],
            env={**env, **changed},
            cwd=django_settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    assert start().returncode == 0
    refused = start(FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode())
    assert refused.returncode != 0
    assert "refusing to start" in refused.stderr


def test_a_target_holding_tables_is_refused_unless_asked_to_drop_them(her_file, target):
    path = backup_make()
    restore(path, target)

    with pytest.raises(CommandError, match=r"already holds \d+ table\(s\).*--yes"):
        restore(path, target)

    output = restore(path, target, yes=True)
    assert "as many as in the backup" in output
    with backup.connected(target) as alias:
        assert Participant.objects.using(alias).get().known_as == PLANTED["known_as"]


def test_a_backup_holds_no_key_and_only_its_owner_can_open_it(her_file, settings):
    path = backup_make()

    assert path.parent == Path(settings.VAR_DIR) / "backups"
    assert path.name.startswith("safespace-") and path.name.endswith("Z.tar")
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with tarfile.open(path) as archive:
        names = archive.getnames()
        contents = [archive.extractfile(name).read() for name in names]
    assert names == ["manifest.json", backup.DATABASE_MEMBER[connection.vendor]]
    if ON_POSTGRESQL:  # the custom format is compressed: read it as SQL
        dump = path.parent / "check.pgdump"
        dump.write_bytes(contents[1])
        contents[1] = subprocess.run(  # noqa: S603
            [shutil.which("pg_restore"), "--file=-", str(dump)], capture_output=True, check=True
        ).stdout
    assert b"Soleil" not in b"".join(contents)  # her name only as a token
    secrets_kept_apart = [
        *django_settings.FIELD_ENCRYPTION_KEYS,
        django_settings.BLIND_INDEX_KEY.decode(),
        django_settings.SECRET_KEY,
    ]
    for secret in secrets_kept_apart:
        assert all(secret.encode() not in content for content in contents)


def test_a_backup_is_recorded_in_the_audit_trail(her_file):
    backup_make()

    entry = AuditEntry.objects.get(action="backup.made")
    assert entry.actor_id is None
    assert entry.payload["format"] == connection.vendor
    assert entry.payload["count"] == len(row_counts("default"))


def test_a_backup_never_overwrites_a_file(her_file, tmp_path):
    existing = tmp_path / "taken.tar"
    existing.write_bytes(b"someone else's")

    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", output=existing, stdout=StringIO())
    assert existing.read_bytes() == b"someone else's"


def test_a_backup_is_refused_when_the_configured_keys_do_not_read_the_database(her_file, settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(CommandError, match="Backup refused: FIELD_ENCRYPTION_KEYS cannot"):
        call_command("backup", stdout=StringIO())
    assert not (Path(settings.VAR_DIR) / "backups").exists()


def test_a_missing_pg_dump_is_refused_in_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(backup.BackupError) as refused:
        backup.pg_tool("pg_dump")
    assert str(refused.value).startswith("pg_dump is not installed")
    assert "\n" not in str(refused.value)


@pytest.mark.skipif(not ON_POSTGRESQL, reason="pg_dump serves PostgreSQL databases only")
def test_backup_on_postgresql_without_pg_dump_is_a_command_error(her_file, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(CommandError, match="^pg_dump is not installed"):
        call_command("backup", stdout=StringIO())


@pytest.mark.skipif(not ON_POSTGRESQL, reason="pg_dump serves PostgreSQL databases only")
def test_the_database_password_reaches_pg_dump_in_its_environment_never_its_arguments(
    her_file, monkeypatch
):
    pg_restore_or_skip()
    password = "planted-password-" + secrets.token_hex(8)  # ignored by trust authentication
    monkeypatch.setitem(connection.settings_dict, "PASSWORD", password)
    calls = []
    real_run = subprocess.run

    def spy(args, **kwargs):
        calls.append((args, kwargs["env"]))
        return real_run(args, **kwargs)

    monkeypatch.setattr(backup.subprocess, "run", spy)
    out = StringIO()
    call_command("backup", stdout=out)

    [(args, env)] = calls
    assert password not in " ".join(args)
    assert env["PGPASSWORD"] == password
    assert password not in out.getvalue()
