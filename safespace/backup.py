"""Backups that can be restored: the database in one tar file, checked against the keys.

A backup (``safespace-YYYYMMDDTHHMMSSZ.tar``, mode 0600, in a 0700 folder) holds:

- ``manifest.json``: format version, engine, UTC time, the row count of every table and
  the database's key checks (the canary's Fernet token and the search-index check);
- ``database.pgdump`` (PostgreSQL, ``pg_dump --format=custom``, read in the same
  snapshot as the counts) or ``database.sqlite3`` (SQLite, the online backup API).

Never a key: FIELD_ENCRYPTION_KEYS and BLIND_INDEX_KEY are kept in escrow, apart.
Documents, dream-board pictures and report files are Fernet tokens in the database
(nothing is stored under MEDIA_ROOT), so the database is the whole of the data.

A restore goes into an empty database only (``replace`` drops the target's tables
first). The configured keys must read the manifest's checks before anything is
written, and the restored canary after; a restore that fails after writing drops
what it wrote, so the target is left empty, never holding data the keys cannot read.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import environ
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.utils import load_backend

from safespace.crypto import blind_index_check_matches, canary_reads, canary_verify

FORMAT = "safespace-backup"
VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBER = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
ENGINES = {"django.db.backends.postgresql": "postgresql", "django.db.backends.sqlite3": "sqlite"}
CANARY_SQL = "SELECT token, blind_index_check FROM safespace_encryptioncanary ORDER BY id LIMIT 1"
# tables of the schemas on the search path, as Django sees them
PG_TABLES_SQL = """
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND pg_table_is_visible(c.oid)
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
ORDER BY 1
"""
SQLITE_TABLES_SQL = (
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
    "ESCAPE '\\' ORDER BY 1"
)


class BackupError(Exception):
    """A backup or restore refused or failed. One line; never a secret, never a value."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    tables: dict[str, int]


@dataclass(frozen=True)
class RestoreResult:
    tables: dict[str, int]
    blind_index_verified: bool


# --- Databases -------------------------------------------------------------------------


def database_config(url: str) -> dict:
    """A Django database settings dict from a DATABASE_URL (never echoes the URL)."""
    try:
        config = environ.Env.db_url_config(url.strip())
    except Exception:  # noqa: BLE001 - the parser raises several types; the message is ours
        raise BackupError(
            "--into is not a database URL (expected postgres://user@host:port/name "
            "or sqlite:////path)."
        ) from None
    engine_of(config)
    return config


def engine_of(config: dict) -> str:
    try:
        return ENGINES[config.get("ENGINE")]
    except KeyError:
        raise BackupError("Only PostgreSQL and SQLite databases can be backed up.") from None


def describe(config: dict) -> str:
    """Where a database is, without its password."""
    if engine_of(config) == "sqlite":
        return str(config["NAME"])
    host = config.get("HOST") or "local socket"
    port = f":{config['PORT']}" if config.get("PORT") else ""
    return f"{config['NAME']} on {host}{port}"


@contextmanager
def connected(config: dict) -> Iterator[str]:
    """A connection alias to another database for the time of the block (this thread)."""
    keys = ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")
    wanted = {key: config[key] for key in keys if key in config}
    filled = connections.configure_settings({DEFAULT_DB_ALIAS: wanted})[DEFAULT_DB_ALIAS]
    alias = f"safespace_restore_{uuid.uuid4().hex[:12]}"
    # made here, not added to the settings: the other databases stay as they are
    connections[alias] = load_backend(filled["ENGINE"]).DatabaseWrapper(filled, alias)
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]


def table_counts(cursor, engine: str) -> dict[str, int]:
    """Rows in every table, by name; works with a Django or a DB-API cursor."""
    cursor.execute(PG_TABLES_SQL if engine == "postgresql" else SQLITE_TABLES_SQL)
    names = [row[0] for row in cursor.fetchall()]
    counts = {}
    for name in names:
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(name)}")  # noqa: S608 - names from the catalogue
        counts[name] = cursor.fetchone()[0]
    return counts


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- PostgreSQL tools ------------------------------------------------------------------


def pg_tool(name: str) -> str:
    """The path of pg_dump or pg_restore, or a one-line refusal."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client (postgresql-client, "
            "the same major version as the server or newer)."
        )
    return path


def _pg_env(config: dict) -> dict[str, str]:
    """libpq's variables for this database: the password travels here, never in argv."""
    env = dict(os.environ)
    values = {
        "PGHOST": config.get("HOST"),
        "PGPORT": config.get("PORT"),
        "PGUSER": config.get("USER"),
        "PGPASSWORD": config.get("PASSWORD"),
    }
    options = config.get("OPTIONS") or {}
    for option in ("sslmode", "sslrootcert", "sslcert", "sslkey"):
        values[f"PG{option.upper()}"] = options.get(option)
    env.update({name: str(value) for name, value in values.items() if value not in (None, "")})
    return env


def _pg_dbname(config: dict) -> str:
    """--dbname as a connection string, so that no database name is read as options."""
    name = str(config["NAME"]).replace("\\", "\\\\").replace("'", "\\'")
    return f"--dbname=dbname='{name}'"


def _pg_failure(tool: str, completed_stderr: bytes, config: dict) -> BackupError:
    lines = [line for line in completed_stderr.decode("utf-8", "replace").splitlines() if line]
    detail = lines[-1] if lines else "no message"
    password = config.get("PASSWORD")
    if password:
        detail = detail.replace(str(password), "***")
    return BackupError(f"{tool} failed: {detail}")


# --- Backup ----------------------------------------------------------------------------


def _default_name() -> str:
    return f"safespace-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.tar"


def _output_path(output: Path | None) -> Path:
    if output is None:
        folder = Path(settings.VAR_DIR) / "backups"
        path = folder / _default_name()
    else:
        output = Path(output)
        path = output / _default_name() if output.is_dir() else output
        folder = path.parent
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True)
        folder.chmod(0o700)  # whatever the umask
    if path.exists():
        raise BackupError(f"{path} already exists: a backup never overwrites a file.")
    return path


def _keys_refusal(error: ImproperlyConfigured) -> BackupError:
    which = str(error).split(". ")[0]
    return BackupError(
        f"Backup refused: {which}. The keys kept in escrow must read every backup; "
        "fix the configured keys first."
    )


def media_files() -> int:
    """Files under MEDIA_ROOT: none are expected (uploads live encrypted in the database)."""
    root = Path(settings.MEDIA_ROOT)
    return sum(1 for item in root.rglob("*") if item.is_file()) if root.is_dir() else 0


def backup_make(*, output: Path | None = None) -> BackupResult:
    """Write one backup file (0600) of the configured database; its path, size and counts.

    Refuses when the configured keys do not read the database (the canary), so that the
    keys in escrow are known to read every backup made with them.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    config = connection.settings_dict
    engine = engine_of(config)
    if engine == "postgresql":
        pg_tool("pg_dump")
    if connection.in_atomic_block:
        raise BackupError("A backup cannot be made inside a transaction.")
    try:
        canary_verify()  # creates the canary of a database that never started
    except ImproperlyConfigured as error:
        raise _keys_refusal(error) from None
    path = _output_path(output)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".backup-") as work:
        dump = Path(work) / DATABASE_MEMBER[engine]
        if engine == "postgresql":
            counts, canary = _pg_dump(connection, dump)
        else:
            counts, canary = _sqlite_copy(connection, dump)
        if canary is None:
            raise BackupError("The database holds no encryption check: is it migrated?")
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "engine": engine,
            "database": DATABASE_MEMBER[engine],
            "tables": counts,
            "canary": {"token": canary[0], "blind_index_check": canary[1] or ""},
        }
        partial = Path(work) / "backup.tar"
        _write_archive(partial, manifest, dump)
        os.replace(partial, path)  # same folder: the file appears whole or not at all
    _backup_audit(engine, counts)
    return BackupResult(path=path, size=path.stat().st_size, tables=counts)


def _pg_dump(connection, dump: Path):
    """pg_dump in the snapshot the counts were read in, so the manifest matches the dump."""
    config = connection.settings_dict
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = table_counts(cursor, "postgresql")
        canary = _canary_row(cursor)
        if canary is None:
            return counts, None
        completed = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [
                pg_tool("pg_dump"),
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={dump}",
                _pg_dbname(config),
            ],
            env=_pg_env(config),
            capture_output=True,
            check=False,
        )
    if completed.returncode != 0:
        raise _pg_failure("pg_dump", completed.stderr, config)
    dump.chmod(0o600)
    return counts, canary


def _sqlite_copy(connection, dump: Path):
    connection.ensure_connection()
    fd = os.open(dump, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    with closing(sqlite3.connect(dump)) as copy:
        connection.connection.backup(copy)
        cursor = copy.cursor()
        return table_counts(cursor, "sqlite"), _canary_row(cursor)


def _canary_row(cursor):
    try:
        cursor.execute(CANARY_SQL)
    except (DatabaseError, sqlite3.DatabaseError):
        return None
    return cursor.fetchone()


def _member(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(datetime.now(UTC).timestamp())
    return info


def _write_archive(path: Path, manifest: dict, dump: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle, tarfile.open(fileobj=handle, mode="w") as archive:
        data = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
        archive.addfile(_member(MANIFEST, len(data)), io.BytesIO(data))
        with dump.open("rb") as content:
            archive.addfile(_member(dump.name, dump.stat().st_size), content)


def _backup_audit(engine: str, counts: dict[str, int]) -> None:
    from safespace.audit import audit_record

    # a backup is an export of everything: recorded like the others
    audit_record(action="backup.made", payload={"format": engine, "count": len(counts)})


# --- Restore ---------------------------------------------------------------------------


def backup_read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        manifest = json.loads(archive.extractfile(MANIFEST).read())
    except (KeyError, AttributeError, ValueError):
        manifest = None
    if not isinstance(manifest, dict):
        raise BackupError("This file is not a Safespace backup (no readable manifest).")
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError("This file is not a Safespace backup of a version this code reads.")
    if DATABASE_MEMBER.get(manifest.get("engine")) != manifest.get("database"):
        raise BackupError("This backup's manifest names no database it could hold.")
    return manifest


def _keys_verify(token: str, stored_check: str, *, after: str) -> bool:
    """Raise unless the configured keys read these checks; True if BLIND_INDEX_KEY was."""
    if not token or not canary_reads(token):
        raise BackupError(
            "The configured FIELD_ENCRYPTION_KEYS do not match this backup: its encryption "
            f"check does not decrypt. Configure the keys kept in escrow for it; {after}."
        )
    if not stored_check:
        return False
    if not blind_index_check_matches(stored_check):
        raise BackupError(
            "The configured BLIND_INDEX_KEY does not match this backup: its search index was "
            f"made with another key. Configure the key kept in escrow for it; {after}."
        )
    return True


def _keys_verify_manifest(manifest: dict) -> None:
    canary = manifest.get("canary") or {}
    _keys_verify(
        canary.get("token") or "", canary.get("blind_index_check") or "", after="nothing restored"
    )


def backup_restore(
    *, path: Path, target: dict | None = None, replace: bool = False
) -> RestoreResult:
    """Restore a backup into ``target`` (the configured database by default).

    Refuses a target that holds tables unless ``replace`` (they are then dropped), and
    refuses before writing anything when the configured keys do not read the backup's
    checks. After restoring, the canary is read from the restored database and the row
    counts compared with the manifest's; if either fails, what was restored is dropped.
    """
    target = dict(target or connections[DEFAULT_DB_ALIAS].settings_dict)
    engine = engine_of(target)
    if engine == "postgresql":
        pg_tool("pg_restore")
    with _archive_open(path) as archive:
        manifest = backup_read_manifest(archive)
        if manifest["engine"] != engine:
            raise BackupError(
                f"This backup is of a {manifest['engine']} database; the target is {engine}."
            )
        _keys_verify_manifest(manifest)
        try:
            member = archive.getmember(manifest["database"])
        except KeyError:
            member = None
        if member is None or not member.isfile():
            raise BackupError("This backup holds no database file; nothing restored.")
        content = archive.extractfile(member)
        if engine == "postgresql":
            _pg_restore(content, target, replace=replace)
        else:
            _sqlite_restore(content, target, replace=replace)
    try:
        return _restored_verify(manifest, target, engine)
    except BackupError:
        _wipe(target, engine)
        raise


@contextmanager
def _archive_open(path: Path) -> Iterator[tarfile.TarFile]:
    try:
        archive = tarfile.open(path, mode="r:")  # noqa: SIM115 - closed by the block below
    except (OSError, tarfile.TarError):
        raise BackupError(f"{path} cannot be read as a Safespace backup.") from None
    with archive:
        yield archive


def _pg_restore(content, target: dict, *, replace: bool) -> None:
    with connected(target) as alias:
        try:
            with connections[alias].cursor() as cursor:
                existing = list(table_counts(cursor, "postgresql"))
                if existing and not replace:
                    raise BackupError(_not_empty(target, len(existing)))
                if existing:
                    _pg_drop_tables(cursor, existing)
        except DatabaseError as error:
            raise _unreachable(target, error) from None
    command = [
        pg_tool("pg_restore"),
        # owned by whoever restores; in one transaction: all of it or nothing
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--clean",
        "--if-exists",
        _pg_dbname(target),
    ]
    # stderr to a file: a full pipe could stall pg_restore while it is being fed
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            env=_pg_env(target),
        )
        try:
            shutil.copyfileobj(content, process.stdin, 1024 * 1024)
            process.stdin.close()
        except BrokenPipeError:
            pass  # pg_restore stopped early: its exit code and message say why
        returncode = process.wait()
        errors.seek(0)
        stderr = errors.read()
    if returncode != 0:
        raise _pg_failure("pg_restore", stderr, target)


def _sqlite_restore(content, target: dict, *, replace: bool) -> None:
    destination = Path(target["NAME"])
    if destination.exists():
        try:
            with closing(sqlite3.connect(f"file:{destination}?mode=ro", uri=True)) as existing:
                tables = table_counts(existing.cursor(), "sqlite")
        except sqlite3.DatabaseError:
            raise BackupError(f"The target {destination} is not a SQLite database.") from None
        if tables and not replace:
            raise BackupError(_not_empty(target, len(tables)))
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=destination.parent, prefix=".restore-", suffix=".sqlite3")
    try:
        with os.fdopen(fd, "wb") as handle:
            shutil.copyfileobj(content, handle, 1024 * 1024)
        with closing(sqlite3.connect(name)) as source:
            if source.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise BackupError("This backup's database is damaged; nothing restored.")
            if not destination.exists():
                os.close(os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            with closing(sqlite3.connect(destination)) as restored:
                source.backup(restored)  # replaces every page of the target
    finally:
        os.unlink(name)


def _restored_verify(manifest: dict, target: dict, engine: str) -> RestoreResult:
    with connected(target) as alias, connections[alias].cursor() as cursor:
        counts = table_counts(cursor, engine)
        canary = _canary_row(cursor)
    after = "the restored data was dropped"
    if canary is None:
        raise BackupError(f"The restored database holds no encryption check; {after}.")
    verified = _keys_verify(canary[0], canary[1] or "", after=after)
    if counts != manifest["tables"]:
        differ = sorted(
            name
            for name in set(counts) | set(manifest["tables"])
            if counts.get(name) != manifest["tables"].get(name)
        )
        raise BackupError(
            f"The restored row counts differ from the backup's in {len(differ)} table(s) "
            f"({', '.join(differ[:5])}); {after}."
        )
    return RestoreResult(tables=counts, blind_index_verified=verified)


def _wipe(target: dict, engine: str) -> None:
    """Leave the target empty: nothing the app could start on and misread."""
    if engine == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{target['NAME']}{suffix}").unlink(missing_ok=True)
        return
    with connected(target) as alias, connections[alias].cursor() as cursor:
        _pg_drop_tables(cursor, list(table_counts(cursor, "postgresql")))


def _pg_drop_tables(cursor, names: list[str]) -> None:
    if names:
        cursor.execute(f"DROP TABLE IF EXISTS {', '.join(map(_quote, names))} CASCADE")


def _not_empty(target: dict, tables: int) -> str:
    return (
        f"The target database ({describe(target)}) already holds {tables} table(s): restore "
        "into an empty database, or pass --yes to drop its tables first."
    )


def _unreachable(target: dict, error: Exception) -> BackupError:
    detail = (str(error).strip().splitlines() or ["no message"])[0]
    if target.get("PASSWORD"):
        detail = detail.replace(str(target["PASSWORD"]), "***")
    return BackupError(
        f"Cannot use the target database ({describe(target)}); create it empty first: {detail}"
    )
