"""A fresh database for a benchmark run, made only where a benchmark may make one.

Only a database whose name starts with "bench" is ever dropped and recreated:
an SQLite file named bench*.sqlite3, or a PostgreSQL database named bench*.
Anything else is refused, so a mistyped DATABASE_URL cannot erase real files.
"""

from __future__ import annotations

from pathlib import Path

from django.db import connection

PREFIX = "bench"


class NotABenchmarkDatabase(Exception):
    pass


def database_recreate() -> str:
    """Drop and recreate the configured database (empty, unmigrated); return its name."""
    settings = connection.settings_dict
    name = str(settings["NAME"])
    if connection.vendor == "sqlite":
        path = Path(name)
        if not path.name.startswith(PREFIX):
            raise NotABenchmarkDatabase(
                f"only an SQLite file named {PREFIX}*.sqlite3 is recreated, not {path.name}"
            )
        connection.close()
        path.unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.name
    if connection.vendor == "postgresql":
        if not name.startswith(PREFIX):
            raise NotABenchmarkDatabase(
                f"only a PostgreSQL database named {PREFIX}* is recreated, not {name}"
            )
        import psycopg
        from psycopg import sql

        connection.close()
        params = {
            "dbname": "postgres",
            "user": settings.get("USER") or None,
            "password": settings.get("PASSWORD") or None,
            "host": settings.get("HOST") or None,
            "port": settings.get("PORT") or None,
        }
        with psycopg.connect(
            **{k: v for k, v in params.items() if v}, autocommit=True
        ) as maintenance:
            maintenance.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            maintenance.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return name
    raise NotABenchmarkDatabase(f"{connection.vendor} is not supported")
